// SPDX-License-Identifier: Apache-2.0

package protocol

import "encoding/binary"

// PartitioningKind is the kind byte of a Partitioning.
type PartitioningKind uint8

// Partitioning kinds (protocol doc §2.5).
const (
	PartitioningBalanced    PartitioningKind = 1 // round robin per topic
	PartitioningPartitionID PartitioningKind = 2 // explicit partition
	PartitioningMessagesKey PartitioningKind = 3 // XXH32(key) mod partitions
)

// Partitioning tells SendMessages where a batch goes:
// [kind u8][length u8][value], with length 0 for balanced, 4 and a u32 for
// partition_id, and the key bytes for messages_key.
type Partitioning struct {
	Kind        PartitioningKind
	PartitionID uint32 // when Kind == PartitioningPartitionID
	Key         []byte // when Kind == PartitioningMessagesKey; aliases the payload when decoded
}

// Balanced returns balanced partitioning.
func Balanced() Partitioning { return Partitioning{Kind: PartitioningBalanced} }

// PartitionByID returns partitioning to one explicit (0-based) partition.
func PartitionByID(id uint32) Partitioning {
	return Partitioning{Kind: PartitioningPartitionID, PartitionID: id}
}

// PartitionByKey returns messages-key partitioning. The SDKs send keys of
// 1..255 bytes.
func PartitionByKey(key []byte) Partitioning {
	return Partitioning{Kind: PartitioningMessagesKey, Key: key}
}

// Size returns the encoded size.
func (p Partitioning) Size() int {
	switch p.Kind {
	case PartitioningPartitionID:
		return 6
	case PartitioningMessagesKey:
		return 2 + len(p.Key)
	}
	return 2
}

// AppendTo appends the encoding of p. Kinds other than partition_id and
// messages_key are written as balanced.
func (p Partitioning) AppendTo(dst []byte) []byte {
	switch p.Kind {
	case PartitioningPartitionID:
		return appendU32(append(dst, byte(PartitioningPartitionID), 4), p.PartitionID)
	case PartitioningMessagesKey:
		dst = append(dst, byte(PartitioningMessagesKey), uint8(len(p.Key)))
		return append(dst, p.Key...)
	}
	return append(dst, byte(PartitioningBalanced), 0)
}

// parsePartitioning decodes the partitioning at the start of b as the 0.8.0
// server does on the SendMessages path (Partitioning::from_raw_bytes in
// core/common): every failure, short input included, is
// StatusInvalidCommand. Note that the 0.8.0 server accepts messages_key with
// length 0 (it hashes the empty key); so do we. Key aliases b.
func parsePartitioning(b []byte) (p Partitioning, n int, st Status, reason string) {
	if len(b) < 2 {
		return Partitioning{}, 0, StatusInvalidCommand, "short partitioning"
	}
	kind, length := PartitioningKind(b[0]), int(b[1])
	switch kind {
	case PartitioningBalanced:
		if length != 0 {
			return Partitioning{}, 0, StatusInvalidCommand, "balanced partitioning with a value"
		}
	case PartitioningPartitionID:
		if length != 4 {
			return Partitioning{}, 0, StatusInvalidCommand, "partition_id partitioning length is not 4"
		}
	case PartitioningMessagesKey:
	default:
		return Partitioning{}, 0, StatusInvalidCommand, "unknown partitioning kind"
	}
	if len(b) < 2+length {
		return Partitioning{}, 0, StatusInvalidCommand, "short partitioning value"
	}
	p.Kind = kind
	switch kind {
	case PartitioningPartitionID:
		p.PartitionID = binary.LittleEndian.Uint32(b[2:6])
	case PartitioningMessagesKey:
		p.Key = b[2 : 2+length : 2+length]
	}
	return p, 2 + length, StatusOK, ""
}
