// SPDX-License-Identifier: Apache-2.0

package vfs

import (
	"io"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Mem is an in-memory FS that models the page cache and the disk separately,
// so tests can ask what a power loss at this instant could leave behind
// (CrashClone).
//
//	            write / truncate                 create / rename / remove
//	file:  data ◄──────────────── pending ops    dir:  children ◄──── pending dir ops
//	        │ Sync: apply pending to synced              │ SyncDir: apply to durable
//	        ▼                                            ▼
//	       synced  (survives every crash)               durable (survives every crash)
//
// Reads see the page-cache view (data, children). Sync makes a file's data
// durable; SyncDir makes the pending entry changes of that directory durable
// (a rename counts for both of its directories, as in a journaling file
// system, so it is never half applied). Open handles keep working after the
// file is removed or renamed, as on POSIX.
//
// Mem is safe for concurrent use; every operation takes one mutex.
type Mem struct {
	mu     sync.Mutex
	root   *memNode
	dirOps []dirOp // directory changes not yet made durable, in issue order
}

// NewMem returns an empty in-memory file system whose root directory exists.
func NewMem() *Mem {
	return &Mem{root: newMemDir()}
}

type memNode struct {
	isDir bool
	// Directory state.
	children map[string]*memNode // current view
	durable  map[string]*memNode // durable view; pending dirOps apply on top
	// File state.
	data    chunks   // current content (page cache)
	synced  chunks   // durable content
	pending []fileOp // writes and truncates since the last Sync, in order
}

func newMemDir() *memNode {
	return &memNode{isDir: true, children: map[string]*memNode{}, durable: map[string]*memNode{}}
}

// fileOp is one unsynced change to a file: a write of data at off, or a
// truncate to size.
type fileOp struct {
	truncate bool
	off      int64
	size     int64
	data     []byte
}

type dirOpKind uint8

const (
	dirAdd dirOpKind = iota + 1
	dirRemove
	dirRename
)

// dirOp is one unsynced directory change. A rename moves node from
// dir/name to dir2/name2 atomically.
type dirOp struct {
	kind  dirOpKind
	dir   *memNode
	name  string
	node  *memNode
	dir2  *memNode
	name2 string
}

// apply makes op take effect on the durable maps returned by view.
func (op *dirOp) apply(view func(*memNode) map[string]*memNode) {
	switch op.kind {
	case dirAdd:
		view(op.dir)[op.name] = op.node
	case dirRemove:
		d := view(op.dir)
		if d[op.name] == op.node {
			delete(d, op.name)
		}
	case dirRename:
		d := view(op.dir)
		if d[op.name] == op.node {
			delete(d, op.name)
		}
		view(op.dir2)[op.name2] = op.node
	}
}

func (op *dirOp) touches(d *memNode) bool { return op.dir == d || op.dir2 == d }

func splitPath(name string) []string {
	p := path.Clean("/" + name)
	if p == "/" {
		return nil
	}
	return strings.Split(p[1:], "/")
}

func pathErr(op, name string, err error) error {
	return &fs.PathError{Op: op, Path: name, Err: err}
}

// walkLocked returns the directory that holds the last element of name, that
// element, and the node it names (nil if absent).
func (m *Mem) walkLocked(op, name string) (dir *memNode, base string, n *memNode, err error) {
	parts := splitPath(name)
	if len(parts) == 0 {
		return nil, "", m.root, nil
	}
	dir = m.root
	for _, p := range parts[:len(parts)-1] {
		next, ok := dir.children[p]
		if !ok {
			return nil, "", nil, pathErr(op, name, fs.ErrNotExist)
		}
		if !next.isDir {
			return nil, "", nil, pathErr(op, name, syscall.ENOTDIR)
		}
		dir = next
	}
	base = parts[len(parts)-1]
	return dir, base, dir.children[base], nil
}

// Create implements FS.
func (m *Mem) Create(name string) (File, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	dir, base, n, err := m.walkLocked("create", name)
	if err != nil {
		return nil, err
	}
	if dir == nil {
		return nil, pathErr("create", name, syscall.EISDIR)
	}
	if n != nil {
		if n.isDir {
			return nil, pathErr("create", name, syscall.EISDIR)
		}
		n.truncateLocked(0)
		return &memFile{fs: m, n: n, name: name, write: true}, nil
	}
	n = &memNode{}
	dir.children[base] = n
	m.dirOps = append(m.dirOps, dirOp{kind: dirAdd, dir: dir, name: base, node: n})
	return &memFile{fs: m, n: n, name: name, write: true}, nil
}

// Open implements FS.
func (m *Mem) Open(name string) (File, error) { return m.open("open", name, false) }

// OpenReadWrite implements FS.
func (m *Mem) OpenReadWrite(name string) (File, error) { return m.open("open", name, true) }

func (m *Mem) open(op, name string, write bool) (File, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, _, n, err := m.walkLocked(op, name)
	if err != nil {
		return nil, err
	}
	if n == nil {
		return nil, pathErr(op, name, fs.ErrNotExist)
	}
	if n.isDir {
		return nil, pathErr(op, name, syscall.EISDIR)
	}
	return &memFile{fs: m, n: n, name: name, write: write}, nil
}

// Remove implements FS.
func (m *Mem) Remove(name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	dir, base, n, err := m.walkLocked("remove", name)
	if err != nil {
		return err
	}
	if n == nil {
		return pathErr("remove", name, fs.ErrNotExist)
	}
	if dir == nil {
		return pathErr("remove", name, syscall.EBUSY)
	}
	if n.isDir && len(n.children) > 0 {
		return pathErr("remove", name, syscall.ENOTEMPTY)
	}
	m.unlinkLocked(dir, base, n)
	return nil
}

// RemoveAll implements FS. A missing name is not an error.
func (m *Mem) RemoveAll(name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	dir, base, n, err := m.walkLocked("removeall", name)
	if err != nil {
		if pe, ok := err.(*fs.PathError); ok && pe.Err == fs.ErrNotExist {
			return nil
		}
		return err
	}
	if n == nil {
		return nil
	}
	if dir == nil {
		return pathErr("removeall", name, syscall.EBUSY)
	}
	m.unlinkLocked(dir, base, n)
	return nil
}

func (m *Mem) unlinkLocked(dir *memNode, base string, n *memNode) {
	delete(dir.children, base)
	m.dirOps = append(m.dirOps, dirOp{kind: dirRemove, dir: dir, name: base, node: n})
}

// Rename implements FS. Replacing an existing directory is not supported.
func (m *Mem) Rename(oldname, newname string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	odir, obase, n, err := m.walkLocked("rename", oldname)
	if err != nil {
		return err
	}
	if n == nil {
		return pathErr("rename", oldname, fs.ErrNotExist)
	}
	ndir, nbase, existing, err := m.walkLocked("rename", newname)
	if err != nil {
		return err
	}
	if odir == nil || ndir == nil {
		return pathErr("rename", oldname, syscall.EBUSY)
	}
	if existing == n {
		return nil
	}
	if existing != nil && (existing.isDir || n.isDir) {
		return pathErr("rename", newname, fs.ErrExist)
	}
	delete(odir.children, obase)
	ndir.children[nbase] = n
	m.dirOps = append(m.dirOps, dirOp{kind: dirRename, dir: odir, name: obase, node: n, dir2: ndir, name2: nbase})
	return nil
}

// MkdirAll implements FS.
func (m *Mem) MkdirAll(dir string, _ os.FileMode) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	cur := m.root
	for _, p := range splitPath(dir) {
		next, ok := cur.children[p]
		if !ok {
			next = newMemDir()
			cur.children[p] = next
			m.dirOps = append(m.dirOps, dirOp{kind: dirAdd, dir: cur, name: p, node: next})
		} else if !next.isDir {
			return pathErr("mkdir", dir, syscall.ENOTDIR)
		}
		cur = next
	}
	return nil
}

