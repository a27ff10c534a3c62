// SPDX-License-Identifier: Apache-2.0

// CreatePersonalAccessToken (42): [name Name][expiry u64]; the response is a
// RawPersonalAccessToken, [token Name], shown once. expiry is a raw µs
// duration (0 = server default, u64 max = never; §2.9). The Go SDK v0.8.0
// writes its u32 expiry into bytes 4..7 of the field, so servers see
// expiry × 2^32; decode it as the plain u64 it is and do not reject it. The
// 3..30 name rule (InvalidPersonalAccessTokenName 50) is the server's. Fully
// supported.

package protocol

// CreatePersonalAccessToken is the request payload of CreatePersonalAccessToken (42).
type CreatePersonalAccessToken struct {
	Name   string
	Expiry uint64 // µs; 0 = server default, ExpiryNever
}

// Code returns CodeCreatePersonalAccessToken.
func (*CreatePersonalAccessToken) Code() Code { return CodeCreatePersonalAccessToken }

// Size returns the encoded payload size.
func (q *CreatePersonalAccessToken) Size() int { return 1 + len(q.Name) + 8 }

// AppendTo appends the payload encoding.
func (q *CreatePersonalAccessToken) AppendTo(dst []byte) []byte {
	return appendU64(appendName(dst, q.Name), q.Expiry)
}

// Decode reads the payload; trailing bytes are accepted.
func (q *CreatePersonalAccessToken) Decode(payload []byte) error {
	r := NewReader(payload)
	var v CreatePersonalAccessToken
	v.Name = r.Name()
	v.Expiry = r.U64()
	if err := r.Finish(); err != nil {
		return err
	}
	*q = v
	return nil
}

// RawPersonalAccessToken is the CreatePersonalAccessToken response: the raw
// token as a Name (Iggy's tokens are 68 characters of base64).
type RawPersonalAccessToken struct {
	Token string
}

// AppendTo appends the encoding of t.
func (t *RawPersonalAccessToken) AppendTo(dst []byte) []byte { return appendName(dst, t.Token) }

// Decode reads the token; an empty payload is ErrEmpty.
func (t *RawPersonalAccessToken) Decode(payload []byte) error {
	if len(payload) == 0 {
		return ErrEmpty
	}
	r := NewReader(payload)
	tok := r.Name()
	if err := r.Finish(); err != nil {
		return err
	}
	t.Token = tok
	return nil
}
