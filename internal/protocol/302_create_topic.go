// SPDX-License-Identifier: Apache-2.0

// CreateTopic (302): [stream Identifier][partitions_count u32][compression u8]
// [message_expiry u64][max_topic_size u64][replication_factor u8][name Name];
// the response is a TopicDetails (topic_info.go) with the new partitions. The
// expiry and size are raw values (0 = server default, u64 max = never /
// unlimited; §2.9, §2.10); resolving them and the limits (partitions ≤ 1000,
// TooManyPartitions 2015) are the server's job. 0.8.0 carries no topic ID.
// Fully supported.

package protocol

// CreateTopic is the request payload of CreateTopic (302).
type CreateTopic struct {
	Stream               Identifier
	PartitionsCount      uint32
	CompressionAlgorithm uint8  // CompressionNone or CompressionGzip
	MessageExpiry        uint64 // µs; 0 = server default, ExpiryNever
	MaxTopicSize         uint64 // bytes; 0 = server default, TopicSizeUnlimited
	ReplicationFactor    uint8  // 0 = default (1)
	Name                 string
}

// Code returns CodeCreateTopic.
func (*CreateTopic) Code() Code { return CodeCreateTopic }

// Size returns the encoded payload size.
func (q *CreateTopic) Size() int { return q.Stream.Size() + 1 + len(q.Name) + 22 }

// AppendTo appends the payload encoding.
func (q *CreateTopic) AppendTo(dst []byte) []byte {
	dst = q.Stream.AppendTo(dst)
	dst = appendU32(dst, q.PartitionsCount)
	dst = appendU8(dst, q.CompressionAlgorithm)
	dst = appendU64(dst, q.MessageExpiry)
	dst = appendU64(dst, q.MaxTopicSize)
	dst = appendU8(dst, q.ReplicationFactor)
	return appendName(dst, q.Name)
}

// Decode reads the payload; trailing bytes are accepted.
func (q *CreateTopic) Decode(payload []byte) error {
	r := NewReader(payload)
	var v CreateTopic
	v.Stream = r.Identifier()
	v.PartitionsCount = r.U32()
	v.CompressionAlgorithm = r.U8()
	v.MessageExpiry = r.U64()
	v.MaxTopicSize = r.U64()
	v.ReplicationFactor = r.U8()
	v.Name = r.Name()
	if err := r.Finish(); err != nil {
		return err
	}
	*q = v
	return nil
}
