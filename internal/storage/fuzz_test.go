// SPDX-License-Identifier: Apache-2.0

package storage_test

import (
	"bytes"
	"testing"

	"riffle/internal/protocol"
	"riffle/internal/storage"
	"riffle/internal/vfs"
)

// validSegment returns the log and index bytes of a partition holding n
// messages in one segment, as the engine wrote them.
func validSegment(t testing.TB, n int) (log, index []byte) {
	e := newMemEnv(t)
	eng := e.open()
	appendN(t, openPart(t, eng, key0), 0, n, 4, 30)
	mustClose(t, eng)
	dir := e.partDir(key0)
	read := func(name string) []byte {
		f, err := e.fs.Open(dir + "/" + name)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		size, _ := f.Size()
		b := make([]byte, size)
		f.ReadAt(b, 0)
		return b
	}
	return read("00000000000000000000.log"), read("00000000000000000000.index")
}

// FuzzRecoverSegmentTail appends arbitrary bytes to a valid active segment
// (and mangles the end of its index): recovery must never panic, must boot,
// and must keep every valid message.
func FuzzRecoverSegmentTail(f *testing.F) {
	const n = 10
	log, index := validSegment(f, n)
	h := protocol.MessageHeader{Offset: n, PayloadLength: 0x7fff_ffff}
	f.Add([]byte{}, uint16(0), []byte{})
	f.Add([]byte("garbage"), uint16(3), []byte{1, 2, 3})
	f.Add(make([]byte, 4096), uint16(16), make([]byte, 16))
	f.Add(protocol.AppendMessageHeader(nil, &h), uint16(0), []byte{})
	f.Add(log[:200], uint16(7), index[:48])
	f.Fuzz(func(t *testing.T, tail []byte, cut uint16, idxJunk []byte) {
		mem := vfs.NewMem()
		e := newMemEnv(t)
		e.fs, e.opts.FS = mem, mem
		dir := e.partDir(key0)
		if err := mem.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		write := func(name string, b []byte) {
			f, err := mem.Create(dir + "/" + name)
			if err != nil {
				t.Fatal(err)
			}
			f.WriteAt(b, 0)
			f.Close()
		}
		write("00000000000000000000.log", append(append([]byte(nil), log...), tail...))
		idx := append([]byte(nil), index[:len(index)-int(cut)%(len(index)+1)]...)
		write("00000000000000000000.index", append(idx, idxJunk...))

		eng := e.open()
		defer eng.Close()
		p, err := eng.OpenPartition(key0, storage.PartitionConfig{})
		if err != nil {
			t.Fatalf("recovery refused a torn tail: %v", err)
		}
		frames, got, err := p.ReadFrom(0, 1000, 0)
		if err != nil || got < n || !bytes.Equal(frames[:len(log)], log) {
			t.Fatalf("recovered %d messages (%v); the %d valid ones must survive byte for byte", got, err, n)
		}
		if _, _, err := p.Append(buildFrames(uint64(got), 1, 10, nil), 1).Wait(); err != nil {
			t.Fatalf("append after recovery: %v", err)
		}
	})
}

// crashedSegment is a partition with one segment after a crash (no clean
// marker), and what recovery must make of it.
type crashedSegment struct {
	fs         *vfs.Mem
	log, index []byte // as the engine wrote them
	durable    int    // index bytes a recovery checkpoint vouches for
}

