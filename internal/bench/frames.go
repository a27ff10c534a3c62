// SPDX-License-Identifier: Apache-2.0

package bench

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"

	"riffle/internal/protocol"
)

// originTimestampAt is where a message frame holds its origin timestamp
// (protocol doc §4.1: checksum 8, id 16, offset 8, timestamp 8, then
// origin_timestamp u64 at byte 40).
const originTimestampAt = 40

// alphanumeric is what payload bytes are drawn from, as iggy-bench does.
const alphanumeric = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// newPayload returns size alphanumeric bytes from a fixed seed, so runs are
// repeatable.
func newPayload(size int) []byte {
	r := rand.New(rand.NewPCG(0x72696666, 0x6c65))
	b := make([]byte, size)
	for i := range b {
		b[i] = alphanumeric[r.IntN(len(alphanumeric))]
	}
	return b
}

// sendFrame is a whole SendMessages request, encoded once and sent for every
// batch; only the origin timestamps change.
type sendFrame struct {
	frame   []byte
	origins []int // position of each message's origin timestamp in frame
	count   int   // messages per batch
	payload int   // payload bytes per batch
}

// newSendFrame encodes a batch of count messages with ID 0 (the server
// generates IDs) and the given payload.
func newSendFrame(stream, topic protocol.Identifier, part protocol.Partitioning, count int, payload []byte) *sendFrame {
	msgs := make([]protocol.Message, count)
	for i := range msgs {
		msgs[i].Payload = payload
	}
	size := protocol.SendMessagesSize(stream, topic, part, msgs)
	frame := protocol.AppendRequestHeader(make([]byte, 0, protocol.RequestHeaderSize+size), protocol.CodeSendMessages, size)
	frame = protocol.AppendSendMessages(frame, stream, topic, part, msgs)
	f := &sendFrame{frame: frame, origins: make([]int, 0, count), count: count, payload: count * len(payload)}
	at := len(frame) - count*(protocol.MessageHeaderSize+len(payload))
	for range count {
		f.origins = append(f.origins, at+originTimestampAt)
		at += protocol.MessageHeaderSize + len(payload)
	}
	return f
}

// stamp sets every message's origin timestamp (µs since the epoch): one
// per batch, as iggy-bench does.
func (f *sendFrame) stamp(us uint64) {
	for _, at := range f.origins {
		binary.LittleEndian.PutUint64(f.frame[at:], us)
	}
}

// pollFrame is a whole PollMessages request, encoded once; offset and count
// are patched in place before each poll.
type pollFrame struct {
	frame   []byte
	valueAt int // strategy value u64
	countAt int // count u32
}

// newPollFrame encodes q. The payload ends with
// [strategy kind u8][value u64][count u32][auto_commit u8].
func newPollFrame(q *protocol.PollMessages) *pollFrame {
	frame := protocol.AppendRequestHeader(make([]byte, 0, protocol.RequestHeaderSize+q.Size()), protocol.CodePollMessages, q.Size())
	frame = q.AppendTo(frame)
	return &pollFrame{frame: frame, countAt: len(frame) - 5, valueAt: len(frame) - 13}
}

// set patches the strategy value (the offset for offset polling; ignored
// for next) and the count.
func (f *pollFrame) set(value uint64, count int) {
	binary.LittleEndian.PutUint64(f.frame[f.valueAt:], value)
	binary.LittleEndian.PutUint32(f.frame[f.countAt:], uint32(count))
}

// parsePoll reads a PollMessages response without copying: the number of
// messages, their total payload bytes and the offset of the first one. A
// response whose frames do not match its count wraps ErrShortBatch.
func parsePoll(payload []byte) (count, bytes int, first uint64, err error) {
	if len(payload) < protocol.PollHeaderSize {
		return 0, 0, 0, fmt.Errorf("poll response of %d bytes: %w", len(payload), ErrShortBatch)
	}
	n := int(binary.LittleEndian.Uint32(payload[12:16]))
	rest := payload[protocol.PollHeaderSize:]
	for i := range n {
		frame, next, ok := protocol.NextFrame(rest)
		if !ok {
			return 0, 0, 0, fmt.Errorf("poll response: message %d of %d truncated: %w", i, n, ErrShortBatch)
		}
		if i == 0 {
			first = protocol.MessageOffset(frame)
		}
		bytes += len(protocol.MessagePayload(frame))
		rest = next
	}
	return n, bytes, first, nil
}
