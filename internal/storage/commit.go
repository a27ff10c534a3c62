// SPDX-License-Identifier: Apache-2.0

package storage

import (
	"errors"
	"fmt"
	"sync"

	"riffle/internal/vfs"
)

// The committer turns appends into writes and fsyncs, for every partition of
// the engine and for the offsets log:
//
//	Append ──► Partition.pending ──► dirty list ──► writer ──► waiter ──► syncer
//
//	writer   one round at a time: take each dirty partition's pending batches,
//	         issue their writes (coalesced, ≥ 64 KiB pieces, all in flight
//	         together) and pass the round on without waiting
//	waiter   rounds in order: wait for the round's writes; in write mode
//	         acknowledge it, in fsync mode pass it on
//	syncer   fdatasync of every log touched by all rounds queued (the group
//	         commit), then acknowledge them
//
// So up to maxWriteRounds rounds are written at once: a partition whose batch
// arrives while another partition's write is in flight does not wait for it.
// Rounds stay in order through every stage, so a partition's batches are
// acknowledged in offset order. A sync is issued only after the writes it must
// cover have completed, so it covers them (vfs ordering contract, rule 1).
// Whatever needs every earlier write to have returned (sealing a segment,
// compacting the offsets log) first drains the waiter (drainWrites).
//
// Failures: a write error fails its partition in the waiter, a sync error in
// the syncer; batches are only ever completed by the stage that holds them,
// after their writes returned. Batches of a partition taken into later rounds
// before the failure was noticed fail when those rounds complete.

// coalesceMin is the size below which consecutive batches of a partition are
// copied into one buffer and written together.
const coalesceMin = 64 << 10

// maxWriteRounds bounds the rounds whose writes are issued and not yet
// waited for by the waiter (beyond the one it is waiting for).
const maxWriteRounds = 4

type committer struct {
	e *Engine

	dirty partQueue // partitions with pending batches, for the writer

	stop   chan struct{}
	waitq  chan *round   // writer → waiter
	syncq  chan *round   // waiter → syncer
	exited chan struct{} // closed when the three goroutines have returned
	cache  *cacheWorker  // runs the cache steps the waiter and syncer queue

	rounds sync.Pool // *round
	bufs   sync.Pool // *[]byte
	files  map[vfs.File]int
}

// part is one partition's share of a round.
type part struct {
	p       *Partition
	seg     *segment
	first   uint64 // first offset written
	last    uint64 // last offset written
	end     int64  // log size once written
	lastSum uint64 // checksum of the last message
	frames  [][]byte
	logOff  int64
	idx     []byte // the whole index buffer taken from the partition
	idxLo   int
	idxHi   int
	idxAt   int64
	ops     []*vfs.Op
	bufs    []*[]byte
	err     error
}

type round struct {
	ckpts   []ckptCand // write mode: only checkpoints to complete
	parts   []part
	off     offsetsBatch
	barrier chan struct{} // closed when the syncer reaches this round
	waited  chan struct{} // closed when the waiter reaches this round, which carries nothing else
}

func newCommitter(e *Engine) *committer {
	c := &committer{
		e:      e,
		dirty:  newPartQueue(),
		stop:   make(chan struct{}),
		waitq:  make(chan *round, maxWriteRounds),
		syncq:  make(chan *round, 64),
		exited: make(chan struct{}),
		files:  map[vfs.File]int{},
		cache:  startCacheWorker(),
	}
	c.rounds.New = func() any { return new(round) }
	syncerDone := make(chan struct{})
	go func() {
		c.syncLoop()
		close(syncerDone)
	}()
	go func() {
		c.waitLoop()
		close(c.syncq)
	}()
	go func() {
		c.writeLoop()
		close(c.waitq)
		<-syncerDone // after the waiter, which closes syncq
		close(c.exited)
	}()
	return c
}

// enqueue puts p on the dirty list and wakes the writer.
func (c *committer) enqueue(p *Partition) { c.dirty.push(p) }

// kick wakes the writer for a round without a new partition.
func (c *committer) kick() { c.dirty.signal() }

// shutdown makes the writer drain everything queued and waits for the
// three goroutines to return.
func (c *committer) shutdown() {
	close(c.stop)
	<-c.exited
	c.cache.shutdown()
}

func (c *committer) getBuf(n int) *[]byte {
	if v := c.bufs.Get(); v != nil {
		b := v.(*[]byte)
		if cap(*b) >= n {
			*b = (*b)[:n]
			return b
		}
	}
	b := make([]byte, n, max(n, coalesceMin))
	return &b
}

