// SPDX-License-Identifier: Apache-2.0

package storage

import (
	"errors"
	"fmt"

	"riffle/internal/vfs"
)

// The page cache behind a partition's active segment. Every writebackBytes
// of log appended, the committer takes a cache step for the partition, on
// files that take hints (vfs.CacheHints; the in-memory FS does not):
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
// Steps run on the syncer goroutine, never on an acknowledgement's path, and
// change nothing about what is durable: only an fdatasync covers data. The
// index stays cached (16 bytes a message), only its writeback is started.

// writebackBytes is how much log a partition's active segment gathers
// between two cache steps.
var writebackBytes int64 = MinCacheWindow

// dropAlign aligns the ends of dropped ranges: a multiple of every page size.
const dropAlign = 64 << 10

// cacheStep is one cache step of a partition: the log and index ranges whose
// writeback to start and the log range to drop. It holds a reference on the
// segment until it ran.
type cacheStep struct {
	p                *Partition
	seg              *segment
	logOff, logEnd   int64 // writeback
	idxOff, idxEnd   int64 // writeback
	dropOff, dropEnd int64
}

// nextCacheStepLocked returns the cache step pt's completed writes call for,
// if writebackBytes of log gathered since the last one; kick asks for the
// writeback (write mode). Caller holds p.mu.
func (p *Partition) nextCacheStepLocked(pt *part, kick bool) (cacheStep, bool) {
	window := p.e.opts.CacheWindow
	if !kick && window < 0 {
		return cacheStep{}, false
	}
	idxEnd := pt.idxAt + int64(pt.idxHi-pt.idxLo)
	if p.pcSeg != pt.seg {
		p.pcSeg, p.pcLog, p.pcIdx, p.pcDropped = pt.seg, 0, 0, 0
	}
	if pt.end-p.pcLog < writebackBytes || pt.seg.deleted {
		return cacheStep{}, false
	}
	st := cacheStep{p: p, seg: pt.seg, dropOff: p.pcDropped, dropEnd: p.pcDropped}
	clean := pt.end // fsync mode: the syncer synced all of it
	if kick {
		st.logOff, st.logEnd, st.idxOff, st.idxEnd = p.pcLog, pt.end, p.pcIdx, idxEnd
		clean = p.pcLog // written back, or being, since the last step
	}
	// Whole pages only: the cache keeps a page the range ends inside.
	if to := min(pt.end-window, clean) &^ (dropAlign - 1); window > 0 && to > p.pcDropped {
		st.dropEnd = to
		p.pcDropped = to
	}
	p.pcLog, p.pcIdx = pt.end, idxEnd
	pt.seg.refs++
	return st, true
}

// runCacheSteps runs the steps and releases their segments. A failed
// writeback fails the partition as a failed sync would: data the disk
// refused must not be built upon. A failed drop only leaves pages cached.
func (c *committer) runCacheSteps(steps []cacheStep) {
	for _, st := range steps {
		if st.p.Err() == nil {
			err := errors.Join(startWriteback(st.seg.log, st.logOff, st.logEnd), startWriteback(st.seg.index, st.idxOff, st.idxEnd))
			if err != nil {
				st.p.fail(fmt.Errorf("writeback %s: %w", st.seg.logPath, err), 0)
			} else if h, ok := st.seg.log.(vfs.CacheHints); ok && st.dropEnd > st.dropOff {
				_ = h.DropCache(st.dropOff, st.dropEnd-st.dropOff)
			}
		}
		st.p.release(st.seg)
	}
}

// startWriteback starts the writeback of [off, end) of f if f takes hints.
func startWriteback(f vfs.File, off, end int64) error {
	if h, ok := f.(vfs.CacheHints); ok && end > off {
		return h.StartWriteback(off, end-off)
	}
	return nil
}
