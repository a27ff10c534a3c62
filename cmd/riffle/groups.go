// SPDX-License-Identifier: Apache-2.0

package main

import (
	"context"

	"github.com/spf13/cobra"

	"riffle/internal/client"
	"riffle/internal/protocol"
)

// groupView is a consumer group in JSON.
type groupView struct {
	ID              uint32 `json:"id"`
	Name            string `json:"name"`
	PartitionsCount uint32 `json:"partitions_count"`
	MembersCount    uint32 `json:"members_count"`
}

// groupDetailsView is `group get`: the group and its members.
type groupDetailsView struct {
	groupView
	Members []memberView `json:"members"`
}

type memberView struct {
	ID         uint32   `json:"id"`
	Partitions []uint32 `json:"partitions"`
}

func viewGroup(g protocol.GroupInfo) groupView {
	return groupView{ID: g.ID, Name: g.Name, PartitionsCount: g.PartitionsCount, MembersCount: g.MembersCount}
}

// parseGroupArgs parses STREAM TOPIC GROUP.
func parseGroupArgs(args []string) (stream, topic, group protocol.Identifier, err error) {
	if stream, topic, err = parseStreamTopic(args); err != nil {
		return
	}
	group, err = parseID("group", args[2])
	return
}

func groupCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "group", Aliases: []string{"g", "consumer-group"}, Short: "Create, inspect and delete consumer groups"}
	cmd.AddCommand(&cobra.Command{
		Use:     "create STREAM TOPIC NAME",
		Aliases: []string{"c"},
		Short:   "Create a consumer group (the server assigns its ID)",
		Args:    exactArgs(3),
		RunE: func(_ *cobra.Command, args []string) error {
			stream, topic, err := parseStreamTopic(args)
			if err != nil {
				return err
			}
			return g.withClient(0, func(ctx context.Context, c *client.Client) error {
				gi, err := c.CreateConsumerGroup(ctx, stream, topic, args[2])
				if err != nil {
					return err
				}
				return g.done(viewGroup(gi), "consumer group %s created with ID %d in topic %s of stream %s", gi.Name, gi.ID, topic, stream)
			})
		},
	})
	cmd.AddCommand(&cobra.Command{
		Use:     "get STREAM TOPIC GROUP",
		Aliases: []string{"g"},
		Short:   "Show a consumer group and its members",
		Args:    exactArgs(3),
		RunE: func(_ *cobra.Command, args []string) error {
			stream, topic, group, err := parseGroupArgs(args)
			if err != nil {
				return err
			}
			return g.withClient(0, func(ctx context.Context, c *client.Client) error {
				d, err := c.GetConsumerGroup(ctx, stream, topic, group)
				if err != nil {
					return notFound(err, "consumer group", group)
				}
				v := groupDetailsView{groupView: viewGroup(d.Group), Members: []memberView{}}
				for _, m := range d.Members {
					v.Members = append(v.Members, memberView{ID: m.ID, Partitions: append([]uint32{}, m.Partitions...)})
				}
				return g.emit(v, func() {
					fields("ID", v.ID, "Name", v.Name, "Partitions", v.PartitionsCount, "Members", v.MembersCount)
					if len(v.Members) > 0 {
						say("")
						t := newTable("MEMBER", "PARTITIONS")
						for _, m := range v.Members {
							t.row(m.ID, m.Partitions)
						}
						t.flush()
					}
				})
			})
		},
	})
	cmd.AddCommand(&cobra.Command{
		Use:     "list STREAM TOPIC",
		Aliases: []string{"l"},
		Short:   "List the consumer groups of a topic",
		Args:    exactArgs(2),
		RunE: func(_ *cobra.Command, args []string) error {
			stream, topic, err := parseStreamTopic(args)
			if err != nil {
				return err
			}
			return g.withClient(0, func(ctx context.Context, c *client.Client) error {
				l, err := c.GetConsumerGroups(ctx, stream, topic)
				if err != nil {
					return err
				}
				views := []groupView{}
				for _, gi := range l {
					views = append(views, viewGroup(gi))
				}
				return g.emit(views, func() {
					t := newTable("ID", "NAME", "PARTITIONS", "MEMBERS")
					for _, v := range views {
						t.row(v.ID, v.Name, v.PartitionsCount, v.MembersCount)
					}
					t.flush()
				})
			})
		},
	})
	cmd.AddCommand(&cobra.Command{
		Use:     "delete STREAM TOPIC GROUP",
		Aliases: []string{"d"},
		Short:   "Delete a consumer group",
		Args:    exactArgs(3),
		RunE: func(_ *cobra.Command, args []string) error {
			stream, topic, group, err := parseGroupArgs(args)
			if err != nil {
				return err
			}
			return g.withClient(0, func(ctx context.Context, c *client.Client) error {
				if err := c.DeleteConsumerGroup(ctx, stream, topic, group); err != nil {
					return err
				}
				return g.done(map[string]string{"stream": stream.String(), "topic": topic.String(), "group": group.String(), "result": "deleted"},
					"consumer group %s deleted from topic %s of stream %s", group, topic, stream)
			})
		},
	})
	return cmd
}

