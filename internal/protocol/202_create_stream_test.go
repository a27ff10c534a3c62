// SPDX-License-Identifier: Apache-2.0

package protocol

import "testing"

// [name Name]: the CreateStream("test") example of §1.9 without its header.
func TestCreateStreamRequestBytes(t *testing.T) {
	checkRequestCodec(t, &CreateStream{
		Name: "test",
	}, "0474657374")
}
