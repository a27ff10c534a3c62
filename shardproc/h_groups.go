// SPDX-License-Identifier: Apache-2.0

package shardproc

import (
	"riffle/internal/metadata"
	"riffle/internal/protocol"
)

// Consumer groups (600–605). Definitions are persisted by the supervisor;
// members are this connection's client id, in memory, and leave when the
// connection closes or its shard dies.

func groupDetails(g *metadata.Group, partitions int) protocol.GroupDetails {
	d := protocol.GroupDetails{Group: protocol.GroupInfo{ID: g.ID, PartitionsCount: uint32(partitions), MembersCount: uint32(len(g.Members)), Name: g.Name}}
	for _, m := range g.Members {
		d.Members = append(d.Members, protocol.Member{ID: m.ID, Partitions: append([]uint32(nil), m.Partitions...)})
	}
	return d
}

func (c *conn) getConsumerGroup(payload []byte) (protocol.Status, []byte) {
	var req protocol.GetConsumerGroup
	if err := req.Decode(payload); err != nil {
		return protocol.StatusFromError(err), nil
	}
	var out []byte
	var st protocol.Status
	c.s.md.read(func(m *metadata.State) {
		var s, t uint32
		if s, t, st = c.topicScope(m, protocol.CodeGetConsumerGroup, req.Stream, req.Topic); st != protocol.StatusOK {
			return
		}
		_, _, g, err := m.ResolveGroup(metadata.NumericID(s), metadata.NumericID(t), metadata.IdentifierFromWire(req.Group))
		if err != nil {
			st = protocol.StatusFromError(err)
			return
		}
		d := groupDetails(m.Group(s, t, g), len(m.Topic(s, t).Partitions))
		out = d.AppendTo(nil)
	})
	if notFound(st) {
		return protocol.StatusOK, nil
	}
	return st, out
}

func (c *conn) getConsumerGroups(payload []byte) (protocol.Status, []byte) {
	var req protocol.GetConsumerGroups
	if err := req.Decode(payload); err != nil {
		return protocol.StatusFromError(err), nil
	}
	var list protocol.GroupList
	var st protocol.Status
	c.s.md.read(func(m *metadata.State) {
		var s, t uint32
		if s, t, st = c.topicScope(m, protocol.CodeGetConsumerGroups, req.Stream, req.Topic); st != protocol.StatusOK {
			return
		}
		n := len(m.Topic(s, t).Partitions)
		for _, g := range m.Groups(s, t) {
			list = append(list, groupDetails(g, n).Group)
		}
	})
	if notFound(st) {
		return protocol.StatusOK, nil
	}
	if st != protocol.StatusOK {
		return st, nil
	}
	return protocol.StatusOK, list.AppendTo(nil)
}

func (c *conn) createConsumerGroup(payload []byte) (protocol.Status, []byte) {
	var req protocol.CreateConsumerGroup
	if err := req.Decode(payload); err != nil {
		return protocol.StatusFromError(err), nil
	}
	res, st := c.commit(metadata.CreateConsumerGroup{Stream: metadata.IdentifierFromWire(req.Stream), Topic: metadata.IdentifierFromWire(req.Topic), Name: req.Name})
	if st != protocol.StatusOK {
		return st, nil
	}
	var out []byte
	c.s.md.read(func(m *metadata.State) {
		if g := m.Group(res.StreamID, res.TopicID, res.GroupID); g != nil {
			d := groupDetails(g, len(m.Topic(res.StreamID, res.TopicID).Partitions))
			out = d.Group.AppendTo(nil)
		}
	})
	return protocol.StatusOK, out
}

func (c *conn) deleteConsumerGroup(payload []byte) (protocol.Status, []byte) {
	var req protocol.DeleteConsumerGroup
	if err := req.Decode(payload); err != nil {
		return protocol.StatusFromError(err), nil
	}
	_, st := c.commit(metadata.DeleteConsumerGroup{Stream: metadata.IdentifierFromWire(req.Stream), Topic: metadata.IdentifierFromWire(req.Topic), Group: metadata.IdentifierFromWire(req.Group)})
	return st, nil
}

func (c *conn) joinConsumerGroup(payload []byte) (protocol.Status, []byte) {
	var req protocol.JoinConsumerGroup
	if err := req.Decode(payload); err != nil {
		return protocol.StatusFromError(err), nil
	}
	_, st := c.commit(metadata.JoinConsumerGroup{
		Stream: metadata.IdentifierFromWire(req.Stream), Topic: metadata.IdentifierFromWire(req.Topic), Group: metadata.IdentifierFromWire(req.Group),
		ClientID: c.id, Shard: uint32(c.s.id),
	})
	if st == protocol.StatusOK {
		c.joined = true
	}
	return st, nil
}

func (c *conn) leaveConsumerGroup(payload []byte) (protocol.Status, []byte) {
	var req protocol.LeaveConsumerGroup
	if err := req.Decode(payload); err != nil {
		return protocol.StatusFromError(err), nil
	}
	_, st := c.commit(metadata.LeaveConsumerGroup{
		Stream: metadata.IdentifierFromWire(req.Stream), Topic: metadata.IdentifierFromWire(req.Topic), Group: metadata.IdentifierFromWire(req.Group),
		ClientID: c.id,
	})
	return st, nil
}