// offsetView is a stored consumer offset in JSON.
type offsetView struct {
	PartitionID   uint32 `json:"partition_id"`
	CurrentOffset uint64 `json:"current_offset"`
	StoredOffset  uint64 `json:"stored_offset"`
}

func offsetCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "offset",
		Aliases: []string{"o", "consumer-offset"},
		Short:   "Get, set and delete stored consumer offsets",
		Long: `Get, set and delete the offsets stored for a consumer (--kind consumer, the
default) or a consumer group (--kind consumer_group). As in Iggy 0.8, only a
member of a group may store or delete the group's offset, so for groups the CLI
can read offsets but set and delete answer consumer_group_member_not_found.`,
	}
	// target parses CONSUMER STREAM TOPIC PARTITION and the --kind flag.
	type target struct {
		consumer      protocol.Consumer
		stream, topic protocol.Identifier
		partition     uint32
	}
	parse := func(kind string, args []string) (target, error) {
		var t target
		k, err := parseConsumerKind(kind)
		if err != nil {
			return t, err
		}
		id, err := parseID("consumer", args[0])
		if err != nil {
			return t, err
		}
		t.consumer = protocol.Consumer{Kind: k, ID: id}
		if t.stream, t.topic, err = parseStreamTopic(args[1:]); err != nil {
			return t, err
		}
		t.partition, err = parseU32("partition", args[3])
		return t, err
	}
	kindFlag := func(c *cobra.Command, kind *string) *cobra.Command {
		c.Flags().StringVarP(kind, "kind", "k", "consumer", "consumer kind: consumer or consumer_group")
		return c
	}

	var getKind, setKind, delKind string
	cmd.AddCommand(kindFlag(&cobra.Command{
		Use:     "get CONSUMER STREAM TOPIC PARTITION",
		Aliases: []string{"g"},
		Short:   "Show a consumer's stored offset in a partition",
		Args:    exactArgs(4),
		RunE: func(_ *cobra.Command, args []string) error {
			t, err := parse(getKind, args)
			if err != nil {
				return err
			}
			return g.withClient(0, func(ctx context.Context, c *client.Client) error {
				o, err := c.GetConsumerOffset(ctx, t.consumer, t.stream, t.topic, protocol.SomePartition(t.partition))
				if err != nil {
					return notFound(err, "offset of consumer", t.consumer.ID)
				}
				v := offsetView(o)
				return g.emit(v, func() {
					fields("Consumer", t.consumer.ID, "Partition", v.PartitionID, "Stored offset", v.StoredOffset, "Current offset", v.CurrentOffset)
				})
			})
		},
	}, &getKind))
	cmd.AddCommand(kindFlag(&cobra.Command{
		Use:     "set CONSUMER STREAM TOPIC PARTITION OFFSET",
		Aliases: []string{"s"},
		Short:   "Store a consumer's offset in a partition",
		Args:    exactArgs(5),
		RunE: func(_ *cobra.Command, args []string) error {
			t, err := parse(setKind, args)
			if err != nil {
				return err
			}
			off, err := parseU64("offset", args[4])
			if err != nil {
				return err
			}
			return g.withClient(0, func(ctx context.Context, c *client.Client) error {
				if err := c.StoreConsumerOffset(ctx, t.consumer, t.stream, t.topic, protocol.SomePartition(t.partition), off); err != nil {
					return err
				}
				return g.done(map[string]any{"consumer": t.consumer.ID.String(), "partition_id": t.partition, "stored_offset": off},
					"offset %d stored for consumer %s in partition %d", off, t.consumer.ID, t.partition)
			})
		},
	}, &setKind))
	cmd.AddCommand(kindFlag(&cobra.Command{
		Use:     "delete CONSUMER STREAM TOPIC PARTITION",
		Aliases: []string{"d"},
		Short:   "Delete a consumer's stored offset in a partition",
		Args:    exactArgs(4),
		RunE: func(_ *cobra.Command, args []string) error {
			t, err := parse(delKind, args)
			if err != nil {
				return err
			}
			return g.withClient(0, func(ctx context.Context, c *client.Client) error {
				if err := c.DeleteConsumerOffset(ctx, t.consumer, t.stream, t.topic, protocol.SomePartition(t.partition)); err != nil {
					return err
				}
				return g.done(map[string]any{"consumer": t.consumer.ID.String(), "partition_id": t.partition, "result": "deleted"},
					"offset of consumer %s in partition %d deleted", t.consumer.ID, t.partition)
			})
		},
	}, &delKind))
	return cmd
}
