// SPDX-License-Identifier: Apache-2.0

// Package vfs is the file seam under riffle's storage engine.
//
// It owns three things and nothing else:
//
//   - FS and File: the synchronous file operations storage needs (open, create,
//     read, truncate, rename, remove, directory fsync). OS is the real
//     implementation; NewMem is an in-memory file system that can produce the
//     states a power loss could leave behind; errorfs injects I/O errors.
//   - Backend: asynchronous writes and syncs that return an *Op completion, so
//     storage can express group commit ("every batch that arrived while an fsync
//     was in flight shares the next one") and linked write+fsync chains. Sync is
//     the portable implementation (pwrite/fdatasync on goroutines); the io_uring
//     implementation lives in internal/uring and satisfies the same interface.
//   - Op: the completion type shared by every backend.
//
// vfs never logs and never imports storage, uring, ipc or net.
//
// Ordering contract for every Backend (the same as io_uring gives):
//
//  1. A Sync covers exactly the writes whose Ops completed before Sync was
//     called. Writes still in flight may or may not be covered.
//  2. WriteAtSync writes p and then syncs the file; its Op completes after the
//     sync, and reports the first error of either step.
//  3. A short write is an error (io.ErrShortWrite); backends never report
//     partial success.
package vfs
