// SPDX-License-Identifier: Apache-2.0

package errorfs_test

import (
	"errors"
	"io"
	"syscall"
	"testing"

	"riffle/internal/vfs"
	"riffle/internal/vfs/errorfs"
)

func TestNthFailsExactlyTheNthMatchingOp(t *testing.T) {
	tests := []struct {
		name   string
		sticky bool
		want   []bool // failure of writes 1..5 to .log
	}{
		{name: "once", want: []bool{false, false, true, false, false}},
		{name: "sticky", sticky: true, want: []bool{false, false, true, true, true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inj := &errorfs.Nth{N: 3, Kind: errorfs.OpWrite, Match: errorfs.PathSuffix(".log"),
				Err: errorfs.ErrIO, Sticky: tt.sticky}
			fsys := errorfs.Wrap(vfs.NewMem(), inj)
			log, _ := fsys.Create("/a.log")
			idx, _ := fsys.Create("/a.index")
			for i, wantFail := range tt.want {
				if _, err := idx.WriteAt([]byte("i"), int64(i)); err != nil {
					t.Fatalf("write %d to a non-matching file failed: %v", i+1, err)
				}
				_, err := log.WriteAt([]byte("l"), int64(i))
				if gotFail := err != nil; gotFail != wantFail {
					t.Fatalf("write %d: err=%v, want failure %v", i+1, err, wantFail)
				}
				if err != nil && !errors.Is(err, syscall.EIO) {
					t.Fatalf("write %d: %v is not EIO", i+1, err)
				}
			}
		})
	}
}

func TestShortWriteStoresHalf(t *testing.T) {
	m := vfs.NewMem()
	fsys := errorfs.Wrap(m, &errorfs.Nth{N: 1, Kind: errorfs.OpWrite, Err: errorfs.ErrShortWrite})
	f, _ := fsys.Create("/f")
	n, err := f.WriteAt([]byte("abcdef"), 0)
	if n != 3 || !errors.Is(err, io.ErrShortWrite) {
		t.Fatalf("short write: n=%d err=%v", n, err)
	}
	if size, _ := f.Size(); size != 3 {
		t.Fatalf("file holds %d bytes after a short write, want 3", size)
	}
}

func TestInjectedSyncAndCreateErrors(t *testing.T) {
	inj := errorfs.InjectorFunc(func(op errorfs.Op) error {
		switch {
		case op.Kind == errorfs.OpSync:
			return errorfs.ErrIO
		case op.Kind == errorfs.OpCreate && op.Path == "/full":
			return errorfs.ErrNoSpace
		}
		return nil
	})
	fsys := errorfs.Wrap(vfs.NewMem(), inj)
	if _, err := fsys.Create("/full"); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("create: %v, want ENOSPC", err)
	}
	f, err := fsys.Create("/ok")
	if err != nil {
		t.Fatal(err)
	}
	be := vfs.NewSync(1)
	defer be.Close()
	if err := be.Sync(f).Err(); !errors.Is(err, syscall.EIO) {
		t.Fatalf("sync through the backend: %v, want EIO", err)
	}
}
