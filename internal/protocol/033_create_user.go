// SPDX-License-Identifier: Apache-2.0

// CreateUser (33): [username Name][password u8-len][status u8]
// [has_permissions u8]([perm_len u32][permissions])?; the response is the new
// user's UserDetails (user_info.go; the 0.8.0 handler sends it although the
// protocol crate's response type says "empty"). Username 3..50 and password
// 3..100 bytes (InvalidUsername 43, InvalidPassword 44) and status 1|2 are
// the server's checks. A perm_len that differs from the decoded permissions
// is InvalidFormat (4). Fully supported.

package protocol

// CreateUser is the request payload of CreateUser (33).
type CreateUser struct {
	Username    string
	Password    string
	Status      uint8        // UserActive or UserInactive
	Permissions *Permissions // nil = none
}

// Code returns CodeCreateUser.
func (*CreateUser) Code() Code { return CodeCreateUser }

// Size returns the encoded payload size.
func (q *CreateUser) Size() int {
	return 1 + len(q.Username) + 1 + len(q.Password) + 1 + optionalPermissionsSize(q.Permissions)
}

// AppendTo appends the payload encoding.
func (q *CreateUser) AppendTo(dst []byte) []byte {
	dst = appendName(dst, q.Username)
	dst = appendName(dst, q.Password)
	dst = appendU8(dst, q.Status)
	return appendOptionalPermissions(dst, q.Permissions)
}

// Decode reads the payload; trailing bytes are accepted.
func (q *CreateUser) Decode(payload []byte) error {
	r := NewReader(payload)
	var v CreateUser
	v.Username = r.Name()
	v.Password = r.ShortString()
	v.Status = r.U8()
	v.Permissions = r.OptionalPermissions()
	if err := r.Finish(); err != nil {
		return err
	}
	*q = v
	return nil
}
