// SPDX-License-Identifier: Apache-2.0

package protocol

import (
	"encoding/hex"
	"strings"
	"testing"
)

func TestMessageChecksumMatchesProtocolVector(t *testing.T) {
	// Protocol doc §4.2: id=1, offset=0, timestamp=1_700_000_000_000_000,
	// origin=1_699_999_999_999_000, no headers, payload "hi".
	h := MessageHeader{Timestamp: 1_700_000_000_000_000, OriginTimestamp: 1_699_999_999_999_000, PayloadLength: 2}
	h.ID[0] = 1
	frame := AppendMessageHeader(nil, &h)
	frame = append(frame, "hi"...)
	if got := MessageFrameSize(frame); got != len(frame) {
		t.Fatalf("MessageFrameSize = %d, want %d", got, len(frame))
	}
	want := strings.ReplaceAll(`01000000000000000000000000000000 0000000000000000 00401E18240A0600
		183C1E18240A0600 00000000 02000000 0000000000000000 6869`, " ", "")
	want = strings.NewReplacer("\n", "", "\t", "").Replace(want)
	if got := strings.ToUpper(hex.EncodeToString(frame[8:])); got != want {
		t.Fatalf("bytes 8..66:\n got %s\nwant %s", got, want)
	}
	SealMessage(frame)
	if got := MessageChecksum(frame); got != 0x0C15024176E64CBE {
		t.Fatalf("checksum = %#x, want 0x0C15024176E64CBE", got)
	}
}

func TestXXH32Vectors(t *testing.T) {
	for in, want := range map[string]uint32{
		"": 0x02CC5D05, "a": 0x550D7456, "abc": 0x32D153FF,
		"order-key-1": 0x0D3FE0E1, "0123456789abcdef": 0xC2C45B69,
	} {
		if got := XXH32([]byte(in)); got != want {
			t.Errorf("XXH32(%q) = %#x, want %#x", in, got, want)
		}
	}
}
