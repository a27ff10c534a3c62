// SPDX-License-Identifier: Apache-2.0

package storage

import (
	"fmt"
	"io"
	"time"

	"riffle/internal/protocol"
	"riffle/internal/vfs"
)

// Recovery checkpoints bound what a crash restart scans (reliability.md R9).
// Every checkpointBytes of log appended to a partition's active segment, once
// an fdatasync covered them, the committer also fdatasyncs the segment's
// index and records a checkpoint in the offsets log: "segment S holds count
// durable messages in its first size bytes, the last of which has checksum
// sum". Rolls are checkpoints too: sealed segments are never scanned.
//
// Recovery of the active segment S uses the newest checkpoint of S:
//
//   - The log is at least size bytes and the message the index names as
//     number count-1 ends at size, carries offset S+count-1 and checksum sum:
//     only the bytes after size are scanned, and only the index entries after
//     count are compared and rewritten.
//   - The log is shorter than size: something cut durable data (not a
//     crash); the whole segment is scanned and its torn tail cut, so the
//     partition still boots with every valid message.
//   - The log is long enough but that message does not verify: durable data
//     was damaged; the partition is fenced with a *CorruptionError.
//
// Purge records an empty checkpoint before it recreates segment 0, so a
// checkpoint never describes an older incarnation of a segment.
type checkpoint struct {
	stamp   uint64 // 0: none
	start   uint64
	size    int64
	count   uint32
	lastSum uint64
}

// checkpointBytes is how much log a partition appends between checkpoints.
var checkpointBytes int64 = 64 << 20

// writeModeCheckpointAge spaces checkpoints in write mode in time as well as
// bytes. There a checkpoint costs an fdatasync of the log that
// acknowledgements never paid for; taken once the kernel's own writeback has
// had its time (30 s by default, dirty_expire_centisecs), that sync finds
// the pages already clean and costs little. A crash scan then covers at most
// the data of the last interval — the part a write-mode crash may not have
// synced anyway (reliability.md R9). A partition's first interval counts
// from when it was opened.
var writeModeCheckpointAge = 30 * time.Second

func checkpointOf(r offsetRecord) checkpoint {
	return checkpoint{stamp: r.stamp, start: r.off, size: int64(r.size), count: r.c.ID, lastSum: r.sum}
}

func (c checkpoint) record(k Key) offsetRecord {
	return offsetRecord{typ: recCheckpoint, c: Consumer{ID: c.count}, stamp: c.stamp, k: k,
		off: c.start, size: uint64(c.size), sum: c.lastSum}
}

// checkpointFor returns the newest checkpoint of partition k found in this
// shard's or another shard's offsets log.
func (o *offsetsLog) checkpointFor(k Key) (checkpoint, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	var best checkpoint
	var dropped uint64
	if po := o.parts[k]; po != nil {
		best, dropped = po.ckpt, po.dropped
	}
	if po := o.foreign[k]; po != nil && po.ckpt.stamp > best.stamp && po.ckpt.stamp >= dropped {
		best = po.ckpt
	}
	return best, best.stamp != 0 && best.size > 0
}

// recordCheckpoint queues a checkpoint record; it becomes durable with the
// next round that syncs the offsets log.
func (o *offsetsLog) recordCheckpoint(k Key, c checkpoint) *vfs.Op {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.err != nil || o.closed {
		return o.appendLocked(offsetRecord{})
	}
	c.stamp = o.nextStampLocked()
	o.partLocked(k).ckpt = c
	return o.appendLocked(c.record(k))
}

// maybeCheckpoint records a checkpoint for pt's partition if its log has
// grown by checkpointBytes since the last one. The log bytes of pt must be
// durable already (fsync mode: the syncer just synced them); with logSynced
// false (write mode) they are fdatasynced here first. It reports an I/O error
// (which the caller turns into a partition failure).
func (c *committer) maybeCheckpoint(pt *part, logSynced bool) error {
	p := pt.p
	if p.ckptSeg == pt.seg && pt.end-p.ckptEnd < checkpointBytes {
		return nil
	}
	if p.ckptSeg != pt.seg && pt.end < checkpointBytes {
		return nil
	}
	ops := [2]*vfs.Op{c.e.io.Sync(pt.seg.index)}
	if !logSynced {
		ops[1] = c.e.io.Sync(pt.seg.log)
	}
	for _, op := range ops {
		if op != nil {
			if err := op.Err(); err != nil {
				return fmt.Errorf("checkpoint %s: %w", pt.seg.logPath, err)
			}
		}
	}
	p.ckptSeg, p.ckptEnd = pt.seg, pt.end
	c.e.offsets.recordCheckpoint(p.key, checkpoint{start: pt.seg.start, size: pt.end,
		count: uint32(pt.last - pt.seg.start + 1), lastSum: pt.lastSum})
	return nil
}

