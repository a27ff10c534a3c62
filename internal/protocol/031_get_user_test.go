// SPDX-License-Identifier: Apache-2.0

package protocol

import "testing"

// [user_id Identifier], numeric.
func TestGetUserRequestBytes(t *testing.T) {
	checkRequestCodec(t, &GetUser{
		User: NumericID(2),
	}, "010402000000")
}
