// SPDX-License-Identifier: Apache-2.0

// GetConsumerGroup (600): [stream Identifier][topic Identifier]
// [group Identifier]; the response is a GroupDetails (group_info.go), or an
// empty OK when the group, topic or stream does not exist. Fully supported.

package protocol

// GetConsumerGroup is the request payload of GetConsumerGroup (600).
type GetConsumerGroup struct {
	Stream Identifier
	Topic  Identifier
	Group  Identifier
}

// Code returns CodeGetConsumerGroup.
func (*GetConsumerGroup) Code() Code { return CodeGetConsumerGroup }

// Size returns the encoded payload size.
func (q *GetConsumerGroup) Size() int { return q.Stream.Size() + q.Topic.Size() + q.Group.Size() }

// AppendTo appends the payload encoding.
func (q *GetConsumerGroup) AppendTo(dst []byte) []byte {
	dst = q.Stream.AppendTo(dst)
	dst = q.Topic.AppendTo(dst)
	return q.Group.AppendTo(dst)
}

// Decode reads the payload; trailing bytes are accepted.
func (q *GetConsumerGroup) Decode(payload []byte) error {
	r := NewReader(payload)
	var v GetConsumerGroup
	v.Stream = r.Identifier()
	v.Topic = r.Identifier()
	v.Group = r.Identifier()
	if err := r.Finish(); err != nil {
		return err
	}
	*q = v
	return nil
}
