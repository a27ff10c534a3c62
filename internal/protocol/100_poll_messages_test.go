// SPDX-License-Identifier: Apache-2.0

package protocol

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
)

func TestPollMessagesRequestBytes(t *testing.T) {
	checkRequestCodec(t, &PollMessages{
		Consumer:   SingleConsumer(NumericID(5)),
		Stream:     NamedID("orders"),
		Topic:      NumericID(1),
		Partition:  SomePartition(0),
		Strategy:   PollingStrategy{Kind: PollNext},
		Count:      10,
		AutoCommit: true,
	}, `
		01 01 04 05000000     # consumer 5
		02 06 6F7264657273    # stream "orders"
		01 04 01000000        # topic 1
		01 00000000           # partition 0
		05 0000000000000000   # next
		0A000000              # count 10
		01                    # auto_commit`)
	checkRequestCodec(t, &PollMessages{
		Consumer: GroupConsumer(NamedID("workers")),
		Stream:   NumericID(0),
		Topic:    NumericID(0),
		Strategy: PollingStrategy{Kind: PollTimestamp, Value: 1_700_000_000_000_000},
		Count:    1,
	}, `
		02 02 07 776F726B657273  # group "workers"
		01 04 00000000
		01 04 00000000
		00 00000000              # no partition
		02 00401E18240A0600      # timestamp
		01000000 00`)
}

func TestPollMessagesRejectsUnknownKinds(t *testing.T) {
	base := (&PollMessages{Consumer: SingleConsumer(NumericID(1)), Stream: NumericID(0), Topic: NumericID(0),
		Strategy: PollingStrategy{Kind: PollFirst}, Count: 1}).AppendTo(nil)
	badConsumer := bytes.Clone(base)
	badConsumer[0] = 3
	_, err := DecodeRequest(CodePollMessages, badConsumer)
	wantStatus(t, err, StatusInvalidCommand)
	badStrategy := bytes.Clone(base)
	badStrategy[1+6+6+6+5] = 9
	_, err = DecodeRequest(CodePollMessages, badStrategy)
	wantStatus(t, err, StatusInvalidCommand)
}

func pollResponse(t *testing.T) []byte {
	t.Helper()
	h := MessageHeader{Checksum: 0x0C15024176E64CBE, Offset: 7, Timestamp: 1_700_000_000_000_000,
		OriginTimestamp: exampleOrigin, PayloadLength: 2, UserHeadersLength: 0}
	h.ID[0] = 1
	p := AppendPollHeader(nil, 3, 7, 2)
	p = AppendMessageHeader(p, &h)
	p = append(p, "hi"...)
	uh := AppendUserHeaders(nil, []UserHeader{StringHeader("k", "v")})
	h2 := h
	h2.Offset, h2.PayloadLength, h2.UserHeadersLength = 8, 0, uint32(len(uh))
	p = AppendMessageHeader(p, &h2)
	p = append(p, uh...)
	return p
}

func TestPollResponseHeadAndFrames(t *testing.T) {
	head := AppendPollHeader(nil, 3, 7, 2)
	if !bytes.Equal(head, unhex(t, "03000000 0700000000000000 02000000")) || len(head) != PollHeaderSize {
		t.Fatalf("AppendPollHeader = %x", head)
	}
	payload := pollResponse(t)
	pm, err := DecodePolledMessages(payload)
	if err != nil {
		t.Fatal(err)
	}
	if pm.PartitionID != 3 || pm.CurrentOffset != 7 || len(pm.Messages) != 2 {
		t.Fatalf("decoded %+v", pm)
	}
	m0, m1 := pm.Messages[0], pm.Messages[1]
	if string(m0.Payload) != "hi" || m0.Header.Offset != 7 || m0.Header.ID[0] != 1 || len(m0.UserHeaders) != 0 {
		t.Fatalf("message 0: %+v", m0)
	}
	if m1.Header.Offset != 8 || len(m1.Payload) != 0 || len(m1.UserHeaders) != 12 {
		t.Fatalf("message 1: %+v", m1)
	}
	if got := pm.AppendTo(nil); !bytes.Equal(got, payload) {
		t.Fatalf("re-encoded %x\nwant %x", got, payload)
	}
	// Frames alias the payload.
	m0.Payload[0] = 'H'
	if !bytes.Contains(payload, []byte("Hi")) {
		t.Fatal("Payload does not alias the response")
	}
}

func TestDecodePolledMessagesErrors(t *testing.T) {
	full := pollResponse(t)
	if _, err := DecodePolledMessages(nil); !errors.Is(err, ErrEmpty) {
		t.Fatalf("empty payload: %v", err)
	}
	empty, err := DecodePolledMessages(AppendPollHeader(nil, 0, 0, 0))
	if err != nil || len(empty.Messages) != 0 {
		t.Fatalf("no messages: %+v, %v", empty, err)
	}
	for n := 1; n < len(full); n++ {
		_, err := DecodePolledMessages(full[:n:n])
		wantStatus(t, err, StatusInvalidCommand)
	}
	huge := AppendPollHeader(nil, 0, 0, 1<<30)
	_, err = DecodePolledMessages(huge)
	wantStatus(t, err, StatusInvalidCommand)
	// Bytes after the announced frames are accepted.
	pm, err := DecodePolledMessages(append(bytes.Clone(full), 1, 2, 3))
	if err != nil || len(pm.Messages) != 2 {
		t.Fatalf("trailing bytes: %v", err)
	}
	want, _ := DecodePolledMessages(full)
	if !reflect.DeepEqual(pm.Messages[0].Header, want.Messages[0].Header) {
		t.Fatal("trailing bytes changed the decode")
	}
}
