// SPDX-License-Identifier: Apache-2.0

package storage

import (
	"errors"
	"fmt"
	"sync"

	"riffle/internal/vfs"
)

// The page cache behind a partition's active segment. Every stepBytes
// of log written, the committer queues a cache step for the partition, which
// the engine's cache worker runs on files that take hints (vfs.CacheHints;
// the in-memory FS does not):
//
//   - Write mode: it starts the writeback of the log and index written since
//     the last step. Acknowledgements there wait for no fdatasync, so
//     without it the pages stay dirty until the kernel's own writeback (30 s,
//     or a tenth of memory dirty), and the fdatasync that seals a segment at
//     its roll writes the whole segment at once: a stall of the shard's
//     writer, about a second per GiB, during which no partition of the shard
//     is acknowledged. Started early, the disk takes the segment as it grows
//     and the seal finds little left.
//   - Both modes: log more than Options.CacheWindow behind the newest byte,
//     written back by then, is dropped from the page cache. Tail readers read
//     the window; readers further behind read the disk, as they would once
//     memory is short anyway. Appending at disk speed otherwise fills every
//     free page with log that nobody reads, and each appended byte lands in a
//     page the kernel must find first (reclaiming one, or on a virtual machine
//     often one the host must fault in); dropped pages are reused warm.
//
// The committer only records how far a partition got and queues it; the
// worker works out the ranges when it runs, so steps that queue up while a
// slow disk holds it merge into one, and no acknowledgement ever waits for
// one. Steps change nothing about what is durable: only an fdatasync covers
// data. The index stays cached (16 bytes a message), only its writeback is
// started.

// stepBytes is how much log a partition's active segment gathers between
// two cache steps.
const stepBytes = MinCacheWindow

// dropAlign aligns the ends of dropped ranges: a multiple of every page size.
const dropAlign = 64 << 10

// pageCache is a partition's cache-step state, guarded by Partition.mu.
type pageCache struct {
	seg       *segment // the active segment the positions are in
	logEnd    int64    // log and index written (fsync mode: and synced)
	idxEnd    int64
	stepAt    int64 // logEnd when the last step was queued
	logKicked int64 // writeback started up to here
	idxKicked int64
	dropped   int64 // dropped from the cache up to here
	queued    bool
}

// noteWrittenLocked records that pt's writes completed (in fsync mode: and
// were synced) and reports whether a cache step is due and should be queued.
// Caller holds p.mu.
func (p *Partition) noteWrittenLocked(pt *part) bool {
	pc := &p.pc
	if p.e.opts.Durability != DurabilityWrite && p.e.opts.CacheWindow < 0 {
		return false
	}
	if pc.seg != pt.seg {
		*pc = pageCache{seg: pt.seg, queued: pc.queued}
	}
	pc.logEnd, pc.idxEnd = pt.end, pt.idxAt+int64(pt.idxHi-pt.idxLo)
	if pc.queued || pc.logEnd-pc.stepAt < stepBytes {
		return false
	}
	pc.stepAt, pc.queued = pc.logEnd, true
	return true
}

// cacheStep is the work of one step, worked out by the worker.
type cacheStep struct {
	seg              *segment
	logOff, logEnd   int64 // writeback
	idxOff, idxEnd   int64 // writeback
	dropOff, dropEnd int64
}

// takeStep works out p's cache step and takes a reference on its segment;
// false if there is nothing to do.
func (p *Partition) takeStep() (cacheStep, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	pc := &p.pc
	pc.queued = false
	if pc.seg == nil || pc.seg.deleted || p.err != nil {
		return cacheStep{}, false
	}
	st := cacheStep{seg: pc.seg, dropOff: pc.dropped, dropEnd: pc.dropped}
	clean := pc.logEnd // fsync mode: synced
	if p.e.opts.Durability == DurabilityWrite {
		st.logOff, st.logEnd, st.idxOff, st.idxEnd = pc.logKicked, pc.logEnd, pc.idxKicked, pc.idxEnd
		clean = pc.logKicked // written back, or being, since an earlier step
		pc.logKicked, pc.idxKicked = pc.logEnd, pc.idxEnd
	}
	// Whole pages only: the cache keeps a page the range ends inside.
	if w := p.e.opts.CacheWindow; w > 0 {
		if to := min(pc.logEnd-w, clean) &^ (dropAlign - 1); to > pc.dropped {
			st.dropEnd, pc.dropped = to, to
		}
	}
	pc.seg.refs++
	return st, true
}

// cacheWorker runs the cache steps of an engine's partitions on its own
// goroutine.
type cacheWorker struct {
	queue partQueue
	stop  chan struct{}
	done  chan struct{}

	mu       sync.Mutex
	barriers []chan struct{} // closed once the steps queued before them ran
}

func startCacheWorker() *cacheWorker {
	w := &cacheWorker{queue: newPartQueue(), stop: make(chan struct{}), done: make(chan struct{})}
	go w.loop()
	return w
}

// enqueue queues p, whose noteWrittenLocked asked for a step.
func (w *cacheWorker) enqueue(p *Partition) { w.queue.push(p) }

// settle waits until every step queued so far ran.
func (w *cacheWorker) settle() {
	done := make(chan struct{})
	w.mu.Lock()
	w.barriers = append(w.barriers, done)
	w.mu.Unlock()
	w.queue.signal()
	<-done
}

// shutdown stops the worker; steps still queued are skipped (they are
// hints) and hold no references.
func (w *cacheWorker) shutdown() {
	close(w.stop)
	<-w.done
}

func (w *cacheWorker) loop() {
	defer close(w.done)
	for {
		select {
		case <-w.stop:
			return
		case <-w.queue.wake:
		}
		// Barriers first: whatever was queued before one is in the list
		// taken next, or ran already.
		w.mu.Lock()
		barriers := w.barriers
		w.barriers = nil
		w.mu.Unlock()
		queue := w.queue.take()
		for _, p := range queue {
			if st, ok := p.takeStep(); ok {
				p.runStep(st)
			}
		}
		w.queue.done(queue)
		for _, b := range barriers {
			close(b)
		}
	}
}

// runStep runs st and releases its segment. A failed writeback fails the
// partition as a failed sync would: data the disk refused must not be built
// upon. A failed drop only leaves pages cached.
func (p *Partition) runStep(st cacheStep) {
	defer p.release(st.seg)
	err := errors.Join(startWriteback(st.seg.log, st.logOff, st.logEnd), startWriteback(st.seg.index, st.idxOff, st.idxEnd))
	if err != nil {
		p.fail(fmt.Errorf("writeback %s: %w", st.seg.logPath, err), 0)
		return
	}
	if h, ok := st.seg.log.(vfs.CacheHints); ok && st.dropEnd > st.dropOff {
		_ = h.DropCache(st.dropOff, st.dropEnd-st.dropOff)
	}
}

// startWriteback starts the writeback of [off, end) of f if f takes hints.
func startWriteback(f vfs.File, off, end int64) error {
	if h, ok := f.(vfs.CacheHints); ok && end > off {
		return h.StartWriteback(off, end-off)
	}
	return nil
}
