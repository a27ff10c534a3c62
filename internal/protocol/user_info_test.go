// SPDX-License-Identifier: Apache-2.0

package protocol

import (
	"errors"
	"testing"
)

const userInfoHex = "01000000 00401E18240A0600 01 05 7573657231" // user 1, active, "user1"

func sampleUserInfo() UserInfo {
	return UserInfo{ID: 1, CreatedAt: 1_700_000_000_000_000, Status: UserActive, Username: "user1"}
}

func TestUserDetailsWithoutPermissionsEndsInFourZeroBytes(t *testing.T) {
	d := &UserDetails{User: sampleUserInfo()}
	checkResponseCodec(t, d, new(UserDetails), userInfoHex+"00000000")
	if err := new(UserDetails).Decode(nil); !errors.Is(err, ErrEmpty) {
		t.Fatalf("empty (not found): %v", err)
	}
}

func TestUserDetailsWithPermissions(t *testing.T) {
	d := &UserDetails{User: sampleUserInfo(), Permissions: samplePermissions()}
	checkResponseCodec(t, d, new(UserDetails), userInfoHex+"01 29000000"+samplePermissionsHex)
	// perm_len beyond the payload.
	wantStatus(t, new(UserDetails).Decode(unhex(t, userInfoHex+"01 FF000000 00")), StatusInvalidCommand)
}

func TestUserListBytes(t *testing.T) {
	root := UserInfo{ID: 0, CreatedAt: 1, Status: UserActive, Username: "iggy"}
	l := UserList{root, sampleUserInfo()}
	checkResponseCodec(t, &l, new(UserList), "00000000 0100000000000000 01 04 69676779"+userInfoHex)
}
