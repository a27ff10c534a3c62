// SPDX-License-Identifier: Apache-2.0

package protocol

import "testing"

// [stream Identifier].
func TestPurgeStreamRequestBytes(t *testing.T) {
	checkRequestCodec(t, &PurgeStream{
		Stream: NamedID("orders"),
	}, "02066F7264657273")
}
