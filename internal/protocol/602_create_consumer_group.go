// SPDX-License-Identifier: Apache-2.0

// CreateConsumerGroup (602): [stream Identifier][topic Identifier][name Name];
// the response is the new group's GroupInfo (group_info.go) with members_count
// 0. 0.8.0 carries no group ID. Fully supported.

package protocol

// CreateConsumerGroup is the request payload of CreateConsumerGroup (602).
type CreateConsumerGroup struct {
	Stream Identifier
	Topic  Identifier
	Name   string
}

// Code returns CodeCreateConsumerGroup.
func (*CreateConsumerGroup) Code() Code { return CodeCreateConsumerGroup }

// Size returns the encoded payload size.
func (q *CreateConsumerGroup) Size() int { return q.Stream.Size() + q.Topic.Size() + 1 + len(q.Name) }

// AppendTo appends the payload encoding.
func (q *CreateConsumerGroup) AppendTo(dst []byte) []byte {
	dst = q.Stream.AppendTo(dst)
	dst = q.Topic.AppendTo(dst)
	return appendName(dst, q.Name)
}

// Decode reads the payload; trailing bytes are accepted.
func (q *CreateConsumerGroup) Decode(payload []byte) error {
	r := NewReader(payload)
	var v CreateConsumerGroup
	v.Stream = r.Identifier()
	v.Topic = r.Identifier()
	v.Name = r.Name()
	if err := r.Finish(); err != nil {
		return err
	}
	*q = v
	return nil
}
