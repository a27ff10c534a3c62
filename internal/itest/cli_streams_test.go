// SPDX-License-Identifier: Apache-2.0

package itest

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
)

// TestCLIStreamRoundTrip creates, lists, gets (by name and ID), renames,
// purges and deletes a stream, and checks the failures on the way.
func TestCLIStreamRoundTrip(t *testing.T) {
	s := Start(t, Options{Shards: 2})
	r := newCLIRunner(t, s)

	var created cliStream
	r.json(&created, "stream", "create", "cli-orders")
	if created.Name != "cli-orders" || created.CreatedAt == 0 || created.TopicsCount != 0 || created.Topics != nil {
		t.Fatalf("created %+v", created)
	}
	id := strconv.FormatUint(uint64(created.ID), 10)

	var list []cliStream
	r.json(&list, "stream", "list")
	if len(list) != 1 || list[0].ID != created.ID || list[0].Name != "cli-orders" {
		t.Fatalf("list %+v", list)
	}
	table := r.ok("stream", "list")
	if !strings.Contains(table, "NAME") || !strings.Contains(table, "cli-orders") {
		t.Fatalf("table:\n%s", table)
	}

	for _, ref := range []string{"cli-orders", id} {
		var got cliStream
		r.json(&got, "stream", "get", ref)
		if got.ID != created.ID || got.Name != "cli-orders" || got.Topics == nil || len(got.Topics) != 0 {
			t.Fatalf("get %s: %+v", ref, got)
		}
	}

	r.fails(1, []string{"riffle: stream_name_already_exists (1012)"}, "stream", "create", "cli-orders")

	var upd map[string]any
	r.json(&upd, "stream", "update", id, "cli-orders-v2")
	var renamed cliStream
	r.json(&renamed, "stream", "get", "cli-orders-v2")
	if renamed.ID != created.ID {
		t.Fatalf("renamed stream has ID %d, want %d", renamed.ID, created.ID)
	}
	r.fails(1, []string{"stream cli-orders: not found"}, "stream", "get", "cli-orders")

	// Purge empties the stream but keeps its topics.
	r.ok("topic", "create", id, "events", "2")
	r.ok("message", "send", id, "events", "--partition", "1", "m1", "m2", "m3")
	var before cliStream
	r.json(&before, "stream", "get", id)
	if before.MessagesCount != 3 || len(before.Topics) != 1 {
		t.Fatalf("before purge %+v", before)
	}
	out := r.ok("stream", "purge", id)
	if !strings.Contains(out, "purged") {
		t.Fatalf("purge printed %q", out)
	}
	var after cliStream
	r.json(&after, "stream", "get", id)
	if after.MessagesCount != 0 || len(after.Topics) != 1 {
		t.Fatalf("after purge %+v", after)
	}

	var del map[string]string
	r.json(&del, "stream", "delete", id)
	if del["stream"] != id || del["result"] != "deleted" {
		t.Fatalf("delete printed %v", del)
	}
	r.json(&list, "stream", "list")
	if len(list) != 0 {
		t.Fatalf("list after delete %+v", list)
	}
	r.fails(1, []string{"riffle: stream_id_not_found (1009)"}, "stream", "delete", id)
	// Iggy 0.8 reports a missing stream as stream_id_not_found whether it
	// was named by ID or by name.
	r.fails(1, []string{"riffle: stream_id_not_found (1009)"}, "stream", "delete", "cli-orders-v2")
}

