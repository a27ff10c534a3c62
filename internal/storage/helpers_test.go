// SPDX-License-Identifier: Apache-2.0

package storage_test

import (
	"encoding/binary"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"riffle/internal/clock"
	"riffle/internal/protocol"
	"riffle/internal/storage"
	"riffle/internal/vfs"
)

var key0 = storage.Key{Stream: 1, Topic: 1, Partition: 1}

// payload is message seq's payload for a test partition: the sequence number
// then a pattern derived from it, size bytes in all (at least 8).
func payload(seq uint64, size int) []byte {
	b := make([]byte, max(size, 8))
	binary.LittleEndian.PutUint64(b, seq)
	for i := 8; i < len(b); i++ {
		b[i] = byte(seq) + byte(i*31)
	}
	return b
}

// buildFrames returns count client frames (id 0, server fields zero) whose
// payloads are payload(seq0+i, size) and whose user headers are headers.
func buildFrames(seq0 uint64, count, size int, headers []byte) []byte {
	var b []byte
	for i := range count {
		p := payload(seq0+uint64(i), size)
		h := protocol.MessageHeader{OriginTimestamp: 1_700_000_000_000_000,
			PayloadLength: uint32(len(p)), UserHeadersLength: uint32(len(headers))}
		b = protocol.AppendMessageHeader(b, &h)
		b = append(b, p...)
		b = append(b, headers...)
	}
	return b
}

// message is one decoded stored message.
type message struct {
	offset, timestamp, checksum uint64
	id                          [16]byte
	seq                         uint64
	payload, headers            []byte
}

// decodeFrames splits stored frames and checks each checksum.
func decodeFrames(t testing.TB, frames []byte) []message {
	t.Helper()
	var out []message
	for len(frames) > 0 {
		size := protocol.MessageFrameSize(frames)
		if size < 0 || size > len(frames) {
			t.Fatalf("truncated frame in read result")
		}
		f := frames[:size]
		h, _ := protocol.DecodeMessageHeader(f)
		if got := protocol.ComputeMessageChecksum(f); got != h.Checksum {
			t.Fatalf("message at offset %d: checksum %#x, stored %#x", h.Offset, got, h.Checksum)
		}
		p := protocol.MessagePayload(f)
		out = append(out, message{offset: h.Offset, timestamp: h.Timestamp, checksum: h.Checksum, id: h.ID,
			seq: binary.LittleEndian.Uint64(p), payload: p, headers: protocol.MessageUserHeaders(f)})
		frames = frames[size:]
	}
	return out
}

type env struct {
	t     testing.TB
	fs    vfs.FS
	dir   string
	clock *clock.Fake
	opts  storage.Options
}

func newMemEnv(t testing.TB) *env {
	clk := clock.NewFake(time.Unix(1_700_000_000, 0))
	e := &env{t: t, fs: vfs.NewMem(), dir: "/data", clock: clk}
	e.opts = storage.Options{FS: e.fs, Dir: e.dir, Clock: clk, SegmentSize: 64 << 10}
	return e
}

func (e *env) open() *storage.Engine {
	e.t.Helper()
	eng, err := storage.Open(e.opts)
	if err != nil {
		e.t.Fatalf("open engine: %v", err)
	}
	return eng
}

func (e *env) partDir(k storage.Key) string {
	return filepath.Join(e.dir, "streams", fmt.Sprint(k.Stream), "topics", fmt.Sprint(k.Topic),
		"partitions", fmt.Sprint(k.Partition))
}

func openPart(t testing.TB, eng *storage.Engine, k storage.Key) *storage.Partition {
	t.Helper()
	p, err := eng.OpenPartition(k, storage.PartitionConfig{})
	if err != nil {
		t.Fatalf("open partition %s: %v", k, err)
	}
	return p
}

// appendN appends count messages of size bytes with sequence numbers from
// seq0, in batches of batch, waiting for each.
func appendN(t testing.TB, p *storage.Partition, seq0 uint64, count, batch, size int) {
	t.Helper()
	for i := 0; i < count; i += batch {
		n := min(batch, count-i)
		first, last, err := p.Append(buildFrames(seq0+uint64(i), n, size, nil), n).Wait()
		if err != nil {
			t.Fatalf("append: %v", err)
		}
		if last-first != uint64(n-1) {
			t.Fatalf("append of %d got offsets %d..%d", n, first, last)
		}
	}
}

// readAll reads every message of p from its first offset.
func readAll(t testing.TB, p *storage.Partition) []message {
	t.Helper()
	var out []message
	off := p.FirstOffset()
	for {
		frames, n, err := p.ReadFrom(off, 1000, 1<<20)
		if err != nil {
			t.Fatalf("read from %d: %v", off, err)
		}
		if n == 0 {
			return out
		}
		msgs := decodeFrames(t, frames)
		if len(msgs) != int(n) {
			t.Fatalf("read reported %d messages, decoded %d", n, len(msgs))
		}
		out = append(out, msgs...)
		off += uint64(n)
	}
}

// checkSequence asserts msgs are offsets from..from+len-1 carrying
// sequence numbers equal to their offsets.
func checkSequence(t testing.TB, msgs []message, from uint64) {
	t.Helper()
	for i, m := range msgs {
		want := from + uint64(i)
		if m.offset != want || m.seq != want {
			t.Fatalf("message %d: offset %d seq %d, want both %d", i, m.offset, m.seq, want)
		}
	}
}

func mustClose(t testing.TB, eng *storage.Engine) storage.Report {
	t.Helper()
	rep, err := eng.Close()
	if err != nil {
		t.Fatalf("close engine: %v", err)
	}
	return rep
}

func isCorruption(err error) (*storage.CorruptionError, bool) {
	var ce *storage.CorruptionError
	ok := errors.As(err, &ce)
	return ce, ok
}

// decodeFramesNoFatal is decodeFrames that reports damage through ok
// instead of failing the test (for use off the test goroutine).
func decodeFramesNoFatal(frames []byte, ok *bool) []message {
	var out []message
	for len(frames) > 0 {
		size := protocol.MessageFrameSize(frames)
		if size < 0 || size > len(frames) {
			*ok = false
			return out
		}
		f := frames[:size]
		h, _ := protocol.DecodeMessageHeader(f)
		if protocol.ComputeMessageChecksum(f) != h.Checksum {
			*ok = false
			return out
		}
		p := protocol.MessagePayload(f)
		out = append(out, message{offset: h.Offset, timestamp: h.Timestamp, checksum: h.Checksum, id: h.ID,
			seq: binary.LittleEndian.Uint64(p), payload: p, headers: protocol.MessageUserHeaders(f)})
		frames = frames[size:]
	}
	return out
}
