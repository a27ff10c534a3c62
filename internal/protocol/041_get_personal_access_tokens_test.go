// SPDX-License-Identifier: Apache-2.0

package protocol

import "testing"

func TestGetPersonalAccessTokensPayloadIsEmpty(t *testing.T) {
	checkRequestCodec(t, &GetPersonalAccessTokens{}, "")
}

func TestPersonalAccessTokenListBytes(t *testing.T) {
	l := PersonalAccessTokenList{{Name: "ci", ExpiryAt: 0}, {Name: "deploy", ExpiryAt: 1_700_000_000_000_000}}
	checkResponseCodec(t, &l, new(PersonalAccessTokenList),
		"02 6369 0000000000000000  06 6465706C6F79 00401E18240A0600")
	var empty PersonalAccessTokenList
	if err := empty.Decode(nil); err != nil || len(empty) != 0 {
		t.Fatalf("empty list: %v %v", empty, err)
	}
}
