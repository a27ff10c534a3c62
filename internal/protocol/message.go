// SPDX-License-Identifier: Apache-2.0

package protocol

import (
	"encoding/binary"

	"github.com/OneOfOne/xxhash"
	"github.com/zeebo/xxh3"
)

// A message frame is identical in SendMessages, PollMessages replies and
// segment files: a 64-byte header, the payload, then the user-headers block.
//
//	off size field
//	  0    8 checksum           XXH3-64 of bytes [8, end); set by the server
//	  8   16 id                 u128 LE; 0 = the server generates a UUIDv4
//	 24    8 offset             set by the server
//	 32    8 timestamp          µs since epoch, set by the server, one per batch
//	 40    8 origin_timestamp   set by the client
//	 48    4 user_headers_length
//	 52    4 payload_length
//	 56    8 reserved           must be 0
//	 64    P payload
//	64+P   H user headers
const (
	MessageHeaderSize = 64

	msgChecksumOff     = 0
	msgIDOff           = 8
	msgOffsetOff       = 24
	msgTimestampOff    = 32
	msgOriginOff       = 40
	msgHeadersLenOff   = 48
	msgPayloadLenOff   = 52
	msgReservedOff     = 56
	MaxMessagePayload  = 64_000_000 // per message; larger is TooBigMessagePayload
	MaxUserHeadersSize = 100_000    // per message; larger is TooBigUserHeaders
)

// MessageHeader is the decoded fixed part of a message frame.
type MessageHeader struct {
	Checksum          uint64
	ID                [16]byte // little-endian u128, as on the wire
	Offset            uint64
	Timestamp         uint64
	OriginTimestamp   uint64
	UserHeadersLength uint32
	PayloadLength     uint32
	Reserved          uint64
}

// FrameSize is the total size of the frame this header describes.
func (h *MessageHeader) FrameSize() int {
	return MessageHeaderSize + int(h.PayloadLength) + int(h.UserHeadersLength)
}

// DecodeMessageHeader reads the header at the start of b. b must hold at
// least MessageHeaderSize bytes; it reports false otherwise.
func DecodeMessageHeader(b []byte) (MessageHeader, bool) {
	if len(b) < MessageHeaderSize {
		return MessageHeader{}, false
	}
	var h MessageHeader
	h.Checksum = binary.LittleEndian.Uint64(b[msgChecksumOff:])
	copy(h.ID[:], b[msgIDOff:msgIDOff+16])
	h.Offset = binary.LittleEndian.Uint64(b[msgOffsetOff:])
	h.Timestamp = binary.LittleEndian.Uint64(b[msgTimestampOff:])
	h.OriginTimestamp = binary.LittleEndian.Uint64(b[msgOriginOff:])
	h.UserHeadersLength = binary.LittleEndian.Uint32(b[msgHeadersLenOff:])
	h.PayloadLength = binary.LittleEndian.Uint32(b[msgPayloadLenOff:])
	h.Reserved = binary.LittleEndian.Uint64(b[msgReservedOff:])
	return h, true
}

// AppendMessageHeader appends the 64-byte encoding of h to dst.
func AppendMessageHeader(dst []byte, h *MessageHeader) []byte {
	dst = binary.LittleEndian.AppendUint64(dst, h.Checksum)
	dst = append(dst, h.ID[:]...)
	dst = binary.LittleEndian.AppendUint64(dst, h.Offset)
	dst = binary.LittleEndian.AppendUint64(dst, h.Timestamp)
	dst = binary.LittleEndian.AppendUint64(dst, h.OriginTimestamp)
	dst = binary.LittleEndian.AppendUint32(dst, h.UserHeadersLength)
	dst = binary.LittleEndian.AppendUint32(dst, h.PayloadLength)
	dst = binary.LittleEndian.AppendUint64(dst, h.Reserved)
	return dst
}

// MessageFrameSize returns the size of the frame starting at b, or -1 when b
// is shorter than a header.
func MessageFrameSize(b []byte) int {
	if len(b) < MessageHeaderSize {
		return -1
	}
	return MessageHeaderSize + int(binary.LittleEndian.Uint32(b[msgPayloadLenOff:])) +
		int(binary.LittleEndian.Uint32(b[msgHeadersLenOff:]))
}

// MessageOffset, MessageTimestamp and MessageChecksum read one field of the
// frame at the start of b (which must hold a whole header).
func MessageOffset(b []byte) uint64    { return binary.LittleEndian.Uint64(b[msgOffsetOff:]) }
func MessageTimestamp(b []byte) uint64 { return binary.LittleEndian.Uint64(b[msgTimestampOff:]) }
func MessageChecksum(b []byte) uint64  { return binary.LittleEndian.Uint64(b[msgChecksumOff:]) }

// MessageIDIsZero reports whether the frame at b carries the all-zero id that
// asks the server to generate one.
func MessageIDIsZero(b []byte) bool {
	for _, c := range b[msgIDOff : msgIDOff+16] {
		if c != 0 {
			return false
		}
	}
	return true
}

// SetMessageID, SetMessageOffset and SetMessageTimestamp write one
// server-assigned field into the frame at b in place.
func SetMessageID(b []byte, id [16]byte)     { copy(b[msgIDOff:msgIDOff+16], id[:]) }
func SetMessageOffset(b []byte, off uint64)  { binary.LittleEndian.PutUint64(b[msgOffsetOff:], off) }
func SetMessageTimestamp(b []byte, t uint64) { binary.LittleEndian.PutUint64(b[msgTimestampOff:], t) }

// ComputeMessageChecksum returns XXH3-64 (seed 0) over frame[8:], the value the
// checksum field must hold. frame is exactly one message frame.
func ComputeMessageChecksum(frame []byte) uint64 { return xxh3.Hash(frame[msgIDOff:]) }

// SealMessage computes the checksum of the frame and writes it in place.
// Call it after offset, timestamp and id are final.
func SealMessage(frame []byte) {
	binary.LittleEndian.PutUint64(frame[msgChecksumOff:], ComputeMessageChecksum(frame))
}

// MessagePayload returns the payload of the frame (aliasing b).
func MessagePayload(frame []byte) []byte {
	p := binary.LittleEndian.Uint32(frame[msgPayloadLenOff:])
	return frame[MessageHeaderSize : MessageHeaderSize+int(p)]
}

// MessageUserHeaders returns the raw user-headers block of the frame (aliasing b).
func MessageUserHeaders(frame []byte) []byte {
	p := binary.LittleEndian.Uint32(frame[msgPayloadLenOff:])
	h := binary.LittleEndian.Uint32(frame[msgHeadersLenOff:])
	start := MessageHeaderSize + int(p)
	return frame[start : start+int(h)]
}

// XXH32 is xxHash32 with seed 0, the hash Iggy uses for message keys
// (partition = XXH32(key) mod partitions) and for client ids (XXH32 of "ip:port").
func XXH32(b []byte) uint32 { return xxhash.Checksum32(b) }

// NextFrame splits the message frame at the start of b from the rest,
// using the lengths in its header. ok is false when b is shorter than a
// header or than the frame the header declares. frame and rest alias b; the
// capacity of frame is clipped to its length.
func NextFrame(b []byte) (frame, rest []byte, ok bool) {
	n := MessageFrameSize(b)
	if n < 0 || n > len(b) {
		return nil, b, false
	}
	return b[:n:n], b[n:], true
}
