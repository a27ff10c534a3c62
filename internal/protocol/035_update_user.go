// SPDX-License-Identifier: Apache-2.0

// UpdateUser (35): [user_id Identifier][has_username u8]([username Name])?
// [has_status u8]([status u8])?; empty OK response. Only a flag of exactly 1
// means present, as in the 0.8.0 decoder. Fully supported.

package protocol

// UpdateUser is the request payload of UpdateUser (35).
type UpdateUser struct {
	User      Identifier
	Username  string // "" = unchanged
	HasStatus bool
	Status    uint8 // when HasStatus
}

// Code returns CodeUpdateUser.
func (*UpdateUser) Code() Code { return CodeUpdateUser }

// Size returns the encoded payload size.
func (q *UpdateUser) Size() int {
	n := q.User.Size() + 2
	if q.Username != "" {
		n += 1 + len(q.Username)
	}
	if q.HasStatus {
		n++
	}
	return n
}

// AppendTo appends the payload encoding, as the Go SDK does: an empty
// Username is written as absent.
func (q *UpdateUser) AppendTo(dst []byte) []byte {
	dst = q.User.AppendTo(dst)
	if q.Username != "" {
		dst = appendName(append(dst, 1), q.Username)
	} else {
		dst = append(dst, 0)
	}
	if q.HasStatus {
		return append(dst, 1, q.Status)
	}
	return append(dst, 0)
}

// Decode reads the payload; trailing bytes are accepted.
func (q *UpdateUser) Decode(payload []byte) error {
	r := NewReader(payload)
	var v UpdateUser
	v.User = r.Identifier()
	if r.U8() == 1 {
		v.Username = r.Name()
	}
	if r.U8() == 1 {
		v.HasStatus = true
		v.Status = r.U8()
	}
	if err := r.Finish(); err != nil {
		return err
	}
	*q = v
	return nil
}
