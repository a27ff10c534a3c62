// SPDX-License-Identifier: Apache-2.0

package metadata

import (
	"bytes"
	"encoding/binary"

	"github.com/zeebo/xxh3"
)

// On-disk format of the state log directory (<data>/state/):
//
//	snapshot   the state as of one log index (absent until the first one)
//	log        entries after that index, append-only
//	*.tmp      a snapshot or log being replaced; removed at open
//
// All integers are little-endian.
//
// log header (32 bytes):
//
//	off size field
//	  0    8 magic      "RFLMLOG\x00"
//	  8    4 format     logFormat
//	 12    4 reserved   0
//	 16    8 base       index of the first record
//	 24    8 checksum   XXH3-64 of bytes [0, 24)
//
// log record (20-byte header, then the payload):
//
//	 0    8 checksum   XXH3-64 of bytes [8, 20+length)
//	 8    4 length     payload bytes (≤ maxRecordSize)
//	12    8 index      base, base+1, … (consecutive)
//	20    n payload    EncodeEntry of a persistent Entry
//
// snapshot (40-byte header, then the payload):
//
//	 0    8 magic      "RFLMSNP\x00"
//	 8    4 format     logFormat
//	12    4 reserved   0
//	16    8 index      last log index the state includes
//	24    8 length     payload bytes
//	32    8 checksum   XXH3-64 of bytes [0, 32) and of the payload
//	40    n payload    the State without consumer-group members (encode(true))
const (
	logFormat         = 1
	logHeaderSize     = 32
	recordHeaderSize  = 20
	snapshotHeaderLen = 40
	maxRecordSize     = 64 << 20
)

var (
	logMagic      = []byte("RFLMLOG\x00")
	snapshotMagic = []byte("RFLMSNP\x00")
)

func encodeLogHeader(base uint64) []byte {
	h := make([]byte, logHeaderSize)
	copy(h, logMagic)
	binary.LittleEndian.PutUint32(h[8:], logFormat)
	binary.LittleEndian.PutUint64(h[16:], base)
	binary.LittleEndian.PutUint64(h[24:], xxh3.Hash(h[:24]))
	return h
}

// decodeLogHeader returns the base index, or a reason the header is bad;
// unknownFormat is set when only the format is unknown.
func decodeLogHeader(h []byte) (base uint64, reason string, unknownFormat bool) {
	if len(h) < logHeaderSize {
		return 0, "log header is short", false
	}
	if !bytes.Equal(h[:8], logMagic) {
		return 0, "bad log magic", false
	}
	if binary.LittleEndian.Uint64(h[24:]) != xxh3.Hash(h[:24]) {
		return 0, "log header checksum mismatch", false
	}
	if binary.LittleEndian.Uint32(h[8:]) != logFormat {
		return 0, "", true
	}
	return binary.LittleEndian.Uint64(h[16:]), "", false
}

func encodeRecord(index uint64, payload []byte) []byte {
	r := make([]byte, recordHeaderSize+len(payload))
	binary.LittleEndian.PutUint32(r[8:], uint32(len(payload)))
	binary.LittleEndian.PutUint64(r[12:], index)
	copy(r[recordHeaderSize:], payload)
	binary.LittleEndian.PutUint64(r[0:], xxh3.Hash(r[8:]))
	return r
}

// parseRecord checks the record at the start of b. It returns the index, the
// payload and the record's total size; ok is false when b does not start with
// a whole record whose checksum matches.
func parseRecord(b []byte) (index uint64, payload []byte, size int, ok bool) {
	if len(b) < recordHeaderSize {
		return 0, nil, 0, false
	}
	n := binary.LittleEndian.Uint32(b[8:])
	if n > maxRecordSize || uint64(len(b)) < uint64(recordHeaderSize)+uint64(n) {
		return 0, nil, 0, false
	}
	size = recordHeaderSize + int(n)
	if binary.LittleEndian.Uint64(b[0:]) != xxh3.Hash(b[8:size]) {
		return 0, nil, 0, false
	}
	return binary.LittleEndian.Uint64(b[12:]), b[recordHeaderSize:size], size, true
}

// validRecordAfter reports whether a whole, checksummed record with an index
// in [minIndex, maxIndex] starts anywhere in b. It tells interior damage (a
// good record follows the bad one) from a torn tail (nothing good follows).
func validRecordAfter(b []byte, minIndex, maxIndex uint64) (int, bool) {
	for off := 0; off+recordHeaderSize <= len(b); off++ {
		idx := binary.LittleEndian.Uint64(b[off+12:])
		if idx < minIndex || idx > maxIndex {
			continue
		}
		if _, _, _, ok := parseRecord(b[off:]); ok {
			return off, true
		}
	}
	return 0, false
}

func encodeSnapshot(index uint64, payload []byte) []byte {
	b := make([]byte, snapshotHeaderLen+len(payload))
	copy(b, snapshotMagic)
	binary.LittleEndian.PutUint32(b[8:], logFormat)
	binary.LittleEndian.PutUint64(b[16:], index)
	binary.LittleEndian.PutUint64(b[24:], uint64(len(payload)))
	copy(b[snapshotHeaderLen:], payload)
	binary.LittleEndian.PutUint64(b[32:], snapshotChecksum(b[:32], payload))
	return b
}

func snapshotChecksum(head, payload []byte) uint64 {
	h := xxh3.New()
	_, _ = h.Write(head)
	_, _ = h.Write(payload)
	return h.Sum64()
}

// decodeSnapshot returns the index and payload, or a reason and the offset of
// the damage.
func decodeSnapshot(b []byte) (index uint64, payload []byte, reason string, off int64, unknownFormat bool) {
	if len(b) < snapshotHeaderLen {
		return 0, nil, "snapshot header is short", 0, false
	}
	if !bytes.Equal(b[:8], snapshotMagic) {
		return 0, nil, "bad snapshot magic", 0, false
	}
	n := binary.LittleEndian.Uint64(b[24:])
	if n != uint64(len(b)-snapshotHeaderLen) {
		return 0, nil, "snapshot length does not match the file size", 24, false
	}
	payload = b[snapshotHeaderLen:]
	if binary.LittleEndian.Uint64(b[32:]) != snapshotChecksum(b[:32], payload) {
		return 0, nil, "snapshot checksum mismatch", 32, false
	}
	if binary.LittleEndian.Uint32(b[8:]) != logFormat {
		return 0, nil, "", 8, true
	}
	return binary.LittleEndian.Uint64(b[16:]), payload, "", 0, false
}
