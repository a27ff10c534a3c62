// SPDX-License-Identifier: Apache-2.0

package protocol

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"
)

// sendExampleFrame is the worked example of §4.4: stream 0, topic 0,
// balanced, one message with payload "hi", a zero ID and an origin
// timestamp of 1 699 999 999 999 000 µs.
const sendExampleFrame = `
	6C000000 65000000                  # length 108, code 101
	12000000                           # metadata_length 18
	01 04 00000000                     # stream 0
	01 04 00000000                     # topic 0
	01 00                              # balanced
	01000000                           # messages_count 1
	00000000 42000000 0000000000000000 # index: end position 66
	0000000000000000                   # checksum
	00000000000000000000000000000000   # id (server generates)
	0000000000000000 0000000000000000  # offset, timestamp
	183C1E18240A0600                   # origin_timestamp
	00000000 02000000                  # user headers 0, payload 2
	0000000000000000                   # reserved
	6869                               # "hi"`

const exampleOrigin = 1_699_999_999_999_000

func TestSendMessagesMatchesProtocolExample(t *testing.T) {
	frame := unhex(t, sendExampleFrame)
	msgs := []Message{{OriginTimestamp: exampleOrigin, Payload: []byte("hi")}}
	payload := AppendSendMessages(nil, NumericID(0), NumericID(0), Balanced(), msgs)
	if got := AppendRequest(nil, CodeSendMessages, payload); !bytes.Equal(got, frame) {
		t.Fatalf("AppendSendMessages frame:\n got %x\nwant %x", got, frame)
	}
	if n := SendMessagesSize(NumericID(0), NumericID(0), Balanced(), msgs); n != len(payload) {
		t.Fatalf("SendMessagesSize = %d, payload %d", n, len(payload))
	}
	s, err := ParseSendMessages(frame[8:])
	if err != nil {
		t.Fatal(err)
	}
	if s.Stream != NumericID(0) || s.Topic != NumericID(0) || s.Partitioning.Kind != PartitioningBalanced || s.Count != 1 {
		t.Fatalf("parsed %+v", s)
	}
	if !bytes.Equal(s.Index, frame[30:46]) || !bytes.Equal(s.Frames, frame[46:]) {
		t.Fatalf("index %x frames %x", s.Index, s.Frames)
	}
	if got := s.AppendTo(nil); !bytes.Equal(got, payload) || s.Size() != len(payload) {
		t.Fatalf("re-encoded %x", got)
	}
	checkPrefixesFail(t, CodeSendMessages, payload)
}

func TestParseSendMessagesDoesNotCopy(t *testing.T) {
	msgs := []Message{{Payload: []byte("one")}, {Payload: []byte("two"), UserHeaders: AppendUserHeaders(nil, []UserHeader{StringHeader("k", "v")})}}
	payload := AppendSendMessages(nil, NumericID(1), NumericID(2), PartitionByKey([]byte("key")), msgs)
	s, err := ParseSendMessages(payload)
	if err != nil {
		t.Fatal(err)
	}
	SetMessageOffset(s.Frames, 42)
	if MessageOffset(payload[len(payload)-len(s.Frames):]) != 42 {
		t.Fatal("Frames does not alias the payload")
	}
	SetMessageOffset(s.Frames, 0)
	s.Partitioning.Key[0] = 'K'
	if !bytes.Contains(payload, []byte("Key")) {
		t.Fatal("Key does not alias the payload")
	}
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := ParseSendMessages(payload); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("ParseSendMessages with numeric IDs allocates %v times", allocs)
	}
	var got [][]byte
	err = s.ForEachFrame(func(i int, frame []byte) error {
		got = append(got, MessagePayload(frame))
		return nil
	})
	if err != nil || len(got) != 2 || string(got[0]) != "one" || string(got[1]) != "two" {
		t.Fatalf("ForEachFrame: %q, %v", got, err)
	}
	stop := errors.New("stop")
	if err := s.ForEachFrame(func(int, []byte) error { return stop }); err != stop {
		t.Fatalf("ForEachFrame error = %v", err)
	}
}

