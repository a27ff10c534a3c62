// SPDX-License-Identifier: Apache-2.0

// Package uring is the io_uring implementation of vfs.Backend: asynchronous
// writes, fdatasyncs and linked write+fdatasync chains on one ring per shard.
//
// It owns the ring, the eventfd registered with it and the goroutines that
// drive them, and nothing else: it opens no files (callers pass vfs.FdFile
// values and keep them open), never logs (errors go into Ops; Stats counts),
// and is the only package that imports giouring. Binaries that link it need
// -ldflags=-checklinkname=0.
//
// # Requirements
//
// Linux MinKernel (5.6) or newer with io_uring enabled. Probe tells whether
// this process may use it; when it returns an error wrapping ErrNotSupported
// the caller uses the portable vfs backend instead. ExplainProbe says whether
// such a refusal is honest: on a kernel of at least AssuredKernel (6.1) with
// kernel.io_uring_disabled 0 and no seccomp filter (ReadHost) it is a fault,
// and the tests of this package and of the storage engine fail instead of
// skipping.
//
// # Goroutines and the ring
//
//	callers ──WriteAt/Sync/WriteAtSync──► admission: state count, free slot
//	                                            │ sub (value)
//	               SubmitMutex: caller takes smu │ SubmitOwner: chan → owner goroutine
//	                                            ▼   (locked to its OS thread)
//	                         SQ ring ──io_uring_enter (no wait)──► kernel
//	                                                                 │ CQE + eventfd signal
//	  Op.Complete ◄── completion goroutine ◄── eventfd read parks in the netpoller
//	                  (reaps the CQ ring; submits the next round of a short write)
//
// No thread ever blocks in io_uring_enter waiting for completions: submission
// enters with min_complete 0, and the completion goroutine waits in the
// netpoller, so it holds neither a P nor an OS thread while idle.
//
// Submission is serialized in one of two ways (Options.Submit):
//
//   - SubmitMutex: the calling goroutine takes a mutex, fills the SQEs and
//     enters the kernel. Any thread may submit.
//   - SubmitOwner: one goroutine, locked to its OS thread for the ring's whole
//     life, sets up the ring, makes every submission and registration syscall
//     and exits the ring; callers feed it through a channel, and it submits
//     everything queued in one io_uring_enter.
//
// DefaultSubmitMode is the faster of the two on riffle's target, as measured
// by this package's benchmarks.
//
// The completion goroutine is the only reader of the CQ ring (shared memory,
// no syscall) in both modes. Lock order: smu is the only lock; it is held
// only while filling SQEs and in io_uring_enter (including the short backoff
// after EAGAIN or EBUSY), never while waiting for a slot or a completion.
//
// # Operations
//
// Each operation takes one of Entries slots until it completes; the slot index
// is the user data of its SQEs. A call made while every slot is busy waits for
// one, which bounds the SQEs in flight at 2×Entries, the CQ size, so the CQ
// never overflows. The Backend keeps each operation's file and buffer
// reachable until its last CQE.
//
// Ordering follows the vfs.Backend contract:
//
//  1. Sync is one IORING_OP_FSYNC with IORING_FSYNC_DATASYNC. It covers every
//     write whose Op completed before Sync was called.
//  2. WriteAtSync is a write SQE linked (IOSQE_IO_LINK) to an fdatasync SQE;
//     its Op completes after the fdatasync's CQE. A failed write cancels the
//     fdatasync (ECANCELED) and the Op reports the write's error.
//  3. A short write is continued: the rest of the buffer goes out as a new
//     round (with the fdatasync linked to it for WriteAtSync), so an Op reports
//     either the whole length or an error, never partial success. A write
//     that makes no progress fails with io.ErrShortWrite. Writes longer than
//     1 GiB go out in 1 GiB pieces the same way.
//  4. A negative CQE result becomes the Op's error: the syscall.Errno, wrapped
//     with the operation and file name ("write seg.log at 4096: ...").
//
// # Caller's duties
//
//  1. Call Probe once at start; on ErrNotSupported use the portable backend.
//  2. Pass files that implement vfs.FdFile (others fail with ErrNoFd) and
//     keep them open until their Ops complete.
//  3. Leave each buffer unmodified until its Op completes.
//  4. Close the Backend after the last operation; Close waits for operations
//     in flight, and later operations fail with vfs.ErrClosed.
//
// In SubmitMutex mode the kernel ties io-wq workers and task work to the
// submitting thread: do not submit from a goroutine that is locked to its
// thread and will exit without unlocking, because the thread's exit cancels
// its requests.
package uring
