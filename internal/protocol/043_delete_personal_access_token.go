// SPDX-License-Identifier: Apache-2.0

// DeletePersonalAccessToken (43): [name Name]; empty OK response. Fully
// supported.

package protocol

// DeletePersonalAccessToken is the request payload of DeletePersonalAccessToken (43).
type DeletePersonalAccessToken struct {
	Name string
}

// Code returns CodeDeletePersonalAccessToken.
func (*DeletePersonalAccessToken) Code() Code { return CodeDeletePersonalAccessToken }

// Size returns the encoded payload size.
func (q *DeletePersonalAccessToken) Size() int { return 1 + len(q.Name) }

// AppendTo appends the payload encoding.
func (q *DeletePersonalAccessToken) AppendTo(dst []byte) []byte {
	return appendName(dst, q.Name)
}

// Decode reads the payload; trailing bytes are accepted.
func (q *DeletePersonalAccessToken) Decode(payload []byte) error {
	r := NewReader(payload)
	var v DeletePersonalAccessToken
	v.Name = r.Name()
	if err := r.Finish(); err != nil {
		return err
	}
	*q = v
	return nil
}
