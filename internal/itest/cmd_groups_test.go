// SPDX-License-Identifier: Apache-2.0

package itest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	iggcon "github.com/apache/iggy/foreign/go/contracts"
	ierror "github.com/apache/iggy/foreign/go/errors"

	"riffle/internal/protocol"
	"riffle/internal/testutil"
)

// Consumer groups: GetConsumerGroup (600), GetConsumerGroups (601),
// CreateConsumerGroup (602), DeleteConsumerGroup (603), JoinConsumerGroup
// (604), LeaveConsumerGroup (605).

// assignment returns the partitions of each member of a group, in join order.
func assignment(t testing.TB, c iggcon.Client, stream, topic string, group iggcon.Identifier) [][]uint32 {
	t.Helper()
	gd, err := c.GetConsumerGroup(id(t, stream), id(t, topic), group)
	must(t, err, "get consumer group")
	if int(gd.MembersCount) != len(gd.Members) {
		t.Fatalf("members_count %d with %d members listed", gd.MembersCount, len(gd.Members))
	}
	out := make([][]uint32, len(gd.Members))
	for i, m := range gd.Members {
		if int(m.PartitionsCount) != len(m.Partitions) {
			t.Fatalf("member %d: partitions_count %d with %d listed", m.ID, m.PartitionsCount, len(m.Partitions))
		}
		out[i] = slices.Sorted(slices.Values(m.Partitions))
	}
	return out
}

// eventuallyAssigned polls until the group's assignment is want.
func eventuallyAssigned(t testing.TB, c iggcon.Client, stream, topic string, group iggcon.Identifier, want [][]uint32) {
	t.Helper()
	testutil.Eventually(t, 10*time.Second, func() error {
		if got := assignment(t, c, stream, topic, group); !slices.EqualFunc(got, want, slices.Equal) {
			return fmt.Errorf("assignment %v, want %v", got, want)
		}
		return nil
	})
}

