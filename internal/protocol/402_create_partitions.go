// SPDX-License-Identifier: Apache-2.0

// CreatePartitions (402): [stream Identifier][topic Identifier]
// [partitions_count u32]; empty OK response. The 1..1000 rule is the server's.
// Fully supported.

package protocol

// CreatePartitions is the request payload of CreatePartitions (402).
type CreatePartitions struct {
	Stream          Identifier
	Topic           Identifier
	PartitionsCount uint32
}

// Code returns CodeCreatePartitions.
func (*CreatePartitions) Code() Code { return CodeCreatePartitions }

// Size returns the encoded payload size.
func (q *CreatePartitions) Size() int { return q.Stream.Size() + q.Topic.Size() + 4 }

// AppendTo appends the payload encoding.
func (q *CreatePartitions) AppendTo(dst []byte) []byte {
	dst = q.Stream.AppendTo(dst)
	dst = q.Topic.AppendTo(dst)
	return appendU32(dst, q.PartitionsCount)
}

// Decode reads the payload; trailing bytes are accepted.
func (q *CreatePartitions) Decode(payload []byte) error {
	r := NewReader(payload)
	var v CreatePartitions
	v.Stream = r.Identifier()
	v.Topic = r.Identifier()
	v.PartitionsCount = r.U32()
	if err := r.Finish(); err != nil {
		return err
	}
	*q = v
	return nil
}
