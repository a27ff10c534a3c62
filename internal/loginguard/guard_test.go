// SPDX-License-Identifier: Apache-2.0

package loginguard_test

import (
	"fmt"
	"testing"
	"time"

	"riffle/internal/loginguard"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func mustAdmit(t *testing.T, g *loginguard.Guard, src string, now time.Time) time.Duration {
	t.Helper()
	wait, ok := g.Admit(src, now)
	if !ok {
		t.Fatalf("attempt from %s at %v refused", src, now.Sub(t0))
	}
	return wait
}

// A source that keeps failing, one attempt at a time, waits 100 ms, then
// twice as long after each failure, up to 2 s.
func TestSequentialFailuresWaitLongerAndLonger(t *testing.T) {
	g := loginguard.New(loginguard.Options{})
	now := t0
	for i := range 5 {
		if w := mustAdmit(t, g, "10.0.0.1", now); w != 0 {
			t.Fatalf("free attempt %d waits %v", i+1, w)
		}
		g.Failed("10.0.0.1", now)
		now = now.Add(time.Millisecond)
	}
	want := []time.Duration{100, 200, 400, 800, 1600, 2000, 2000}
	for i, ms := range want {
		w := mustAdmit(t, g, "10.0.0.1", now)
		// The turn was set when the previous attempt failed, 1 ms before now.
		if w != ms*time.Millisecond-time.Millisecond {
			t.Fatalf("attempt %d after the free ones waits %v, want %v", i+1, w, ms*time.Millisecond-time.Millisecond)
		}
		now = now.Add(w) // it is checked at its turn, fails, and the client retries 1 ms later
		g.Failed("10.0.0.1", now)
		now = now.Add(time.Millisecond)
	}
	// Another source is untouched.
	if w := mustAdmit(t, g, "10.0.0.2", now); w != 0 {
		t.Fatalf("an unrelated source waits %v", w)
	}
}

// Attempts made at once over many connections queue for turns one delay
// apart, and the ones whose turn is beyond MaxWait are refused unchecked:
// a source gets at most one check per delay however many connections it opens.
func TestParallelAttemptsQueueForTurns(t *testing.T) {
	g := loginguard.New(loginguard.Options{})
	for range 5 {
		g.Failed("10.0.0.1", t0)
	}
	admitted, refused := 0, 0
	var last time.Duration
	for i := range 200 {
		w, ok := g.Admit("10.0.0.1", t0)
		if !ok {
			refused++
			continue
		}
		if admitted > 0 && w-last != 100*time.Millisecond {
			t.Fatalf("attempt %d waits %v after one that waits %v: turns must be 100 ms apart", i, w, last)
		}
		last = w
		admitted++
	}
	// Turns at 100 ms, 200 ms, … 10 s: 100 of them, 10 per second.
	if admitted != 100 || refused != 100 {
		t.Fatalf("admitted %d, refused %d of 200 parallel attempts; want 100 and 100", admitted, refused)
	}
}

func TestSourceIsForgottenAfterAQuietMinute(t *testing.T) {
	g := loginguard.New(loginguard.Options{})
	for range 7 {
		g.Failed("10.0.0.1", t0)
	}
	if n := g.Failures("10.0.0.1", t0.Add(59*time.Second)); n != 7 {
		t.Fatalf("failures after 59 s: %d, want 7", n)
	}
	later := t0.Add(time.Minute)
	if n := g.Failures("10.0.0.1", later); n != 0 {
		t.Fatalf("failures after a quiet minute: %d, want 0", n)
	}
	if w := mustAdmit(t, g, "10.0.0.1", later); w != 0 {
		t.Fatalf("a forgotten source waits %v", w)
	}
}

// A source is not forgotten while it still has attempts queued.
func TestQueuedTurnsOutliveTheForgetWindow(t *testing.T) {
	g := loginguard.New(loginguard.Options{Forget: time.Second, MaxWait: time.Hour})
	for range 5 {
		g.Failed("10.0.0.1", t0)
	}
	for range 30 { // turns up to 3 s ahead
		mustAdmit(t, g, "10.0.0.1", t0)
	}
	if w := mustAdmit(t, g, "10.0.0.1", t0.Add(2*time.Second)); w != time.Second+100*time.Millisecond {
		t.Fatalf("an attempt 2 s later waits %v, want 1.1 s behind the queue", w)
	}
}

func TestSourcesStayBounded(t *testing.T) {
	g := loginguard.New(loginguard.Options{MaxSources: 10})
	for i := range 1000 {
		g.Failed(fmt.Sprintf("10.0.%d.%d", i/256, i%256), t0)
	}
	remembered := 0
	for i := range 1000 {
		if g.Failures(fmt.Sprintf("10.0.%d.%d", i/256, i%256), t0) > 0 {
			remembered++
		}
	}
	if remembered > 10 || remembered == 0 {
		t.Fatalf("%d sources remembered with MaxSources 10", remembered)
	}
}
