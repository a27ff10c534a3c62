// SPDX-License-Identifier: Apache-2.0

package metadata_test

import (
	"math/rand/v2"
	"slices"
	"testing"

	"riffle/internal/metadata"
)

// groupHarness drives consumer group g1 of topic t1 (stream s1).
type groupHarness struct {
	t   *testing.T
	st  *metadata.State
	env metadata.Env
}

func newGroupHarness(t *testing.T) *groupHarness {
	return &groupHarness{t: t, st: fixture(t), env: testEnv()}
}

func (h *groupHarness) do(cmd metadata.Command) metadata.Result {
	h.t.Helper()
	return mustCommit(h.t, h.st, 0, cmd, h.env)
}

func (h *groupHarness) join(client uint32) uint32 {
	h.t.Helper()
	return h.do(metadata.JoinConsumerGroup{Stream: s1, Topic: t1, Group: g1, ClientID: client, Shard: client % 2}).MemberID
}

func (h *groupHarness) leave(client uint32) {
	h.t.Helper()
	h.do(metadata.LeaveConsumerGroup{Stream: s1, Topic: t1, Group: g1, ClientID: client})
}

func (h *groupHarness) polled(p uint32, off uint64) {
	h.t.Helper()
	h.do(metadata.GroupPolled{Stream: 0, Topic: 0, Group: 0, Partition: p, Offset: off})
}

func (h *groupHarness) committed(p uint32, off uint64) {
	h.t.Helper()
	h.do(metadata.GroupCommitted{Stream: 0, Topic: 0, Group: 0, Partition: p, Offset: off})
}

// want checks each client's partitions (nil = not a member).
func (h *groupHarness) want(assign map[uint32][]uint32) {
	h.t.Helper()
	for client, want := range assign {
		got, ok := h.st.MemberPartitions(0, 0, 0, client)
		if want == nil {
			if ok {
				h.t.Fatalf("client %d is still a member with %v", client, got)
			}
			continue
		}
		if !ok {
			h.t.Fatalf("client %d is not a member", client)
		}
		if !slices.Equal(got, want) && !(len(got) == 0 && len(want) == 0) {
			h.t.Fatalf("client %d owns %v, want %v", client, got, want)
		}
	}
}

func TestJoinRebalancesCooperativelyInJoinOrder(t *testing.T) {
	h := newGroupHarness(t)
	if id := h.join(10); id != 0 {
		t.Fatalf("first member id %d, want 0", id)
	}
	h.want(map[uint32][]uint32{10: {0, 1, 2}})
	if id := h.join(20); id != 1 {
		t.Fatalf("second member id %d, want 1", id)
	}
	// Never-polled partition 2 moves at once.
	h.want(map[uint32][]uint32{10: {0, 1}, 20: {2}})
	h.join(30)
	h.want(map[uint32][]uint32{10: {0}, 20: {2}, 30: {1}})
	// A fourth member stays idle: nothing is over fair share.
	h.join(40)
	h.want(map[uint32][]uint32{10: {0}, 20: {2}, 30: {1}, 40: {}})
	if id := h.join(10); id != 0 {
		t.Fatalf("re-join returned member id %d, want 0", id)
	}
}

func TestRevocationWaitsForCommitOfPolledOffset(t *testing.T) {
	h := newGroupHarness(t)
	h.join(10)
	h.polled(2, 10)
	h.join(20)
	h.want(map[uint32][]uint32{10: {0, 1, 2}, 20: {}})
	pend, _ := h.st.PendingRevocations(0, 0, 0, 10)
	if len(pend) != 1 || pend[0].Partition != 2 || pend[0].Target != 1 || pend[0].CreatedAt != testNow {
		t.Fatalf("pending = %+v, want partition 2 to member 1 at now", pend)
	}
	if act, _ := h.st.ActivePartitions(0, 0, 0, 10); !slices.Equal(act, []uint32{0, 1}) {
		t.Fatalf("active partitions = %v, want [0 1]", act)
	}
	h.committed(2, 9)
	h.want(map[uint32][]uint32{10: {0, 1, 2}, 20: {}})
	h.committed(1, 100) // another partition: no effect on the revocation
	h.want(map[uint32][]uint32{10: {0, 1, 2}, 20: {}})
	h.committed(2, 10)
	h.want(map[uint32][]uint32{10: {0, 1}, 20: {2}})
	if pend, _ := h.st.PendingRevocations(0, 0, 0, 10); len(pend) != 0 {
		t.Fatalf("pending after completion = %+v", pend)
	}
}

