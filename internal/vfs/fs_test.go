// SPDX-License-Identifier: Apache-2.0

package vfs_test

import (
	"errors"
	"io"
	"io/fs"
	"path/filepath"
	"slices"
	"testing"

	"riffle/internal/vfs"
)

// fsCase is one FS implementation with a root directory to work under.
type fsCase struct {
	name string
	fs   vfs.FS
	root string
}

func fsCases(t *testing.T) []fsCase {
	return []fsCase{
		{name: "mem", fs: vfs.NewMem(), root: "/data"},
		{name: "os", fs: vfs.OS, root: t.TempDir()},
	}
}

func mustWrite(t *testing.T, f vfs.File, p []byte, off int64) {
	t.Helper()
	if n, err := f.WriteAt(p, off); err != nil || n != len(p) {
		t.Fatalf("write %s at %d: n=%d err=%v", f.Name(), off, n, err)
	}
}

func readAll(t *testing.T, fsys vfs.FS, name string) []byte {
	t.Helper()
	f, err := fsys.Open(name)
	if err != nil {
		t.Fatalf("open %s: %v", name, err)
	}
	defer f.Close()
	size, err := f.Size()
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, size)
	if n, err := f.ReadAt(b, 0); n != int(size) || (err != nil && err != io.EOF) {
		t.Fatalf("read %s: n=%d err=%v", name, n, err)
	}
	return b
}

func TestFSBehavesLikePOSIX(t *testing.T) {
	for _, c := range fsCases(t) {
		t.Run(c.name, func(t *testing.T) {
			fsys := c.fs
			dir := filepath.Join(c.root, "a", "b")
			if err := fsys.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			name := filepath.Join(dir, "f")
			f, err := fsys.Create(name)
			if err != nil {
				t.Fatal(err)
			}
			mustWrite(t, f, []byte("hello"), 0)
			mustWrite(t, f, []byte("world"), 10)
			if size, _ := f.Size(); size != 15 {
				t.Fatalf("size after sparse write = %d, want 15", size)
			}
			if err := f.Sync(); err != nil {
				t.Fatal(err)
			}
			if err := f.Truncate(7); err != nil {
				t.Fatal(err)
			}
			buf := make([]byte, 10)
			n, err := f.ReadAt(buf, 0)
			if n != 7 || err != io.EOF || string(buf[:7]) != "hello\x00\x00" {
				t.Fatalf("read after truncate: n=%d err=%v %q", n, err, buf[:n])
			}
			if err := f.Close(); err != nil {
				t.Fatal(err)
			}
			if err := fsys.SyncDir(dir); err != nil {
				t.Fatal(err)
			}

			ro, err := fsys.Open(name)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := ro.WriteAt([]byte("x"), 0); err == nil {
				t.Fatal("write to a read-only file succeeded")
			}
			ro.Close()

			if err := fsys.Rename(name, filepath.Join(dir, "g")); err != nil {
				t.Fatal(err)
			}
			names, err := fsys.List(dir)
			if err != nil || !slices.Equal(names, []string{"g"}) {
				t.Fatalf("list after rename = %v, %v", names, err)
			}
			if _, err := fsys.Open(name); !errors.Is(err, fs.ErrNotExist) {
				t.Fatalf("open of renamed-away name: %v, want ErrNotExist", err)
			}
			fi, err := fsys.Stat(filepath.Join(dir, "g"))
			if err != nil || fi.Size() != 7 || fi.IsDir() {
				t.Fatalf("stat = %v, %v", fi, err)
			}
			if err := fsys.Remove(filepath.Join(c.root, "a")); err == nil {
				t.Fatal("remove of a non-empty directory succeeded")
			}
			if err := fsys.RemoveAll(filepath.Join(c.root, "a")); err != nil {
				t.Fatal(err)
			}
			if err := fsys.RemoveAll(filepath.Join(c.root, "a")); err != nil {
				t.Fatalf("RemoveAll of a missing tree: %v", err)
			}
			if _, err := fsys.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
				t.Fatalf("stat after RemoveAll: %v", err)
			}
		})
	}
}

func TestOpenFileSurvivesRemove(t *testing.T) {
	for _, c := range fsCases(t) {
		t.Run(c.name, func(t *testing.T) {
			if err := c.fs.MkdirAll(c.root, 0o755); err != nil {
				t.Fatal(err)
			}
			name := filepath.Join(c.root, "f")
			f, err := c.fs.Create(name)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			mustWrite(t, f, []byte("abc"), 0)
			if err := c.fs.Remove(name); err != nil {
				t.Fatal(err)
			}
			buf := make([]byte, 3)
			if _, err := f.ReadAt(buf, 0); err != nil || string(buf) != "abc" {
				t.Fatalf("read from a removed open file: %q %v", buf, err)
			}
		})
	}
}

func TestOSFilesHaveDescriptors(t *testing.T) {
	f, err := vfs.OS.Create(filepath.Join(t.TempDir(), "f"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fd, ok := f.(vfs.FdFile)
	if !ok || fd.Fd() == ^uintptr(0) {
		t.Fatalf("OS file %T does not expose a descriptor", f)
	}
}

func TestLockRefusesSecondHolder(t *testing.T) {
	name := filepath.Join(t.TempDir(), "LOCK")
	l, err := vfs.Lock(name)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := vfs.Lock(name); !errors.Is(err, vfs.ErrLocked) {
		t.Fatalf("second Lock: %v, want ErrLocked", err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	l2, err := vfs.Lock(name)
	if err != nil {
		t.Fatalf("Lock after release: %v", err)
	}
	l2.Close()
}
