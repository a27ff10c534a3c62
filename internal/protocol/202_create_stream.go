// SPDX-License-Identifier: Apache-2.0

// CreateStream (202): [name Name]; the response is the new stream's StreamInfo
// (stream_info.go) with topics_count 0. 0.8.0 carries no stream ID: the server
// assigns it. Fully supported.

package protocol

// CreateStream is the request payload of CreateStream (202).
type CreateStream struct {
	Name string
}

// Code returns CodeCreateStream.
func (*CreateStream) Code() Code { return CodeCreateStream }

// Size returns the encoded payload size.
func (q *CreateStream) Size() int { return 1 + len(q.Name) }

// AppendTo appends the payload encoding.
func (q *CreateStream) AppendTo(dst []byte) []byte {
	return appendName(dst, q.Name)
}

// Decode reads the payload; trailing bytes are accepted.
func (q *CreateStream) Decode(payload []byte) error {
	r := NewReader(payload)
	var v CreateStream
	v.Name = r.Name()
	if err := r.Finish(); err != nil {
		return err
	}
	*q = v
	return nil
}