func (c *committer) putBuf(b *[]byte) {
	if cap(*b) <= 16<<20 {
		c.bufs.Put(b)
	}
}

func (c *committer) writeLoop() {
	for {
		select {
		case <-c.dirty.wake:
			c.writeRound()
		case <-c.stop:
			for c.writeRound() {
			}
			return
		}
	}
}

// writeRound runs one round and reports whether it found any work.
func (c *committer) writeRound() bool {
	dirty := c.dirty.take()
	r := c.rounds.Get().(*round)
	var again []*Partition
	for _, p := range dirty {
		if c.take(r, p) {
			again = append(again, p)
		}
	}
	found := len(dirty) > 0
	c.dirty.done(dirty)
	r.off = c.e.offsets.take()
	if len(r.parts) == 0 && r.off.empty() {
		c.rounds.Put(r)
		return found
	}

	for i := range r.parts {
		c.issueWrites(&r.parts[i])
	}
	if !r.off.empty() {
		r.off.op = c.e.io.WriteAt(r.off.file, r.off.buf, r.off.pos)
	}
	c.waitq <- r
	for _, p := range again {
		c.enqueue(p)
	}
	if c.e.offsets.needsCompaction() {
		c.drainSyncer()
		c.e.offsets.compact()
	}
	return true
}

func (c *committer) waitLoop() {
	for r := range c.waitq {
		switch {
		case r.waited != nil:
			close(r.waited)
			r.waited = nil
			c.rounds.Put(r)
		case r.barrier != nil: // drainSyncer
			c.syncq <- r
		default:
			c.waitRound(r)
		}
	}
}

// waitRound waits for the writes of r, fails the partitions whose writes
// failed, and acknowledges r (write mode) or passes it to the syncer.
func (c *committer) waitRound(r *round) {
	for i := range r.parts {
		pt := &r.parts[i]
		for _, op := range pt.ops {
			if err := op.Err(); err != nil && pt.err == nil {
				pt.err = err
			}
		}
		for _, b := range pt.bufs {
			c.putBuf(b)
		}
		pt.bufs = pt.bufs[:0]
		if pt.err != nil {
			pt.p.fail(fmt.Errorf("write %s: %w", pt.seg.logPath, pt.err), pt.first)
		}
	}
	if !r.off.empty() {
		if err := r.off.op.Err(); err != nil {
			r.off.err = err
			c.e.offsets.fail(fmt.Errorf("write %s: %w", r.off.file.Name(), err))
		}
	}

	switch {
	case c.e.opts.Durability == DurabilityWrite:
		// Acknowledge now; checkpoints are synced on the syncer, off this path.
		cands := c.checkpointCandidates(r)
		c.finish(r)
		if len(cands) > 0 {
			ck := c.rounds.Get().(*round)
			ck.ckpts = cands
			c.syncq <- ck
		}
	case c.e.opts.testAckBeforeSync:
		c.finish(r)
	default:
		c.syncq <- r
	}
}

// drainWrites waits until the waiter has seen every round issued so far, so
// that all their writes have returned. Only the writer calls it.
func (c *committer) drainWrites() {
	r := c.rounds.Get().(*round)
	r.waited = make(chan struct{})
	done := r.waited
	c.waitq <- r
	<-done
}

