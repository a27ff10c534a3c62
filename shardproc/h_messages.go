// SPDX-License-Identifier: Apache-2.0

package shardproc

import (
	"context"
	"slices"
	"sync/atomic"

	"riffle/internal/control"
	"riffle/internal/metadata"
	"riffle/internal/protocol"
)

// Messages: SendMessages (101), PollMessages (100), FlushUnsavedBuffer (102).
// The serving shard checks the session, resolves the partition (explicit,
// balanced round-robin per topic, or XXH32(key) mod count) and runs the
// operation on the partition's owner, here or on a peer shard.

func (c *conn) sendMessages(payload []byte) (protocol.Status, []byte) {
	req, err := protocol.ParseSendMessages(payload)
	if err != nil {
		return protocol.StatusFromError(err), nil
	}
	var ref metadata.PartitionRef
	var st protocol.Status
	fixed := false // the partition does not depend on a counter: migration helps
	c.s.md.read(func(m *metadata.State) {
		var s, t uint32
		if s, t, st = c.topicScope(m, protocol.CodeSendMessages, req.Stream, req.Topic); st != protocol.StatusOK {
			return
		}
		top := m.Topic(s, t)
		n := uint32(len(top.Partitions))
		fixed = n == 1 || req.Partitioning.Kind == protocol.PartitioningPartitionID
		var pid uint32
		switch req.Partitioning.Kind {
		case protocol.PartitioningBalanced:
			if n == 0 {
				st = protocol.StatusTopicIDNotFound // as Iggy 0.8.0
				return
			}
			pid = c.s.nextBalanced(top.UID) % n
		case protocol.PartitioningPartitionID:
			pid = req.Partitioning.PartitionID
			if pid >= n {
				st = protocol.StatusPartitionNotFound
				return
			}
		case protocol.PartitioningMessagesKey:
			if n == 0 {
				st = protocol.StatusNoPartitions
				return
			}
			pid = protocol.XXH32(req.Partitioning.Key) % n
		default:
			st = protocol.StatusInvalidCommand
			return
		}
		p := top.Partitions[pid]
		ref = metadata.PartitionRef{StreamID: s, TopicID: t, PartitionID: pid, PartitionUID: p.UID, Shard: p.Shard}
	})
	if st != protocol.StatusOK {
		return st, nil
	}
	first := !c.sent
	c.sent = true
	if first && fixed && !c.joined && int(ref.Shard) != c.s.id && c.tryMigrate(int(ref.Shard), protocol.CodeSendMessages, payload) {
		return protocol.StatusOK, nil // answered by the new owner of the connection
	}
	reply, _ := c.s.onOwner(context.Background(), ref.Shard, &control.OwnerRequest{
		Op: control.OpAppend, Stream: ref.StreamID, Topic: ref.TopicID, Partition: ref.PartitionID,
		PartitionUID: ref.PartitionUID, Count: req.Count,
	}, req.Frames)
	return protocol.Status(reply.Status), nil
}

// nextBalanced advances the topic's round-robin counter (per shard).
func (s *Shard) nextBalanced(topicUID uint64) uint32 {
	v, _ := s.balanced.LoadOrStore(topicUID, new(atomic.Uint32))
	return v.(*atomic.Uint32).Add(1) - 1
}

// consumerKey is the numeric key of a single consumer: its numeric id, or
// XXH32 of its name (as Iggy keys string consumers).
func consumerKey(id protocol.Identifier) uint32 {
	if id.IsNumeric() {
		return id.Numeric
	}
	return protocol.XXH32([]byte(id.Name))
}

// pollTarget is what a poll (or an offset command) resolved to.
type pollTarget struct {
	ref      metadata.PartitionRef
	kind     uint8  // 1 consumer, 2 group
	consumer uint32 // consumer key or group id
	group    [3]uint32
	none     bool // a group member with no partition to read: empty answer
}

