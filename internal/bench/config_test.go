// SPDX-License-Identifier: Apache-2.0

package bench

import (
	"errors"
	"testing"
)

func TestParseScenarioAcceptsNamesAndAliases(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Scenario
	}{
		{"pinned-producer", PinnedProducer},
		{"pp", PinnedProducer},
		{"pc", PinnedConsumer},
		{"ppc", PinnedProducerAndConsumer},
		{"bp", BalancedProducer},
		{"bcg", BalancedConsumerGroup},
		{"e2e", EndToEndProducingConsumer},
		{"end-to-end-producing-consumer", EndToEndProducingConsumer},
	} {
		got, err := ParseScenario(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseScenario(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	if _, err := ParseScenario("pinned-producer-and-consumer-group"); !errors.Is(err, ErrConfig) {
		t.Errorf("unknown scenario: err = %v, want ErrConfig", err)
	}
}

func base(s Scenario) Config {
	return Config{Scenario: s, Addr: "127.0.0.1:1", Username: "iggy", Password: "iggy"}
}

func TestPlanFillsIggyBenchDefaults(t *testing.T) {
	for _, tc := range []struct {
		name                                 string
		cfg                                  Config
		producers, consumers, streams, parts int
		actors, batches                      int
		firstRole                            Role
		firstGroup                           bool
	}{
		{"pinned producer", base(PinnedProducer), 8, 0, 8, 1, 8, 1000, RoleProducer, false},
		{"pinned consumer streams follow consumers", Config{Scenario: PinnedConsumer, Addr: "a:1", Token: "t", Consumers: 3}, 0, 3, 3, 1, 3, 1000, RoleConsumer, false},
		{"pinned producer and consumer", base(PinnedProducerAndConsumer), 8, 8, 8, 1, 16, 1000, RoleProducer, false},
		{"balanced producer", base(BalancedProducer), 8, 0, 1, 24, 8, 1000, RoleProducer, false},
		{"balanced consumer group", base(BalancedConsumerGroup), 0, 8, 1, 24, 8, 1000, RoleConsumer, true},
		{"end to end", base(EndToEndProducingConsumer), 8, 0, 8, 1, 8, 1000, RoleProducingConsumer, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := tc.cfg.Plan()
			if err != nil {
				t.Fatal(err)
			}
			c := p.Config
			if c.Producers != tc.producers || c.Consumers != tc.consumers || c.Streams != tc.streams || c.Partitions != tc.parts {
				t.Errorf("producers %d consumers %d streams %d partitions %d; want %d %d %d %d",
					c.Producers, c.Consumers, c.Streams, c.Partitions, tc.producers, tc.consumers, tc.streams, tc.parts)
			}
			if len(p.Actors) != tc.actors || p.Batches != tc.batches {
				t.Errorf("%d actors, %d batches; want %d, %d", len(p.Actors), p.Batches, tc.actors, tc.batches)
			}
			if a := p.Actors[0]; a.Role != tc.firstRole || a.Group != tc.firstGroup || a.Messages != 1000*1000 {
				t.Errorf("first actor %+v; want role %v group %v and 10^6 messages", a, tc.firstRole, tc.firstGroup)
			}
			if c.MessageSize != 1000 || c.MessagesPerBatch != 1000 || c.StallTimeout != DefaultStallTimeout {
				t.Errorf("message size %d, per batch %d, stall %v", c.MessageSize, c.MessagesPerBatch, c.StallTimeout)
			}
		})
	}
}

func TestPlanAssignsStreamsRoundRobin(t *testing.T) {
	cfg := base(PinnedProducer)
	cfg.Producers, cfg.Streams = 5, 2
	p, err := cfg.Plan()
	if err != nil {
		t.Fatal(err)
	}
	want := []int{1, 2, 1, 2, 1}
	for i, a := range p.Actors {
		if a.ID != i+1 || a.Stream != want[i] {
			t.Errorf("actor %d: id %d stream %d, want id %d stream %d", i, a.ID, a.Stream, i+1, want[i])
		}
	}
}

func TestPlanSplitsTotalDataIntoWholeBatches(t *testing.T) {
	cfg := base(PinnedProducer)
	cfg.Producers, cfg.MessageSize, cfg.MessagesPerBatch = 2, 100, 10
	cfg.TotalData = 2*100*10*7 + 1 // one byte more than 7 batches each
	p, err := cfg.Plan()
	if err != nil {
		t.Fatal(err)
	}
	if p.Batches != 8 || p.Messages() != 2*8*10 {
		t.Errorf("batches %d, messages %d; want 8 per actor, 160 in all", p.Batches, p.Messages())
	}
}

func TestPlanSplitsRateLimitOverTheLimitedSide(t *testing.T) {
	cfg := base(PinnedProducerAndConsumer)
	cfg.Producers, cfg.Streams, cfg.Consumers, cfg.RateLimit = 4, 4, 2, 1000
	p, err := cfg.Plan()
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range p.Actors {
		want := uint64(250)
		if a.Role == RoleConsumer {
			want = 0
		}
		if a.RateLimit != want {
			t.Errorf("%v %d: rate %d, want %d", a.Role, a.ID, a.RateLimit, want)
		}
	}
	cfg = base(PinnedConsumer)
	cfg.Consumers, cfg.RateLimit = 2, 1000
	if p, err = cfg.Plan(); err != nil {
		t.Fatal(err)
	}
	if p.Actors[0].RateLimit != 500 {
		t.Errorf("consumer-only rate %d, want 500", p.Actors[0].RateLimit)
	}
}

func TestPlanRejectsUnrunnableConfigs(t *testing.T) {
	with := func(s Scenario, f func(*Config)) Config {
		c := base(s)
		f(&c)
		return c
	}
	for _, tc := range []struct {
		name string
		cfg  Config
	}{
		{"unknown scenario", with("fast", func(*Config) {})},
		{"no address", with(PinnedProducer, func(c *Config) { c.Addr = "" })},
		{"no credentials", with(PinnedProducer, func(c *Config) { c.Username = "" })},
		{"negative producers", with(PinnedProducer, func(c *Config) { c.Producers = -1 })},
		{"batches and total data", with(PinnedProducer, func(c *Config) { c.MessageBatches, c.TotalData = 1, 1 })},
		{"payload over the protocol cap", with(PinnedProducer, func(c *Config) { c.MessageSize = 64_000_001 })},
		{"batch over one frame", with(PinnedProducer, func(c *Config) { c.MessageSize, c.MessagesPerBatch = 1_000_000, 5000 })},
		{"ppc with partitions", with(PinnedProducerAndConsumer, func(c *Config) { c.Partitions = 2 })},
		{"ppc with shared streams", with(PinnedProducerAndConsumer, func(c *Config) { c.Streams = 2 })},
		{"e2e with shared streams", with(EndToEndProducingConsumer, func(c *Config) { c.Producers, c.Streams = 2, 1 })},
		{"bcg with a stream and no consumer", with(BalancedConsumerGroup, func(c *Config) { c.Consumers, c.Streams = 1, 2 })},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if p, err := tc.cfg.Plan(); !errors.Is(err, ErrConfig) {
				t.Errorf("Plan() = %+v, %v; want ErrConfig", p, err)
			}
		})
	}
}

func TestPlanCountsConsumedMessagesPerStream(t *testing.T) {
	cfg := base(BalancedConsumerGroup)
	cfg.Consumers, cfg.Streams, cfg.MessagesPerBatch, cfg.MessageBatches = 5, 2, 10, 3
	p, err := cfg.Plan()
	if err != nil {
		t.Fatal(err)
	}
	// Consumers 1, 3, 5 read stream 1; 2 and 4 stream 2.
	if got := p.consumedFrom(1); got != 90 {
		t.Errorf("stream 1: %d messages, want 90", got)
	}
	if got := p.consumedFrom(2); got != 60 {
		t.Errorf("stream 2: %d messages, want 60", got)
	}
}
