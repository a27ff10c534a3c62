// SPDX-License-Identifier: Apache-2.0

package bench

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"riffle/internal/protocol"
)

// fakeLog is a one-partition server on one end of a net.Pipe: it keeps sent
// messages with offsets from 0 and answers offset polls from them. visible
// limits what polls see (-1: everything), to simulate a stream that does not
// grow.
type fakeLog struct {
	frames  [][]byte
	visible int
	cursor  int  // next offset of "next" polls (one auto-committing reader)
	discard bool // count sends but keep nothing: the server side allocates nothing
	sends   atomic.Int64
}

func (f *fakeLog) serve(conn net.Conn) {
	defer conn.Close()
	var hdr [protocol.RequestHeaderSize]byte
	var out, payload, body []byte
	for {
		if _, err := io.ReadFull(conn, hdr[:]); err != nil {
			return
		}
		n, code, _ := protocol.ParseRequestHeader(hdr)
		if cap(payload) < int(n) {
			payload = make([]byte, n)
		}
		payload = payload[:n]
		if _, err := io.ReadFull(conn, payload); err != nil {
			return
		}
		out = out[:0]
		switch code {
		case protocol.CodeSendMessages:
			s, err := protocol.ParseSendMessages(payload)
			if err != nil {
				out = protocol.AppendErrorResponse(out, protocol.StatusInvalidCommand)
				break
			}
			f.sends.Add(1)
			out = protocol.AppendOKResponse(out, nil)
			if f.discard {
				break
			}
			s.ForEachFrame(func(_ int, frame []byte) error {
				m := append([]byte(nil), frame...)
				protocol.SetMessageOffset(m, uint64(len(f.frames)))
				f.frames = append(f.frames, m)
				return nil
			})
		case protocol.CodePollMessages:
			var q protocol.PollMessages
			q.Decode(payload)
			end := len(f.frames)
			if f.visible >= 0 {
				end = min(end, f.visible)
			}
			from := min(int(q.Strategy.Value), end)
			if q.Strategy.Kind == protocol.PollNext {
				from = min(f.cursor, end)
			}
			to := min(from+int(q.Count), end)
			if q.Strategy.Kind == protocol.PollNext {
				f.cursor = to
			}
			body = protocol.AppendPollHeader(body[:0], 0, uint64(max(end-1, 0)), uint32(to-from))
			for _, m := range f.frames[from:to] {
				body = append(body, m...)
			}
			out = protocol.AppendOKResponse(out, body)
		default:
			out = protocol.AppendOKResponse(out, nil)
		}
		if _, err := conn.Write(out); err != nil {
			return
		}
	}
}

// pipeActor returns an actor of role whose connection ends at a fakeLog.
func pipeActor(t *testing.T, role Role, batch, batches int, f *fakeLog) *actor {
	t.Helper()
	c, s := net.Pipe()
	go f.serve(s)
	t.Cleanup(func() { c.Close() })
	payload := newPayload(32)
	a := &actor{
		plan:  ActorPlan{ID: 1, Role: role, Stream: 1, Messages: batch * batches},
		batch: batch, size: len(payload), stall: time.Second, w: &wire{conn: c, addr: "pipe"},
		pace: newPacer(0), rec: newRecorder(time.Now(), batches, nil),
	}
	if role != RoleConsumer {
		a.send = newSendFrame(protocol.NumericID(1), protocol.NumericID(0), protocol.PartitionByID(0), batch, payload)
	}
	if role != RoleProducer {
		a.poll = newPollFrame(&protocol.PollMessages{
			Consumer: protocol.SingleConsumer(protocol.NumericID(1)), Stream: protocol.NumericID(1), Topic: protocol.NumericID(0),
			Partition: protocol.SomePartition(0), Strategy: protocol.PollingStrategy{Kind: protocol.PollOffset}, Count: uint32(batch),
		})
	}
	return a
}

func TestProducerRecordsEveryBatch(t *testing.T) {
	f := &fakeLog{visible: -1}
	a := pipeActor(t, RoleProducer, 10, 7, f)
	var progress atomic.Int64
	a.rec.progress = &progress
	if err := a.run(context.Background()); err != nil {
		t.Fatal(err)
	}
	r := a.rec
	if r.batches != 7 || r.messages != 70 || r.bytes != 70*32 || len(r.samples) != 7 || r.hist.TotalCount() != 7 {
		t.Errorf("batches %d messages %d bytes %d samples %d histogram %d", r.batches, r.messages, r.bytes, len(r.samples), r.hist.TotalCount())
	}
	if progress.Load() != 70 || len(f.frames) != 70 {
		t.Errorf("progress %d, server holds %d messages; want 70", progress.Load(), len(f.frames))
	}
	if r.end < r.begin || r.samples[6].at != r.end {
		t.Errorf("begin %v end %v last sample %v", r.begin, r.end, r.samples[6].at)
	}
}

