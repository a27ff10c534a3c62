// SPDX-License-Identifier: Apache-2.0

package vfs

import (
	"io"
	"os"
)

// FS is the set of file-system operations the storage engine uses. Paths are
// slash-separated and interpreted by the implementation (OS: the real file
// system; Mem: an in-memory tree). Implementations are safe for concurrent use.
type FS interface {
	// Create creates name for reading and writing, truncating it if it exists.
	// The new directory entry is durable only after SyncDir of its parent.
	Create(name string) (File, error)
	// Open opens an existing file read-only.
	Open(name string) (File, error)
	// OpenReadWrite opens an existing file for reading and writing.
	OpenReadWrite(name string) (File, error)
	// Remove removes a file or an empty directory. Durable after SyncDir of the parent.
	Remove(name string) error
	// RemoveAll removes a directory tree. Durable after SyncDir of the parent.
	RemoveAll(name string) error
	// Rename atomically replaces newname with oldname. Durable after SyncDir of
	// both parents.
	Rename(oldname, newname string) error
	// MkdirAll creates dir and any missing parents. Durable after SyncDir of
	// each parent that gained an entry.
	MkdirAll(dir string, perm os.FileMode) error
	// List returns the names of the entries of dir, sorted.
	List(dir string) ([]string, error)
	// Stat describes name.
	Stat(name string) (os.FileInfo, error)
	// SyncDir makes the entries of dir (creates, renames, removes) durable.
	SyncDir(dir string) error
}

// File is an open file. ReadAt and WriteAt may be called concurrently;
// everything else is serialized by the caller.
type File interface {
	io.ReaderAt
	io.WriterAt
	io.Closer
	// Sync makes the file's data durable (fdatasync semantics).
	Sync() error
	// Truncate changes the file size. Durable after Sync.
	Truncate(size int64) error
	// Size returns the current size, including writes not yet synced.
	Size() (int64, error)
	// Name returns the path the file was opened with.
	Name() string
}

// FdFile is implemented by files backed by an OS file descriptor. The io_uring
// backend needs the descriptor; files without one are served by Sync.
type FdFile interface {
	File
	// Fd returns the descriptor. It stays owned by the File: callers never close it.
	Fd() uintptr
}

// CacheHints is implemented by files in the OS page cache. Both calls are
// hints that change nothing about what is durable (only Sync does) and
// return without waiting for I/O:
//   - StartWriteback starts writing back the dirty pages of the n bytes at
//     off, so that a later Sync finds less to write.
//   - DropCache evicts the clean pages of the n bytes at off from the cache
//     (dirty ones, and ones still being written back, stay).
//
// Files that do not implement it keep their pages until Sync and eviction.
type CacheHints interface {
	StartWriteback(off, n int64) error
	DropCache(off, n int64) error
}

// Backend performs writes and syncs asynchronously; see the ordering contract
// in the package documentation. Implementations are safe for concurrent use.
// After Close every new operation completes with ErrClosed.
type Backend interface {
	// WriteAt writes all of p at off. p must not be modified until the Op completes.
	WriteAt(f File, p []byte, off int64) *Op
	// Sync makes f's data durable (fdatasync).
	Sync(f File) *Op
	// WriteAtSync writes all of p at off and then syncs f, as one chain.
	WriteAtSync(f File, p []byte, off int64) *Op
	// Name identifies the backend in logs and status ("sync", "uring").
	Name() string
	// Close waits for operations in flight and releases the backend.
	Close() error
}
