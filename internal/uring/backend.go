// SPDX-License-Identifier: Apache-2.0

package uring

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/pawelgaczynski/giouring"

	"riffle/internal/vfs"
)

// SubmitMode chooses how submissions to the ring are serialized.
type SubmitMode int

const (
	// SubmitDefault selects the mode measured fastest on riffle's target
	// (see DefaultSubmitMode).
	SubmitDefault SubmitMode = iota
	// SubmitMutex: the goroutine that calls WriteAt, Sync or WriteAtSync takes
	// a mutex, fills the SQEs and enters the kernel itself.
	SubmitMutex
	// SubmitOwner: one goroutine locked to its OS thread owns the ring. It is
	// fed by a channel, batches whatever is queued into one io_uring_enter,
	// and makes every ring syscall (setup, register, enter, exit).
	SubmitOwner
)

// DefaultSubmitMode is what SubmitDefault means: SubmitMutex, the faster mode
// on riffle's target. BenchmarkWrite and BenchmarkWriteSync, 2-core VM
// shared with other jobs (load 4-8), kernel 6.18, ext4, Go 1.26, medians of 5,
// µs per operation (lower is better), qd = operations kept in flight:
//
//	                              GOMAXPROCS=1          GOMAXPROCS=2
//	                                mutex  owner  pwrite  mutex  owner
//	write 64 KiB, qd 1                 35    103      38     55    134
//	write 64 KiB, qd 16                17     44       -     20     27
//	write 1 MiB, qd 1                 311    282     269    199    455
//	write 1 MiB, qd 16                183    442       -    331    362
//	write+fdatasync 64 KiB, qd 1     2085    920    3488   1649   1637
//	write+fdatasync 64 KiB, qd 4      230    239       -    288    193
//	write+fdatasync 1 MiB, qd 1      1615   5497    1096   2814   4870
//	write+fdatasync 1 MiB, qd 4       932   1245       -   1493   1677
//
// The owner goroutine costs a thread hand-off per wake (it is locked to its
// thread, so the P must move to it), which outweighs its batching except
// where fdatasync latency dominates and the noise is as large as the
// difference. An earlier set of 3 runs at lower load agreed on the write rows
// (64 KiB qd 1: mutex 28, owner 114 µs). Full figures: bench_results.txt.
const DefaultSubmitMode = SubmitMutex

// String returns "mutex", "owner" or "default".
func (m SubmitMode) String() string {
	switch m {
	case SubmitMutex:
		return "mutex"
	case SubmitOwner:
		return "owner"
	case SubmitDefault:
		return "default"
	}
	return fmt.Sprintf("SubmitMode(%d)", int(m))
}

// DefaultEntries is the submission-queue size used when Options.Entries is 0.
const DefaultEntries = 256

// maxEntries is the kernel's IORING_MAX_ENTRIES.
const maxEntries = 32768

// maxPiece caps the length of one write SQE. The SQE length field is 32 bits
// and Linux writes at most 2 GiB - 4 KiB per call; longer writes go out as
// consecutive pieces.
const maxPiece = 1 << 30

// Options configures New. The zero value is valid.
type Options struct {
	// Entries is the submission-queue size; the kernel rounds it up to a power
	// of two and sizes the completion queue at twice that. It also bounds the
	// operations in flight: a call that would exceed it waits for a slot.
	// 0 means DefaultEntries; at most 32768.
	Entries uint32
	// Submit chooses the serialization of submissions; 0 means
	// DefaultSubmitMode.
	Submit SubmitMode
}

// Stats are counters since New. They are read atomically one by one, so a
// snapshot taken while operations run may be slightly inconsistent.
type Stats struct {
	// Submitted counts operations accepted (WriteAt, Sync, WriteAtSync calls
	// that reached the ring).
	Submitted uint64
	// Completed counts operations whose Op has completed, with or without error.
	Completed uint64
	// Failed counts completed operations whose Op carries an error.
	Failed uint64
	// SQEs counts submission-queue entries filled, including resubmitted pieces.
	SQEs uint64
	// Batches counts io_uring_enter calls that submitted at least one SQE.
	Batches uint64
	// CQEs counts completion-queue entries reaped.
	CQEs uint64
	// Wakeups counts eventfd reads by the completion goroutine.
	Wakeups uint64
	// Resubmits counts write pieces submitted after the first one of an
	// operation (short writes and writes longer than one SQE can carry).
	Resubmits uint64
}

