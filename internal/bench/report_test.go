// SPDX-License-Identifier: Apache-2.0

package bench

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"
)

// syntheticRecorder records n batches of msgs messages, one every step from
// begin, with latencies lat(i).
func syntheticRecorder(epoch time.Time, begin, step time.Duration, n, msgs, size int, lat func(i int) time.Duration) *recorder {
	r := newRecorder(epoch, n, nil)
	r.begin = begin
	for i := range n {
		r.record(epoch.Add(begin+time.Duration(i+1)*step), lat(i), msgs, msgs*size)
	}
	return r
}

// syntheticRun builds a report of two producers and one consumer.
func syntheticRun(t *testing.T) *Report {
	t.Helper()
	cfg := base(PinnedProducerAndConsumer)
	cfg.Producers, cfg.Consumers, cfg.Streams, cfg.MessagesPerBatch, cfg.MessageSize, cfg.MessageBatches = 2, 1, 2, 10, 100, 100
	p, err := cfg.Plan()
	if err != nil {
		t.Fatal(err)
	}
	epoch := time.Unix(1_700_000_000, 0)
	ms := time.Millisecond
	recs := []*recorder{
		syntheticRecorder(epoch, 0, 10*ms, 100, 10, 100, func(i int) time.Duration { return time.Duration(i+1) * 100 * time.Microsecond }),
		syntheticRecorder(epoch, 500*ms, 10*ms, 100, 10, 100, func(int) time.Duration { return 2 * ms }),
		syntheticRecorder(epoch, 0, 5*ms, 100, 10, 100, func(int) time.Duration { return 500 * time.Microsecond }),
	}
	actors := make([]*actor, len(p.Actors))
	for i := range actors {
		actors[i] = &actor{plan: p.Actors[i], rec: recs[i]}
	}
	return newReport(p, epoch, actors, 0)
}

func TestReportPutsTotalsAtTheTopLevel(t *testing.T) {
	r := syntheticRun(t)
	var buf bytes.Buffer
	if err := r.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"scenario", "messages", "messages_per_second", "megabytes_per_second", "latency_ms", "actors", "roles", "params"} {
		if _, ok := got[key]; !ok {
			t.Errorf("JSON has no top-level %q: %s", key, buf.String())
		}
	}
	lat := got["latency_ms"].(map[string]any)
	for _, key := range []string{"p50", "p90", "p99", "p999", "p9999", "max"} {
		if _, ok := lat[key]; !ok {
			t.Errorf("latency_ms has no %q", key)
		}
	}
	if n := len(got["actors"].([]any)); n != 3 {
		t.Errorf("%d actors, want 3", n)
	}
}

func TestReportMergesActorsIntoRolesAndTotal(t *testing.T) {
	r := syntheticRun(t)
	if r.Messages != 3000 || r.Batches != 300 || r.PayloadBytes != 300_000 {
		t.Errorf("total messages %d batches %d bytes %d", r.Messages, r.Batches, r.PayloadBytes)
	}
	// Producer 2 runs from 0.5 s to 1.5 s: the run spans 1.5 s.
	if r.DurationSeconds != 1.5 || r.MessagesPerSecond != 2000 || r.MegabytesPerSecond != 0.2 {
		t.Errorf("duration %v, %v msg/s, %v MB/s; want 1.5, 2000, 0.2", r.DurationSeconds, r.MessagesPerSecond, r.MegabytesPerSecond)
	}
	if len(r.Roles) != 2 || r.Roles[0].Role != "producer" || r.Roles[0].Actors != 2 || r.Roles[0].Messages != 2000 ||
		r.Roles[1].Role != "consumer" || r.Roles[1].Messages != 1000 {
		t.Errorf("roles %+v", r.Roles)
	}
	p1 := r.Actors[0]
	// Producer 1: latencies 0.1 .. 10 ms in steps of 0.1 ms, over 1 s.
	if p1.DurationSeconds != 1 || p1.MessagesPerSecond != 1000 || p1.LatencyMs.Min != 0.1 || p1.LatencyMs.Max < 9.99 || p1.LatencyMs.Max > 10.01 {
		t.Errorf("producer 1 %+v", p1.Stats)
	}
	if math.Abs(p1.LatencyMs.P50-5) > 0.01 || math.Abs(p1.LatencyMs.P90-9) > 0.01 {
		t.Errorf("producer 1 p50 %v p90 %v, want 5 and 9", p1.LatencyMs.P50, p1.LatencyMs.P90)
	}
	for _, s := range []Stats{r.Stats, r.Roles[0].Stats, r.Roles[1].Stats, p1.Stats} {
		l := s.LatencyMs
		if !(l.Min <= l.P50 && l.P50 <= l.P90 && l.P90 <= l.P99 && l.P99 <= l.P999 && l.P999 <= l.P9999 && l.P9999 <= l.Max) {
			t.Errorf("percentiles out of order: %+v", l)
		}
	}
}

