// SPDX-License-Identifier: Apache-2.0

package protocol

import "testing"

// [stream Identifier].
func TestDeleteStreamRequestBytes(t *testing.T) {
	checkRequestCodec(t, &DeleteStream{
		Stream: NamedID("orders"),
	}, "02066F7264657273")
}
