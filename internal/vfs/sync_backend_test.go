// SPDX-License-Identifier: Apache-2.0

package vfs_test

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"sync"
	"testing"

	"riffle/internal/vfs"
)

func TestSyncBackendWritesAndSyncs(t *testing.T) {
	for _, c := range fsCases(t) {
		t.Run(c.name, func(t *testing.T) {
			be := vfs.NewSync(3)
			defer be.Close()
			c.fs.MkdirAll(c.root, 0o755)
			f, err := c.fs.Create(filepath.Join(c.root, "f"))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			const writers, each = 8, 50
			var wg sync.WaitGroup
			for w := range writers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range each {
						p := []byte(fmt.Sprintf("%02d%02d", w, i))
						if n, err := be.WriteAt(f, p, int64((w*each+i)*4)).Wait(); err != nil || n != 4 {
							t.Errorf("write: n=%d err=%v", n, err)
						}
					}
				}()
			}
			wg.Wait()
			if err := be.Sync(f).Err(); err != nil {
				t.Fatal(err)
			}
			got := readAll(t, c.fs, filepath.Join(c.root, "f"))
			for w := range writers {
				for i := range each {
					at := (w*each + i) * 4
					if want := fmt.Sprintf("%02d%02d", w, i); string(got[at:at+4]) != want {
						t.Fatalf("bytes at %d = %q, want %q", at, got[at:at+4], want)
					}
				}
			}
		})
	}
}

func TestSyncBackendWriteAtSyncIsDurableOnCompletion(t *testing.T) {
	m := vfs.NewMem()
	be := vfs.NewSync(2)
	defer be.Close()
	f, _ := m.Create("/f")
	if err := be.WriteAtSync(f, []byte("abc"), 0).Err(); err != nil {
		t.Fatal(err)
	}
	if fo, _ := m.Unsynced(); fo != 0 {
		t.Fatalf("%d file operations unsynced after WriteAtSync completed", fo)
	}
}

// shortFile reports a short write without an error.
type shortFile struct{ vfs.File }

func (f shortFile) WriteAt(p []byte, off int64) (int, error) {
	n, err := f.File.WriteAt(p[:len(p)/2], off)
	return n, err
}

func TestSyncBackendReportsShortWrites(t *testing.T) {
	m := vfs.NewMem()
	be := vfs.NewSync(1)
	defer be.Close()
	f, _ := m.Create("/f")
	n, err := be.WriteAt(shortFile{f}, []byte("abcd"), 0).Wait()
	if !errors.Is(err, io.ErrShortWrite) || n != 2 {
		t.Fatalf("short write: n=%d err=%v, want 2, io.ErrShortWrite", n, err)
	}
	if err := be.WriteAtSync(shortFile{f}, []byte("abcd"), 0).Err(); !errors.Is(err, io.ErrShortWrite) {
		t.Fatalf("short WriteAtSync: %v", err)
	}
}

func TestSyncBackendRefusesAfterClose(t *testing.T) {
	m := vfs.NewMem()
	be := vfs.NewSync(2)
	f, _ := m.Create("/f")
	ops := make([]*vfs.Op, 0, 100)
	for i := range 100 {
		ops = append(ops, be.WriteAt(f, []byte{byte(i)}, int64(i)))
	}
	if err := be.Close(); err != nil {
		t.Fatal(err)
	}
	for i, op := range ops {
		if err := op.Err(); err != nil {
			t.Fatalf("op %d submitted before Close failed: %v", i, err)
		}
	}
	if err := be.Sync(f).Err(); !errors.Is(err, vfs.ErrClosed) {
		t.Fatalf("Sync after Close: %v, want ErrClosed", err)
	}
	if err := be.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}
