// SPDX-License-Identifier: Apache-2.0

package itest

import (
	"bytes"
	"math"
	"slices"
	"testing"
	"time"

	iggcon "github.com/apache/iggy/foreign/go/contracts"
	ierror "github.com/apache/iggy/foreign/go/errors"

	"riffle/internal/protocol"
)

// Topics (300–305), partitions (402, 403) and segments (503). PurgeTopic and
// DeleteSegments go as raw frames: the SDK has no call for them.

// newStream creates a stream with a fresh name and returns its name.
func newStream(t testing.TB, c iggcon.Client, prefix string) string {
	t.Helper()
	name := uniqueName(prefix)
	_, err := c.CreateStream(name)
	must(t, err, "create stream "+name)
	return name
}

func TestTopicCommands(t *testing.T) {
	s := Start(t, Options{Shards: 2})
	root := s.sdkClient(t)
	raw := s.cmdLogin(t, "iggy", "iggy")

	t.Run("ids are 0-based and the lowest free one is reused", func(t *testing.T) {
		covers(t, protocol.CodeCreateTopic, protocol.CodeDeleteTopic)
		stream := newStream(t, root, "topic-ids")
		var ids []uint32
		for range 3 {
			td, err := root.CreateTopic(id(t, stream), uniqueName("t"), 1, iggcon.CompressionAlgorithmNone, 0, 0, nil)
			must(t, err, "create topic")
			ids = append(ids, td.Id)
		}
		if !slices.Equal(ids, []uint32{0, 1, 2}) {
			t.Fatalf("topic ids %v, want [0 1 2]", ids)
		}
		must(t, root.DeleteTopic(id(t, stream), id(t, uint32(0))), "delete topic 0")
		td, err := root.CreateTopic(id(t, stream), uniqueName("t"), 1, iggcon.CompressionAlgorithmNone, 0, 0, nil)
		must(t, err, "create topic")
		if td.Id != 0 {
			t.Fatalf("new topic got id %d, want the freed 0", td.Id)
		}
	})

	t.Run("create, get, list, update, delete", func(t *testing.T) {
		covers(t, protocol.CodeCreateTopic, protocol.CodeGetTopic, protocol.CodeGetTopics,
			protocol.CodeUpdateTopic, protocol.CodeDeleteTopic)
		stream := newStream(t, root, "topics")
		before := uint64(time.Now().UnixMicro())
		created, err := root.CreateTopic(id(t, stream), "events", 3, iggcon.CompressionAlgorithmNone, 0, 0, nil)
		must(t, err, "create topic")
		after := uint64(time.Now().UnixMicro())
		// Server defaults are resolved: never expire, unlimited size, factor 1.
		if created.Id != 0 || created.Name != "events" || created.PartitionsCount != 3 || created.MessageExpiry != iggcon.IggyExpiryNeverExpire ||
			created.MaxTopicSize != math.MaxUint64 || created.ReplicationFactor != 1 || created.CompressionAlgorithm != uint8(iggcon.CompressionAlgorithmNone) ||
			created.CreatedAt < before || created.CreatedAt > after {
			t.Fatalf("created %+v", created.Topic)
		}
		if len(created.Partitions) != 3 {
			t.Fatalf("created with %d partitions listed", len(created.Partitions))
		}
		// Iggy 0.8 answers CreateTopic with zeroed partition statistics.
		for i, p := range created.Partitions {
			if p.Id != uint32(i) || p.SegmentsCount != 0 || p.MessagesCount != 0 || p.CurrentOffset != 0 || p.CreatedAt < before {
				t.Fatalf("new partition %d: %+v", i, p)
			}
		}
		must(t, root.SendMessages(id(t, stream), id(t, "events"), iggcon.PartitionId(2), textMessages(t, "x", "y", "z")), "send")

		byID, err := root.GetTopic(id(t, stream), id(t, created.Id))
		must(t, err, "get topic by id")
		byName, err := root.GetTopic(id(t, stream), id(t, "events"))
		must(t, err, "get topic by name")
		if byID.MessagesCount != 3 || byID.Size != 3*65 || byID.Partitions[2].MessagesCount != 3 || byID.Partitions[2].CurrentOffset != 2 ||
			byID.Partitions[2].SizeBytes != 3*65 || byID.Partitions[0].MessagesCount != 0 {
			t.Fatalf("after 3 messages to partition 2: %+v", byID)
		}
		for _, p := range byID.Partitions {
			if p.SegmentsCount != 1 || p.CreatedAt != created.Partitions[p.Id].CreatedAt {
				t.Fatalf("partition %+v, want one segment, created at %d", p, created.Partitions[p.Id].CreatedAt)
			}
		}
		if byName.Topic != byID.Topic || !slices.Equal(byName.Partitions, byID.Partitions) {
			t.Fatalf("get by name %+v differs from get by id %+v", byName, byID)
		}
		second, err := root.CreateTopic(id(t, stream), "audit", 1, iggcon.CompressionAlgorithmGzip, iggcon.Duration(time.Hour/time.Microsecond), 2<<30, nil)
		must(t, err, "create topic")
		list, err := root.GetTopics(id(t, stream))
		must(t, err, "get topics")
		if len(list) != 2 || list[0] != byID.Topic || list[1] != second.Topic {
			t.Fatalf("list %+v, want [%+v %+v]", list, byID.Topic, second.Topic)
		}
		st, err := root.GetStream(id(t, stream))
		must(t, err, "get stream")
		if st.TopicsCount != 2 || st.MessagesCount != 3 {
			t.Fatalf("stream after two topics: %+v", st.Stream)
		}

		rf := uint8(3)
		must(t, root.UpdateTopic(id(t, stream), id(t, "events"), "events-v2", iggcon.CompressionAlgorithmGzip,
			iggcon.Duration(10*time.Minute/time.Microsecond), 5<<30, &rf), "update topic")
		got, err := root.GetTopic(id(t, stream), id(t, "events-v2"))
		must(t, err, "get updated topic")
		want := byID.Topic
		want.Name, want.CompressionAlgorithm, want.MessageExpiry, want.MaxTopicSize, want.ReplicationFactor =
			"events-v2", uint8(iggcon.CompressionAlgorithmGzip), iggcon.Duration(10*time.Minute/time.Microsecond), 5<<30, 3
		if got.Topic != want {
			t.Fatalf("after update %+v, want %+v", got.Topic, want)
		}
		_, err = root.GetTopic(id(t, stream), id(t, "events"))
		wantNotFound(t, err, ierror.ErrTopicIdNotFound)

		must(t, root.DeleteTopic(id(t, stream), id(t, "events-v2")), "delete topic")
		_, err = root.GetTopic(id(t, stream), id(t, created.Id))
		wantNotFound(t, err, ierror.ErrTopicIdNotFound)
		list, err = root.GetTopics(id(t, stream))
		must(t, err, "get topics")
		if len(list) != 1 || list[0].Id != second.Id {
			t.Fatalf("after delete: %+v", list)
		}
		// The freed id comes back without the old messages.
		again, err := root.CreateTopic(id(t, stream), "events", 3, iggcon.CompressionAlgorithmNone, 0, 0, nil)
		must(t, err, "create topic again")
		if again.Id != created.Id || again.MessagesCount != 0 || again.Partitions[2].CurrentOffset != 0 {
			t.Fatalf("re-created topic %+v", again)
		}
		polled, err := root.PollMessages(id(t, stream), id(t, "events"), iggcon.DefaultConsumer(), iggcon.FirstPollingStrategy(), 10, false, ptrU32(2))
		must(t, err, "poll re-created topic")
		if len(polled.Messages) != 0 {
			t.Fatalf("re-created topic serves old messages %q", payloads(polled))
		}
	})

	t.Run("failures", func(t *testing.T) {
		covers(t, protocol.CodeCreateTopic, protocol.CodeUpdateTopic, protocol.CodeDeleteTopic, protocol.CodePurgeTopic, protocol.CodeGetTopics)
		stream := newStream(t, root, "topic-fail")
		_, err := root.CreateTopic(id(t, stream), "a", 1, iggcon.CompressionAlgorithmNone, 0, 0, nil)
		must(t, err, "create topic")
		_, err = root.CreateTopic(id(t, stream), "b", 1, iggcon.CompressionAlgorithmNone, 0, 0, nil)
		must(t, err, "create topic")
		_, err = root.CreateTopic(id(t, stream), "a", 1, iggcon.CompressionAlgorithmNone, 0, 0, nil)
		wantStatus(t, err, protocol.StatusTopicNameAlreadyExists)
		wantStatus(t, root.UpdateTopic(id(t, stream), id(t, "b"), "a", iggcon.CompressionAlgorithmNone, 0, 0, nil), protocol.StatusTopicNameAlreadyExists)
		// The same name in another stream is another topic.
		other := newStream(t, root, "topic-fail")
		_, err = root.CreateTopic(id(t, other), "a", 1, iggcon.CompressionAlgorithmNone, 0, 0, nil)
		must(t, err, "create a topic named as one of another stream")

		_, err = root.CreateTopic(id(t, uniqueName("missing")), "a", 1, iggcon.CompressionAlgorithmNone, 0, 0, nil)
		wantStatus(t, err, protocol.StatusStreamIDNotFound)
		wantStatus(t, root.DeleteTopic(id(t, stream), id(t, "missing")), protocol.StatusTopicIDNotFound)
		wantStatus(t, root.UpdateTopic(id(t, stream), id(t, uint32(77)), "z", iggcon.CompressionAlgorithmNone, 0, 0, nil), protocol.StatusTopicIDNotFound)
		raw.want(&protocol.PurgeTopic{Stream: protocol.NamedID(stream), Topic: protocol.NamedID("missing")}, protocol.StatusTopicIDNotFound)
		raw.want(&protocol.GetTopics{Stream: protocol.NamedID(uniqueName("missing"))}, protocol.StatusOK) // empty OK

		// A custom max size below the segment size (1 GiB by default).
		_, err = root.CreateTopic(id(t, stream), "small", 1, iggcon.CompressionAlgorithmNone, 0, 1<<20, nil)
		wantStatus(t, err, protocol.StatusInvalidTopicSize)
		wantStatus(t, root.UpdateTopic(id(t, stream), id(t, "a"), "a", iggcon.CompressionAlgorithmNone, 0, 1<<20, nil), protocol.StatusInvalidTopicSize)
		// At most 1000 partitions; the SDK checks that itself, so raw.
		raw.want(&protocol.CreateTopic{Stream: protocol.NamedID(stream), PartitionsCount: 1001, CompressionAlgorithm: 1, Name: "huge"},
			protocol.StatusTooManyPartitions)
		// 0 partitions is a valid topic, with nowhere to send.
		zero, err := root.CreateTopic(id(t, stream), "zero", 0, iggcon.CompressionAlgorithmNone, 0, 0, nil)
		must(t, err, "create topic with 0 partitions")
		if zero.PartitionsCount != 0 || len(zero.Partitions) != 0 {
			t.Fatalf("0-partition topic: %+v", zero)
		}
		wantStatus(t, root.SendMessages(id(t, stream), id(t, "zero"), iggcon.None(), textMessages(t, "x")), protocol.StatusTopicIDNotFound)
		key, _ := iggcon.EntityIdString("k")
		wantStatus(t, root.SendMessages(id(t, stream), id(t, "zero"), key, textMessages(t, "x")), protocol.StatusNoPartitions)
	})

	t.Run("partitions are added and removed at the end", func(t *testing.T) {
		covers(t, protocol.CodeCreatePartitions, protocol.CodeDeletePartitions, protocol.CodeGetTopic)
		stream := newStream(t, root, "parts")
		_, err := root.CreateTopic(id(t, stream), "t", 3, iggcon.CompressionAlgorithmNone, 0, 0, nil)
		must(t, err, "create topic")
		partitionIDs := func() []uint32 {
			t.Helper()
			td, err := root.GetTopic(id(t, stream), id(t, "t"))
			must(t, err, "get topic")
			var out []uint32
			for _, p := range td.Partitions {
				out = append(out, p.Id)
			}
			if int(td.PartitionsCount) != len(out) {
				t.Fatalf("partitions_count %d with %d listed", td.PartitionsCount, len(out))
			}
			return out
		}
		must(t, root.CreatePartitions(id(t, stream), id(t, "t"), 2), "create partitions")
		if got := partitionIDs(); !slices.Equal(got, []uint32{0, 1, 2, 3, 4}) {
			t.Fatalf("partitions %v after adding 2 to 3", got)
		}
		must(t, root.SendMessages(id(t, stream), id(t, "t"), iggcon.PartitionId(4), textMessages(t, "in-4")), "send to the new partition")

		wantStatus(t, root.CreatePartitions(id(t, stream), id(t, "t"), 0), protocol.StatusTooManyPartitions)
		wantStatus(t, root.CreatePartitions(id(t, stream), id(t, "t"), 1001), protocol.StatusTooManyPartitions)
		wantStatus(t, root.DeletePartitions(id(t, stream), id(t, "t"), 0), protocol.StatusTooManyPartitions)
		// The SDK has no error for 2019 (it reports 1), so raw.
		raw.want(&protocol.DeletePartitions{Stream: protocol.NamedID(stream), Topic: protocol.NamedID("t"), PartitionsCount: 6},
			protocol.StatusInvalidPartitionsCount)
		wantStatus(t, root.CreatePartitions(id(t, stream), id(t, "missing"), 1), protocol.StatusTopicIDNotFound)
		wantStatus(t, root.DeletePartitions(id(t, uniqueName("missing")), id(t, "t"), 1), protocol.StatusStreamIDNotFound)

		must(t, root.DeletePartitions(id(t, stream), id(t, "t"), 2), "delete partitions")
		if got := partitionIDs(); !slices.Equal(got, []uint32{0, 1, 2}) {
			t.Fatalf("partitions %v after removing 2 of 5", got)
		}
		wantStatus(t, root.SendMessages(id(t, stream), id(t, "t"), iggcon.PartitionId(4), textMessages(t, "x")), protocol.StatusPartitionNotFound)
		// Partition 4 comes back empty.
		must(t, root.CreatePartitions(id(t, stream), id(t, "t"), 2), "create partitions again")
		polled, err := root.PollMessages(id(t, stream), id(t, "t"), iggcon.DefaultConsumer(), iggcon.FirstPollingStrategy(), 10, false, ptrU32(4))
		must(t, err, "poll partition 4")
		if len(polled.Messages) != 0 {
			t.Fatalf("re-created partition 4 serves %q", payloads(polled))
		}
		must(t, root.DeletePartitions(id(t, stream), id(t, "t"), 5), "delete every partition")
		if got := partitionIDs(); len(got) != 0 {
			t.Fatalf("partitions %v after deleting all", got)
		}
	})

	t.Run("purge topic empties it and its offsets", func(t *testing.T) {
		covers(t, protocol.CodePurgeTopic)
		stream := newStream(t, root, "purge-topic")
		for _, topic := range []string{"keep", "purge"} {
			_, err := root.CreateTopic(id(t, stream), topic, 2, iggcon.CompressionAlgorithmNone, 0, 0, nil)
			must(t, err, "create topic")
			for p := uint32(0); p < 2; p++ {
				must(t, root.SendMessages(id(t, stream), id(t, topic), iggcon.PartitionId(p), textMessages(t, numbered(topic, 4)...)), "send")
			}
		}
		consumer := iggcon.NewSingleConsumer(id(t, "reader"))
		must(t, root.StoreConsumerOffset(consumer, id(t, stream), id(t, "purge"), 2, ptrU32(1)), "store offset")
		g, err := root.CreateConsumerGroup(id(t, stream), id(t, "purge"), "g")
		must(t, err, "create group")
		must(t, root.JoinConsumerGroup(id(t, stream), id(t, "purge"), id(t, g.Id)), "join")
		must(t, root.StoreConsumerOffset(iggcon.NewGroupConsumer(id(t, g.Id)), id(t, stream), id(t, "purge"), 3, ptrU32(0)), "store group offset")

		raw.want(&protocol.PurgeTopic{Stream: protocol.NamedID(stream), Topic: protocol.NamedID("purge")}, protocol.StatusOK)

		td, err := root.GetTopic(id(t, stream), id(t, "purge"))
		must(t, err, "get topic")
		if td.MessagesCount != 0 || td.Size != 0 || td.PartitionsCount != 2 {
			t.Fatalf("purged topic %+v", td.Topic)
		}
		for _, p := range td.Partitions {
			if p.CurrentOffset != 0 || p.MessagesCount != 0 {
				t.Fatalf("purged partition %+v", p)
			}
		}
		kept, err := root.GetTopic(id(t, stream), id(t, "keep"))
		must(t, err, "get other topic")
		if kept.MessagesCount != 8 {
			t.Fatalf("purging one topic touched another: %+v", kept.Topic)
		}
		for _, c := range []iggcon.Consumer{consumer, iggcon.NewGroupConsumer(id(t, g.Id))} {
			for p := uint32(0); p < 2; p++ {
				off, err := root.GetConsumerOffset(c, id(t, stream), id(t, "purge"), ptrU32(p))
				must(t, err, "get offset")
				if off != nil {
					t.Fatalf("consumer %+v kept offset %+v on partition %d through the purge", c, off, p)
				}
			}
		}
		must(t, root.SendMessages(id(t, stream), id(t, "purge"), iggcon.PartitionId(1), textMessages(t, "fresh")), "send")
		polled, err := root.PollMessages(id(t, stream), id(t, "purge"), consumer, iggcon.NextPollingStrategy(), 10, false, ptrU32(1))
		must(t, err, "poll next")
		if len(polled.Messages) != 1 || polled.Messages[0].Header.Offset != 0 || string(polled.Messages[0].Payload) != "fresh" {
			t.Fatalf("next after purge: %+v", polled.Messages)
		}
	})
}

