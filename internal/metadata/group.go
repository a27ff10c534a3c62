// SPDX-License-Identifier: Apache-2.0

package metadata

import "slices"

// Consumer-group assignment, after Iggy 0.8.0 (core/server/src/metadata/
// consumer_group.rs), restated:
//
//   - join: cooperative rebalance. Partitions nobody owns go round-robin to
//     members that own none. Then, with fair = n / members and the first
//     n % members over-fair members allowed one more, each member (in join
//     order) above its allowance marks its excess partitions, taken from the
//     end of its list, as pending revocation towards a member that owns
//     nothing and is not already a revocation target. The partition stays
//     with its owner until the revocation completes.
//   - a revocation completes when the group never polled the partition, or
//     committed at least what it last polled; or when it times out. The
//     partition then moves to the target.
//   - leave, client gone, shard failed, partition count change: full
//     round-robin reassignment, partition i → member i mod members (in join
//     order); pending revocations are dropped.
//
// Members are kept in join order, which is ascending member id (a new member
// gets the highest id + 1).

func (g *Group) nextMemberID() uint32 {
	if len(g.Members) == 0 {
		return 0
	}
	return g.Members[len(g.Members)-1].ID + 1
}

func (g *Group) memberByID(id uint32) *Member {
	for _, m := range g.Members {
		if m.ID == id {
			return m
		}
	}
	return nil
}

func (g *Group) progress(p uint32) *Progress {
	for i := range g.Progress {
		if g.Progress[i].Partition == p {
			return &g.Progress[i]
		}
	}
	return nil
}

// progressFor returns the progress record of p, creating it in order.
func (g *Group) progressFor(p uint32) *Progress {
	i, found := slices.BinarySearchFunc(g.Progress, p, func(x Progress, p uint32) int { return compareU64(uint64(x.Partition), uint64(p)) })
	if !found {
		g.Progress = slices.Insert(g.Progress, i, Progress{Partition: p})
	}
	return &g.Progress[i]
}

// forgetPolled clears what the group last polled from partitions ps.
func (g *Group) forgetPolled(ps []uint32) {
	for _, p := range ps {
		if pr := g.progress(p); pr != nil {
			pr.Polled, pr.HasPolled = 0, false
		}
	}
	g.compactProgress()
}

func (g *Group) compactProgress() {
	g.Progress = slices.DeleteFunc(g.Progress, func(p Progress) bool { return !p.HasPolled && !p.HasCommitted })
	if len(g.Progress) == 0 {
		g.Progress = nil
	}
}

// revocable reports whether a revocation of p may complete now.
func (g *Group) revocable(p uint32) bool {
	pr := g.progress(p)
	if pr == nil || !pr.HasPolled {
		return true
	}
	return pr.HasCommitted && pr.Committed >= pr.Polled
}

// rebalanceFull assigns partitions 0..n-1 round-robin over the members and
// drops every pending revocation. With no partitions every member owns none.
func (g *Group) rebalanceFull(n uint32) {
	for _, m := range g.Members {
		m.Partitions, m.Pending = nil, nil
	}
	if len(g.Members) == 0 {
		return
	}
	for p := range n {
		m := g.Members[int(p)%len(g.Members)]
		m.Partitions = append(m.Partitions, p)
	}
}

// rebalanceCooperative is the join-time rebalance; now stamps new revocations.
func (g *Group) rebalanceCooperative(n uint32, now uint64) {
	if len(g.Members) == 0 || n == 0 {
		return
	}
	owned := make(map[uint32]bool)
	for _, m := range g.Members {
		for _, p := range m.Partitions {
			owned[p] = true
		}
	}
	var idle []*Member
	for _, m := range g.Members {
		if len(m.Partitions) == 0 {
			idle = append(idle, m)
		}
	}
	if len(idle) > 0 {
		i := 0
		for p := range n {
			if owned[p] {
				continue
			}
			m := idle[i%len(idle)]
			m.Partitions = append(m.Partitions, p)
			i++
		}
	}

	fair, extra := int(n)/len(g.Members), int(n)%len(g.Members)
	targets := make(map[uint32]bool)
	for _, m := range g.Members {
		for _, r := range m.Pending {
			targets[r.Target] = true
		}
	}
	idle = idle[:0]
	for _, m := range g.Members {
		if len(m.Partitions) == 0 && !targets[m.ID] {
			idle = append(idle, m)
		}
	}
	for _, m := range g.Members {
		if len(idle) == 0 {
			return
		}
		var keep []uint32 // partitions not already pending, in order
		for _, p := range m.Partitions {
			if !m.pending(p) {
				keep = append(keep, p)
			}
		}
		allowed := fair
		if extra > 0 {
			allowed++
		}
		if len(keep) > fair && extra > 0 {
			extra--
		}
		if len(keep) <= allowed {
			continue
		}
		excess := len(keep) - allowed
		for i := len(keep) - 1; i >= 0 && excess > 0 && len(idle) > 0; i-- {
			m.Pending = append(m.Pending, Revocation{Partition: keep[i], Target: idle[0].ID, CreatedAt: now})
			idle = idle[1:]
			excess--
		}
	}
}

// completeRevocation moves partition p from member owner to the revocation's
// target. It reports false when no such revocation is pending.
func (g *Group) completeRevocation(owner *Member, p uint32, n uint32) bool {
	i := slices.IndexFunc(owner.Pending, func(r Revocation) bool { return r.Partition == p })
	if i < 0 {
		return false
	}
	target := owner.Pending[i].Target
	owner.Pending = slices.Delete(owner.Pending, i, i+1)
	if len(owner.Pending) == 0 {
		owner.Pending = nil
	}
	owner.Partitions = slices.DeleteFunc(owner.Partitions, func(x uint32) bool { return x == p })
	if t := g.memberByID(target); t != nil {
		t.Partitions = append(t.Partitions, p)
	} else {
		g.rebalanceFull(n)
	}
	return true
}

// completeRevocable completes, in member then creation order, every pending
// revocation whose partition may move now; only partition p when p ≥ 0.
func (g *Group) completeRevocable(only int64, n uint32) {
	type item struct {
		owner *Member
		p     uint32
	}
	var due []item
	for _, m := range g.Members {
		for _, r := range m.Pending {
			if (only < 0 || int64(r.Partition) == only) && g.revocable(r.Partition) {
				due = append(due, item{m, r.Partition})
			}
		}
	}
	for _, d := range due {
		g.completeRevocation(d.owner, d.p, n)
	}
}

// removeMembers drops the members drop selects, forgets what the group polled
// from their partitions and rebalances fully. It reports whether any went.
func (g *Group) removeMembers(n uint32, drop func(*Member) bool) bool {
	var gone []uint32
	kept := make([]*Member, 0, len(g.Members))
	for _, m := range g.Members {
		if drop(m) {
			gone = append(gone, m.Partitions...)
		} else {
			kept = append(kept, m)
		}
	}
	if len(kept) == len(g.Members) {
		return false
	}
	g.Members = kept
	if len(kept) == 0 {
		g.Members = nil
	}
	g.rebalanceFull(n)
	g.forgetPolled(gone)
	return true
}
