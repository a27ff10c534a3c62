// SPDX-License-Identifier: Apache-2.0

// Package storage is the shard storage engine: partitions made of ordered
// segments of Iggy message frames, group-committed appends, reads by offset
// and timestamp, crash recovery, retention, and consumer offsets.
//
// It owns the files under the data directory except state/ (metadata) and
// the lock file, and nothing else. It is pure: all file I/O goes through
// vfs.FS (synchronous: open, create, rename, directory fsync, reads) and
// vfs.Backend (asynchronous writes and fdatasyncs), time through
// clock.Clock, and what an operator should hear about through Events. It
// never logs and never imports logrus, net, uring or ipc.
//
// # Layout
//
//	<Dir>/FORMAT                                   "riffle-data 1"
//	<Dir>/streams/<s>/topics/<t>/partitions/<p>/   s, t, p: internal ids, never reused
//	    00000000000000000000.log                   message frames back to back, exactly as
//	    00000000000000000000.index                 served (64-byte header, payload, user headers);
//	    00000000000000004096.log  …                16-byte index entries: relative offset u32,
//	                                               end position u32, timestamp u64
//	<Dir>/shards/<shard>/offsets.log               consumer offsets and recovery checkpoints
//	<Dir>/shards/<shard>/clean                     clean-shutdown marker, see Close
//
// A segment is named by its first offset. The last one is active; it is
// sealed when it reaches Options.SegmentSize (by the batch that crosses it),
// and then fdatasynced, log and index, before its successor is created and
// the directory fsynced. Retention deletes whole sealed segments, oldest
// first, each durably before the next.
//
// # Appends and durability
//
// Append stamps a batch in place (offsets, one timestamp, ids for id 0,
// XXH3-64 checksums), queues it and returns a completion. One committer per
// Engine writes the queued batches of all partitions, coalescing small ones
// into writes of at least 64 KiB, all in flight together, and keeps taking
// new batches while earlier writes are in flight (up to a few rounds); in
// DurabilityFsync every batch written while the previous fdatasync ran
// shares the next one (group commit). A batch completes only after its bytes
// are in the page cache (DurabilityWrite) or covered by an fdatasync that was
// issued after its write returned (DurabilityFsync). Readers see exactly the
// completed batches. A write or fsync error fails the partition: that batch
// and every later one get the error, nothing after it is acknowledged, and
// there is no retry; ClosePartition and OpenPartition (or closing and
// opening the engine) recover it from disk.
//
// The page cache (pagecache.go): every 8 MiB of log appended to a
// partition, the committer's syncer starts the writeback of the new log in
// DurabilityWrite (so a roll's fdatasync does not write a whole segment at
// once) and drops the log older than Options.CacheWindow from the cache,
// once clean. Both are hints to the kernel; neither changes what is durable.
//
// Reads (AppendFrom, ReadFrom, ReadFromTimestamp) are synchronous preads
// through vfs.File.ReadAt of the index and log, bounded by the acknowledged
// end, and verify every message's offset and checksum before returning it.
// A reader holds a reference on the segments it reads, so retention and
// Purge never close files under it.
//
// # Recovery
//
// See recover.go and checkpoint.go: sealed segments are checked cheaply and
// must be perfect; the active segment is trusted when this shard's clean
// marker vouches for it, otherwise scanned from its newest recovery
// checkpoint (written every 64 MiB of durable log), its torn tail truncated
// on disk and its index rebuilt. Damage a crash cannot explain fences that
// partition only (*CorruptionError, ErrPartitionFenced, Engine.Fenced); so
// does a checksum failure met by a read.
//
// Durable changes of directory entries are fsynced in their directory:
// creating a partition (each new ancestor), rolling a segment, deleting one
// (each deletion on its own, oldest first), dropping a partition, topic or
// stream (renamed to a tombstone first), rewriting the offsets log and the
// markers (temporary file, fsync, rename, directory fsync).
//
// # Consumer offsets
//
// Stored per partition and consumer (Iggy's consumer or consumer group) in
// the shard's offsets log, whose records ride the same group commit as the
// appends and which is compacted from memory. When the shard count changes a
// partition may be opened by another shard: for each (partition, consumer)
// the record with the newest stamp in any shard's log wins, and the new
// owner copies it into its own log (see offsets.go). Offsets past a
// partition's recovered end are clamped down to it, as Iggy does.
//
// # Concurrency and lock order
//
// Engine and Partition methods are safe for concurrent use. Locks, outermost
// first; a goroutine holding one takes only locks further down:
//
//	Engine.openMu   OpenPartition, ClosePartition, Drop*, SweepOrphans
//	Engine.mu       the partition maps (held briefly, never across I/O)
//	Partition.mu    a partition's segments, offsets and queues (never across a Wait)
//	committer.mu    the dirty list
//	offsetsLog.mu   consumer offsets
//
// Goroutines: the committer's writer, waiter and syncer, started by Open and
// ended by Close; Events callbacks run on them and on callers' goroutines.
//
// # Caller duties (the shard)
//
//  1. Open one Engine per shard with the shard's FS, Backend and Clock.
//  2. OpenPartition every partition placed on the shard before serving it,
//     then SweepOrphans once with the metadata's partition set.
//  3. Call Append and wait on its completion before replying; pass frames
//     that the caller does not touch until the completion is done.
//  4. Run EnforceRetention periodically (the cleaner always runs).
//  5. Close at shutdown, after the last request: it flushes, syncs and
//     writes the clean marker.
package storage
