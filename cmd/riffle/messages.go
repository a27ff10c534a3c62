// SPDX-License-Identifier: Apache-2.0

package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"riffle/internal/client"
	"riffle/internal/protocol"
)

// maxBatchBytes flushes a batch read from stdin once its payloads reach it.
const maxBatchBytes = 1 << 20

// stdin is where `message send` reads lines; tests of the package swap it.
var stdin io.Reader = os.Stdin

// sendOptions are the flags of `message send`.
type sendOptions struct {
	partition uint32
	key       string
	headers   []string
	batch     int
}

func messageCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "message", Aliases: []string{"m"}, Short: "Send, poll and flush messages"}
	cmd.AddCommand(sendCmd(g), pollCmd(g), flushCmd(g))
	return cmd
}

func sendCmd(g *globals) *cobra.Command {
	var o sendOptions
	cmd := &cobra.Command{
		Use:     "send STREAM TOPIC [MESSAGE...]",
		Aliases: []string{"s"},
		Short:   "Send messages given as arguments, or one per line of standard input",
		Long: `Send messages to a topic. Each MESSAGE argument is one message; without
arguments every non-empty line of standard input is one message, sent in
batches of --batch messages (or 1 MiB).

Partitioning is balanced unless --partition N (0-based) or --key KEY (the
server hashes the key) is given. Every message carries the --header values,
each KEY:KIND:VALUE with KIND one of raw, string, bool, int8, int16, int32,
int64, int128, uint8, uint16, uint32, uint64, uint128, float32, float64.`,
		Example: `  riffle message send orders events "first" "second"
  riffle message send orders events --key customer-7 -H source:string:web -H retries:uint8:0 hello
  seq 1 1000 | riffle message send orders events --partition 2`,
		Args: rangeArgs(2, -1),
		RunE: func(cmd *cobra.Command, args []string) error {
			stream, topic, err := parseStreamTopic(args)
			if err != nil {
				return err
			}
			part := protocol.Balanced()
			switch {
			case cmd.Flags().Changed("partition") && cmd.Flags().Changed("key"):
				return usageErrorf("--partition and --key exclude each other")
			case cmd.Flags().Changed("partition"):
				part = protocol.PartitionByID(o.partition)
			case cmd.Flags().Changed("key"):
				if len(o.key) == 0 || len(o.key) > 255 {
					return usageErrorf("--key: want 1 to 255 bytes")
				}
				part = protocol.PartitionByKey([]byte(o.key))
			}
			var hs []protocol.UserHeader
			for _, h := range o.headers {
				uh, err := parseHeader(h)
				if err != nil {
					return err
				}
				hs = append(hs, uh)
			}
			var headers []byte
			if len(hs) > 0 {
				headers = protocol.AppendUserHeaders(nil, hs)
			}
			if o.batch < 1 {
				return usageErrorf("--batch: want at least 1")
			}
			timeout := time.Duration(0)
			if len(args) == 2 {
				timeout = -1 // standard input may stream for as long as it likes
			}
			return g.withClient(timeout, func(ctx context.Context, c *client.Client) error {
				s := &sender{ctx: ctx, c: c, stream: stream, topic: topic, part: part, headers: headers, batch: o.batch}
				if len(args) > 2 {
					for _, m := range args[2:] {
						if err := s.add([]byte(m)); err != nil {
							return err
						}
					}
				} else if err := s.readLines(stdin); err != nil {
					return err
				}
				if err := s.flush(); err != nil {
					return err
				}
				return g.done(map[string]any{"stream": stream.String(), "topic": topic.String(), "sent": s.sent},
					"sent %s to topic %s of stream %s", plural(s.sent, "message"), topic, stream)
			})
		},
	}
	f := cmd.Flags()
	f.Uint32Var(&o.partition, "partition", 0, "send to this partition (0-based)")
	f.StringVar(&o.key, "key", "", "partition by this message key")
	f.StringArrayVarP(&o.headers, "header", "H", nil, "user header KEY:KIND:VALUE on every message (repeatable)")
	f.IntVar(&o.batch, "batch", 1000, "messages per request when reading standard input")
	return cmd
}

// sender batches messages into SendMessages requests.
type sender struct {
	ctx          context.Context
	c            *client.Client
	stream       protocol.Identifier
	topic        protocol.Identifier
	part         protocol.Partitioning
	headers      []byte
	batch        int
	pending      []protocol.Message
	pendingBytes int
	sent         int
}

