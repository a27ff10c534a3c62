// SPDX-License-Identifier: Apache-2.0

// UpdateTopic (304): [stream Identifier][topic Identifier][compression u8]
// [message_expiry u64][max_topic_size u64][replication_factor u8][name Name];
// empty OK response. Raw expiry and size values as in CreateTopic. Fully
// supported.

package protocol

// UpdateTopic is the request payload of UpdateTopic (304).
type UpdateTopic struct {
	Stream               Identifier
	Topic                Identifier
	CompressionAlgorithm uint8
	MessageExpiry        uint64 // µs; 0 = server default
	MaxTopicSize         uint64 // bytes; 0 = server default
	ReplicationFactor    uint8  // 0 = default (1)
	Name                 string
}

// Code returns CodeUpdateTopic.
func (*UpdateTopic) Code() Code { return CodeUpdateTopic }

// Size returns the encoded payload size.
func (q *UpdateTopic) Size() int { return q.Stream.Size() + q.Topic.Size() + 1 + len(q.Name) + 18 }

// AppendTo appends the payload encoding.
func (q *UpdateTopic) AppendTo(dst []byte) []byte {
	dst = q.Stream.AppendTo(dst)
	dst = q.Topic.AppendTo(dst)
	dst = appendU8(dst, q.CompressionAlgorithm)
	dst = appendU64(dst, q.MessageExpiry)
	dst = appendU64(dst, q.MaxTopicSize)
	dst = appendU8(dst, q.ReplicationFactor)
	return appendName(dst, q.Name)
}

// Decode reads the payload; trailing bytes are accepted.
func (q *UpdateTopic) Decode(payload []byte) error {
	r := NewReader(payload)
	var v UpdateTopic
	v.Stream = r.Identifier()
	v.Topic = r.Identifier()
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
