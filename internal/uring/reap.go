// SPDX-License-Identifier: Apache-2.0

package uring

import (
	"errors"
	"fmt"
	"os"

	"github.com/pawelgaczynski/giouring"
)

// cqe is a copy of the fields riffle uses from a completion-queue entry.
type cqe struct {
	data uint64
	res  int32
}

// reapLoop is the completion goroutine. It parks in the netpoller on the
// eventfd, which the kernel signals after posting CQEs; on each wake it
// copies out every CQE, advances the CQ head and applies them. It exits when
// Close closes the eventfd. It is the only reader of the CQ ring.
func (b *Backend) reapLoop() {
	defer close(b.reapDone)
	var counter [8]byte
	batch := make([]cqe, 0, 2*b.entries)
	for {
		if _, err := b.efd.Read(counter[:]); err != nil {
			if errors.Is(err, os.ErrClosed) {
				return
			}
			panic(fmt.Sprintf("BUG: read io_uring eventfd: %v", err))
		}
		b.stats.wakeups.Add(1)
		for {
			batch = b.reapCQ(batch[:0])
			if len(batch) == 0 {
				break
			}
			for _, c := range batch {
				b.apply(c)
			}
		}
	}
}

// reapCQ appends the CQEs that are ready to dst and frees their CQ slots.
func (b *Backend) reapCQ(dst []cqe) []cqe {
	if invariants && b.ring.CQHasOverflow() {
		// The admission bound (Entries operations of at most two SQEs, CQ of
		// 2×Entries) makes overflow impossible; nothing here would flush it.
		panic("BUG: io_uring CQ overflowed")
	}
	b.handoff.Load()
	var n uint32
	b.ring.ForEachCQE(func(c *giouring.CompletionQueueEvent) {
		dst = append(dst, cqe{data: c.UserData, res: c.Res})
		n++
	})
	b.ring.CQAdvance(n)
	b.stats.cqes.Add(uint64(n))
	return dst
}

// apply routes one CQE to its operation and, when the operation's round is
// over, either submits its next round or completes it.
func (b *Backend) apply(c cqe) {
	idx := uint32(c.data >> 1)
	if idx >= uint32(len(b.slots)) {
		panic(fmt.Sprintf("BUG: io_uring CQE with user data %#x", c.data))
	}
	r := b.slots[idx].Load()
	if r == nil || r.pending == 0 {
		panic(fmt.Sprintf("BUG: io_uring CQE for idle slot %d", idx))
	}
	r.pending--
	if c.data&1 == kindWrite {
		r.onWrite(c.res, b.piece)
	} else {
		r.onFsync(c.res)
	}
	if r.pending > 0 {
		return
	}
	if !r.roundDone() {
		b.stats.resubmits.Add(1)
		b.submit(r.next(b.piece))
		return
	}
	b.slots[idx].Store(nil)
	b.free <- idx
	b.stats.completed.Add(1)
	if r.err != nil {
		b.stats.failed.Add(1)
	}
	r.op.Complete(r.n, r.err)
	b.release()
}
