// SPDX-License-Identifier: Apache-2.0

package uring_test

import (
	"errors"
	"fmt"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"riffle/internal/uring"
	"riffle/internal/vfs"
)

// TestShortWriteIsContinuedUntilItFails makes the kernel write short: with
// RLIMIT_FSIZE set, a write crossing the limit stops there. The Backend must
// continue with the rest, whose write then fails with EFBIG, and report the
// bytes written before the failure with that error. The limit is per process,
// so this test must not run in parallel with others.
func TestShortWriteIsContinuedUntilItFails(t *testing.T) {
	const limit = 1 << 20
	cases := []struct {
		name string
		do   func(b *uring.Backend, f vfs.File, p []byte, off int64) *vfs.Op
	}{
		{"WriteAt", (*uring.Backend).WriteAt},
		{"WriteAtSync", (*uring.Backend).WriteAtSync},
	}
	for _, mode := range modes {
		for _, tc := range cases {
			t.Run(fmt.Sprintf("mode=%v/%s", mode, tc.name), func(t *testing.T) {
				b := newBackend(t, uring.Options{Submit: mode})
				f := createFile(t)
				setFileSizeLimit(t, limit)
				p := pattern(5, 64<<10)
				off := int64(limit - 1000)
				n, err := waitOp(t, tc.do(b, f, p, off))
				if !errors.Is(err, syscall.EFBIG) || n != 1000 {
					t.Fatalf("write across the size limit = %d, %v; want 1000, EFBIG", n, err)
				}
				if st := b.Stats(); st.Resubmits != 1 {
					t.Errorf("Stats.Resubmits = %d; want 1 (the rest after the short write)", st.Resubmits)
				}
				requireContents(t, f, off, p[:1000])
			})
		}
	}
}

// setFileSizeLimit lowers RLIMIT_FSIZE until the test ends.
func setFileSizeLimit(t *testing.T, limit uint64) {
	t.Helper()
	var old unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_FSIZE, &old); err != nil {
		t.Fatal(err)
	}
	if old.Cur != unix.RLIM_INFINITY && old.Cur < limit {
		t.Skipf("RLIMIT_FSIZE already %d", old.Cur)
	}
	if err := unix.Setrlimit(unix.RLIMIT_FSIZE, &unix.Rlimit{Cur: limit, Max: old.Max}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := unix.Setrlimit(unix.RLIMIT_FSIZE, &old); err != nil {
			t.Errorf("restore RLIMIT_FSIZE: %v", err)
		}
	})
}
