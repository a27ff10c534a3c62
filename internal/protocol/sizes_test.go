// SPDX-License-Identifier: Apache-2.0

package protocol

import (
	"strings"
	"testing"
)

// TestFixedSizesArePinned pins every fixed layout size, so a change to an
// encoder that moves a byte fails here first.
func TestFixedSizesArePinned(t *testing.T) {
	name := func(n int) string { return strings.Repeat("n", n) }
	for _, tc := range []struct {
		what string
		got  int
		want int
	}{
		{"request header", RequestHeaderSize, 8},
		{"response header", ResponseHeaderSize, 8},
		{"control payload cap", MaxControlPayload, 10 * 1024 * 1024},
		{"message header", MessageHeaderSize, 64},
		{"index entry", IndexEntrySize, 16},
		{"poll header", len(AppendPollHeader(nil, 0, 0, 0)), 16},
		{"numeric identifier", len(NumericID(7).AppendTo(nil)), 6},
		{"string identifier", len(NamedID(name(9)).AppendTo(nil)), 2 + 9},
		{"optional partition", len(SomePartition(1).AppendTo(nil)), 5},
		{"polling strategy", len(PollingStrategy{Kind: PollOffset}.AppendTo(nil)), 9},
		{"permissions without streams", len((&Permissions{}).AppendTo(nil)), 11},
		{"StreamInfo", len((&StreamInfo{Name: name(5)}).AppendTo(nil)), 33 + 5},
		{"StreamInfo const", StreamInfoFixedSize, 33},
		{"TopicInfo", len((&TopicInfo{Name: name(5)}).AppendTo(nil)), 51 + 5},
		{"TopicInfo const", TopicInfoFixedSize, 51},
		{"PartitionInfo", len((&PartitionInfo{}).AppendTo(nil)), 40},
		{"GroupInfo", len((&GroupInfo{Name: name(5)}).AppendTo(nil)), 13 + 5},
		{"Member", len((&Member{Partitions: []uint32{1, 2, 3}}).AppendTo(nil)), 8 + 12},
		{"UserInfo", len((&UserInfo{Username: name(5)}).AppendTo(nil)), 14 + 5},
		{"UserDetails without permissions", len((&UserDetails{User: UserInfo{Username: name(5)}}).AppendTo(nil)), 14 + 5 + 4},
		{"ClientInfo", len((&ClientInfo{Address: name(15)}).AppendTo(nil)), 17 + 15},
		{"ClientDetails group", len((&ClientDetails{Groups: make([]ClientGroup, 2)}).AppendTo(nil)), 17 + 24},
		{"ConsumerOffsetInfo", len((&ConsumerOffsetInfo{}).AppendTo(nil)), 20},
		{"IdentityInfo", len((&IdentityInfo{}).AppendTo(nil)), 4},
		{"PAT entry", len(PersonalAccessTokenList{{Name: name(5)}}.AppendTo(nil)), 1 + 5 + 8},
		{"Stats fixed numeric prefix", StatsFixedPrefixSize, 108},
		{"Stats with empty strings and no cache", len((&Stats{}).AppendTo(nil)), 108 + 5*4 + 4 + 4 + 4 + 8 + 8},
		{"Stats cache entry", len((&Stats{CacheMetrics: make([]CacheMetric, 1)}).AppendTo(nil)) - len((&Stats{}).AppendTo(nil)), 32},
		{"cluster node", len((&ClusterMetadata{Nodes: []ClusterNode{{Name: name(2), IP: name(3)}}}).AppendTo(nil)), 8 + 18 + 5},
		{"user header", UserHeadersSize([]UserHeader{StringHeader("ab", "c")}), 10 + 3},
	} {
		if tc.got != tc.want {
			t.Errorf("%s: %d bytes, want %d", tc.what, tc.got, tc.want)
		}
	}
}

// TestStatsHostnameStartsAt108 checks the first variable field of Stats
// starts right after the 108-byte numeric prefix.
func TestStatsHostnameStartsAt108(t *testing.T) {
	b := (&Stats{Hostname: "abc"}).AppendTo(nil)
	if got := string(b[StatsFixedPrefixSize+4 : StatsFixedPrefixSize+7]); got != "abc" {
		t.Fatalf("hostname at 112 reads %q", got)
	}
}
