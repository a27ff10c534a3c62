// SPDX-License-Identifier: Apache-2.0

// DeleteStream (203): [stream Identifier]; empty OK response. Fully supported.

package protocol

// DeleteStream is the request payload of DeleteStream (203).
type DeleteStream struct {
	Stream Identifier
}

// Code returns CodeDeleteStream.
func (*DeleteStream) Code() Code { return CodeDeleteStream }

// Size returns the encoded payload size.
func (q *DeleteStream) Size() int { return q.Stream.Size() }

// AppendTo appends the payload encoding.
func (q *DeleteStream) AppendTo(dst []byte) []byte {
	return q.Stream.AppendTo(dst)
}

// Decode reads the payload; trailing bytes are accepted.
func (q *DeleteStream) Decode(payload []byte) error {
	r := NewReader(payload)
	var v DeleteStream
	v.Stream = r.Identifier()
	if err := r.Finish(); err != nil {
		return err
	}
	*q = v
	return nil
}
