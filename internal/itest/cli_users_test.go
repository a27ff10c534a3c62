// SPDX-License-Identifier: Apache-2.0

package itest

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestCLIUserRoundTrip creates a user with permissions, lists, gets, renames,
// deactivates, re-permissions, re-passwords and deletes it, and checks that
// the server enforces what the CLI set.
func TestCLIUserRoundTrip(t *testing.T) {
	s := Start(t, Options{Shards: 2})
	r := newCLIRunner(t, s)
	var st cliStream
	r.json(&st, "stream", "create", "cli-users")
	var tp cliTopic
	r.json(&tp, "topic", "create", "cli-users", "events", "1")
	sid, tid := strconv.Itoa(int(st.ID)), strconv.Itoa(int(tp.ID))

	var u cliUser
	r.json(&u, "user", "create", "alice", "alice-pw-1", "-g", "r_str,p_msg", "-s", sid+":read_stream,s_msg#"+tid+":m_top")
	if u.Username != "alice" || u.Status != "active" || u.CreatedAt == 0 || u.Permissions == nil {
		t.Fatalf("created %+v", u)
	}
	g := u.Permissions.Global
	if !g["read_streams"] || !g["poll_messages"] || g["manage_users"] || len(g) != 10 {
		t.Fatalf("global permissions %v", g)
	}
	if len(u.Permissions.Streams) != 1 || u.Permissions.Streams[0].StreamID != st.ID || !u.Permissions.Streams[0].ReadStream ||
		!u.Permissions.Streams[0].SendMessages || len(u.Permissions.Streams[0].Topics) != 1 || !u.Permissions.Streams[0].Topics[0].ManageTopic {
		t.Fatalf("stream permissions %+v", u.Permissions.Streams)
	}
	uid := strconv.Itoa(int(u.ID))

	var list []cliUser
	r.json(&list, "user", "list")
	if len(list) != 2 || list[0].Username != "iggy" || list[1].Username != "alice" || list[1].Permissions != nil {
		t.Fatalf("list %+v", list)
	}
	for _, ref := range []string{"alice", uid} {
		var got cliUser
		r.json(&got, "user", "get", ref)
		if got.ID != u.ID || got.Permissions == nil || len(got.Permissions.Streams) != 1 {
			t.Fatalf("get %s: %+v", ref, got)
		}
	}
	if out := r.ok("user", "get", "alice"); !strings.Contains(out, "read_streams,poll_messages") {
		t.Fatalf("user get table:\n%s", out)
	}

	// alice can send to her stream but not create streams.
	alice := r.as("alice", "alice-pw-1")
	alice.ok("message", "send", sid, tid, "hi")
	alice.fails(1, []string{"riffle: unauthorized (41)"}, "stream", "create", "not-hers")
	var me cliClient
	alice.json(&me, "me")
	if me.UserID == nil || *me.UserID != u.ID || me.Transport != "tcp" || me.Address == "" {
		t.Fatalf("me as alice %+v", me)
	}

	r.ok("user", "update", uid, "--name", "alice2", "--status", "inactive")
	var upd cliUser
	r.json(&upd, "user", "get", uid)
	if upd.Username != "alice2" || upd.Status != "inactive" {
		t.Fatalf("after update %+v", upd)
	}
	r.as("alice2", "alice-pw-1").fails(1, []string{"riffle: login with credentials from flags: "}, "me")
	r.ok("user", "update", "alice2", "--status", "active")
	r.fails(2, []string{"give --name and/or --status"}, "user", "update", "alice2")

	r.ok("user", "password", "alice2", "alice-pw-1", "alice-pw-2")
	r.as("alice2", "alice-pw-1").fails(1, []string{"invalid_credentials (42)"}, "me")
	alice = r.as("alice2", "alice-pw-2")
	alice.ok("me")

	// Replace permissions, then remove them.
	r.ok("user", "permissions", "alice2", "-g", "manage_streams")
	r.json(&upd, "user", "get", "alice2")
	if upd.Permissions == nil || !upd.Permissions.Global["manage_streams"] || upd.Permissions.Global["read_streams"] || len(upd.Permissions.Streams) != 0 {
		t.Fatalf("after permissions %+v", upd.Permissions)
	}
	alice.ok("stream", "create", "hers")
	r.ok("user", "permissions", "alice2")
	r.json(&upd, "user", "get", "alice2")
	if upd.Permissions != nil {
		t.Fatalf("permissions after removing all: %+v", upd.Permissions)
	}
	alice.fails(1, []string{"riffle: unauthorized (41)"}, "stream", "create", "hers-too")

	r.fails(1, []string{"riffle: user_already_exists"}, "user", "create", "alice2", "whatever-pw")
	r.fails(2, []string{`user status "sleepy"`}, "user", "create", "bob", "bob-pw-1", "--status", "sleepy")
	r.fails(2, []string{`global permission "fly"`}, "user", "create", "bob", "bob-pw-1", "-g", "fly")

	r.ok("user", "delete", "alice2")
	r.fails(1, []string{"user alice2: not found"}, "user", "get", "alice2")
	alice.fails(1, []string{"invalid_credentials (42)"}, "me")
}

