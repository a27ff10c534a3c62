// SPDX-License-Identifier: Apache-2.0

package itest

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// The JSON report of `riffle bench`, decoded strictly so every field name
// is checked.
type benchLatency struct {
	Min   float64 `json:"min"`
	Mean  float64 `json:"mean"`
	P50   float64 `json:"p50"`
	P90   float64 `json:"p90"`
	P95   float64 `json:"p95"`
	P99   float64 `json:"p99"`
	P999  float64 `json:"p999"`
	P9999 float64 `json:"p9999"`
	Max   float64 `json:"max"`
}

type benchActor struct {
	ID                 int          `json:"id"`
	Role               string       `json:"role"`
	Stream             string       `json:"stream"`
	Actors             int          `json:"actors"` // roles only
	Messages           uint64       `json:"messages"`
	Batches            uint64       `json:"batches"`
	PayloadBytes       uint64       `json:"payload_bytes"`
	DurationSeconds    float64      `json:"duration_seconds"`
	MessagesPerSecond  float64      `json:"messages_per_second"`
	MegabytesPerSecond float64      `json:"megabytes_per_second"`
	LatencyMs          benchLatency `json:"latency_ms"`
}

type benchParams struct {
	Producers        int    `json:"producers"`
	Consumers        int    `json:"consumers"`
	Streams          int    `json:"streams"`
	Partitions       int    `json:"partitions"`
	MessageSize      int    `json:"message_size"`
	MessagesPerBatch int    `json:"messages_per_batch"`
	MessageBatches   int    `json:"message_batches"`
	TotalData        uint64 `json:"total_data"`
	RateLimit        uint64 `json:"rate_limit"`
	ReuseStreams     bool   `json:"reuse_streams"`
	SeededMessages   int    `json:"seeded_messages"`
}

type benchJSON struct {
	Scenario           string       `json:"scenario"`
	Server             string       `json:"server"`
	StartedAt          string       `json:"started_at"`
	Params             benchParams  `json:"params"`
	Messages           uint64       `json:"messages"`
	Batches            uint64       `json:"batches"`
	PayloadBytes       uint64       `json:"payload_bytes"`
	DurationSeconds    float64      `json:"duration_seconds"`
	MessagesPerSecond  float64      `json:"messages_per_second"`
	MegabytesPerSecond float64      `json:"megabytes_per_second"`
	LatencyMs          benchLatency `json:"latency_ms"`
	Roles              []benchActor `json:"roles"`
	Actors             []benchActor `json:"actors"`
}

// Tiny sizes: 2 actors a side, 5 batches of 10 messages of 64 bytes.
const (
	benchSize     = 64
	benchPerBatch = 10
	benchBatches  = 5
)

var benchTiny = []string{"--producers", "2", "--consumers", "2", "-m", strconv.Itoa(benchSize),
	"-P", strconv.Itoa(benchPerBatch), "-b", strconv.Itoa(benchBatches)}

// runBench runs `riffle bench` with --output-json and returns the decoded
// report from the file.
func runBench(t *testing.T, r *cliRunner, args ...string) benchJSON {
	t.Helper()
	path := filepath.Join(t.TempDir(), "report.json")
	r.ok(append(append([]string{"bench"}, args...), "--output-json", path)...)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var rep benchJSON
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rep); err != nil {
		t.Fatalf("decode report: %v\n%s", err, b)
	}
	return rep
}

// checkStats checks what holds for any figures with batches: rates agree
// with the counts, payload is messages × size, percentiles are ordered.
func checkStats(t *testing.T, what string, s benchActor, size int) {
	t.Helper()
	if s.Batches == 0 {
		if s.Messages != 0 || s.MessagesPerSecond != 0 {
			t.Errorf("%s: no batches but %d messages, %v msg/s", what, s.Messages, s.MessagesPerSecond)
		}
		return
	}
	if s.PayloadBytes != s.Messages*uint64(size) {
		t.Errorf("%s: %d payload bytes for %d messages of %d", what, s.PayloadBytes, s.Messages, size)
	}
	if s.MessagesPerSecond <= 0 || s.MegabytesPerSecond <= 0 || s.DurationSeconds <= 0 {
		t.Errorf("%s: %v msg/s, %v MB/s over %v s", what, s.MessagesPerSecond, s.MegabytesPerSecond, s.DurationSeconds)
	}
	if rate := float64(s.Messages) / s.DurationSeconds; math.Abs(rate-s.MessagesPerSecond) > 0.01*rate+1 {
		t.Errorf("%s: %v msg/s, but %d messages in %v s", what, s.MessagesPerSecond, s.Messages, s.DurationSeconds)
	}
	if mb := s.MessagesPerSecond * float64(size) / 1e6; math.Abs(mb-s.MegabytesPerSecond) > 0.01*mb+0.001 {
		t.Errorf("%s: %v MB/s, want %v (10^6 bytes of payload)", what, s.MegabytesPerSecond, mb)
	}
	l := s.LatencyMs
	if !(0 < l.Min && l.Min <= l.P50 && l.P50 <= l.P90 && l.P90 <= l.P99 && l.P99 <= l.P999 && l.P999 <= l.P9999 && l.P9999 <= l.Max) {
		t.Errorf("%s: latencies out of order: %+v", what, l)
	}
}