// ckptCand is a checkpoint the write-mode writer picked for the syncer: in
// write mode acknowledgements do not wait for an fdatasync, so neither may a
// checkpoint's; the syncer syncs the log and index and records it later,
// holding a reference on the segment meanwhile.
type ckptCand struct {
	p       *Partition
	seg     *segment
	end     int64
	last    uint64
	lastSum uint64
}

// checkpointCandidates picks, in write mode, the parts of r that call for a
// checkpoint and marks their partitions busy, and queues the cache steps
// due (see pagecache.go). Runs on the waiter goroutine.
func (c *committer) checkpointCandidates(r *round) []ckptCand {
	var out []ckptCand
	for i := range r.parts {
		pt := &r.parts[i]
		if pt.err != nil {
			continue
		}
		p := pt.p
		p.mu.Lock()
		p.written = ckptCand{p: p, seg: pt.seg, end: pt.end, last: pt.last, lastSum: pt.lastSum}
		k, due := p.nextCheckpointLocked()
		step := p.noteWrittenLocked(pt)
		p.mu.Unlock()
		if due {
			out = append(out, k)
		}
		if step {
			c.cache.enqueue(p)
		}
	}
	return out
}

// nextCheckpointLocked returns the checkpoint the newest written position
// calls for, marking the partition busy and holding the segment, if one is
// due and none is in flight. Caller holds p.mu.
func (p *Partition) nextCheckpointLocked() (ckptCand, bool) {
	w := p.written
	if w.seg == nil || p.err != nil || p.purging || p.ckptBusy || w.seg.deleted {
		return ckptCand{}, false
	}
	if (p.ckptSeg == w.seg && w.end-p.ckptEnd < checkpointBytes) || (p.ckptSeg != w.seg && w.end < checkpointBytes) {
		return ckptCand{}, false
	}
	now := p.e.opts.Clock.Now()
	if now.Sub(p.ckptAt) < writeModeCheckpointAge {
		return ckptCand{}, false
	}
	p.ckptAt = now
	p.ckptBusy = true
	w.seg.refs++
	return w, true
}

// completeCheckpoints syncs and records write-mode checkpoints. Runs on the
// syncer goroutine.
func (c *committer) completeCheckpoints(cands []ckptCand) {
	for len(cands) > 0 {
		k := cands[0]
		cands = cands[1:]
		p := k.p
		logOp, idxOp := c.e.io.Sync(k.seg.log), c.e.io.Sync(k.seg.index)
		err := logOp.Err()
		if ierr := idxOp.Err(); err == nil {
			err = ierr
		}
		if err != nil {
			p.fail(fmt.Errorf("checkpoint %s: %w", k.seg.logPath, err), 0)
		} else {
			// Recorded before ckptBusy clears: a Purge waits for that, so
			// its empty checkpoint always comes after this one.
			c.e.offsets.recordCheckpoint(p.key, checkpoint{start: k.seg.start, size: k.end,
				count: uint32(k.last - k.seg.start + 1), lastSum: k.lastSum})
			c.kick() // the record rides the next round
		}
		p.mu.Lock()
		if err == nil {
			p.ckptSeg, p.ckptEnd = k.seg, k.end
		}
		p.ckptBusy = false
		p.cond.Broadcast()
		// Writes that went on meanwhile may call for the next one already,
		// so checkpoints keep up after a burst that then stops.
		if next, due := p.nextCheckpointLocked(); due {
			cands = append(cands, next)
		}
		p.mu.Unlock()
		p.release(k.seg)
	}
}

// verifyCheckpoint reports whether the durable prefix ck describes is intact
// in s: index entry count-1 ends at ck.size and the message it names carries
// the right offset and checksum.
func verifyCheckpoint(s *segment, ck checkpoint) (bool, error) {
	n := uint64(ck.count)
	if n == 0 {
		return false, nil
	}
	last, err := readEntry(s.index, n-1)
	if err != nil {
		return false, err
	}
	var start uint32
	if n > 1 {
		prev, err := readEntry(s.index, n-2)
		if err != nil {
			return false, err
		}
		start = indexEnd(prev)
	}
	if indexRel(last) != uint32(n-1) || int64(indexEnd(last)) != ck.size || start >= indexEnd(last) {
		return false, nil
	}
	frame := make([]byte, indexEnd(last)-start)
	if _, err := s.log.ReadAt(frame, int64(start)); err != nil && err != io.EOF {
		return false, fmt.Errorf("read %s: %w", s.logPath, err)
	}
	return protocol.MessageFrameSize(frame) == len(frame) && protocol.MessageOffset(frame) == s.start+n-1 &&
		protocol.MessageChecksum(frame) == ck.lastSum && protocol.ComputeMessageChecksum(frame) == ck.lastSum, nil
}
