// SPDX-License-Identifier: Apache-2.0

package storage_test

import (
	"sync"
	"testing"
	"time"

	"riffle/internal/clock"
	"riffle/internal/storage"
	"riffle/internal/uring"
	"riffle/internal/vfs"
)

// Every test that runs on real files runs once per I/O backend, as subtests
// named /sync (vfs.Sync: pwrite and fdatasync from a worker pool) and /uring
// (the io_uring backend the shard picks with storage.io = auto), so both pass
// the same suite. Tests on vfs.Mem, and on errorfs wrapped around it, run
// with the Sync backend only: the io_uring backend needs file descriptors,
// which those files do not have.

// backend is an I/O backend the OS-file tests run against.
type backend struct {
	name string
	// open returns a new backend that is closed when the test ends, or skips
	// the test when the backend cannot run here.
	open func(testing.TB) vfs.Backend
}

var backends = []backend{
	{name: "sync", open: openSync},
	{name: "uring", open: openUring},
}

func openSync(tb testing.TB) vfs.Backend {
	b := vfs.NewSync(0)
	tb.Cleanup(func() { b.Close() })
	return b
}

// probeUring runs uring.Probe once per test binary.
var probeUring = sync.OnceValue(uring.Probe)

// openUring returns an io_uring backend. When the probe reports io_uring
// unsupported it skips the test on a host that locks io_uring down
// (uring.ExplainProbe names why) and fails it anywhere else, so a broken
// probe cannot turn the uring half of the suite into skips.
func openUring(tb testing.TB) vfs.Backend {
	tb.Helper()
	if probeErr := probeUring(); probeErr != nil {
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
	b, err := uring.New(uring.Options{})
	if err != nil {
		tb.Fatalf("new io_uring backend: %v", err)
	}
	tb.Cleanup(func() {
		if err := b.Close(); err != nil {
			tb.Errorf("close io_uring backend: %v", err)
		}
	})
	return b
}

// eachBackend runs f as one subtest per backend.
func eachBackend(t *testing.T, f func(t *testing.T, be backend)) {
	t.Helper()
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) { f(t, be) })
	}
}

// newEnvFunc builds the environment of one run of a test.
type newEnvFunc func(testing.TB) *env

// eachEnv runs f as subtests /mem (vfs.Mem with the Sync backend), /sync
// and /uring (OS files in a temporary directory with that backend), for the
// tests that depend only on the engine's API.
func eachEnv(t *testing.T, f func(t *testing.T, newEnv newEnvFunc)) {
	t.Helper()
	t.Run("mem", func(t *testing.T) { f(t, newMemEnv) })
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) {
			f(t, func(tb testing.TB) *env { return newOSEnv(tb, be) })
		})
	}
}

// newOSEnv returns an env on OS files in a temporary directory whose
// engines share one backend of kind be (the engine does not own it).
func newOSEnv(tb testing.TB, be backend) *env {
	e := osEnv(tb)
	e.opts.IO = be.open(tb)
	return e
}

// osEnv returns an env on OS files in a temporary directory whose engines
// start and close their own (Sync) backend.
func osEnv(tb testing.TB) *env {
	clk := clock.NewFake(time.Unix(1_700_000_000, 0))
	e := &env{t: tb, fs: vfs.OS, dir: tb.TempDir(), clock: clk}
	e.opts = storage.Options{FS: e.fs, Dir: e.dir, Clock: clk, SegmentSize: 64 << 10}
	return e
}

// TestAppendsGoThroughTheChosenBackend makes sure the /uring half of the
// suite really writes and syncs through the ring.
func TestAppendsGoThroughTheChosenBackend(t *testing.T) {
	eachBackend(t, func(t *testing.T, be backend) {
		e := newOSEnv(t, be)
		if got := e.opts.IO.Name(); got != be.name {
			t.Fatalf("backend %q is named %q", be.name, got)
		}
		eng := e.open()
		appendN(t, openPart(t, eng, key0), 0, 100, 10, 100)
		mustClose(t, eng)
		if ub, ok := e.opts.IO.(*uring.Backend); ok {
			if st := ub.Stats(); st.Submitted < 20 || st.Failed != 0 {
				t.Fatalf("io_uring backend stats after 10 appends: %+v", st)
			}
		}
	})
}
