// SPDX-License-Identifier: Apache-2.0

package protocol

import (
	"errors"
	"testing"
)

func TestGetConsumerOffsetRequestBytes(t *testing.T) {
	checkRequestCodec(t, &GetConsumerOffset{
		Consumer: SingleConsumer(NamedID("c1")),
		Stream:   NumericID(0),
		Topic:    NamedID("events"),
	}, "01 02 02 6331  01 04 00000000  02 06 6576656E7473  00 00000000")
}

func TestConsumerOffsetInfoBytes(t *testing.T) {
	checkResponseCodec(t, &ConsumerOffsetInfo{PartitionID: 2, CurrentOffset: 100, StoredOffset: 42},
		new(ConsumerOffsetInfo), "02000000 6400000000000000 2A00000000000000")
	if err := new(ConsumerOffsetInfo).Decode(nil); !errors.Is(err, ErrEmpty) {
		t.Fatalf("empty payload (no stored offset): %v", err)
	}
}
