// SPDX-License-Identifier: Apache-2.0

// GetConsumerGroups (601): [stream Identifier][topic Identifier]; the response
// is a GroupList (group_info.go); an unknown stream or topic is an empty OK.
// Fully supported.

package protocol

// GetConsumerGroups is the request payload of GetConsumerGroups (601).
type GetConsumerGroups struct {
	Stream Identifier
	Topic  Identifier
}

// Code returns CodeGetConsumerGroups.
func (*GetConsumerGroups) Code() Code { return CodeGetConsumerGroups }

// Size returns the encoded payload size.
func (q *GetConsumerGroups) Size() int { return q.Stream.Size() + q.Topic.Size() }

// AppendTo appends the payload encoding.
func (q *GetConsumerGroups) AppendTo(dst []byte) []byte {
	dst = q.Stream.AppendTo(dst)
	return q.Topic.AppendTo(dst)
}

// Decode reads the payload; trailing bytes are accepted.
func (q *GetConsumerGroups) Decode(payload []byte) error {
	r := NewReader(payload)
	var v GetConsumerGroups
	v.Stream = r.Identifier()
	v.Topic = r.Identifier()
	if err := r.Finish(); err != nil {
		return err
	}
	*q = v
	return nil
}
