// SPDX-License-Identifier: Apache-2.0

package protocol

// UserInfoFixedSize is the size of a UserInfo without its username bytes.
const UserInfoFixedSize = 14

// User statuses (protocol doc §2.11).
const (
	UserActive   uint8 = 1
	UserInactive uint8 = 2
)

// UserInfo is a user header (protocol doc §3.3.5): an element of GetUsers and
// the head of GetUser and CreateUser.
//
//	off 0 id u32  4 created_at u64 µs  12 status u8  13 username Name
type UserInfo struct {
	ID        uint32
	CreatedAt uint64
	Status    uint8
	Username  string
}

// Size returns the encoded size, 14 + len(Username).
func (u *UserInfo) Size() int { return UserInfoFixedSize + len(u.Username) }

// AppendTo appends the encoding of u.
func (u *UserInfo) AppendTo(dst []byte) []byte {
	dst = appendU32(dst, u.ID)
	dst = appendU64(dst, u.CreatedAt)
	dst = appendU8(dst, u.Status)
	return appendName(dst, u.Username)
}

func (r *Reader) userInfo() UserInfo {
	var u UserInfo
	u.ID = r.U32()
	u.CreatedAt = r.U64()
	u.Status = r.U8()
	u.Username = r.Name()
	return u
}

// UserList is the GetUsers response: UserInfo × N. (The Go SDK v0.8.0 fails
// on an empty payload; a server always has the root user.)
type UserList []UserInfo

// AppendTo appends the concatenated encodings.
func (l UserList) AppendTo(dst []byte) []byte {
	for i := range l {
		dst = l[i].AppendTo(dst)
	}
	return dst
}

// Decode reads UserInfo records to the end of the payload.
func (l *UserList) Decode(payload []byte) error {
	r := NewReader(payload)
	out := make(UserList, 0, r.capacity(uint64(len(payload)), UserInfoFixedSize+1))
	for r.Remaining() > 0 && !r.Failed() {
		out = append(out, r.userInfo())
	}
	if err := r.Finish(); err != nil {
		return err
	}
	*l = out
	return nil
}

// UserDetails is the GetUser and CreateUser response (protocol doc §3.3.6):
// UserInfo, then [1][perm_len u32][permissions] or, when the user has no
// permissions, four zero bytes (clients only look at the first).
type UserDetails struct {
	User        UserInfo
	Permissions *Permissions // nil = none
}

// AppendTo appends the encoding of d.
func (d *UserDetails) AppendTo(dst []byte) []byte {
	dst = d.User.AppendTo(dst)
	if d.Permissions == nil {
		return append(dst, 0, 0, 0, 0)
	}
	dst = append(dst, 1)
	dst = appendU32(dst, uint32(d.Permissions.Size()))
	return d.Permissions.AppendTo(dst)
}

// Decode reads a GetUser or CreateUser response; an empty payload (user not
// found) is ErrEmpty. A zero flag must be followed by its three padding
// bytes; any other flag is followed by perm_len and exactly that many
// permission bytes, as the Rust SDK reads them.
func (d *UserDetails) Decode(payload []byte) error {
	if len(payload) == 0 {
		return ErrEmpty
	}
	r := NewReader(payload)
	u := r.userInfo()
	var perms *Permissions
	if r.U8() == 0 {
		r.Bytes(3)
	} else {
		n := r.U32()
		if uint64(n) > uint64(r.Remaining()) {
			r.Fail(StatusInvalidCommand, "permissions beyond payload")
		}
		if b := r.Bytes(int(n)); !r.Failed() {
			pr := NewReader(b)
			p := pr.Permissions()
			if err := pr.err; err != nil {
				err.Offset += r.off - len(b)
				r.err = err
			}
			perms = &p
		}
	}
	if err := r.Finish(); err != nil {
		return err
	}
	d.User, d.Permissions = u, perms
	return nil
}

// IdentityInfo is the LoginUser and LoginWithPersonalAccessToken response:
// [user_id u32]. Binary transports carry no token.
type IdentityInfo struct {
	UserID uint32
}

// AppendTo appends the 4-byte encoding.
func (i *IdentityInfo) AppendTo(dst []byte) []byte { return appendU32(dst, i.UserID) }

// Decode reads the user ID; an empty payload is ErrEmpty.
func (i *IdentityInfo) Decode(payload []byte) error {
	if len(payload) == 0 {
		return ErrEmpty
	}
	r := NewReader(payload)
	i.UserID = r.U32()
	return r.Finish()
}
