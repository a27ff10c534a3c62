// SPDX-License-Identifier: Apache-2.0

// PollMessages (100): [consumer][stream Identifier][topic Identifier]
// [partition OptionalPartition][strategy PollingStrategy][count u32]
// [auto_commit u8]. The response is always at least 16 bytes:
// [partition_id u32][current_offset u64][count u32] followed by count message
// frames exactly as stored, with no index section (protocol doc §4.5). The
// server appends frames straight from storage after AppendPollHeader;
// clients decode with DecodePolledMessages. Fully supported.

package protocol

import (
	"encoding/binary"
	"strconv"
)

// PollMessages is the request payload of PollMessages (100).
type PollMessages struct {
	Consumer   Consumer
	Stream     Identifier
	Topic      Identifier
	Partition  OptionalPartition
	Strategy   PollingStrategy
	Count      uint32
	AutoCommit bool // stores the last returned offset after a non-empty poll
}

// Code returns CodePollMessages.
func (*PollMessages) Code() Code { return CodePollMessages }

// Size returns the encoded payload size.
func (q *PollMessages) Size() int {
	return q.Consumer.Size() + q.Stream.Size() + q.Topic.Size() +
		OptionalPartitionSize + PollingStrategySize + 4 + 1
}

// AppendTo appends the payload encoding.
func (q *PollMessages) AppendTo(dst []byte) []byte {
	dst = q.Consumer.AppendTo(dst)
	dst = q.Stream.AppendTo(dst)
	dst = q.Topic.AppendTo(dst)
	dst = q.Partition.AppendTo(dst)
	dst = q.Strategy.AppendTo(dst)
	dst = appendU32(dst, q.Count)
	return appendBool(dst, q.AutoCommit)
}

// Decode reads the payload; trailing bytes are accepted. auto_commit is
// true when non-zero.
func (q *PollMessages) Decode(payload []byte) error {
	r := NewReader(payload)
	var v PollMessages
	v.Consumer = r.Consumer()
	v.Stream = r.Identifier()
	v.Topic = r.Identifier()
	v.Partition = r.OptionalPartition()
	v.Strategy = r.PollingStrategy()
	v.Count = r.U32()
	v.AutoCommit = r.Bool()
	if err := r.Finish(); err != nil {
		return err
	}
	*q = v
	return nil
}

// PollHeaderSize is the size of the fixed head of a PollMessages response.
const PollHeaderSize = 16

// AppendPollHeader appends the 16-byte head of a PollMessages response. The
// server then appends count message frames as stored; the response payload
// length is PollHeaderSize plus the frames' total size. With no messages
// (count 0) the head alone is the payload, never an empty payload.
func AppendPollHeader(dst []byte, partitionID uint32, currentOffset uint64, count uint32) []byte {
	dst = appendU32(dst, partitionID)
	dst = appendU64(dst, currentOffset)
	return appendU32(dst, count)
}

// PolledMessages is a decoded PollMessages response.
type PolledMessages struct {
	PartitionID   uint32
	CurrentOffset uint64 // the partition's last offset (0 also when empty)
	Messages      []PolledMessage
}

// PolledMessage is one message of a poll response. Payload and UserHeaders
// alias the response payload.
type PolledMessage struct {
	Header      MessageHeader
	Payload     []byte
	UserHeaders []byte
}

// AppendTo appends the encoding of p: the head with len(Messages), then each
// message's header (with the lengths of its Payload and UserHeaders), payload
// and user headers.
func (p *PolledMessages) AppendTo(dst []byte) []byte {
	dst = AppendPollHeader(dst, p.PartitionID, p.CurrentOffset, uint32(len(p.Messages)))
	for i := range p.Messages {
		m := &p.Messages[i]
		h := m.Header
		h.PayloadLength = uint32(len(m.Payload))
		h.UserHeadersLength = uint32(len(m.UserHeaders))
		dst = AppendMessageHeader(dst, &h)
		dst = append(dst, m.Payload...)
		dst = append(dst, m.UserHeaders...)
	}
	return dst
}

// DecodePolledMessages decodes a PollMessages response (client side). It
// reads exactly count frames after the 16-byte head; a truncated head or
// frame is StatusInvalidCommand, bytes after the last frame are accepted. An
// empty payload is ErrEmpty (servers always send the head). Messages alias
// payload and are not validated (checksums, reserved field): that is the
// caller's choice.
func DecodePolledMessages(payload []byte) (PolledMessages, error) {
	if len(payload) == 0 {
		return PolledMessages{}, ErrEmpty
	}
	if len(payload) < PollHeaderSize {
		return PolledMessages{}, decodeError(StatusInvalidCommand, 0,
			"poll response shorter than "+strconv.Itoa(PollHeaderSize)+" bytes")
	}
	p := PolledMessages{
		PartitionID:   binary.LittleEndian.Uint32(payload[0:4]),
		CurrentOffset: binary.LittleEndian.Uint64(payload[4:12]),
	}
	count := binary.LittleEndian.Uint32(payload[12:16])
	rest := payload[PollHeaderSize:]
	if uint64(count)*MessageHeaderSize > uint64(len(rest)) {
		return PolledMessages{}, decodeError(StatusInvalidCommand, 12,
			"messages_count "+strconv.FormatUint(uint64(count), 10)+" beyond payload")
	}
	p.Messages = make([]PolledMessage, 0, count)
	for i := uint32(0); i < count; i++ {
		frame, next, ok := NextFrame(rest)
		if !ok {
			return PolledMessages{}, decodeError(StatusInvalidCommand, len(payload)-len(rest),
				"truncated message "+strconv.FormatUint(uint64(i), 10))
		}
		h, _ := DecodeMessageHeader(frame)
		p.Messages = append(p.Messages, PolledMessage{
			Header:      h,
			Payload:     MessagePayload(frame),
			UserHeaders: MessageUserHeaders(frame),
		})
		rest = next
	}
	return p, nil
}
