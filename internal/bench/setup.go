// SPDX-License-Identifier: Apache-2.0

package bench

import (
	"context"
	"errors"
	"fmt"

	"riffle/internal/client"
	"riffle/internal/protocol"
)

// target is one bench stream as setup found or made it.
type target struct {
	n          int    // bench stream number
	stream     uint32 // server IDs
	topic      uint32
	partitions int
	next       uint64 // next offset of partition 0
	group      uint32 // balanced-consumer-group: the fresh group's ID
	seeded     int    // messages setup wrote first
}

// setup logs in, prepares the run's streams (recreating, creating,
// seeding) and, for balanced-consumer-group, recreates each stream's group.
// It returns the targets by stream number (index 0 unused).
func setup(ctx context.Context, p *Plan, payload []byte) ([]*target, error) {
	cfg := &p.Config
	c, err := client.Dial(ctx, cfg.Addr, client.Options{})
	if err != nil {
		return nil, err
	}
	defer c.Close()
	if cfg.Token != "" {
		_, err = c.LoginWithToken(ctx, cfg.Token)
	} else {
		_, err = c.Login(ctx, cfg.Username, cfg.Password)
	}
	if err != nil {
		return nil, fmt.Errorf("log in to %s: %w", cfg.Addr, err)
	}
	list, err := c.GetStreams(ctx)
	if err != nil {
		return nil, fmt.Errorf("list streams: %w", err)
	}
	existing := make(map[string]uint32, len(list))
	for _, s := range list {
		existing[s.Name] = s.ID
	}
	targets := make([]*target, cfg.Streams+1)
	for n := 1; n <= cfg.Streams; n++ {
		t, err := prepareStream(ctx, c, p, n, existing, payload)
		if err != nil {
			return nil, err
		}
		targets[n] = t
	}
	return targets, nil
}

// prepareStream makes bench stream n ready for the plan's scenario.
func prepareStream(ctx context.Context, c *client.Client, p *Plan, n int, existing map[string]uint32, payload []byte) (*target, error) {
	cfg := &p.Config
	name := StreamName(n)
	id, ok := existing[name]
	if ok && cfg.Scenario.produces() && !cfg.ReuseStreams {
		if err := c.DeleteStream(ctx, protocol.NumericID(id)); err != nil {
			return nil, fmt.Errorf("delete stream %s: %w", name, err)
		}
		ok = false
	}
	if !ok {
		s, err := c.CreateStream(ctx, name)
		if err != nil {
			return nil, fmt.Errorf("create stream %s: %w", name, err)
		}
		id = s.ID
	}
	sid := protocol.NumericID(id)
	top, err := c.GetTopic(ctx, sid, protocol.NamedID(TopicName))
	if errors.Is(err, client.ErrNotFound) {
		top, err = c.CreateTopic(ctx, protocol.CreateTopic{
			Stream: sid, PartitionsCount: uint32(cfg.Partitions), CompressionAlgorithm: protocol.CompressionNone,
			MessageExpiry: protocol.ExpiryNever, MaxTopicSize: protocol.TopicSizeUnlimited, Name: TopicName,
		})
		if err != nil {
			return nil, fmt.Errorf("create topic %s/%s: %w", name, TopicName, err)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("get topic %s/%s: %w", name, TopicName, err)
	}
	if len(top.Partitions) == 0 {
		return nil, fmt.Errorf("topic %s/%s has no partitions: %w", name, TopicName, ErrConfig)
	}
	t := &target{n: n, stream: id, topic: top.Topic.ID, partitions: len(top.Partitions)}
	if p0 := top.Partitions[0]; p0.MessagesCount > 0 {
		t.next = p0.CurrentOffset + 1
	}

	var need, have int
	part := protocol.PartitionByID(0)
	switch cfg.Scenario {
	case PinnedConsumer:
		for _, a := range p.Actors {
			if a.Stream == n {
				need = max(need, a.Messages)
			}
		}
		have = int(top.Partitions[0].MessagesCount)
	case BalancedConsumerGroup:
		need, have = p.consumedFrom(n), int(top.Topic.MessagesCount)
		part = protocol.Balanced()
	}
	if have < need {
		seeded, err := seed(ctx, cfg, t, part, need-have, payload)
		if err != nil {
			return nil, fmt.Errorf("seed stream %s: %w", name, err)
		}
		t.seeded = seeded
	}
	if cfg.Scenario == BalancedConsumerGroup {
		if t.group, err = recreateGroup(ctx, c, t); err != nil {
			return nil, fmt.Errorf("stream %s: %w", name, err)
		}
	}
	return t, nil
}

// seed sends at least messages messages to t in whole batches, untimed,
// and returns how many it sent.
func seed(ctx context.Context, cfg *Config, t *target, part protocol.Partitioning, messages int, payload []byte) (int, error) {
	w, err := dialWire(ctx, cfg)
	if err != nil {
		return 0, err
	}
	defer w.close()
	stop := context.AfterFunc(ctx, func() { w.close() })
	defer stop()
	f := newSendFrame(protocol.NumericID(t.stream), protocol.NumericID(t.topic), part, cfg.MessagesPerBatch, payload)
	sent := 0
	for sent < messages {
		if err := ctx.Err(); err != nil {
			return sent, err
		}
		f.stamp(nowMicros())
		if _, err := w.roundTrip(protocol.CodeSendMessages, f.frame); err != nil {
			return sent, err
		}
		sent += f.count
	}
	return sent, nil
}

// recreateGroup deletes the bench group of t's topic if it exists and
// creates it again, so the run reads from the start.
func recreateGroup(ctx context.Context, c *client.Client, t *target) (uint32, error) {
	sid, tid := protocol.NumericID(t.stream), protocol.NumericID(t.topic)
	groups, err := c.GetConsumerGroups(ctx, sid, tid)
	if err != nil {
		return 0, fmt.Errorf("list consumer groups: %w", err)
	}
	for _, g := range groups {
		if g.Name == GroupName {
			if err := c.DeleteConsumerGroup(ctx, sid, tid, protocol.NumericID(g.ID)); err != nil {
				return 0, fmt.Errorf("delete consumer group %s: %w", GroupName, err)
			}
		}
	}
	g, err := c.CreateConsumerGroup(ctx, sid, tid, GroupName)
	if err != nil {
		return 0, fmt.Errorf("create consumer group %s: %w", GroupName, err)
	}
	return g.ID, nil
}
