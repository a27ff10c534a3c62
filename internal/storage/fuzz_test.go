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
