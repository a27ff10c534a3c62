// SPDX-License-Identifier: Apache-2.0

// GetStream (200): [stream Identifier]; the response is a StreamDetails
// (stream_info.go), or an empty OK when the stream does not exist. Fully
// supported.

package protocol

// GetStream is the request payload of GetStream (200).
type GetStream struct {
	Stream Identifier
}

// Code returns CodeGetStream.
func (*GetStream) Code() Code { return CodeGetStream }

// Size returns the encoded payload size.
func (q *GetStream) Size() int { return q.Stream.Size() }

// AppendTo appends the payload encoding.
func (q *GetStream) AppendTo(dst []byte) []byte {
	return q.Stream.AppendTo(dst)
}

// Decode reads the payload; trailing bytes are accepted.
func (q *GetStream) Decode(payload []byte) error {
	r := NewReader(payload)
	var v GetStream
	v.Stream = r.Identifier()
	if err := r.Finish(); err != nil {
		return err
	}
	*q = v
	return nil
}
