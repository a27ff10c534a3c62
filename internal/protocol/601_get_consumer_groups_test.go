// SPDX-License-Identifier: Apache-2.0

package protocol

import "testing"

// [stream][topic].
func TestGetConsumerGroupsRequestBytes(t *testing.T) {
	checkRequestCodec(t, &GetConsumerGroups{
		Stream: NamedID("orders"),
		Topic:  NumericID(1),
	}, "02066F7264657273 010401000000")
}
