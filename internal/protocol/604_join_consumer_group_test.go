// SPDX-License-Identifier: Apache-2.0

package protocol

import "testing"

// [stream][topic][group].
func TestJoinConsumerGroupRequestBytes(t *testing.T) {
	checkRequestCodec(t, &JoinConsumerGroup{
		Stream: NamedID("orders"),
		Topic:  NumericID(1),
		Group:  NamedID("workers"),
	}, "02066F7264657273 010401000000 0207776F726B657273")
}
