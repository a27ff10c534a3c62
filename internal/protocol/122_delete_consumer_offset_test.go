// SPDX-License-Identifier: Apache-2.0

package protocol

import "testing"

// [consumer][stream][topic][flag u8][partition_id u32].
func TestDeleteConsumerOffsetRequestBytes(t *testing.T) {
	checkRequestCodec(t, &DeleteConsumerOffset{
		Consumer:  GroupConsumer(NamedID("workers")),
		Stream:    NamedID("orders"),
		Topic:     NumericID(1),
		Partition: SomePartition(3),
	}, "020207776F726B657273 02066F7264657273 010401000000 0103000000")
}
