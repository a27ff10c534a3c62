// SPDX-License-Identifier: Apache-2.0

package itest

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	iggcon "github.com/apache/iggy/foreign/go/contracts"
	"github.com/zeebo/xxh3"

	"riffle/internal/protocol"
)

// Messages: PollMessages (100), SendMessages (101) and FlushUnsavedBuffer
// (102, raw: the SDK has no call for it).

// sampleHeaders are user headers of several kinds, keys typed too.
func sampleHeaders() []iggcon.HeaderEntry {
	u64 := binary.LittleEndian.AppendUint64(nil, math.MaxUint64-1)
	f64 := binary.LittleEndian.AppendUint64(nil, math.Float64bits(-2.5))
	i128 := bytes.Repeat([]byte{0xA5}, 16)
	return []iggcon.HeaderEntry{
		{Key: iggcon.HeaderKey{Kind: iggcon.String, Value: []byte("trace-id")}, Value: iggcon.HeaderValue{Kind: iggcon.String, Value: []byte("ab\x00cd ünï")}},
		{Key: iggcon.HeaderKey{Kind: iggcon.String, Value: []byte("raw")}, Value: iggcon.HeaderValue{Kind: iggcon.Raw, Value: []byte{0, 1, 2, 0xff}}},
		{Key: iggcon.HeaderKey{Kind: iggcon.Int32, Value: []byte{7, 0, 0, 0}}, Value: iggcon.HeaderValue{Kind: iggcon.Bool, Value: []byte{1}}},
		{Key: iggcon.HeaderKey{Kind: iggcon.String, Value: []byte("n")}, Value: iggcon.HeaderValue{Kind: iggcon.Uint64, Value: u64}},
		{Key: iggcon.HeaderKey{Kind: iggcon.String, Value: []byte("f")}, Value: iggcon.HeaderValue{Kind: iggcon.Double, Value: f64}},
		{Key: iggcon.HeaderKey{Kind: iggcon.Raw, Value: []byte{0xde, 0xad}}, Value: iggcon.HeaderValue{Kind: iggcon.Int128, Value: i128}},
	}
}

