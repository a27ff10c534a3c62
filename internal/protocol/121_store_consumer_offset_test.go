// SPDX-License-Identifier: Apache-2.0

package protocol

import "testing"

// [consumer][stream][topic][flag u8][partition_id u32][offset u64].
func TestStoreConsumerOffsetRequestBytes(t *testing.T) {
	checkRequestCodec(t, &StoreConsumerOffset{
		Consumer:  GroupConsumer(NamedID("workers")),
		Stream:    NamedID("orders"),
		Topic:     NumericID(1),
		Partition: SomePartition(3),
		Offset:    0x102030405060708,
	}, "020207776F726B657273 02066F7264657273 010401000000 0103000000 0807060504030201")
}
