// SPDX-License-Identifier: Apache-2.0

// GetTopic (300): [stream Identifier][topic Identifier]; the response is a
// TopicDetails (topic_info.go), or an empty OK when the topic or its stream does
// not exist. Fully supported.

package protocol

// GetTopic is the request payload of GetTopic (300).
type GetTopic struct {
	Stream Identifier
	Topic  Identifier
}

// Code returns CodeGetTopic.
func (*GetTopic) Code() Code { return CodeGetTopic }

// Size returns the encoded payload size.
func (q *GetTopic) Size() int { return q.Stream.Size() + q.Topic.Size() }

// AppendTo appends the payload encoding.
func (q *GetTopic) AppendTo(dst []byte) []byte {
	dst = q.Stream.AppendTo(dst)
	return q.Topic.AppendTo(dst)
}

// Decode reads the payload; trailing bytes are accepted.
func (q *GetTopic) Decode(payload []byte) error {
	r := NewReader(payload)
	var v GetTopic
	v.Stream = r.Identifier()
	v.Topic = r.Identifier()
	if err := r.Finish(); err != nil {
		return err
	}
	*q = v
	return nil
}
