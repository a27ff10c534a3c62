// SPDX-License-Identifier: Apache-2.0

package bench

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"riffle/internal/protocol"
)

// Histogram range: 1 µs to 1 h at 3 significant digits.
const (
	histMinUS  = 1
	histMaxUS  = int64(time.Hour / time.Microsecond)
	histDigits = 3
)

// emptyPollBackoff is how long a consumer waits after a poll that returned
// nothing before polling again, so waiting consumers do not take the CPU
// producers need.
const emptyPollBackoff = 250 * time.Microsecond

func newHistogram() *hdrhistogram.Histogram {
	return hdrhistogram.New(histMinUS, histMaxUS, histDigits)
}

// sample is one completed batch, for the chart.
type sample struct {
	at    time.Duration // completion, since the run's start
	lat   time.Duration
	msgs  uint32
	bytes uint32 // payload
}

// recorder collects one actor's measurements. Its hot path does not
// allocate while len(samples) < cap(samples).
type recorder struct {
	epoch    time.Time // the run's common start
	hist     *hdrhistogram.Histogram
	samples  []sample
	messages uint64
	batches  uint64
	bytes    uint64
	begin    time.Duration // first batch started, since epoch
	end      time.Duration // last batch completed, since epoch
	progress *atomic.Int64
}

func newRecorder(epoch time.Time, expectBatches int, progress *atomic.Int64) *recorder {
	return &recorder{epoch: epoch, hist: newHistogram(), samples: make([]sample, 0, expectBatches), progress: progress}
}

// record adds one batch that completed at done after lat.
func (r *recorder) record(done time.Time, lat time.Duration, msgs, bytes int) {
	us := max(lat.Microseconds(), histMinUS)
	r.hist.RecordValue(min(us, histMaxUS))
	at := done.Sub(r.epoch)
	r.samples = append(r.samples, sample{at: at, lat: lat, msgs: uint32(msgs), bytes: uint32(bytes)})
	r.messages += uint64(msgs)
	r.batches++
	r.bytes += uint64(bytes)
	r.end = at
	if r.progress != nil {
		r.progress.Add(int64(msgs))
	}
}

// pacer holds an actor to a payload rate: batch k may start once the
// batches before it fit in the rate since the actor began.
type pacer struct {
	perNS float64 // bytes per nanosecond; 0 = no limit
	start time.Time
	sent  uint64
	timer *time.Timer
}

func newPacer(bytesPerSecond uint64) *pacer {
	p := &pacer{perNS: float64(bytesPerSecond) / 1e9}
	if bytesPerSecond > 0 {
		p.timer = time.NewTimer(time.Hour)
		p.timer.Stop()
	}
	return p
}

// wait blocks until bytes more may go, or ctx ends.
func (p *pacer) wait(ctx context.Context, bytes int) error {
	if p.perNS == 0 {
		return nil
	}
	if p.start.IsZero() {
		p.start = time.Now()
	}
	due := p.start.Add(time.Duration(float64(p.sent) / p.perNS))
	p.sent += uint64(bytes)
	d := time.Until(due)
	if d <= 0 {
		return nil
	}
	p.timer.Reset(d)
	select {
	case <-p.timer.C:
		return nil
	case <-ctx.Done():
		p.timer.Stop()
		return ctx.Err()
	}
}

// groupState is what the consumers of one stream's group share: the
// messages still to read, claimed before each poll so the run reads exactly
// its share, and the time of the group's last progress.
type groupState struct {
	left     atomic.Int64 // unclaimed messages
	done     atomic.Int64 // messages read
	target   int64
	progress atomic.Int64 // UnixNano of the last non-empty poll
}

// claim takes up to n unclaimed messages and returns how many it took.
func (g *groupState) claim(n int) int {
	for {
		left := g.left.Load()
		if left <= 0 {
			return 0
		}
		take := min(left, int64(n))
		if g.left.CompareAndSwap(left, left-take) {
			return int(take)
		}
	}
}

// actor is one closed-loop client of a run.
type actor struct {
	plan  ActorPlan
	batch int // messages per batch
	size  int // payload bytes per message
	stall time.Duration
	w     *wire
	send  *sendFrame  // producers and producing consumers
	poll  *pollFrame  // consumers and producing consumers
	next  uint64      // next offset to poll (offset polling)
	group *groupState // group consumers
	pace  *pacer
	rec   *recorder
}

// run runs the actor's loop for its role.
func (a *actor) run(ctx context.Context) error {
	switch {
	case a.plan.Role == RoleProducer:
		return a.produce(ctx)
	case a.plan.Role == RoleProducingConsumer:
		return a.produceAndConsume(ctx)
	case a.group != nil:
		return a.consumeGroup(ctx)
	default:
		return a.consume(ctx)
	}
}

// produce sends plan.Messages in batches, one in flight.
func (a *actor) produce(ctx context.Context) error {
	for left := a.plan.Messages; left > 0; left -= a.send.count {
		if err := a.pace.wait(ctx, a.send.payload); err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		a.send.stamp(nowMicros())
		t0 := time.Now()
		if _, err := a.w.roundTrip(protocol.CodeSendMessages, a.send.frame); err != nil {
			return fmt.Errorf("producer %d send to stream %d: %w", a.plan.ID, a.plan.Stream, err)
		}
		t1 := time.Now()
		if a.rec.batches == 0 {
			a.rec.begin = t0.Sub(a.rec.epoch)
		}
		a.rec.record(t1, t1.Sub(t0), a.send.count, a.send.payload)
	}
	return nil
}

