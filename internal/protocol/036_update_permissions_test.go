// SPDX-License-Identifier: Apache-2.0

package protocol

import "testing"

func TestUpdatePermissionsRequestBytes(t *testing.T) {
	checkRequestCodec(t, &UpdatePermissions{User: NumericID(3)}, "01 04 03000000 00")
	checkRequestCodec(t, &UpdatePermissions{User: NumericID(3), Permissions: samplePermissions()},
		"01 04 03000000 01 29000000"+samplePermissionsHex)
	_, err := DecodeRequest(CodeUpdatePermissions, unhex(t, "01 04 03000000 01 2A000000"+samplePermissionsHex))
	wantStatus(t, err, StatusInvalidFormat)
}
