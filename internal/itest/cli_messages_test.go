// SPDX-License-Identifier: Apache-2.0

package itest

import (
	"encoding/base64"
	"strconv"
	"strings"
	"testing"

	iggcon "github.com/apache/iggy/foreign/go/contracts"
)

// TestCLISendsAndPollsMessages sends with every partitioning and with typed
// headers, from arguments and standard input, and polls with every
// strategy, checking the output against the official SDK's view.
func TestCLISendsAndPollsMessages(t *testing.T) {
	s := Start(t, Options{Shards: 2})
	r := newCLIRunner(t, s)
	r.ok("stream", "create", "cli-msgs")
	r.ok("topic", "create", "cli-msgs", "events", "3")

	t.Run("arguments with headers to one partition", func(t *testing.T) {
		var sent map[string]any
		r.json(&sent, "message", "send", "cli-msgs", "events", "--partition", "1",
			"-H", "src:string:web", "-H", "n:uint32:7", "-H", "ok:bool:true", "-H", "d:float64:-2.5", "-H", "url:string:http://a:1",
			"hello", "zürich wörld")
		if sent["sent"] != float64(2) {
			t.Fatalf("send printed %v", sent)
		}
		var p cliPoll
		r.json(&p, "message", "poll", "cli-msgs", "events", "1", "--first", "--count", "10")
		if p.PartitionID != 1 || p.CurrentOffset != 1 || p.Count != 2 || len(p.Messages) != 2 {
			t.Fatalf("poll %+v", p)
		}
		want := []cliHeader{
			{Key: "src", KeyKind: "string", Value: "web", ValueKind: "string"},
			{Key: "n", KeyKind: "string", Value: "7", ValueKind: "uint32"},
			{Key: "ok", KeyKind: "string", Value: "true", ValueKind: "bool"},
			{Key: "d", KeyKind: "string", Value: "-2.5", ValueKind: "float64"},
			{Key: "url", KeyKind: "string", Value: "http://a:1", ValueKind: "string"},
		}
		for i, m := range p.Messages {
			if m.Offset != uint64(i) || m.PayloadEncoding != "text" || m.OriginTimestamp == 0 || m.Timestamp == 0 || m.ID == "0" || m.Checksum == 0 {
				t.Fatalf("message %d: %+v", i, m)
			}
			if len(m.Headers) != len(want) {
				t.Fatalf("message %d headers %+v", i, m.Headers)
			}
			for j, h := range want {
				if m.Headers[j] != h {
					t.Fatalf("message %d header %d: %+v, want %+v", i, j, m.Headers[j], h)
				}
			}
		}
		if p.Messages[0].Payload != "hello" || p.Messages[1].Payload != "zürich wörld" || p.Messages[1].Size != len("zürich wörld") {
			t.Fatalf("payloads %q %q", p.Messages[0].Payload, p.Messages[1].Payload)
		}

		// The official SDK reads the same headers the CLI wrote.
		c := s.sdkClient(t)
		part := uint32(1)
		polled, err := c.PollMessages(id(t, "cli-msgs"), id(t, "events"), iggcon.DefaultConsumer(), iggcon.FirstPollingStrategy(), 1, false, &part)
		if err != nil {
			t.Fatal(err)
		}
		hs, err := iggcon.DeserializeHeaders(polled.Messages[0].UserHeaders)
		if err != nil {
			t.Fatal(err)
		}
		if len(hs) != 5 || string(hs[0].Key.Value) != "src" || string(hs[0].Value.Value) != "web" ||
			hs[1].Value.Kind != iggcon.Uint32 || hs[1].Value.Value[0] != 7 || hs[2].Value.Kind != iggcon.Bool {
			t.Fatalf("sdk headers %+v", hs)
		}

		table := r.ok("message", "poll", "cli-msgs", "events", "1", "--first")
		for _, w := range []string{"PAYLOAD", "HEADERS", "hello", "src=web(string)", "n=7(uint32)"} {
			if !strings.Contains(table, w) {
				t.Fatalf("poll table lacks %q:\n%s", w, table)
			}
		}
	})

	t.Run("standard input lines", func(t *testing.T) {
		res := r.runStdin("one\r\ntwo\n\nthree\nfour", "-o", "json", "message", "send", "cli-msgs", "events", "--partition", "2", "--batch", "2")
		if res.code != 0 || !strings.Contains(res.stdout, `"sent": 4`) {
			t.Fatalf("send exited %d: %s %s", res.code, res.stdout, res.stderr)
		}
		var p cliPoll
		r.json(&p, "message", "poll", "cli-msgs", "events", "2", "--offset", "0", "--count", "100")
		var got []string
		for _, m := range p.Messages {
			got = append(got, m.Payload)
		}
		if strings.Join(got, ",") != "one,two,three,four" {
			t.Fatalf("payloads %q", got)
		}
	})

	t.Run("message key keeps one partition", func(t *testing.T) {
		var before cliTopic
		r.json(&before, "topic", "get", "cli-msgs", "events")
		for range 3 {
			r.ok("message", "send", "cli-msgs", "events", "--key", "customer-7", "k")
		}
		var after cliTopic
		r.json(&after, "topic", "get", "cli-msgs", "events")
		grew := 0
		for i := range after.Partitions {
			d := after.Partitions[i].MessagesCount - before.Partitions[i].MessagesCount
			switch d {
			case 0:
			case 3:
				grew++
			default:
				t.Fatalf("partition %d grew by %d; a key must keep one partition", i, d)
			}
		}
		if grew != 1 {
			t.Fatalf("%d partitions grew by 3", grew)
		}
	})

	t.Run("strategies and auto-commit", func(t *testing.T) {
		r.ok("topic", "create", "cli-msgs", "seq", "1")
		var lines strings.Builder
		for i := range 10 {
			lines.WriteString("m" + strconv.Itoa(i) + "\n")
		}
		if res := r.runStdin(lines.String(), "message", "send", "cli-msgs", "seq"); res.code != 0 {
			t.Fatalf("send: %s", res.stderr)
		}
		offsets := func(p cliPoll) string {
			var o []string
			for _, m := range p.Messages {
				o = append(o, strconv.FormatUint(m.Offset, 10))
			}
			return strings.Join(o, ",")
		}
		var p cliPoll
		r.json(&p, "message", "poll", "cli-msgs", "seq", "0", "--offset", "3", "--count", "2")
		if offsets(p) != "3,4" || p.Messages[0].Payload != "m3" {
			t.Fatalf("--offset 3: %s", offsets(p))
		}
		r.json(&p, "message", "poll", "cli-msgs", "seq", "0", "--last", "--count", "2")
		if offsets(p) != "8,9" {
			t.Fatalf("--last: %s", offsets(p))
		}
		var at cliPoll
		r.json(&at, "message", "poll", "cli-msgs", "seq", "0", "--offset", "0", "--count", "1")
		r.json(&p, "message", "poll", "cli-msgs", "seq", "0", "--timestamp", strconv.FormatUint(at.Messages[0].Timestamp, 10), "--count", "1")
		if offsets(p) != "0" {
			t.Fatalf("--timestamp: %s", offsets(p))
		}
		r.json(&p, "message", "poll", "cli-msgs", "seq", "0", "--next", "--consumer", "reader", "--auto-commit", "--count", "4")
		if offsets(p) != "0,1,2,3" {
			t.Fatalf("first --next: %s", offsets(p))
		}
		r.json(&p, "message", "poll", "cli-msgs", "seq", "0", "--next", "--consumer", "reader", "--auto-commit", "--count", "4")
		if offsets(p) != "4,5,6,7" {
			t.Fatalf("second --next: %s", offsets(p))
		}
		var o cliOffset
		r.json(&o, "offset", "get", "reader", "cli-msgs", "seq", "0")
		if o.StoredOffset != 7 || o.CurrentOffset != 9 || o.PartitionID != 0 {
			t.Fatalf("stored offset %+v", o)
		}
		r.json(&p, "message", "poll", "cli-msgs", "seq", "0", "--offset", "100")
		if p.Count != 0 || len(p.Messages) != 0 || p.Messages == nil {
			t.Fatalf("poll past the end %+v", p)
		}
	})

	t.Run("binary payloads print as base64", func(t *testing.T) {
		c := s.sdkClient(t)
		raw := []byte{0, 1, 2, 0xff, '\n'}
		m, err := iggcon.NewIggyMessage(raw)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.SendMessages(id(t, "cli-msgs"), id(t, "events"), iggcon.PartitionId(0), []iggcon.IggyMessage{m}); err != nil {
			t.Fatal(err)
		}
		var p cliPoll
		r.json(&p, "message", "poll", "cli-msgs", "events", "0", "--last", "--count", "1")
		if len(p.Messages) != 1 || p.Messages[0].PayloadEncoding != "base64" || p.Messages[0].Payload != base64.StdEncoding.EncodeToString(raw) {
			t.Fatalf("binary message %+v", p.Messages)
		}
		table := r.ok("message", "poll", "cli-msgs", "events", "0", "--last", "--count", "1")
		if !strings.Contains(table, "base64:"+base64.StdEncoding.EncodeToString(raw)) {
			t.Fatalf("table:\n%s", table)
		}
	})

	t.Run("flush", func(t *testing.T) {
		var res map[string]any
		r.json(&res, "message", "flush", "cli-msgs", "events", "1", "--fsync")
		if res["result"] != "flushed" || res["fsync"] != true {
			t.Fatalf("flush printed %v", res)
		}
	})

	t.Run("usage errors", func(t *testing.T) {
		r.fails(2, []string{"--partition and --key exclude each other"}, "message", "send", "cli-msgs", "events", "--partition", "0", "--key", "k", "x")
		r.fails(2, []string{`header "x:text:y"`}, "message", "send", "cli-msgs", "events", "-H", "x:text:y", "m")
		r.fails(2, []string{"exactly one of --offset"}, "message", "poll", "cli-msgs", "events", "0")
		r.fails(2, []string{"exactly one of --offset"}, "message", "poll", "cli-msgs", "events", "0", "--first", "--last")
		r.fails(2, []string{`partition "p"`}, "message", "poll", "cli-msgs", "events", "p", "--first")
	})

	t.Run("server errors", func(t *testing.T) {
		r.fails(1, []string{"riffle: partition_not_found (3007)"}, "message", "poll", "cli-msgs", "events", "9", "--first")
		r.fails(1, []string{"riffle: partition_not_found (3007)"}, "message", "send", "cli-msgs", "events", "--partition", "9", "x")
		r.fails(1, []string{"riffle: topic_id_not_found (2010)"}, "message", "send", "cli-msgs", "nosuch", "x")
	})
}