func TestMessageCommands(t *testing.T) {
	s := Start(t, Options{Shards: 2})
	root := s.sdkClient(t)
	raw := s.cmdLogin(t, "iggy", "iggy")

	t.Run("payloads, headers and ids round-trip byte-exact", func(t *testing.T) {
		covers(t, protocol.CodeSendMessages, protocol.CodePollMessages)
		stream := newStream(t, root, "exact")
		_, err := root.CreateTopic(id(t, stream), "t", 1, iggcon.CompressionAlgorithmNone, 0, 0, nil)
		must(t, err, "create topic")
		every := make([]byte, 256)
		for i := range every {
			every[i] = byte(i)
		}
		big := bytes.Repeat([]byte("0123456789abcdef"), 200<<10/16)
		var wantID [16]byte
		copy(wantID[:], "client-chosen-id")
		headers := sampleHeaders()
		m0, err := iggcon.NewIggyMessage(every, iggcon.WithUserHeaders(headers))
		must(t, err, "message")
		m1, err := iggcon.NewIggyMessage([]byte{0}, iggcon.WithID(wantID))
		must(t, err, "message")
		m2, err := iggcon.NewIggyMessage(big, iggcon.WithUserHeaders(headers[:1]))
		must(t, err, "message")
		sent := []iggcon.IggyMessage{m0, m1, m2}
		before := uint64(time.Now().UnixMicro())
		must(t, root.SendMessages(id(t, stream), id(t, "t"), iggcon.PartitionId(0), sent), "send")
		after := uint64(time.Now().UnixMicro())

		polled, err := root.PollMessages(id(t, stream), id(t, "t"), iggcon.DefaultConsumer(), iggcon.OffsetPollingStrategy(0), 10, false, ptrU32(0))
		must(t, err, "poll")
		if len(polled.Messages) != 3 || polled.MessageCount != 3 || polled.CurrentOffset != 2 || polled.PartitionId != 0 {
			t.Fatalf("polled %d messages (count %d), current %d", len(polled.Messages), polled.MessageCount, polled.CurrentOffset)
		}
		ts := polled.Messages[0].Header.Timestamp
		for i, got := range polled.Messages {
			want := sent[i]
			h := got.Header
			if !bytes.Equal(got.Payload, want.Payload) || !bytes.Equal(got.UserHeaders, want.UserHeaders) {
				t.Fatalf("message %d: payload or user headers changed", i)
			}
			if h.Offset != uint64(i) || h.Timestamp != ts || h.Timestamp < before || h.Timestamp > after ||
				h.OriginTimestamp != want.Header.OriginTimestamp || h.Reserved != 0 ||
				h.PayloadLength != uint32(len(want.Payload)) || h.UserHeaderLength != uint32(len(want.UserHeaders)) {
				t.Fatalf("message %d header %+v: want offset %d, one batch timestamp in [%d, %d], origin %d",
					i, h, i, before, after, want.Header.OriginTimestamp)
			}
		}
		if hs, err := iggcon.DeserializeHeaders(polled.Messages[0].UserHeaders); err != nil || !reflect.DeepEqual(hs, headers) {
			t.Fatalf("user headers decode to %+v (%v), want %+v", hs, err, headers)
		}
		if polled.Messages[1].Header.Id != wantID {
			t.Fatalf("client message id became %x", polled.Messages[1].Header.Id)
		}
		// A zero id is replaced by a random UUIDv4.
		if id0 := polled.Messages[0].Header.Id; id0 == ([16]byte{}) || id0 == polled.Messages[2].Header.Id {
			t.Fatalf("server ids %x and %x", id0, polled.Messages[2].Header.Id)
		}

		// The frames as sent on the wire carry XXH3 checksums of bytes 8..end.
		pm := raw.pollRaw(&protocol.PollMessages{Consumer: protocol.SingleConsumer(protocol.NumericID(0)), Stream: protocol.NamedID(stream),
			Topic: protocol.NamedID("t"), Partition: protocol.SomePartition(0), Strategy: protocol.PollingStrategy{Kind: protocol.PollFirst}, Count: 3})
		for i, m := range pm.Messages {
			frame := protocol.AppendMessageHeader(nil, &m.Header)
			frame = append(append(frame, m.Payload...), m.UserHeaders...)
			if sum := xxh3.Hash(frame[8:]); m.Header.Checksum != sum {
				t.Fatalf("message %d checksum %#x, XXH3 of its bytes is %#x", i, m.Header.Checksum, sum)
			}
		}
	})

	t.Run("partitioning", func(t *testing.T) {
		covers(t, protocol.CodeSendMessages)
		stream := newStream(t, root, "routing")
		_, err := root.CreateTopic(id(t, stream), "t", 3, iggcon.CompressionAlgorithmNone, 0, 0, nil)
		must(t, err, "create topic")
		partitionOf := func(payload string) uint32 {
			t.Helper()
			for p := uint32(0); p < 3; p++ {
				polled, err := root.PollMessages(id(t, stream), id(t, "t"), iggcon.DefaultConsumer(), iggcon.FirstPollingStrategy(), 100, false, ptrU32(p))
				must(t, err, "poll")
				if slices.Contains(payloads(polled), payload) {
					return p
				}
			}
			t.Fatalf("%q is in no partition", payload)
			return 0
		}
		// Explicit partition.
		must(t, root.SendMessages(id(t, stream), id(t, "t"), iggcon.PartitionId(2), textMessages(t, "explicit")), "send")
		if p := partitionOf("explicit"); p != 2 {
			t.Fatalf("explicit partition 2 landed in %d", p)
		}
		// Messages key: XXH32(key) mod partitions; "order-key-1" → 0 of 3.
		for _, key := range []string{"order-key-1", "a", "abc", "customer-42", "zzz"} {
			part, err := iggcon.EntityIdString(key)
			must(t, err, "key")
			must(t, root.SendMessages(id(t, stream), id(t, "t"), part, textMessages(t, "key:"+key)), "send by key")
			if got, want := partitionOf("key:"+key), protocol.XXH32([]byte(key))%3; got != want {
				t.Fatalf("key %q landed in partition %d, want %d", key, got, want)
			}
		}
		if protocol.XXH32([]byte("order-key-1"))%3 != 0 {
			t.Fatal("XXH32 vector of the protocol doc does not hold")
		}
		// Balanced: round-robin, one partition after the other.
		before := map[uint32]uint64{}
		td, err := root.GetTopic(id(t, stream), id(t, "t"))
		must(t, err, "get topic")
		for _, p := range td.Partitions {
			before[p.Id] = p.MessagesCount
		}
		for i := range 6 {
			must(t, root.SendMessages(id(t, stream), id(t, "t"), iggcon.None(), textMessages(t, numbered("rr", 6)[i])), "send balanced")
		}
		td, err = root.GetTopic(id(t, stream), id(t, "t"))
		must(t, err, "get topic")
		for _, p := range td.Partitions {
			if p.MessagesCount-before[p.Id] != 2 {
				t.Fatalf("balanced: partition %d got %d of 6 messages", p.Id, p.MessagesCount-before[p.Id])
			}
		}
		wantStatus(t, root.SendMessages(id(t, stream), id(t, "t"), iggcon.PartitionId(3), textMessages(t, "x")), protocol.StatusPartitionNotFound)
		wantStatus(t, root.SendMessages(id(t, stream), id(t, "missing"), iggcon.None(), textMessages(t, "x")), protocol.StatusTopicIDNotFound)
		wantStatus(t, root.SendMessages(id(t, uniqueName("missing")), id(t, "t"), iggcon.None(), textMessages(t, "x")), protocol.StatusStreamIDNotFound)
	})

	t.Run("polling strategies", func(t *testing.T) {
		covers(t, protocol.CodePollMessages)
		stream := newStream(t, root, "strategies")
		_, err := root.CreateTopic(id(t, stream), "t", 1, iggcon.CompressionAlgorithmNone, 0, 0, nil)
		must(t, err, "create topic")
		text := numbered("m", 10)
		must(t, root.SendMessages(id(t, stream), id(t, "t"), iggcon.PartitionId(0), textMessages(t, text[:5]...)), "send first batch")
		poll := func(strategy iggcon.PollingStrategy, count uint32) *iggcon.PolledMessage {
			t.Helper()
			polled, err := root.PollMessages(id(t, stream), id(t, "t"), iggcon.DefaultConsumer(), strategy, count, false, ptrU32(0))
			must(t, err, "poll")
			return polled
		}
		t1 := poll(iggcon.FirstPollingStrategy(), 1).Messages[0].Header.Timestamp
		for uint64(time.Now().UnixMicro()) <= t1+1000 {
			time.Sleep(time.Millisecond) // the second batch gets a later timestamp
		}
		must(t, root.SendMessages(id(t, stream), id(t, "t"), iggcon.PartitionId(0), textMessages(t, text[5:]...)), "send second batch")
		t2 := poll(iggcon.OffsetPollingStrategy(5), 1).Messages[0].Header.Timestamp
		if t2 <= t1 {
			t.Fatalf("second batch timestamp %d not after the first's %d", t2, t1)
		}
		for _, tc := range []struct {
			name     string
			strategy iggcon.PollingStrategy
			count    uint32
			want     []string
		}{
			{"offset", iggcon.OffsetPollingStrategy(3), 4, text[3:7]},
			{"offset at the end", iggcon.OffsetPollingStrategy(9), 4, text[9:]},
			{"offset past the end", iggcon.OffsetPollingStrategy(10), 4, nil},
			{"first", iggcon.FirstPollingStrategy(), 3, text[:3]},
			{"last", iggcon.LastPollingStrategy(), 3, text[7:]},
			{"last more than there are", iggcon.LastPollingStrategy(), 20, text},
			{"timestamp of the first batch", iggcon.TimestampPollingStrategy(t1), 20, text},
			{"timestamp between batches", iggcon.TimestampPollingStrategy(t1 + 1), 20, text[5:]},
			{"timestamp of the second batch", iggcon.TimestampPollingStrategy(t2), 2, text[5:7]},
			{"timestamp after the last", iggcon.TimestampPollingStrategy(t2 + 1), 20, nil},
			{"next with nothing stored", iggcon.NextPollingStrategy(), 4, text[:4]},
			{"count 0", iggcon.FirstPollingStrategy(), 0, nil},
		} {
			t.Run(tc.name, func(t *testing.T) {
				got := poll(tc.strategy, tc.count)
				if p := payloads(got); !slices.Equal(p, tc.want) && !(len(p) == 0 && len(tc.want) == 0) {
					t.Fatalf("got %q, want %q", p, tc.want)
				}
				if got.CurrentOffset != 9 || got.PartitionId != 0 || got.MessageCount != uint32(len(tc.want)) {
					t.Fatalf("partition %d, current offset %d, count %d", got.PartitionId, got.CurrentOffset, got.MessageCount)
				}
			})
		}
		// An empty partition answers the 16-byte head with current offset 0.
		_, err = root.CreateTopic(id(t, stream), "empty", 1, iggcon.CompressionAlgorithmNone, 0, 0, nil)
		must(t, err, "create topic")
		pm := raw.pollRaw(&protocol.PollMessages{Consumer: protocol.SingleConsumer(protocol.NumericID(1)), Stream: protocol.NamedID(stream),
			Topic: protocol.NamedID("empty"), Partition: protocol.SomePartition(0), Strategy: protocol.PollingStrategy{Kind: protocol.PollNext}, Count: 10})
		if len(pm.Messages) != 0 || pm.CurrentOffset != 0 || pm.PartitionID != 0 {
			t.Fatalf("poll of an empty partition: %+v", pm)
		}
	})

	t.Run("auto-commit then next", func(t *testing.T) {
		covers(t, protocol.CodePollMessages, protocol.CodeGetConsumerOffset)
		stream := newStream(t, root, "autocommit")
		_, err := root.CreateTopic(id(t, stream), "t", 2, iggcon.CompressionAlgorithmNone, 0, 0, nil)
		must(t, err, "create topic")
		text := numbered("m", 10)
		must(t, root.SendMessages(id(t, stream), id(t, "t"), iggcon.PartitionId(1), textMessages(t, text...)), "send")
		reader := iggcon.NewSingleConsumer(id(t, "reader"))
		next := func(c iggcon.Consumer, count uint32, commit bool) []string {
			t.Helper()
			polled, err := root.PollMessages(id(t, stream), id(t, "t"), c, iggcon.NextPollingStrategy(), count, commit, ptrU32(1))
			must(t, err, "poll next")
			return payloads(polled)
		}
		stored := func(c iggcon.Consumer) *iggcon.ConsumerOffsetInfo {
			t.Helper()
			off, err := root.GetConsumerOffset(c, id(t, stream), id(t, "t"), ptrU32(1))
			must(t, err, "get offset")
			return off
		}
		if got := next(reader, 4, true); !slices.Equal(got, text[:4]) {
			t.Fatalf("first next: %q", got)
		}
		if off := stored(reader); off == nil || off.StoredOffset != 3 || off.CurrentOffset != 9 || off.PartitionId != 1 {
			t.Fatalf("after auto-commit: %+v", off)
		}
		if got := next(reader, 4, true); !slices.Equal(got, text[4:8]) {
			t.Fatalf("second next: %q", got)
		}
		// Without auto-commit the same messages come again.
		if got := next(reader, 1, false); !slices.Equal(got, text[8:9]) {
			t.Fatalf("next without commit: %q", got)
		}
		if got := next(reader, 100, true); !slices.Equal(got, text[8:]) {
			t.Fatalf("third next: %q", got)
		}
		if got := next(reader, 100, true); len(got) != 0 {
			t.Fatalf("next at the end: %q", got)
		}
		must(t, root.SendMessages(id(t, stream), id(t, "t"), iggcon.PartitionId(1), textMessages(t, "late")), "send")
		if got := next(reader, 100, true); !slices.Equal(got, []string{"late"}) {
			t.Fatalf("next after a new message: %q", got)
		}
		// Another consumer has its own position; partition 0 is separate.
		if got := next(iggcon.NewSingleConsumer(id(t, uint32(77))), 2, true); !slices.Equal(got, text[:2]) {
			t.Fatalf("another consumer: %q", got)
		}
		polled, err := root.PollMessages(id(t, stream), id(t, "t"), reader, iggcon.NextPollingStrategy(), 10, true, ptrU32(0))
		must(t, err, "poll partition 0")
		if len(polled.Messages) != 0 || polled.PartitionId != 0 {
			t.Fatalf("partition 0: %+v", polled)
		}
	})

	t.Run("poll failures", func(t *testing.T) {
		covers(t, protocol.CodePollMessages)
		stream := newStream(t, root, "poll-fail")
		_, err := root.CreateTopic(id(t, stream), "t", 2, iggcon.CompressionAlgorithmNone, 0, 0, nil)
		must(t, err, "create topic")
		for _, tc := range []struct {
			name          string
			stream, topic iggcon.Identifier
			partition     uint32
			want          protocol.Status
		}{
			{"unknown partition", id(t, stream), id(t, "t"), 2, protocol.StatusPartitionNotFound},
			{"unknown topic", id(t, stream), id(t, "missing"), 0, protocol.StatusTopicIDNotFound},
			{"unknown stream", id(t, uniqueName("missing")), id(t, "t"), 0, protocol.StatusStreamIDNotFound},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := root.PollMessages(tc.stream, tc.topic, iggcon.DefaultConsumer(), iggcon.FirstPollingStrategy(), 1, false, ptrU32(tc.partition))
				wantStatus(t, err, tc.want)
			})
		}
		// A group the connection has not joined.
		_, err = root.CreateConsumerGroup(id(t, stream), id(t, "t"), "g")
		must(t, err, "create group")
		_, err = root.PollMessages(id(t, stream), id(t, "t"), iggcon.NewGroupConsumer(id(t, "g")), iggcon.NextPollingStrategy(), 1, true, nil)
		wantStatus(t, err, protocol.StatusConsumerGroupMemberNotFound)
		_, err = root.PollMessages(id(t, stream), id(t, "t"), iggcon.NewGroupConsumer(id(t, "missing")), iggcon.NextPollingStrategy(), 1, true, nil)
		wantStatus(t, err, protocol.StatusConsumerGroupIDNotFound)
	})

	t.Run("flush unsaved buffer puts the messages in the segment file", func(t *testing.T) {
		covers(t, protocol.CodeFlushUnsavedBuffer)
		stream := newStream(t, root, "flush")
		_, err := root.CreateTopic(id(t, stream), "t", 2, iggcon.CompressionAlgorithmNone, 0, 0, nil)
		must(t, err, "create topic")
		marker := uniqueName("flush-marker-payload")
		must(t, root.SendMessages(id(t, stream), id(t, "t"), iggcon.PartitionId(1), textMessages(t, marker)), "send")
		for _, fsync := range []bool{false, true} {
			raw.want(&protocol.FlushUnsavedBuffer{Stream: protocol.NamedID(stream), Topic: protocol.NamedID("t"), PartitionID: 1, Fsync: fsync}, protocol.StatusOK)
		}
		if n := filesContaining(t, s.Dir, ".log", []byte(marker)); n != 1 {
			t.Fatalf("%d segment files hold the flushed message, want 1", n)
		}
		raw.want(&protocol.FlushUnsavedBuffer{Stream: protocol.NamedID(stream), Topic: protocol.NamedID("t"), PartitionID: 0, Fsync: true}, protocol.StatusOK)
		raw.want(&protocol.FlushUnsavedBuffer{Stream: protocol.NamedID(stream), Topic: protocol.NamedID("t"), PartitionID: 2, Fsync: true}, protocol.StatusPartitionNotFound)
		raw.want(&protocol.FlushUnsavedBuffer{Stream: protocol.NamedID(stream), Topic: protocol.NamedID("missing"), PartitionID: 0}, protocol.StatusTopicIDNotFound)
		raw.want(&protocol.FlushUnsavedBuffer{Stream: protocol.NamedID(uniqueName("missing")), Topic: protocol.NamedID("t"), PartitionID: 0}, protocol.StatusStreamIDNotFound)
	})
}

// filesContaining counts the files under dir whose name ends in suffix and
// whose bytes contain needle.
func filesContaining(t testing.TB, dir, suffix string, needle []byte) int {
	t.Helper()
	n := 0
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, suffix) {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if bytes.Contains(b, needle) {
			n++
		}
		return nil
	})
	must(t, err, "walk "+dir)
	return n
}
