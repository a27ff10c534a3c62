// SPDX-License-Identifier: Apache-2.0

// FlushUnsavedBuffer (102): [stream Identifier][topic Identifier]
// [partition_id u32][fsync u8]; empty OK response. fsync is true when non-zero.
// The Go SDK v0.8.0 does not implement it. Fully supported.

package protocol

// FlushUnsavedBuffer is the request payload of FlushUnsavedBuffer (102).
type FlushUnsavedBuffer struct {
	Stream      Identifier
	Topic       Identifier
	PartitionID uint32
	Fsync       bool
}

// Code returns CodeFlushUnsavedBuffer.
func (*FlushUnsavedBuffer) Code() Code { return CodeFlushUnsavedBuffer }

// Size returns the encoded payload size.
func (q *FlushUnsavedBuffer) Size() int { return q.Stream.Size() + q.Topic.Size() + 5 }

// AppendTo appends the payload encoding.
func (q *FlushUnsavedBuffer) AppendTo(dst []byte) []byte {
	dst = q.Stream.AppendTo(dst)
	dst = q.Topic.AppendTo(dst)
	dst = appendU32(dst, q.PartitionID)
	return appendBool(dst, q.Fsync)
}

// Decode reads the payload; trailing bytes are accepted.
func (q *FlushUnsavedBuffer) Decode(payload []byte) error {
	r := NewReader(payload)
	var v FlushUnsavedBuffer
	v.Stream = r.Identifier()
	v.Topic = r.Identifier()
	v.PartitionID = r.U32()
	v.Fsync = r.Bool()
	if err := r.Finish(); err != nil {
		return err
	}
	*q = v
	return nil
}
