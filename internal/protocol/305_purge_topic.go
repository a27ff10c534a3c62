// SPDX-License-Identifier: Apache-2.0

// PurgeTopic (305): [stream Identifier][topic Identifier]; empty OK response.
// The Go SDK v0.8.0 does not implement it. Fully supported.

package protocol

// PurgeTopic is the request payload of PurgeTopic (305).
type PurgeTopic struct {
	Stream Identifier
	Topic  Identifier
}

// Code returns CodePurgeTopic.
func (*PurgeTopic) Code() Code { return CodePurgeTopic }

// Size returns the encoded payload size.
func (q *PurgeTopic) Size() int { return q.Stream.Size() + q.Topic.Size() }

// AppendTo appends the payload encoding.
func (q *PurgeTopic) AppendTo(dst []byte) []byte {
	dst = q.Stream.AppendTo(dst)
	return q.Topic.AppendTo(dst)
}

// Decode reads the payload; trailing bytes are accepted.
func (q *PurgeTopic) Decode(payload []byte) error {
	r := NewReader(payload)
	var v PurgeTopic
	v.Stream = r.Identifier()
	v.Topic = r.Identifier()
	if err := r.Finish(); err != nil {
		return err
	}
	*q = v
	return nil
}
