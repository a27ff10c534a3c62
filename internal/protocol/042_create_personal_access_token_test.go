// SPDX-License-Identifier: Apache-2.0

package protocol

import (
	"errors"
	"strings"
	"testing"
)

func TestCreatePersonalAccessTokenRequestBytes(t *testing.T) {
	checkRequestCodec(t, &CreatePersonalAccessToken{Name: "token-1", Expiry: 0},
		"07 746F6B656E2D31 0000000000000000")
	// The Go SDK v0.8.0 writes its u32 expiry into bytes 4..7; it decodes
	// as expiry × 2^32 and must be accepted.
	checkRequestCodec(t, &CreatePersonalAccessToken{Name: "tok", Expiry: 60 << 32},
		"03 746F6B 00000000 3C000000")
}

func TestRawPersonalAccessTokenBytes(t *testing.T) {
	tok := strings.Repeat("QUJD", 17) // 68 characters, as Iggy's tokens
	want := "44" + strings.Repeat("51554A44", 17)
	checkResponseCodec(t, &RawPersonalAccessToken{Token: tok}, new(RawPersonalAccessToken), want)
	if err := new(RawPersonalAccessToken).Decode(nil); !errors.Is(err, ErrEmpty) {
		t.Fatalf("empty: %v", err)
	}
}
