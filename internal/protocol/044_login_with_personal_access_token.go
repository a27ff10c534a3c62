// SPDX-License-Identifier: Apache-2.0

// LoginWithPersonalAccessToken (44): [token Name]; the response is an
// IdentityInfo (user_info.go). No authentication needed. Fully supported.

package protocol

// LoginWithPersonalAccessToken is the request payload of LoginWithPersonalAccessToken (44).
type LoginWithPersonalAccessToken struct {
	Token string
}

// Code returns CodeLoginWithPersonalAccessToken.
func (*LoginWithPersonalAccessToken) Code() Code { return CodeLoginWithPersonalAccessToken }

// Size returns the encoded payload size.
func (q *LoginWithPersonalAccessToken) Size() int { return 1 + len(q.Token) }

// AppendTo appends the payload encoding.
func (q *LoginWithPersonalAccessToken) AppendTo(dst []byte) []byte {
	return appendName(dst, q.Token)
}

// Decode reads the payload; trailing bytes are accepted.
func (q *LoginWithPersonalAccessToken) Decode(payload []byte) error {
	r := NewReader(payload)
	var v LoginWithPersonalAccessToken
	v.Token = r.Name()
	if err := r.Finish(); err != nil {
		return err
	}
	*q = v
	return nil
}
