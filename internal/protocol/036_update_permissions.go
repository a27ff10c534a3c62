// SPDX-License-Identifier: Apache-2.0

// UpdatePermissions (36): [user_id Identifier][has_permissions u8]
// ([perm_len u32][permissions])?; empty OK response. No permissions clears
// them. A perm_len that differs from the decoded permissions is
// InvalidFormat (4). Fully supported.

package protocol

// UpdatePermissions is the request payload of UpdatePermissions (36).
type UpdatePermissions struct {
	User        Identifier
	Permissions *Permissions // nil = none
}

// Code returns CodeUpdatePermissions.
func (*UpdatePermissions) Code() Code { return CodeUpdatePermissions }

// Size returns the encoded payload size.
func (q *UpdatePermissions) Size() int {
	return q.User.Size() + optionalPermissionsSize(q.Permissions)
}

// AppendTo appends the payload encoding.
func (q *UpdatePermissions) AppendTo(dst []byte) []byte {
	return appendOptionalPermissions(q.User.AppendTo(dst), q.Permissions)
}

// Decode reads the payload; trailing bytes are accepted.
func (q *UpdatePermissions) Decode(payload []byte) error {
	r := NewReader(payload)
	var v UpdatePermissions
	v.User = r.Identifier()
	v.Permissions = r.OptionalPermissions()
	if err := r.Finish(); err != nil {
		return err
	}
	*q = v
	return nil
}
