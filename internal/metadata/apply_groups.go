// SPDX-License-Identifier: Apache-2.0

package metadata

import "slices"

// applyEphemeral applies the consumer-group membership and progress kinds.
func (st *State) applyEphemeral(e *Entry) error {
	switch e.Kind {
	case EntryJoinGroup:
		return st.applyJoin(e.JoinGroup, e.At)
	case EntryLeaveGroup:
		op := e.LeaveGroup
		g, n := st.groupAndCount(op.Stream, op.Topic, op.Group)
		if g == nil || g.member(op.ClientID) == nil {
			return invalid("leave group %d: client %d", op.Group, op.ClientID)
		}
		g.removeMembers(n, func(m *Member) bool { return m.ClientID == op.ClientID })
		return nil
	case EntryClientGone:
		st.eachGroupWithCount(func(g *Group, n uint32) {
			g.removeMembers(n, func(m *Member) bool { return m.ClientID == e.ClientGone.ClientID })
		})
		return nil
	case EntryShardFailed:
		st.eachGroupWithCount(func(g *Group, n uint32) {
			g.removeMembers(n, func(m *Member) bool { return m.Shard == e.ShardFailed.Shard })
		})
		return nil
	case EntryGroupPolled:
		op := e.GroupPolled
		g, n := st.groupAndCount(op.Stream, op.Topic, op.Group)
		if g == nil || op.Partition >= n {
			return invalid("record poll of group %d partition %d", op.Group, op.Partition)
		}
		pr := g.progressFor(op.Partition)
		pr.Polled, pr.HasPolled = op.Offset, true
		return nil
	case EntryGroupCommitted:
		op := e.GroupCommitted
		g, n := st.groupAndCount(op.Stream, op.Topic, op.Group)
		if g == nil || op.Partition >= n {
			return invalid("record commit of group %d partition %d", op.Group, op.Partition)
		}
		pr := g.progressFor(op.Partition)
		pr.Committed, pr.HasCommitted = op.Offset, true
		g.completeRevocable(int64(op.Partition), n)
		return nil
	case EntryCompleteRevocations:
		for _, r := range e.CompleteRevocations.Items {
			g, n := st.groupAndCount(r.Stream, r.Topic, r.Group)
			if g == nil {
				continue
			}
			if m := g.memberByID(r.Member); m != nil {
				g.completeRevocation(m, r.Partition, n)
			}
		}
		return nil
	}
	return invalid("unknown entry kind %d", e.Kind)
}

func (st *State) groupAndCount(s, t, g uint32) (*Group, uint32) {
	top := st.Topic(s, t)
	if top == nil {
		return nil, 0
	}
	return slot(top.Groups, g), uint32(len(top.Partitions))
}

func (st *State) eachGroupWithCount(f func(*Group, uint32)) {
	st.eachGroup(func(_ *Stream, t *Topic, g *Group) { f(g, uint32(len(t.Partitions))) })
}

// applyJoin adds the member, rebalances cooperatively, then completes at
// once the revocations whose partitions were never polled or are committed.
func (st *State) applyJoin(op *JoinGroupOp, at uint64) error {
	g, n := st.groupAndCount(op.Stream, op.Topic, op.Group)
	if g == nil || g.member(op.ClientID) != nil || g.memberByID(op.MemberID) != nil {
		return invalid("join group %d: client %d member %d", op.Group, op.ClientID, op.MemberID)
	}
	m := &Member{ID: op.MemberID, ClientID: op.ClientID, Shard: op.Shard}
	i, _ := slices.BinarySearchFunc(g.Members, m.ID, func(x *Member, id uint32) int { return compareU64(uint64(x.ID), uint64(id)) })
	g.Members = slices.Insert(g.Members, i, m)
	g.rebalanceCooperative(n, at)
	g.completeRevocable(-1, n)
	return nil
}