// TestCLITopicRoundTrip creates topics with every option, lists, gets,
// updates (keeping what is not given), purges and deletes them.
func TestCLITopicRoundTrip(t *testing.T) {
	s := Start(t, Options{Shards: 2})
	r := newCLIRunner(t, s)
	var st cliStream
	r.json(&st, "stream", "create", "cli-topics")

	var t1 cliTopic
	r.json(&t1, "topic", "create", "cli-topics", "audit", "3", "none", "7days", "--max-size", "1GiB")
	week := uint64(7 * 24 * 3600 * 1_000_000)
	if t1.Name != "audit" || t1.PartitionsCount != 3 || len(t1.Partitions) != 3 || t1.Compression != "none" ||
		t1.MessageExpiry == nil || *t1.MessageExpiry != week || t1.MaxTopicSize == nil || *t1.MaxTopicSize != 1<<30 ||
		t1.ReplicationFactor != 1 {
		t.Fatalf("created %+v", t1)
	}
	for i, p := range t1.Partitions {
		if p.ID != uint32(i) || p.MessagesCount != 0 {
			t.Fatalf("partition %d: %+v", i, p)
		}
	}
	var t2 cliTopic
	r.json(&t2, "topic", "create", "cli-topics", "raw", "1", "gzip", "never", "--max-size", "unlimited")
	if t2.Compression != "gzip" || t2.MessageExpiry != nil || t2.MaxTopicSize != nil {
		t.Fatalf("created %+v", t2)
	}

	var list []cliTopic
	r.json(&list, "topic", "list", "cli-topics")
	if len(list) != 2 || list[0].Name != "audit" || list[1].Name != "raw" || list[0].Partitions != nil {
		t.Fatalf("list %+v", list)
	}
	sid, tid := strconv.Itoa(int(st.ID)), strconv.Itoa(int(t1.ID))
	for _, ref := range [][2]string{{"cli-topics", "audit"}, {sid, tid}, {sid, "audit"}} {
		var got cliTopic
		r.json(&got, "topic", "get", ref[0], ref[1])
		if got.ID != t1.ID || len(got.Partitions) != 3 {
			t.Fatalf("get %v: %+v", ref, got)
		}
	}
	var withTopics cliStream
	r.json(&withTopics, "stream", "get", "cli-topics")
	if withTopics.TopicsCount != 2 || len(withTopics.Topics) != 2 {
		t.Fatalf("stream get %+v", withTopics)
	}

	// Update only the name and compression: expiry and size stay.
	var u1 cliTopic
	r.json(&u1, "topic", "update", "cli-topics", "audit", "audit-v2", "gzip")
	if u1.ID != t1.ID || u1.Name != "audit-v2" || u1.Compression != "gzip" ||
		u1.MessageExpiry == nil || *u1.MessageExpiry != week || u1.MaxTopicSize == nil || *u1.MaxTopicSize != 1<<30 {
		t.Fatalf("after first update %+v", u1)
	}
	var u2 cliTopic
	r.json(&u2, "topic", "update", sid, tid, "audit-v2", "none", "1h", "30min", "--max-size", "2GiB")
	if u2.Compression != "none" || u2.MessageExpiry == nil || *u2.MessageExpiry != 5400*1_000_000 ||
		u2.MaxTopicSize == nil || *u2.MaxTopicSize != 2<<30 {
		t.Fatalf("after second update %+v", u2)
	}
	var got cliTopic
	r.json(&got, "topic", "get", sid, "audit-v2")
	if got.Name != "audit-v2" || *got.MessageExpiry != *u2.MessageExpiry {
		t.Fatalf("get after update %+v", got)
	}

	r.ok("message", "send", sid, tid, "--partition", "2", "a", "b")
	r.json(&got, "topic", "get", sid, tid)
	if got.MessagesCount != 2 || got.Partitions[2].MessagesCount != 2 || got.Partitions[2].CurrentOffset != 1 {
		t.Fatalf("after send %+v", got)
	}
	r.ok("topic", "purge", sid, tid)
	r.json(&got, "topic", "get", sid, tid)
	if got.MessagesCount != 0 {
		t.Fatalf("after purge %+v", got)
	}

	r.fails(2, []string{"compression \"zstd\": want none or gzip"}, "topic", "create", sid, "bad", "1", "zstd")
	r.fails(2, []string{"expiry \"soon\""}, "topic", "create", sid, "bad", "1", "none", "soon")
	r.fails(2, []string{"partitions \"x\""}, "topic", "create", sid, "bad", "x")
	r.fails(1, []string{"riffle: topic_name_already_exists"}, "topic", "create", sid, "raw", "1")

	r.ok("topic", "delete", sid, "raw")
	r.fails(1, []string{"topic raw: not found"}, "topic", "get", sid, "raw")
	r.json(&list, "topic", "list", sid)
	if len(list) != 1 {
		t.Fatalf("list after delete %+v", list)
	}
}

// TestCLIPartitionsAndSegments adds and removes partitions and deletes sealed
// segments of a partition, on a server with 1 MiB segments.
func TestCLIPartitionsAndSegments(t *testing.T) {
	s := Start(t, Options{Shards: 2, Env: []string{"RIFFLE_STORAGE_SEGMENT_SIZE=1MiB"}})
	r := newCLIRunner(t, s)
	r.ok("stream", "create", "cli-parts")
	r.ok("topic", "create", "cli-parts", "t", "2")

	var res map[string]any
	r.json(&res, "partition", "create", "cli-parts", "t", "3")
	var tp cliTopic
	r.json(&tp, "topic", "get", "cli-parts", "t")
	if tp.PartitionsCount != 5 || len(tp.Partitions) != 5 {
		t.Fatalf("after create %+v", tp)
	}
	r.ok("partition", "delete", "cli-parts", "t", "2")
	r.json(&tp, "topic", "get", "cli-parts", "t")
	if tp.PartitionsCount != 3 || len(tp.Partitions) != 3 || tp.Partitions[2].ID != 2 {
		t.Fatalf("after delete %+v", tp)
	}
	r.fails(2, []string{"partition count: want at least 1"}, "partition", "create", "cli-parts", "t", "0")
	r.fails(1, []string{"riffle: topic_id_not_found (2010)"}, "partition", "create", "cli-parts", "nosuch", "1")

	// 3000 lines of 1000 bytes fill more than two 1 MiB segments.
	line := strings.Repeat("x", 996)
	var in strings.Builder
	for i := range 3000 {
		fmt.Fprintf(&in, "%04d%s\n", i, line)
	}
	res2 := r.runStdin(in.String(), "-o", "json", "message", "send", "cli-parts", "t", "--partition", "0")
	if res2.code != 0 || !strings.Contains(res2.stdout, `"sent": 3000`) {
		t.Fatalf("send exited %d: %s %s", res2.code, res2.stdout, res2.stderr)
	}
	r.json(&tp, "topic", "get", "cli-parts", "t")
	p0 := tp.Partitions[0]
	if p0.MessagesCount != 3000 || p0.SegmentsCount < 3 {
		t.Fatalf("partition 0 after 3 MB: %+v", p0)
	}
	r.json(&res, "segment", "delete", "cli-parts", "t", "0", "1")
	if res["segments"] != float64(1) || res["result"] != "deleted" {
		t.Fatalf("segment delete printed %v", res)
	}
	r.json(&tp, "topic", "get", "cli-parts", "t")
	after := tp.Partitions[0]
	if after.SegmentsCount != p0.SegmentsCount-1 || after.MessagesCount >= p0.MessagesCount || after.CurrentOffset != 2999 {
		t.Fatalf("partition 0 after deleting one segment: %+v (before %+v)", after, p0)
	}
	var poll cliPoll
	r.json(&poll, "message", "poll", "cli-parts", "t", "0", "--first", "--count", "1")
	if len(poll.Messages) != 1 || poll.Messages[0].Offset == 0 {
		t.Fatalf("first message after segment delete: %+v", poll)
	}
	r.fails(2, []string{"segment count: want at least 1"}, "segment", "delete", "cli-parts", "t", "0", "0")
}
