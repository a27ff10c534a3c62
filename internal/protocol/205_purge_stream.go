// SPDX-License-Identifier: Apache-2.0

// PurgeStream (205): [stream Identifier]; empty OK response. The Go SDK v0.8.0
// does not implement it. Fully supported.

package protocol

// PurgeStream is the request payload of PurgeStream (205).
type PurgeStream struct {
	Stream Identifier
}

// Code returns CodePurgeStream.
func (*PurgeStream) Code() Code { return CodePurgeStream }

// Size returns the encoded payload size.
func (q *PurgeStream) Size() int { return q.Stream.Size() }

// AppendTo appends the payload encoding.
func (q *PurgeStream) AppendTo(dst []byte) []byte {
	return q.Stream.AppendTo(dst)
}

// Decode reads the payload; trailing bytes are accepted.
func (q *PurgeStream) Decode(payload []byte) error {
	r := NewReader(payload)
	var v PurgeStream
	v.Stream = r.Identifier()
	if err := r.Finish(); err != nil {
		return err
	}
	*q = v
	return nil
}
