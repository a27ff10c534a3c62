// SPDX-License-Identifier: Apache-2.0

package protocol

import "testing"

// [stream][topic]: the two identifier examples of §2.2.
func TestGetTopicRequestBytes(t *testing.T) {
	checkRequestCodec(t, &GetTopic{
		Stream: NamedID("orders"),
		Topic:  NumericID(1),
	}, "02066F7264657273 010401000000")
}
