// SPDX-License-Identifier: Apache-2.0

package shardproc

import (
	"context"
	"encoding/binary"
	"errors"
	"time"

	"riffle/internal/control"
	"riffle/internal/metadata"
	"riffle/internal/protocol"
	"riffle/internal/storage"
)

// Operations on a partition run on its owner shard: here when this shard
// owns it, or on the peer that does (forward.go). Either way the same
// execOwner runs, so a local and a forwarded request behave alike.

// maxPollBytes bounds one poll reply, so a huge count cannot exhaust memory.
const maxPollBytes = 64 << 20

// execOwner runs req on a partition this shard owns. body is the op's input
// and, for an append, is owned by storage from here on.
func (s *Shard) execOwner(ctx context.Context, req *control.OwnerRequest, body []byte) (control.OwnerReply, []byte) {
	fail := func(st protocol.Status) (control.OwnerReply, []byte) {
		return control.OwnerReply{V: 1, Status: uint32(st)}, nil
	}
	if req.Version > 0 {
		wctx, cancel := context.WithTimeout(ctx, s.unavailableWait())
		err := s.md.waitVersion(wctx, req.Version)
		cancel()
		if err != nil {
			return fail(protocol.StatusShardCommunicationError)
		}
	}
	if req.Op == control.OpStats {
		return s.ownerStats(req), nil
	}
	var ref metadata.PartitionRef
	found := false
	s.md.read(func(st *metadata.State) {
		for _, r := range st.PartitionsOnShard(uint32(s.id)) {
			if r.StreamID == req.Stream && r.TopicID == req.Topic && r.PartitionID == req.Partition {
				ref, found = r, true
				return
			}
		}
	})
	if !found || (req.PartitionUID != 0 && ref.PartitionUID != req.PartitionUID) {
		return fail(protocol.StatusPartitionNotFound)
	}
	p, err := s.partition(ref)
	if err != nil {
		return fail(storageStatus(err, protocol.StatusCannotReadPartitions))
	}
	key := keyOf(ref)
	consumer := storage.Consumer{Kind: req.ConsumerKind, ID: req.ConsumerID}
	switch req.Op {
	case control.OpAppend:
		_, last, err := p.Append(body, int(req.Count)).Wait()
		if err != nil {
			return fail(storageStatus(err, protocol.StatusCannotAppendMessage))
		}
		s.written.Add(uint64(len(body)))
		return control.OwnerReply{V: 1, Last: last}, nil
	case control.OpPoll:
		return s.ownerPoll(req, ref, p)
	case control.OpFlush:
		if err := p.Flush(req.Fsync); err != nil {
			return fail(storageStatus(err, protocol.StatusCannotSyncFile))
		}
		return control.OwnerReply{V: 1}, nil
	case control.OpDeleteSegments:
		// As Iggy 0.8.0: never past the lowest offset a consumer stored.
		barrier, ok := s.engine.MinOffset(key)
		n, err := p.DeleteConsumedSegments(int(req.Count), barrier, ok)
		if err != nil {
			return fail(storageStatus(err, protocol.StatusCannotDeleteFile))
		}
		return control.OwnerReply{V: 1, Count: uint32(n)}, nil
	case control.OpGetOffset:
		cur, empty := p.CurrentOffset()
		stored, ok := s.engine.Offset(key, consumer)
		return control.OwnerReply{V: 1, Current: cur, Empty: empty, Stored: stored, Found: ok}, nil
	case control.OpStoreOffset:
		cur, empty := p.CurrentOffset()
		if empty || req.Offset > cur {
			return fail(protocol.StatusInvalidOffset)
		}
		if err := s.engine.StoreOffset(key, consumer, req.Offset).Err(); err != nil {
			return fail(storageStatus(err, protocol.StatusCannotSyncFile))
		}
		if req.ConsumerKind == storage.ConsumerKindGroup {
			s.groupCommitted(groupKey{req.Stream, req.Topic, req.ConsumerID, req.Partition}, req.Offset)
		}
		return control.OwnerReply{V: 1, Current: cur}, nil
	case control.OpDeleteOffset:
		ok, err := s.engine.DeleteOffset(key, consumer)
		if err != nil {
			return fail(storageStatus(err, protocol.StatusCannotSyncFile))
		}
		if !ok {
			return fail(protocol.StatusConsumerOffsetNotFound)
		}
		return control.OwnerReply{V: 1, Found: true}, nil
	}
	return fail(protocol.StatusInvalidCommand)
}

