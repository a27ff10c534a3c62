// SPDX-License-Identifier: Apache-2.0

package protocol

import (
	"bytes"
	"reflect"
	"testing"
)

// sampleRequests returns one valid request per command, in code order.
func sampleRequests() []Request {
	perms := samplePermissions()
	return []Request{
		&Ping{},
		&GetStats{},
		&GetSnapshot{Compression: 2, Types: []uint8{1, 2}},
		&GetClusterMetadata{},
		&GetMe{},
		&GetClient{ClientID: 42},
		&GetClients{},
		&GetUser{User: NamedID("bob")},
		&GetUsers{},
		&CreateUser{Username: "bob", Password: "secret", Status: UserActive, Permissions: perms},
		&DeleteUser{User: NumericID(1)},
		&UpdateUser{User: NumericID(1), Username: "bobby", HasStatus: true, Status: UserInactive},
		&UpdatePermissions{User: NumericID(1), Permissions: perms},
		&ChangePassword{User: NumericID(1), CurrentPassword: "secret", NewPassword: "secret2"},
		&LoginUser{Username: "iggy", Password: "iggy", Version: "0.8.0"},
		&LogoutUser{},
		&GetPersonalAccessTokens{},
		&CreatePersonalAccessToken{Name: "ci-token", Expiry: 3_600_000_000},
		&DeletePersonalAccessToken{Name: "ci-token"},
		&LoginWithPersonalAccessToken{Token: "dG9rZW4="},
		&PollMessages{Consumer: GroupConsumer(NumericID(0)), Stream: NamedID("orders"), Topic: NumericID(0),
			Partition: SomePartition(1), Strategy: PollingStrategy{Kind: PollOffset, Value: 10}, Count: 100, AutoCommit: true},
		mustParseSend(AppendSendMessages(nil, NamedID("orders"), NumericID(0), PartitionByKey([]byte("k1")),
			[]Message{{Payload: []byte("a")}, {Payload: []byte("bc"), UserHeaders: AppendUserHeaders(nil, []UserHeader{StringHeader("h", "v")})}})),
		&FlushUnsavedBuffer{Stream: NumericID(0), Topic: NumericID(0), PartitionID: 0, Fsync: true},
		&GetConsumerOffset{Consumer: SingleConsumer(NamedID("c")), Stream: NumericID(0), Topic: NumericID(0)},
		&StoreConsumerOffset{Consumer: SingleConsumer(NumericID(3)), Stream: NumericID(0), Topic: NumericID(0),
			Partition: SomePartition(0), Offset: 99},
		&DeleteConsumerOffset{Consumer: SingleConsumer(NumericID(3)), Stream: NumericID(0), Topic: NumericID(0)},
		&GetStream{Stream: NamedID("orders")},
		&GetStreams{},
		&CreateStream{Name: "orders"},
		&DeleteStream{Stream: NumericID(0)},
		&UpdateStream{Stream: NumericID(0), Name: "orders2"},
		&PurgeStream{Stream: NumericID(0)},
		&GetTopic{Stream: NumericID(0), Topic: NamedID("events")},
		&GetTopics{Stream: NumericID(0)},
		&CreateTopic{Stream: NumericID(0), PartitionsCount: 3, CompressionAlgorithm: CompressionNone, Name: "events"},
		&DeleteTopic{Stream: NumericID(0), Topic: NumericID(0)},
		&UpdateTopic{Stream: NumericID(0), Topic: NumericID(0), CompressionAlgorithm: CompressionGzip,
			MessageExpiry: ExpiryNever, MaxTopicSize: TopicSizeUnlimited, ReplicationFactor: 1, Name: "events2"},
		&PurgeTopic{Stream: NumericID(0), Topic: NumericID(0)},
		&CreatePartitions{Stream: NumericID(0), Topic: NumericID(0), PartitionsCount: 2},
		&DeletePartitions{Stream: NumericID(0), Topic: NumericID(0), PartitionsCount: 1},
		&DeleteSegments{Stream: NumericID(0), Topic: NumericID(0), PartitionID: 0, SegmentsCount: 1},
		&GetConsumerGroup{Stream: NumericID(0), Topic: NumericID(0), Group: NamedID("g")},
		&GetConsumerGroups{Stream: NumericID(0), Topic: NumericID(0)},
		&CreateConsumerGroup{Stream: NumericID(0), Topic: NumericID(0), Name: "g"},
		&DeleteConsumerGroup{Stream: NumericID(0), Topic: NumericID(0), Group: NumericID(0)},
		&JoinConsumerGroup{Stream: NumericID(0), Topic: NumericID(0), Group: NumericID(0)},
		&LeaveConsumerGroup{Stream: NumericID(0), Topic: NumericID(0), Group: NumericID(0)},
	}
}

func mustParseSend(payload []byte) *SendMessages {
	s, err := ParseSendMessages(payload)
	if err != nil {
		panic("BUG: sample SendMessages does not parse: " + err.Error())
	}
	return &s
}

func TestSampleRequestsCoverEveryCode(t *testing.T) {
	samples := sampleRequests()
	codes := Codes()
	if len(samples) != len(codes) {
		t.Fatalf("%d samples for %d codes", len(samples), len(codes))
	}
	for i, r := range samples {
		if r.Code() != codes[i] {
			t.Fatalf("sample %d is %v, want %v", i, r.Code(), codes[i])
		}
	}
}