func TestProducerLoopDoesNotAllocatePerBatch(t *testing.T) {
	f := &fakeLog{discard: true}
	a := pipeActor(t, RoleProducer, 100, 1, f)
	a.rec = newRecorder(time.Now(), 1000, nil)
	ctx := context.Background()
	allocs := testing.AllocsPerRun(50, func() {
		if err := a.produce(ctx); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocations per batch, want 0", allocs)
	}
	if f.sends.Load() < 50 {
		t.Errorf("server saw %d sends", f.sends.Load())
	}
}

func TestConsumerLoopDoesNotAllocatePerPoll(t *testing.T) {
	f := &fakeLog{visible: -1}
	p := pipeActor(t, RoleProducer, 100, 2, f)
	if err := p.run(context.Background()); err != nil {
		t.Fatal(err)
	}
	c := pipeActor(t, RoleConsumer, 100, 2, f)
	c.rec = newRecorder(time.Now(), 1000, nil)
	ctx := context.Background()
	c.consume(ctx) // grows the response buffer once
	allocs := testing.AllocsPerRun(50, func() {
		c.next = 0
		if err := c.consume(ctx); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocations per 2 polls, want 0", allocs)
	}
}

func TestConsumerReadsByOffsetUntilItsShare(t *testing.T) {
	f := &fakeLog{visible: -1}
	p := pipeActor(t, RoleProducer, 10, 5, f)
	if err := p.run(context.Background()); err != nil {
		t.Fatal(err)
	}
	c := pipeActor(t, RoleConsumer, 7, 5, f) // 35 of 50, in polls of 7
	if err := c.run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if c.rec.messages != 35 || c.rec.batches != 5 || c.next != 35 || c.rec.bytes != 35*32 {
		t.Errorf("messages %d batches %d next %d bytes %d", c.rec.messages, c.rec.batches, c.next, c.rec.bytes)
	}
}

func TestConsumerFailsWhenTheStreamStopsGrowing(t *testing.T) {
	f := &fakeLog{visible: 5}
	p := pipeActor(t, RoleProducer, 10, 1, f)
	if err := p.run(context.Background()); err != nil {
		t.Fatal(err)
	}
	c := pipeActor(t, RoleConsumer, 10, 1, f)
	c.stall = 20 * time.Millisecond
	err := c.run(context.Background())
	if !errors.Is(err, ErrStalled) {
		t.Fatalf("err = %v, want ErrStalled", err)
	}
	if c.rec.messages != 5 {
		t.Errorf("read %d messages before stalling, want 5", c.rec.messages)
	}
}

func TestProducingConsumerReadsBackEachBatch(t *testing.T) {
	f := &fakeLog{visible: -1}
	a := pipeActor(t, RoleProducingConsumer, 4, 6, f)
	if err := a.run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if a.rec.batches != 6 || a.rec.messages != 24 || a.next != 24 || len(f.frames) != 24 {
		t.Errorf("batches %d messages %d next %d stored %d", a.rec.batches, a.rec.messages, a.next, len(f.frames))
	}
}

func TestGroupConsumersReadExactlyTheGroupShare(t *testing.T) {
	f := &fakeLog{visible: -1}
	p := pipeActor(t, RoleProducer, 10, 10, f)
	if err := p.run(context.Background()); err != nil {
		t.Fatal(err)
	}
	// The claims keep one member to the group's share (35 of 100) although
	// its polls ask for 10.
	g := &groupState{target: 35}
	g.left.Store(35)
	g.progress.Store(time.Now().UnixNano())
	c := pipeActor(t, RoleConsumer, 10, 1, f)
	c.group = g
	c.poll = newPollFrame(&protocol.PollMessages{
		Consumer: protocol.GroupConsumer(protocol.NumericID(0)), Stream: protocol.NumericID(1), Topic: protocol.NumericID(0),
		Strategy: protocol.PollingStrategy{Kind: protocol.PollNext}, Count: 10, AutoCommit: true,
	})
	if err := c.run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if g.done.Load() != 35 || g.left.Load() != 0 || c.rec.messages != 35 || c.rec.batches != 4 || f.cursor != 35 {
		t.Errorf("done %d left %d read %d in %d polls; want 35, 0, 35 in 4", g.done.Load(), g.left.Load(), c.rec.messages, c.rec.batches)
	}
}

func TestGroupClaimNeverOverdraws(t *testing.T) {
	g := &groupState{}
	g.left.Store(25)
	got := []int{g.claim(10), g.claim(10), g.claim(10), g.claim(10)}
	if got[0] != 10 || got[1] != 10 || got[2] != 5 || got[3] != 0 {
		t.Errorf("claims %v, want [10 10 5 0]", got)
	}
}

func TestPacerHoldsTheRate(t *testing.T) {
	p := newPacer(100_000) // 100 kB/s
	start := time.Now()
	for range 6 {
		if err := p.wait(context.Background(), 2000); err != nil {
			t.Fatal(err)
		}
	}
	// Six batches of 2 kB: the sixth may start after 5 × 20 ms.
	if took := time.Since(start); took < 95*time.Millisecond {
		t.Errorf("6 batches of 2 kB at 100 kB/s started within %v, want ≥ 100ms", took)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := p.wait(ctx, 1); !errors.Is(err, context.Canceled) {
		t.Errorf("wait after cancel: %v", err)
	}
}

func TestRoundTripReportsServerStatus(t *testing.T) {
	c, s := net.Pipe()
	defer c.Close()
	go func() {
		defer s.Close()
		var hdr [8]byte
		io.ReadFull(s, hdr[:])
		n := binary.LittleEndian.Uint32(hdr[:4]) - 4
		io.ReadFull(s, make([]byte, n))
		s.Write(protocol.AppendErrorResponse(nil, protocol.StatusStreamIDNotFound))
	}()
	w := &wire{conn: c, addr: "pipe"}
	_, err := w.call(&protocol.GetStream{Stream: protocol.NumericID(9)})
	if !errors.Is(err, protocol.StatusStreamIDNotFound) {
		t.Errorf("err = %v, want stream_id_not_found", err)
	}
}