// take moves p's pending batches of one segment into r. It reports whether
// batches for a later segment remain.
func (c *committer) take(r *round, p *Partition) (more bool) {
	p.mu.Lock()
	if len(p.pending) == 0 || p.err != nil {
		p.queued = false
		p.mu.Unlock()
		return false
	}
	if seg := p.pending[0].seg; !seg.created() {
		// Earlier rounds may still be writing to the segment roll seals, and
		// one of them may fail the partition: a segment with a failed write
		// must never be sealed.
		p.mu.Unlock()
		c.drainWrites()
		p.mu.Lock()
		if len(p.pending) == 0 || p.err != nil {
			p.queued = false
			p.mu.Unlock()
			return false
		}
		p.mu.Unlock()
		if from, err := c.roll(p, seg); err != nil {
			p.fail(err, from)
			return false
		}
		p.mu.Lock()
		if p.err != nil {
			p.mu.Unlock()
			return false
		}
	}
	seg := p.pending[0].seg
	k := 1
	for k < len(p.pending) && p.pending[k].seg == seg {
		k++
	}
	group := p.pending[:k]
	if len(r.parts) < cap(r.parts) {
		r.parts = r.parts[:len(r.parts)+1] // reuse the slot's slices
	} else {
		r.parts = append(r.parts, part{})
	}
	pt := &r.parts[len(r.parts)-1]
	*pt = part{p: p, seg: seg, first: group[0].first, last: group[k-1].last,
		end: group[k-1].logOff + int64(len(group[k-1].frames)), lastSum: group[k-1].lastSum, frames: pt.frames[:0], ops: pt.ops[:0], bufs: pt.bufs[:0],
		logOff: group[0].logOff, idx: p.idx, idxLo: group[0].idxOff,
		idxHi: group[k-1].idxOff + group[k-1].idxLen,
		idxAt: int64(group[0].first-seg.start) * indexEntrySize}
	for i := range group {
		if invariants && i > 0 && (group[i].logOff != group[i-1].logOff+int64(len(group[i-1].frames)) ||
			group[i].first != group[i-1].last+1) {
			panic(fmt.Sprintf("BUG: partition %s batch at %d/%d does not follow %d/%d", p.key,
				group[i].first, group[i].logOff, group[i-1].last, group[i-1].logOff))
		}
		pt.frames = append(pt.frames, group[i].frames)
	}
	seg.refs++ // retention must not close seg's files before this part is finished
	p.inflight = append(p.inflight, group...)
	if k < len(p.pending) {
		rest := p.idx[pt.idxHi:]
		nb := c.getBuf(len(rest))
		copy(*nb, rest)
		p.idx = *nb
		n := copy(p.pending, p.pending[k:])
		clear(p.pending[n:])
		p.pending = p.pending[:n]
		for i := range p.pending {
			p.pending[i].idxOff -= pt.idxHi
		}
		more = true
	} else {
		clear(p.pending)
		p.pending = p.pending[:0]
		p.idx = (*c.getBuf(0))[:0]
		p.queued = false
	}
	p.mu.Unlock()
	return more
}

// issueWrites submits pt's log bytes (large batches directly, runs of small
// ones copied together) and its index entries.
func (c *committer) issueWrites(pt *part) {
	io := c.e.io
	pos := pt.logOff
	var run *[]byte
	var runAt int64
	flush := func() {
		if run != nil {
			pt.ops = append(pt.ops, io.WriteAt(pt.seg.log, *run, runAt))
			pt.bufs = append(pt.bufs, run)
			run = nil
		}
	}
	for _, f := range pt.frames {
		if len(f) >= coalesceMin {
			flush()
			pt.ops = append(pt.ops, io.WriteAt(pt.seg.log, f, pos))
		} else {
			if run == nil {
				run = c.getBuf(0)
				*run = (*run)[:0]
				runAt = pos
			}
			*run = append(*run, f...)
			if len(*run) >= coalesceMin {
				flush()
			}
		}
		pos += int64(len(f))
	}
	flush()
	pt.ops = append(pt.ops, io.WriteAt(pt.seg.index, pt.idx[pt.idxLo:pt.idxHi], pt.idxAt))
	idx := pt.idx
	pt.bufs = append(pt.bufs, &idx)
	clear(pt.frames)
	pt.frames = pt.frames[:0]
}

// roll makes seg the partition's active segment: the previous active segment
// (all of whose writes have returned: take drained the waiter) is
// fdatasynced, log and index, then
// seg's files are created and the directory fsynced, before any byte goes
// to seg. So a crash never leaves a segment after a torn one.
//
// On error it also returns the offset from which batches must fail: 0 if
// sealing (an fdatasync) failed, seg.start if only creating seg did.
func (c *committer) roll(p *Partition, seg *segment) (uint64, error) {
	p.mu.Lock()
	prev := p.segments[len(p.segments)-1]
	p.mu.Unlock()
	if err := errors.Join(c.e.io.Sync(prev.log).Err(), c.e.io.Sync(prev.index).Err()); err != nil {
		return 0, fmt.Errorf("seal segment %s: %w", prev.logPath, err)
	}
	if err := createSegmentFiles(c.e.opts.FS, seg); err != nil {
		return seg.start, err
	}
	if err := c.e.opts.FS.SyncDir(p.dir); err != nil {
		seg.closeFiles()
		seg.log, seg.index = nil, nil
		return seg.start, fmt.Errorf("sync dir %s: %w", p.dir, err)
	}
	p.mu.Lock()
	p.segments = append(p.segments, seg)
	p.mu.Unlock()
	if f := c.e.opts.Events.SegmentRolled; f != nil {
		f(SegmentInfo{Key: p.key, Start: seg.start, Size: prev.size})
	}
	return 0, nil
}

