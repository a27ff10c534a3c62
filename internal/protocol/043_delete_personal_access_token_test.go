// SPDX-License-Identifier: Apache-2.0

package protocol

import "testing"

// [name Name].
func TestDeletePersonalAccessTokenRequestBytes(t *testing.T) {
	checkRequestCodec(t, &DeletePersonalAccessToken{
		Name: "token-1",
	}, "07746F6B656E2D31")
}