// sendPayload builds a valid two-message payload and lets mutate change it.
func sendPayload(mutate func(p []byte) []byte) []byte {
	msgs := []Message{{Payload: []byte("hi")}, {Payload: []byte("yo")}}
	p := AppendSendMessages(nil, NumericID(0), NumericID(0), Balanced(), msgs)
	if mutate != nil {
		p = mutate(p)
	}
	return p
}

// Offsets in the two-message payload of sendPayload.
const (
	spIndex  = 4 + 18       // first index entry
	spFrames = spIndex + 32 // first frame
	spFrame2 = spFrames + 66
)

func TestParseSendMessagesValidatesInServerOrder(t *testing.T) {
	put32 := func(off int, v uint32) func([]byte) []byte {
		return func(p []byte) []byte { binary.LittleEndian.PutUint32(p[off:], v); return p }
	}
	put64 := func(off int, v uint64) func([]byte) []byte {
		return func(p []byte) []byte { binary.LittleEndian.PutUint64(p[off:], v); return p }
	}
	for _, tc := range []struct {
		name    string
		payload []byte
		want    Status
	}{
		{"valid", sendPayload(nil), StatusOK},
		{"shorter than metadata_length", []byte{1, 0}, StatusInvalidCommand},
		{"metadata_length beyond payload", sendPayload(put32(0, 1000)), StatusInvalidCommand},
		{"stream kind 3", sendPayload(func(p []byte) []byte { p[4] = 3; return p }), StatusInvalidIdentifier},
		{"stream numeric length 3", sendPayload(func(p []byte) []byte { p[5] = 3; return p }), StatusInvalidIdentifier},
		{"stream string length 0", sendPayload(func(p []byte) []byte { p[4], p[5] = 2, 0; return p }), StatusInvalidIdentifier},
		{"topic kind 0", sendPayload(func(p []byte) []byte { p[10] = 0; return p }), StatusInvalidIdentifier},
		{"metadata cuts the stream", sendPayload(put32(0, 4)), StatusInvalidIdentifier},
		{"balanced with a value", sendPayload(func(p []byte) []byte { p[17] = 1; return p }), StatusInvalidCommand},
		{"partitioning kind 9", sendPayload(func(p []byte) []byte { p[16] = 9; return p }), StatusInvalidCommand},
		{"metadata cuts messages_count", sendPayload(put32(0, 14)), StatusInvalidCommand},
		{"index beyond payload", sendPayload(put32(18, 1<<27)), StatusInvalidCommand},
		{"frames underflow", sendPayload(func(p []byte) []byte { return p[:spIndex+20] }), StatusInvalidCommand},
		{"count zero", sendPayload(func(p []byte) []byte { binary.LittleEndian.PutUint32(p[18:], 0); return p[:spIndex] }), StatusInvalidMessagesCount},
		{"count zero with bytes after", sendPayload(put32(18, 0)), StatusInvalidMessagesCount},
		{"index relative offset", sendPayload(put32(spIndex+16, 1)), StatusNonZeroOffset},
		{"index timestamp", sendPayload(put64(spIndex+8, 1)), StatusNonZeroTimestamp},
		{"offset checked before timestamp", sendPayload(func(p []byte) []byte {
			return put64(spIndex+8, 1)(put32(spIndex, 1)(p))
		}), StatusNonZeroOffset},
		{"end position beyond frames", sendPayload(put32(spIndex+4, 500)), StatusMissingIndex},
		{"slot under 64 bytes", sendPayload(put32(spIndex+4, 63)), StatusMissingIndex},
		{"header larger than slot", sendPayload(put32(spFrames+52, 3)), StatusMissingIndex},
		{"last message larger than the rest", sendPayload(put32(spFrame2+52, 3)), StatusMissingIndex},
		{"user headers over 100 000", userHeadersPayload(MaxUserHeadersSize + 1), StatusTooBigUserHeaders},
		{"user headers at 100 000", userHeadersPayload(MaxUserHeadersSize), StatusOK},
		{"decreasing header offset", sendPayload(put64(spFrames+24, 5)), StatusInvalidOffset},
		{"increasing header offsets", sendPayload(put64(spFrame2+24, 5)), StatusOK},
		{"decreasing last position", sendPayload(put32(spIndex+16+4, 10)), StatusCannotReadIndexPosition},
		{"bytes after the last frame", sendPayload(func(p []byte) []byte { return append(p, 0, 0, 0, 0) }), StatusInvalidMessagesSize},
		{"first frame shorter than its slot", sendPayload(func(p []byte) []byte {
			// Slot 0 is 70 bytes but its message 66: the frames still add up
			// to 136 with 4 bytes of gap, so the sum check catches it.
			p = put32(spIndex+4, 70)(p)
			p = append(p[:spFrame2], append([]byte{0, 0, 0, 0}, p[spFrame2:]...)...)
			return p
		}), StatusInvalidMessagesSize},
		{"reserved field is not validated", sendPayload(put64(spFrames+56, 7)), StatusOK},
		{"checksum and id are not validated", sendPayload(put64(spFrames, 7)), StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseSendMessages(tc.payload)
			if tc.want == StatusOK {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			wantStatus(t, err, tc.want)
			var de *DecodeError
			if !errors.As(err, &de) || de.Offset < 0 || de.Offset > len(tc.payload) {
				t.Fatalf("error %v has no sane offset", err)
			}
		})
	}
}

