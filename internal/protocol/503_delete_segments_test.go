// SPDX-License-Identifier: Apache-2.0

package protocol

import "testing"

// [stream][topic][partition_id u32][segments_count u32].
func TestDeleteSegmentsRequestBytes(t *testing.T) {
	checkRequestCodec(t, &DeleteSegments{
		Stream:        NamedID("orders"),
		Topic:         NumericID(1),
		PartitionID:   1,
		SegmentsCount: 5,
	}, "02066F7264657273 010401000000 01000000 05000000")
}
