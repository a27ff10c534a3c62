// SPDX-License-Identifier: Apache-2.0

// Package metadata is riffle's metadata state machine and its state log.
//
// It owns the State (streams, topics, partitions and their owner shards,
// consumer groups and their ephemeral members, users, permissions, personal
// access tokens), the rules that change it (Prepare, Apply), the rules that
// read it (Permitted, Authenticate, AuthenticateToken, the accessors) and the
// durable log of changes (Log). It is pure of processes and sockets: it never
// logs, never imports net, ipc or uring, and does its file I/O only through
// internal/vfs. The supervisor wires it.
//
// # Flow of one metadata command
//
//	shard ── Command ──► supervisor                         every shard
//	                      Prepare(st, actor, cmd, env)
//	                        → Entry (fully determined), Result
//	                      Log.Commit(st, e):
//	                        Append (fsync) if e.Persistent()
//	                        st.Apply(e)
//	                        Snapshot when due
//	                      broadcast e (with its Version) ──► replica.Apply(e)
//	shard ◄── Result ───  reply                               answer from replica
//
// Caller duties:
//
//  1. Keep one authoritative State (from OpenLog) and call Prepare and Commit
//     for one command at a time; Prepare's Entry carries Version
//     st.Version()+1 and must be committed before the next Prepare.
//  2. Skip Empty entries (success with nothing to change): no log, no
//     broadcast.
//  3. Broadcast every committed entry, persistent or ephemeral, in Version
//     order. A replica applies them in that order; Apply refuses a gap
//     (ErrVersionGap) and a misfit (ErrInvalidEntry), and the replica must
//     then resynchronise from a Snapshot.
//  4. Give a starting shard Snapshot() bytes and every entry after their
//     Version.
//  5. Feed the consumer-group inputs: ClientGone when a connection closes,
//     ShardFailed when a shard dies, GroupPolled and GroupCommitted as the
//     group consumes (at least whenever a poll moves the polled offset past
//     the committed one, and whenever a commit catches up), ExpireRevocations
//     periodically (Iggy: every 5 s with a 30 s timeout), and
//     ReassignPartitions at start when the shard count changed.
//  6. Create the root user with BootstrapRoot on a first start (State has
//     no user 0).
//
// # Ids
//
// Streams, topics, partitions, consumer groups and users have Iggy's 0-based
// ids; a freed id is reused (lowest free slot first). Streams, topics and
// partitions also get an internal UID that is never reused, for directory
// names, so a crash in the middle of a delete cannot resurrect old data under
// a new stream. Partition i of a topic always has id i.
//
// # Concurrency
//
// State is not safe for concurrent use; the caller serialises Apply against
// readers. Log is safe for concurrent use but is meant for one goroutine.
// There is no lock order inside the package: Log holds its own mutex only.
//
// # Deviations from Iggy 0.8.0, on purpose
//
//   - DeleteStream and DeleteTopic also remove every user's grants on that
//     stream or topic (Iggy drops per-stream grants from its live index only
//     and keeps per-topic ones), so a reused id never inherits them.
//   - UpdateTopic stores resolved expiry and size, like CreateTopic, and
//     checks the size against the segment size.
//   - A full rebalance onto zero partitions leaves members with none (Iggy
//     keeps stale assignments); a purge forgets the groups' progress.
//   - Members are ordered by join order, not by slab slot.
package metadata
