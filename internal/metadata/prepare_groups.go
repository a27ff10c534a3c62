// SPDX-License-Identifier: Apache-2.0

package metadata

func (p *preparer) createGroup(c CreateConsumerGroup) (Entry, Result, error) {
	if err := checkName(c.Name); err != nil {
		return Entry{}, Result{}, err
	}
	s, t, err := p.st.ResolveTopic(c.Stream, c.Topic)
	if err != nil {
		return Entry{}, Result{}, err
	}
	if err := p.allow(p.perms.getTopic(s, t)); err != nil {
		return Entry{}, Result{}, err
	}
	top := p.st.Topic(s, t)
	if _, ok := top.groupIndex[c.Name]; ok {
		return Entry{}, Result{}, ErrGroupNameExists
	}
	id := lowestFree(top.Groups)
	op := &CreateGroupOp{Stream: s, Topic: t, ID: id, Name: c.Name}
	return Entry{Kind: EntryCreateGroup, CreateGroup: op}, Result{StreamID: s, TopicID: t, GroupID: id}, nil
}

func (p *preparer) deleteGroup(c DeleteConsumerGroup) (Entry, Result, error) {
	s, t, g, err := p.st.ResolveGroup(c.Stream, c.Topic, c.Group)
	if err != nil {
		return Entry{}, Result{}, err
	}
	if err := p.allow(p.perms.getTopic(s, t)); err != nil {
		return Entry{}, Result{}, err
	}
	return Entry{Kind: EntryDeleteGroup, DeleteGroup: &GroupOp{Stream: s, Topic: t, Group: g}},
		Result{StreamID: s, TopicID: t, GroupID: g}, nil
}

// joinGroup is idempotent: joining a group the client is in succeeds with an
// Empty entry.
func (p *preparer) joinGroup(c JoinConsumerGroup) (Entry, Result, error) {
	s, t, g, err := p.st.ResolveGroup(c.Stream, c.Topic, c.Group)
	if err != nil {
		return Entry{}, Result{}, err
	}
	if err := p.allow(p.perms.getTopic(s, t)); err != nil {
		return Entry{}, Result{}, err
	}
	r := Result{StreamID: s, TopicID: t, GroupID: g}
	grp := p.st.Group(s, t, g)
	if m := grp.member(c.ClientID); m != nil {
		r.MemberID = m.ID
		return Entry{}, r, nil
	}
	r.MemberID = grp.nextMemberID()
	op := &JoinGroupOp{Stream: s, Topic: t, Group: g, ClientID: c.ClientID, Shard: c.Shard, MemberID: r.MemberID}
	return Entry{Kind: EntryJoinGroup, JoinGroup: op}, r, nil
}

func (p *preparer) leaveGroup(c LeaveConsumerGroup) (Entry, Result, error) {
	s, t, g, err := p.st.ResolveGroup(c.Stream, c.Topic, c.Group)
	if err != nil {
		return Entry{}, Result{}, err
	}
	if err := p.allow(p.perms.getTopic(s, t)); err != nil {
		return Entry{}, Result{}, err
	}
	m := p.st.Group(s, t, g).member(c.ClientID)
	if m == nil {
		return Entry{}, Result{}, ErrGroupMemberNotFound
	}
	op := &LeaveGroupOp{Stream: s, Topic: t, Group: g, ClientID: c.ClientID}
	return Entry{Kind: EntryLeaveGroup, LeaveGroup: op}, Result{StreamID: s, TopicID: t, GroupID: g, MemberID: m.ID}, nil
}

func (p *preparer) clientGone(c ClientGone) (Entry, error) {
	if len(p.st.ClientGroups(c.ClientID)) == 0 {
		return Entry{}, nil
	}
	op := c
	return Entry{Kind: EntryClientGone, ClientGone: &op}, nil
}

func (p *preparer) shardFailed(c ShardFailed) (Entry, error) {
	found := false
	p.st.eachGroup(func(_ *Stream, _ *Topic, g *Group) {
		for _, m := range g.Members {
			found = found || m.Shard == c.Shard
		}
	})
	if !found {
		return Entry{}, nil
	}
	op := c
	return Entry{Kind: EntryShardFailed, ShardFailed: &op}, nil
}

func (p *preparer) progressTarget(s, t, g, part uint32) (*Group, error) {
	if p.st.Stream(s) == nil {
		return nil, ErrStreamNotFound
	}
	if p.st.Topic(s, t) == nil {
		return nil, ErrTopicNotFound
	}
	grp := p.st.Group(s, t, g)
	if grp == nil {
		return nil, ErrGroupNotFound
	}
	if p.st.Partition(s, t, part) == nil {
		return nil, ErrPartitionNotFound
	}
	return grp, nil
}

// groupPolled is Empty when it would not change the recorded progress.
func (p *preparer) groupPolled(c GroupPolled) (Entry, error) {
	grp, err := p.progressTarget(c.Stream, c.Topic, c.Group, c.Partition)
	if err != nil {
		return Entry{}, err
	}
	if pr := grp.progress(c.Partition); pr != nil && pr.HasPolled && pr.Polled == c.Offset {
		return Entry{}, nil
	}
	op := c
	return Entry{Kind: EntryGroupPolled, GroupPolled: &op}, nil
}

// groupCommitted is Empty when it would change neither the recorded progress
// nor any revocation.
func (p *preparer) groupCommitted(c GroupCommitted) (Entry, error) {
	grp, err := p.progressTarget(c.Stream, c.Topic, c.Group, c.Partition)
	if err != nil {
		return Entry{}, err
	}
	if pr := grp.progress(c.Partition); pr != nil && pr.HasCommitted && pr.Committed == c.Offset {
		return Entry{}, nil
	}
	op := c
	return Entry{Kind: EntryGroupCommitted, GroupCommitted: &op}, nil
}

func (p *preparer) expireRevocations(c ExpireRevocations) (Entry, error) {
	op := &CompleteRevocationsOp{}
	p.st.eachGroup(func(s *Stream, t *Topic, g *Group) {
		for _, m := range g.Members {
			for _, r := range m.Pending {
				var age uint64
				if p.env.Now > r.CreatedAt {
					age = p.env.Now - r.CreatedAt
				}
				if age >= c.Timeout {
					op.Items = append(op.Items, RevocationRef{Stream: s.ID, Topic: t.ID, Group: g.ID, Member: m.ID, Partition: r.Partition})
				}
			}
		}
	})
	if len(op.Items) == 0 {
		return Entry{}, nil
	}
	return Entry{Kind: EntryCompleteRevocations, CompleteRevocations: op}, nil
}
