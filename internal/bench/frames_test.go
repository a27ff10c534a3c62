// SPDX-License-Identifier: Apache-2.0

package bench

import (
	"bytes"
	"errors"
	"testing"

	"riffle/internal/protocol"
)

func TestSendFrameIsAValidBatchWithServerGeneratedIDs(t *testing.T) {
	payload := newPayload(100)
	f := newSendFrame(protocol.NumericID(3), protocol.NumericID(0), protocol.PartitionByID(0), 5, payload)
	f.stamp(1_700_000_000_000_123)

	plen, code, ok := protocol.ParseRequestHeader([protocol.RequestHeaderSize]byte(f.frame))
	if !ok || code != protocol.CodeSendMessages || int(plen) != len(f.frame)-protocol.RequestHeaderSize {
		t.Fatalf("header: len %d code %v ok %v for a frame of %d bytes", plen, code, ok, len(f.frame))
	}
	s, err := protocol.ParseSendMessages(f.frame[protocol.RequestHeaderSize:])
	if err != nil {
		t.Fatal(err)
	}
	if s.Count != 5 || s.Stream != protocol.NumericID(3) || s.Partitioning.Kind != protocol.PartitioningPartitionID || s.Partitioning.PartitionID != 0 {
		t.Errorf("count %d stream %v partitioning %+v", s.Count, s.Stream, s.Partitioning)
	}
	n := 0
	err = s.ForEachFrame(func(i int, frame []byte) error {
		h, _ := protocol.DecodeMessageHeader(frame)
		if !protocol.MessageIDIsZero(frame) {
			t.Errorf("message %d has ID %x, want 0 (server generated)", i, h.ID)
		}
		if h.OriginTimestamp != 1_700_000_000_000_123 {
			t.Errorf("message %d origin timestamp %d", i, h.OriginTimestamp)
		}
		if !bytes.Equal(protocol.MessagePayload(frame), payload) {
			t.Errorf("message %d payload differs", i)
		}
		n++
		return nil
	})
	if err != nil || n != 5 {
		t.Fatalf("%d frames, %v", n, err)
	}
	if f.payload != 500 || f.count != 5 {
		t.Errorf("payload %d count %d, want 500 and 5", f.payload, f.count)
	}
}

func TestPayloadIsAlphanumericAndRepeatable(t *testing.T) {
	a, b := newPayload(4096), newPayload(4096)
	if !bytes.Equal(a, b) {
		t.Error("two payloads of one size differ")
	}
	for i, c := range a {
		if !bytes.ContainsRune([]byte(alphanumeric), rune(c)) {
			t.Fatalf("byte %d is %q", i, c)
		}
	}
}

func TestPollFramePatchesOffsetAndCount(t *testing.T) {
	for _, tc := range []struct {
		name string
		q    protocol.PollMessages
	}{
		{"offset", protocol.PollMessages{
			Consumer: protocol.SingleConsumer(protocol.NumericID(7)), Stream: protocol.NumericID(1), Topic: protocol.NamedID("topic-1"),
			Partition: protocol.SomePartition(0), Strategy: protocol.PollingStrategy{Kind: protocol.PollOffset}, Count: 10,
		}},
		{"group next", protocol.PollMessages{
			Consumer: protocol.GroupConsumer(protocol.NumericID(0)), Stream: protocol.NamedID("bench-stream-12"), Topic: protocol.NumericID(0),
			Strategy: protocol.PollingStrategy{Kind: protocol.PollNext}, Count: 10, AutoCommit: true,
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newPollFrame(&tc.q)
			f.set(123456789, 77)
			var got protocol.PollMessages
			if err := got.Decode(f.frame[protocol.RequestHeaderSize:]); err != nil {
				t.Fatal(err)
			}
			want := tc.q
			want.Strategy.Value, want.Count = 123456789, 77
			if got != want {
				t.Errorf("decoded %+v, want %+v", got, want)
			}
		})
	}
}

func TestParsePollCountsMessagesAndPayload(t *testing.T) {
	resp := protocol.PolledMessages{PartitionID: 0, CurrentOffset: 41}
	for i := range 3 {
		resp.Messages = append(resp.Messages, protocol.PolledMessage{
			Header: protocol.MessageHeader{Offset: uint64(40 + i)}, Payload: bytes.Repeat([]byte{'x'}, 10*(i+1)),
		})
	}
	b := resp.AppendTo(nil)
	n, size, first, err := parsePoll(b)
	if err != nil || n != 3 || size != 60 || first != 40 {
		t.Errorf("parsePoll = %d, %d, %d, %v; want 3, 60, 40, nil", n, size, first, err)
	}
	if n, _, _, err := parsePoll(protocol.AppendPollHeader(nil, 0, 0, 0)); err != nil || n != 0 {
		t.Errorf("empty poll = %d, %v", n, err)
	}
	for _, cut := range []int{0, 10, len(b) - 1} {
		if _, _, _, err := parsePoll(b[:cut]); !errors.Is(err, ErrShortBatch) {
			t.Errorf("response cut to %d bytes: err = %v, want ErrShortBatch", cut, err)
		}
	}
}