func TestRevocationCompletesAtJoinWhenAlreadyCommitted(t *testing.T) {
	h := newGroupHarness(t)
	h.join(10)
	h.polled(2, 5)
	h.committed(2, 5)
	h.join(20)
	h.want(map[uint32][]uint32{10: {0, 1}, 20: {2}})
}

func TestRevocationTimesOut(t *testing.T) {
	h := newGroupHarness(t)
	h.join(10)
	h.polled(2, 10)
	h.join(20)
	timeout := uint64(30_000_000)
	h.env.Now = testNow + timeout - 1
	e, _, err := metadata.Prepare(h.st, 0, metadata.ExpireRevocations{Timeout: timeout}, h.env)
	if err != nil || !e.Empty() {
		t.Fatalf("before the timeout: entry kind %d, err %v; want empty", e.Kind, err)
	}
	h.env.Now = testNow + timeout
	h.do(metadata.ExpireRevocations{Timeout: timeout})
	h.want(map[uint32][]uint32{10: {0, 1}, 20: {2}})
}

func TestLeaveReassignsRoundRobin(t *testing.T) {
	h := newGroupHarness(t)
	h.join(10)
	h.join(20)
	h.join(30)
	h.leave(20)
	h.want(map[uint32][]uint32{10: {0, 2}, 20: nil, 30: {1}})
	if id := h.join(40); id != 3 {
		t.Fatalf("member id after leave = %d, want 3 (highest + 1)", id)
	}
	h.leave(10)
	h.leave(30)
	h.leave(40)
	if g := h.st.Group(0, 0, 0); len(g.Members) != 0 {
		t.Fatalf("members after everyone left: %+v", g.Members)
	}
	if id := h.join(50); id != 0 {
		t.Fatalf("member id in an empty group = %d, want 0", id)
	}
}

func TestLeaveDropsPendingRevocations(t *testing.T) {
	h := newGroupHarness(t)
	h.join(10)
	h.polled(1, 10)
	h.polled(2, 10)
	h.join(20)
	h.join(30) // 10 owns 0 1 2 with 2 pending to 20 and 1 pending to 30
	if pend, _ := h.st.PendingRevocations(0, 0, 0, 10); len(pend) != 2 {
		t.Fatalf("pending = %+v, want two", pend)
	}
	h.leave(30)
	h.want(map[uint32][]uint32{10: {0, 2}, 20: {1}})
	if pend, _ := h.st.PendingRevocations(0, 0, 0, 10); len(pend) != 0 {
		t.Fatalf("pending after leave = %+v", pend)
	}
}

func TestPartitionCountChangeReassignsRoundRobin(t *testing.T) {
	h := newGroupHarness(t)
	h.join(10)
	h.join(20)
	h.polled(0, 3)
	h.do(metadata.CreatePartitions{Stream: s1, Topic: t1, Count: 2})
	h.want(map[uint32][]uint32{10: {0, 2, 4}, 20: {1, 3}})
	if g := h.st.Group(0, 0, 0); g.Progress != nil {
		t.Fatalf("polled offsets survived the partition change: %+v", g.Progress)
	}
	h.do(metadata.DeletePartitions{Stream: s1, Topic: t1, Count: 4})
	h.want(map[uint32][]uint32{10: {0}, 20: {}})
	h.do(metadata.DeletePartitions{Stream: s1, Topic: t1, Count: 1})
	h.want(map[uint32][]uint32{10: {}, 20: {}})
}

