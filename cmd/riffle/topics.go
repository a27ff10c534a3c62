// SPDX-License-Identifier: Apache-2.0

package main

import (
	"context"

	"github.com/spf13/cobra"

	"riffle/internal/client"
	"riffle/internal/protocol"
)

// topicView is a topic in JSON. MessageExpiry is null when messages never
// expire, MaxTopicSize when the size is unlimited.
type topicView struct {
	ID                uint32  `json:"id"`
	Name              string  `json:"name"`
	CreatedAt         uint64  `json:"created_at_us"`
	PartitionsCount   uint32  `json:"partitions_count"`
	MessageExpiry     *uint64 `json:"message_expiry_us"`
	Compression       string  `json:"compression"`
	MaxTopicSize      *uint64 `json:"max_topic_size_bytes"`
	ReplicationFactor uint8   `json:"replication_factor"`
	SizeBytes         uint64  `json:"size_bytes"`
	MessagesCount     uint64  `json:"messages_count"`
}

// topicDetailsView is `topic get`, `create` and `update`: the topic and its
// partitions.
type topicDetailsView struct {
	topicView
	Partitions []partitionView `json:"partitions"`
}

type partitionView struct {
	ID            uint32 `json:"id"`
	CreatedAt     uint64 `json:"created_at_us"`
	SegmentsCount uint32 `json:"segments_count"`
	CurrentOffset uint64 `json:"current_offset"`
	SizeBytes     uint64 `json:"size_bytes"`
	MessagesCount uint64 `json:"messages_count"`
}

func viewTopic(t protocol.TopicInfo) topicView {
	v := topicView{ID: t.ID, Name: t.Name, CreatedAt: t.CreatedAt, PartitionsCount: t.PartitionsCount,
		Compression: compressionName(t.CompressionAlgorithm), ReplicationFactor: t.ReplicationFactor,
		SizeBytes: t.SizeBytes, MessagesCount: t.MessagesCount}
	if t.MessageExpiry != protocol.ExpiryNever {
		e := t.MessageExpiry
		v.MessageExpiry = &e
	}
	if t.MaxTopicSize != protocol.TopicSizeUnlimited {
		s := t.MaxTopicSize
		v.MaxTopicSize = &s
	}
	return v
}

func viewTopicDetails(d protocol.TopicDetails) topicDetailsView {
	v := topicDetailsView{topicView: viewTopic(d.Topic), Partitions: []partitionView{}}
	for _, p := range d.Partitions {
		v.Partitions = append(v.Partitions, partitionView(p))
	}
	return v
}

func printTopics(l []protocol.TopicInfo) {
	t := newTable("ID", "NAME", "CREATED", "PARTITIONS", "EXPIRY", "COMPRESSION", "MAX SIZE", "SIZE", "MESSAGES")
	for _, tp := range l {
		t.row(tp.ID, tp.Name, timeText(tp.CreatedAt), tp.PartitionsCount, expiryText(tp.MessageExpiry),
			compressionName(tp.CompressionAlgorithm), sizeText(tp.MaxTopicSize), sizeText(tp.SizeBytes), tp.MessagesCount)
	}
	t.flush()
}

func printTopicDetails(d protocol.TopicDetails) {
	tp := d.Topic
	fields("ID", tp.ID, "Name", tp.Name, "Created", timeText(tp.CreatedAt), "Partitions", tp.PartitionsCount,
		"Message expiry", expiryText(tp.MessageExpiry), "Compression", compressionName(tp.CompressionAlgorithm),
		"Max size", sizeText(tp.MaxTopicSize), "Replication factor", tp.ReplicationFactor,
		"Size", sizeText(tp.SizeBytes), "Messages", tp.MessagesCount)
	if len(d.Partitions) > 0 {
		say("")
		t := newTable("PARTITION", "CREATED", "SEGMENTS", "CURRENT OFFSET", "SIZE", "MESSAGES")
		for _, p := range d.Partitions {
			t.row(p.ID, timeText(p.CreatedAt), p.SegmentsCount, p.CurrentOffset, sizeText(p.SizeBytes), p.MessagesCount)
		}
		t.flush()
	}
}

