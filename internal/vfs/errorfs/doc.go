// SPDX-License-Identifier: Apache-2.0

// Package errorfs wraps a vfs.FS and injects I/O errors (EIO, ENOSPC, short
// writes) into chosen operations, so storage tests can check that a failed
// write or fsync is never acknowledged and fails the partition.
//
// An Injector sees every operation before it reaches the wrapped FS and
// returns the error to inject, or nil. A write whose injected error wraps
// io.ErrShortWrite writes the first half of its bytes and then fails, like a
// disk that filled up mid-write. Every other injected error leaves the
// wrapped FS untouched.
//
// Wrapped files do not implement vfs.FdFile, so they are driven by the
// portable vfs.Sync backend, not io_uring. The wrapper never logs and is safe
// for concurrent use when its Injector is.
package errorfs
