// SPDX-License-Identifier: Apache-2.0

package protocol

import "testing"

// [token Name].
func TestLoginWithPersonalAccessTokenRequestBytes(t *testing.T) {
	checkRequestCodec(t, &LoginWithPersonalAccessToken{
		Token: "aGVsbG8td29ybGQ=",
	}, "106147567362473874643239796247513D")
}
