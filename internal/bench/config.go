// SPDX-License-Identifier: Apache-2.0

package bench

import (
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"riffle/internal/protocol"
)

// Scenario is an iggy-bench benchmark kind.
type Scenario string

// The scenarios Run supports, under iggy-bench's names.
const (
	PinnedProducer            Scenario = "pinned-producer"
	PinnedConsumer            Scenario = "pinned-consumer"
	PinnedProducerAndConsumer Scenario = "pinned-producer-and-consumer"
	BalancedProducer          Scenario = "balanced-producer"
	BalancedConsumerGroup     Scenario = "balanced-consumer-group"
	EndToEndProducingConsumer Scenario = "end-to-end-producing-consumer"
)

// scenarios lists every scenario with its iggy-bench alias.
var scenarios = []struct {
	s     Scenario
	alias string
}{
	{PinnedProducer, "pp"},
	{PinnedConsumer, "pc"},
	{PinnedProducerAndConsumer, "ppc"},
	{BalancedProducer, "bp"},
	{BalancedConsumerGroup, "bcg"},
	{EndToEndProducingConsumer, "e2e"},
}

// Scenarios returns every scenario name, in iggy-bench's order.
func Scenarios() []Scenario {
	out := make([]Scenario, len(scenarios))
	for i, s := range scenarios {
		out[i] = s.s
	}
	return out
}

// ParseScenario accepts a scenario name or its iggy-bench alias (pp, pc,
// ppc, bp, bcg, e2e). An unknown name wraps ErrConfig.
func ParseScenario(name string) (Scenario, error) {
	for _, s := range scenarios {
		if name == string(s.s) || name == s.alias {
			return s.s, nil
		}
	}
	return "", fmt.Errorf("scenario %q: %w (want one of %s)", name, ErrConfig, scenarioList())
}

func scenarioList() string {
	var b strings.Builder
	for i, s := range scenarios {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(string(s.s))
	}
	return b.String()
}

// produces and consumes tell which sides a scenario has.
func (s Scenario) produces() bool {
	return s == PinnedProducer || s == PinnedProducerAndConsumer || s == BalancedProducer || s == EndToEndProducingConsumer
}

func (s Scenario) consumes() bool {
	return s == PinnedConsumer || s == PinnedProducerAndConsumer || s == BalancedConsumerGroup || s == EndToEndProducingConsumer
}

func (s Scenario) balanced() bool { return s == BalancedProducer || s == BalancedConsumerGroup }

// iggy-bench's defaults (core/bench/src/args/defaults.rs).
const (
	DefaultMessageSize       = 1000
	DefaultMessagesPerBatch  = 1000
	DefaultMessageBatches    = 1000
	DefaultActors            = 8
	DefaultBalancedPartition = 24
	DefaultStallTimeout      = 30 * time.Second
)

// Names of what the bench creates on the server.
const (
	// StreamPrefix is followed by the 1-based stream number.
	StreamPrefix = "bench-stream-"
	// TopicName is the one topic of every bench stream.
	TopicName = "topic-1"
	// GroupName is the consumer group balanced-consumer-group recreates in
	// each stream's topic.
	GroupName = "bench-group"
)

// StreamName returns the name of bench stream n (1-based).
func StreamName(n int) string { return StreamPrefix + strconv.Itoa(n) }

