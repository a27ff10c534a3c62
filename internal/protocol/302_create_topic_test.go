// SPDX-License-Identifier: Apache-2.0

package protocol

import "testing"

// [stream][partitions_count u32][compression u8][message_expiry u64][max_topic_size u64][replication_factor u8][name].
func TestCreateTopicRequestBytes(t *testing.T) {
	checkRequestCodec(t, &CreateTopic{
		Stream:               NamedID("orders"),
		PartitionsCount:      3,
		CompressionAlgorithm: 1,
		MessageExpiry:        0xffffffffffffffff,
		MaxTopicSize:         0,
		ReplicationFactor:    0,
		Name:                 "events",
	}, "02066F7264657273 03000000 01 FFFFFFFFFFFFFFFF 0000000000000000 00 066576656E7473")
}