// Backend is the io_uring implementation of vfs.Backend: one ring, whose
// completions are read by one goroutine woken through an eventfd. It is safe
// for concurrent use. See the package documentation for its goroutines and
// ordering.
type Backend struct {
	mode    SubmitMode
	entries uint32
	piece   int // maximum bytes per write SQE; maxPiece except in tests

	ring   *giouring.Ring
	efdNum int      // registered with the ring
	efd    *os.File // owns efdNum; read by reapLoop

	// state counts operations accepted and not yet completed; closedBit is set
	// by Close. drained is closed once closedBit is set and the count is 0.
	state     atomic.Int64
	drained   chan struct{}
	drainOnce sync.Once

	// free holds the indices of unused slots: taking one is the admission
	// bound, and the index tags the operation's SQEs.
	free  chan uint32
	slots []atomic.Pointer[req]

	// smu serializes SQ access in SubmitMutex mode; subs feeds the owner
	// goroutine in SubmitOwner mode.
	smu       sync.Mutex
	subs      chan sub
	ownerDone chan error

	reapDone chan struct{}
	// handoff is bumped by the submitter before each io_uring_enter and
	// loaded by the completion goroutine before each scan of the CQ. The kernel already
	// orders a submission before its CQE; this makes that order visible to
	// the Go memory model (and the race detector), so the completion
	// goroutine happens-after everything the submitter did before entering.
	handoff atomic.Uint64

	closeOnce sync.Once
	closeErr  error

	stats struct {
		submitted, completed, failed, sqes, batches, cqes, wakeups, resubmits atomic.Uint64
	}
}

const closedBit = int64(1) << 62

var _ vfs.Backend = (*Backend)(nil)

// New sets up a ring, registers an eventfd with it and starts the completion
// goroutine (and, in SubmitOwner mode, the owner goroutine). Call Probe once
// before the first New to tell "unsupported here" from other failures; New
// itself wraps ErrNotSupported only around io_uring_setup failures that mean
// io_uring is unavailable. The caller must Close the Backend.
func New(opts Options) (*Backend, error) {
	if opts.Entries == 0 {
		opts.Entries = DefaultEntries
	}
	if opts.Entries > maxEntries {
		return nil, fmt.Errorf("new io_uring backend: %d entries, at most %d", opts.Entries, maxEntries)
	}
	if opts.Submit == SubmitDefault {
		opts.Submit = DefaultSubmitMode
	}
	if opts.Submit != SubmitMutex && opts.Submit != SubmitOwner {
		return nil, fmt.Errorf("new io_uring backend: unknown submit mode %v", opts.Submit)
	}
	b := &Backend{
		mode:     opts.Submit,
		piece:    maxPiece,
		drained:  make(chan struct{}),
		reapDone: make(chan struct{}),
	}
	var err error
	if b.mode == SubmitOwner {
		err = b.startOwner(opts.Entries)
	} else {
		err = b.setupRing(opts.Entries)
	}
	if err != nil {
		return nil, err
	}
	b.free = make(chan uint32, b.entries)
	for i := range b.entries {
		b.free <- i
	}
	b.slots = make([]atomic.Pointer[req], b.entries)
	go b.reapLoop()
	return b, nil
}

// setupRing creates the ring and registers a fresh eventfd with it. It runs
// on the goroutine that will make every later ring syscall.
func (b *Backend) setupRing(entries uint32) error {
	ring := giouring.NewRing()
	if err := ring.QueueInit(entries, 0); err != nil {
		return setupError("new io_uring backend: setup", err)
	}
	efdNum, efd, err := newEventfd()
	if err != nil {
		ring.QueueExit()
		return fmt.Errorf("new io_uring backend: %w", err)
	}
	if _, err := ring.RegisterEventFd(efdNum); err != nil {
		efd.Close()
		ring.QueueExit()
		return fmt.Errorf("new io_uring backend: register eventfd: %w", err)
	}
	b.ring, b.efdNum, b.efd = ring, efdNum, efd
	b.entries = ring.SQSpaceLeft() // the kernel's rounded size
	return nil
}

// Name returns "uring".
func (b *Backend) Name() string { return "uring" }

// Mode returns the submission mode in use (never SubmitDefault).
func (b *Backend) Mode() SubmitMode { return b.mode }

// Entries returns the submission-queue size the kernel granted, which is also
// the bound on operations in flight.
func (b *Backend) Entries() uint32 { return b.entries }

// Stats returns the counters.
func (b *Backend) Stats() Stats {
	return Stats{
		Submitted: b.stats.submitted.Load(),
		Completed: b.stats.completed.Load(),
		Failed:    b.stats.failed.Load(),
		SQEs:      b.stats.sqes.Load(),
		Batches:   b.stats.batches.Load(),
		CQEs:      b.stats.cqes.Load(),
		Wakeups:   b.stats.wakeups.Load(),
		Resubmits: b.stats.resubmits.Load(),
	}
}

