// SPDX-License-Identifier: Apache-2.0

package protocol

import "strconv"

// Fixed sizes of the topic response structures.
const (
	TopicInfoFixedSize = 51 // without the name bytes
	PartitionInfoSize  = 40
)

// Compression algorithms of a topic (metadata only; protocol doc §2.11).
const (
	CompressionNone uint8 = 1
	CompressionGzip uint8 = 2
)

// Special values of the raw u64 message_expiry (µs) and max_topic_size
// (bytes) fields (protocol doc §2.9, §2.10). In requests 0 means "server
// default"; responses carry the resolved value. Resolution is the server's
// job.
const (
	ExpiryServerDefault uint64 = 0
	ExpiryNever         uint64 = ^uint64(0)
	TopicSizeDefault    uint64 = 0
	TopicSizeUnlimited  uint64 = ^uint64(0)
)

// TopicInfo is a topic header (protocol doc §3.3.2): an element of GetTopics,
// the tail of GetStream and the head of GetTopic and CreateTopic.
//
//	off  0 id u32              4 created_at u64       12 partitions_count u32
//	    16 message_expiry u64 24 compression u8       25 max_topic_size u64
//	    33 replication u8     34 size_bytes u64       42 messages_count u64
//	    50 name Name
type TopicInfo struct {
	ID                   uint32
	CreatedAt            uint64
	PartitionsCount      uint32
	MessageExpiry        uint64
	CompressionAlgorithm uint8
	MaxTopicSize         uint64
	ReplicationFactor    uint8
	SizeBytes            uint64
	MessagesCount        uint64
	Name                 string
}

// Size returns the encoded size, 51 + len(Name).
func (t *TopicInfo) Size() int { return TopicInfoFixedSize + len(t.Name) }

// AppendTo appends the encoding of t.
func (t *TopicInfo) AppendTo(dst []byte) []byte {
	dst = appendU32(dst, t.ID)
	dst = appendU64(dst, t.CreatedAt)
	dst = appendU32(dst, t.PartitionsCount)
	dst = appendU64(dst, t.MessageExpiry)
	dst = appendU8(dst, t.CompressionAlgorithm)
	dst = appendU64(dst, t.MaxTopicSize)
	dst = appendU8(dst, t.ReplicationFactor)
	dst = appendU64(dst, t.SizeBytes)
	dst = appendU64(dst, t.MessagesCount)
	return appendName(dst, t.Name)
}

func (r *Reader) topicInfo() TopicInfo {
	var t TopicInfo
	t.ID = r.U32()
	t.CreatedAt = r.U64()
	t.PartitionsCount = r.U32()
	t.MessageExpiry = r.U64()
	t.CompressionAlgorithm = r.U8()
	t.MaxTopicSize = r.U64()
	t.ReplicationFactor = r.U8()
	t.SizeBytes = r.U64()
	t.MessagesCount = r.U64()
	t.Name = r.Name()
	return t
}

// TopicList is the GetTopics response: TopicInfo × N, sorted by ID by the
// server. An empty payload is an empty list (also sent for an unknown
// stream).
type TopicList []TopicInfo

// AppendTo appends the concatenated encodings.
func (l TopicList) AppendTo(dst []byte) []byte {
	for i := range l {
		dst = l[i].AppendTo(dst)
	}
	return dst
}

// Decode reads TopicInfo records to the end of the payload.
func (l *TopicList) Decode(payload []byte) error {
	r := NewReader(payload)
	out := make(TopicList, 0, r.capacity(uint64(len(payload)), TopicInfoFixedSize+1))
	for r.Remaining() > 0 && !r.Failed() {
		out = append(out, r.topicInfo())
	}
	if err := r.Finish(); err != nil {
		return err
	}
	*l = out
	return nil
}

// PartitionInfo is one partition of a topic (protocol doc §3.3.3), 40 bytes:
//
//	off 0 id u32  4 created_at u64  12 segments_count u32  16 current_offset u64
//	   24 size_bytes u64  32 messages_count u64
type PartitionInfo struct {
	ID            uint32
	CreatedAt     uint64
	SegmentsCount uint32
	CurrentOffset uint64
	SizeBytes     uint64
	MessagesCount uint64
}

// AppendTo appends the 40-byte encoding of p.
func (p *PartitionInfo) AppendTo(dst []byte) []byte {
	dst = appendU32(dst, p.ID)
	dst = appendU64(dst, p.CreatedAt)
	dst = appendU32(dst, p.SegmentsCount)
	dst = appendU64(dst, p.CurrentOffset)
	dst = appendU64(dst, p.SizeBytes)
	return appendU64(dst, p.MessagesCount)
}

func (r *Reader) partitionInfo() PartitionInfo {
	var p PartitionInfo
	p.ID = r.U32()
	p.CreatedAt = r.U64()
	p.SegmentsCount = r.U32()
	p.CurrentOffset = r.U64()
	p.SizeBytes = r.U64()
	p.MessagesCount = r.U64()
	return p
}

// TopicDetails is the GetTopic and CreateTopic response: the topic header
// followed by its partitions, ordered by ID. AppendTo writes
// len(Partitions) as partitions_count; Decode reads partitions to the end of
// the payload and rejects a count mismatch with StatusInvalidFormat, as the
// Rust SDK does.
type TopicDetails struct {
	Topic      TopicInfo
	Partitions []PartitionInfo
}

// AppendTo appends the encoding of d.
func (d *TopicDetails) AppendTo(dst []byte) []byte {
	t := d.Topic
	t.PartitionsCount = uint32(len(d.Partitions))
	dst = t.AppendTo(dst)
	for i := range d.Partitions {
		dst = d.Partitions[i].AppendTo(dst)
	}
	return dst
}

// Decode reads a GetTopic or CreateTopic response; an empty payload (topic
// not found) is ErrEmpty.
func (d *TopicDetails) Decode(payload []byte) error {
	if len(payload) == 0 {
		return ErrEmpty
	}
	r := NewReader(payload)
	t := r.topicInfo()
	parts := make([]PartitionInfo, 0, r.capacity(uint64(t.PartitionsCount), PartitionInfoSize))
	for r.Remaining() > 0 && !r.Failed() {
		parts = append(parts, r.partitionInfo())
	}
	if !r.Failed() && uint64(len(parts)) != uint64(t.PartitionsCount) {
		r.Fail(StatusInvalidFormat, "partitions_count "+strconv.FormatUint(uint64(t.PartitionsCount), 10)+
			", decoded "+strconv.Itoa(len(parts)))
	}
	if err := r.Finish(); err != nil {
		return err
	}
	d.Topic, d.Partitions = t, parts
	return nil
}
