// SPDX-License-Identifier: Apache-2.0

package protocol

import (
	"errors"
	"testing"
)

const streamInfoHex = `
	00000000                # id 0
	00401E18240A0600        # created_at
	01000000                # topics_count
	0002000000000000        # size_bytes 512
	0300000000000000        # messages_count 3
	04 74657374             # "test"`

const topicInfoHex = `
	02000000                # id 2
	00401E18240A0600        # created_at
	01000000                # partitions_count
	FFFFFFFFFFFFFFFF        # message_expiry: never
	01                      # compression: none
	FFFFFFFFFFFFFFFF        # max_topic_size: unlimited
	01                      # replication_factor
	0002000000000000        # size_bytes 512
	0300000000000000        # messages_count 3
	06 6576656E7473         # "events"`

func sampleStreamInfo() StreamInfo {
	return StreamInfo{ID: 0, CreatedAt: 1_700_000_000_000_000, TopicsCount: 1, SizeBytes: 512, MessagesCount: 3, Name: "test"}
}

func sampleTopicInfo() TopicInfo {
	return TopicInfo{ID: 2, CreatedAt: 1_700_000_000_000_000, PartitionsCount: 1, MessageExpiry: ExpiryNever,
		CompressionAlgorithm: CompressionNone, MaxTopicSize: TopicSizeUnlimited, ReplicationFactor: 1,
		SizeBytes: 512, MessagesCount: 3, Name: "events"}
}

func TestStreamInfoBytes(t *testing.T) {
	s := sampleStreamInfo()
	checkResponseCodec(t, &s, new(StreamInfo), streamInfoHex)
	if err := new(StreamInfo).Decode(nil); !errors.Is(err, ErrEmpty) {
		t.Fatalf("empty: %v", err)
	}
}

func TestStreamListConcatenates(t *testing.T) {
	a, b := sampleStreamInfo(), sampleStreamInfo()
	b.ID, b.Name = 1, "x"
	l := StreamList{a, b}
	checkResponseCodec(t, &l, new(StreamList), streamInfoHex+`
		01000000 00401E18240A0600 01000000 0002000000000000 0300000000000000 01 78`)
	var empty StreamList
	if err := empty.Decode(nil); err != nil || len(empty) != 0 {
		t.Fatalf("empty list: %v, %v", empty, err)
	}
}

func TestStreamDetailsIsStreamThenTopics(t *testing.T) {
	d := &StreamDetails{Stream: sampleStreamInfo(), Topics: []TopicInfo{sampleTopicInfo()}}
	checkResponseCodec(t, d, new(StreamDetails), streamInfoHex+topicInfoHex)
	if err := new(StreamDetails).Decode(nil); !errors.Is(err, ErrEmpty) {
		t.Fatalf("empty (not found): %v", err)
	}
	// The count written is the number of topics.
	d.Stream.TopicsCount = 9
	var back StreamDetails
	if err := back.Decode(d.AppendTo(nil)); err != nil || back.Stream.TopicsCount != 1 {
		t.Fatalf("topics_count = %d, %v", back.Stream.TopicsCount, err)
	}
	// A count that does not match the records is rejected, as in Rust.
	s := sampleStreamInfo()
	wantStatus(t, new(StreamDetails).Decode(s.AppendTo(nil)), StatusInvalidFormat)
}
