// SPDX-License-Identifier: Apache-2.0

package bench

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"riffle/internal/protocol"
)

func nowMicros() uint64 { return uint64(time.Now().UnixMicro()) }

// Run prepares the streams, connects every actor, starts them together and
// returns the report once all finished. The first actor error stops the
// others and is returned; so is the end of ctx. Setup errors from the server
// are *client.ServerError values (wrapped).
func Run(ctx context.Context, p *Plan) (*Report, error) {
	cfg := &p.Config
	payload := newPayload(cfg.MessageSize)
	targets, err := setup(ctx, p, payload)
	if err != nil {
		return nil, err
	}
	groups := make(map[int]*groupState)
	actors := make([]*actor, 0, len(p.Actors))
	defer func() {
		for _, a := range actors {
			a.w.close()
		}
	}()
	for _, ap := range p.Actors {
		a, err := newActor(ctx, p, ap, targets[ap.Stream], groups, payload)
		if err != nil {
			return nil, err
		}
		actors = append(actors, a)
	}
	for _, a := range actors {
		if a.group != nil {
			if err := a.resetGroupOffsets(targets[a.plan.Stream]); err != nil {
				return nil, err
			}
		}
	}

	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(runCtx, func() {
		for _, a := range actors {
			a.w.close()
		}
	})
	defer stop()

	var (
		wg       sync.WaitGroup
		once     sync.Once
		firstErr error
		start    = make(chan struct{})
	)
	for _, a := range actors {
		wg.Go(func() {
			<-start
			if err := a.run(runCtx); err != nil {
				once.Do(func() { firstErr = err })
				cancel()
			}
		})
	}
	epoch := time.Now()
	for _, a := range actors {
		a.rec.epoch = epoch
		if a.group != nil {
			a.group.progress.Store(epoch.UnixNano())
		}
	}
	close(start)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("bench %s: %w", cfg.Scenario, err)
	}
	if firstErr != nil {
		return nil, firstErr
	}
	seeded := 0
	for _, t := range targets[1:] {
		seeded += t.seeded
	}
	return newReport(p, epoch, actors, seeded), nil
}

// newActor connects one actor, joins its group when it has one, and
// encodes its frames.
func newActor(ctx context.Context, p *Plan, ap ActorPlan, t *target, groups map[int]*groupState, payload []byte) (*actor, error) {
	cfg := &p.Config
	w, err := dialWire(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("%s %d: %w", ap.Role, ap.ID, err)
	}
	sid, tid := protocol.NumericID(t.stream), protocol.NumericID(t.topic)
	a := &actor{
		plan: ap, batch: cfg.MessagesPerBatch, size: cfg.MessageSize, stall: cfg.StallTimeout, w: w,
		pace: newPacer(ap.RateLimit),
		rec:  newRecorder(time.Time{}, (ap.Messages+cfg.MessagesPerBatch-1)/cfg.MessagesPerBatch, cfg.Progress),
	}
	if ap.Role != RoleConsumer {
		part := protocol.PartitionByID(0)
		if t.partitions > 1 {
			part = protocol.Balanced()
		}
		a.send = newSendFrame(sid, tid, part, cfg.MessagesPerBatch, payload)
	}
	switch {
	case ap.Group:
		if _, err := w.call(&protocol.JoinConsumerGroup{Stream: sid, Topic: tid, Group: protocol.NumericID(t.group)}); err != nil {
			w.close()
			return nil, fmt.Errorf("consumer %d join group %s on stream %d: %w", ap.ID, GroupName, t.n, err)
		}
		g := groups[t.n]
		if g == nil {
			g = &groupState{target: int64(p.consumedFrom(t.n))}
			g.left.Store(g.target)
			groups[t.n] = g
		}
		a.group = g
		a.poll = newPollFrame(&protocol.PollMessages{
			Consumer: protocol.GroupConsumer(protocol.NumericID(t.group)), Stream: sid, Topic: tid,
			Strategy: protocol.PollingStrategy{Kind: protocol.PollNext}, Count: uint32(cfg.MessagesPerBatch), AutoCommit: true,
		})
	case ap.Role != RoleProducer:
		a.poll = newPollFrame(&protocol.PollMessages{
			Consumer: protocol.SingleConsumer(protocol.NumericID(uint32(ap.ID))), Stream: sid, Topic: tid,
			Partition: protocol.SomePartition(0), Strategy: protocol.PollingStrategy{Kind: protocol.PollOffset},
			Count: uint32(cfg.MessagesPerBatch),
		})
		if ap.Role == RoleProducingConsumer {
			a.next = t.next
		}
	}
	return a, nil
}

// resetGroupOffsets deletes the group's stored offsets of the partitions
// this member owns, so the run reads from the start even when the group
// already consumed them (a reused stream). Every member tries
// every partition: a partition it does not own answers
// not_resolved_consumer, one with no offset consumer_offset_not_found; both
// are expected.
func (a *actor) resetGroupOffsets(t *target) error {
	sid, tid := protocol.NumericID(t.stream), protocol.NumericID(t.topic)
	for p := range t.partitions {
		_, err := a.w.call(&protocol.DeleteConsumerOffset{
			Consumer: protocol.GroupConsumer(protocol.NumericID(t.group)), Stream: sid, Topic: tid,
			Partition: protocol.SomePartition(uint32(p)),
		})
		if err != nil && !errors.Is(err, protocol.StatusConsumerOffsetNotFound) && !errors.Is(err, protocol.StatusNotResolvedConsumer) {
			return fmt.Errorf("consumer %d reset offset of group %s in stream %d partition %d: %w", a.plan.ID, GroupName, t.n, p, err)
		}
	}
	return nil
}
