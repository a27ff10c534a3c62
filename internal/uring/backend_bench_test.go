// SPDX-License-Identifier: Apache-2.0

package uring_test

import (
	"fmt"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"

	"riffle/internal/uring"
	"riffle/internal/vfs"
)

// pwriteBackend is the baseline: pwrite and fdatasync on the calling
// goroutine, no queue, no other goroutine.
type pwriteBackend struct{}

func (pwriteBackend) WriteAt(f vfs.File, p []byte, off int64) *vfs.Op {
	n, err := pwriteFull(f, p, off)
	return vfs.DoneOp(n, err)
}

func (pwriteBackend) Sync(f vfs.File) *vfs.Op {
	return vfs.DoneOp(0, unix.Fdatasync(int(f.(vfs.FdFile).Fd())))
}

func (pwriteBackend) WriteAtSync(f vfs.File, p []byte, off int64) *vfs.Op {
	n, err := pwriteFull(f, p, off)
	if err == nil {
		err = unix.Fdatasync(int(f.(vfs.FdFile).Fd()))
	}
	return vfs.DoneOp(n, err)
}

func (pwriteBackend) Name() string { return "pwrite" }
func (pwriteBackend) Close() error { return nil }

func pwriteFull(f vfs.File, p []byte, off int64) (int, error) {
	fd := int(f.(vfs.FdFile).Fd())
	n := 0
	for n < len(p) {
		m, err := unix.Pwrite(fd, p[n:], off+int64(n))
		if err != nil {
			return n, err
		}
		n += m
	}
	return n, nil
}

type benchImpl struct {
	name    string
	qd1Only bool // synchronous: a queue depth above 1 means nothing
	open    func(b *testing.B) vfs.Backend
}

var benchImpls = []benchImpl{
	{name: "pwrite", qd1Only: true, open: func(*testing.B) vfs.Backend { return pwriteBackend{} }},
	{name: "uring-mutex", open: func(b *testing.B) vfs.Backend {
		return newBackend(b, uring.Options{Submit: uring.SubmitMutex})
	}},
	{name: "uring-owner", open: func(b *testing.B) vfs.Backend {
		return newBackend(b, uring.Options{Submit: uring.SubmitOwner})
	}},
	{name: "vfs-sync", open: func(b *testing.B) vfs.Backend {
		s := vfs.NewSync(0)
		b.Cleanup(func() { s.Close() })
		return s
	}},
}

// benchRegion is the span of file offsets the benchmarks cycle through, so
// that the file stays bounded while the page cache still sees fresh writes.
const benchRegion = 64 << 20

func BenchmarkWrite(b *testing.B) {
	benchPipeline(b, false, []int{4 << 10, 64 << 10, 1 << 20}, []int{1, 16})
}

func BenchmarkWriteSync(b *testing.B) {
	benchPipeline(b, true, []int{64 << 10, 1 << 20}, []int{1, 4})
}

// benchPipeline measures writes (with a linked fdatasync when sync is set) of
// each size, keeping depth operations in flight: an iteration waits for the
// oldest operation once depth are outstanding, then issues one.
func benchPipeline(b *testing.B, sync bool, sizes, depths []int) {
	for _, size := range sizes {
		for _, depth := range depths {
			for _, impl := range benchImpls {
				if impl.qd1Only && depth > 1 {
					continue
				}
				name := fmt.Sprintf("size=%s/depth=%d/impl=%s", sizeName(size), depth, impl.name)
				b.Run(name, func(b *testing.B) {
					be := impl.open(b)
					f, err := vfs.OS.Create(filepath.Join(b.TempDir(), "bench.log"))
					if err != nil {
						b.Fatal(err)
					}
					defer f.Close()
					bufs := make([][]byte, depth)
					for i := range bufs {
						bufs[i] = pattern(uint64(i), size)
					}
					ops := make([]*vfs.Op, depth)
					b.SetBytes(int64(size))
					b.ReportAllocs()
					i := 0
					for b.Loop() {
						slot := i % depth
						if ops[slot] != nil {
							if err := ops[slot].Err(); err != nil {
								b.Fatal(err)
							}
						}
						off := int64(i*size) % benchRegion
						if sync {
							ops[slot] = be.WriteAtSync(f, bufs[slot], off)
						} else {
							ops[slot] = be.WriteAt(f, bufs[slot], off)
						}
						i++
					}
					for _, op := range ops {
						if op != nil {
							if err := op.Err(); err != nil {
								b.Fatal(err)
							}
						}
					}
				})
			}
		}
	}
}

func sizeName(n int) string {
	if n >= 1<<20 {
		return fmt.Sprintf("%dMiB", n>>20)
	}
	return fmt.Sprintf("%dKiB", n>>10)
}
