// SPDX-License-Identifier: Apache-2.0

package storage

import (
	"fmt"
	"time"

	"riffle/internal/clock"
	"riffle/internal/vfs"
)

// Durability says when an Append completes.
type Durability uint8

const (
	// DurabilityFsync (the default) completes an Append once an fdatasync
	// that covers the whole batch has returned. Batches that arrive while a
	// write or fsync is in flight share the next one (group commit).
	DurabilityFsync Durability = iota
	// DurabilityWrite completes an Append once its write has completed into
	// the page cache: it survives a process crash, not a power loss.
	DurabilityWrite
)

func (d Durability) String() string {
	switch d {
	case DurabilityFsync:
		return "fsync"
	case DurabilityWrite:
		return "write"
	}
	return fmt.Sprintf("Durability(%d)", int(d))
}

// DefaultSegmentSize is the segment roll size used when Options.SegmentSize is 0.
const DefaultSegmentSize = 1 << 30

// MaxSegmentSize bounds Options.SegmentSize: index positions are 32-bit, and a
// segment may overrun the roll size by one batch.
const MaxSegmentSize = 3 << 30

// DefaultCacheWindow is the page cache window used when Options.CacheWindow
// is 0.
const DefaultCacheWindow = 64 << 20

// MinCacheWindow is the smallest Options.CacheWindow, and the log appended
// between two cache steps (see pagecache.go).
const MinCacheWindow = 8 << 20

// Options configure Open. The zero value of every field but Dir is usable.
type Options struct {
	FS    vfs.FS      // default vfs.OS
	IO    vfs.Backend // default a vfs.Sync backend owned (and closed) by the engine
	Clock clock.Clock // default clock.Real
	// Dir is the data directory root; it is created if missing.
	Dir string
	// Shard is this engine's shard id. It names the offsets log and the clean
	// marker under <Dir>/shards/<Shard>/.
	Shard int
	// Durability selects when appends complete.
	Durability Durability
	// SegmentSize is the size at which the active segment is sealed and a new
	// one started (0: DefaultSegmentSize; at most MaxSegmentSize).
	SegmentSize int64
	// CacheWindow is how much of the newest log of each partition's active
	// segment stays in the page cache; older log is dropped from it once
	// written back (see pagecache.go). 0: DefaultCacheWindow; negative: keep
	// everything; else at least MinCacheWindow.
	CacheWindow int64
	// Events receives notable happenings; nil callbacks are skipped.
	Events Events

	// testAckBeforeSync makes fsync mode acknowledge after the write, before
	// the fsync: a deliberate bug that the crash-state test must catch.
	testAckBeforeSync bool
}

func (o *Options) ensureDefaults() error {
	if o.Dir == "" {
		return fmt.Errorf("storage options: Dir is empty")
	}
	if o.FS == nil {
		o.FS = vfs.OS
	}
	if o.Clock == nil {
		o.Clock = clock.Real{}
	}
	if o.SegmentSize == 0 {
		o.SegmentSize = DefaultSegmentSize
	}
	if o.CacheWindow == 0 {
		o.CacheWindow = DefaultCacheWindow
	}
	if o.CacheWindow > 0 && o.CacheWindow < MinCacheWindow {
		return fmt.Errorf("storage options: CacheWindow %d below %d", o.CacheWindow, int64(MinCacheWindow))
	}
	if o.SegmentSize < 0 || o.SegmentSize > MaxSegmentSize {
		return fmt.Errorf("storage options: SegmentSize %d out of range (1..%d)", o.SegmentSize, int64(MaxSegmentSize))
	}
	if o.Durability > DurabilityWrite {
		return fmt.Errorf("storage options: unknown durability %d", o.Durability)
	}
	if o.Shard < 0 {
		return fmt.Errorf("storage options: negative shard %d", o.Shard)
	}
	return nil
}

// Events are callbacks for things an operator may want logged. Each is
// optional. They run synchronously on storage goroutines (the committer, or
// the caller of OpenPartition, Close, EnforceRetention…), never with a lock of
// the engine held; they must be quick and must not call back into the Engine.
type Events struct {
	// PartitionRecovered reports a partition opened from existing files.
	PartitionRecovered func(RecoveryInfo)
	// TailTruncated reports a torn tail cut off a log or the offsets log.
	TailTruncated func(TruncateInfo)
	// IndexRebuilt reports an index rewritten from its log.
	IndexRebuilt func(IndexInfo)
	// PartitionFenced reports a partition refused because of corruption.
	PartitionFenced func(Key, *CorruptionError)
	// PartitionFailed reports a write or fsync error that failed a partition.
	PartitionFailed func(Key, error)
	// SegmentRolled reports a new active segment.
	SegmentRolled func(SegmentInfo)
	// SegmentDeleted reports a segment removed by retention, DeleteSegments or
	// Purge.
	SegmentDeleted func(SegmentInfo)
	// OffsetsCompacted reports a rewrite of the offsets log.
	OffsetsCompacted func(CompactInfo)
}

// RecoveryInfo describes the opening of an existing partition.
type RecoveryInfo struct {
	Key          Key
	Clean        bool   // the clean-shutdown marker vouched for the active segment
	Segments     int    // segments found
	BytesScanned int64  // log bytes read and verified
	NextOffset   uint64 // offset the next message will get
	Took         time.Duration
}

// TruncateInfo describes a torn tail cut off a file.
type TruncateInfo struct {
	Key    Key    // zero for the offsets log
	Path   string // the file
	Offset int64  // new size: the end of the last valid record
	Bytes  int64  // bytes removed
	Reason string
}

// IndexInfo describes an index rebuilt from its log.
type IndexInfo struct {
	Key     Key
	Path    string
	Entries int
	Reason  string
}

// SegmentInfo names one segment of a partition.
type SegmentInfo struct {
	Key    Key
	Start  uint64 // first offset, the file name
	Size   int64  // log bytes
	Reason string // for deletions: "expiry", "max size", "request", "purge"
}

// CompactInfo describes a rewrite of the offsets log.
type CompactInfo struct {
	Path        string
	Records     int
	BytesBefore int64
	BytesAfter  int64
}
