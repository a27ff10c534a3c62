// SPDX-License-Identifier: Apache-2.0

package storage

import (
	"errors"
	"fmt"
)

var (
	// ErrClosed is returned by every call on an Engine, or on a Partition of
	// it, after Engine.Close has begun, and by a Partition after it was
	// dropped.
	ErrClosed = errors.New("storage: closed")
	// ErrPartitionFailed is wrapped, together with the I/O error that caused
	// it, by every Append of a partition whose write or fsync failed, from the
	// failed batch on. The partition stays failed until it is reopened.
	ErrPartitionFailed = errors.New("storage: partition failed")
	// ErrPartitionFenced is wrapped, together with a *CorruptionError, by
	// OpenPartition and by reads and appends of a partition whose files hold
	// damage that a crash cannot explain.
	ErrPartitionFenced = errors.New("storage: partition fenced")
	// ErrPartitionOpen is returned by OpenPartition for a key that is already
	// open on this engine.
	ErrPartitionOpen = errors.New("storage: partition already open")
	// ErrInvalidBatch is returned by Append when frames does not hold exactly
	// count well-formed message frames. The partition is not affected.
	ErrInvalidBatch = errors.New("storage: invalid message batch")
	// ErrFormatVersion is returned by Open when the data directory was written
	// by an incompatible storage format.
	ErrFormatVersion = errors.New("storage: unsupported data format version")
	// ErrOffsetsFailed is wrapped by StoreOffset and DeleteOffset after a write
	// or fsync of the offsets log failed; reopening the engine recovers.
	ErrOffsetsFailed = errors.New("storage: consumer offsets log failed")
)

// CorruptionError describes damage at a position of a file. Recovery returns
// it (wrapped with ErrPartitionFenced) for damage that a crash cannot leave:
// inside a sealed segment, or a sealed segment that disagrees with its
// neighbours. Reads return it for a stored message whose checksum fails.
// Callers use errors.As to tell it from I/O errors.
type CorruptionError struct {
	Path   string // file holding the damage
	Offset int64  // byte position in Path
	Reason string
}

func (e *CorruptionError) Error() string {
	return fmt.Sprintf("corruption in %s at byte %d: %s", e.Path, e.Offset, e.Reason)
}