// WriteAt writes all of p at off in f. p must stay unmodified, and f open,
// until the Op completes; the Backend keeps both reachable until then. A short
// write is continued with the rest of p, so the Op reports either len(p) and
// nil, or the bytes written before the first error and that error: a
// syscall.Errno wrapped with the file name and offset, io.ErrShortWrite if the
// kernel made no progress, syscall.EINVAL for a negative off, ErrNoFd if f is
// not a vfs.FdFile, vfs.ErrClosed after Close. WriteAt does not wait for the
// write, but it may wait for a slot while Entries operations are in flight.
func (b *Backend) WriteAt(f vfs.File, p []byte, off int64) *vfs.Op {
	return b.start(f, p, off, false)
}

// Sync makes the data of f durable with fdatasync (IORING_FSYNC_DATASYNC). It
// covers every write whose Op completed before the call. Errors and blocking
// are as for WriteAt.
func (b *Backend) Sync(f vfs.File) *vfs.Op {
	return b.start(f, nil, 0, true)
}

// WriteAtSync writes all of p at off and then fdatasyncs f: the write SQE is
// linked (IOSQE_IO_LINK) to the fsync SQE, and the Op completes after the
// fsync's completion. A failed write cancels the fsync, and the Op reports the
// write's error; otherwise it reports the fsync's. Short writes are continued
// as in WriteAt, with the fsync linked to the last piece.
func (b *Backend) WriteAtSync(f vfs.File, p []byte, off int64) *vfs.Op {
	return b.start(f, p, off, true)
}

// start admits one operation, takes a slot and hands its first SQEs to the
// submitter.
func (b *Backend) start(f vfs.File, p []byte, off int64, sync bool) *vfs.Op {
	if len(p) == 0 && !sync {
		if b.state.Load()&closedBit != 0 {
			return vfs.DoneOp(0, vfs.ErrClosed)
		}
		return vfs.DoneOp(0, nil)
	}
	ff, ok := f.(vfs.FdFile)
	if !ok {
		return vfs.DoneOp(0, fmt.Errorf("io_uring %s: %w", fileName(f), ErrNoFd))
	}
	if off < 0 {
		return vfs.DoneOp(0, fmt.Errorf("write %s at %d: negative offset: %w", fileName(f), off, syscall.EINVAL))
	}
	if !b.acquire() {
		return vfs.DoneOp(0, vfs.ErrClosed)
	}
	idx := <-b.free
	r := &req{
		op:   vfs.NewOp(),
		f:    f,
		fd:   int32(ff.Fd()),
		buf:  p,
		off:  off,
		sync: sync,
		idx:  idx,
	}
	s := r.next(b.piece)
	b.slots[idx].Store(r)
	b.stats.submitted.Add(1)
	b.submit(s)
	return r.op
}

// acquire counts a new operation in, unless the Backend is closed.
func (b *Backend) acquire() bool {
	if b.state.Add(1)&closedBit != 0 {
		b.release()
		return false
	}
	return true
}

// release counts an operation out and signals Close when it was the last.
func (b *Backend) release() {
	if b.state.Add(-1) == closedBit {
		b.drainOnce.Do(func() { close(b.drained) })
	}
}

// Close stops accepting operations (they complete with vfs.ErrClosed), waits
// for every operation in flight to complete, stops the goroutines,
// unregisters the eventfd and releases the ring. It returns the first error
// of that teardown; calling it again returns the same result.
func (b *Backend) Close() error {
	b.closeOnce.Do(func() { b.closeErr = b.close() })
	return b.closeErr
}

func (b *Backend) close() error {
	if b.state.Or(closedBit) == 0 {
		b.drainOnce.Do(func() { close(b.drained) })
	}
	<-b.drained
	// No CQE can arrive any more. Stop the completion goroutine before the
	// rings are unmapped under it: closing the eventfd ends its read.
	efdErr := b.efd.Close()
	<-b.reapDone
	var ringErr error
	if b.mode == SubmitOwner {
		close(b.subs)
		ringErr = <-b.ownerDone
	} else {
		b.smu.Lock()
		ringErr = b.teardownRing()
		b.smu.Unlock()
	}
	if efdErr != nil {
		return errors.Join(fmt.Errorf("close io_uring backend: close eventfd: %w", efdErr), ringErr)
	}
	return ringErr
}

// teardownRing unregisters the eventfd and exits the ring. It runs on the
// goroutine that made the other ring syscalls.
func (b *Backend) teardownRing() error {
	err := unregisterEventfd(b.ring)
	b.ring.QueueExit()
	if err != nil {
		return fmt.Errorf("close io_uring backend: %w", err)
	}
	return nil
}

func fileName(f vfs.File) string {
	if f == nil {
		return "<nil file>"
	}
	return f.Name()
}
