// SPDX-License-Identifier: Apache-2.0

package vfs

import (
	"fmt"
	"os"
	"sort"
)

// OS is the FS on the real file system. Its files implement FdFile; Sync is
// fdatasync (fsync where fdatasync does not exist) and SyncDir opens the
// directory and fsyncs it.
var OS FS = osFS{}

type osFS struct{}

func (osFS) Create(name string) (File, error) {
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, err
	}
	return newOSFile(f), nil
}

func (osFS) Open(name string) (File, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	return newOSFile(f), nil
}

func (osFS) OpenReadWrite(name string) (File, error) {
	f, err := os.OpenFile(name, os.O_RDWR, 0)
	if err != nil {
		return nil, err
	}
	return newOSFile(f), nil
}

func (osFS) Remove(name string) error    { return os.Remove(name) }
func (osFS) RemoveAll(name string) error { return os.RemoveAll(name) }
func (osFS) Rename(oldname, newname string) error {
	return os.Rename(oldname, newname)
}
func (osFS) MkdirAll(dir string, perm os.FileMode) error { return os.MkdirAll(dir, perm) }
func (osFS) Stat(name string) (os.FileInfo, error)       { return os.Stat(name) }

func (osFS) List(dir string) ([]string, error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	names, err := f.Readdirnames(-1)
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	return names, nil
}

func (osFS) SyncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("sync dir %s: %w", dir, err)
	}
	return f.Close()
}

// osFile is a File on an *os.File. The descriptor is read once at open so
// Sync and Fd never race with Close inside package os.
type osFile struct {
	*os.File
	fd uintptr
}

func newOSFile(f *os.File) *osFile { return &osFile{File: f, fd: f.Fd()} }

func (f *osFile) Sync() error {
	if err := datasync(f.File, f.fd); err != nil {
		return &os.PathError{Op: "fdatasync", Path: f.Name(), Err: err}
	}
	return nil
}

// StartWriteback implements CacheHints.
func (f *osFile) StartWriteback(off, n int64) error {
	if err := startWriteback(f.fd, off, n); err != nil {
		return &os.PathError{Op: "sync_file_range", Path: f.Name(), Err: err}
	}
	return nil
}

// DropCache implements CacheHints.
func (f *osFile) DropCache(off, n int64) error {
	if err := dropCache(f.fd, off, n); err != nil {
		return &os.PathError{Op: "fadvise", Path: f.Name(), Err: err}
	}
	return nil
}

func (f *osFile) Size() (int64, error) {
	fi, err := f.File.Stat()
	if err != nil {
		return 0, err
	}
	return fi.Size(), nil
}

func (f *osFile) Fd() uintptr { return f.fd }
