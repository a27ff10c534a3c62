// SPDX-License-Identifier: Apache-2.0

// GetPersonalAccessTokens (41): empty request; the response is a
// PersonalAccessTokenList of the caller's tokens, ([name Name][expiry_at
// u64]) × N, expiry_at in absolute µs, 0 = never. (The Go SDK v0.8.0 reads
// expiry_at as nanoseconds and reports an empty list as an error; both are
// client quirks.) Fully supported.

package protocol

// GetPersonalAccessTokens is the request payload of GetPersonalAccessTokens (41).
type GetPersonalAccessTokens struct{}

// Code returns CodeGetPersonalAccessTokens.
func (*GetPersonalAccessTokens) Code() Code { return CodeGetPersonalAccessTokens }

// Size returns the encoded payload size.
func (*GetPersonalAccessTokens) Size() int { return 0 }

// AppendTo appends the payload encoding.
func (*GetPersonalAccessTokens) AppendTo(dst []byte) []byte { return dst }

// Decode accepts any payload: the 0.8.0 server does not read it.
func (*GetPersonalAccessTokens) Decode([]byte) error { return nil }

// PersonalAccessTokenInfo is one token of the list.
type PersonalAccessTokenInfo struct {
	Name     string
	ExpiryAt uint64 // absolute µs since the epoch; 0 = never
}

// PersonalAccessTokenList is the GetPersonalAccessTokens response. An empty
// payload is an empty list.
type PersonalAccessTokenList []PersonalAccessTokenInfo

// AppendTo appends the concatenated encodings.
func (l PersonalAccessTokenList) AppendTo(dst []byte) []byte {
	for _, t := range l {
		dst = appendU64(appendName(dst, t.Name), t.ExpiryAt)
	}
	return dst
}

// Decode reads token records to the end of the payload.
func (l *PersonalAccessTokenList) Decode(payload []byte) error {
	r := NewReader(payload)
	out := make(PersonalAccessTokenList, 0, r.capacity(uint64(len(payload)), 10))
	for r.Remaining() > 0 && !r.Failed() {
		out = append(out, PersonalAccessTokenInfo{Name: r.Name(), ExpiryAt: r.U64()})
	}
	if err := r.Finish(); err != nil {
		return err
	}
	*l = out
	return nil
}