// Config describes one run. Zero counts take iggy-bench's defaults for the
// scenario; see Plan.
type Config struct {
	Scenario Scenario

	Addr     string // "host:port"
	Username string // with Password, unless Token is set
	Password string
	Token    string // personal access token

	Producers  int // producers (and producing consumers for end-to-end); default 8
	Consumers  int // default 8
	Streams    int // default: one per producer (per consumer for pinned-consumer); 1 for balanced
	Partitions int // default 1 for pinned and end-to-end, 24 for balanced

	MessageSize      int // payload bytes per message; default 1000
	MessagesPerBatch int // default 1000
	// MessageBatches is the number of batches per actor (a consumer reads
	// MessageBatches × MessagesPerBatch messages); default 1000 unless
	// TotalData is set. The two are exclusive.
	MessageBatches int
	// TotalData is the payload bytes the whole run sends (or, for the
	// consumer-only scenarios, reads), split evenly over the producing
	// actors (over the consumers when there are none) and rounded up to
	// whole batches per actor; every consumer then reads as many.
	TotalData uint64
	// RateLimit caps the payload bytes per second of the whole run, split
	// evenly over the producing actors (over the consumers when the
	// scenario only consumes); 0 = no limit.
	RateLimit uint64

	ReuseStreams bool // producing scenarios append to existing streams instead of recreating them

	// StallTimeout fails a consumer that sees no new message for this long
	// (default DefaultStallTimeout).
	StallTimeout time.Duration

	// Progress, when not nil, is advanced by the messages each actor
	// completes (sent, polled, or sent and polled back), while Run works.
	Progress *atomic.Int64
}

// Role is what an actor does.
type Role uint8

// Actor roles.
const (
	RoleProducer Role = iota + 1
	RoleConsumer
	RoleProducingConsumer
)

// String returns "producer", "consumer" or "producing_consumer".
func (r Role) String() string {
	switch r {
	case RoleProducer:
		return "producer"
	case RoleConsumer:
		return "consumer"
	case RoleProducingConsumer:
		return "producing_consumer"
	}
	return "role(" + strconv.Itoa(int(r)) + ")"
}

// ActorPlan is one actor of a run.
type ActorPlan struct {
	ID       int  // 1-based among the actors of its role
	Role     Role // what it does
	Stream   int  // 1-based bench stream number
	Messages int  // messages it sends, reads, or sends and reads back
	Group    bool // reads through the stream's consumer group
	// RateLimit is its own payload bytes per second; 0 = none.
	RateLimit uint64
}

// Plan is a Config with its defaults resolved and its actors laid out.
type Plan struct {
	Config  Config // with every default filled in
	Batches int    // batches per actor
	Actors  []ActorPlan
}

// Messages returns the messages of the whole run: the sum of the actors'
// Messages, what Config.Progress reaches at the end.
func (p *Plan) Messages() int64 {
	var n int64
	for _, a := range p.Actors {
		n += int64(a.Messages)
	}
	return n
}

// maxBatchFrame bounds the frame of one batch: the length field is a u32.
const maxBatchFrame = 1<<32 - 1 - 1<<16

