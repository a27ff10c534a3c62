// SPDX-License-Identifier: Apache-2.0

package protocol

import "testing"

// [stream][topic][group].
func TestDeleteConsumerGroupRequestBytes(t *testing.T) {
	checkRequestCodec(t, &DeleteConsumerGroup{
		Stream: NamedID("orders"),
		Topic:  NumericID(1),
		Group:  NamedID("workers"),
	}, "02066F7264657273 010401000000 0207776F726B657273")
}