func TestReportWithoutBatchesHasZeroRates(t *testing.T) {
	cfg := base(BalancedConsumerGroup)
	cfg.Consumers = 1
	p, _ := cfg.Plan()
	r := newReport(p, time.Now(), []*actor{{plan: p.Actors[0], rec: newRecorder(time.Now(), 0, nil)}}, 0)
	if r.Messages != 0 || r.MessagesPerSecond != 0 || r.DurationSeconds != 0 || r.LatencyMs != (Latency{}) {
		t.Errorf("empty report %+v", r.Stats)
	}
	if _, pts := r.Series(); pts != nil {
		t.Errorf("series of an empty run: %v", pts)
	}
}

func TestTableListsActorsRolesAndTotal(t *testing.T) {
	r := syntheticRun(t)
	var buf bytes.Buffer
	if err := r.WriteTable(&buf); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{
		"pinned-producer-and-consumer: 2 producers, 1 consumer, 2 streams × 1 partition, 10 × 100 B per batch, 100 batches per actor",
		"producer 1", "producer 2", "consumer 1", "all producers", "all consumers", "total", "p9999 ms",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
}

func TestSeriesCoversTheRunInIntervals(t *testing.T) {
	r := syntheticRun(t)
	width, pts := r.Series()
	if width < 10*time.Millisecond || len(pts) < 10 || len(pts) > 201 {
		t.Fatalf("width %v, %d points", width, len(pts))
	}
	var msgs float64
	for _, p := range pts {
		msgs += p.MessagesPerSecond * width.Seconds()
		if !math.IsNaN(p.P50) && !(p.P50 <= p.P99 && p.P99 <= p.Max) {
			t.Errorf("point %+v: latencies out of order", p)
		}
	}
	if math.Abs(msgs-3000) > 0.5 {
		t.Errorf("series holds %v messages, want 3000", msgs)
	}
	if last := pts[len(pts)-1].T; last < 1.5 {
		t.Errorf("series ends at %v s, before the run's end", last)
	}
}

func TestChartsAreSelfContained(t *testing.T) {
	r := syntheticRun(t)
	var page, svg bytes.Buffer
	if err := r.WriteChartHTML(&page); err != nil {
		t.Fatal(err)
	}
	if err := r.WriteChartSVG(&svg); err != nil {
		t.Fatal(err)
	}
	html := page.String()
	for _, want := range []string{"<!DOCTYPE html>", "<svg", "Throughput", "Batch latency", "MB/s", "p99", "</html>"} {
		if !strings.Contains(html, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	for _, banned := range []string{"<script", "<link", "src=", "https://"} {
		if strings.Contains(html, banned) {
			t.Errorf("page fetches or runs something: %q", banned)
		}
	}
	if strings.Count(html, "<path ") != 4 {
		t.Errorf("page draws %d lines, want 4 (MB/s, p50, p99, max)", strings.Count(html, "<path "))
	}
	if s := svg.String(); !strings.HasPrefix(s, "<svg") || !strings.HasSuffix(s, "</svg>\n") || strings.Count(s, "<path ") != 4 {
		t.Errorf("svg document malformed: %.200s", s)
	}
}

func TestNiceStepGivesAboutFiveTicks(t *testing.T) {
	for _, tc := range []struct{ v, want float64 }{
		{1, 0.2}, {7, 2}, {10, 2}, {11, 5}, {480, 100}, {0.003, 0.001}, {0, 1},
	} {
		if got := niceStep(tc.v); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("niceStep(%v) = %v, want %v", tc.v, got, tc.want)
		}
	}
}
