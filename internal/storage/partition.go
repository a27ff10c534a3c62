// SPDX-License-Identifier: Apache-2.0

package storage

import (
	"crypto/rand"
	"errors"
	"fmt"
	"math"
	mrand "math/rand/v2"
	"sync"
	"time"

	"riffle/internal/clock"
	"riffle/internal/protocol"
)

// PartitionConfig holds a partition's retention settings.
type PartitionConfig struct {
	// MessageExpiry deletes a sealed segment once its newest message is older
	// than this (0: never).
	MessageExpiry time.Duration
	// MaxSize is this partition's share of the topic's max size in bytes (0:
	// unlimited). The caller divides the topic limit by the partition count.
	// Retention deletes the oldest sealed segments while the partition is
	// larger than 90 % of MaxSize.
	MaxSize uint64
}

// Partition is one open partition: ordered segments, the next offset, and
// the appends in flight. All methods are safe for concurrent use by many
// goroutines.
type Partition struct {
	e   *Engine
	key Key
	dir string

	mu       sync.Mutex
	cond     *sync.Cond // signalled when purging ends; uses mu
	cfg      PartitionConfig
	segments []*segment // created segments, oldest first; the last one is active
	tail     *segment   // where the next Append goes; the active or a virtual segment
	next     uint64     // offset of the next message appended
	visible  uint64     // offsets below this are acknowledged and readable
	lastTS   uint64     // timestamps never go backwards within a partition
	pending  []batch    // stamped batches not yet taken by the committer
	inflight []batch    // taken by the committer, not yet completed
	idx      []byte     // index entries of the pending batches
	queued   bool       // on the committer's dirty list
	last     *Append    // the most recent Append
	err      error      // non-nil once failed, fenced or closed
	failFrom uint64     // with err: batches ending at or after this offset fail
	purging  bool
	closing  bool           // Engine.Close has begun: refuse new appends, finish the queued ones
	rng      *mrand.ChaCha8 // UUIDv4 source for messages sent with id 0

	// The last recovery checkpoint: in fsync mode owned by the syncer
	// goroutine; in write mode guarded by mu (the writer picks checkpoints,
	// the syncer completes them), with ckptBusy set while one is in flight.
	ckptSeg  *segment
	ckptEnd  int64
	ckptBusy bool
	ckptAt   time.Time // write mode: when the last checkpoint was started
	written  ckptCand  // write mode: the newest written position, for the next checkpoint

	pc pageCache // guarded by mu; see pagecache.go
}

// batch is one Append between stamping and completion.
type batch struct {
	seg     *segment
	frames  []byte
	first   uint64
	last    uint64
	logOff  int64 // position of frames in seg's log
	idxOff  int   // position of the batch's index entries in Partition.idx
	idxLen  int
	lastSum uint64 // checksum of the last message
	app     *Append
}

// Append is the completion of Partition.Append.
type Append struct {
	done        chan struct{}
	first, last uint64
	err         error
}

func newAppend() *Append { return &Append{done: make(chan struct{})} }

func (a *Append) finish(err error) {
	a.err = err
	close(a.done)
}

// Wait blocks until the batch is as durable as the engine's Durability
// requires, or has failed, and returns the offsets of its first and last
// message. After Wait returns, storage no longer uses the frames given to
// Append.
func (a *Append) Wait() (first, last uint64, err error) {
	<-a.done
	return a.first, a.last, a.err
}

// Done is closed when Wait would not block.
func (a *Append) Done() <-chan struct{} { return a.done }

func failedAppend(err error) *Append {
	a := newAppend()
	a.finish(err)
	return a
}

func newPartition(e *Engine, k Key, dir string, cfg PartitionConfig) *Partition {
	var seed [32]byte
	rand.Read(seed[:])
	p := &Partition{e: e, key: k, dir: dir, cfg: cfg, rng: mrand.NewChaCha8(seed), ckptAt: e.opts.Clock.Now()}
	p.cond = sync.NewCond(&p.mu)
	return p
}

// Key returns the partition's key.
func (p *Partition) Key() Key { return p.key }

// countFrames checks that frames is a sequence of whole message frames and
// returns how many.
func countFrames(frames []byte) (int, bool) {
	n, pos := 0, 0
	for pos < len(frames) {
		size := protocol.MessageFrameSize(frames[pos:])
		if size < 0 || size > len(frames)-pos {
			return 0, false
		}
		pos += size
		n++
	}
	return n, true
}

