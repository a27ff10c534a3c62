// SPDX-License-Identifier: Apache-2.0

// DeleteTopic (303): [stream Identifier][topic Identifier]; empty OK response.
// Fully supported.

package protocol

// DeleteTopic is the request payload of DeleteTopic (303).
type DeleteTopic struct {
	Stream Identifier
	Topic  Identifier
}

// Code returns CodeDeleteTopic.
func (*DeleteTopic) Code() Code { return CodeDeleteTopic }

// Size returns the encoded payload size.
func (q *DeleteTopic) Size() int { return q.Stream.Size() + q.Topic.Size() }

// AppendTo appends the payload encoding.
func (q *DeleteTopic) AppendTo(dst []byte) []byte {
	dst = q.Stream.AppendTo(dst)
	return q.Topic.AppendTo(dst)
}

// Decode reads the payload; trailing bytes are accepted.
func (q *DeleteTopic) Decode(payload []byte) error {
	r := NewReader(payload)
	var v DeleteTopic
	v.Stream = r.Identifier()
	v.Topic = r.Identifier()
	if err := r.Finish(); err != nil {
		return err
	}
	*q = v
	return nil
}
