// SPDX-License-Identifier: Apache-2.0

package protocol

import "testing"

// [stream][topic][partition_id u32][fsync u8].
func TestFlushUnsavedBufferRequestBytes(t *testing.T) {
	checkRequestCodec(t, &FlushUnsavedBuffer{
		Stream:      NamedID("orders"),
		Topic:       NumericID(1),
		PartitionID: 3,
		Fsync:       true,
	}, "02066F7264657273 010401000000 03000000 01")
}
