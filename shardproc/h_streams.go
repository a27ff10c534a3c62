// SPDX-License-Identifier: Apache-2.0

package shardproc

import (
	"context"

	"riffle/internal/control"
	"riffle/internal/metadata"
	"riffle/internal/protocol"
)

// Streams (200–205), topics (300–305), partitions (402, 403) and segments
// (503). Reads are answered from this shard's metadata replica, with sizes
// and message counts asked of the partitions' owner shards; changes go to the
// supervisor, and the answer is built from the replica once it has them.

// partitionStats returns the size of every partition in refs, by partition
// uid, asking each owner shard once.
func (s *Shard) partitionStats(refs []metadata.PartitionRef) map[uint64]control.PartitionStat {
	out := make(map[uint64]control.PartitionStat, len(refs))
	byOwner := map[uint32][]control.PartitionAddr{}
	for _, r := range refs {
		byOwner[r.Shard] = append(byOwner[r.Shard], control.PartitionAddr{Stream: r.StreamID, Topic: r.TopicID, Partition: r.PartitionID, PartitionUID: r.PartitionUID})
	}
	for owner, addrs := range byOwner {
		reply, _ := s.onOwner(context.Background(), owner, &control.OwnerRequest{Op: control.OpStats, Partitions: addrs}, nil)
		for _, st := range reply.Stats {
			out[st.PartitionUID] = st
		}
	}
	return out
}

// topicRefs lists the partitions of a topic (all topics of the stream when
// topic is noID).
func topicRefs(st *metadata.State, stream, topic uint32) []metadata.PartitionRef {
	var out []metadata.PartitionRef
	for _, r := range st.Partitions() {
		if r.StreamID == stream && (topic == noID || r.TopicID == topic) {
			out = append(out, r)
		}
	}
	return out
}

func topicInfo(t *metadata.Topic, stats map[uint64]control.PartitionStat) protocol.TopicInfo {
	info := protocol.TopicInfo{
		ID: t.ID, CreatedAt: t.CreatedAt, PartitionsCount: uint32(len(t.Partitions)), MessageExpiry: t.MessageExpiry,
		CompressionAlgorithm: t.Compression, MaxTopicSize: t.MaxTopicSize, ReplicationFactor: t.ReplicationFactor, Name: t.Name,
	}
	for _, p := range t.Partitions {
		ps := stats[p.UID]
		info.SizeBytes += ps.SizeBytes
		info.MessagesCount += ps.Messages
	}
	return info
}

func streamInfo(s *metadata.Stream, stats map[uint64]control.PartitionStat) (protocol.StreamInfo, []protocol.TopicInfo) {
	info := protocol.StreamInfo{ID: s.ID, CreatedAt: s.CreatedAt, Name: s.Name}
	var topics []protocol.TopicInfo
	for _, t := range s.Topics {
		if t == nil {
			continue
		}
		ti := topicInfo(t, stats)
		info.SizeBytes += ti.SizeBytes
		info.MessagesCount += ti.MessagesCount
		topics = append(topics, ti)
	}
	info.TopicsCount = uint32(len(topics))
	return info, topics
}

func (c *conn) getStream(payload []byte) (protocol.Status, []byte) {
	var req protocol.GetStream
	if err := req.Decode(payload); err != nil {
		return protocol.StatusFromError(err), nil
	}
	var refs []metadata.PartitionRef
	var sid uint32
	var st protocol.Status
	c.s.md.read(func(m *metadata.State) {
		if sid, st = c.streamScope(m, protocol.CodeGetStream, req.Stream); st == protocol.StatusOK {
			refs = topicRefs(m, sid, noID)
		}
	})
	if notFound(st) {
		return protocol.StatusOK, nil
	}
	if st != protocol.StatusOK {
		return st, nil
	}
	stats := c.s.partitionStats(refs)
	var out []byte
	c.s.md.read(func(m *metadata.State) {
		if s := m.Stream(sid); s != nil {
			info, topics := streamInfo(s, stats)
			out = (&protocol.StreamDetails{Stream: info, Topics: topics}).AppendTo(nil)
		}
	})
	return protocol.StatusOK, out
}

func (c *conn) getStreams(payload []byte) (protocol.Status, []byte) {
	var refs []metadata.PartitionRef
	allowed := false
	c.s.md.read(func(m *metadata.State) {
		if allowed = m.Permitted(c.sess.userID, protocol.CodeGetStreams, nil, nil); allowed {
			refs = m.Partitions()
		}
	})
	if !allowed {
		return protocol.StatusUnauthorized, nil
	}
	stats := c.s.partitionStats(refs)
	var list protocol.StreamList
	c.s.md.read(func(m *metadata.State) {
		for _, s := range m.Streams() {
			info, _ := streamInfo(s, stats)
			list = append(list, info)
		}
	})
	return protocol.StatusOK, list.AppendTo(nil)
}

