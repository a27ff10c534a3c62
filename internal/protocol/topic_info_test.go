// SPDX-License-Identifier: Apache-2.0

package protocol

import (
	"errors"
	"testing"
)

const partitionInfoHex = `
	00000000                # id 0
	00401E18240A0600        # created_at
	01000000                # segments_count
	0200000000000000        # current_offset
	0002000000000000        # size_bytes
	0300000000000000        # messages_count`

func TestTopicInfoBytes(t *testing.T) {
	ti := sampleTopicInfo()
	l := TopicList{ti}
	checkResponseCodec(t, &l, new(TopicList), topicInfoHex)
}

func TestTopicDetailsIsTopicThenPartitions(t *testing.T) {
	d := &TopicDetails{Topic: sampleTopicInfo(), Partitions: []PartitionInfo{{
		ID: 0, CreatedAt: 1_700_000_000_000_000, SegmentsCount: 1, CurrentOffset: 2, SizeBytes: 512, MessagesCount: 3,
	}}}
	checkResponseCodec(t, d, new(TopicDetails), topicInfoHex+partitionInfoHex)
	if err := new(TopicDetails).Decode(nil); !errors.Is(err, ErrEmpty) {
		t.Fatalf("empty (not found): %v", err)
	}
	ti := sampleTopicInfo()
	ti.PartitionsCount = 2
	b := append(ti.AppendTo(nil), unhex(t, partitionInfoHex)...)
	wantStatus(t, new(TopicDetails).Decode(b), StatusInvalidFormat)
	// A partition cut short is a short read.
	wantStatus(t, new(TopicDetails).Decode(b[:len(b)-1]), StatusInvalidCommand)
}