// resolveConsumer resolves the partition and consumer of a poll or offset
// command. For a group, the connection must be a member; with no explicit
// partition the member's partitions are taken in turn (rr advances).
func (c *conn) resolveConsumer(m *metadata.State, code protocol.Code, consumer protocol.Consumer, sid, tid protocol.Identifier, opt protocol.OptionalPartition, rr bool) (pollTarget, protocol.Status) {
	var pt pollTarget
	s, t, st := c.topicScope(m, code, sid, tid)
	if st != protocol.StatusOK {
		return pt, st
	}
	top := m.Topic(s, t)
	pid := uint32(0)
	if opt.Present {
		pid = opt.ID
	}
	switch consumer.Kind {
	case protocol.ConsumerKindSingle:
		pt.kind, pt.consumer = 1, consumerKey(consumer.ID)
	case protocol.ConsumerKindGroup:
		_, _, g, err := m.ResolveGroup(metadata.NumericID(s), metadata.NumericID(t), metadata.IdentifierFromWire(consumer.ID))
		if err != nil {
			return pt, protocol.StatusFromError(err)
		}
		pt.kind, pt.consumer, pt.group = 2, g, [3]uint32{s, t, g}
		if code == protocol.CodeGetConsumerOffset {
			break // reading a group's offset needs no membership
		}
		mem := m.Member(s, t, g, c.id)
		if mem == nil {
			return pt, protocol.StatusConsumerGroupMemberNotFound
		}
		owned := slices.Clone(mem.Partitions)
		for _, r := range mem.Pending {
			owned = append(owned, r.Partition)
		}
		if opt.Present {
			if !slices.Contains(owned, pid) {
				if code == protocol.CodePollMessages {
					pt.none = true
					return pt, protocol.StatusOK
				}
				return pt, protocol.StatusNotResolvedConsumer
			}
			break
		}
		active, _ := m.ActivePartitions(s, t, g, c.id)
		if len(active) == 0 {
			if code == protocol.CodePollMessages {
				pt.none = true
				return pt, protocol.StatusOK
			}
			return pt, protocol.StatusNotResolvedConsumer
		}
		if c.sess.rr == nil {
			c.sess.rr = map[[3]uint32]uint32{}
		}
		i := c.sess.rr[pt.group]
		if rr {
			c.sess.rr[pt.group] = i + 1
		} else if i > 0 {
			i-- // the partition last polled
		}
		pid = active[int(i)%len(active)]
	default:
		return pt, protocol.StatusInvalidCommand
	}
	if int(pid) >= len(top.Partitions) {
		return pt, protocol.StatusPartitionNotFound
	}
	p := top.Partitions[pid]
	pt.ref = metadata.PartitionRef{StreamID: s, TopicID: t, PartitionID: pid, PartitionUID: p.UID, Shard: p.Shard}
	return pt, protocol.StatusOK
}

func (c *conn) pollMessages(payload []byte) (protocol.Status, []byte) {
	var req protocol.PollMessages
	if err := req.Decode(payload); err != nil {
		return protocol.StatusFromError(err), nil
	}
	var pt pollTarget
	var st protocol.Status
	c.s.md.read(func(m *metadata.State) {
		pt, st = c.resolveConsumer(m, protocol.CodePollMessages, req.Consumer, req.Stream, req.Topic, req.Partition, true)
	})
	if st != protocol.StatusOK {
		return st, nil
	}
	if pt.none {
		return protocol.StatusOK, protocol.AppendPollHeader(nil, 0, 0, 0)
	}
	reply, body := c.s.onOwner(context.Background(), pt.ref.Shard, &control.OwnerRequest{
		Op: control.OpPoll, Stream: pt.ref.StreamID, Topic: pt.ref.TopicID, Partition: pt.ref.PartitionID,
		PartitionUID: pt.ref.PartitionUID, Count: req.Count, ConsumerKind: pt.kind, ConsumerID: pt.consumer,
		Strategy: uint8(req.Strategy.Kind), Value: req.Strategy.Value, AutoCommit: req.AutoCommit,
	}, nil)
	if reply.Status != 0 {
		return protocol.Status(reply.Status), nil
	}
	return protocol.StatusOK, body
}

func (c *conn) flushUnsavedBuffer(payload []byte) (protocol.Status, []byte) {
	var req protocol.FlushUnsavedBuffer
	if err := req.Decode(payload); err != nil {
		return protocol.StatusFromError(err), nil
	}
	ref, st := c.partitionRef(protocol.CodeFlushUnsavedBuffer, req.Stream, req.Topic, req.PartitionID)
	if st != protocol.StatusOK {
		return st, nil
	}
	reply, _ := c.s.onOwner(context.Background(), ref.Shard, &control.OwnerRequest{
		Op: control.OpFlush, Stream: ref.StreamID, Topic: ref.TopicID, Partition: ref.PartitionID, PartitionUID: ref.PartitionUID, Fsync: req.Fsync,
	}, nil)
	return protocol.Status(reply.Status), nil
}
