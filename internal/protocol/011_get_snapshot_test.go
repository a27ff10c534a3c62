// SPDX-License-Identifier: Apache-2.0

package protocol

import "testing"

func TestGetSnapshotRequestBytes(t *testing.T) {
	// Deflated; filesystem overview, process list, server config.
	checkRequestCodec(t, &GetSnapshot{Compression: 2, Types: []uint8{1, 2, 6}}, "02 03 010206")
	// "All" alone, stored.
	checkRequestCodec(t, &GetSnapshot{Compression: 1, Types: []uint8{100}}, "01 01 64")
	checkRequestCodec(t, &GetSnapshot{Compression: 1}, "01 00")
}