func userHeadersPayload(n int) []byte {
	msgs := []Message{{Payload: []byte("x"), UserHeaders: make([]byte, n)}}
	return AppendSendMessages(nil, NumericID(0), NumericID(0), Balanced(), msgs)
}

func TestParseSendMessagesRejectsTooBigPayload(t *testing.T) {
	if testing.Short() {
		t.Skip("allocates 64 MB")
	}
	msgs := []Message{{Payload: make([]byte, MaxMessagePayload+1)}}
	p := AppendSendMessages(nil, NumericID(0), NumericID(0), Balanced(), msgs)
	_, err := ParseSendMessages(p)
	wantStatus(t, err, StatusTooBigMessagePayload)
}

func TestSendMessagesPathIdentifierQuirks(t *testing.T) {
	// Unlike the other commands, the 0.8.0 SendMessages path does not check
	// string identifiers for UTF-8, and it hashes an empty messages key.
	msgs := []Message{{Payload: []byte("x")}}
	p := AppendSendMessages(nil, NamedID("\xff\xfe"), NumericID(0), PartitionByKey(nil), msgs)
	s, err := ParseSendMessages(p)
	if err != nil {
		t.Fatal(err)
	}
	if s.Stream.Name != "\xff\xfe" || s.Partitioning.Kind != PartitioningMessagesKey || len(s.Partitioning.Key) != 0 {
		t.Fatalf("parsed %+v", s)
	}
	// A string identifier longer than the metadata is InvalidIdentifier.
	p = AppendSendMessages(nil, NamedID("orders"), NumericID(0), Balanced(), msgs)
	binary.LittleEndian.PutUint32(p, 5)
	_, err = ParseSendMessages(p)
	wantStatus(t, err, StatusInvalidIdentifier)
}

func TestSendMessagesDecodesThroughDecodeRequest(t *testing.T) {
	p := sendPayload(nil)
	r, err := DecodeRequest(CodeSendMessages, p)
	if err != nil {
		t.Fatal(err)
	}
	s := r.(*SendMessages)
	if s.Count != 2 || !bytes.Equal(s.AppendTo(nil), p) {
		t.Fatalf("decoded %+v", s)
	}
	_, err = DecodeRequest(CodeSendMessages, p[:10])
	wantStatus(t, err, StatusInvalidCommand)
}
