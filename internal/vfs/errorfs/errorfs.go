// SPDX-License-Identifier: Apache-2.0

package errorfs

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"strings"
	"sync"
	"syscall"

	"riffle/internal/vfs"
)

// OpKind names the operation an Injector is asked about.
type OpKind uint8

const (
	OpCreate OpKind = iota + 1
	OpOpen
	OpRemove
	OpRename
	OpMkdir
	OpList
	OpStat
	OpSyncDir
	OpRead
	OpWrite
	OpSync
	OpTruncate
	OpClose
)

var opNames = [...]string{"", "create", "open", "remove", "rename", "mkdir", "list", "stat",
	"syncdir", "read", "write", "sync", "truncate", "close"}

func (k OpKind) String() string {
	if int(k) < len(opNames) && k != 0 {
		return opNames[k]
	}
	return "op?"
}

// Op describes one operation. Off and Len are set for reads and writes.
type Op struct {
	Kind OpKind
	Path string
	Off  int64
	Len  int
}

// Injector decides which operations fail.
type Injector interface {
	// MaybeError returns the error op must fail with, or nil to let it run.
	MaybeError(op Op) error
}

// InjectorFunc adapts a function to Injector.
type InjectorFunc func(Op) error

// MaybeError implements Injector.
func (f InjectorFunc) MaybeError(op Op) error { return f(op) }

// Errors commonly injected; they are *fs.PathError-free errnos so callers can
// test them with errors.Is.
var (
	ErrIO      error = syscall.EIO
	ErrNoSpace error = syscall.ENOSPC
	// ErrShortWrite makes a write store half of its bytes and then fail.
	ErrShortWrite = io.ErrShortWrite
)

// Nth fails the Nth operation (1-based) that has kind Kind and satisfies
// Match (nil matches all), and with Sticky every matching operation after it
// too. It is safe for concurrent use.
type Nth struct {
	N      int
	Kind   OpKind
	Match  func(Op) bool
	Err    error
	Sticky bool

	mu    sync.Mutex
	seen  int
	fired int
}

// MaybeError implements Injector.
func (n *Nth) MaybeError(op Op) error {
	if op.Kind != n.Kind || (n.Match != nil && !n.Match(op)) {
		return nil
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	n.seen++
	if n.seen == n.N || (n.Sticky && n.seen > n.N) {
		n.fired++
		return n.Err
	}
	return nil
}

// Fired reports how many operations n has failed.
func (n *Nth) Fired() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.fired
}

// PathSuffix returns a Match function selecting paths that end in suffix.
func PathSuffix(suffix string) func(Op) bool {
	return func(op Op) bool { return strings.HasSuffix(op.Path, suffix) }
}

// FS is the error-injecting wrapper.
type FS struct {
	fs  vfs.FS
	inj Injector
}

// Wrap returns fs with inj consulted before every operation.
func Wrap(fs vfs.FS, inj Injector) *FS { return &FS{fs: fs, inj: inj} }

func (e *FS) check(kind OpKind, path string) error {
	if err := e.inj.MaybeError(Op{Kind: kind, Path: path}); err != nil {
		return &fs.PathError{Op: kind.String(), Path: path, Err: err}
	}
	return nil
}

// Create implements vfs.FS.
func (e *FS) Create(name string) (vfs.File, error) {
	if err := e.check(OpCreate, name); err != nil {
		return nil, err
	}
	f, err := e.fs.Create(name)
	if err != nil {
		return nil, err
	}
	return &file{f: f, inj: e.inj}, nil
}

// Open implements vfs.FS.
func (e *FS) Open(name string) (vfs.File, error) {
	if err := e.check(OpOpen, name); err != nil {
		return nil, err
	}
	f, err := e.fs.Open(name)
	if err != nil {
		return nil, err
	}
	return &file{f: f, inj: e.inj}, nil
}

// OpenReadWrite implements vfs.FS.
func (e *FS) OpenReadWrite(name string) (vfs.File, error) {
	if err := e.check(OpOpen, name); err != nil {
		return nil, err
	}
	f, err := e.fs.OpenReadWrite(name)
	if err != nil {
		return nil, err
	}
	return &file{f: f, inj: e.inj}, nil
}

// Remove implements vfs.FS.
func (e *FS) Remove(name string) error {
	if err := e.check(OpRemove, name); err != nil {
		return err
	}
	return e.fs.Remove(name)
}

// RemoveAll implements vfs.FS.
func (e *FS) RemoveAll(name string) error {
	if err := e.check(OpRemove, name); err != nil {
		return err
	}
	return e.fs.RemoveAll(name)
}

// Rename implements vfs.FS; the Injector sees oldname.
func (e *FS) Rename(oldname, newname string) error {
	if err := e.check(OpRename, oldname); err != nil {
		return err
	}
	return e.fs.Rename(oldname, newname)
}

// MkdirAll implements vfs.FS.
func (e *FS) MkdirAll(dir string, perm os.FileMode) error {
	if err := e.check(OpMkdir, dir); err != nil {
		return err
	}
	return e.fs.MkdirAll(dir, perm)
}

// List implements vfs.FS.
func (e *FS) List(dir string) ([]string, error) {
	if err := e.check(OpList, dir); err != nil {
		return nil, err
	}
	return e.fs.List(dir)
}

// Stat implements vfs.FS.
func (e *FS) Stat(name string) (os.FileInfo, error) {
	if err := e.check(OpStat, name); err != nil {
		return nil, err
	}
	return e.fs.Stat(name)
}

// SyncDir implements vfs.FS.
func (e *FS) SyncDir(dir string) error {
	if err := e.check(OpSyncDir, dir); err != nil {
		return err
	}
	return e.fs.SyncDir(dir)
}

type file struct {
	f   vfs.File
	inj Injector
}

func (f *file) fail(kind OpKind, off int64, n int) error {
	if err := f.inj.MaybeError(Op{Kind: kind, Path: f.f.Name(), Off: off, Len: n}); err != nil {
		return &fs.PathError{Op: kind.String(), Path: f.f.Name(), Err: err}
	}
	return nil
}

func (f *file) ReadAt(p []byte, off int64) (int, error) {
	if err := f.fail(OpRead, off, len(p)); err != nil {
		return 0, err
	}
	return f.f.ReadAt(p, off)
}

func (f *file) WriteAt(p []byte, off int64) (int, error) {
	err := f.fail(OpWrite, off, len(p))
	if err == nil {
		return f.f.WriteAt(p, off)
	}
	if errors.Is(err, io.ErrShortWrite) && len(p) > 1 {
		n, werr := f.f.WriteAt(p[:len(p)/2], off)
		if werr != nil {
			return n, werr
		}
		return n, err
	}
	return 0, err
}

func (f *file) Sync() error {
	if err := f.fail(OpSync, 0, 0); err != nil {
		return err
	}
	return f.f.Sync()
}

func (f *file) Truncate(size int64) error {
	if err := f.fail(OpTruncate, size, 0); err != nil {
		return err
	}
	return f.f.Truncate(size)
}

func (f *file) Close() error {
	if err := f.fail(OpClose, 0, 0); err != nil {
		f.f.Close()
		return err
	}
	return f.f.Close()
}

func (f *file) Size() (int64, error) { return f.f.Size() }
func (f *file) Name() string         { return f.f.Name() }
