// SPDX-License-Identifier: Apache-2.0

// SendMessages (101), the hot path (protocol doc §4.4):
//
//	[metadata_length u32]          size of the next four fields
//	[stream Identifier][topic Identifier][partitioning][messages_count u32]
//	[index: count × 16]            [0 u32][end_position u32][0 u64] per message
//	[frames]                       count × (64-byte header + payload + user headers)
//
// The response is an empty OK. ParseSendMessages validates in the order and
// with the codes of the 0.8.0 handler (send_messages_handler.rs and
// IggyMessagesBatchMut::validate), without copying: Index and Frames alias
// the payload so the shard can fill offsets, timestamps and checksums in
// place. Differences from the protocol doc, where the 0.8.0 source wins:
//
//   - Identifiers on this path go through Identifier::from_raw_bytes: every
//     failure is InvalidIdentifier (6) and string IDs are not checked for
//     UTF-8. Partitioning failures are InvalidCommand (3), and messages_key
//     with an empty key is accepted.
//   - Message boundaries come from the index: message i spans
//     [end(i-1), end(i)), the last one ends at the end of the frames. A slot
//     shorter than 64 bytes or smaller than its header's lengths is
//     MissingIndex (4033), so TooSmallMessage (4037) cannot occur.
//   - A header offset lower than the previous message's is InvalidOffset
//     (4100); the last index position is only checked for monotonicity
//     (CannotReadIndexPosition, 10011).
//   - The reserved field is not validated (the Rust SDK rejects a non-zero
//     reserved field when polling; storing what was sent is the server's
//     choice, as in 0.8.0). User headers are not parsed.
//
// The client side builds the payload with AppendSendMessages exactly as the
// SDKs do.

package protocol

import (
	"encoding/binary"
	"strconv"
)

// IndexEntrySize is the size of one SendMessages index entry.
const IndexEntrySize = 16

// SendMessages is a parsed SendMessages payload. Index and Frames alias the
// payload; after a successful ParseSendMessages the frames are exactly Count
// well-formed messages whose header lengths agree with the index.
type SendMessages struct {
	Stream       Identifier
	Topic        Identifier
	Partitioning Partitioning // Key aliases the payload
	Count        uint32
	Index        []byte // Count × IndexEntrySize
	Frames       []byte
}

// Code returns CodeSendMessages.
func (*SendMessages) Code() Code { return CodeSendMessages }

// metadataSize is the canonical metadata_length.
func (s *SendMessages) metadataSize() int {
	return s.Stream.Size() + s.Topic.Size() + s.Partitioning.Size() + 4
}

// Size returns the encoded payload size.
func (s *SendMessages) Size() int { return 4 + s.metadataSize() + len(s.Index) + len(s.Frames) }

// AppendTo re-encodes the payload with a canonical metadata_length; Index
// and Frames are copied as they are.
func (s *SendMessages) AppendTo(dst []byte) []byte {
	dst = appendU32(dst, uint32(s.metadataSize()))
	dst = s.Stream.AppendTo(dst)
	dst = s.Topic.AppendTo(dst)
	dst = s.Partitioning.AppendTo(dst)
	dst = appendU32(dst, s.Count)
	dst = append(dst, s.Index...)
	return append(dst, s.Frames...)
}