// Plan fills in the defaults, checks the configuration and lays out the
// actors. Errors wrap ErrConfig.
func (c Config) Plan() (*Plan, error) {
	bad := func(format string, args ...any) (*Plan, error) {
		return nil, fmt.Errorf(format+": %w", append(args, ErrConfig)...)
	}
	if _, err := ParseScenario(string(c.Scenario)); err != nil {
		return nil, err
	}
	s := c.Scenario
	switch {
	case c.Addr == "":
		return bad("no server address")
	case c.Token == "" && c.Username == "":
		return bad("no credentials")
	case c.Producers < 0, c.Consumers < 0, c.Streams < 0, c.Partitions < 0,
		c.MessageSize < 0, c.MessagesPerBatch < 0, c.MessageBatches < 0, c.StallTimeout < 0:
		return bad("counts must not be negative")
	case c.MessageBatches > 0 && c.TotalData > 0:
		return bad("--message-batches and --total-data are exclusive")
	}
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	def(&c.Producers, DefaultActors)
	def(&c.Consumers, DefaultActors)
	def(&c.MessageSize, DefaultMessageSize)
	def(&c.MessagesPerBatch, DefaultMessagesPerBatch)
	if c.StallTimeout == 0 {
		c.StallTimeout = DefaultStallTimeout
	}
	if !s.produces() {
		c.Producers = 0
	}
	if s == PinnedProducer || s == BalancedProducer || s == EndToEndProducingConsumer {
		c.Consumers = 0
	}
	switch {
	case s.balanced():
		def(&c.Streams, 1)
		def(&c.Partitions, DefaultBalancedPartition)
	case s == PinnedConsumer:
		def(&c.Streams, c.Consumers)
		def(&c.Partitions, 1)
	default:
		def(&c.Streams, c.Producers)
		def(&c.Partitions, 1)
	}
	switch {
	case c.MessageSize > protocol.MaxMessagePayload:
		return bad("--message-size %d exceeds the protocol's %d bytes", c.MessageSize, protocol.MaxMessagePayload)
	case uint64(c.MessagesPerBatch)*uint64(c.MessageSize+protocol.MessageHeaderSize+protocol.IndexEntrySize) > maxBatchFrame:
		return bad("a batch of %d messages of %d bytes does not fit one frame", c.MessagesPerBatch, c.MessageSize)
	case c.Partitions > 1 && (s == PinnedProducerAndConsumer || s == EndToEndProducingConsumer):
		return bad("%s reads partition 0 of each stream: --partitions must be 1", s)
	case (s == PinnedProducerAndConsumer || s == EndToEndProducingConsumer) && c.Streams != c.Producers:
		return bad("%s needs one stream per producer: --streams %d, --producers %d", s, c.Streams, c.Producers)
	case s == BalancedConsumerGroup && c.Consumers < c.Streams:
		return bad("%s needs at least one consumer per stream: --consumers %d, --streams %d", s, c.Consumers, c.Streams)
	}

	perBatch := uint64(c.MessagesPerBatch) * uint64(c.MessageSize)
	sizing := c.Producers // actors whose batches TotalData is split over
	if !s.produces() {
		sizing = c.Consumers
	}
	switch {
	case c.TotalData > 0:
		per := uint64(sizing) * perBatch
		c.MessageBatches = int((c.TotalData + per - 1) / per)
	case c.MessageBatches == 0:
		c.MessageBatches = DefaultMessageBatches
	}
	msgs := c.MessageBatches * c.MessagesPerBatch
	if uint64(msgs) != uint64(c.MessageBatches)*uint64(c.MessagesPerBatch) {
		return bad("%d batches of %d messages overflow", c.MessageBatches, c.MessagesPerBatch)
	}

	p := &Plan{Config: c, Batches: c.MessageBatches}
	limited := c.Producers
	if !s.produces() {
		limited = c.Consumers
	}
	var rate uint64
	if c.RateLimit > 0 {
		rate = max(c.RateLimit/uint64(limited), 1)
	}
	stream := func(i int) int { return (i-1)%c.Streams + 1 }
	switch s {
	case EndToEndProducingConsumer:
		for i := 1; i <= c.Producers; i++ {
			p.Actors = append(p.Actors, ActorPlan{ID: i, Role: RoleProducingConsumer, Stream: i, Messages: msgs, RateLimit: rate})
		}
		return p, nil
	}
	for i := 1; i <= c.Producers; i++ {
		p.Actors = append(p.Actors, ActorPlan{ID: i, Role: RoleProducer, Stream: stream(i), Messages: msgs, RateLimit: rate})
	}
	consumerRate := rate
	if s.produces() {
		consumerRate = 0
	}
	for i := 1; i <= c.Consumers; i++ {
		p.Actors = append(p.Actors, ActorPlan{ID: i, Role: RoleConsumer, Stream: stream(i), Messages: msgs,
			Group: s == BalancedConsumerGroup, RateLimit: consumerRate})
	}
	return p, nil
}

// consumedFrom returns how many messages the consumers of stream n read in
// total.
func (p *Plan) consumedFrom(n int) int {
	total := 0
	for _, a := range p.Actors {
		if a.Role == RoleConsumer && a.Stream == n {
			total += a.Messages
		}
	}
	return total
}
