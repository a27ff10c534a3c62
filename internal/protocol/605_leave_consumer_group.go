// SPDX-License-Identifier: Apache-2.0

// LeaveConsumerGroup (605): [stream Identifier][topic Identifier]
// [group Identifier]; empty OK response. Fully supported.

package protocol

// LeaveConsumerGroup is the request payload of LeaveConsumerGroup (605).
type LeaveConsumerGroup struct {
	Stream Identifier
	Topic  Identifier
	Group  Identifier
}

// Code returns CodeLeaveConsumerGroup.
func (*LeaveConsumerGroup) Code() Code { return CodeLeaveConsumerGroup }

// Size returns the encoded payload size.
func (q *LeaveConsumerGroup) Size() int { return q.Stream.Size() + q.Topic.Size() + q.Group.Size() }

// AppendTo appends the payload encoding.
func (q *LeaveConsumerGroup) AppendTo(dst []byte) []byte {
	dst = q.Stream.AppendTo(dst)
	dst = q.Topic.AppendTo(dst)
	return q.Group.AppendTo(dst)
}

// Decode reads the payload; trailing bytes are accepted.
func (q *LeaveConsumerGroup) Decode(payload []byte) error {
	r := NewReader(payload)
	var v LeaveConsumerGroup
	v.Stream = r.Identifier()
	v.Topic = r.Identifier()
	v.Group = r.Identifier()
	if err := r.Finish(); err != nil {
		return err
	}
	*q = v
	return nil
}