// newCrashedSegment appends 60 messages of 20 to 200 bytes, the first 30
// with a recovery checkpoint every ckptBytes of log (0: none), and kills the
// engine.
func newCrashedSegment(tb testing.TB, ckptBytes int64) crashedSegment {
	defer storage.SetCheckpointBytes(1 << 30)()
	e := newMemEnv(tb)
	mem := e.fs.(*vfs.Mem)
	eng := e.open()
	p := openPart(tb, eng, key0)
	for seq := 0; seq < 60; seq += 6 {
		switch {
		case seq == 0 && ckptBytes > 0:
			storage.SetCheckpointBytes(ckptBytes)
		case seq == 30:
			storage.SetCheckpointBytes(1 << 30)
		}
		appendN(tb, p, uint64(seq), 6, 3, 20+3*seq)
	}
	// The newest checkpoint record rides the next round of the offsets log.
	if err := eng.StoreOffset(key0, storage.Consumer{Kind: storage.ConsumerKindConsumer, ID: 1}, 0).Err(); err != nil {
		tb.Fatal(err)
	}
	storage.Abandon(eng)
	cs := crashedSegment{fs: mem}
	dir := e.partDir(key0)
	cs.log = readMemFile(tb, mem, dir+"/00000000000000000000.log")
	cs.index = readMemFile(tb, mem, dir+"/00000000000000000000.index")
	clone := mem.Clone() // Open may change files; the base stays as the crash left it
	e.fs, e.opts.FS = clone, clone
	probe := e.open()
	if n, ok := storage.CheckpointCount(probe, key0); ok {
		cs.durable = int(n) * 16
	}
	storage.Abandon(probe)
	tb.Logf("crashed segment: log %d bytes, index %d, checkpointed index %d", len(cs.log), len(cs.index), cs.durable)
	if len(cs.index) != 60*16 || (ckptBytes > 0) != (cs.durable > 0) || cs.durable > 30*16 {
		tb.Fatalf("crashed segment: index of %d bytes, checkpoint covers %d", len(cs.index), cs.durable)
	}
	return cs
}

func readMemFile(tb testing.TB, mem *vfs.Mem, name string) []byte {
	tb.Helper()
	f, err := mem.Open(name)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	size, _ := f.Size()
	b := make([]byte, size)
	if _, err := f.ReadAt(b, 0); err != nil && size > 0 {
		tb.Fatal(err)
	}
	return b
}

// FuzzRecoverIndex replaces the index of a crashed partition's only segment
// by the first keep bytes of the valid index followed by fuzzed bytes (so
// keep 0 replaces it, keep = its length appends to it), with or without a
// recovery checkpoint (whose durable prefix of the index a crash cannot
// damage, so it is kept). Recovery must never panic or fence, must keep
// every message of the log byte for byte, and must leave an index identical
// to the one derived from the log.
func FuzzRecoverIndex(f *testing.F) {
	bases := map[bool]crashedSegment{false: newCrashedSegment(f, 0), true: newCrashedSegment(f, 1024)}
	index := bases[false].index
	ahead := append([]byte(nil), index[len(index)-16:]...)
	ahead[0]++ // one entry past the log
	flipped := append([]byte(nil), index...)
	flipped[16*20+5] ^= 0x40 // entry 20's end position
	f.Add(false, uint16(0), []byte{})
	f.Add(false, uint16(0), index)
	f.Add(false, uint16(0), flipped)
	f.Add(false, uint16(len(index)), []byte("garbage"))
	f.Add(false, uint16(len(index)), ahead)
	f.Add(false, uint16(len(index)-7), make([]byte, 16))
	f.Add(false, uint16(32), index[64:])
	f.Add(false, uint16(0), make([]byte, 4096))
	f.Add(true, uint16(0), []byte{})
	f.Add(true, uint16(len(index)-16), index[:48])
	f.Add(true, uint16(len(index)), ahead)
	f.Fuzz(func(t *testing.T, ckpt bool, keep uint16, junk []byte) {
		base := bases[ckpt]
		cut := max(int(keep)%(len(base.index)+1), base.durable)
		damaged := append(append([]byte(nil), base.index[:cut]...), junk...)

		mem := base.fs.Clone()
		e := newMemEnv(t)
		e.fs, e.opts.FS = mem, mem
		name := e.partDir(key0) + "/00000000000000000000.index"
		w, err := mem.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.WriteAt(damaged, 0); err != nil {
			t.Fatal(err)
		}
		w.Close()

		eng := e.open()
		defer eng.Close()
		p, err := eng.OpenPartition(key0, storage.PartitionConfig{})
		if err != nil {
			t.Fatalf("recovery refused a damaged index over an intact log: %v", err)
		}
		frames, n, err := p.ReadFrom(0, 1000, 0)
		if err != nil || n != 60 || !bytes.Equal(frames, base.log) {
			t.Fatalf("read %d messages (%v); all 60 of the log must survive byte for byte", n, err)
		}
		if got := readMemFile(t, mem, name); !bytes.Equal(got, base.index) {
			t.Fatalf("index after recovery is %d bytes and differs from the %d derived from the log", len(got), len(base.index))
		}
		if _, _, err := p.Append(buildFrames(60, 1, 10, nil), 1).Wait(); err != nil {
			t.Fatalf("append after recovery: %v", err)
		}
	})
}
