// SPDX-License-Identifier: Apache-2.0

package uring_test

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"riffle/internal/uring"
	"riffle/internal/vfs"
)

// noFdFile is a vfs.File without a descriptor.
type noFdFile struct{ name string }

func (f noFdFile) ReadAt([]byte, int64) (int, error)      { return 0, io.EOF }
func (f noFdFile) WriteAt(p []byte, _ int64) (int, error) { return len(p), nil }
func (f noFdFile) Close() error                           { return nil }
func (f noFdFile) Sync() error                            { return nil }
func (f noFdFile) Truncate(int64) error                   { return nil }
func (f noFdFile) Size() (int64, error)                   { return 0, nil }
func (f noFdFile) Name() string                           { return f.name }

// modes are the submission modes every behaviour is tested in.
var modes = []uring.SubmitMode{uring.SubmitMutex, uring.SubmitOwner}

// requireUring returns when io_uring works here, skips the test when the
// probe reports it unsupported on a locked-down host (uring.ExplainProbe
// names why), and fails it otherwise: a probe that reports io_uring
// unsupported on a kernel of at least uring.AssuredKernel with
// kernel.io_uring_disabled 0 and no seccomp filter is broken, and must not
// hide behind a skip.
func requireUring(tb testing.TB) {
	tb.Helper()
	probeErr := uring.Probe()
	if probeErr == nil {
		return
	}
	host, err := uring.ReadHost()
	if err != nil {
		tb.Fatalf("probe: %v; %v", probeErr, err)
	}
	lockdown, fault := uring.ExplainProbe(probeErr, host)
	if fault != nil {
		tb.Fatal(fault)
	}
	tb.Skipf("io_uring unsupported on a locked-down host (%s): %v", lockdown, probeErr)
}

// newBackend returns a Backend that is closed, and checked for leaked
// goroutines, when the test ends.
func newBackend(tb testing.TB, opts uring.Options) *uring.Backend {
	tb.Helper()
	requireUring(tb)
	b, err := uring.New(opts)
	if err != nil {
		tb.Fatalf("New(%+v): %v", opts, err)
	}
	tb.Cleanup(func() {
		if err := b.Close(); err != nil {
			tb.Errorf("Close: %v", err)
		}
		requireNoBackendGoroutines(tb)
	})
	return b
}

// createFile creates a file in a temporary directory through vfs.OS, opened
// read-write, and closes it when the test ends.
func createFile(tb testing.TB) vfs.File {
	tb.Helper()
	f, err := vfs.OS.Create(filepath.Join(tb.TempDir(), "seg.log"))
	if err != nil {
		tb.Fatal(err)
	}
	if _, ok := f.(vfs.FdFile); !ok {
		tb.Fatalf("vfs.OS file %T has no descriptor", f)
	}
	tb.Cleanup(func() { f.Close() })
	return f
}

// reopenReadOnly opens f's file again, read-only.
func reopenReadOnly(tb testing.TB, f vfs.File) vfs.File {
	tb.Helper()
	ro, err := vfs.OS.Open(f.Name())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { ro.Close() })
	return ro
}

// pattern returns n bytes that differ with seed and position.
func pattern(seed uint64, n int) []byte {
	p := make([]byte, n)
	r := rand.New(rand.NewPCG(seed, 0x5eed))
	for i := range p {
		p[i] = byte(r.Uint32())
	}
	return p
}

// requireContents fails unless f holds want at off.
func requireContents(tb testing.TB, f vfs.File, off int64, want []byte) {
	tb.Helper()
	got := make([]byte, len(want))
	if n, err := f.ReadAt(got, off); err != nil || n != len(want) {
		tb.Fatalf("ReadAt(%d bytes at %d) = %d, %v", len(want), off, n, err)
	}
	if !bytes.Equal(got, want) {
		i := 0
		for i < len(got) && got[i] == want[i] {
			i++
		}
		tb.Fatalf("contents at %d differ from byte %d on", off, i)
	}
}

// waitOp waits for op with a timeout, so a lost completion fails the test
// instead of hanging it.
func waitOp(tb testing.TB, op *vfs.Op) (int, error) {
	tb.Helper()
	select {
	case <-op.Done():
		return op.Wait()
	case <-time.After(30 * time.Second):
		tb.Fatal("operation did not complete within 30s")
		return 0, nil
	}
}

// pollUntil calls cond until it returns nil or timeout passes, then fails
// with its last error.
func pollUntil(tb testing.TB, timeout time.Duration, cond func() error) {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := cond()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("after %v: %v", timeout, err)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// requireNoBackendGoroutines fails if a goroutine of a closed Backend is
// still running.
func requireNoBackendGoroutines(tb testing.TB) {
	tb.Helper()
	pollUntil(tb, 5*time.Second, func() error {
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		for _, g := range strings.Split(string(buf), "\n\n") {
			if strings.Contains(g, "riffle/internal/uring.(*Backend)") {
				return fmt.Errorf("backend goroutine still running:\n%s", g)
			}
		}
		return nil
	})
}
