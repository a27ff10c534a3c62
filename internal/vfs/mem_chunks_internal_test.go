// SPDX-License-Identifier: Apache-2.0

package vfs

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

// TestChunksMatchAFlatBuffer drives chunks and a plain []byte with the same
// random writes and truncates, across chunk boundaries, and compares them.
func TestChunksMatchAFlatBuffer(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	noise := make([]byte, 3*memChunk)
	for i := range noise {
		noise[i] = byte(rng.Uint32())
	}
	for run := range 20 {
		var c chunks
		var flat []byte
		for step := range 60 {
			switch rng.IntN(3) {
			case 0, 1:
				from := rng.IntN(len(noise))
				p := noise[from : from+rng.IntN(len(noise)-from+1)]
				off := rng.Int64N(5 * memChunk)
				c.writeAt(p, off)
				flat = writeAt(flat, p, off)
			case 2:
				size := rng.Int64N(int64(len(flat)) + memChunk)
				c.truncate(size)
				flat = setSize(flat, size)
			}
			if c.size != int64(len(flat)) || !bytes.Equal(c.bytes(), flat) {
				t.Fatalf("run %d step %d: chunks (%d bytes) differ from the flat buffer (%d bytes)", run, step, c.size, len(flat))
			}
			off := rng.Int64N(int64(len(flat)) + 10)
			p := make([]byte, rng.IntN(2*memChunk))
			n := c.readAt(p, off)
			want := 0
			if off < int64(len(flat)) {
				want = copy(make([]byte, len(p)), flat[off:])
			}
			if n != want || (n > 0 && !bytes.Equal(p[:n], flat[off:off+int64(n)])) {
				t.Fatalf("run %d step %d: readAt(%d) = %d bytes, want %d", run, step, off, n, want)
			}
		}
	}
}
