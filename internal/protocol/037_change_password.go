// SPDX-License-Identifier: Apache-2.0

// ChangePassword (37): [user_id Identifier][current u8-len][new u8-len];
// empty OK response. Passwords are UTF-8 strings of 0..255 bytes on the wire;
// the 3..100 length rule (InvalidPassword, 44) is the server's. Fully
// supported.

package protocol

// ChangePassword is the request payload of ChangePassword (37).
type ChangePassword struct {
	User            Identifier
	CurrentPassword string
	NewPassword     string
}

// Code returns CodeChangePassword.
func (*ChangePassword) Code() Code { return CodeChangePassword }

// Size returns the encoded payload size.
func (q *ChangePassword) Size() int {
	return q.User.Size() + 1 + len(q.CurrentPassword) + 1 + len(q.NewPassword)
}

// AppendTo appends the payload encoding.
func (q *ChangePassword) AppendTo(dst []byte) []byte {
	dst = q.User.AppendTo(dst)
	dst = appendName(dst, q.CurrentPassword)
	return appendName(dst, q.NewPassword)
}

// Decode reads the payload; trailing bytes are accepted.
func (q *ChangePassword) Decode(payload []byte) error {
	r := NewReader(payload)
	var v ChangePassword
	v.User = r.Identifier()
	v.CurrentPassword = r.ShortString()
	v.NewPassword = r.ShortString()
	if err := r.Finish(); err != nil {
		return err
	}
	*q = v
	return nil
}