// Decode is ParseSendMessages into s.
func (s *SendMessages) Decode(payload []byte) error {
	v, err := ParseSendMessages(payload)
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// ForEachFrame calls fn for each message frame in order, stopping at the
// first error, which it returns. It relies on the frames having been
// validated by ParseSendMessages.
func (s *SendMessages) ForEachFrame(fn func(i int, frame []byte) error) error {
	rest := s.Frames
	for i := 0; i < int(s.Count); i++ {
		frame, next, ok := NextFrame(rest)
		if !ok {
			return decodeError(StatusMissingIndex, len(s.Frames)-len(rest), "frame "+strconv.Itoa(i)+" truncated")
		}
		if err := fn(i, frame); err != nil {
			return err
		}
		rest = next
	}
	return nil
}

// ParseSendMessages parses and validates a SendMessages payload without
// copying it, in the order of the 0.8.0 server:
//
//  1. metadata_length beyond the payload: InvalidCommand (3); stream and
//     topic identifiers: InvalidIdentifier (6); partitioning or a missing
//     messages_count: InvalidCommand (3);
//  2. index larger than the payload or frames underflowing: InvalidCommand;
//  3. count 0: InvalidMessagesCount (4009); then per message: index relative
//     offset ≠ 0: NonZeroOffset (4031), index timestamp ≠ 0:
//     NonZeroTimestamp (4032), bad boundaries: MissingIndex (4033), payload
//     > 64 000 000: TooBigMessagePayload (4022), user headers > 100 000:
//     TooBigUserHeaders (4017), decreasing header offset: InvalidOffset
//     (4100), decreasing index position: CannotReadIndexPosition (10011);
//     finally Σ header sizes ≠ frames: InvalidMessagesSize (4036).
//
// Errors wrap a *DecodeError carrying that status. Numeric identifiers make
// no allocation; a string identifier allocates its name.
func ParseSendMessages(payload []byte) (SendMessages, error) {
	var s SendMessages
	total := uint64(len(payload))
	if total < 4 {
		return s, decodeError(StatusInvalidCommand, 0, "payload shorter than metadata_length")
	}
	metaLen := uint64(binary.LittleEndian.Uint32(payload))
	if metaLen > total-4 {
		return s, decodeError(StatusInvalidCommand, 0, "metadata_length "+strconv.FormatUint(metaLen, 10)+" beyond payload")
	}
	meta := payload[4 : 4+metaLen]
	pos := 0
	var st Status
	var reason string
	var n int
	if s.Stream, n, reason = rawIdentifier(meta); reason != "" {
		return s, decodeError(StatusInvalidIdentifier, 4, "stream: "+reason)
	}
	pos += n
	if s.Topic, n, reason = rawIdentifier(meta[pos:]); reason != "" {
		return s, decodeError(StatusInvalidIdentifier, 4+pos, "topic: "+reason)
	}
	pos += n
	if s.Partitioning, n, st, reason = parsePartitioning(meta[pos:]); st != StatusOK {
		return s, decodeError(st, 4+pos, reason)
	}
	pos += n
	if len(meta)-pos < 4 {
		return s, decodeError(StatusInvalidCommand, 4+pos, "missing messages_count")
	}
	s.Count = binary.LittleEndian.Uint32(meta[pos:])
	indexLen := uint64(s.Count) * IndexEntrySize
	if indexLen > total {
		return s, decodeError(StatusInvalidCommand, 4+pos, "index of "+strconv.FormatUint(uint64(s.Count), 10)+" messages beyond payload")
	}
	if 4+metaLen+indexLen > total {
		return s, decodeError(StatusInvalidCommand, 4+pos, "index and metadata beyond payload")
	}
	idxStart := 4 + metaLen
	s.Index = payload[idxStart : idxStart+indexLen : idxStart+indexLen]
	s.Frames = payload[idxStart+indexLen:]
	if err := validateBatch(s.Index, s.Frames, int(idxStart+indexLen)); err != nil {
		return SendMessages{}, err
	}
	return s, nil
}

// rawIdentifier decodes an identifier as Identifier::from_raw_bytes does on
// the SendMessages path; reason is empty on success.
func rawIdentifier(b []byte) (Identifier, int, string) {
	if len(b) < 2 {
		return Identifier{}, 0, "short identifier"
	}
	kind, n := IDKind(b[0]), int(b[1])
	if kind != IDNumeric && kind != IDString {
		return Identifier{}, 0, "unknown identifier kind " + strconv.Itoa(int(kind))
	}
	if len(b) < 2+n {
		return Identifier{}, 0, "short identifier value"
	}
	if n == 0 {
		return Identifier{}, 0, "empty identifier"
	}
	if kind == IDNumeric {
		if n != 4 {
			return Identifier{}, 0, "numeric identifier length " + strconv.Itoa(n) + ", want 4"
		}
		return NumericID(binary.LittleEndian.Uint32(b[2:6])), 6, ""
	}
	return NamedID(string(b[2 : 2+n])), 2 + n, ""
}

// validateBatch applies IggyMessagesBatchMut::validate of 0.8.0 to an index
// and its frames; base is the payload offset of frames, for error offsets.
func validateBatch(index, frames []byte, base int) error {
	count := len(index) / IndexEntrySize
	if count == 0 {
		return decodeError(StatusInvalidMessagesCount, base, "no messages")
	}
	idxBase := base - len(index)
	var prevOffset uint64
	var prevPos uint32
	var sum uint64
	for i := 0; i < count; i++ {
		entry := index[i*IndexEntrySize : (i+1)*IndexEntrySize]
		at := idxBase + i*IndexEntrySize
		if binary.LittleEndian.Uint32(entry[0:4]) != 0 {
			return decodeError(StatusNonZeroOffset, at, "index "+strconv.Itoa(i)+" has a relative offset")
		}
		if binary.LittleEndian.Uint64(entry[8:16]) != 0 {
			return decodeError(StatusNonZeroTimestamp, at, "index "+strconv.Itoa(i)+" has a timestamp")
		}
		var start uint64
		if i > 0 {
			start = uint64(binary.LittleEndian.Uint32(index[(i-1)*IndexEntrySize+4:]))
		}
		end := uint64(len(frames))
		if i < count-1 {
			end = uint64(binary.LittleEndian.Uint32(entry[4:8]))
		}
		if start > uint64(len(frames)) || end > uint64(len(frames)) || start > end || end-start < MessageHeaderSize {
			return decodeError(StatusMissingIndex, at, "message "+strconv.Itoa(i)+" boundaries ["+
				strconv.FormatUint(start, 10)+", "+strconv.FormatUint(end, 10)+") invalid for "+
				strconv.Itoa(len(frames))+" frame bytes")
		}
		msg := frames[start:end]
		payloadLen := uint64(binary.LittleEndian.Uint32(msg[msgPayloadLenOff:]))
		headersLen := uint64(binary.LittleEndian.Uint32(msg[msgHeadersLenOff:]))
		size := MessageHeaderSize + payloadLen + headersLen
		if size > uint64(len(msg)) {
			return decodeError(StatusMissingIndex, base+int(start), "message "+strconv.Itoa(i)+" larger than its index slot")
		}
		if payloadLen > MaxMessagePayload {
			return decodeError(StatusTooBigMessagePayload, base+int(start), "message "+strconv.Itoa(i)+" payload too big")
		}
		if headersLen > MaxUserHeadersSize {
			return decodeError(StatusTooBigUserHeaders, base+int(start), "message "+strconv.Itoa(i)+" user headers too big")
		}
		off := binary.LittleEndian.Uint64(msg[msgOffsetOff:])
		if off < prevOffset {
			return decodeError(StatusInvalidOffset, base+int(start), "message "+strconv.Itoa(i)+" offset decreases")
		}
		pos := binary.LittleEndian.Uint32(entry[4:8])
		if pos < prevPos {
			return decodeError(StatusCannotReadIndexPosition, at, "index "+strconv.Itoa(i)+" position decreases")
		}
		prevOffset, prevPos = off, pos
		sum += size
	}
	if sum != uint64(len(frames)) {
		return decodeError(StatusInvalidMessagesSize, base, "messages total "+strconv.FormatUint(sum, 10)+
			" bytes, frames "+strconv.Itoa(len(frames)))
	}
	return nil
}

// Message is one message to send (client side). A zero ID asks the server
// to generate one.
type Message struct {
	ID              [16]byte // u128 LE as on the wire
	OriginTimestamp uint64   // µs since the epoch; the SDKs put "now"
	Payload         []byte
	UserHeaders     []byte // an encoded block (AppendUserHeaders), or nil
}

// FrameSize returns the size of m's frame.
func (m *Message) FrameSize() int { return MessageHeaderSize + len(m.Payload) + len(m.UserHeaders) }

// SendMessagesSize returns the size of the payload AppendSendMessages
// appends.
func SendMessagesSize(stream, topic Identifier, p Partitioning, msgs []Message) int {
	n := 4 + stream.Size() + topic.Size() + p.Size() + 4 + IndexEntrySize*len(msgs)
	for i := range msgs {
		n += msgs[i].FrameSize()
	}
	return n
}

// AppendSendMessages appends a SendMessages payload (not the request
// header) as the SDKs build it: canonical metadata_length, index entries
// [0][cumulative end position][0], and frames with zero checksum, offset,
// timestamp and reserved fields.
func AppendSendMessages(dst []byte, stream, topic Identifier, p Partitioning, msgs []Message) []byte {
	meta := stream.Size() + topic.Size() + p.Size() + 4
	dst = appendU32(dst, uint32(meta))
	dst = stream.AppendTo(dst)
	dst = topic.AppendTo(dst)
	dst = p.AppendTo(dst)
	dst = appendU32(dst, uint32(len(msgs)))
	end := uint32(0)
	for i := range msgs {
		end += uint32(msgs[i].FrameSize())
		dst = appendU32(dst, 0)
		dst = appendU32(dst, end)
		dst = appendU64(dst, 0)
	}
	for i := range msgs {
		m := &msgs[i]
		h := MessageHeader{
			ID:                m.ID,
			OriginTimestamp:   m.OriginTimestamp,
			UserHeadersLength: uint32(len(m.UserHeaders)),
			PayloadLength:     uint32(len(m.Payload)),
		}
		dst = AppendMessageHeader(dst, &h)
		dst = append(dst, m.Payload...)
		dst = append(dst, m.UserHeaders...)
	}
	return dst
}