func (c *conn) createStream(payload []byte) (protocol.Status, []byte) {
	var req protocol.CreateStream
	if err := req.Decode(payload); err != nil {
		return protocol.StatusFromError(err), nil
	}
	res, st := c.commit(metadata.CreateStream{Name: req.Name})
	if st != protocol.StatusOK {
		return st, nil
	}
	var out []byte
	c.s.md.read(func(m *metadata.State) {
		if s := m.Stream(res.StreamID); s != nil {
			info, _ := streamInfo(s, nil)
			out = info.AppendTo(nil)
		}
	})
	return protocol.StatusOK, out
}

func (c *conn) deleteStream(payload []byte) (protocol.Status, []byte) {
	var req protocol.DeleteStream
	if err := req.Decode(payload); err != nil {
		return protocol.StatusFromError(err), nil
	}
	_, st := c.commit(metadata.DeleteStream{Stream: metadata.IdentifierFromWire(req.Stream)})
	return st, nil
}

func (c *conn) updateStream(payload []byte) (protocol.Status, []byte) {
	var req protocol.UpdateStream
	if err := req.Decode(payload); err != nil {
		return protocol.StatusFromError(err), nil
	}
	_, st := c.commit(metadata.UpdateStream{Stream: metadata.IdentifierFromWire(req.Stream), Name: req.Name})
	return st, nil
}

func (c *conn) purgeStream(payload []byte) (protocol.Status, []byte) {
	var req protocol.PurgeStream
	if err := req.Decode(payload); err != nil {
		return protocol.StatusFromError(err), nil
	}
	_, st := c.commit(metadata.PurgeStream{Stream: metadata.IdentifierFromWire(req.Stream)})
	return st, nil
}

// topicDetails builds TopicInfo followed by every PartitionInfo. A created
// topic is described as Iggy 0.8.0 answers CreateTopic: every partition with
// zero segments, offset, size and messages, whatever storage already made.
func (c *conn) topicDetails(sid, tid uint32, created bool) []byte {
	var stats map[uint64]control.PartitionStat
	if !created {
		var refs []metadata.PartitionRef
		c.s.md.read(func(m *metadata.State) { refs = topicRefs(m, sid, tid) })
		stats = c.s.partitionStats(refs)
	}
	var out []byte
	c.s.md.read(func(m *metadata.State) {
		t := m.Topic(sid, tid)
		if t == nil {
			return
		}
		d := protocol.TopicDetails{Topic: topicInfo(t, stats)}
		for _, p := range t.Partitions {
			ps := stats[p.UID]
			d.Partitions = append(d.Partitions, protocol.PartitionInfo{
				ID: p.ID, CreatedAt: p.CreatedAt, SegmentsCount: ps.Segments, CurrentOffset: ps.CurrentOffset,
				SizeBytes: ps.SizeBytes, MessagesCount: ps.Messages,
			})
		}
		out = d.AppendTo(nil)
	})
	return out
}

func (c *conn) getTopic(payload []byte) (protocol.Status, []byte) {
	var req protocol.GetTopic
	if err := req.Decode(payload); err != nil {
		return protocol.StatusFromError(err), nil
	}
	var sid, tid uint32
	var st protocol.Status
	c.s.md.read(func(m *metadata.State) { sid, tid, st = c.topicScope(m, protocol.CodeGetTopic, req.Stream, req.Topic) })
	if notFound(st) {
		return protocol.StatusOK, nil
	}
	if st != protocol.StatusOK {
		return st, nil
	}
	return protocol.StatusOK, c.topicDetails(sid, tid, false)
}

func (c *conn) getTopics(payload []byte) (protocol.Status, []byte) {
	var req protocol.GetTopics
	if err := req.Decode(payload); err != nil {
		return protocol.StatusFromError(err), nil
	}
	var sid uint32
	var st protocol.Status
	var refs []metadata.PartitionRef
	c.s.md.read(func(m *metadata.State) {
		if sid, st = c.streamScope(m, protocol.CodeGetTopics, req.Stream); st == protocol.StatusOK {
			refs = topicRefs(m, sid, noID)
		}
	})
	if notFound(st) {
		return protocol.StatusOK, nil
	}
	if st != protocol.StatusOK {
		return st, nil
	}
	stats := c.s.partitionStats(refs)
	var list protocol.TopicList
	c.s.md.read(func(m *metadata.State) {
		for _, t := range m.Topics(sid) {
			list = append(list, topicInfo(t, stats))
		}
	})
	return protocol.StatusOK, list.AppendTo(nil)
}

