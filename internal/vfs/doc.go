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
//   - Lock: an flock(2) helper so one data directory has one owner process.
//
// The crash model of Mem (see Mem and CrashClone): each file has a synced
// image plus the writes and truncates issued since its last Sync; each
// directory has durable entries plus the creates, removes and renames issued
// since its last SyncDir. CrashClone builds one state a power loss could
// leave: synced data always, and of the rest whatever the CrashMode keeps
// (nothing, everything, a prefix, a reordered subset of sectors, a torn last
// write, a zero-filled tail), with each unsynced directory change kept or lost
// on its own but never half applied. Clone copies page cache and disk state
// alike, which is what a process crash leaves.
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
