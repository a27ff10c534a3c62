// SPDX-License-Identifier: Apache-2.0

package storage_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"

	"riffle/internal/storage"
)

// pageState is what cachestat(2) reports for a range of a file, in bytes.
type pageState struct{ cached, dirty int64 }

// pagesOf reads the page cache state of [off, off+n) of path, skipping the
// test where the kernel cannot tell (cachestat came with Linux 6.5).
func pagesOf(t *testing.T, path string, off, n int64) pageState {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var st unix.Cachestat_t
	err = unix.Cachestat(uint(f.Fd()), &unix.CachestatRange{Off: uint64(off), Len: uint64(n)}, &st, 0)
	if errors.Is(err, unix.ENOSYS) {
		t.Skip("cachestat(2) is not available on this kernel")
	}
	if err != nil {
		t.Fatalf("cachestat %s: %v", path, err)
	}
	page := int64(os.Getpagesize())
	return pageState{cached: int64(st.Cache) * page, dirty: int64(st.Dirty) * page}
}

// cacheEnv is an env on OS files whose page cache the kernel manages as on a
// disk file system: tmpfs pages are neither written back nor dropped, so
// where the temporary directory is on tmpfs the test writes under the
// package directory instead.
func cacheEnv(t *testing.T, be backend, d storage.Durability, window int64) *env {
	e := newOSEnv(t, be)
	if onTmpfs(t, e.dir) {
		dir, err := os.MkdirTemp(".", "pagecache-test-")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.RemoveAll(dir) })
		if dir, err = filepath.Abs(dir); err != nil {
			t.Fatal(err)
		}
		if onTmpfs(t, dir) {
			t.Skip("both the temporary and the package directory are on tmpfs, which has no writeback")
		}
		e.dir, e.opts.Dir = dir, dir
	}
	e.opts.Durability, e.opts.CacheWindow, e.opts.SegmentSize = d, window, 1<<30
	return e
}

func onTmpfs(t *testing.T, dir string) bool {
	var fs unix.Statfs_t
	if err := unix.Statfs(dir, &fs); err != nil {
		t.Fatal(err)
	}
	return fs.Type == unix.TMPFS_MAGIC
}

// appendMiB appends n MiB of 1000-byte messages to key0 in 1 MiB batches,
// lets the syncer run every cache step due, and returns the log's path and
// size.
func appendMiB(t *testing.T, e *env, eng *storage.Engine, n int) (string, int64) {
	t.Helper()
	const size, perBatch = 1000 - 64, 1 << 20 / 1000
	appendN(t, openPart(t, eng, key0), 0, n*perBatch, perBatch, size)
	storage.SettleCache(eng)
	path := filepath.Join(e.partDir(key0), "00000000000000000000.log")
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return path, fi.Size()
}

// TestOldLogLeavesThePageCache: in fsync mode, log further than the cache
// window behind the newest byte is dropped from the page cache while the
// window stays; with the window off, the log stays cached.
func TestOldLogLeavesThePageCache(t *testing.T) {
	const window = storage.MinCacheWindow
	eachBackend(t, func(t *testing.T, be backend) {
		e := cacheEnv(t, be, storage.DurabilityFsync, window)
		eng := e.open()
		path, end := appendMiB(t, e, eng, 48)
		old := end - window - storage.MinCacheWindow // before the last step's drop
		if got := pagesOf(t, path, 0, old); got.cached != 0 {
			t.Errorf("%d of the first %d log bytes still cached", got.cached, old)
		}
		if got := pagesOf(t, path, end-window/2, window/2); got.cached < window/4 {
			t.Errorf("only %d bytes of the newest %d cached", got.cached, window/2)
		}
		mustClose(t, eng)

		e = cacheEnv(t, be, storage.DurabilityFsync, -1)
		eng = e.open()
		path, end = appendMiB(t, e, eng, 48)
		if got := pagesOf(t, path, 0, end-2*window); got.cached < (end-2*window)/2 {
			t.Errorf("window off: only %d of the first %d log bytes cached", got.cached, end-2*window)
		}
		mustClose(t, eng)
	})
}

// TestWriteModeStartsWritebackAsItGoes: in write mode the pages of the
// active segment do not wait for the roll's fdatasync to go to disk; at most
// the log appended since the last cache step (plus one batch) is dirty.
func TestWriteModeStartsWritebackAsItGoes(t *testing.T) {
	eachBackend(t, func(t *testing.T, be backend) {
		e := cacheEnv(t, be, storage.DurabilityWrite, -1)
		eng := e.open()
		path, end := appendMiB(t, e, eng, 48)
		if got := pagesOf(t, path, 0, end); got.dirty > storage.MinCacheWindow+1<<20 {
			t.Errorf("%d of %d log bytes dirty after the appends", got.dirty, end)
		}
		mustClose(t, eng)
	})
}