// List implements FS.
func (m *Mem) List(dir string) ([]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, _, n, err := m.walkLocked("list", dir)
	if err != nil {
		return nil, err
	}
	if n == nil {
		return nil, pathErr("list", dir, fs.ErrNotExist)
	}
	if !n.isDir {
		return nil, pathErr("list", dir, syscall.ENOTDIR)
	}
	names := make([]string, 0, len(n.children))
	for k := range n.children {
		names = append(names, k)
	}
	sort.Strings(names)
	return names, nil
}

// Stat implements FS.
func (m *Mem) Stat(name string) (os.FileInfo, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, _, n, err := m.walkLocked("stat", name)
	if err != nil {
		return nil, err
	}
	if n == nil {
		return nil, pathErr("stat", name, fs.ErrNotExist)
	}
	return memInfo{name: path.Base(path.Clean("/" + name)), size: n.data.size, dir: n.isDir}, nil
}

// SyncDir implements FS: every pending change to dir's entries becomes durable,
// renames into or out of dir included.
func (m *Mem) SyncDir(dir string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, _, d, err := m.walkLocked("syncdir", dir)
	if err != nil {
		return err
	}
	if d == nil {
		return pathErr("syncdir", dir, fs.ErrNotExist)
	}
	if !d.isDir {
		return pathErr("syncdir", dir, syscall.ENOTDIR)
	}
	kept := m.dirOps[:0]
	for i := range m.dirOps {
		op := m.dirOps[i]
		if op.touches(d) {
			op.apply(func(n *memNode) map[string]*memNode { return n.durable })
			continue
		}
		kept = append(kept, op)
	}
	clear(m.dirOps[len(kept):])
	m.dirOps = kept
	return nil
}

