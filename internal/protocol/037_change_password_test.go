// SPDX-License-Identifier: Apache-2.0

package protocol

import "testing"

// [user_id][current u8-len][new u8-len].
func TestChangePasswordRequestBytes(t *testing.T) {
	checkRequestCodec(t, &ChangePassword{
		User:            NumericID(2),
		CurrentPassword: "secret",
		NewPassword:     "n3wpass",
	}, "010402000000 06736563726574 076E337770617373")
}
