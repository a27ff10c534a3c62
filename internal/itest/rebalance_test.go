// SPDX-License-Identifier: Apache-2.0

package itest

import (
	"fmt"
	"testing"
	"time"

	"riffle/internal/protocol"
	"riffle/internal/testutil"
)

// Iggy's cooperative rebalance: when B joins a group in which A polled a
// partition without committing, that partition stays with A (pending
// revocation) until A commits what it polled; only then does it move to B,
// so B never gets messages A is still working on.
func TestRebalanceWaitsForTheOldOwnerToCommit(t *testing.T) {
	s := Start(t, Options{Shards: 2})
	admin := s.cmdLogin(t, "iggy", "iggy")
	admin.ok(&protocol.CreateStream{Name: "rb"})
	admin.ok(&protocol.CreateTopic{Stream: protocol.NamedID("rb"), PartitionsCount: 2, CompressionAlgorithm: protocol.CompressionNone, Name: "t"})
	admin.ok(&protocol.CreateConsumerGroup{Stream: protocol.NamedID("rb"), Topic: protocol.NamedID("t"), Name: "g"})
	for p := uint32(0); p < 2; p++ {
		var msgs []protocol.Message
		for i := 0; i < 4; i++ {
			msgs = append(msgs, protocol.Message{Payload: []byte(fmt.Sprintf("p%d-m%d", p, i))})
		}
		st, _, err := admin.call(uint32(protocol.CodeSendMessages),
			protocol.AppendSendMessages(nil, protocol.NamedID("rb"), protocol.NamedID("t"), protocol.PartitionByID(p), msgs))
		if err != nil || st != 0 {
			t.Fatalf("send: %d %v", st, err)
		}
	}
	group := protocol.GroupConsumer(protocol.NamedID("g"))
	join := &protocol.JoinConsumerGroup{Stream: protocol.NamedID("rb"), Topic: protocol.NamedID("t"), Group: protocol.NamedID("g")}
	poll := func(c *cmdConn, p uint32, autoCommit bool) protocol.PolledMessages {
		return c.pollRaw(&protocol.PollMessages{Consumer: group, Stream: protocol.NamedID("rb"), Topic: protocol.NamedID("t"),
			Partition: protocol.SomePartition(p), Strategy: protocol.PollingStrategy{Kind: protocol.PollNext}, Count: 2, AutoCommit: autoCommit})
	}
	a := s.cmdLogin(t, "iggy", "iggy")
	a.ok(join)
	if got := poll(a, 1, false); len(got.Messages) != 2 {
		t.Fatalf("A polled %d messages from partition 1", len(got.Messages))
	}
	b := s.cmdLogin(t, "iggy", "iggy")
	b.ok(join)
	// Partition 1 is pending revocation: B owns nothing there yet.
	if got := poll(b, 1, true); len(got.Messages) != 0 {
		t.Fatalf("B got %d messages of partition 1 before A committed", len(got.Messages))
	}
	if got := poll(a, 1, false); len(got.Messages) != 2 {
		t.Fatalf("A (still owner) polled %d messages", len(got.Messages))
	}
	// A commits everything it polled: the revocation completes.
	a.ok(&protocol.StoreConsumerOffset{Consumer: group, Stream: protocol.NamedID("rb"), Topic: protocol.NamedID("t"), Partition: protocol.SomePartition(1), Offset: 3})
	testutil.Eventually(t, 10*time.Second, func() error {
		st, p := b.do(&protocol.GetConsumerGroup{Stream: protocol.NamedID("rb"), Topic: protocol.NamedID("t"), Group: protocol.NamedID("g")})
		var d protocol.GroupDetails
		if st != 0 || d.Decode(p) != nil {
			return fmt.Errorf("get group: %d", st)
		}
		for _, m := range d.Members {
			if len(m.Partitions) != 1 {
				return fmt.Errorf("members %+v", d.Members)
			}
		}
		return nil
	})
	if got := poll(b, 1, true); len(got.Messages) != 0 {
		t.Fatalf("B got %d already-committed messages of partition 1", len(got.Messages))
	}
	s.Stop()
}

// A consumer group created after another was deleted gets the same id, but
// not the deleted group's stored offsets.
func TestDeletedGroupTakesItsOffsets(t *testing.T) {
	s := Start(t, Options{Shards: 2})
	c := s.cmdLogin(t, "iggy", "iggy")
	c.ok(&protocol.CreateStream{Name: "dg"})
	c.ok(&protocol.CreateTopic{Stream: protocol.NamedID("dg"), PartitionsCount: 2, CompressionAlgorithm: protocol.CompressionNone, Name: "t"})
	for p := uint32(0); p < 2; p++ {
		st, _, err := c.call(uint32(protocol.CodeSendMessages), protocol.AppendSendMessages(nil, protocol.NamedID("dg"), protocol.NamedID("t"),
			protocol.PartitionByID(p), []protocol.Message{{Payload: []byte("a")}, {Payload: []byte("b")}}))
		if err != nil || st != 0 {
			t.Fatalf("send: %d %v", st, err)
		}
	}
	group := protocol.GroupConsumer(protocol.NamedID("g"))
	create := &protocol.CreateConsumerGroup{Stream: protocol.NamedID("dg"), Topic: protocol.NamedID("t"), Name: "g"}
	c.ok(create)
	c.ok(&protocol.JoinConsumerGroup{Stream: protocol.NamedID("dg"), Topic: protocol.NamedID("t"), Group: protocol.NamedID("g")})
	for p := uint32(0); p < 2; p++ {
		c.ok(&protocol.StoreConsumerOffset{Consumer: group, Stream: protocol.NamedID("dg"), Topic: protocol.NamedID("t"), Partition: protocol.SomePartition(p), Offset: 1})
	}
	c.ok(&protocol.DeleteConsumerGroup{Stream: protocol.NamedID("dg"), Topic: protocol.NamedID("t"), Group: protocol.NamedID("g")})
	c.ok(create)
	for p := uint32(0); p < 2; p++ {
		st, body := c.do(&protocol.GetConsumerOffset{Consumer: group, Stream: protocol.NamedID("dg"), Topic: protocol.NamedID("t"), Partition: protocol.SomePartition(p)})
		if st != 0 || len(body) != 0 {
			t.Fatalf("partition %d: the new group inherited an offset (status %d, %d bytes)", p, st, len(body))
		}
	}
	s.Stop()
}