// TestDeleteSegmentsKeepsTheActiveSegment runs riffled with 1 MiB segments,
// fills a partition past several of them and deletes the oldest.
func TestDeleteSegmentsKeepsTheActiveSegment(t *testing.T) {
	covers(t, protocol.CodeDeleteSegments)
	s := Start(t, Options{Shards: 2, Env: []string{"RIFFLE_STORAGE_SEGMENT_SIZE=1MiB"}})
	root := s.sdkClient(t)
	raw := s.cmdLogin(t, "iggy", "iggy")
	stream := newStream(t, root, "segments")
	_, err := root.CreateTopic(id(t, stream), "t", 2, iggcon.CompressionAlgorithmNone, 0, 0, nil)
	must(t, err, "create topic")
	// With 1 MiB segments a max size of 512 KiB is below the segment size.
	_, err = root.CreateTopic(id(t, stream), "small", 1, iggcon.CompressionAlgorithmNone, 0, 512<<10, nil)
	wantStatus(t, err, protocol.StatusInvalidTopicSize)

	const perMsg, perBatch, batches = 16 << 10, 32, 8 // 4 MiB of payload
	payload := func(off int) []byte {
		b := bytes.Repeat([]byte{byte(off)}, perMsg)
		copy(b, []byte{byte(off >> 8), byte(off)})
		return b
	}
	for b := range batches {
		var msgs []iggcon.IggyMessage
		for i := range perBatch {
			m, err := iggcon.NewIggyMessage(payload(b*perBatch + i))
			must(t, err, "build message")
			msgs = append(msgs, m)
		}
		must(t, root.SendMessages(id(t, stream), id(t, "t"), iggcon.PartitionId(0), msgs), "send batch")
	}
	const total = perBatch * batches
	part := func() iggcon.PartitionContract {
		t.Helper()
		td, err := root.GetTopic(id(t, stream), id(t, "t"))
		must(t, err, "get topic")
		return td.Partitions[0]
	}
	full := part()
	if full.SegmentsCount < 4 || full.MessagesCount != total || full.CurrentOffset != total-1 {
		t.Fatalf("after 4 MiB into 1 MiB segments: %+v", full)
	}

	raw.want(&protocol.DeleteSegments{Stream: protocol.NamedID(stream), Topic: protocol.NamedID("t"), PartitionID: 0, SegmentsCount: 2}, protocol.StatusOK)
	cut := part()
	if cut.SegmentsCount != full.SegmentsCount-2 || cut.MessagesCount >= full.MessagesCount || cut.CurrentOffset != full.CurrentOffset ||
		cut.SizeBytes >= full.SizeBytes {
		t.Fatalf("after deleting 2 of %d segments: %+v (before %+v)", full.SegmentsCount, cut, full)
	}
	// first now starts at the first message that is left, and reads it intact.
	gone := uint64(total) - cut.MessagesCount
	polled, err := root.PollMessages(id(t, stream), id(t, "t"), iggcon.DefaultConsumer(), iggcon.FirstPollingStrategy(), 2, false, ptrU32(0))
	must(t, err, "poll first")
	if len(polled.Messages) != 2 || polled.Messages[0].Header.Offset != gone || !bytes.Equal(polled.Messages[0].Payload, payload(int(gone))) {
		t.Fatalf("first after deleting %d messages: %d messages, want 2 from offset %d", gone, len(polled.Messages), gone)
	}

	// A consumer that stored an offset holds back the segments it has not
	// consumed: nothing past its offset is deleted (Iggy 0.8.0's barrier).
	consumer := protocol.SingleConsumer(protocol.NumericID(7))
	raw.ok(&protocol.StoreConsumerOffset{Consumer: consumer, Stream: protocol.NamedID(stream), Topic: protocol.NamedID("t"), Partition: protocol.SomePartition(0), Offset: gone})
	raw.want(&protocol.DeleteSegments{Stream: protocol.NamedID(stream), Topic: protocol.NamedID("t"), PartitionID: 0, SegmentsCount: 1000}, protocol.StatusOK)
	if held := part(); held.SegmentsCount != cut.SegmentsCount || held.MessagesCount != cut.MessagesCount {
		t.Fatalf("segments with unconsumed messages were deleted: %+v (before %+v)", held, cut)
	}
	raw.ok(&protocol.DeleteConsumerOffset{Consumer: consumer, Stream: protocol.NamedID(stream), Topic: protocol.NamedID("t"), Partition: protocol.SomePartition(0)})

	// Asking for more than there are deletes every sealed segment, never the
	// active one, and offsets go on.
	raw.want(&protocol.DeleteSegments{Stream: protocol.NamedID(stream), Topic: protocol.NamedID("t"), PartitionID: 0, SegmentsCount: 1000}, protocol.StatusOK)
	last := part()
	if last.SegmentsCount != 1 || last.CurrentOffset != total-1 || last.MessagesCount == 0 {
		t.Fatalf("after deleting every sealed segment: %+v", last)
	}
	polled, err = root.PollMessages(id(t, stream), id(t, "t"), iggcon.DefaultConsumer(), iggcon.LastPollingStrategy(), 1, false, ptrU32(0))
	must(t, err, "poll last")
	if len(polled.Messages) != 1 || polled.Messages[0].Header.Offset != total-1 || !bytes.Equal(polled.Messages[0].Payload, payload(total-1)) {
		t.Fatalf("last message after deletes: %+v", polled.Messages)
	}
	must(t, root.SendMessages(id(t, stream), id(t, "t"), iggcon.PartitionId(0), textMessages(t, "after")), "send after deletes")
	polled, err = root.PollMessages(id(t, stream), id(t, "t"), iggcon.DefaultConsumer(), iggcon.OffsetPollingStrategy(total), 1, false, ptrU32(0))
	must(t, err, "poll the new message")
	if len(polled.Messages) != 1 || string(polled.Messages[0].Payload) != "after" {
		t.Fatalf("message after deletes: %+v", polled.Messages)
	}

	// A partition with one segment has nothing to delete.
	raw.want(&protocol.DeleteSegments{Stream: protocol.NamedID(stream), Topic: protocol.NamedID("t"), PartitionID: 1, SegmentsCount: 1}, protocol.StatusOK)
	raw.want(&protocol.DeleteSegments{Stream: protocol.NamedID(stream), Topic: protocol.NamedID("t"), PartitionID: 2, SegmentsCount: 1}, protocol.StatusPartitionNotFound)
	raw.want(&protocol.DeleteSegments{Stream: protocol.NamedID(stream), Topic: protocol.NamedID("missing"), PartitionID: 0, SegmentsCount: 1}, protocol.StatusTopicIDNotFound)
}