// TestCLIPersonalAccessTokens creates tokens with and without expiry, logs in
// with one, lists and deletes them.
func TestCLIPersonalAccessTokens(t *testing.T) {
	s := Start(t, Options{Shards: 2})
	r := newCLIRunner(t, s)

	var pat cliPAT
	before := uint64(time.Now().UnixMicro())
	r.json(&pat, "pat", "create", "ci-token", "30days")
	if pat.Name != "ci-token" || len(pat.Token) < 20 || pat.ExpiryAt != nil {
		t.Fatalf("created %+v", pat)
	}
	token := strings.TrimSpace(r.ok("pat", "create", "forever", "never"))
	if token == "" || strings.ContainsAny(token, " \t") {
		t.Fatalf("pat create printed %q", token)
	}

	var list []cliPAT
	r.json(&list, "pat", "list")
	list = withoutRunnerTokens(list)
	if len(list) != 2 {
		t.Fatalf("list %+v", list)
	}
	byName := map[string]cliPAT{}
	for _, p := range list {
		if p.Token != "" {
			t.Fatalf("list shows a token: %+v", p)
		}
		byName[p.Name] = p
	}
	month := uint64(30 * 24 * time.Hour / time.Microsecond)
	if e := byName["ci-token"].ExpiryAt; e == nil || *e < before+month || *e > uint64(time.Now().UnixMicro())+month {
		t.Fatalf("ci-token expires at %v, want about now + 30 days", e)
	}
	if byName["forever"].ExpiryAt != nil {
		t.Fatalf("forever expires at %v", *byName["forever"].ExpiryAt)
	}

	tok := r.bare("RIFFLE_ADDR=" + s.Addr)
	var me cliClient
	tok.json(&me, "--token", pat.Token, "me")
	if me.UserID == nil || *me.UserID != 0 {
		t.Fatalf("me with token %+v", me)
	}
	tok.bare("RIFFLE_TOKEN="+token).ok("stream", "list")

	r.fails(1, []string{"riffle: personal_access_token_already_exists"}, "pat", "create", "ci-token")
	r.fails(1, []string{"riffle: invalid_personal_access_token_name (50)"}, "pat", "create", "ci")
	r.ok("pat", "delete", "ci-token")
	tok.fails(1, []string{"riffle: login with credentials from flags: "}, "--token", pat.Token, "me")
	r.json(&list, "pat", "list")
	list = withoutRunnerTokens(list)
	if len(list) != 1 || list[0].Name != "forever" {
		t.Fatalf("list after delete %+v", list)
	}
	r.fails(2, []string{`expiry "tomorrow"`}, "pat", "create", "x", "tomorrow")
}

// withoutRunnerTokens drops the tokens newCLIRunner made.
func withoutRunnerTokens(l []cliPAT) []cliPAT {
	var out []cliPAT
	for _, p := range l {
		if !strings.HasPrefix(p.Name, cliRunnerToken+"-") {
			out = append(out, p)
		}
	}
	return out
}

// TestCLIClientsMeAndStats lists connected clients, shows one and reads the
// server statistics.
func TestCLIClientsMeAndStats(t *testing.T) {
	s := Start(t, Options{Shards: 2})
	r := newCLIRunner(t, s)
	r.ok("stream", "create", "cli-stats")
	r.ok("topic", "create", "cli-stats", "t", "2")
	r.ok("message", "send", "cli-stats", "t", "--partition", "0", "a", "b", "c")

	// A second, idle client stays connected while the CLI looks.
	s.sdkClient(t)
	var clients []cliClient
	r.json(&clients, "client", "list")
	if len(clients) < 2 {
		t.Fatalf("clients %+v: want the SDK client and the CLI itself", clients)
	}
	var me cliClient
	r.json(&me, "me")
	if me.UserID == nil || *me.UserID != 0 || me.ConsumerGroups == nil {
		t.Fatalf("me %+v", me)
	}
	// Each CLI run is a connection of its own; the SDK client is the one
	// listed by two runs.
	var again []cliClient
	r.json(&again, "client", "list")
	var other cliClient
	for _, a := range clients {
		for _, b := range again {
			if a.ClientID == b.ClientID {
				other = a
			}
		}
	}
	if other.ClientID == 0 {
		t.Fatalf("no client in both %+v and %+v", clients, again)
	}
	var got cliClient
	r.json(&got, "client", "get", strconv.FormatUint(uint64(other.ClientID), 10))
	if got.ClientID != other.ClientID || got.Address != other.Address {
		t.Fatalf("client get %+v, listed %+v", got, other)
	}
	if out := r.ok("client", "list"); !strings.Contains(out, "CLIENT ID") || !strings.Contains(out, "tcp") {
		t.Fatalf("client list table:\n%s", out)
	}
	r.fails(1, []string{"client 4294967295: not found"}, "client", "get", "4294967295")
	r.fails(2, []string{`client ID "me"`}, "client", "get", "me")

	var stats map[string]any
	r.json(&stats, "stats")
	want := map[string]float64{"streams_count": 1, "topics_count": 1, "partitions_count": 2, "messages_count": 3}
	for k, v := range want {
		if stats[k] != v {
			t.Fatalf("stats %s = %v, want %v (all: %v)", k, stats[k], v, stats)
		}
	}
	if stats["server_version"] == "" || stats["clients_count"].(float64) < 2 || stats["cache_metrics"] == nil {
		t.Fatalf("stats %v", stats)
	}
	if out := r.ok("stats"); !strings.Contains(out, "Streams:") || !strings.Contains(out, "Messages:") {
		t.Fatalf("stats table:\n%s", out)
	}
}
