// SPDX-License-Identifier: Apache-2.0

package protocol

import "testing"

// [stream Identifier].
func TestGetTopicsRequestBytes(t *testing.T) {
	checkRequestCodec(t, &GetTopics{
		Stream: NamedID("orders"),
	}, "02066F7264657273")
}
