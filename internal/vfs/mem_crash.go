// SPDX-License-Identifier: Apache-2.0

package vfs

import (
	"fmt"
	"math/rand/v2"
)

// CrashMode selects what a simulated power loss keeps of the work that was
// not yet synced. Synced file data and synced directory entries survive in
// every mode.
type CrashMode int

const (
	// CrashDropUnsynced keeps nothing that was not synced.
	CrashDropUnsynced CrashMode = iota
	// CrashKeepAll keeps everything, as after a process crash (the page cache
	// survives).
	CrashKeepAll
	// CrashPrefix keeps, per file, a random prefix of the unsynced operations
	// and a random byte prefix of the next write.
	CrashPrefix
	// CrashSubset keeps, per file, a random subset of the unsynced writes cut
	// into sector (512 B) or page (4 KiB) pieces, applied in a random order,
	// as a disk that reorders write-back does.
	CrashSubset
	// CrashTornLast keeps every unsynced operation of a file except the last
	// write, which is torn at a random byte.
	CrashTornLast
	// CrashZeroTail keeps every unsynced operation, then zero-fills a random
	// tail of the unsynced part of the file, as ext4's delayed allocation can
	// (the size reached the disk, the data did not).
	CrashZeroTail
	// CrashRandom picks one of the modes above for each file.
	CrashRandom
	numCrashModes
)

// CrashModes lists every mode, for tests that iterate over them.
var CrashModes = []CrashMode{
	CrashDropUnsynced, CrashKeepAll, CrashPrefix, CrashSubset, CrashTornLast, CrashZeroTail, CrashRandom,
}

func (c CrashMode) String() string {
	switch c {
	case CrashDropUnsynced:
		return "drop-unsynced"
	case CrashKeepAll:
		return "keep-all"
	case CrashPrefix:
		return "prefix"
	case CrashSubset:
		return "subset"
	case CrashTornLast:
		return "torn-last"
	case CrashZeroTail:
		return "zero-tail"
	case CrashRandom:
		return "random"
	}
	return fmt.Sprintf("CrashMode(%d)", int(c))
}

// CrashClone returns a new Mem holding one state that a power loss at this
// instant could leave on disk, chosen with rng according to mode. m is not
// changed and may keep being used. In the clone everything is durable.
//
// Unsynced directory changes (create, remove, rename) are kept or dropped
// independently of each other (all kept with CrashKeepAll, all dropped with
// CrashDropUnsynced); each is atomic, so a rename is never half applied. A
// file's data follows its node: a file whose directory entry is not kept is
// gone with its data.
func (m *Mem) CrashClone(rng *rand.Rand, mode CrashMode) *Mem {
	m.mu.Lock()
	defer m.mu.Unlock()

	// Durable directory views, copied on first touch so m is unchanged.
	views := map[*memNode]map[string]*memNode{}
	view := func(d *memNode) map[string]*memNode {
		v, ok := views[d]
		if !ok {
			v = make(map[string]*memNode, len(d.durable))
			for k, n := range d.durable {
				v[k] = n
			}
			views[d] = v
		}
		return v
	}
	for i := range m.dirOps {
		keep := false
		switch mode {
		case CrashDropUnsynced:
		case CrashKeepAll:
			keep = true
		default:
			keep = rng.IntN(2) == 0
		}
		if keep {
			m.dirOps[i].apply(view)
		}
	}

	clones := map[*memNode]*memNode{}
	var clone func(n *memNode) *memNode
	clone = func(n *memNode) *memNode {
		if c, ok := clones[n]; ok {
			return c
		}
		if !n.isDir {
			data := n.crashData(rng, mode)
			c := &memNode{data: chunksOf(data), synced: chunksOf(data)}
			clones[n] = c
			return c
		}
		c := newMemDir()
		clones[n] = c
		src, ok := views[n]
		if !ok {
			src = n.durable
		}
		for name, child := range src {
			cc := clone(child)
			c.children[name] = cc
			c.durable[name] = cc
		}
		return c
	}
	return &Mem{root: clone(m.root)}
}