// topicSettings are the optional flags of topic create and update.
type topicSettings struct {
	maxSize     string
	replication uint8
}

func (s *topicSettings) flags(cmd *cobra.Command, verb string) {
	cmd.Flags().StringVar(&s.maxSize, "max-size", "", "topic size limit, e.g. 15GB, 512MiB, unlimited, server_default"+map[bool]string{true: " (default: server_default)", false: " (default: unchanged)"}[verb == "create"])
	cmd.Flags().Uint8Var(&s.replication, "replication-factor", 0, "replication factor (riffle runs one node; 0 = default 1)")
}

func topicCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "topic", Aliases: []string{"t"}, Short: "Create, inspect, update, purge and delete topics"}

	var create topicSettings
	createCmd := &cobra.Command{
		Use:     "create STREAM NAME PARTITIONS [COMPRESSION [EXPIRY...]]",
		Aliases: []string{"c"},
		Short:   "Create a topic (the server assigns its ID)",
		Long: `Create a topic with PARTITIONS partitions in STREAM. COMPRESSION is none
(default) or gzip. EXPIRY is how long messages are kept: a duration such as
"15days", "1h 30min" or "90s", never, or server_default (the default).`,
		Example: "  riffle topic create orders events 3\n  riffle topic create orders audit 1 none 7days --max-size 10GiB",
		Args:    rangeArgs(3, -1),
		RunE: func(_ *cobra.Command, args []string) error {
			stream, err := parseID("stream", args[0])
			if err != nil {
				return err
			}
			q := protocol.CreateTopic{Stream: stream, Name: args[1], CompressionAlgorithm: protocol.CompressionNone, ReplicationFactor: create.replication}
			if q.PartitionsCount, err = parseU32("partitions", args[2]); err != nil {
				return err
			}
			if len(args) > 3 {
				if q.CompressionAlgorithm, err = parseCompression(args[3]); err != nil {
					return err
				}
			}
			if len(args) > 4 {
				if q.MessageExpiry, err = parseExpiry(args[4:]); err != nil {
					return err
				}
			}
			if q.MaxTopicSize, err = parseSize(create.maxSize); err != nil {
				return err
			}
			return g.withClient(0, func(ctx context.Context, c *client.Client) error {
				d, err := c.CreateTopic(ctx, q)
				if err != nil {
					return err
				}
				return g.done(viewTopicDetails(d), "topic %s created with ID %d and %s in stream %s",
					d.Topic.Name, d.Topic.ID, plural(int(d.Topic.PartitionsCount), "partition"), stream)
			})
		},
	}
	create.flags(createCmd, "create")
	cmd.AddCommand(createCmd)

	cmd.AddCommand(&cobra.Command{
		Use:     "get STREAM TOPIC",
		Aliases: []string{"g"},
		Short:   "Show a topic and its partitions",
		Args:    exactArgs(2),
		RunE: func(_ *cobra.Command, args []string) error {
			stream, topic, err := parseStreamTopic(args)
			if err != nil {
				return err
			}
			return g.withClient(0, func(ctx context.Context, c *client.Client) error {
				d, err := c.GetTopic(ctx, stream, topic)
				if err != nil {
					return notFound(err, "topic", topic)
				}
				return g.emit(viewTopicDetails(d), func() { printTopicDetails(d) })
			})
		},
	})
	cmd.AddCommand(&cobra.Command{
		Use:     "list STREAM",
		Aliases: []string{"l"},
		Short:   "List the topics of a stream",
		Args:    exactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			stream, err := parseID("stream", args[0])
			if err != nil {
				return err
			}
			return g.withClient(0, func(ctx context.Context, c *client.Client) error {
				l, err := c.GetTopics(ctx, stream)
				if err != nil {
					return err
				}
				views := []topicView{}
				for _, t := range l {
					views = append(views, viewTopic(t))
				}
				return g.emit(views, func() { printTopics(l) })
			})
		},
	})

	var update topicSettings
	updateCmd := &cobra.Command{
		Use:     "update STREAM TOPIC NAME [COMPRESSION [EXPIRY...]]",
		Aliases: []string{"u"},
		Short:   "Rename a topic and change its compression, expiry, size limit or replication",
		Long: `Update a topic. NAME is the new (or same) name; COMPRESSION, EXPIRY, --max-size
and --replication-factor keep their current values when not given.`,
		Args: rangeArgs(3, -1),
		RunE: func(cmd *cobra.Command, args []string) error {
			stream, topic, err := parseStreamTopic(args)
			if err != nil {
				return err
			}
			q := protocol.UpdateTopic{Stream: stream, Topic: topic, Name: args[2]}
			var compression *uint8
			var expiry, size *uint64
			if len(args) > 3 {
				c, err := parseCompression(args[3])
				if err != nil {
					return err
				}
				compression = &c
			}
			if len(args) > 4 {
				e, err := parseExpiry(args[4:])
				if err != nil {
					return err
				}
				expiry = &e
			}
			if cmd.Flags().Changed("max-size") {
				s, err := parseSize(update.maxSize)
				if err != nil {
					return err
				}
				size = &s
			}
			return g.withClient(0, func(ctx context.Context, c *client.Client) error {
				cur, err := c.GetTopic(ctx, stream, topic)
				if err != nil {
					return notFound(err, "topic", topic)
				}
				q.CompressionAlgorithm = pick(compression, cur.Topic.CompressionAlgorithm)
				q.MessageExpiry = pick(expiry, cur.Topic.MessageExpiry)
				q.MaxTopicSize = pick(size, cur.Topic.MaxTopicSize)
				q.ReplicationFactor = cur.Topic.ReplicationFactor
				if cmd.Flags().Changed("replication-factor") {
					q.ReplicationFactor = update.replication
				}
				if err := c.UpdateTopic(ctx, q); err != nil {
					return err
				}
				d, err := c.GetTopic(ctx, stream, q.Topic)
				if err != nil {
					// The update took effect; the topic may have been renamed
					// away from a name-based identifier.
					d, err = c.GetTopic(ctx, stream, protocol.NumericID(cur.Topic.ID))
				}
				if err != nil {
					return notFound(err, "topic", topic)
				}
				return g.done(viewTopicDetails(d), "topic %s updated", topic)
			})
		},
	}
	update.flags(updateCmd, "update")
	cmd.AddCommand(updateCmd)

	for _, v := range []struct {
		verb, alias, short, past string
		call                     func(*client.Client, context.Context, protocol.Identifier, protocol.Identifier) error
	}{
		{"delete", "d", "Delete a topic and its messages", "deleted", (*client.Client).DeleteTopic},
		{"purge", "p", "Delete every message of a topic", "purged", (*client.Client).PurgeTopic},
	} {
		cmd.AddCommand(&cobra.Command{
			Use:     v.verb + " STREAM TOPIC",
			Aliases: []string{v.alias},
			Short:   v.short,
			Args:    exactArgs(2),
			RunE: func(_ *cobra.Command, args []string) error {
				stream, topic, err := parseStreamTopic(args)
				if err != nil {
					return err
				}
				return g.withClient(0, func(ctx context.Context, c *client.Client) error {
					if err := v.call(c, ctx, stream, topic); err != nil {
						return err
					}
					return g.done(map[string]string{"stream": stream.String(), "topic": topic.String(), "result": v.past},
						"topic %s in stream %s %s", topic, stream, v.past)
				})
			},
		})
	}
	return cmd
}

// pick returns *p when p is set, else def.
func pick[T any](p *T, def T) T {
	if p != nil {
		return *p
	}
	return def
}
