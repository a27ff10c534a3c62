// SPDX-License-Identifier: Apache-2.0

package protocol

import "testing"

func TestCreateUserRequestBytes(t *testing.T) {
	checkRequestCodec(t, &CreateUser{Username: "user1", Password: "secret", Status: UserActive},
		"05 7573657231  06 736563726574  01  00")
	// samplePermissions encodes to 41 (0x29) bytes.
	checkRequestCodec(t, &CreateUser{Username: "user2", Password: "pw!", Status: UserInactive, Permissions: samplePermissions()},
		"05 7573657232  03 707721  02  01 29000000"+samplePermissionsHex)
}

func TestCreateUserDecodeFailures(t *testing.T) {
	perms := samplePermissions().AppendTo(nil)
	for _, tc := range []struct {
		name string
		in   []byte
		want Status
	}{
		{"empty username", unhex(t, "00 06736563726574 01 00"), StatusInvalidFormat},
		{"username not UTF-8", unhex(t, "02 C328 06736563726574 01 00"), StatusInvalidCommand},
		{"permissions length mismatch", append(unhex(t, "05 7573657231 00 01 01 05000000"), perms...), StatusInvalidFormat},
		{"permissions cut short", append(unhex(t, "05 7573657231 00 01 01 40000000"), perms[:15]...), StatusInvalidCommand},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := DecodeRequest(CodeCreateUser, tc.in)
			wantStatus(t, err, tc.want)
		})
	}
	// An empty password is valid on the wire; its length is the server's
	// check (InvalidPassword).
	r, err := DecodeRequest(CodeCreateUser, unhex(t, "05 7573657231 00 01 00"))
	if err != nil || r.(*CreateUser).Password != "" {
		t.Fatalf("empty password: %v", err)
	}
}
