// SPDX-License-Identifier: Apache-2.0

package vfs

// memChunk is the unit in which Mem stores file content: a file grows by
// whole chunks, never by copying what it already holds.
const memChunk = 64 << 10

// chunks is a file's content as chunks of up to memChunk bytes; bytes past
// a chunk's length (or in a nil chunk) read as zeros. A chunk starts at the
// size first written and doubles, so small files stay small.
type chunks struct {
	size int64
	c    [][]byte
}

func chunksOf(b []byte) chunks {
	var c chunks
	c.writeAt(b, 0)
	return c
}

func (c *chunks) writeAt(p []byte, off int64) {
	if end := off + int64(len(p)); end > c.size {
		c.size = end
	}
	for len(p) > 0 {
		i, at := int(off/memChunk), int(off%memChunk)
		for len(c.c) <= i {
			c.c = append(c.c, nil)
		}
		n := min(len(p), memChunk-at)
		if need := at + n; len(c.c[i]) < need {
			grown := make([]byte, max(need, min(2*len(c.c[i]), memChunk)))
			copy(grown, c.c[i])
			c.c[i] = grown
		}
		copy(c.c[i][at:], p[:n])
		p, off = p[n:], off+int64(n)
	}
}

// readAt copies the content at off into p and returns how many bytes there
// were (fewer than len(p) at the end of the file).
func (c *chunks) readAt(p []byte, off int64) int {
	if off >= c.size {
		return 0
	}
	p = p[:min(int64(len(p)), c.size-off)]
	total := len(p)
	for len(p) > 0 {
		i, at := int(off/memChunk), int(off%memChunk)
		n := min(len(p), memChunk-at)
		got := 0
		if i < len(c.c) && at < len(c.c[i]) {
			got = copy(p[:n], c.c[i][at:])
		}
		clear(p[got:n])
		p, off = p[n:], off+int64(n)
	}
	return total
}

// truncate changes the size; bytes past a shrink read as zeros if the file
// grows again.
func (c *chunks) truncate(size int64) {
	if size < c.size {
		keep := int((size + memChunk - 1) / memChunk)
		clear(c.c[min(keep, len(c.c)):])
		c.c = c.c[:min(keep, len(c.c))]
		if at := int(size % memChunk); at != 0 && keep-1 < len(c.c) && at < len(c.c[keep-1]) {
			clear(c.c[keep-1][at:])
		}
	}
	c.size = size
}

func (c *chunks) bytes() []byte {
	b := make([]byte, c.size)
	c.readAt(b, 0)
	return b
}

func (op *fileOp) applyToChunks(c *chunks) {
	if op.truncate {
		c.truncate(op.size)
		return
	}
	c.writeAt(op.data, op.off)
}
