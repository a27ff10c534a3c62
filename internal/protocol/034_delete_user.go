// SPDX-License-Identifier: Apache-2.0

// DeleteUser (34): [user_id Identifier]; empty OK response. Fully supported.

package protocol

// DeleteUser is the request payload of DeleteUser (34).
type DeleteUser struct {
	User Identifier
}

// Code returns CodeDeleteUser.
func (*DeleteUser) Code() Code { return CodeDeleteUser }

// Size returns the encoded payload size.
func (q *DeleteUser) Size() int { return q.User.Size() }

// AppendTo appends the payload encoding.
func (q *DeleteUser) AppendTo(dst []byte) []byte {
	return q.User.AppendTo(dst)
}

// Decode reads the payload; trailing bytes are accepted.
func (q *DeleteUser) Decode(payload []byte) error {
	r := NewReader(payload)
	var v DeleteUser
	v.User = r.Identifier()
	if err := r.Finish(); err != nil {
		return err
	}
	*q = v
	return nil
}
