// SPDX-License-Identifier: Apache-2.0

package protocol

import "testing"

// [client_id u32] LE.
func TestGetClientRequestBytes(t *testing.T) {
	checkRequestCodec(t, &GetClient{
		ClientID: 2712847316,
	}, "D4C3B2A1")
}