func (c *conn) createTopic(payload []byte) (protocol.Status, []byte) {
	var req protocol.CreateTopic
	if err := req.Decode(payload); err != nil {
		return protocol.StatusFromError(err), nil
	}
	res, st := c.commit(metadata.CreateTopic{
		Stream: metadata.IdentifierFromWire(req.Stream), PartitionsCount: req.PartitionsCount, Compression: req.CompressionAlgorithm,
		MessageExpiry: req.MessageExpiry, MaxTopicSize: req.MaxTopicSize, ReplicationFactor: req.ReplicationFactor, Name: req.Name,
	})
	if st != protocol.StatusOK {
		return st, nil
	}
	return protocol.StatusOK, c.topicDetails(res.StreamID, res.TopicID, true)
}

func (c *conn) deleteTopic(payload []byte) (protocol.Status, []byte) {
	var req protocol.DeleteTopic
	if err := req.Decode(payload); err != nil {
		return protocol.StatusFromError(err), nil
	}
	_, st := c.commit(metadata.DeleteTopic{Stream: metadata.IdentifierFromWire(req.Stream), Topic: metadata.IdentifierFromWire(req.Topic)})
	return st, nil
}

func (c *conn) updateTopic(payload []byte) (protocol.Status, []byte) {
	var req protocol.UpdateTopic
	if err := req.Decode(payload); err != nil {
		return protocol.StatusFromError(err), nil
	}
	_, st := c.commit(metadata.UpdateTopic{
		Stream: metadata.IdentifierFromWire(req.Stream), Topic: metadata.IdentifierFromWire(req.Topic), Compression: req.CompressionAlgorithm,
		MessageExpiry: req.MessageExpiry, MaxTopicSize: req.MaxTopicSize, ReplicationFactor: req.ReplicationFactor, Name: req.Name,
	})
	return st, nil
}

func (c *conn) purgeTopic(payload []byte) (protocol.Status, []byte) {
	var req protocol.PurgeTopic
	if err := req.Decode(payload); err != nil {
		return protocol.StatusFromError(err), nil
	}
	_, st := c.commit(metadata.PurgeTopic{Stream: metadata.IdentifierFromWire(req.Stream), Topic: metadata.IdentifierFromWire(req.Topic)})
	return st, nil
}

func (c *conn) createPartitions(payload []byte) (protocol.Status, []byte) {
	var req protocol.CreatePartitions
	if err := req.Decode(payload); err != nil {
		return protocol.StatusFromError(err), nil
	}
	_, st := c.commit(metadata.CreatePartitions{Stream: metadata.IdentifierFromWire(req.Stream), Topic: metadata.IdentifierFromWire(req.Topic), Count: req.PartitionsCount})
	return st, nil
}

func (c *conn) deletePartitions(payload []byte) (protocol.Status, []byte) {
	var req protocol.DeletePartitions
	if err := req.Decode(payload); err != nil {
		return protocol.StatusFromError(err), nil
	}
	_, st := c.commit(metadata.DeletePartitions{Stream: metadata.IdentifierFromWire(req.Stream), Topic: metadata.IdentifierFromWire(req.Topic), Count: req.PartitionsCount})
	return st, nil
}

func (c *conn) deleteSegments(payload []byte) (protocol.Status, []byte) {
	var req protocol.DeleteSegments
	if err := req.Decode(payload); err != nil {
		return protocol.StatusFromError(err), nil
	}
	ref, st := c.partitionRef(protocol.CodeDeleteSegments, req.Stream, req.Topic, req.PartitionID)
	if st != protocol.StatusOK {
		return st, nil
	}
	reply, _ := c.s.onOwner(context.Background(), ref.Shard, &control.OwnerRequest{
		Op: control.OpDeleteSegments, Stream: ref.StreamID, Topic: ref.TopicID, Partition: ref.PartitionID,
		PartitionUID: ref.PartitionUID, Count: req.SegmentsCount,
	}, nil)
	return protocol.Status(reply.Status), nil
}

// partitionRef resolves one partition for code, with the permission rule of
// topicScope; an unknown partition is PartitionNotFound (3007).
func (c *conn) partitionRef(code protocol.Code, sid, tid protocol.Identifier, pid uint32) (metadata.PartitionRef, protocol.Status) {
	var ref metadata.PartitionRef
	var st protocol.Status
	c.s.md.read(func(m *metadata.State) {
		var s, t uint32
		if s, t, st = c.topicScope(m, code, sid, tid); st != protocol.StatusOK {
			return
		}
		p := m.Partition(s, t, pid)
		if p == nil {
			st = protocol.StatusPartitionNotFound
			return
		}
		str, top := m.Stream(s), m.Topic(s, t)
		ref = metadata.PartitionRef{StreamID: s, TopicID: t, PartitionID: pid, StreamUID: str.UID, TopicUID: top.UID, PartitionUID: p.UID, Shard: p.Shard, Epoch: p.Epoch}
	})
	return ref, st
}
