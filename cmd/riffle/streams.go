// SPDX-License-Identifier: Apache-2.0

package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"riffle/internal/client"
	"riffle/internal/protocol"
)

// streamView is a stream in JSON.
type streamView struct {
	ID            uint32 `json:"id"`
	Name          string `json:"name"`
	CreatedAt     uint64 `json:"created_at_us"`
	TopicsCount   uint32 `json:"topics_count"`
	SizeBytes     uint64 `json:"size_bytes"`
	MessagesCount uint64 `json:"messages_count"`
}

// streamDetailsView is `stream get`: the stream and its topics.
type streamDetailsView struct {
	streamView
	Topics []topicView `json:"topics"`
}

func viewStream(s protocol.StreamInfo) streamView {
	return streamView{ID: s.ID, Name: s.Name, CreatedAt: s.CreatedAt, TopicsCount: s.TopicsCount,
		SizeBytes: s.SizeBytes, MessagesCount: s.MessagesCount}
}

// notFound turns client.ErrNotFound into "<what> <id>: not found".
func notFound(err error, what string, id fmt.Stringer) error {
	if errors.Is(err, client.ErrNotFound) {
		return fmt.Errorf("%s %s: %w", what, id, err)
	}
	return err
}

// done prints a confirmation: an object with -o json, a sentence otherwise.
func (g *globals) done(v any, format string, args ...any) error {
	return g.emit(v, func() { say(format, args...) })
}

func streamCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "stream", Aliases: []string{"s"}, Short: "Create, inspect, update, purge and delete streams"}
	cmd.AddCommand(&cobra.Command{
		Use:     "create NAME",
		Aliases: []string{"c"},
		Short:   "Create a stream (the server assigns its ID)",
		Args:    exactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			return g.withClient(0, func(ctx context.Context, c *client.Client) error {
				s, err := c.CreateStream(ctx, args[0])
				if err != nil {
					return err
				}
				return g.done(viewStream(s), "stream %s created with ID %d", s.Name, s.ID)
			})
		},
	})
	cmd.AddCommand(&cobra.Command{
		Use:     "get STREAM",
		Aliases: []string{"g"},
		Short:   "Show a stream and its topics",
		Args:    exactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			id, err := parseID("stream", args[0])
			if err != nil {
				return err
			}
			return g.withClient(0, func(ctx context.Context, c *client.Client) error {
				d, err := c.GetStream(ctx, id)
				if err != nil {
					return notFound(err, "stream", id)
				}
				v := streamDetailsView{streamView: viewStream(d.Stream), Topics: []topicView{}}
				for _, t := range d.Topics {
					v.Topics = append(v.Topics, viewTopic(t))
				}
				return g.emit(v, func() {
					s := d.Stream
					fields("ID", s.ID, "Name", s.Name, "Created", timeText(s.CreatedAt), "Topics", s.TopicsCount,
						"Size", sizeText(s.SizeBytes), "Messages", s.MessagesCount)
					if len(d.Topics) > 0 {
						say("")
						printTopics(d.Topics)
					}
				})
			})
		},
	})
	cmd.AddCommand(&cobra.Command{
		Use:     "list",
		Aliases: []string{"l"},
		Short:   "List streams",
		Args:    exactArgs(0),
		RunE: func(*cobra.Command, []string) error {
			return g.withClient(0, func(ctx context.Context, c *client.Client) error {
				l, err := c.GetStreams(ctx)
				if err != nil {
					return err
				}
				views := []streamView{}
				for _, s := range l {
					views = append(views, viewStream(s))
				}
				return g.emit(views, func() {
					t := newTable("ID", "NAME", "CREATED", "TOPICS", "SIZE", "MESSAGES")
					for _, s := range l {
						t.row(s.ID, s.Name, timeText(s.CreatedAt), s.TopicsCount, sizeText(s.SizeBytes), s.MessagesCount)
					}
					t.flush()
				})
			})
		},
	})
	cmd.AddCommand(&cobra.Command{
		Use:     "update STREAM NAME",
		Aliases: []string{"u"},
		Short:   "Rename a stream",
		Args:    exactArgs(2),
		RunE: func(_ *cobra.Command, args []string) error {
			id, err := parseID("stream", args[0])
			if err != nil {
				return err
			}
			return g.withClient(0, func(ctx context.Context, c *client.Client) error {
				if err := c.UpdateStream(ctx, id, args[1]); err != nil {
					return err
				}
				return g.done(map[string]any{"stream": id.String(), "name": args[1]}, "stream %s renamed to %s", id, args[1])
			})
		},
	})
	cmd.AddCommand(simpleStreamCmd(g, "delete", "d", "Delete a stream with its topics and messages", "deleted", (*client.Client).DeleteStream))
	cmd.AddCommand(simpleStreamCmd(g, "purge", "p", "Delete every message of every topic of a stream", "purged", (*client.Client).PurgeStream))
	return cmd
}