// checkReport checks a report's shape and that its totals are the sum of
// its actors: actors × batches × messages per batch.
func checkReport(t *testing.T, rep benchJSON, scenario string, actors int) {
	t.Helper()
	if rep.Scenario != scenario || len(rep.Actors) != actors || rep.StartedAt == "" {
		t.Fatalf("report of %q with %d actors, want %q with %d: %+v", rep.Scenario, len(rep.Actors), scenario, actors, rep)
	}
	want := uint64(actors * benchBatches * benchPerBatch)
	var sum uint64
	for _, a := range rep.Actors {
		sum += a.Messages
		checkStats(t, fmt.Sprintf("%s %s %d", scenario, a.Role, a.ID), a, benchSize)
	}
	if rep.Messages != want || sum != want {
		t.Errorf("%s: %d messages in total, actors sum to %d; want %d", scenario, rep.Messages, sum, want)
	}
	checkStats(t, scenario+" total", benchActor{Messages: rep.Messages, Batches: rep.Batches, PayloadBytes: rep.PayloadBytes,
		DurationSeconds: rep.DurationSeconds, MessagesPerSecond: rep.MessagesPerSecond, MegabytesPerSecond: rep.MegabytesPerSecond,
		LatencyMs: rep.LatencyMs}, benchSize)
	for _, r := range rep.Roles {
		checkStats(t, scenario+" role "+r.Role, r, benchSize)
	}
}

// streamMessages returns the messages of bench stream n's topic and of each
// of its partitions, through the official SDK.
func streamMessages(t *testing.T, s *Server, n int) (uint64, []uint64) {
	t.Helper()
	d, err := s.sdkClient(t).GetTopic(id(t, "bench-stream-"+strconv.Itoa(n)), id(t, "topic-1"))
	if err != nil {
		t.Fatalf("get topic of bench-stream-%d: %v", n, err)
	}
	var parts []uint64
	for _, p := range d.Partitions {
		parts = append(parts, p.MessagesCount)
	}
	return d.MessagesCount, parts
}

