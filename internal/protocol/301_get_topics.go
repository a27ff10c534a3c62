// SPDX-License-Identifier: Apache-2.0

// GetTopics (301): [stream Identifier]; the response is a TopicList
// (topic_info.go), sorted by ID; an unknown stream is an empty OK. Fully
// supported.

package protocol

// GetTopics is the request payload of GetTopics (301).
type GetTopics struct {
	Stream Identifier
}

// Code returns CodeGetTopics.
func (*GetTopics) Code() Code { return CodeGetTopics }

// Size returns the encoded payload size.
func (q *GetTopics) Size() int { return q.Stream.Size() }

// AppendTo appends the payload encoding.
func (q *GetTopics) AppendTo(dst []byte) []byte {
	return q.Stream.AppendTo(dst)
}

// Decode reads the payload; trailing bytes are accepted.
func (q *GetTopics) Decode(payload []byte) error {
	r := NewReader(payload)
	var v GetTopics
	v.Stream = r.Identifier()
	if err := r.Finish(); err != nil {
		return err
	}
	*q = v
	return nil
}
