// SPDX-License-Identifier: Apache-2.0

package protocol

import (
	"bytes"
	"errors"
	"testing"
)

func TestLoginUserMatchesProtocolExample(t *testing.T) {
	// §1.9: LoginUser(iggy/iggy, version "0.8.0", no context), 23 bytes.
	req := &LoginUser{Username: "iggy", Password: "iggy", Version: "0.8.0"}
	checkRequestCodec(t, req, "04 69676779  04 69676779  05000000 302E382E30  00000000")
	frame := AppendRequest(nil, req.Code(), req.AppendTo(nil))
	if !bytes.Equal(frame[:8], unhex(t, "1B000000 26000000")) {
		t.Fatalf("header = %x", frame[:8])
	}
	checkRequestCodec(t, &LoginUser{Username: "iggy", Password: "iggy", Context: "ctx"},
		"04 69676779  04 69676779  00000000  03000000 637478")
}

func TestIdentityInfoBytes(t *testing.T) {
	checkResponseCodec(t, &IdentityInfo{UserID: 0}, new(IdentityInfo), "00000000")
	checkResponseCodec(t, &IdentityInfo{UserID: 7}, new(IdentityInfo), "07000000")
	if err := new(IdentityInfo).Decode(nil); !errors.Is(err, ErrEmpty) {
		t.Fatalf("empty: %v", err)
	}
}
