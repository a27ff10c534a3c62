// SPDX-License-Identifier: Apache-2.0

package protocol

import "testing"

// Empty request payload, written from the command table (protocol doc §3.1).
func TestGetClientsPayloadIsEmpty(t *testing.T) {
	checkRequestCodec(t, &GetClients{}, "")
	// The 0.8.0 server never reads this payload, so any bytes decode.
	if _, err := DecodeRequest(CodeGetClients, []byte{1, 2, 3}); err != nil {
		t.Fatalf("decode with a stray payload: %v", err)
	}
}
