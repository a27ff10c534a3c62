// SPDX-License-Identifier: Apache-2.0

package protocol

import "testing"

// [user_id Identifier], numeric.
func TestDeleteUserRequestBytes(t *testing.T) {
	checkRequestCodec(t, &DeleteUser{
		User: NumericID(2),
	}, "010402000000")
}
