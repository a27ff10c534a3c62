// SPDX-License-Identifier: Apache-2.0

package shardproc

import (
	"context"
	"sync"

	"riffle/internal/metadata"
)

// Consumer-group progress for the cooperative rebalance. When a member joins,
// a partition another member has polled but not yet committed is not moved at
// once: it is marked pending revocation until the old owner commits what it
// polled (or a timeout passes). The owner shard of a partition sees every poll
// and every commit of a group on it, so it tracks the group's polled and
// committed offsets there, and tells the supervisor only when the partition
// moves between "caught up" (committed ≥ polled) and "behind" — so a
// consumer that auto-commits costs no extra round trip at all.

type groupKey struct {
	stream, topic, group, partition uint32
}

type groupProgress struct {
	polled, committed       uint64
	hasPolled, hasCommitted bool
	behind                  bool // last reported state
}

type groupTracker struct {
	mu sync.Mutex
	m  map[groupKey]*groupProgress
}

func (t *groupTracker) get(k groupKey) *groupProgress {
	if t.m == nil {
		t.m = make(map[groupKey]*groupProgress)
	}
	gp := t.m[k]
	if gp == nil {
		gp = &groupProgress{}
		t.m[k] = gp
	}
	return gp
}

// groupPolled records that group k was served messages up to offset last (and
// committed them when autoCommit).
func (s *Shard) groupPolled(k groupKey, last uint64, autoCommit bool, stored uint64, hasStored bool) {
	s.groups.mu.Lock()
	gp := s.groups.get(k)
	gp.polled, gp.hasPolled = last, true
	if autoCommit {
		gp.committed, gp.hasCommitted = last, true
	} else if hasStored {
		gp.committed, gp.hasCommitted = stored, true
	}
	report := s.transitionLocked(k, gp)
	s.groups.mu.Unlock()
	report()
}

// groupCommitted records that group k stored offset off.
func (s *Shard) groupCommitted(k groupKey, off uint64) {
	s.groups.mu.Lock()
	gp := s.groups.get(k)
	gp.committed, gp.hasCommitted = off, true
	report := s.transitionLocked(k, gp)
	s.groups.mu.Unlock()
	report()
}

// transitionLocked returns the report to send when the partition moved
// between caught up and behind.
func (s *Shard) transitionLocked(k groupKey, gp *groupProgress) func() {
	behind := gp.hasPolled && (!gp.hasCommitted || gp.committed < gp.polled)
	if behind == gp.behind {
		return func() {}
	}
	gp.behind = behind
	var cmd metadata.Command
	if behind {
		cmd = metadata.GroupPolled{Stream: k.stream, Topic: k.topic, Group: k.group, Partition: k.partition, Offset: gp.polled}
	} else {
		cmd = metadata.GroupCommitted{Stream: k.stream, Topic: k.topic, Group: k.group, Partition: k.partition, Offset: gp.committed}
	}
	return func() {
		// Off the request path: the client does not wait for the report.
		s.reg.Oneshot("group progress", func(context.Context) error {
			s.commitMetadata(metadata.RootUserID, cmd)
			return nil
		})
	}
}