func TestConsumerGroupCommands(t *testing.T) {
	s := Start(t, Options{Shards: 2})
	root := s.sdkClient(t)

	t.Run("create, get, list, delete", func(t *testing.T) {
		covers(t, protocol.CodeCreateConsumerGroup, protocol.CodeGetConsumerGroup, protocol.CodeGetConsumerGroups, protocol.CodeDeleteConsumerGroup)
		stream := newStream(t, root, "groups")
		_, err := root.CreateTopic(id(t, stream), "t", 3, iggcon.CompressionAlgorithmNone, 0, 0, nil)
		must(t, err, "create topic")
		created, err := root.CreateConsumerGroup(id(t, stream), id(t, "t"), "workers")
		must(t, err, "create group")
		want := iggcon.ConsumerGroup{Id: 0, Name: "workers", PartitionsCount: 3, MembersCount: 0}
		if created.ConsumerGroup != want || len(created.Members) != 0 {
			t.Fatalf("created %+v, want %+v", created, want)
		}
		byID, err := root.GetConsumerGroup(id(t, stream), id(t, "t"), id(t, created.Id))
		must(t, err, "get group by id")
		byName, err := root.GetConsumerGroup(id(t, stream), id(t, uint32(0)), id(t, "workers"))
		must(t, err, "get group by name")
		if byID.ConsumerGroup != want || byName.ConsumerGroup != want {
			t.Fatalf("by id %+v, by name %+v, want %+v", byID.ConsumerGroup, byName.ConsumerGroup, want)
		}
		second, err := root.CreateConsumerGroup(id(t, stream), id(t, "t"), "auditors")
		must(t, err, "create group")
		list, err := root.GetConsumerGroups(id(t, stream), id(t, "t"))
		must(t, err, "list groups")
		if len(list) != 2 || list[0] != want || list[1] != second.ConsumerGroup || second.Id != 1 {
			t.Fatalf("list %+v, want [%+v %+v]", list, want, second.ConsumerGroup)
		}

		_, err = root.CreateConsumerGroup(id(t, stream), id(t, "t"), "workers")
		wantStatus(t, err, protocol.StatusConsumerGroupNameAlreadyExists)
		// The same name on another topic is another group.
		_, err = root.CreateTopic(id(t, stream), "u", 1, iggcon.CompressionAlgorithmNone, 0, 0, nil)
		must(t, err, "create topic")
		_, err = root.CreateConsumerGroup(id(t, stream), id(t, "u"), "workers")
		must(t, err, "create a group named as one of another topic")

		must(t, root.DeleteConsumerGroup(id(t, stream), id(t, "t"), id(t, "workers")), "delete group")
		_, err = root.GetConsumerGroup(id(t, stream), id(t, "t"), id(t, created.Id))
		wantNotFound(t, err, ierror.ErrConsumerGroupIdNotFound)
		wantStatus(t, root.DeleteConsumerGroup(id(t, stream), id(t, "t"), id(t, created.Id)), protocol.StatusConsumerGroupIDNotFound)
		// The freed id 0 is reused.
		again, err := root.CreateConsumerGroup(id(t, stream), id(t, "t"), "again")
		must(t, err, "create group")
		if again.Id != 0 {
			t.Fatalf("new group got id %d, want the freed 0", again.Id)
		}
		_, err = root.CreateConsumerGroup(id(t, stream), id(t, "missing"), "g")
		wantStatus(t, err, protocol.StatusTopicIDNotFound)
		raw := s.cmdLogin(t, "iggy", "iggy")
		raw.want(&protocol.GetConsumerGroups{Stream: protocol.NamedID(stream), Topic: protocol.NamedID("missing")}, protocol.StatusOK) // empty OK
		raw.want(&protocol.GetConsumerGroup{Stream: protocol.NamedID(stream), Topic: protocol.NamedID("t"), Group: protocol.NamedID("missing")}, protocol.StatusOK)
	})

	t.Run("join and leave rebalance the partitions", func(t *testing.T) {
		covers(t, protocol.CodeJoinConsumerGroup, protocol.CodeLeaveConsumerGroup, protocol.CodeGetConsumerGroup, protocol.CodeCreatePartitions)
		stream := newStream(t, root, "rebalance")
		_, err := root.CreateTopic(id(t, stream), "t", 3, iggcon.CompressionAlgorithmNone, 0, 0, nil)
		must(t, err, "create topic")
		g, err := root.CreateConsumerGroup(id(t, stream), id(t, "t"), "g")
		must(t, err, "create group")
		gid := id(t, g.Id)
		a, b := s.sdkClient(t), s.sdkClient(t)

		wantStatus(t, a.LeaveConsumerGroup(id(t, stream), id(t, "t"), gid), protocol.StatusConsumerGroupMemberNotFound)
		must(t, a.JoinConsumerGroup(id(t, stream), id(t, "t"), gid), "a joins")
		eventuallyAssigned(t, root, stream, "t", gid, [][]uint32{{0, 1, 2}})
		must(t, b.JoinConsumerGroup(id(t, stream), id(t, "t"), id(t, "g")), "b joins by name")
		got := assignment(t, root, stream, "t", gid)
		if len(got) != 2 || len(got[0])+len(got[1]) != 3 || len(got[1]) == 0 {
			t.Fatalf("after b joins a group nobody polled: %v", got)
		}
		all := slices.Sorted(slices.Values(append(slices.Clone(got[0]), got[1]...)))
		if !slices.Equal(all, []uint32{0, 1, 2}) {
			t.Fatalf("partitions %v are not split between the members", got)
		}
		list, err := root.GetConsumerGroups(id(t, stream), id(t, "t"))
		must(t, err, "list groups")
		if len(list) != 1 || list[0].MembersCount != 2 {
			t.Fatalf("list %+v", list)
		}

		// More partitions: the members share them all.
		must(t, root.CreatePartitions(id(t, stream), id(t, "t"), 3), "create partitions")
		testutil.Eventually(t, 10*time.Second, func() error {
			got := assignment(t, root, stream, "t", gid)
			all := slices.Sorted(slices.Values(append(slices.Clone(got[0]), got[1]...)))
			if len(got[0]) != 3 || len(got[1]) != 3 || !slices.Equal(all, []uint32{0, 1, 2, 3, 4, 5}) {
				return fmt.Errorf("assignment %v after growing to 6 partitions", got)
			}
			return nil
		})

		must(t, a.LeaveConsumerGroup(id(t, stream), id(t, "t"), gid), "a leaves")
		eventuallyAssigned(t, root, stream, "t", gid, [][]uint32{{0, 1, 2, 3, 4, 5}})
		wantStatus(t, a.LeaveConsumerGroup(id(t, stream), id(t, "t"), gid), protocol.StatusConsumerGroupMemberNotFound)
		must(t, b.LeaveConsumerGroup(id(t, stream), id(t, "t"), gid), "b leaves")
		eventuallyAssigned(t, root, stream, "t", gid, [][]uint32{})

		wantStatus(t, a.JoinConsumerGroup(id(t, stream), id(t, "t"), id(t, "missing")), protocol.StatusConsumerGroupIDNotFound)
		wantStatus(t, a.JoinConsumerGroup(id(t, stream), id(t, "missing"), gid), protocol.StatusTopicIDNotFound)
		wantStatus(t, a.LeaveConsumerGroup(id(t, stream), id(t, "t"), id(t, uint32(9))), protocol.StatusConsumerGroupIDNotFound)
	})

	t.Run("deleting a group drops its members", func(t *testing.T) {
		covers(t, protocol.CodeDeleteConsumerGroup, protocol.CodeJoinConsumerGroup)
		stream := newStream(t, root, "drop")
		_, err := root.CreateTopic(id(t, stream), "t", 2, iggcon.CompressionAlgorithmNone, 0, 0, nil)
		must(t, err, "create topic")
		_, err = root.CreateConsumerGroup(id(t, stream), id(t, "t"), "g")
		must(t, err, "create group")
		member := s.cmdLogin(t, "iggy", "iggy")
		member.ok(&protocol.JoinConsumerGroup{Stream: protocol.NamedID(stream), Topic: protocol.NamedID("t"), Group: protocol.NamedID("g")})
		must(t, root.DeleteConsumerGroup(id(t, stream), id(t, "t"), id(t, "g")), "delete group with a member")
		var d protocol.ClientDetails
		must(t, d.Decode(member.ok(&protocol.GetMe{})), "decode GetMe")
		if len(d.Groups) != 0 {
			t.Fatalf("the member of a deleted group still lists %+v", d.Groups)
		}
		// A new group with the same name starts without members.
		_, err = root.CreateConsumerGroup(id(t, stream), id(t, "t"), "g")
		must(t, err, "create group again")
		if got := assignment(t, root, stream, "t", id(t, "g")); len(got) != 0 {
			t.Fatalf("re-created group has members %v", got)
		}
	})
}
