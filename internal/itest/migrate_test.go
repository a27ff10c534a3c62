// SPDX-License-Identifier: Apache-2.0

package itest

import (
	"testing"

	"riffle/internal/protocol"
)

// A connection whose first send goes to a partition another shard owns is
// handed to that shard: the send is answered, the socket is then served by
// the owner, and the session (login) moved with it.
func TestFirstSendMigratesConnectionToOwner(t *testing.T) {
	needCPUs(t, 2)
	s := Start(t, Options{Shards: 2})
	admin := dialRaw(t, s.Addr)
	login := (&protocol.LoginUser{Username: "iggy", Password: "iggy"}).AppendTo(nil)
	if st, _, err := admin.call(uint32(protocol.CodeLoginUser), login); err != nil || st != 0 {
		t.Fatalf("login: %d %v", st, err)
	}
	// Two one-partition topics: placement puts them on different shards.
	for _, name := range []string{"m0", "m1"} {
		if st, _, _ := admin.call(uint32(protocol.CodeCreateStream), (&protocol.CreateStream{Name: name}).AppendTo(nil)); st != 0 {
			t.Fatalf("create stream %s: %d", name, st)
		}
		req := protocol.CreateTopic{Stream: protocol.NamedID(name), PartitionsCount: 1, CompressionAlgorithm: protocol.CompressionNone, Name: "t"}
		if st, _, _ := admin.call(uint32(protocol.CodeCreateTopic), req.AppendTo(nil)); st != 0 {
			t.Fatalf("create topic: %d", st)
		}
	}
	msgs := []protocol.Message{{Payload: []byte("hello")}}
	for _, stream := range []string{"m0", "m1"} {
		c := dialRaw(t, s.Addr)
		if st, _, _ := c.call(uint32(protocol.CodeLoginUser), login); st != 0 {
			t.Fatal("login")
		}
		before := s.ownerShard(t, c)
		send := protocol.AppendSendMessages(nil, protocol.NamedID(stream), protocol.NumericID(0), protocol.PartitionByID(0), msgs)
		for i := 0; i < 3; i++ {
			if st, _, err := c.call(uint32(protocol.CodeSendMessages), send); err != nil || st != 0 {
				t.Fatalf("send %d to %s from shard %d: status %d, %v", i, stream, before, st, err)
			}
		}
		after := s.ownerShard(t, c)
		// The session came along: GetMe still works without a new login.
		if st, _, err := c.call(uint32(protocol.CodeGetMe), nil); err != nil || st != 0 {
			t.Fatalf("get me after migration: %d %v", st, err)
		}
		poll := protocol.PollMessages{Consumer: protocol.SingleConsumer(protocol.NumericID(1)), Stream: protocol.NamedID(stream), Topic: protocol.NumericID(0),
			Partition: protocol.SomePartition(0), Strategy: protocol.PollingStrategy{Kind: protocol.PollFirst}, Count: 10}
		st, body, err := c.call(uint32(protocol.CodePollMessages), poll.AppendTo(nil))
		if err != nil || st != 0 {
			t.Fatalf("poll: %d %v", st, err)
		}
		got, err := protocol.DecodePolledMessages(body)
		if err != nil || len(got.Messages) != 3 {
			t.Fatalf("polled %d messages (%v)", len(got.Messages), err)
		}
		t.Logf("stream %s: connection on shard %d before, %d after", stream, before, after)
	}
	// Whatever shard each connection started on, each ends on its topic's owner,
	// so the two (on different shards' topics) end on different shards.
	c0, c1 := dialRaw(t, s.Addr), dialRaw(t, s.Addr)
	var owners []int
	for i, c := range []*rawConn{c0, c1} {
		c.call(uint32(protocol.CodeLoginUser), login)
		stream := []string{"m0", "m1"}[i]
		send := protocol.AppendSendMessages(nil, protocol.NamedID(stream), protocol.NumericID(0), protocol.PartitionByID(0), msgs)
		if st, _, _ := c.call(uint32(protocol.CodeSendMessages), send); st != 0 {
			t.Fatalf("send: %d", st)
		}
		owners = append(owners, s.ownerShard(t, c))
	}
	if owners[0] == owners[1] {
		t.Fatalf("connections sending to topics on different shards both ended on shard %d", owners[0])
	}
	s.Stop()
}
