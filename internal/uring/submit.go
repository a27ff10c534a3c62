// SPDX-License-Identifier: Apache-2.0

package uring

import (
	"errors"
	"fmt"
	"runtime"
	"syscall"
	"time"
	"unsafe"

	"github.com/pawelgaczynski/giouring"
)

// submit hands one round of SQEs to the ring, in the Backend's mode. It never
// blocks on completions; in SubmitOwner mode it never blocks at all, because
// the channel has room for one round per slot.
func (b *Backend) submit(s sub) {
	if b.mode == SubmitOwner {
		b.subs <- s
		return
	}
	b.smu.Lock()
	b.prepLocked(s)
	b.flushLocked()
	b.smu.Unlock()
}

// startOwner starts the owner goroutine and waits until it has set up the
// ring.
func (b *Backend) startOwner(entries uint32) error {
	ready := make(chan error)
	b.ownerDone = make(chan error, 1)
	go b.ownerLoop(entries, ready)
	return <-ready
}

// ownerLoop is the owner goroutine of SubmitOwner mode. Locked to its thread,
// it sets up the ring, then fills SQEs from b.subs, draining whatever is
// queued before one io_uring_enter, until Close closes b.subs; then it
// unregisters the eventfd and exits the ring.
func (b *Backend) ownerLoop(entries uint32, ready chan<- error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if err := b.setupRing(entries); err != nil {
		ready <- err
		return
	}
	b.subs = make(chan sub, b.entries)
	ready <- nil

	for s := range b.subs {
		b.prepLocked(s)
	drain:
		for {
			select {
			case s, ok := <-b.subs:
				if !ok {
					break drain
				}
				b.prepLocked(s)
			default:
				break drain
			}
		}
		b.flushLocked()
	}
	b.ownerDone <- b.teardownRing()
}

// prepLocked fills the SQEs of one round, submitting first if the SQ lacks
// room for all of them (a linked pair must go in one submission). The caller
// serializes SQ access: it holds smu, or it is the owner goroutine.
func (b *Backend) prepLocked(s sub) {
	need := uint32(1)
	if s.write && s.fsync {
		need = 2
	}
	if b.ring.SQSpaceLeft() < need {
		b.flushLocked()
	}
	if s.write {
		sqe := b.getSQELocked()
		sqe.PrepareWrite(int(s.fd), uintptr(unsafe.Pointer(&s.buf[0])), uint32(len(s.buf)), s.off)
		sqe.UserData = tag(s.idx, kindWrite)
		if s.fsync {
			sqe.Flags = giouring.SqeIOLink
		}
	}
	if s.fsync {
		sqe := b.getSQELocked()
		sqe.PrepareFsync(int(s.fd), giouring.FsyncDatasync)
		sqe.UserData = tag(s.idx, kindFsync)
	}
	b.stats.sqes.Add(uint64(need))
}

// getSQELocked returns a zeroed SQE. giouring's Prepare helpers leave some
// fields (rw_flags, addr3, file_index) as the slot's previous user set them,
// so a write after an fsync in the same slot would inherit its flags.
func (b *Backend) getSQELocked() *giouring.SubmissionQueueEntry {
	sqe := b.ring.GetSQE()
	if sqe == nil {
		b.flushLocked()
		if sqe = b.ring.GetSQE(); sqe == nil {
			panic("BUG: io_uring SQ full right after a complete submit")
		}
	}
	*sqe = giouring.SubmissionQueueEntry{}
	return sqe
}

// flushLocked submits every SQE filled so far. Transient failures of
// io_uring_enter (EINTR, EAGAIN, EBUSY, ENOMEM) are retried with a short
// backoff; any other failure means the ring itself is broken.
func (b *Backend) flushLocked() {
	b.handoff.Add(1)
	batches, err := submitAll(b.ring)
	b.stats.batches.Add(uint64(batches))
	if err != nil {
		panic(fmt.Sprintf("BUG: io_uring_enter on a live ring: %v", err))
	}
}

const maxSubmitBackoff = time.Millisecond

// submitAll enters the kernel until it has consumed every filled SQE and
// returns the number of io_uring_enter calls that submitted something. A
// kernel that stops at an SQE it cannot submit has posted a CQE for it, so
// looping submits the rest.
func submitAll(ring *giouring.Ring) (int, error) {
	batches := 0
	backoff := time.Duration(0)
	for ring.SQReady() > 0 {
		n, err := ring.Submit()
		switch {
		case err == nil && n > 0:
			batches++
			backoff = 0
			continue
		case err == nil, errors.Is(err, syscall.EAGAIN), errors.Is(err, syscall.EBUSY),
			errors.Is(err, syscall.ENOMEM):
			backoff = min(max(2*backoff, 10*time.Microsecond), maxSubmitBackoff)
			time.Sleep(backoff)
		case errors.Is(err, syscall.EINTR):
		default:
			return batches, fmt.Errorf("io_uring_enter: %w", err)
		}
	}
	return batches, nil
}
