// SPDX-License-Identifier: Apache-2.0

package itest

import (
	"slices"
	"testing"

	iggcon "github.com/apache/iggy/foreign/go/contracts"

	"riffle/internal/protocol"
)

// Consumer offsets: GetConsumerOffset (120), StoreConsumerOffset (121),
// DeleteConsumerOffset (122), for single consumers and consumer groups.

func TestConsumerOffsetCommands(t *testing.T) {
	s := Start(t, Options{Shards: 2})
	root := s.sdkClient(t)
	raw := s.cmdLogin(t, "iggy", "iggy")

	t.Run("store, get, delete for a single consumer", func(t *testing.T) {
		covers(t, protocol.CodeStoreConsumerOffset, protocol.CodeGetConsumerOffset, protocol.CodeDeleteConsumerOffset)
		stream := newStream(t, root, "offsets")
		_, err := root.CreateTopic(id(t, stream), "t", 2, iggcon.CompressionAlgorithmNone, 0, 0, nil)
		must(t, err, "create topic")
		must(t, root.SendMessages(id(t, stream), id(t, "t"), iggcon.PartitionId(0), textMessages(t, numbered("m", 5)...)), "send")
		get := func(c iggcon.Consumer, p uint32) *iggcon.ConsumerOffsetInfo {
			t.Helper()
			off, err := root.GetConsumerOffset(c, id(t, stream), id(t, "t"), ptrU32(p))
			must(t, err, "get offset")
			return off
		}
		seven := iggcon.NewSingleConsumer(id(t, uint32(7)))
		if off := get(seven, 0); off != nil {
			t.Fatalf("offset before any store: %+v", off)
		}
		must(t, root.StoreConsumerOffset(seven, id(t, stream), id(t, "t"), 2, ptrU32(0)), "store")
		if off := get(seven, 0); off == nil || *off != (iggcon.ConsumerOffsetInfo{PartitionId: 0, CurrentOffset: 4, StoredOffset: 2}) {
			t.Fatalf("after storing 2: %+v", off)
		}
		// The stored offset drives next; storing back and forth is allowed.
		polled, err := root.PollMessages(id(t, stream), id(t, "t"), seven, iggcon.NextPollingStrategy(), 10, false, ptrU32(0))
		must(t, err, "poll next")
		if got := payloads(polled); !slices.Equal(got, []string{"m-3", "m-4"}) {
			t.Fatalf("next after storing 2: %q", got)
		}
		must(t, root.StoreConsumerOffset(seven, id(t, stream), id(t, "t"), 4, ptrU32(0)), "store the current offset")
		must(t, root.StoreConsumerOffset(seven, id(t, stream), id(t, "t"), 0, ptrU32(0)), "store an earlier offset")
		if off := get(seven, 0); off.StoredOffset != 0 {
			t.Fatalf("after storing 0: %+v", off)
		}
		// No partition means partition 0 for a single consumer.
		off, err := root.GetConsumerOffset(seven, id(t, stream), id(t, "t"), nil)
		must(t, err, "get offset without partition")
		if off == nil || off.PartitionId != 0 || off.StoredOffset != 0 {
			t.Fatalf("offset without partition: %+v", off)
		}

		// A string consumer is keyed by XXH32 of its name, so the numeric
		// consumer with that value shares its offset (as in Iggy).
		alice := iggcon.NewSingleConsumer(id(t, "alice"))
		must(t, root.StoreConsumerOffset(alice, id(t, stream), id(t, "t"), 3, ptrU32(0)), "store for alice")
		if off := get(iggcon.NewSingleConsumer(id(t, protocol.XXH32([]byte("alice")))), 0); off == nil || off.StoredOffset != 3 {
			t.Fatalf("numeric twin of alice: %+v", off)
		}
		if off := get(seven, 0); off.StoredOffset != 0 {
			t.Fatalf("alice's store moved consumer 7: %+v", off)
		}

		wantStatus(t, root.StoreConsumerOffset(seven, id(t, stream), id(t, "t"), 5, ptrU32(0)), protocol.StatusInvalidOffset)
		wantStatus(t, root.StoreConsumerOffset(seven, id(t, stream), id(t, "t"), 0, ptrU32(1)), protocol.StatusInvalidOffset) // empty partition
		wantStatus(t, root.StoreConsumerOffset(seven, id(t, stream), id(t, "t"), 0, ptrU32(2)), protocol.StatusPartitionNotFound)
		wantStatus(t, root.StoreConsumerOffset(seven, id(t, stream), id(t, "missing"), 0, ptrU32(0)), protocol.StatusTopicIDNotFound)
		if off := get(seven, 2); off != nil {
			t.Fatalf("offset of an unknown partition: %+v", off) // empty OK, as Iggy
		}

		must(t, root.DeleteConsumerOffset(seven, id(t, stream), id(t, "t"), ptrU32(0)), "delete")
		if off := get(seven, 0); off != nil {
			t.Fatalf("offset after delete: %+v", off)
		}
		wantStatus(t, root.DeleteConsumerOffset(seven, id(t, stream), id(t, "t"), ptrU32(0)), protocol.StatusConsumerOffsetNotFound)
		wantStatus(t, root.DeleteConsumerOffset(seven, id(t, stream), id(t, "t"), ptrU32(2)), protocol.StatusPartitionNotFound)
		// After delete, next starts from the first message again.
		polled, err = root.PollMessages(id(t, stream), id(t, "t"), seven, iggcon.NextPollingStrategy(), 1, false, ptrU32(0))
		must(t, err, "poll next")
		if got := payloads(polled); !slices.Equal(got, []string{"m-0"}) {
			t.Fatalf("next after delete: %q", got)
		}
	})

	t.Run("group offsets need membership and ownership", func(t *testing.T) {
		covers(t, protocol.CodeStoreConsumerOffset, protocol.CodeGetConsumerOffset, protocol.CodeDeleteConsumerOffset)
		stream := newStream(t, root, "group-offsets")
		_, err := root.CreateTopic(id(t, stream), "t", 2, iggcon.CompressionAlgorithmNone, 0, 0, nil)
		must(t, err, "create topic")
		for p := uint32(0); p < 2; p++ {
			must(t, root.SendMessages(id(t, stream), id(t, "t"), iggcon.PartitionId(p), textMessages(t, numbered("m", 3)...)), "send")
		}
		g, err := root.CreateConsumerGroup(id(t, stream), id(t, "t"), "readers")
		must(t, err, "create group")
		group := iggcon.NewGroupConsumer(id(t, "readers"))
		gid := protocol.GroupConsumer(protocol.NamedID("readers"))

		a := s.sdkClient(t)
		b := s.sdkClient(t)
		// Not a member yet: storing is refused, reading is not.
		wantStatus(t, a.StoreConsumerOffset(group, id(t, stream), id(t, "t"), 1, ptrU32(0)), protocol.StatusConsumerGroupMemberNotFound)
		if off, err := a.GetConsumerOffset(group, id(t, stream), id(t, "t"), ptrU32(0)); err != nil || off != nil {
			t.Fatalf("group offset before any store: %+v, %v", off, err)
		}

		must(t, a.JoinConsumerGroup(id(t, stream), id(t, "t"), id(t, g.Id)), "a joins")
		must(t, b.JoinConsumerGroup(id(t, stream), id(t, "t"), id(t, g.Id)), "b joins")
		gd, err := root.GetConsumerGroup(id(t, stream), id(t, "t"), id(t, g.Id))
		must(t, err, "get group")
		if len(gd.Members) != 2 || len(gd.Members[0].Partitions) != 1 || len(gd.Members[1].Partitions) != 1 {
			t.Fatalf("two members of a 2-partition group: %+v", gd.Members)
		}
		// Members are listed in join order: a first.
		pa, pb := gd.Members[0].Partitions[0], gd.Members[1].Partitions[0]
		if pa == pb {
			t.Fatalf("both members own partition %d", pa)
		}
		must(t, a.StoreConsumerOffset(group, id(t, stream), id(t, "t"), 1, ptrU32(pa)), "a stores on its partition")
		must(t, b.StoreConsumerOffset(group, id(t, stream), id(t, "t"), 2, ptrU32(pb)), "b stores on its partition")
		// The offset belongs to the group: anyone reads it.
		for _, c := range []iggcon.Client{a, b, root} {
			off, err := c.GetConsumerOffset(group, id(t, stream), id(t, "t"), ptrU32(pa))
			must(t, err, "get group offset")
			if off == nil || off.StoredOffset != 1 || off.PartitionId != pa || off.CurrentOffset != 2 {
				t.Fatalf("group offset on partition %d: %+v", pa, off)
			}
		}
		// A member may not store on or delete from a partition it does not
		// own (NotResolvedConsumer, 3022; the SDK has no error for it, so raw).
		ra := s.cmdLogin(t, "iggy", "iggy")
		ra.want(&protocol.StoreConsumerOffset{Consumer: gid, Stream: protocol.NamedID(stream), Topic: protocol.NamedID("t"), Partition: protocol.SomePartition(0), Offset: 0},
			protocol.StatusConsumerGroupMemberNotFound)
		ra.ok(&protocol.JoinConsumerGroup{Stream: protocol.NamedID(stream), Topic: protocol.NamedID("t"), Group: protocol.NamedID("readers")})
		gd, err = root.GetConsumerGroup(id(t, stream), id(t, "t"), id(t, g.Id))
		must(t, err, "get group")
		if len(gd.Members) != 3 || len(gd.Members[2].Partitions) != 0 {
			t.Fatalf("a third member of a 2-partition group: %+v", gd.Members)
		}
		for _, p := range []uint32{pa, pb} {
			ra.want(&protocol.StoreConsumerOffset{Consumer: gid, Stream: protocol.NamedID(stream), Topic: protocol.NamedID("t"), Partition: protocol.SomePartition(p), Offset: 0},
				protocol.StatusNotResolvedConsumer)
			ra.want(&protocol.DeleteConsumerOffset{Consumer: gid, Stream: protocol.NamedID(stream), Topic: protocol.NamedID("t"), Partition: protocol.SomePartition(p)},
				protocol.StatusNotResolvedConsumer)
		}
		raw.want(&protocol.StoreConsumerOffset{Consumer: gid, Stream: protocol.NamedID(stream), Topic: protocol.NamedID("t"), Partition: protocol.SomePartition(pb), Offset: 0},
			protocol.StatusConsumerGroupMemberNotFound)

		must(t, a.DeleteConsumerOffset(group, id(t, stream), id(t, "t"), ptrU32(pa)), "a deletes")
		wantStatus(t, a.DeleteConsumerOffset(group, id(t, stream), id(t, "t"), ptrU32(pa)), protocol.StatusConsumerOffsetNotFound)
		if off, err := b.GetConsumerOffset(group, id(t, stream), id(t, "t"), ptrU32(pa)); err != nil || off != nil {
			t.Fatalf("group offset after delete: %+v, %v", off, err)
		}
		// Group offsets are apart from single consumers' with the same id.
		if off, err := root.GetConsumerOffset(iggcon.NewSingleConsumer(id(t, g.Id)), id(t, stream), id(t, "t"), ptrU32(pb)); err != nil || off != nil {
			t.Fatalf("single consumer %d sees the group's offset: %+v, %v", g.Id, off, err)
		}
	})
}