// simpleStreamCmd is a `stream VERB STREAM` command without a result.
func simpleStreamCmd(g *globals, verb, alias, short, past string, call func(*client.Client, context.Context, protocol.Identifier) error) *cobra.Command {
	return &cobra.Command{
		Use:     verb + " STREAM",
		Aliases: []string{alias},
		Short:   short,
		Args:    exactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			id, err := parseID("stream", args[0])
			if err != nil {
				return err
			}
			return g.withClient(0, func(ctx context.Context, c *client.Client) error {
				if err := call(c, ctx, id); err != nil {
					return err
				}
				return g.done(map[string]string{"stream": id.String(), "result": past}, "stream %s %s", id, past)
			})
		},
	}
}

func partitionCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "partition", Aliases: []string{"p"}, Short: "Add partitions to a topic or remove its last ones"}
	for _, v := range []struct {
		verb, alias, short, past string
		call                     func(*client.Client, context.Context, protocol.Identifier, protocol.Identifier, uint32) error
	}{
		{"create", "c", "Add COUNT partitions to a topic", "created", (*client.Client).CreatePartitions},
		{"delete", "d", "Delete the last COUNT partitions of a topic and their messages", "deleted", (*client.Client).DeletePartitions},
	} {
		cmd.AddCommand(&cobra.Command{
			Use:     v.verb + " STREAM TOPIC COUNT",
			Aliases: []string{v.alias},
			Short:   v.short,
			Args:    exactArgs(3),
			RunE: func(_ *cobra.Command, args []string) error {
				stream, topic, err := parseStreamTopic(args)
				if err != nil {
					return err
				}
				n, err := parseCount("partition count", args[2])
				if err != nil {
					return err
				}
				return g.withClient(0, func(ctx context.Context, c *client.Client) error {
					if err := v.call(c, ctx, stream, topic, n); err != nil {
						return err
					}
					return g.done(map[string]any{"stream": stream.String(), "topic": topic.String(), "partitions": n, "result": v.past},
						"%s %s in topic %s of stream %s", plural(int(n), "partition"), v.past, topic, stream)
				})
			},
		})
	}
	return cmd
}

func segmentCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "segment", Aliases: []string{"seg"}, Short: "Delete the oldest segments of a partition"}
	cmd.AddCommand(&cobra.Command{
		Use:     "delete STREAM TOPIC PARTITION COUNT",
		Aliases: []string{"d"},
		Short:   "Delete the oldest COUNT segments of a partition with their messages",
		Args:    exactArgs(4),
		RunE: func(_ *cobra.Command, args []string) error {
			stream, topic, err := parseStreamTopic(args)
			if err != nil {
				return err
			}
			part, err := parseU32("partition", args[2])
			if err != nil {
				return err
			}
			n, err := parseCount("segment count", args[3])
			if err != nil {
				return err
			}
			return g.withClient(0, func(ctx context.Context, c *client.Client) error {
				if err := c.DeleteSegments(ctx, stream, topic, part, n); err != nil {
					return err
				}
				return g.done(map[string]any{"stream": stream.String(), "topic": topic.String(), "partition": part, "segments": n, "result": "deleted"},
					"%s deleted from partition %d of topic %s in stream %s", plural(int(n), "segment"), part, topic, stream)
			})
		},
	})
	return cmd
}

// parseStreamTopic parses the STREAM TOPIC arguments at the start of args.
func parseStreamTopic(args []string) (protocol.Identifier, protocol.Identifier, error) {
	stream, err := parseID("stream", args[0])
	if err != nil {
		return stream, stream, err
	}
	topic, err := parseID("topic", args[1])
	return stream, topic, err
}