// TestBenchScenariosReportConsistentJSON runs every scenario with tiny sizes
// against one server, validates each JSON report and checks on the server
// that the producers' messages arrived.
func TestBenchScenariosReportConsistentJSON(t *testing.T) {
	s := Start(t, Options{Shards: 2})
	r := newCLIRunner(t, s)
	perActor := uint64(benchBatches * benchPerBatch)

	t.Run("pinned-producer", func(t *testing.T) {
		rep := runBench(t, r, append([]string{"pinned-producer"}, benchTiny...)...)
		checkReport(t, rep, "pinned-producer", 2)
		for i, a := range rep.Actors {
			if a.Role != "producer" || a.Stream != "bench-stream-"+strconv.Itoa(i+1) || a.Batches != benchBatches {
				t.Errorf("actor %+v", a)
			}
			if total, _ := streamMessages(t, s, i+1); total != perActor {
				t.Errorf("bench-stream-%d holds %d messages, want %d", i+1, total, perActor)
			}
		}
		// Run again: streams are recreated, not appended to.
		runBench(t, r, append([]string{"pp"}, benchTiny...)...)
		if total, _ := streamMessages(t, s, 1); total != perActor {
			t.Errorf("after a second run bench-stream-1 holds %d messages, want %d", total, perActor)
		}
	})

	t.Run("pinned-consumer", func(t *testing.T) {
		// Streams 1 and 2 hold what pinned-producer wrote; stream 3 is new
		// and must be seeded.
		args := append([]string{"pinned-consumer"}, benchTiny...)
		rep := runBench(t, r, append(args, "--consumers", "3")...)
		checkReport(t, rep, "pinned-consumer", 3)
		if rep.Params.SeededMessages != int(perActor) {
			t.Errorf("seeded %d messages, want %d (stream 3 only)", rep.Params.SeededMessages, perActor)
		}
		for _, a := range rep.Actors {
			if a.Role != "consumer" || a.Batches != benchBatches {
				t.Errorf("actor %+v", a)
			}
		}
	})

	t.Run("pinned-producer-and-consumer", func(t *testing.T) {
		rep := runBench(t, r, append([]string{"pinned-producer-and-consumer"}, benchTiny...)...)
		checkReport(t, rep, "pinned-producer-and-consumer", 4)
		if len(rep.Roles) != 2 || rep.Roles[0].Role != "producer" || rep.Roles[1].Role != "consumer" ||
			rep.Roles[0].Messages != 2*perActor || rep.Roles[1].Messages != 2*perActor {
			t.Errorf("roles %+v", rep.Roles)
		}
	})

	t.Run("balanced-producer", func(t *testing.T) {
		rep := runBench(t, r, append([]string{"balanced-producer"}, append(benchTiny, "--partitions", "3")...)...)
		checkReport(t, rep, "balanced-producer", 2)
		total, parts := streamMessages(t, s, 1)
		if total != 2*perActor || len(parts) != 3 {
			t.Fatalf("bench-stream-1 holds %d messages in %d partitions, want %d in 3", total, len(parts), 2*perActor)
		}
		for p, n := range parts {
			if n == 0 {
				t.Errorf("balanced sends left partition %d empty: %v", p, parts)
			}
		}
	})

	t.Run("balanced-consumer-group", func(t *testing.T) {
		// Twice: the second run recreates the group and must read the
		// stream again from the start.
		for run := 1; run <= 2; run++ {
			rep := runBench(t, r, append([]string{"balanced-consumer-group"}, append(benchTiny, "--partitions", "3")...)...)
			checkReport(t, rep, "balanced-consumer-group", 2)
			if run == 1 && rep.Params.SeededMessages != 0 {
				t.Errorf("seeded %d messages over what balanced-producer wrote", rep.Params.SeededMessages)
			}
		}
	})

	t.Run("end-to-end-producing-consumer", func(t *testing.T) {
		rep := runBench(t, r, append([]string{"end-to-end-producing-consumer"}, benchTiny...)...)
		checkReport(t, rep, "end-to-end-producing-consumer", 2)
		for i, a := range rep.Actors {
			if a.Role != "producing_consumer" || a.Batches != benchBatches {
				t.Errorf("actor %+v", a)
			}
			if total, _ := streamMessages(t, s, i+1); total != perActor {
				t.Errorf("bench-stream-%d holds %d messages, want %d", i+1, total, perActor)
			}
		}
	})
}

// TestBenchTotalDataRateLimitAndChart sizes a run by --total-data, holds it
// to --rate-limit, writes the chart, and checks the flag errors.
func TestBenchTotalDataRateLimitAndChart(t *testing.T) {
	s := Start(t, Options{Shards: 2})
	r := newCLIRunner(t, s)
	chart := filepath.Join(t.TempDir(), "chart.html")
	// 6400 B over 2 producers of 10 × 64 B batches = 5 batches each; at
	// 32 kB/s the last batch may not start before 0.16 s.
	rep := runBench(t, r, "pp", "--producers", "2", "-m", "64", "-P", "10", "-T", "6400B", "-r", "32000B", "--chart", chart)
	checkReport(t, rep, "pinned-producer", 2)
	if rep.Params.MessageBatches != benchBatches || rep.Params.TotalData != 6400 || rep.Params.RateLimit != 32000 {
		t.Errorf("params %+v", rep.Params)
	}
	if rep.DurationSeconds < 0.15 {
		t.Errorf("rate-limited run took %v s, want ≥ 0.16", rep.DurationSeconds)
	}
	page, err := os.ReadFile(chart)
	if err != nil {
		t.Fatal(err)
	}
	if p := string(page); !strings.HasPrefix(p, "<!DOCTYPE html>") || !strings.Contains(p, "<svg") || strings.Contains(p, "<script") {
		t.Errorf("chart is not a self-contained page: %.300s", p)
	}

	table := r.ok("bench", "e2e", "--producers", "1", "-m", "64", "-P", "10", "-b", "2")
	for _, want := range []string{"end-to-end-producing-consumer: 1 producing consumer", "producing_consumer 1", "total", "p9999 ms"} {
		if !strings.Contains(table, want) {
			t.Errorf("table lacks %q:\n%s", want, table)
		}
	}

	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"unknown scenario", []string{"bench", "pinned-pigeon"}, "scenario \"pinned-pigeon\""},
		{"batches and total data", []string{"bench", "pp", "-b", "1", "-T", "1MB"}, "exclusive"},
		{"ppc with partitions", []string{"bench", "ppc", "--partitions", "2"}, "--partitions must be 1"},
		{"png chart", []string{"bench", "pp", "--chart", "out.png"}, "want a .html or .svg file"},
		{"bad size", []string{"bench", "pp", "--rate-limit", "fast"}, "size \"fast\""},
	} {
		t.Run(tc.name, func(t *testing.T) { r.fails(2, []string{tc.want}, tc.args...) })
	}
}