func (s *sender) add(payload []byte) error {
	if len(payload) == 0 {
		return usageErrorf("message %d is empty; the server rejects empty payloads", s.sent+len(s.pending)+1)
	}
	s.pending = append(s.pending, protocol.Message{OriginTimestamp: uint64(time.Now().UnixMicro()), Payload: payload, UserHeaders: s.headers})
	s.pendingBytes += len(payload)
	if len(s.pending) >= s.batch || s.pendingBytes >= maxBatchBytes {
		return s.flush()
	}
	return nil
}

func (s *sender) flush() error {
	if len(s.pending) == 0 {
		return nil
	}
	if err := s.c.SendMessages(s.ctx, s.stream, s.topic, s.part, s.pending); err != nil {
		if s.sent > 0 {
			fmt.Fprintf(os.Stderr, "riffle: %s sent before the failure\n", plural(s.sent, "message"))
		}
		return err
	}
	s.sent += len(s.pending)
	s.pending, s.pendingBytes = s.pending[:0], 0
	return nil
}

// readLines adds every non-empty line of r (without its line ending).
func (s *sender) readLines(r io.Reader) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), protocol.MaxMessagePayload+2)
	for sc.Scan() {
		line := strings.TrimSuffix(sc.Text(), "\r")
		if line == "" {
			continue
		}
		if err := s.add([]byte(line)); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read standard input: %w", err)
	}
	return nil
}

// pollOptions are the flags of `message poll`.
type pollOptions struct {
	offset     uint64
	timestamp  uint64
	first      bool
	last       bool
	next       bool
	count      uint32
	autoCommit bool
	consumer   string
}

// messageView is one polled message in JSON. Payload is text when the
// payload is printable UTF-8 (PayloadEncoding "text"), base64 otherwise.
type messageView struct {
	Offset          uint64       `json:"offset"`
	ID              string       `json:"id"`
	Timestamp       uint64       `json:"timestamp_us"`
	OriginTimestamp uint64       `json:"origin_timestamp_us"`
	Checksum        uint64       `json:"checksum"`
	Size            int          `json:"payload_size"`
	Payload         string       `json:"payload"`
	PayloadEncoding string       `json:"payload_encoding"`
	Headers         []headerView `json:"headers"`
}

// headerView is one user header; values are shown as text per their kind
// (raw values as text or base64, like payloads).
type headerView struct {
	Key       string `json:"key"`
	KeyKind   string `json:"key_kind"`
	Value     string `json:"value"`
	ValueKind string `json:"kind"`
}

type pollView struct {
	PartitionID   uint32        `json:"partition_id"`
	CurrentOffset uint64        `json:"current_offset"`
	Count         int           `json:"count"`
	Messages      []messageView `json:"messages"`
}

func pollCmd(g *globals) *cobra.Command {
	var o pollOptions
	cmd := &cobra.Command{
		Use:     "poll STREAM TOPIC PARTITION",
		Aliases: []string{"p"},
		Short:   "Poll messages from a partition and print payloads and headers",
		Long: `Poll up to --count messages from PARTITION (0-based) with exactly one strategy:
--offset N, --timestamp US (µs since the epoch), --first, --last or --next (after
the consumer's stored offset). --auto-commit stores the offset of the last
message polled for --consumer (default 0).

Payloads print as text when they are printable UTF-8, else as base64; user
headers print as key=value(kind).`,
		Example: "  riffle message poll orders events 0 --first --count 100\n  riffle message poll orders events 0 --next --consumer billing --auto-commit",
		Args:    exactArgs(3),
		RunE: func(cmd *cobra.Command, args []string) error {
			stream, topic, err := parseStreamTopic(args)
			if err != nil {
				return err
			}
			part, err := parseU32("partition", args[2])
			if err != nil {
				return err
			}
			consumer, err := parseID("consumer", o.consumer)
			if err != nil {
				return err
			}
			var strategies []protocol.PollingStrategy
			if cmd.Flags().Changed("offset") {
				strategies = append(strategies, protocol.PollingStrategy{Kind: protocol.PollOffset, Value: o.offset})
			}
			if cmd.Flags().Changed("timestamp") {
				strategies = append(strategies, protocol.PollingStrategy{Kind: protocol.PollTimestamp, Value: o.timestamp})
			}
			for _, s := range []struct {
				on   bool
				kind protocol.PollingKind
			}{{o.first, protocol.PollFirst}, {o.last, protocol.PollLast}, {o.next, protocol.PollNext}} {
				if s.on {
					strategies = append(strategies, protocol.PollingStrategy{Kind: s.kind})
				}
			}
			if len(strategies) != 1 {
				return usageErrorf("give exactly one of --offset, --timestamp, --first, --last, --next")
			}
			if o.count == 0 {
				return usageErrorf("--count: want at least 1")
			}
			q := protocol.PollMessages{Consumer: protocol.SingleConsumer(consumer), Stream: stream, Topic: topic,
				Partition: protocol.SomePartition(part), Strategy: strategies[0], Count: o.count, AutoCommit: o.autoCommit}
			return g.withClient(0, func(ctx context.Context, c *client.Client) error {
				m, err := c.PollMessages(ctx, q)
				if err != nil {
					return err
				}
				v := viewPoll(m)
				return g.emit(v, func() { printPoll(v) })
			})
		},
	}
	f := cmd.Flags()
	f.Uint64Var(&o.offset, "offset", 0, "poll from this offset")
	f.Uint64Var(&o.timestamp, "timestamp", 0, "poll from this time (µs since the epoch)")
	f.BoolVar(&o.first, "first", false, "poll from the first message")
	f.BoolVar(&o.last, "last", false, "poll the last messages")
	f.BoolVar(&o.next, "next", false, "poll after the consumer's stored offset")
	f.Uint32VarP(&o.count, "count", "m", 10, "maximum number of messages")
	f.BoolVarP(&o.autoCommit, "auto-commit", "a", false, "store the offset of the last message polled")
	f.StringVarP(&o.consumer, "consumer", "c", "0", "consumer ID or name")
	return cmd
}

