// SPDX-License-Identifier: Apache-2.0

package protocol

import "testing"

// [stream][topic][partitions_count u32].
func TestCreatePartitionsRequestBytes(t *testing.T) {
	checkRequestCodec(t, &CreatePartitions{
		Stream:          NamedID("orders"),
		Topic:           NumericID(1),
		PartitionsCount: 4,
	}, "02066F7264657273 010401000000 04000000")
}
