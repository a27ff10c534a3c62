// SPDX-License-Identifier: Apache-2.0

package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// Latency holds batch latencies in milliseconds.
type Latency struct {
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

// Stats are the figures of one actor, one role or the whole run. Rates
// count payload bytes (MB = 10^6 bytes) over DurationSeconds.
type Stats struct {
	Messages           uint64  `json:"messages"`
	Batches            uint64  `json:"batches"`
	PayloadBytes       uint64  `json:"payload_bytes"`
	DurationSeconds    float64 `json:"duration_seconds"`
	MessagesPerSecond  float64 `json:"messages_per_second"`
	MegabytesPerSecond float64 `json:"megabytes_per_second"`
	LatencyMs          Latency `json:"latency_ms"`
}

// ActorReport is one actor's figures.
type ActorReport struct {
	ID     int    `json:"id"`   // 1-based within its role
	Role   string `json:"role"` // producer, consumer or producing_consumer
	Stream string `json:"stream"`
	Stats
}

// RoleReport sums the actors of one role.
type RoleReport struct {
	Role   string `json:"role"`
	Actors int    `json:"actors"`
	Stats
}

// Params is the resolved configuration a run used.
type Params struct {
	Producers        int    `json:"producers"`
	Consumers        int    `json:"consumers"`
	Streams          int    `json:"streams"`
	Partitions       int    `json:"partitions"`
	MessageSize      int    `json:"message_size"`
	MessagesPerBatch int    `json:"messages_per_batch"`
	MessageBatches   int    `json:"message_batches"`
	TotalData        uint64 `json:"total_data,omitempty"`
	RateLimit        uint64 `json:"rate_limit,omitempty"`
	ReuseStreams     bool   `json:"reuse_streams"`
	SeededMessages   int    `json:"seeded_messages"` // written by setup before the measured run
}

// Report is the result of a run: the totals at the top level (in JSON
// too), then per role and per actor.
type Report struct {
	Scenario  string    `json:"scenario"`
	Server    string    `json:"server"`
	StartedAt time.Time `json:"started_at"`
	Params    Params    `json:"params"`
	Stats
	Roles  []RoleReport  `json:"roles"`
	Actors []ActorReport `json:"actors"`

	samples [][]sample // per actor, for the chart
}

func newReport(p *Plan, epoch time.Time, actors []*actor, seeded int) *Report {
	c := &p.Config
	r := &Report{
		Scenario: string(c.Scenario), Server: c.Addr, StartedAt: epoch.UTC(),
		Params: Params{
			Producers: c.Producers, Consumers: c.Consumers, Streams: c.Streams, Partitions: c.Partitions,
			MessageSize: c.MessageSize, MessagesPerBatch: c.MessagesPerBatch, MessageBatches: p.Batches,
			TotalData: c.TotalData, RateLimit: c.RateLimit, ReuseStreams: c.ReuseStreams, SeededMessages: seeded,
		},
	}
	recs := make([]*recorder, len(actors))
	for i, a := range actors {
		recs[i] = a.rec
		r.Actors = append(r.Actors, ActorReport{ID: a.plan.ID, Role: a.plan.Role.String(), Stream: StreamName(a.plan.Stream), Stats: statsOf(a.rec)})
		r.samples = append(r.samples, a.rec.samples)
	}
	for _, role := range []Role{RoleProducer, RoleConsumer, RoleProducingConsumer} {
		var of []*recorder
		for i, a := range actors {
			if a.plan.Role == role {
				of = append(of, recs[i])
			}
		}
		if len(of) > 0 {
			r.Roles = append(r.Roles, RoleReport{Role: role.String(), Actors: len(of), Stats: statsOf(of...)})
		}
	}
	r.Stats = statsOf(recs...)
	return r
}

// statsOf merges recorders: counts add up, latencies merge, and the
// duration spans the earliest first batch to the latest last one.
func statsOf(recs ...*recorder) Stats {
	var s Stats
	h := newHistogram()
	begin, end := time.Duration(math.MaxInt64), time.Duration(0)
	for _, r := range recs {
		s.Messages += r.messages
		s.Batches += r.batches
		s.PayloadBytes += r.bytes
		h.Merge(r.hist)
		if r.batches > 0 {
			begin, end = min(begin, r.begin), max(end, r.end)
		}
	}
	if end > begin {
		s.DurationSeconds = (end - begin).Seconds()
		s.MessagesPerSecond = round(float64(s.Messages)/s.DurationSeconds, 1)
		s.MegabytesPerSecond = round(float64(s.PayloadBytes)/1e6/s.DurationSeconds, 3)
		s.DurationSeconds = round(s.DurationSeconds, 6)
	}
	s.LatencyMs = latencyOf(h)
	return s
}

// latencyOf reads a histogram of microseconds as milliseconds.
func latencyOf(h *hdrhistogram.Histogram) Latency {
	if h.TotalCount() == 0 {
		return Latency{}
	}
	ms := func(us int64) float64 { return float64(us) / 1000 }
	return Latency{
		Min: ms(h.Min()), Mean: round(h.Mean()/1000, 3), Max: ms(h.Max()),
		P50: ms(h.ValueAtQuantile(50)), P90: ms(h.ValueAtQuantile(90)), P95: ms(h.ValueAtQuantile(95)),
		P99: ms(h.ValueAtQuantile(99)), P999: ms(h.ValueAtQuantile(99.9)), P9999: ms(h.ValueAtQuantile(99.99)),
	}
}

func round(v float64, digits int) float64 {
	p := math.Pow(10, float64(digits))
	return math.Round(v*p) / p
}

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("encode report: %w", err)
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// Title describes the run in one line.
func (r *Report) Title() string {
	p := r.Params
	var who string
	switch {
	case r.Scenario == string(EndToEndProducingConsumer):
		who = count(p.Producers, "producing consumer")
	case p.Producers > 0 && p.Consumers > 0:
		who = count(p.Producers, "producer") + ", " + count(p.Consumers, "consumer")
	case p.Producers > 0:
		who = count(p.Producers, "producer")
	default:
		who = count(p.Consumers, "consumer")
	}
	return fmt.Sprintf("%s: %s, %s × %s, %d × %d B per batch, %s per actor",
		r.Scenario, who, count(p.Streams, "stream"), count(p.Partitions, "partition"),
		p.MessagesPerBatch, p.MessageSize, count(p.MessageBatches, "batch"))
}

// count returns "1 stream" or "n streams" ("batches" for batch).
func count(n int, word string) string {
	switch {
	case n == 1:
		return "1 " + word
	case strings.HasSuffix(word, "ch"):
		return fmt.Sprintf("%d %ses", n, word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// WriteTable writes the report for people: a title, one row per actor,
// one per role when there are several, and the total.
func (r *Report) WriteTable(w io.Writer) error {
	fmt.Fprintln(w, r.Title())
	if r.Params.SeededMessages > 0 {
		fmt.Fprintf(w, "(setup seeded %d messages first, not measured)\n", r.Params.SeededMessages)
	}
	t := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(t, "actor\tstream\tmessages\tmsg/s\tMB/s\tp50 ms\tp90 ms\tp99 ms\tp999 ms\tp9999 ms\tmax ms\t")
	row := func(name, stream string, s *Stats) {
		l := s.LatencyMs
		fmt.Fprintf(t, "%s\t%s\t%d\t%.0f\t%.2f\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\t\n",
			name, stream, s.Messages, s.MessagesPerSecond, s.MegabytesPerSecond, l.P50, l.P90, l.P99, l.P999, l.P9999, l.Max)
	}
	for i := range r.Actors {
		a := &r.Actors[i]
		row(fmt.Sprintf("%s %d", a.Role, a.ID), a.Stream, &a.Stats)
	}
	if len(r.Roles) > 1 {
		for i := range r.Roles {
			row("all "+r.Roles[i].Role+"s", "", &r.Roles[i].Stats)
		}
	}
	row("total", "", &r.Stats)
	return t.Flush()
}