func viewPoll(m protocol.PolledMessages) pollView {
	v := pollView{PartitionID: m.PartitionID, CurrentOffset: m.CurrentOffset, Count: len(m.Messages), Messages: []messageView{}}
	for _, msg := range m.Messages {
		text, isText := payloadText(msg.Payload)
		enc := "base64"
		if isText {
			enc = "text"
		}
		mv := messageView{Offset: msg.Header.Offset, ID: u128(msg.Header.ID[:]).String(), Timestamp: msg.Header.Timestamp,
			OriginTimestamp: msg.Header.OriginTimestamp, Checksum: msg.Header.Checksum, Size: len(msg.Payload),
			Payload: text, PayloadEncoding: enc, Headers: []headerView{}}
		hs, err := protocol.DecodeUserHeaders(msg.UserHeaders)
		if err != nil {
			raw, _ := payloadText(msg.UserHeaders)
			mv.Headers = append(mv.Headers, headerView{Key: "(malformed)", KeyKind: "raw", Value: raw, ValueKind: "raw"})
		}
		for _, h := range hs {
			mv.Headers = append(mv.Headers, headerView{Key: headerValueText(h.KeyKind, h.Key), KeyKind: headerKindName(h.KeyKind),
				Value: headerValueText(h.ValueKind, h.Value), ValueKind: headerKindName(h.ValueKind)})
		}
		v.Messages = append(v.Messages, mv)
	}
	return v
}

func printPoll(v pollView) {
	say("polled %s from partition %d (current offset %d)", plural(v.Count, "message"), v.PartitionID, v.CurrentOffset)
	if v.Count == 0 {
		return
	}
	t := newTable("OFFSET", "TIMESTAMP", "ID", "SIZE", "PAYLOAD", "HEADERS")
	for _, m := range v.Messages {
		payload := m.Payload
		if m.PayloadEncoding == "base64" {
			payload = "base64:" + payload
		}
		var hs []string
		for _, h := range m.Headers {
			hs = append(hs, fmt.Sprintf("%s=%s(%s)", h.Key, h.Value, h.ValueKind))
		}
		headers := "-"
		if len(hs) > 0 {
			headers = strings.Join(hs, ", ")
		}
		t.row(m.Offset, time.UnixMicro(int64(m.Timestamp)).Local().Format("2006-01-02 15:04:05.000000"), m.ID, m.Size, payload, headers)
	}
	t.flush()
}

func flushCmd(g *globals) *cobra.Command {
	var fsync bool
	cmd := &cobra.Command{
		Use:     "flush STREAM TOPIC PARTITION",
		Aliases: []string{"f"},
		Short:   "Write a partition's buffered messages to disk (and sync them with --fsync)",
		Args:    exactArgs(3),
		RunE: func(_ *cobra.Command, args []string) error {
			stream, topic, err := parseStreamTopic(args)
			if err != nil {
				return err
			}
			part, err := parseU32("partition", args[2])
			if err != nil {
				return err
			}
			return g.withClient(0, func(ctx context.Context, c *client.Client) error {
				if err := c.FlushUnsavedBuffer(ctx, stream, topic, part, fsync); err != nil {
					return err
				}
				return g.done(map[string]any{"stream": stream.String(), "topic": topic.String(), "partition": part, "fsync": fsync, "result": "flushed"},
					"partition %d of topic %s in stream %s flushed", part, topic, stream)
			})
		},
	}
	cmd.Flags().BoolVar(&fsync, "fsync", false, "also sync the data to disk")
	return cmd
}
