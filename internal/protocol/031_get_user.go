// SPDX-License-Identifier: Apache-2.0

// GetUser (31): [user_id Identifier]; the response is a UserDetails
// (user_info.go), or an empty OK when the user does not exist. Fully supported.

package protocol

// GetUser is the request payload of GetUser (31).
type GetUser struct {
	User Identifier
}

// Code returns CodeGetUser.
func (*GetUser) Code() Code { return CodeGetUser }

// Size returns the encoded payload size.
func (q *GetUser) Size() int { return q.User.Size() }

// AppendTo appends the payload encoding.
func (q *GetUser) AppendTo(dst []byte) []byte {
	return q.User.AppendTo(dst)
}

// Decode reads the payload; trailing bytes are accepted.
func (q *GetUser) Decode(payload []byte) error {
	r := NewReader(payload)
	var v GetUser
	v.User = r.Identifier()
	if err := r.Finish(); err != nil {
		return err
	}
	*q = v
	return nil
}
