// SPDX-License-Identifier: Apache-2.0

package uring_test

import (
	"errors"
	"fmt"
	"runtime"
	"sync"
	"syscall"
	"testing"
	"time"

	"riffle/internal/uring"
	"riffle/internal/vfs"
)

func TestWriteAtThenReadBack(t *testing.T) {
	sizes := []struct {
		name string
		n    int
		off  int64
	}{
		{"one byte", 1, 0},
		{"4KiB at unaligned offset", 4096, 17},
		{"64KiB+3", 64<<10 + 3, 1 << 20},
	}
	for _, mode := range modes {
		for _, sz := range sizes {
			t.Run(fmt.Sprintf("mode=%v/%s", mode, sz.name), func(t *testing.T) {
				b := newBackend(t, uring.Options{Submit: mode})
				f := createFile(t)
				p := pattern(uint64(sz.n), sz.n)
				n, err := waitOp(t, b.WriteAt(f, p, sz.off))
				if err != nil || n != sz.n {
					t.Fatalf("WriteAt = %d, %v; want %d, nil", n, err, sz.n)
				}
				requireContents(t, f, sz.off, p)
				if st := b.Stats(); st.Submitted != 1 || st.Completed != 1 || st.Failed != 0 || st.Wakeups == 0 {
					t.Errorf("Stats = %+v; want 1 submitted, 1 completed, 0 failed, some wakeups", st)
				}
			})
		}
	}
}

func TestEmptyWriteCompletesWithoutSubmitting(t *testing.T) {
	b := newBackend(t, uring.Options{})
	f := createFile(t)
	if n, err := waitOp(t, b.WriteAt(f, nil, 0)); n != 0 || err != nil {
		t.Fatalf("WriteAt(nil) = %d, %v; want 0, nil", n, err)
	}
	if st := b.Stats(); st.SQEs != 0 {
		t.Errorf("Stats.SQEs = %d after an empty write; want 0", st.SQEs)
	}
}

func TestWriteAtSyncCompletesAfterItsFsync(t *testing.T) {
	for _, mode := range modes {
		t.Run(fmt.Sprintf("mode=%v", mode), func(t *testing.T) {
			b := newBackend(t, uring.Options{Submit: mode})
			f := createFile(t)
			p := pattern(1, 64<<10)
			n, err := waitOp(t, b.WriteAtSync(f, p, 4096))
			if err != nil || n != len(p) {
				t.Fatalf("WriteAtSync = %d, %v; want %d, nil", n, err, len(p))
			}
			// One linked pair: both CQEs were reaped before the Op completed.
			if st := b.Stats(); st.SQEs != 2 || st.CQEs != 2 || st.Completed != 1 {
				t.Errorf("Stats = %+v; want 2 SQEs, 2 CQEs, 1 completed", st)
			}
			requireContents(t, f, 4096, p)
		})
	}
}

func TestWriteAtSyncWithEmptyBufferOnlySyncs(t *testing.T) {
	b := newBackend(t, uring.Options{})
	f := createFile(t)
	if n, err := waitOp(t, b.WriteAtSync(f, nil, 0)); n != 0 || err != nil {
		t.Fatalf("WriteAtSync(nil) = %d, %v; want 0, nil", n, err)
	}
	if st := b.Stats(); st.SQEs != 1 || st.CQEs != 1 {
		t.Errorf("Stats = %+v; want 1 SQE (the fsync), 1 CQE", st)
	}
}

func TestCompletedWritesAreVisibleToLaterOps(t *testing.T) {
	for _, mode := range modes {
		t.Run(fmt.Sprintf("mode=%v", mode), func(t *testing.T) {
			b := newBackend(t, uring.Options{Submit: mode})
			f := createFile(t)
			first, second := pattern(1, 8192), pattern(2, 4096)
			if _, err := waitOp(t, b.WriteAt(f, first, 0)); err != nil {
				t.Fatal(err)
			}
			if err := b.Sync(f).Err(); err != nil {
				t.Fatalf("Sync: %v", err)
			}
			if _, err := waitOp(t, b.WriteAtSync(f, second, 2048)); err != nil {
				t.Fatal(err)
			}
			want := append([]byte(nil), first...)
			copy(want[2048:], second)
			requireContents(t, f, 0, want)
		})
	}
}

