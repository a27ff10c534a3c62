// SPDX-License-Identifier: Apache-2.0

// JoinConsumerGroup (604): [stream Identifier][topic Identifier]
// [group Identifier]; empty OK response. Fully supported.

package protocol

// JoinConsumerGroup is the request payload of JoinConsumerGroup (604).
type JoinConsumerGroup struct {
	Stream Identifier
	Topic  Identifier
	Group  Identifier
}

// Code returns CodeJoinConsumerGroup.
func (*JoinConsumerGroup) Code() Code { return CodeJoinConsumerGroup }

// Size returns the encoded payload size.
func (q *JoinConsumerGroup) Size() int { return q.Stream.Size() + q.Topic.Size() + q.Group.Size() }

// AppendTo appends the payload encoding.
func (q *JoinConsumerGroup) AppendTo(dst []byte) []byte {
	dst = q.Stream.AppendTo(dst)
	dst = q.Topic.AppendTo(dst)
	return q.Group.AppendTo(dst)
}

// Decode reads the payload; trailing bytes are accepted.
func (q *JoinConsumerGroup) Decode(payload []byte) error {
	r := NewReader(payload)
	var v JoinConsumerGroup
	v.Stream = r.Identifier()
	v.Topic = r.Identifier()
	v.Group = r.Identifier()
	if err := r.Finish(); err != nil {
		return err
	}
	*q = v
	return nil
}
