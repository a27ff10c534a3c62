// SPDX-License-Identifier: Apache-2.0

package protocol

import "testing"

// [stream][topic][compression u8][message_expiry u64][max_topic_size u64][replication_factor u8][name].
func TestUpdateTopicRequestBytes(t *testing.T) {
	checkRequestCodec(t, &UpdateTopic{
		Stream:               NamedID("orders"),
		Topic:                NumericID(1),
		CompressionAlgorithm: 2,
		MessageExpiry:        0xd693a400,
		MaxTopicSize:         0x80000000,
		ReplicationFactor:    1,
		Name:                 "events-v2",
	}, "02066F7264657273 010401000000 02 00A493D600000000 0000008000000000 01 096576656E74732D7632")
}
