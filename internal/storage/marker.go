// SPDX-License-Identifier: Apache-2.0

package storage

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"

	"github.com/zeebo/xxh3"

	"riffle/internal/protocol"
)

// The clean-shutdown marker, <Dir>/shards/<shard>/clean, is written by Close
// after every healthy partition's active segment was fdatasynced, and
// removed durably by Open. It lists, per partition, what the active segment
// looked like, so the next Open can trust it without a scan:
//
//	"RFCLEAN1" count:u32, then count × 64-byte entries
//	  stream, topic, partition, segment start, log size, index size,
//	  checksum of the last message, reserved (all u64 LE)
//	then XXH3-64 of everything before it.
//
// A partition that moved to another shard is not in that shard's marker and
// is scanned. A stale marker can only be one left by a shard id that stopped
// running (the shard count shrank) and is read again when it comes back;
// an entry is used only if the segment sizes and the last message's offset
// and checksum still match the files, so stale entries do no harm.

var cleanMagic = []byte("RFCLEAN1")

const cleanEntrySize = 64

type cleanEntry struct {
	k       Key
	start   uint64
	logSize int64
	idxSize int64
	lastSum uint64
}

func encodeClean(entries []cleanEntry) []byte {
	b := append([]byte(nil), cleanMagic...)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(entries)))
	for _, c := range entries {
		for _, v := range []uint64{c.k.Stream, c.k.Topic, c.k.Partition, c.start,
			uint64(c.logSize), uint64(c.idxSize), c.lastSum, 0} {
			b = binary.LittleEndian.AppendUint64(b, v)
		}
	}
	return binary.LittleEndian.AppendUint64(b, xxh3.Hash(b))
}

// decodeClean returns the entries of a marker, or nil if it is damaged.
func decodeClean(b []byte) map[Key]cleanEntry {
	if len(b) < len(cleanMagic)+4+8 || !bytes.Equal(b[:len(cleanMagic)], cleanMagic) {
		return nil
	}
	body, sum := b[:len(b)-8], binary.LittleEndian.Uint64(b[len(b)-8:])
	if xxh3.Hash(body) != sum {
		return nil
	}
	n := int(binary.LittleEndian.Uint32(body[len(cleanMagic):]))
	rest := body[len(cleanMagic)+4:]
	if len(rest) != n*cleanEntrySize {
		return nil
	}
	m := make(map[Key]cleanEntry, n)
	for i := 0; i < n; i++ {
		e := rest[i*cleanEntrySize:]
		u := func(j int) uint64 { return binary.LittleEndian.Uint64(e[j*8:]) }
		c := cleanEntry{k: Key{u(0), u(1), u(2)}, start: u(3), logSize: int64(u(4)), idxSize: int64(u(5)), lastSum: u(6)}
		m[c.k] = c
	}
	return m
}

// cleanEntry describes s, p's synced active segment, for the marker.
func (p *Partition) cleanEntry(s *segment) (cleanEntry, error) {
	p.mu.Lock()
	c := cleanEntry{k: p.key, start: s.start, logSize: s.size, idxSize: int64(s.count) * indexEntrySize}
	count := s.count
	p.mu.Unlock()
	if count == 0 {
		return c, nil
	}
	var start uint32
	if count > 1 {
		prev, err := readEntry(s.index, uint64(count)-2)
		if err != nil {
			return c, err
		}
		start = indexEnd(prev)
	}
	h := make([]byte, protocol.MessageHeaderSize)
	if _, err := s.log.ReadAt(h, int64(start)); err != nil && err != io.EOF {
		return c, fmt.Errorf("read %s: %w", s.logPath, err)
	}
	c.lastSum = protocol.MessageChecksum(h)
	return c, nil
}
