// SPDX-License-Identifier: Apache-2.0

package itest

import (
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	iggcon "github.com/apache/iggy/foreign/go/contracts"

	"riffle/internal/protocol"
	"riffle/internal/testutil"
)

// Cross-shard behaviour seen through the official SDK: one connection
// sending to and polling from partitions owned by both shards, and a
// consumer group whose members are served by different shards.

func TestCrossShardCommands(t *testing.T) {
	s := Start(t, Options{Shards: 2})
	pids := s.ShardPIDs()

	t.Run("one connection sends to and polls from partitions on both shards", func(t *testing.T) {
		covers(t, protocol.CodeSendMessages, protocol.CodePollMessages, protocol.CodeGetTopic)
		c := s.sdkTracked(t, "iggy", "iggy")
		stream := newStream(t, c, "spread")
		_, err := c.CreateTopic(id(t, stream), "t", 4, iggcon.CompressionAlgorithmNone, 0, 0, nil)
		must(t, err, "create topic")

		// A partition's files are opened by its owner on first use: send to
		// one partition at a time and see which shard opened a new directory.
		owner := map[uint32]int{}
		open := make([]map[string]bool, len(pids))
		for i, pid := range pids {
			open[i] = openPartitionDirs(t, pid, s.Dir)
		}
		for p := uint32(0); p < 4; p++ {
			must(t, c.SendMessages(id(t, stream), id(t, "t"), iggcon.PartitionId(p), textMessages(t, numbered(fmt.Sprintf("p%d", p), 5)...)), "send")
			testutil.Eventually(t, 5*time.Second, func() error {
				var grew []int
				for i, pid := range pids {
					now := openPartitionDirs(t, pid, s.Dir)
					if len(now) > len(open[i]) {
						grew = append(grew, i)
					}
				}
				if len(grew) != 1 {
					return fmt.Errorf("after sending to partition %d, shards %v opened a partition directory, want one", p, grew)
				}
				owner[p] = grew[0]
				return nil
			})
			for i, pid := range pids {
				open[i] = openPartitionDirs(t, pid, s.Dir)
			}
		}
		perShard := map[int]int{}
		for _, sh := range owner {
			perShard[sh]++
		}
		// Placement puts each partition on the shard with the fewest.
		if perShard[0] != 2 || perShard[1] != 2 {
			t.Fatalf("partition owners %v (connection on shard %d), want two partitions on each shard", owner, c.shard)
		}
		for p := uint32(0); p < 4; p++ {
			polled, err := c.PollMessages(id(t, stream), id(t, "t"), iggcon.DefaultConsumer(), iggcon.FirstPollingStrategy(), 10, false, ptrU32(p))
			must(t, err, "poll")
			if got, want := payloads(polled), numbered(fmt.Sprintf("p%d", p), 5); !slices.Equal(got, want) || polled.PartitionId != p {
				t.Fatalf("partition %d (shard %d) polled from shard %d: %q, want %q", p, owner[p], c.shard, got, want)
			}
		}
		td, err := c.GetTopic(id(t, stream), id(t, "t"))
		must(t, err, "get topic")
		for _, p := range td.Partitions {
			if p.MessagesCount != 5 || p.CurrentOffset != 4 {
				t.Fatalf("partition %d on shard %d: %+v", p.Id, owner[p.Id], p)
			}
		}
	})

	t.Run("a consumer group with members on both shards consumes each message once", func(t *testing.T) {
		covers(t, protocol.CodeJoinConsumerGroup, protocol.CodeLeaveConsumerGroup, protocol.CodePollMessages, protocol.CodeGetConsumerGroup)
		members := s.sdkOnEachShard(t, "iggy", "iggy")
		a, b := members[0], members[1]
		producer := s.sdkClient(t)
		stream := newStream(t, producer, "group-spread")
		_, err := producer.CreateTopic(id(t, stream), "t", 4, iggcon.CompressionAlgorithmNone, 0, 0, nil)
		must(t, err, "create topic")
		g, err := producer.CreateConsumerGroup(id(t, stream), id(t, "t"), "workers")
		must(t, err, "create group")
		gid := id(t, g.Id)
		must(t, a.JoinConsumerGroup(id(t, stream), id(t, "t"), gid), "join on shard 0")
		must(t, b.JoinConsumerGroup(id(t, stream), id(t, "t"), gid), "join on shard 1")
		// split checks the group's two members share the four partitions;
		// a join moves one partition to the idle newcomer (Iggy 0.8
		// revokes one partition per idle member), so the split is 3 + 1.
		split := func() [][]uint32 {
			t.Helper()
			var got [][]uint32
			testutil.Eventually(t, 10*time.Second, func() error {
				got = assignment(t, producer, stream, "t", gid)
				if len(got) != 2 || len(got[0]) == 0 || len(got[1]) == 0 ||
					!slices.Equal(slices.Sorted(slices.Values(append(slices.Clone(got[0]), got[1]...))), []uint32{0, 1, 2, 3}) {
					return fmt.Errorf("assignment %v, want the 4 partitions shared by 2 members", got)
				}
				return nil
			})
			return got
		}
		got := split()
		owns := map[*sdkConn][]uint32{a: got[0], b: got[1]}

		send := func(round string) map[string]bool {
			t.Helper()
			want := map[string]bool{}
			for p := uint32(0); p < 4; p++ {
				text := numbered(fmt.Sprintf("%s-p%d", round, p), 10)
				must(t, producer.SendMessages(id(t, stream), id(t, "t"), iggcon.PartitionId(p), textMessages(t, text...)), "send")
				for _, m := range text {
					want[m] = true
				}
			}
			return want
		}
		// consume polls next with auto-commit on each member until a whole
		// round of polls brings nothing, and counts what each received.
		consume := func(cs ...*sdkConn) map[string]int {
			t.Helper()
			seen := map[string]int{}
			got := map[*sdkConn]int{}
			defer func() {
				for _, c := range cs {
					if got[c] == 0 && len(seen) > 0 {
						t.Fatalf("the member on shard %d consumed nothing of %d messages", c.shard, len(seen))
					}
				}
			}()
			for idle := 0; idle < 2; {
				idle++
				for _, c := range cs {
					for range 4 { // at least one poll per partition of the member
						polled, err := c.PollMessages(id(t, stream), id(t, "t"), iggcon.NewGroupConsumer(gid), iggcon.NextPollingStrategy(), 3, true, nil)
						must(t, err, "group poll")
						if len(polled.Messages) == 0 {
							continue
						}
						idle = 0
						if o := owns[c]; !slices.Contains(o, polled.PartitionId) {
							t.Fatalf("member on shard %d polled partition %d; it owns %v", c.shard, polled.PartitionId, o)
						}
						got[c] += len(polled.Messages)
						for _, m := range polled.Messages {
							seen[string(m.Payload)]++
						}
					}
				}
			}
			return seen
		}
		check := func(seen map[string]int, want map[string]bool) {
			t.Helper()
			for m, n := range seen {
				if n != 1 || !want[m] {
					t.Fatalf("%q consumed %d times (sent in this round: %v)", m, n, want[m])
				}
			}
			if len(seen) != len(want) {
				t.Fatalf("consumed %d of %d messages", len(seen), len(want))
			}
		}
		want := send("first")
		check(consume(a, b), want)

		// One member leaves: the other gets every partition and carries on
		// from the group's committed offsets.
		must(t, a.LeaveConsumerGroup(id(t, stream), id(t, "t"), gid), "leave")
		eventuallyAssigned(t, producer, stream, "t", gid, [][]uint32{{0, 1, 2, 3}})
		owns[b] = []uint32{0, 1, 2, 3}
		want = send("second")
		check(consume(b), want)

		// A member whose connection closes leaves as well.
		must(t, a.JoinConsumerGroup(id(t, stream), id(t, "t"), gid), "join again")
		// Everything polled was committed, so the revocation completes at once.
		got = split()
		owns[b], owns[a] = got[0], got[1] // join order
		want = send("third")
		check(consume(a, b), want)
		must(t, a.Close(), "close the member on shard 0")
		eventuallyAssigned(t, producer, stream, "t", gid, [][]uint32{{0, 1, 2, 3}})
		owns[b] = []uint32{0, 1, 2, 3}
		want = send("fourth")
		check(consume(b), want)

		// Nothing is left for anyone.
		if rest := consume(b); len(rest) != 0 {
			t.Fatalf("consumed again: %v", slices.Collect(maps.Keys(rest)))
		}
	})
}
