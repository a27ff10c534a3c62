// SPDX-License-Identifier: Apache-2.0

package protocol

import "testing"

// [stream][topic][name Name].
func TestCreateConsumerGroupRequestBytes(t *testing.T) {
	checkRequestCodec(t, &CreateConsumerGroup{
		Stream: NamedID("orders"),
		Topic:  NumericID(1),
		Name:   "workers",
	}, "02066F7264657273 010401000000 07776F726B657273")
}
