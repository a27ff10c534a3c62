// SPDX-License-Identifier: Apache-2.0

package protocol

import "testing"

func TestUpdateUserRequestBytes(t *testing.T) {
	checkRequestCodec(t, &UpdateUser{User: NumericID(2), Username: "bob", HasStatus: true, Status: UserInactive},
		"01 04 02000000  01 03 626F62  01 02")
	checkRequestCodec(t, &UpdateUser{User: NamedID("bob"), HasStatus: true, Status: UserActive},
		"02 03 626F62  00  01 01")
	checkRequestCodec(t, &UpdateUser{User: NumericID(2)}, "01 04 02000000 00 00")
}

func TestUpdateUserOnlyFlagOneIsPresent(t *testing.T) {
	// has_username = 2 is not 1: no username is read and the next byte is
	// has_status, as in the 0.8.0 decoder.
	r, err := DecodeRequest(CodeUpdateUser, unhex(t, "01 04 02000000 02 01 02"))
	if err != nil {
		t.Fatal(err)
	}
	if u := r.(*UpdateUser); u.Username != "" || !u.HasStatus || u.Status != 2 {
		t.Fatalf("decoded %+v", u)
	}
}
