// SPDX-License-Identifier: Apache-2.0

package main

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"riffle/internal/client"
	"riffle/internal/protocol"
)

// clientView is a connected client in JSON; UserID is null when the client
// is not logged in.
type clientView struct {
	ClientID            uint32  `json:"client_id"`
	UserID              *uint32 `json:"user_id"`
	Transport           string  `json:"transport"`
	Address             string  `json:"address"`
	ConsumerGroupsCount uint32  `json:"consumer_groups_count"`
}

// clientDetailsView is `client get` and `me`: the client and the consumer
// groups it joined.
type clientDetailsView struct {
	clientView
	ConsumerGroups []clientGroupView `json:"consumer_groups"`
}

type clientGroupView struct {
	StreamID uint32 `json:"stream_id"`
	TopicID  uint32 `json:"topic_id"`
	GroupID  uint32 `json:"group_id"`
}

func transportName(t uint8) string {
	switch t {
	case protocol.TransportTCP:
		return "tcp"
	case protocol.TransportQUIC:
		return "quic"
	case protocol.TransportHTTP:
		return "http"
	case protocol.TransportWebSocket:
		return "websocket"
	}
	return fmt.Sprintf("unknown(%d)", t)
}

func viewClient(c protocol.ClientInfo) clientView {
	v := clientView{ClientID: c.ClientID, Transport: transportName(c.Transport), Address: c.Address, ConsumerGroupsCount: c.ConsumerGroupsCount}
	if c.UserID != protocol.NoUserID {
		u := c.UserID
		v.UserID = &u
	}
	return v
}

func viewClientDetails(d protocol.ClientDetails) clientDetailsView {
	v := clientDetailsView{clientView: viewClient(d.Client), ConsumerGroups: []clientGroupView{}}
	for _, g := range d.Groups {
		v.ConsumerGroups = append(v.ConsumerGroups, clientGroupView(g))
	}
	return v
}

func userIDText(id *uint32) string {
	if id == nil {
		return "-"
	}
	return itoa(*id)
}

func printClientDetails(v clientDetailsView) {
	fields("Client ID", v.ClientID, "User ID", userIDText(v.UserID), "Transport", v.Transport, "Address", v.Address,
		"Consumer groups", v.ConsumerGroupsCount)
	if len(v.ConsumerGroups) > 0 {
		say("")
		t := newTable("STREAM", "TOPIC", "GROUP")
		for _, g := range v.ConsumerGroups {
			t.row(g.StreamID, g.TopicID, g.GroupID)
		}
		t.flush()
	}
}

func meCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "me",
		Short: "Show this connection as the server sees it (client ID, user, address)",
		Args:  exactArgs(0),
		RunE: func(*cobra.Command, []string) error {
			return g.withClient(0, func(ctx context.Context, c *client.Client) error {
				d, err := c.GetMe(ctx)
				if err != nil {
					return err
				}
				v := viewClientDetails(d)
				return g.emit(v, func() { printClientDetails(v) })
			})
		},
	}
}

func clientCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "client", Aliases: []string{"c"}, Short: "Inspect connected clients"}
	cmd.AddCommand(&cobra.Command{
		Use:     "get CLIENT_ID",
		Aliases: []string{"g"},
		Short:   "Show a connected client and the consumer groups it joined",
		Args:    exactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			id, err := parseU32("client ID", args[0])
			if err != nil {
				return err
			}
			return g.withClient(0, func(ctx context.Context, c *client.Client) error {
				d, err := c.GetClient(ctx, id)
				if err != nil {
					return notFound(err, "client", protocol.NumericID(id))
				}
				v := viewClientDetails(d)
				return g.emit(v, func() { printClientDetails(v) })
			})
		},
	})
	cmd.AddCommand(&cobra.Command{
		Use:     "list",
		Aliases: []string{"l"},
		Short:   "List connected clients",
		Args:    exactArgs(0),
		RunE: func(*cobra.Command, []string) error {
			return g.withClient(0, func(ctx context.Context, c *client.Client) error {
				l, err := c.GetClients(ctx)
				if err != nil {
					return err
				}
				views := []clientView{}
				for _, ci := range l {
					views = append(views, viewClient(ci))
				}
				return g.emit(views, func() {
					t := newTable("CLIENT ID", "USER ID", "TRANSPORT", "ADDRESS", "CONSUMER GROUPS")
					for _, v := range views {
						t.row(v.ClientID, userIDText(v.UserID), v.Transport, v.Address, v.ConsumerGroupsCount)
					}
					t.flush()
				})
			})
		},
	})
	return cmd
}