// Append appends a batch of count message frames (64-byte header, payload,
// user headers; the client's wire bytes) and returns its completion.
//
// Append takes ownership of frames until the completion is done: it writes
// the offset (consecutive from the partition's next offset), one server
// timestamp for the whole batch (µs, never lower than the previous batch's),
// a random UUIDv4 for every message whose id is 0, and the XXH3-64 checksum
// into the frames in place, exactly as stored and as later served. It never
// blocks on I/O; the write and (in fsync mode) the fdatasync happen on the
// committer.
//
// The completion's error wraps ErrInvalidBatch when frames does not hold
// exactly count frames, ErrPartitionFailed once a write or fsync of the
// partition failed (then nothing is acknowledged after the failed batch),
// ErrPartitionFenced, or ErrClosed.
func (p *Partition) Append(frames []byte, count int) *Append {
	if n, ok := countFrames(frames); !ok || n != count || n == 0 {
		return failedAppend(fmt.Errorf("append to partition %s: %d frames in %d bytes, count %d: %w",
			p.key, n, len(frames), count, ErrInvalidBatch))
	}
	a := newAppend()
	p.mu.Lock()
	for p.purging && p.err == nil {
		p.cond.Wait()
	}
	if p.err != nil || p.closing {
		err := p.err
		if err == nil {
			err = ErrClosed
		}
		p.mu.Unlock()
		a.finish(err)
		return a
	}
	seg := p.tail
	if seg.size > 0 && (seg.size >= p.e.opts.SegmentSize || seg.size+int64(len(frames)) > math.MaxUint32) {
		seg = &segment{start: p.next}
		seg.logPath, seg.indexPath = p.segmentPaths(seg.start)
		p.tail = seg
	}
	ts := max(clock.Micros(p.e.opts.Clock.Now()), p.lastTS)
	b := batch{seg: seg, frames: frames, first: p.next, last: p.next + uint64(count) - 1,
		logOff: seg.size, idxOff: len(p.idx), idxLen: count * indexEntrySize, app: a}
	p.idx = growBytes(p.idx, b.idxLen)
	entries := p.idx[b.idxOff:]
	pos, off := seg.size, p.next
	var id [16]byte
	var frame []byte
	for i := 0; i < count; i++ {
		size := protocol.MessageFrameSize(frames)
		frame = frames[:size]
		frames = frames[size:]
		protocol.SetMessageOffset(frame, off)
		protocol.SetMessageTimestamp(frame, ts)
		if protocol.MessageIDIsZero(frame) {
			p.rng.Read(id[:])
			id[6] = id[6]&0x0f | 0x40 // version 4
			id[8] = id[8]&0x3f | 0x80 // RFC 4122 variant
			protocol.SetMessageID(frame, id)
		}
		protocol.SealMessage(frame)
		pos += int64(size)
		putIndexEntry(entries[i*indexEntrySize:], uint32(off-seg.start), uint32(pos), ts)
		off++
	}
	a.first, a.last = b.first, b.last
	b.lastSum = protocol.MessageChecksum(frame)
	seg.size = pos
	seg.count += uint32(count)
	if seg.firstTS == 0 {
		seg.firstTS = ts
	}
	seg.lastTS = ts
	p.lastTS = ts
	p.next = off
	p.pending = append(p.pending, b)
	p.last = a
	wake := !p.queued
	p.queued = true
	p.mu.Unlock()
	if wake {
		p.e.commit.enqueue(p)
	}
	return a
}

// growBytes extends b by n bytes, reallocating with headroom when needed.
func growBytes(b []byte, n int) []byte {
	if len(b)+n <= cap(b) {
		return b[:len(b)+n]
	}
	nb := make([]byte, len(b)+n, 2*(len(b)+n))
	copy(nb, b)
	return nb
}

func (p *Partition) segmentPaths(start uint64) (log, index string) {
	base := p.dir + "/" + segmentName(start)
	return base + logExt, base + indexExt
}

// fail moves the partition to the failed state with cause (the first cause
// wins). Batches ending before offset from whose own I/O succeeded are still
// acknowledged; every other batch fails: those not yet taken by the
// committer at once, those being written by the committer once their writes
// have returned, so their frames are never released while the backend still
// reads them. After a failed fdatasync nothing unacknowledged in that file
// can be trusted, whatever a later fdatasync says, so a sync error passes the
// first unacknowledged offset of the file.
func (p *Partition) fail(cause error, from uint64) {
	p.mu.Lock()
	if p.err != nil {
		p.failFrom = min(p.failFrom, from)
		p.mu.Unlock()
		return
	}
	p.err = fmt.Errorf("partition %s: %w: %w", p.key, ErrPartitionFailed, cause)
	p.failFrom = from
	p.failPendingLocked()
	p.cond.Broadcast()
	p.mu.Unlock()
	if f := p.e.opts.Events.PartitionFailed; f != nil {
		f(p.key, cause)
	}
}

