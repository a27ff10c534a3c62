// SPDX-License-Identifier: Apache-2.0

// DeleteSegments (503): [stream Identifier][topic Identifier][partition_id u32]
// [segments_count u32]; empty OK response. The Go SDK v0.8.0 does not implement
// it. Fully supported.

package protocol

// DeleteSegments is the request payload of DeleteSegments (503).
type DeleteSegments struct {
	Stream        Identifier
	Topic         Identifier
	PartitionID   uint32
	SegmentsCount uint32
}

// Code returns CodeDeleteSegments.
func (*DeleteSegments) Code() Code { return CodeDeleteSegments }

// Size returns the encoded payload size.
func (q *DeleteSegments) Size() int { return q.Stream.Size() + q.Topic.Size() + 8 }

// AppendTo appends the payload encoding.
func (q *DeleteSegments) AppendTo(dst []byte) []byte {
	dst = q.Stream.AppendTo(dst)
	dst = q.Topic.AppendTo(dst)
	dst = appendU32(dst, q.PartitionID)
	return appendU32(dst, q.SegmentsCount)
}

// Decode reads the payload; trailing bytes are accepted.
func (q *DeleteSegments) Decode(payload []byte) error {
	r := NewReader(payload)
	var v DeleteSegments
	v.Stream = r.Identifier()
	v.Topic = r.Identifier()
	v.PartitionID = r.U32()
	v.SegmentsCount = r.U32()
	if err := r.Finish(); err != nil {
		return err
	}
	*q = v
	return nil
}