// Clone returns an exact copy of m, page cache and disk state alike: what a
// process crash leaves (the kernel keeps everything, synced or not). A later
// CrashClone of the copy can then model a power loss after the restart.
func (m *Mem) Clone() *Mem {
	m.mu.Lock()
	defer m.mu.Unlock()
	clones := map[*memNode]*memNode{}
	var clone func(n *memNode) *memNode
	clone = func(n *memNode) *memNode {
		if c, ok := clones[n]; ok {
			return c
		}
		c := &memNode{isDir: n.isDir}
		clones[n] = c
		if !n.isDir {
			c.data = chunksOf(n.data.bytes())
			c.synced = chunksOf(n.synced.bytes())
			c.pending = make([]fileOp, len(n.pending))
			for i, op := range n.pending {
				op.data = append([]byte(nil), op.data...)
				c.pending[i] = op
			}
			return c
		}
		c.children, c.durable = map[string]*memNode{}, map[string]*memNode{}
		for name, child := range n.children {
			c.children[name] = clone(child)
		}
		for name, child := range n.durable {
			c.durable[name] = clone(child)
		}
		return c
	}
	out := &Mem{root: clone(m.root)}
	for _, op := range m.dirOps {
		op.dir, op.node = clone(op.dir), clone(op.node)
		if op.dir2 != nil {
			op.dir2 = clone(op.dir2)
		}
		out.dirOps = append(out.dirOps, op)
	}
	return out
}

// crashData returns the content of file n after a crash in mode.
func (n *memNode) crashData(rng *rand.Rand, mode CrashMode) []byte {
	if mode == CrashRandom {
		mode = CrashMode(rng.IntN(int(CrashRandom)))
	}
	out := n.synced.bytes()
	ops := n.pending
	if len(ops) == 0 {
		return out
	}
	switch mode {
	case CrashDropUnsynced:
	case CrashKeepAll:
		out = n.data.bytes()
	case CrashPrefix:
		k := rng.IntN(len(ops) + 1)
		for i := range ops[:k] {
			out = ops[i].applyTo(out)
		}
		if k < len(ops) {
			out = tornApply(rng, out, &ops[k])
		}
	case CrashTornLast:
		last := len(ops) - 1
		for i := last; i >= 0; i-- {
			if !ops[i].truncate {
				last = i
				break
			}
		}
		for i := range ops {
			if i == last {
				out = tornApply(rng, out, &ops[i])
				continue
			}
			out = ops[i].applyTo(out)
		}
	case CrashSubset:
		out = subsetApply(rng, out, ops)
	case CrashZeroTail:
		for i := range ops {
			out = ops[i].applyTo(out)
		}
		if floor := int(n.synced.size); len(out) > floor {
			from := floor + rng.IntN(len(out)-floor+1)
			clear(out[from:])
		}
	}
	return out
}

// tornApply applies a random byte prefix of a write (a truncate is applied or
// not).
func tornApply(rng *rand.Rand, b []byte, op *fileOp) []byte {
	if op.truncate {
		if rng.IntN(2) == 0 {
			return op.applyTo(b)
		}
		return b
	}
	if len(op.data) == 0 {
		return b
	}
	cut := rng.IntN(len(op.data))
	if cut == 0 {
		return b
	}
	return writeAt(b, op.data[:cut], op.off)
}

// subsetApply cuts every write into pieces at sector or page boundaries of
// the file, keeps each piece and each truncate with probability 1/2, and
// applies the survivors in a random order.
func subsetApply(rng *rand.Rand, b []byte, ops []fileOp) []byte {
	gran := int64(512)
	if rng.IntN(2) == 0 {
		gran = 4096
	}
	var kept []fileOp
	for _, op := range ops {
		if op.truncate {
			if rng.IntN(2) == 0 {
				kept = append(kept, op)
			}
			continue
		}
		for off := int64(0); off < int64(len(op.data)); {
			abs := op.off + off
			end := min((abs/gran+1)*gran-op.off, int64(len(op.data)))
			if rng.IntN(2) == 0 {
				kept = append(kept, fileOp{off: abs, data: op.data[off:end]})
			}
			off = end
		}
	}
	rng.Shuffle(len(kept), func(i, j int) { kept[i], kept[j] = kept[j], kept[i] })
	for i := range kept {
		b = kept[i].applyTo(b)
	}
	return b
}
