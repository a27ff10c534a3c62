// SPDX-License-Identifier: Apache-2.0

// DeletePartitions (403): [stream Identifier][topic Identifier]
// [partitions_count u32]; empty OK response; the server removes the highest
// partition IDs. Fully supported.

package protocol

// DeletePartitions is the request payload of DeletePartitions (403).
type DeletePartitions struct {
	Stream          Identifier
	Topic           Identifier
	PartitionsCount uint32
}

// Code returns CodeDeletePartitions.
func (*DeletePartitions) Code() Code { return CodeDeletePartitions }

// Size returns the encoded payload size.
func (q *DeletePartitions) Size() int { return q.Stream.Size() + q.Topic.Size() + 4 }

// AppendTo appends the payload encoding.
func (q *DeletePartitions) AppendTo(dst []byte) []byte {
	dst = q.Stream.AppendTo(dst)
	dst = q.Topic.AppendTo(dst)
	return appendU32(dst, q.PartitionsCount)
}

// Decode reads the payload; trailing bytes are accepted.
func (q *DeletePartitions) Decode(payload []byte) error {
	r := NewReader(payload)
	var v DeletePartitions
	v.Stream = r.Identifier()
	v.Topic = r.Identifier()
	v.PartitionsCount = r.U32()
	if err := r.Finish(); err != nil {
		return err
	}
	*q = v
	return nil
}