func TestEveryCommandRoundTripsAndRejectsEveryPrefix(t *testing.T) {
	for _, req := range sampleRequests() {
		t.Run(req.Code().String(), func(t *testing.T) {
			payload := req.AppendTo(nil)
			if len(payload) != req.Size() {
				t.Fatalf("Size() = %d, encoded %d", req.Size(), len(payload))
			}
			dec, err := DecodeRequest(req.Code(), payload)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(dec, req) {
				t.Fatalf("decoded %+v\nwant %+v", dec, req)
			}
			if got := dec.AppendTo(nil); !bytes.Equal(got, payload) {
				t.Fatalf("re-encoded %x\nwant %x", got, payload)
			}
			checkPrefixesFail(t, req.Code(), payload)
		})
	}
}

func FuzzDecodeRequest(f *testing.F) {
	for _, r := range sampleRequests() {
		f.Add(uint32(r.Code()), r.AppendTo(nil), uint16(3))
	}
	f.Add(uint32(999), []byte{1, 2, 3}, uint16(0))
	f.Fuzz(func(t *testing.T, code uint32, payload []byte, cut uint16) {
		req, err := DecodeRequest(Code(code), payload)
		if err != nil {
			if StatusFromError(err) == StatusOK {
				t.Fatalf("error %v maps to OK", err)
			}
		} else {
			enc := req.AppendTo(nil)
			if len(enc) != req.Size() {
				t.Fatalf("%v: Size() = %d, encoded %d", req.Code(), req.Size(), len(enc))
			}
			// The canonical form decodes to the same value and re-encodes
			// byte for byte.
			again, err := DecodeRequest(Code(code), enc)
			if err != nil {
				t.Fatalf("%v: canonical form %x does not decode: %v", req.Code(), enc, err)
			}
			if !reflect.DeepEqual(again, req) {
				t.Fatalf("%v: canonical form decodes to %+v, want %+v", req.Code(), again, req)
			}
			if enc2 := again.AppendTo(nil); !bytes.Equal(enc2, enc) {
				t.Fatalf("%v: re-encoding is not stable: %x then %x", req.Code(), enc, enc2)
			}
		}
		// Fed in two halves, the frame is only split once it is whole.
		frame := AppendRequest(nil, Code(code), payload)
		k := int(cut) % (len(frame) + 1)
		if _, _, n, err := SplitRequestFrame(frame[:k]); k < len(frame) && (n != 0 || err != nil) {
			t.Fatalf("half frame of %d/%d bytes split: n=%d err=%v", k, len(frame), n, err)
		}
		gotCode, gotPayload, n, err := SplitRequestFrame(frame)
		if err != nil || n != len(frame) || gotCode != Code(code) || !bytes.Equal(gotPayload, payload) {
			t.Fatalf("whole frame: %v %d %v", gotCode, n, err)
		}
		// The first half of the payload never panics either.
		_, _ = DecodeRequest(Code(code), payload[:len(payload)/2])
	})
}

func FuzzParseSendMessages(f *testing.F) {
	f.Add(unhex(f, sendExampleFrame)[8:])
	f.Add(sendPayload(nil))
	f.Add(sampleRequests()[21].AppendTo(nil))
	f.Add(userHeadersPayload(10))
	f.Fuzz(func(t *testing.T, payload []byte) {
		s, err := ParseSendMessages(payload)
		half, herr := ParseSendMessages(payload[:len(payload)/2])
		if herr == nil && half.Count == 0 {
			t.Fatal("a batch without messages parsed")
		}
		if err != nil {
			if StatusFromError(err) == StatusOK {
				t.Fatalf("error %v maps to OK", err)
			}
			return
		}
		n, total := 0, 0
		if err := s.ForEachFrame(func(i int, frame []byte) error {
			n++
			total += len(frame)
			return nil
		}); err != nil {
			t.Fatalf("ForEachFrame after a successful parse: %v", err)
		}
		if n != int(s.Count) || total != len(s.Frames) || len(s.Index) != n*IndexEntrySize {
			t.Fatalf("frames: %d of %d, %d of %d bytes", n, s.Count, total, len(s.Frames))
		}
		enc := s.AppendTo(nil)
		again, err := ParseSendMessages(enc)
		if err != nil || !reflect.DeepEqual(again, s) {
			t.Fatalf("canonical form: %+v, %v", again, err)
		}
		if !bytes.Equal(again.AppendTo(nil), enc) {
			t.Fatal("re-encoding is not stable")
		}
	})
}

func FuzzDecodePolledMessages(f *testing.F) {
	f.Add(AppendPollHeader(nil, 0, 0, 0))
	p := AppendPollHeader(nil, 1, 5, 2)
	p = AppendMessageHeader(p, &MessageHeader{Offset: 4, PayloadLength: 2})
	p = append(p, "hi"...)
	p = AppendMessageHeader(p, &MessageHeader{Offset: 5, PayloadLength: 1, UserHeadersLength: 3})
	p = append(p, "xabc"...)
	f.Add(p)
	f.Fuzz(func(t *testing.T, payload []byte) {
		pm, err := DecodePolledMessages(payload)
		if err != nil {
			_, _ = DecodePolledMessages(payload[:len(payload)/2])
			return
		}
		enc := pm.AppendTo(nil)
		if !bytes.HasPrefix(payload, enc) {
			t.Fatalf("re-encoding %x is not a prefix of the payload %x", enc, payload)
		}
		// Any cut inside the decoded part fails cleanly.
		if len(enc) > 0 {
			cut := len(enc) - 1 - int(payload[0])%len(enc)
			if _, err := DecodePolledMessages(payload[:cut]); err == nil {
				t.Fatalf("prefix of %d/%d bytes decoded", cut, len(enc))
			}
		}
	})
}
