// SPDX-License-Identifier: Apache-2.0

// DeleteConsumerGroup (603): [stream Identifier][topic Identifier]
// [group Identifier]; empty OK response. Fully supported.

package protocol

// DeleteConsumerGroup is the request payload of DeleteConsumerGroup (603).
type DeleteConsumerGroup struct {
	Stream Identifier
	Topic  Identifier
	Group  Identifier
}

// Code returns CodeDeleteConsumerGroup.
func (*DeleteConsumerGroup) Code() Code { return CodeDeleteConsumerGroup }

// Size returns the encoded payload size.
func (q *DeleteConsumerGroup) Size() int { return q.Stream.Size() + q.Topic.Size() + q.Group.Size() }

// AppendTo appends the payload encoding.
func (q *DeleteConsumerGroup) AppendTo(dst []byte) []byte {
	dst = q.Stream.AppendTo(dst)
	dst = q.Topic.AppendTo(dst)
	return q.Group.AppendTo(dst)
}

// Decode reads the payload; trailing bytes are accepted.
func (q *DeleteConsumerGroup) Decode(payload []byte) error {
	r := NewReader(payload)
	var v DeleteConsumerGroup
	v.Stream = r.Identifier()
	v.Topic = r.Identifier()
	v.Group = r.Identifier()
	if err := r.Finish(); err != nil {
		return err
	}
	*q = v
	return nil
}
