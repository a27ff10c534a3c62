// SPDX-License-Identifier: Apache-2.0

package itest

import (
	"strconv"
	"testing"

	iggcon "github.com/apache/iggy/foreign/go/contracts"
)

// TestCLIConsumerGroupRoundTrip creates, lists, gets and deletes a consumer
// group, and sees a member the official SDK adds through `group get` and
// `client get`.
func TestCLIConsumerGroupRoundTrip(t *testing.T) {
	s := Start(t, Options{Shards: 2})
	r := newCLIRunner(t, s)
	r.ok("stream", "create", "cli-groups")
	r.ok("topic", "create", "cli-groups", "events", "4")

	var g cliGroup
	r.json(&g, "group", "create", "cli-groups", "events", "billing")
	if g.Name != "billing" || g.PartitionsCount != 4 || g.MembersCount != 0 || g.Members != nil {
		t.Fatalf("created %+v", g)
	}
	gid := strconv.Itoa(int(g.ID))
	r.ok("group", "create", "cli-groups", "events", "audit")

	var list []cliGroup
	r.json(&list, "group", "list", "cli-groups", "events")
	if len(list) != 2 || list[0].Name != "billing" || list[1].Name != "audit" {
		t.Fatalf("list %+v", list)
	}
	for _, ref := range []string{"billing", gid} {
		var got cliGroup
		r.json(&got, "group", "get", "cli-groups", "events", ref)
		if got.ID != g.ID || got.Members == nil || len(got.Members) != 0 {
			t.Fatalf("get %s: %+v", ref, got)
		}
	}

	// A member joins over the SDK; the CLI sees it and its partitions.
	c := s.sdkClient(t)
	if err := c.JoinConsumerGroup(id(t, "cli-groups"), id(t, "events"), id(t, "billing")); err != nil {
		t.Fatal(err)
	}
	var joined cliGroup
	r.json(&joined, "group", "get", "cli-groups", "events", "billing")
	if joined.MembersCount != 1 || len(joined.Members) != 1 || len(joined.Members[0].Partitions) != 4 {
		t.Fatalf("after join %+v", joined)
	}
	var clients []cliClient
	r.json(&clients, "client", "list")
	var member *cliClient
	for i := range clients {
		if clients[i].ConsumerGroupsCount == 1 {
			member = &clients[i]
		}
	}
	if member == nil {
		t.Fatalf("no client with one consumer group in %+v", clients)
	}
	var detail cliClient
	r.json(&detail, "client", "get", strconv.FormatUint(uint64(member.ClientID), 10))
	if len(detail.ConsumerGroups) != 1 || detail.ConsumerGroups[0].GroupID != g.ID || detail.Transport != "tcp" {
		t.Fatalf("client get %+v", detail)
	}

	r.fails(1, []string{"riffle: consumer_group_name_already_exists (5004)"}, "group", "create", "cli-groups", "events", "billing")
	r.ok("group", "delete", "cli-groups", "events", "audit")
	r.fails(1, []string{"consumer group audit: not found"}, "group", "get", "cli-groups", "events", "audit")
	r.json(&list, "group", "list", "cli-groups", "events")
	if len(list) != 1 {
		t.Fatalf("list after delete %+v", list)
	}
	r.fails(2, []string{"want 3 arguments"}, "group", "create", "cli-groups", "events")
}

// TestCLIConsumerOffsetRoundTrip stores, reads and deletes offsets of single
// consumers and of consumer groups.
func TestCLIConsumerOffsetRoundTrip(t *testing.T) {
	s := Start(t, Options{Shards: 2})
	r := newCLIRunner(t, s)
	r.ok("stream", "create", "cli-offsets")
	r.ok("topic", "create", "cli-offsets", "events", "2")
	r.ok("group", "create", "cli-offsets", "events", "billing")
	r.ok("message", "send", "cli-offsets", "events", "--partition", "1", "a", "b", "c", "d", "e")

	r.fails(1, []string{"offset of consumer c1: not found"}, "offset", "get", "c1", "cli-offsets", "events", "1")

	var set map[string]any
	r.json(&set, "offset", "set", "c1", "cli-offsets", "events", "1", "3")
	if set["stored_offset"] != float64(3) {
		t.Fatalf("set printed %v", set)
	}
	var o cliOffset
	r.json(&o, "offset", "get", "c1", "cli-offsets", "events", "1")
	if o != (cliOffset{PartitionID: 1, CurrentOffset: 4, StoredOffset: 3}) {
		t.Fatalf("offset %+v", o)
	}
	// Polling --next continues after the stored offset.
	var p cliPoll
	r.json(&p, "message", "poll", "cli-offsets", "events", "1", "--next", "--consumer", "c1")
	if len(p.Messages) != 1 || p.Messages[0].Offset != 4 || p.Messages[0].Payload != "e" {
		t.Fatalf("poll --next %+v", p)
	}

	// Storing a group's offset takes a member of the group (as in Iggy
	// 0.8), which a CLI connection is not; reading it does not.
	r.fails(1, []string{"riffle: consumer_group_member_not_found (5006)"},
		"offset", "set", "billing", "cli-offsets", "events", "1", "1", "--kind", "consumer_group")
	r.fails(1, []string{"offset of consumer billing: not found"}, "offset", "get", "billing", "cli-offsets", "events", "1", "-k", "consumer_group")
	c := s.sdkClient(t)
	if err := c.JoinConsumerGroup(id(t, "cli-offsets"), id(t, "events"), id(t, "billing")); err != nil {
		t.Fatal(err)
	}
	part := uint32(1)
	if err := c.StoreConsumerOffset(iggcon.NewGroupConsumer(id(t, "billing")), id(t, "cli-offsets"), id(t, "events"), 2, &part); err != nil {
		t.Fatal(err)
	}
	r.json(&o, "offset", "get", "billing", "cli-offsets", "events", "1", "-k", "consumer_group")
	if o.StoredOffset != 2 {
		t.Fatalf("group offset %+v", o)
	}
	// Group offsets live apart from consumer offsets of the same name.
	r.fails(1, []string{"not found"}, "offset", "get", "billing", "cli-offsets", "events", "1")

	r.fails(1, []string{"riffle: invalid_offset (4100)"}, "offset", "set", "c1", "cli-offsets", "events", "1", "99")
	r.fails(2, []string{`consumer kind "team"`}, "offset", "get", "c1", "cli-offsets", "events", "1", "--kind", "team")
	r.fails(2, []string{`offset "1e3"`}, "offset", "set", "c1", "cli-offsets", "events", "1", "1e3")

	r.ok("offset", "delete", "c1", "cli-offsets", "events", "1")
	r.fails(1, []string{"offset of consumer c1: not found"}, "offset", "get", "c1", "cli-offsets", "events", "1")
	r.fails(1, []string{"riffle: consumer_offset_not_found"}, "offset", "delete", "c1", "cli-offsets", "events", "1")
}
