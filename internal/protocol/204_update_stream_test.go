// SPDX-License-Identifier: Apache-2.0

package protocol

import "testing"

// [stream Identifier][name Name].
func TestUpdateStreamRequestBytes(t *testing.T) {
	checkRequestCodec(t, &UpdateStream{
		Stream: NamedID("orders"),
		Name:   "orders-v2",
	}, "02066F7264657273 096F72646572732D7632")
}
