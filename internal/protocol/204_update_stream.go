// SPDX-License-Identifier: Apache-2.0

// UpdateStream (204): [stream Identifier][name Name]; empty OK response. Fully
// supported.

package protocol

// UpdateStream is the request payload of UpdateStream (204).
type UpdateStream struct {
	Stream Identifier
	Name   string
}

// Code returns CodeUpdateStream.
func (*UpdateStream) Code() Code { return CodeUpdateStream }

// Size returns the encoded payload size.
func (q *UpdateStream) Size() int { return q.Stream.Size() + 1 + len(q.Name) }

// AppendTo appends the payload encoding.
func (q *UpdateStream) AppendTo(dst []byte) []byte {
	dst = q.Stream.AppendTo(dst)
	return appendName(dst, q.Name)
}

// Decode reads the payload; trailing bytes are accepted.
func (q *UpdateStream) Decode(payload []byte) error {
	r := NewReader(payload)
	var v UpdateStream
	v.Stream = r.Identifier()
	v.Name = r.Name()
	if err := r.Finish(); err != nil {
		return err
	}
	*q = v
	return nil
}
