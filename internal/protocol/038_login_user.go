// SPDX-License-Identifier: Apache-2.0

// LoginUser (38): [username Name][password u8-len][version u32-len]
// [context u32-len]; the response is an IdentityInfo (user_info.go), the user
// ID only (no token on the binary transports). No authentication needed.
// Length 0 of version or context means absent; both are informational. The
// Go SDK v0.8.0 sends version "0.8.0" and an empty context. Fully supported.

package protocol

// LoginUser is the request payload of LoginUser (38).
type LoginUser struct {
	Username string
	Password string
	Version  string // "" = absent
	Context  string // "" = absent
}

// Code returns CodeLoginUser.
func (*LoginUser) Code() Code { return CodeLoginUser }

// Size returns the encoded payload size.
func (q *LoginUser) Size() int {
	return 2 + len(q.Username) + len(q.Password) + 8 + len(q.Version) + len(q.Context)
}

// AppendTo appends the payload encoding.
func (q *LoginUser) AppendTo(dst []byte) []byte {
	dst = appendName(dst, q.Username)
	dst = appendName(dst, q.Password)
	dst = appendLongString(dst, q.Version)
	return appendLongString(dst, q.Context)
}

// Decode reads the payload; trailing bytes are accepted.
func (q *LoginUser) Decode(payload []byte) error {
	r := NewReader(payload)
	var v LoginUser
	v.Username = r.Name()
	v.Password = r.ShortString()
	v.Version = r.LongString()
	v.Context = r.LongString()
	if err := r.Finish(); err != nil {
		return err
	}
	*q = v
	return nil
}
