// SPDX-License-Identifier: Apache-2.0

package protocol

import "testing"

// [stream Identifier], the string example of §2.2.
func TestGetStreamRequestBytes(t *testing.T) {
	checkRequestCodec(t, &GetStream{
		Stream: NamedID("orders"),
	}, "02066F7264657273")
}