// consume reads plan.Messages from partition 0 by offset, from a.next.
func (a *actor) consume(ctx context.Context) error {
	idle := time.Now()
	for left := a.plan.Messages; left > 0; {
		want := min(a.batch, left)
		if err := a.pace.wait(ctx, want*a.size); err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		a.poll.set(a.next, want)
		t0 := time.Now()
		payload, err := a.w.roundTrip(protocol.CodePollMessages, a.poll.frame)
		if err != nil {
			return fmt.Errorf("consumer %d poll stream %d at offset %d: %w", a.plan.ID, a.plan.Stream, a.next, err)
		}
		t1 := time.Now()
		n, bytes, _, err := parsePoll(payload)
		if err != nil {
			return fmt.Errorf("consumer %d poll stream %d at offset %d: %w", a.plan.ID, a.plan.Stream, a.next, err)
		}
		if n == 0 {
			if t1.Sub(idle) > a.stall {
				return fmt.Errorf("consumer %d on stream %d: nothing at offset %d for %v with %d messages left: %w",
					a.plan.ID, a.plan.Stream, a.next, a.stall, left, ErrStalled)
			}
			time.Sleep(emptyPollBackoff)
			continue
		}
		n = min(n, left)
		idle = t1
		if a.rec.batches == 0 {
			a.rec.begin = t0.Sub(a.rec.epoch)
		}
		a.rec.record(t1, t1.Sub(t0), n, bytes)
		a.next += uint64(n)
		left -= n
	}
	return nil
}

// consumeGroup polls `next` with auto-commit through the stream's group
// until the group has read its share.
func (a *actor) consumeGroup(ctx context.Context) error {
	g := a.group
	for g.done.Load() < g.target {
		if err := ctx.Err(); err != nil {
			return err
		}
		want := g.claim(a.batch)
		if want == 0 {
			// Others hold the remaining claims; wait for them to finish or
			// hand claims back.
			if err := a.groupStalled(); err != nil {
				return err
			}
			time.Sleep(emptyPollBackoff)
			continue
		}
		if err := a.pace.wait(ctx, want*a.size); err != nil {
			g.left.Add(int64(want))
			return err
		}
		a.poll.set(0, want)
		t0 := time.Now()
		payload, err := a.w.roundTrip(protocol.CodePollMessages, a.poll.frame)
		if err != nil {
			return fmt.Errorf("group consumer %d poll stream %d: %w", a.plan.ID, a.plan.Stream, err)
		}
		t1 := time.Now()
		n, bytes, _, err := parsePoll(payload)
		if err != nil {
			return fmt.Errorf("group consumer %d poll stream %d: %w", a.plan.ID, a.plan.Stream, err)
		}
		if n > want {
			return fmt.Errorf("group consumer %d poll stream %d: %d messages for a count of %d: %w",
				a.plan.ID, a.plan.Stream, n, want, ErrShortBatch)
		}
		if n < want {
			g.left.Add(int64(want - n))
		}
		if n == 0 {
			if err := a.groupStalled(); err != nil {
				return err
			}
			time.Sleep(emptyPollBackoff)
			continue
		}
		g.progress.Store(t1.UnixNano())
		g.done.Add(int64(n))
		if a.rec.batches == 0 {
			a.rec.begin = t0.Sub(a.rec.epoch)
		}
		a.rec.record(t1, t1.Sub(t0), n, bytes)
	}
	return nil
}

// groupStalled fails when the group made no progress for the stall time.
func (a *actor) groupStalled() error {
	g := a.group
	last := time.Unix(0, g.progress.Load())
	if time.Since(last) <= a.stall {
		return nil
	}
	return fmt.Errorf("group on stream %d: no message for %v with %d of %d read: %w",
		a.plan.Stream, a.stall, g.done.Load(), g.target, ErrStalled)
}

// produceAndConsume sends a batch, then polls from partition 0 until the
// whole batch came back; the latency spans both.
func (a *actor) produceAndConsume(ctx context.Context) error {
	for left := a.plan.Messages; left > 0; left -= a.send.count {
		if err := a.pace.wait(ctx, a.send.payload); err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		a.send.stamp(nowMicros())
		t0 := time.Now()
		if _, err := a.w.roundTrip(protocol.CodeSendMessages, a.send.frame); err != nil {
			return fmt.Errorf("producing consumer %d send to stream %d: %w", a.plan.ID, a.plan.Stream, err)
		}
		sent := time.Now()
		for got := 0; got < a.send.count; {
			a.poll.set(a.next, a.send.count-got)
			payload, err := a.w.roundTrip(protocol.CodePollMessages, a.poll.frame)
			if err != nil {
				return fmt.Errorf("producing consumer %d poll stream %d at offset %d: %w", a.plan.ID, a.plan.Stream, a.next, err)
			}
			n, _, first, err := parsePoll(payload)
			if err != nil {
				return fmt.Errorf("producing consumer %d poll stream %d at offset %d: %w", a.plan.ID, a.plan.Stream, a.next, err)
			}
			if n == 0 {
				if time.Since(sent) > a.stall {
					return fmt.Errorf("producing consumer %d on stream %d: acknowledged batch not readable at offset %d after %v: %w",
						a.plan.ID, a.plan.Stream, a.next, a.stall, ErrStalled)
				}
				time.Sleep(emptyPollBackoff)
				continue
			}
			if first != a.next {
				return fmt.Errorf("producing consumer %d poll stream %d at offset %d: got offset %d first: %w",
					a.plan.ID, a.plan.Stream, a.next, first, ErrShortBatch)
			}
			got += n
			a.next += uint64(n)
		}
		t1 := time.Now()
		if a.rec.batches == 0 {
			a.rec.begin = t0.Sub(a.rec.epoch)
		}
		a.rec.record(t1, t1.Sub(t0), a.send.count, a.send.payload)
	}
	return nil
}