// statsView is GetStats in JSON.
type statsView struct {
	ProcessID           uint32            `json:"process_id"`
	CPUUsage            float32           `json:"cpu_usage"`
	TotalCPUUsage       float32           `json:"total_cpu_usage"`
	MemoryUsage         uint64            `json:"memory_usage_bytes"`
	TotalMemory         uint64            `json:"total_memory_bytes"`
	AvailableMemory     uint64            `json:"available_memory_bytes"`
	RunTime             uint64            `json:"run_time_us"`
	StartTime           uint64            `json:"start_time_us"`
	ReadBytes           uint64            `json:"read_bytes"`
	WrittenBytes        uint64            `json:"written_bytes"`
	MessagesSizeBytes   uint64            `json:"messages_size_bytes"`
	StreamsCount        uint32            `json:"streams_count"`
	TopicsCount         uint32            `json:"topics_count"`
	PartitionsCount     uint32            `json:"partitions_count"`
	SegmentsCount       uint32            `json:"segments_count"`
	MessagesCount       uint64            `json:"messages_count"`
	ClientsCount        uint32            `json:"clients_count"`
	ConsumerGroupsCount uint32            `json:"consumer_groups_count"`
	Hostname            string            `json:"hostname"`
	OSName              string            `json:"os_name"`
	OSVersion           string            `json:"os_version"`
	KernelVersion       string            `json:"kernel_version"`
	ServerVersion       string            `json:"server_version"`
	ServerSemver        uint32            `json:"server_semver"`
	ThreadsCount        uint32            `json:"threads_count"`
	FreeDiskSpace       uint64            `json:"free_disk_space_bytes"`
	TotalDiskSpace      uint64            `json:"total_disk_space_bytes"`
	CacheMetrics        []cacheMetricView `json:"cache_metrics"`
}

type cacheMetricView struct {
	StreamID    uint32  `json:"stream_id"`
	TopicID     uint32  `json:"topic_id"`
	PartitionID uint32  `json:"partition_id"`
	Hits        uint64  `json:"hits"`
	Misses      uint64  `json:"misses"`
	HitRatio    float32 `json:"hit_ratio"`
}

func viewStats(s protocol.Stats) statsView {
	v := statsView{ProcessID: s.ProcessID, CPUUsage: s.CPUUsage, TotalCPUUsage: s.TotalCPUUsage,
		MemoryUsage: s.MemoryUsage, TotalMemory: s.TotalMemory, AvailableMemory: s.AvailableMemory,
		RunTime: s.RunTime, StartTime: s.StartTime, ReadBytes: s.ReadBytes, WrittenBytes: s.WrittenBytes,
		MessagesSizeBytes: s.MessagesSizeBytes, StreamsCount: s.StreamsCount, TopicsCount: s.TopicsCount,
		PartitionsCount: s.PartitionsCount, SegmentsCount: s.SegmentsCount, MessagesCount: s.MessagesCount,
		ClientsCount: s.ClientsCount, ConsumerGroupsCount: s.ConsumerGroupsCount, Hostname: s.Hostname,
		OSName: s.OSName, OSVersion: s.OSVersion, KernelVersion: s.KernelVersion, ServerVersion: s.ServerVersion,
		ServerSemver: s.ServerSemver, ThreadsCount: s.ThreadsCount, FreeDiskSpace: s.FreeDiskSpace,
		TotalDiskSpace: s.TotalDiskSpace, CacheMetrics: []cacheMetricView{}}
	for _, m := range s.CacheMetrics {
		v.CacheMetrics = append(v.CacheMetrics, cacheMetricView(m))
	}
	return v
}

func statsCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "stats",
		Short: "Show server statistics (GetStats)",
		Args:  exactArgs(0),
		RunE: func(*cobra.Command, []string) error {
			return g.withClient(0, func(ctx context.Context, c *client.Client) error {
				s, err := c.GetStats(ctx)
				if err != nil {
					return err
				}
				return g.emit(viewStats(s), func() {
					fields("Server version", s.ServerVersion, "Process ID", s.ProcessID, "Hostname", s.Hostname,
						"OS", s.OSName+" "+s.OSVersion, "Kernel", s.KernelVersion,
						"Started", timeText(s.StartTime), "Run time", (time.Duration(s.RunTime) * time.Microsecond).Round(time.Second),
						"CPU usage", fmt.Sprintf("%.2f%% (total %.2f%%)", s.CPUUsage, s.TotalCPUUsage),
						"Memory", fmt.Sprintf("%s used, %s available of %s", sizeText(s.MemoryUsage), sizeText(s.AvailableMemory), sizeText(s.TotalMemory)),
						"Disk", fmt.Sprintf("%s free of %s", sizeText(s.FreeDiskSpace), sizeText(s.TotalDiskSpace)),
						"Read / written", sizeText(s.ReadBytes)+" / "+sizeText(s.WrittenBytes),
						"Threads", s.ThreadsCount, "Clients", s.ClientsCount,
						"Streams", s.StreamsCount, "Topics", s.TopicsCount, "Partitions", s.PartitionsCount,
						"Segments", s.SegmentsCount, "Consumer groups", s.ConsumerGroupsCount,
						"Messages", fmt.Sprintf("%d (%s)", s.MessagesCount, sizeText(s.MessagesSizeBytes)))
				})
			})
		},
	}
}
