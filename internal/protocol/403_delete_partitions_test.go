// SPDX-License-Identifier: Apache-2.0

package protocol

import "testing"

// [stream][topic][partitions_count u32].
func TestDeletePartitionsRequestBytes(t *testing.T) {
	checkRequestCodec(t, &DeletePartitions{
		Stream:          NamedID("orders"),
		Topic:           NumericID(1),
		PartitionsCount: 2,
	}, "02066F7264657273 010401000000 02000000")
}