// closeWith marks the partition unusable with err (ErrClosed) without
// calling it failed.
func (p *Partition) closeWith(err error) {
	p.mu.Lock()
	if p.err == nil {
		p.err = err
	}
	p.failFrom = 0
	p.failPendingLocked()
	p.cond.Broadcast()
	p.mu.Unlock()
}

func (p *Partition) failPendingLocked() {
	for i := range p.pending {
		p.pending[i].app.finish(p.err)
	}
	clear(p.pending)
	p.pending = p.pending[:0]
	p.idx = p.idx[:0]
}

// complete finishes the in-flight batches up to offset through, in order:
// acknowledged (and made visible) unless the partition failed at or before
// them.
func (p *Partition) complete(through uint64) {
	p.mu.Lock()
	n := 0
	for n < len(p.inflight) && p.inflight[n].last <= through {
		b := &p.inflight[n]
		if p.err != nil && b.last >= p.failFrom {
			b.app.finish(p.err)
		} else {
			if invariants && b.first != p.visible {
				panic(fmt.Sprintf("BUG: partition %s acknowledges offset %d while %d is the next visible", p.key, b.first, p.visible))
			}
			p.visible = b.last + 1
			b.app.finish(nil)
		}
		n++
	}
	rest := copy(p.inflight, p.inflight[n:])
	clear(p.inflight[rest:])
	p.inflight = p.inflight[:rest]
	p.mu.Unlock()
}

// Err returns the error that failed, fenced or closed the partition, or nil.
func (p *Partition) Err() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.err
}

// Config returns the partition's retention settings.
func (p *Partition) Config() PartitionConfig {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cfg
}

// SetConfig replaces the partition's retention settings; the next
// EnforceRetention uses them.
func (p *Partition) SetConfig(cfg PartitionConfig) {
	p.mu.Lock()
	p.cfg = cfg
	p.mu.Unlock()
}

// FirstOffset returns the offset of the oldest stored message (the start of
// the oldest segment).
func (p *Partition) FirstOffset() uint64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.firstOffsetLocked()
}

func (p *Partition) firstOffsetLocked() uint64 {
	if len(p.segments) == 0 {
		return p.visible
	}
	return p.segments[0].start
}

// CurrentOffset returns the offset of the last acknowledged message, and
// empty = true when the partition has never held one (since creation or the
// last Purge), as Iggy's current_offset.
func (p *Partition) CurrentOffset() (off uint64, empty bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.visible == 0 {
		return 0, true
	}
	return p.visible - 1, false
}

// PartitionStats is a snapshot of a partition's size.
type PartitionStats struct {
	Segments      int
	SizeBytes     uint64 // log bytes of every segment, appends in flight included
	Messages      uint64 // acknowledged messages still stored
	FirstOffset   uint64
	CurrentOffset uint64
	Empty         bool // no message acknowledged since creation or Purge
}

// Stats returns a snapshot of the partition's size.
func (p *Partition) Stats() PartitionStats {
	p.mu.Lock()
	defer p.mu.Unlock()
	st := PartitionStats{Segments: len(p.segments), FirstOffset: p.firstOffsetLocked(), Empty: p.visible == 0}
	for _, s := range p.segments {
		st.SizeBytes += uint64(s.size)
	}
	if !st.Empty {
		st.CurrentOffset = p.visible - 1
		st.Messages = p.visible - st.FirstOffset
	}
	return st
}

// Flush waits for every Append issued before it to complete. With fsync it
// then fdatasyncs the active segment's log and index, which in write mode
// makes the acknowledged messages durable (Iggy's FlushUnsavedBuffer).
func (p *Partition) Flush(fsync bool) error {
	p.mu.Lock()
	last := p.last
	p.mu.Unlock()
	if last != nil {
		if _, _, err := last.Wait(); err != nil {
			return err
		}
	}
	if !fsync {
		return nil
	}
	p.mu.Lock()
	for p.purging && p.err == nil {
		p.cond.Wait()
	}
	if p.err != nil {
		err := p.err
		p.mu.Unlock()
		return err
	}
	seg := p.segments[len(p.segments)-1]
	seg.refs++
	p.mu.Unlock()
	defer p.release(seg)
	logOp, idxOp := p.e.io.Sync(seg.log), p.e.io.Sync(seg.index)
	err := errors.Join(logOp.Err(), idxOp.Err())
	if err != nil {
		err = fmt.Errorf("flush partition %s: %w", p.key, err)
		p.fail(err, 0)
	}
	return err
}

// release drops a reader's reference to seg and closes its files if seg was
// deleted meanwhile.
func (p *Partition) release(seg *segment) {
	p.mu.Lock()
	seg.refs--
	closeNow := seg.deleted && seg.refs == 0
	p.mu.Unlock()
	if closeNow {
		seg.closeFiles()
	}
}
