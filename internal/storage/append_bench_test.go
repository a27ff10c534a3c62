// SPDX-License-Identifier: Apache-2.0

package storage_test

import (
	"fmt"
	"testing"

	"riffle/internal/protocol"
	"riffle/internal/storage"
	"riffle/internal/vfs"
)

// BenchmarkAppend appends batches of 1,000 messages of 1 KiB payload, the
// server's throughput target shape (≥ 300 K msg/s in fsync mode from one
// producer), waiting for each batch (inflight=1) or keeping several batches
// in flight so group commit can merge them (inflight=4).
func BenchmarkAppend(b *testing.B) {
	type fsKind struct {
		name string
		env  func(testing.TB) *env
	}
	for _, fk := range []fsKind{{"mem", newMemEnv}, {"os", osEnv}} {
		for _, d := range []storage.Durability{storage.DurabilityFsync, storage.DurabilityWrite} {
			for _, inflight := range []int{1, 4} {
				name := fmt.Sprintf("fs=%s/durability=%s/batch=1000x1KiB/inflight=%d", fk.name, d, inflight)
				b.Run(name, func(b *testing.B) { benchAppend(b, fk.env(b), d, inflight) })
			}
		}
	}
}

func benchAppend(b *testing.B, e *env, d storage.Durability, inflight int) {
	const count, size = 1000, 1024
	e.opts.Durability = d
	e.opts.SegmentSize = 64 << 20
	io := vfs.NewSync(0)
	defer io.Close()
	e.opts.IO = io
	eng := e.open()
	defer eng.Close()
	p := openPart(b, eng, key0)
	bufs := make([][]byte, inflight)
	for i := range bufs {
		bufs[i] = buildFrames(0, count, size, nil)
	}
	var frameStarts []int
	for pos := 0; pos < len(bufs[0]); pos += protocol.MessageFrameSize(bufs[0][pos:]) {
		frameStarts = append(frameStarts, pos)
	}
	b.SetBytes(int64(len(bufs[0])))
	b.ReportAllocs()
	window := make([]*storage.Append, 0, inflight)
	i := 0
	for b.Loop() {
		if len(window) == inflight {
			if _, _, err := window[0].Wait(); err != nil {
				b.Fatal(err)
			}
			window = window[1:]
		}
		buf := bufs[i%inflight]
		for _, at := range frameStarts { // ask for server-generated ids, as most clients do
			protocol.SetMessageID(buf[at:], [16]byte{})
		}
		window = append(window, p.Append(buf, count))
		i++
		if i%64 == 0 {
			p.DeleteSegments(1 << 20) // keep memory and disk use bounded
		}
	}
	for _, a := range window {
		if _, _, err := a.Wait(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(count*b.N)/b.Elapsed().Seconds(), "msg/s")
}

// BenchmarkRead reads back 1,000-message batches of 1 KiB messages.
func BenchmarkRead(b *testing.B) {
	e := newMemEnv(b)
	e.opts.SegmentSize = 64 << 20
	eng := e.open()
	defer eng.Close()
	p := openPart(b, eng, key0)
	for i := range 20 {
		appendN(b, p, uint64(i*1000), 1000, 1000, 1024)
	}
	b.SetBytes(1000 * (1024 + 64))
	b.ReportAllocs()
	var buf []byte
	off := uint64(0)
	for b.Loop() {
		var err error
		buf, _, err = p.AppendFrom(buf[:0], off, 1000, 0)
		if err != nil {
			b.Fatal(err)
		}
		off = (off + 1000) % 20000
	}
}