func TestLargeWrites(t *testing.T) {
	const size = 8 << 20
	cases := []struct {
		name      string
		piece     int // 0: the default 1 GiB
		sync      bool
		resubmits bool
	}{
		{name: "8MiB one SQE", sync: false},
		{name: "8MiB linked fsync", sync: true},
		{name: "8MiB in 1MiB pieces", piece: 1 << 20, resubmits: true},
		{name: "8MiB in 1MiB pieces linked fsync", piece: 1 << 20, sync: true, resubmits: true},
		{name: "8MiB in uneven pieces", piece: 3<<20 + 5, sync: true, resubmits: true},
	}
	for _, mode := range modes {
		for _, tc := range cases {
			t.Run(fmt.Sprintf("mode=%v/%s", mode, tc.name), func(t *testing.T) {
				b := newBackend(t, uring.Options{Submit: mode})
				if tc.piece != 0 {
					uring.SetPiece(b, tc.piece)
				}
				f := createFile(t)
				p := pattern(8, size)
				op := b.WriteAt(f, p, 512)
				if tc.sync {
					op = b.WriteAtSync(f, p, 512)
				}
				if n, err := waitOp(t, op); err != nil || n != size {
					t.Fatalf("write = %d, %v; want %d, nil", n, err, size)
				}
				requireContents(t, f, 512, p)
				if st := b.Stats(); (st.Resubmits > 0) != tc.resubmits {
					t.Errorf("Stats.Resubmits = %d; want resubmits: %v", st.Resubmits, tc.resubmits)
				}
			})
		}
	}
}

func TestWriteErrorsReachTheOp(t *testing.T) {
	cases := []struct {
		name string
		do   func(b *uring.Backend, f vfs.File) *vfs.Op
	}{
		{"WriteAt", func(b *uring.Backend, f vfs.File) *vfs.Op { return b.WriteAt(f, []byte("x"), 0) }},
		// The write fails, the linked fsync is cancelled, and the Op reports
		// the write's error rather than ECANCELED.
		{"WriteAtSync", func(b *uring.Backend, f vfs.File) *vfs.Op { return b.WriteAtSync(f, []byte("x"), 0) }},
	}
	for _, mode := range modes {
		for _, tc := range cases {
			t.Run(fmt.Sprintf("mode=%v/%s", mode, tc.name), func(t *testing.T) {
				b := newBackend(t, uring.Options{Submit: mode})
				rw := createFile(t)
				ro := reopenReadOnly(t, rw)
				n, err := waitOp(t, tc.do(b, ro))
				if !errors.Is(err, syscall.EBADF) || n != 0 {
					t.Fatalf("op on a read-only fd = %d, %v; want 0, EBADF", n, err)
				}
				if errors.Is(err, syscall.ECANCELED) {
					t.Errorf("error %v carries ECANCELED", err)
				}
				if st := b.Stats(); st.Failed != 1 {
					t.Errorf("Stats.Failed = %d; want 1", st.Failed)
				}
				// The ring keeps working after a failed operation.
				if _, err := waitOp(t, b.WriteAtSync(rw, []byte("ok"), 0)); err != nil {
					t.Fatalf("write after a failure: %v", err)
				}
			})
		}
	}
}

func TestFileWithoutDescriptorFailsWithErrNoFd(t *testing.T) {
	b := newBackend(t, uring.Options{})
	for name, op := range map[string]*vfs.Op{
		"WriteAt":     b.WriteAt(noFdFile{"mem.log"}, []byte("x"), 0),
		"Sync":        b.Sync(noFdFile{"mem.log"}),
		"WriteAtSync": b.WriteAtSync(noFdFile{"mem.log"}, []byte("x"), 0),
	} {
		if _, err := waitOp(t, op); !errors.Is(err, uring.ErrNoFd) {
			t.Errorf("%s on a file without Fd: %v; want ErrNoFd", name, err)
		}
	}
}

func TestNegativeOffsetFailsWithEINVAL(t *testing.T) {
	b := newBackend(t, uring.Options{})
	f := createFile(t)
	if _, err := waitOp(t, b.WriteAt(f, []byte("x"), -1)); !errors.Is(err, syscall.EINVAL) {
		t.Fatalf("WriteAt at -1: %v; want EINVAL", err)
	}
}