func TestClientGoneAndShardFailedDropMemberships(t *testing.T) {
	h := newGroupHarness(t)
	h.do(metadata.CreateConsumerGroup{Stream: s1, Topic: t1, Name: "g2"})
	h.join(10) // shard 0
	h.join(11) // shard 1
	h.join(12) // shard 0
	h.do(metadata.JoinConsumerGroup{Stream: s1, Topic: t1, Group: metadata.NamedID("g2"), ClientID: 11, Shard: 1})
	if got := h.st.ClientGroups(11); len(got) != 2 {
		t.Fatalf("client 11 groups = %v, want two", got)
	}
	h.do(metadata.ClientGone{ClientID: 11})
	h.want(map[uint32][]uint32{10: {0, 2}, 11: nil, 12: {1}})
	if got := h.st.ClientGroups(11); len(got) != 0 {
		t.Fatalf("client 11 still in %v", got)
	}
	h.do(metadata.ShardFailed{Shard: 0})
	h.want(map[uint32][]uint32{10: nil, 12: nil})
	if g := h.st.Group(0, 0, 0); len(g.Members) != 0 {
		t.Fatalf("members left: %+v", g.Members)
	}
}

func TestJoinTopicWithoutPartitions(t *testing.T) {
	h := newGroupHarness(t)
	h.do(metadata.CreateConsumerGroup{Stream: s1, Topic: t2, Name: "empty"})
	h.do(metadata.JoinConsumerGroup{Stream: s1, Topic: t2, Group: metadata.NamedID("empty"), ClientID: 1})
	if got, ok := h.st.MemberPartitions(0, 1, 0, 1); !ok || len(got) != 0 {
		t.Fatalf("partitions = %v %v, want none", got, ok)
	}
}

// TestGroupAssignmentInvariants runs random joins, leaves, polls, commits,
// timeouts and partition changes and checks after each step that every
// partition has exactly one owner when the group has members, that pending
// revocations name a partition their member owns and a live target, and that
// members stay in join order.
func TestGroupAssignmentInvariants(t *testing.T) {
	seed := rand.Uint64()
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(seed, 7))
	h := newGroupHarness(t)
	clients := []uint32{1, 2, 3, 4, 5}
	for step := range 400 {
		h.env.Now += uint64(r.IntN(10_000_000))
		c := clients[r.IntN(len(clients))]
		member := h.st.Member(0, 0, 0, c) != nil
		nparts := uint32(len(h.st.Topic(0, 0).Partitions))
		switch r.IntN(8) {
		case 0, 1:
			h.join(c)
		case 2:
			if member {
				h.leave(c)
			}
		case 3:
			if nparts > 0 {
				h.polled(r.Uint32N(nparts), uint64(r.IntN(100)))
			}
		case 4:
			if nparts > 0 {
				h.committed(r.Uint32N(nparts), uint64(r.IntN(100)))
			}
		case 5:
			h.do(metadata.ExpireRevocations{Timeout: 30_000_000})
		case 6:
			if nparts < 12 {
				h.do(metadata.CreatePartitions{Stream: s1, Topic: t1, Count: 1 + r.Uint32N(3)})
			}
		case 7:
			if nparts > 0 {
				h.do(metadata.DeletePartitions{Stream: s1, Topic: t1, Count: 1})
			}
		}
		checkGroup(t, step, h.st.Group(0, 0, 0), uint32(len(h.st.Topic(0, 0).Partitions)))
	}
}

func checkGroup(t *testing.T, step int, g *metadata.Group, n uint32) {
	t.Helper()
	owners := make(map[uint32]int)
	ids := make(map[uint32]*metadata.Member)
	for i, m := range g.Members {
		if i > 0 && g.Members[i-1].ID >= m.ID {
			t.Fatalf("step %d: members not in join order: %d before %d", step, g.Members[i-1].ID, m.ID)
		}
		ids[m.ID] = m
		for _, p := range m.Partitions {
			if p >= n {
				t.Fatalf("step %d: member %d owns partition %d of %d", step, m.ID, p, n)
			}
			owners[p]++
		}
	}
	if len(g.Members) > 0 {
		for p := range n {
			if owners[p] != 1 {
				t.Fatalf("step %d: partition %d has %d owners: %+v", step, p, owners[p], g.Members)
			}
		}
	}
	for _, m := range g.Members {
		for _, r := range m.Pending {
			target := ids[r.Target]
			if target == nil || !slices.Contains(m.Partitions, r.Partition) {
				t.Fatalf("step %d: bad revocation %+v of member %d", step, r, m.ID)
			}
		}
	}
}
