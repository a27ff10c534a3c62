// SPDX-License-Identifier: Apache-2.0

package uring

import (
	"fmt"
	"io"
	"syscall"

	"riffle/internal/vfs"
)

// req is one operation in flight. It is created by start, published to the
// completion goroutine through Backend.slots, and from then on touched only
// by the completion goroutine: the submitter works from sub values, so no
// field is shared across goroutines without a happens-before edge.
type req struct {
	op   *vfs.Op
	f    vfs.File // keeps the descriptor's owner reachable until completion
	fd   int32
	buf  []byte // bytes still to write; buf[0] is at off
	off  int64
	sync bool // fdatasync after the last byte
	idx  uint32

	n       int   // bytes written so far
	err     error // first error; ends the operation
	pending int   // CQEs outstanding for the current round
	synced  bool  // an fdatasync succeeded after the last write
	// fsyncRes is the result of the current round's fsync, if it had one.
	fsyncRes  int32
	fsyncSeen bool
}

// sub is one round of SQEs for the submitter: a write of buf at off, an
// fdatasync, or a write linked to an fdatasync. It is a value, so the
// submitter never reads a req.
type sub struct {
	buf   []byte
	off   uint64
	fd    int32
	idx   uint32
	write bool
	fsync bool
}

// Kinds of SQE, in the low bit of the user data; the slot index is above it.
const (
	kindWrite = 0
	kindFsync = 1
)

func tag(idx uint32, kind uint64) uint64 { return uint64(idx)<<1 | kind }

// next prepares the next round: the next piece of at most piece bytes, with
// the fdatasync linked to it when it is the last piece, or a lone fdatasync
// when everything is written but not yet synced.
func (r *req) next(piece int) sub {
	s := sub{fd: r.fd, idx: r.idx}
	r.fsyncSeen = false
	if len(r.buf) > 0 {
		n := min(len(r.buf), piece)
		s.buf, s.off, s.write = r.buf[:n], uint64(r.off), true
		r.pending++
		if n == len(r.buf) && r.sync {
			s.fsync = true
			r.pending++
		}
		return s
	}
	s.fsync = true
	r.pending++
	return s
}

// onWrite applies the CQE of a write that was submitted by next(piece).
func (r *req) onWrite(res int32, piece int) {
	submitted := min(piece, len(r.buf))
	switch {
	case res < 0:
		r.fail(fmt.Errorf("write %s at %d: %w", fileName(r.f), r.off, syscall.Errno(-res)))
	case res == 0:
		r.fail(fmt.Errorf("write %s at %d: %w", fileName(r.f), r.off, io.ErrShortWrite))
	case int(res) > submitted:
		panic(fmt.Sprintf("BUG: io_uring write of %d bytes reports %d", submitted, res))
	default:
		r.n += int(res)
		r.buf = r.buf[res:]
		r.off += int64(res)
	}
}

// onFsync records an fsync CQE; it is judged in roundDone, once the round's
// write result is known too.
func (r *req) onFsync(res int32) {
	r.fsyncRes, r.fsyncSeen = res, true
}

// roundDone is called when the current round has no CQE outstanding. It
// reports whether the operation is finished; if not, the caller submits
// r.next.
func (r *req) roundDone() bool {
	if r.err != nil {
		return true // a failed write cancelled its fsync: report the write's error
	}
	if r.fsyncSeen {
		res := r.fsyncRes
		switch {
		case res == -int32(syscall.ECANCELED) && len(r.buf) > 0:
			// The kernel cancels a link after a short write; the rest goes
			// out with a new linked fsync.
		case res < 0:
			r.fail(fmt.Errorf("fdatasync %s: %w", fileName(r.f), syscall.Errno(-res)))
			return true
		case len(r.buf) == 0:
			r.synced = true
		}
	}
	return len(r.buf) == 0 && (!r.sync || r.synced)
}

func (r *req) fail(err error) {
	if r.err == nil {
		r.err = err
	}
}