// ownerPoll reads messages by the polling strategy and returns the whole
// PollMessages response payload.
func (s *Shard) ownerPoll(req *control.OwnerRequest, ref metadata.PartitionRef, p *storage.Partition) (control.OwnerReply, []byte) {
	cur, empty := p.CurrentOffset()
	current := cur
	if empty {
		current = 0
	}
	maxBytes := req.MaxBytes
	if maxBytes <= 0 || maxBytes > maxPollBytes {
		maxBytes = maxPollBytes
	}
	out := protocol.AppendPollHeader(make([]byte, 0, 4096), ref.PartitionID, current, 0)
	var n uint32
	var err error
	consumer := storage.Consumer{Kind: req.ConsumerKind, ID: req.ConsumerID}
	if req.Count > 0 && !empty {
		switch protocol.PollingKind(req.Strategy) {
		case protocol.PollTimestamp:
			var frames []byte
			frames, n, err = p.ReadFromTimestamp(req.Value, req.Count, maxBytes)
			out = append(out, frames...)
		default:
			start, ok := s.pollStart(req, p, cur, consumer)
			if ok {
				out, n, err = p.AppendFrom(out, start, req.Count, maxBytes)
			}
		}
	}
	if err != nil {
		return control.OwnerReply{V: 1, Status: uint32(storageStatus(err, protocol.StatusCannotReadMessage))}, nil
	}
	binary.LittleEndian.PutUint32(out[12:16], n)
	s.read.Add(uint64(len(out)))
	reply := control.OwnerReply{V: 1, Current: current, Empty: empty, Count: n}
	if n > 0 {
		frames := out[protocol.PollHeaderSize:]
		reply.First = protocol.MessageOffset(frames)
		reply.Last = lastOffset(frames)
		stored, hasStored := s.engine.Offset(keyOf(ref), consumer)
		if req.AutoCommit {
			// Visible at once; durable with the next group commit.
			s.engine.StoreOffset(keyOf(ref), consumer, reply.Last)
		}
		if req.ConsumerKind == storage.ConsumerKindGroup {
			s.groupPolled(groupKey{req.Stream, req.Topic, req.ConsumerID, req.Partition}, reply.Last, req.AutoCommit, stored, hasStored)
		}
	}
	return reply, out
}

// pollStart computes the first offset to read for the offset, first, last and
// next strategies; ok is false when nothing is to be read.
func (s *Shard) pollStart(req *control.OwnerRequest, p *storage.Partition, cur uint64, c storage.Consumer) (uint64, bool) {
	switch protocol.PollingKind(req.Strategy) {
	case protocol.PollOffset:
		return req.Value, req.Value <= cur
	case protocol.PollFirst:
		return p.FirstOffset(), true
	case protocol.PollLast:
		n := uint64(req.Count)
		if n > cur+1 {
			n = cur + 1
		}
		return cur + 1 - n, true
	case protocol.PollNext:
		if stored, ok := s.engine.Offset(p.Key(), c); ok {
			if stored >= cur {
				return 0, false
			}
			return stored + 1, true
		}
		return p.FirstOffset(), true
	}
	return 0, false
}

// lastOffset returns the offset of the last frame in frames.
func lastOffset(frames []byte) uint64 {
	var last uint64
	for len(frames) >= protocol.MessageHeaderSize {
		size := protocol.MessageFrameSize(frames)
		if size < protocol.MessageHeaderSize || size > len(frames) {
			break
		}
		last = protocol.MessageOffset(frames)
		frames = frames[size:]
	}
	return last
}

// ownerStats reports the sizes of the listed partitions this shard owns.
func (s *Shard) ownerStats(req *control.OwnerRequest) control.OwnerReply {
	reply := control.OwnerReply{V: 1}
	var refs []metadata.PartitionRef
	s.md.read(func(st *metadata.State) {
		want := make(map[uint64]bool, len(req.Partitions))
		for _, a := range req.Partitions {
			want[a.PartitionUID] = true
		}
		for _, r := range st.PartitionsOnShard(uint32(s.id)) {
			if want[r.PartitionUID] || len(req.Partitions) == 0 {
				refs = append(refs, r)
			}
		}
	})
	for _, r := range refs {
		st := control.PartitionStat{PartitionUID: r.PartitionUID}
		if p, ok := s.engine.Partition(keyOf(r)); ok {
			ps := p.Stats()
			st.Segments, st.SizeBytes, st.Messages = uint32(ps.Segments), ps.SizeBytes, ps.Messages
			if !ps.Empty {
				st.CurrentOffset = ps.CurrentOffset
			}
		} else {
			st.Segments = 1 // a partition not opened yet has its first, empty segment
		}
		reply.Stats = append(reply.Stats, st)
	}
	return reply
}

// storageStatus maps a storage error to the Iggy status a client gets.
func storageStatus(err error, fallback protocol.Status) protocol.Status {
	switch {
	case errors.Is(err, storage.ErrClosed):
		return protocol.StatusShardCommunicationError // shutting down: retry elsewhere or later
	case errors.Is(err, storage.ErrInvalidBatch):
		return protocol.StatusInvalidMessagesCount
	case errors.Is(err, storage.ErrOffsetsFailed):
		return protocol.StatusCannotSyncFile
	}
	var st protocol.Status
	if errors.As(err, &st) {
		return st
	}
	return fallback
}

func (s *Shard) unavailableWait() time.Duration {
	if d := time.Duration(s.cfg.Shard.UnavailableWait); d > 0 {
		return d
	}
	return 2 * time.Second
}