// Unsynced reports how many file operations and directory changes are not
// yet durable. Tests use it to check that code under test syncs.
func (m *Mem) Unsynced() (fileOps, dirOps int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	seen := map[*memNode]bool{}
	var walk func(n *memNode)
	walk = func(n *memNode) {
		if seen[n] {
			return
		}
		seen[n] = true
		fileOps += len(n.pending)
		for _, c := range n.children {
			walk(c)
		}
	}
	walk(m.root)
	return fileOps, len(m.dirOps)
}

type memInfo struct {
	name string
	size int64
	dir  bool
}

func (i memInfo) Name() string { return i.name }
func (i memInfo) Size() int64  { return i.size }
func (i memInfo) Mode() os.FileMode {
	if i.dir {
		return os.ModeDir | 0o755
	}
	return 0o644
}
func (i memInfo) ModTime() time.Time { return time.Time{} }
func (i memInfo) IsDir() bool        { return i.dir }
func (i memInfo) Sys() any           { return nil }

// setSize grows b with zeros or shrinks it to size.
func setSize(b []byte, size int64) []byte {
	if int64(len(b)) >= size {
		return b[:size]
	}
	if int64(cap(b)) >= size {
		old := len(b)
		b = b[:size]
		clear(b[old:])
		return b
	}
	nb := make([]byte, size, max(size, int64(cap(b))*2))
	copy(nb, b)
	return nb
}

// writeAt copies p into b at off, growing b as needed.
func writeAt(b []byte, p []byte, off int64) []byte {
	if end := off + int64(len(p)); end > int64(len(b)) {
		b = setSize(b, end)
	}
	copy(b[off:], p)
	return b
}

func (n *memNode) truncateLocked(size int64) {
	n.data.truncate(size)
	n.pending = append(n.pending, fileOp{truncate: true, size: size})
}

func (op *fileOp) applyTo(b []byte) []byte {
	if op.truncate {
		return setSize(b, op.size)
	}
	return writeAt(b, op.data, op.off)
}

// memFile is an open handle on a memNode.
type memFile struct {
	fs     *Mem
	n      *memNode
	name   string
	write  bool
	closed bool
}

func (f *memFile) checkLocked(op string, write bool) error {
	if f.closed {
		return pathErr(op, f.name, fs.ErrClosed)
	}
	if write && !f.write {
		return pathErr(op, f.name, syscall.EBADF)
	}
	return nil
}

func (f *memFile) ReadAt(p []byte, off int64) (int, error) {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	if err := f.checkLocked("read", false); err != nil {
		return 0, err
	}
	if off < 0 {
		return 0, pathErr("read", f.name, syscall.EINVAL)
	}
	n := f.n.data.readAt(p, off)
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

func (f *memFile) WriteAt(p []byte, off int64) (int, error) {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	if err := f.checkLocked("write", true); err != nil {
		return 0, err
	}
	if off < 0 {
		return 0, pathErr("write", f.name, syscall.EINVAL)
	}
	f.n.data.writeAt(p, off)
	f.n.pending = append(f.n.pending, fileOp{off: off, data: append([]byte(nil), p...)})
	return len(p), nil
}

func (f *memFile) Close() error {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	if f.closed {
		return pathErr("close", f.name, fs.ErrClosed)
	}
	f.closed = true
	return nil
}

func (f *memFile) Sync() error {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	if err := f.checkLocked("sync", false); err != nil {
		return err
	}
	for i := range f.n.pending {
		f.n.pending[i].applyToChunks(&f.n.synced)
	}
	clear(f.n.pending)
	f.n.pending = f.n.pending[:0]
	return nil
}

func (f *memFile) Truncate(size int64) error {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	if err := f.checkLocked("truncate", true); err != nil {
		return err
	}
	if size < 0 {
		return pathErr("truncate", f.name, syscall.EINVAL)
	}
	f.n.truncateLocked(size)
	return nil
}

func (f *memFile) Size() (int64, error) {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	if err := f.checkLocked("stat", false); err != nil {
		return 0, err
	}
	return f.n.data.size, nil
}

func (f *memFile) Name() string { return f.name }