func (c *committer) syncLoop() {
	var rounds []*round
	var ops []*vfs.Op
	var files []vfs.File
	for r := range c.syncq {
		if c.runBackground(r) {
			continue
		}
		rounds = append(rounds[:0], r)
	more:
		for {
			select {
			case r2, ok := <-c.syncq:
				if !ok {
					break more
				}
				if c.runBackground(r2) {
					continue
				}
				rounds = append(rounds, r2)
			default:
				break more
			}
		}
		clear(c.files)
		files, ops = files[:0], ops[:0]
		var offFile vfs.File
		for _, r := range rounds {
			for i := range r.parts {
				pt := &r.parts[i]
				if pt.err != nil {
					continue
				}
				if _, ok := c.files[pt.seg.log]; !ok {
					c.files[pt.seg.log] = len(files)
					files = append(files, pt.seg.log)
				}
			}
			if !r.off.empty() && r.off.err == nil {
				offFile = r.off.file
			}
		}
		for _, f := range files {
			ops = append(ops, c.e.io.Sync(f))
		}
		var offOp *vfs.Op
		if offFile != nil {
			offOp = c.e.io.Sync(offFile)
		}
		errs := make([]error, len(ops))
		for i, op := range ops {
			errs[i] = op.Err()
		}
		var offErr error
		if offOp != nil {
			if offErr = offOp.Err(); offErr != nil {
				c.e.offsets.fail(fmt.Errorf("sync %s: %w", offFile.Name(), offErr))
			}
		}
		for _, r := range rounds {
			for i := range r.parts {
				pt := &r.parts[i]
				if pt.err != nil {
					continue
				}
				if err := errs[c.files[pt.seg.log]]; err != nil {
					// Batches in other files (earlier segments) whose
					// sync succeeded stay acknowledged.
					pt.p.fail(fmt.Errorf("sync %s: %w", pt.seg.logPath, err), pt.first)
				}
			}
			if offErr != nil && r.off.err == nil {
				r.off.err = offErr
			}
			c.checkpoints(r, true)
			c.finish(r)
		}
	}
}

// runBackground runs r if it is a write-mode background round (checkpoints
// to complete), and reports whether it was.
func (c *committer) runBackground(r *round) bool {
	if r.ckpts == nil {
		return false
	}
	c.completeCheckpoints(r.ckpts)
	r.ckpts = nil
	c.finish(r)
	return true
}

// checkpoints records the recovery checkpoints r's parts call for (see
// maybeCheckpoint) and queues the cache steps due (see pagecache.go).
func (c *committer) checkpoints(r *round, logSynced bool) {
	kicked := false
	for i := range r.parts {
		pt := &r.parts[i]
		if pt.err != nil || pt.p.Err() != nil {
			continue
		}
		pt.p.mu.Lock()
		step := pt.p.noteWrittenLocked(pt)
		pt.p.mu.Unlock()
		if step {
			c.cache.enqueue(pt.p)
		}
		before := pt.p.ckptEnd
		if err := c.maybeCheckpoint(pt, logSynced); err != nil {
			pt.p.fail(err, 0)
			continue
		}
		if pt.p.ckptEnd != before && !kicked {
			c.kick() // the record rides the next round
			kicked = true
		}
	}
}

// finish completes every batch and offsets record of r and recycles it.
func (c *committer) finish(r *round) {
	for i := range r.parts {
		pt := &r.parts[i]
		pt.p.complete(pt.last)
		pt.p.release(pt.seg)
		pt.p, pt.seg, pt.idx = nil, nil, nil
	}
	if !r.off.empty() {
		c.e.offsets.complete(&r.off)
	}
	if r.barrier != nil {
		close(r.barrier)
		r.barrier = nil
	}
	r.parts = r.parts[:0]
	r.off = offsetsBatch{}
	c.rounds.Put(r)
}

// drainSyncer waits until every round issued so far has been through the
// waiter and the syncer. Only the writer calls it (and tests, through
// SettleCheckpoints).
func (c *committer) drainSyncer() {
	r := c.rounds.Get().(*round)
	r.barrier = make(chan struct{})
	done := r.barrier
	c.waitq <- r
	<-done
}