func TestConcurrentOpsFromManyGoroutines(t *testing.T) {
	const (
		goroutines = 16
		perG       = 40
		chunk      = 4096 + 7
	)
	for _, mode := range modes {
		t.Run(fmt.Sprintf("mode=%v", mode), func(t *testing.T) {
			// Few entries, so callers wait for slots and the SQ fills up.
			b := newBackend(t, uring.Options{Submit: mode, Entries: 4})
			f := createFile(t)
			var wg sync.WaitGroup
			errs := make(chan error, goroutines*perG)
			for g := range goroutines {
				wg.Go(func() {
					ops := make([]*vfs.Op, 0, perG)
					for i := range perG {
						off := int64((g*perG + i) * chunk)
						p := pattern(uint64(g*perG+i), chunk)
						switch i % 3 {
						case 0:
							ops = append(ops, b.WriteAt(f, p, off))
						case 1:
							ops = append(ops, b.WriteAtSync(f, p, off))
						case 2:
							ops = append(ops, b.WriteAt(f, p, off), b.Sync(f))
						}
					}
					for _, op := range ops {
						if err := op.Err(); err != nil {
							errs <- err
						}
					}
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
			for i := range goroutines * perG {
				requireContents(t, f, int64(i*chunk), pattern(uint64(i), chunk))
			}
			st := b.Stats()
			if st.Completed != st.Submitted || st.Failed != 0 {
				t.Errorf("Stats = %+v; want every submitted op completed, none failed", st)
			}
		})
	}
}

func TestCloseWaitsForOpsInFlight(t *testing.T) {
	for _, mode := range modes {
		t.Run(fmt.Sprintf("mode=%v", mode), func(t *testing.T) {
			requireUring(t)
			b, err := uring.New(uring.Options{Submit: mode, Entries: 64})
			if err != nil {
				t.Fatal(err)
			}
			f := createFile(t)
			p := pattern(3, 256<<10)
			ops := make([]*vfs.Op, 0, 64)
			for i := range 64 {
				ops = append(ops, b.WriteAtSync(f, p, int64(i*len(p))))
			}
			if err := b.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			for i, op := range ops {
				select {
				case <-op.Done():
				default:
					t.Fatalf("op %d still in flight after Close returned", i)
				}
				if n, err := op.Wait(); err != nil || n != len(p) {
					t.Errorf("op %d = %d, %v; want %d, nil", i, n, err, len(p))
				}
			}
			for name, op := range map[string]*vfs.Op{
				"WriteAt":       b.WriteAt(f, p, 0),
				"empty WriteAt": b.WriteAt(f, nil, 0),
				"Sync":          b.Sync(f),
				"WriteAtSync":   b.WriteAtSync(f, p, 0),
			} {
				if err := op.Err(); !errors.Is(err, vfs.ErrClosed) {
					t.Errorf("%s after Close: %v; want vfs.ErrClosed", name, err)
				}
			}
			if err := b.Close(); err != nil {
				t.Errorf("second Close: %v; want the first result (nil)", err)
			}
			requireNoBackendGoroutines(t)
		})
	}
}

func TestCloseWhileGoroutinesSubmit(t *testing.T) {
	for _, mode := range modes {
		t.Run(fmt.Sprintf("mode=%v", mode), func(t *testing.T) {
			requireUring(t)
			b, err := uring.New(uring.Options{Submit: mode, Entries: 8})
			if err != nil {
				t.Fatal(err)
			}
			f := createFile(t)
			p := pattern(4, 16<<10)
			var wg sync.WaitGroup
			var mu sync.Mutex
			var done, closed int
			for g := range 8 {
				wg.Go(func() {
					for i := range 50 {
						err := b.WriteAtSync(f, p, int64((g*50+i)*len(p))).Err()
						mu.Lock()
						switch {
						case err == nil:
							done++
						case errors.Is(err, vfs.ErrClosed):
							closed++
						default:
							t.Errorf("op: %v", err)
						}
						mu.Unlock()
					}
				})
			}
			pollUntil(t, 10*time.Second, func() error {
				if b.Stats().Completed < 20 {
					return errors.New("fewer than 20 ops completed")
				}
				return nil
			})
			if err := b.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			wg.Wait()
			if st := b.Stats(); uint64(done) != st.Completed || done+closed != 400 {
				t.Errorf("done %d, closed %d, Stats %+v; want done == completed, done+closed == 400", done, closed, st)
			}
			requireNoBackendGoroutines(t)
		})
	}
}

func TestWorksWithGOMAXPROCS1(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	for _, mode := range modes {
		t.Run(fmt.Sprintf("mode=%v", mode), func(t *testing.T) {
			b := newBackend(t, uring.Options{Submit: mode, Entries: 16})
			f := createFile(t)
			var wg sync.WaitGroup
			for g := range 4 {
				wg.Go(func() {
					for i := range 25 {
						p := pattern(uint64(g*25+i), 8192)
						if err := b.WriteAtSync(f, p, int64((g*25+i)*8192)).Err(); err != nil {
							t.Error(err)
							return
						}
					}
				})
			}
			wg.Wait()
			for i := range 100 {
				requireContents(t, f, int64(i*8192), pattern(uint64(i), 8192))
			}
		})
	}
}

func TestNewRejectsBadOptions(t *testing.T) {
	cases := []struct {
		name string
		opts uring.Options
	}{
		{"too many entries", uring.Options{Entries: 1 << 16}},
		{"unknown mode", uring.Options{Submit: uring.SubmitMode(9)}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if b, err := uring.New(tc.opts); err == nil {
				b.Close()
				t.Fatalf("New(%+v) succeeded", tc.opts)
			}
		})
	}
}

func TestNewReportsModeAndEntries(t *testing.T) {
	b := newBackend(t, uring.Options{Entries: 100})
	if b.Mode() != uring.DefaultSubmitMode {
		t.Errorf("Mode = %v; want %v", b.Mode(), uring.DefaultSubmitMode)
	}
	if b.Entries() != 128 {
		t.Errorf("Entries = %d; want 100 rounded up to 128", b.Entries())
	}
	if b.Name() != "uring" {
		t.Errorf("Name = %q", b.Name())
	}
}
