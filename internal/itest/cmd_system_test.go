// SPDX-License-Identifier: Apache-2.0

package itest

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"testing"
	"time"

	iggcon "github.com/apache/iggy/foreign/go/contracts"
	"golang.org/x/sys/unix"

	"riffle/internal/protocol"
	"riffle/internal/testutil"
)

// System commands: Ping (1), GetStats (10), GetSnapshot (11),
// GetClusterMetadata (12), GetMe (20), GetClient (21), GetClients (22).

// rawOnEachShard opens logged-in raw connections until one is served by each
// shard, and returns them by shard id.
func (s *Server) rawOnEachShard(t testing.TB, user, password string) []*cmdConn {
	t.Helper()
	n := len(s.ShardPIDs())
	out := make([]*cmdConn, n)
	found := 0
	for i := 0; i < 4*n && found < n; i++ {
		c := s.cmdLogin(t, user, password)
		if sh := s.ownerShard(t, c.rawConn); out[sh] == nil {
			out[sh] = c
			found++
		}
	}
	if found < n {
		t.Fatalf("connections reached %d of %d shards", found, n)
	}
	return out
}

func TestSystemCommands(t *testing.T) {
	started := time.Now()
	s := Start(t, Options{Shards: 2})
	root := s.sdkClient(t)

	t.Run("ping needs no login, other commands do", func(t *testing.T) {
		covers(t, protocol.CodePing)
		must(t, root.Ping(), "sdk ping")
		c := s.cmdDial(t)
		c.want(&protocol.Ping{}, protocol.StatusOK)
		c.want(&protocol.GetStats{}, protocol.StatusUnauthenticated)
		c.want(&protocol.GetMe{}, protocol.StatusUnauthenticated)
		c.want(&protocol.Ping{}, protocol.StatusOK) // the connection survived the errors
	})

	t.Run("cluster metadata is one healthy leader at the real port", func(t *testing.T) {
		covers(t, protocol.CodeGetClusterMetadata)
		md, err := root.GetClusterMetadata()
		must(t, err, "get cluster metadata")
		if md.Name != "single-node" || len(md.Nodes) != 1 {
			t.Fatalf("cluster %q with %d nodes, want single-node with 1", md.Name, len(md.Nodes))
		}
		n := md.Nodes[0]
		if n.Name != "iggy-node" || n.IP != "127.0.0.1" || int(n.Endpoints.Tcp) != s.Port ||
			n.Role != iggcon.RoleLeader || n.Status != iggcon.Healthy {
			t.Fatalf("node %+v, want iggy-node leader, healthy, at 127.0.0.1:%d", n, s.Port)
		}
	})

	t.Run("stats count what was created", func(t *testing.T) {
		covers(t, protocol.CodeGetStats, protocol.CodeCreateStream, protocol.CodeCreateTopic, protocol.CodeSendMessages)
		before, err := root.GetStats()
		must(t, err, "get stats")
		a, err := root.CreateStream(uniqueName("stats"))
		must(t, err, "create stream")
		b, err := root.CreateStream(uniqueName("stats"))
		must(t, err, "create stream")
		for _, tc := range []struct {
			stream     uint32
			partitions uint32
		}{{a.Id, 2}, {a.Id, 1}, {b.Id, 3}} {
			_, err := root.CreateTopic(id(t, tc.stream), uniqueName("t"), tc.partitions, iggcon.CompressionAlgorithmNone, 0, 0, nil)
			must(t, err, "create topic")
		}
		_, err = root.CreateConsumerGroup(id(t, b.Id), id(t, uint32(0)), uniqueName("g"))
		must(t, err, "create consumer group")
		msgs := textMessages(t, numbered("m", 5)...)
		must(t, root.SendMessages(id(t, b.Id), id(t, uint32(0)), iggcon.PartitionId(2), msgs), "send")
		s.sdkClient(t) // one more client

		var after *iggcon.Stats
		testutil.Eventually(t, 5*time.Second, func() error {
			var err error
			if after, err = root.GetStats(); err != nil {
				return err
			}
			// Every connection this test process holds, and no other.
			if open := len(ownClientPorts(t, s.Port)); int(after.ClientsCount) != open {
				return fmt.Errorf("clients %d, want the %d open connections", after.ClientsCount, open)
			}
			return nil
		})
		deltas := []struct {
			name      string
			got, want uint64
		}{
			{"streams", uint64(after.StreamsCount - before.StreamsCount), 2},
			{"topics", uint64(after.TopicsCount - before.TopicsCount), 3},
			{"partitions", uint64(after.PartitionsCount - before.PartitionsCount), 6},
			{"segments", uint64(after.SegmentsCount - before.SegmentsCount), 6},
			{"consumer groups", uint64(after.ConsumerGroupsCount - before.ConsumerGroupsCount), 1},
			{"messages", after.MessagesCount - before.MessagesCount, 5},
			{"message bytes", after.MessagesSizeBytes - before.MessagesSizeBytes, 5 * (64 + 3)},
		}
		for _, d := range deltas {
			if d.got != d.want {
				t.Errorf("%s grew by %d, want %d", d.name, d.got, d.want)
			}
		}
		host, _ := os.Hostname()
		var uts unix.Utsname
		must(t, unix.Uname(&uts), "uname")
		now := uint64(time.Now().UnixMicro())
		switch {
		case after.ProcessId != uint32(s.PID()):
			t.Errorf("process id %d, want the supervisor's %d", after.ProcessId, s.PID())
		case after.StartTime < uint64(started.UnixMicro()) || after.StartTime > now:
			t.Errorf("start time %d outside the test's run [%d, %d]", after.StartTime, started.UnixMicro(), now)
		case after.RunTime == 0 || after.RunTime > now-after.StartTime+1e6:
			t.Errorf("run time %d µs, started %d µs ago", after.RunTime, now-after.StartTime)
		case after.IggyServerVersion != "0.8.0" || after.IggyServerSemver != 8000:
			t.Errorf("server version %q / %d, want 0.8.0 / 8000", after.IggyServerVersion, after.IggyServerSemver)
		case after.Hostname != host || after.KernelVersion != unix.ByteSliceToString(uts.Release[:]):
			t.Errorf("host %q kernel %q", after.Hostname, after.KernelVersion)
		case after.TotalMemory == 0 || after.AvailableMemory > after.TotalMemory || after.MemoryUsage == 0:
			t.Errorf("memory used %d, available %d of %d", after.MemoryUsage, after.AvailableMemory, after.TotalMemory)
		case after.TotalDiskSpace == 0 || after.FreeDiskSpace > after.TotalDiskSpace:
			t.Errorf("disk free %d of %d", after.FreeDiskSpace, after.TotalDiskSpace)
		case after.WrittenBytes < before.WrittenBytes+5*(64+3):
			t.Errorf("written bytes %d → %d after sending 335 bytes", before.WrittenBytes, after.WrittenBytes)
		}
	})

	t.Run("clients agree across shards", func(t *testing.T) {
		covers(t, protocol.CodeGetMe, protocol.CodeGetClient, protocol.CodeGetClients)
		user := uniqueName("watcher")
		_, err := root.CreateUser(user, "secret", iggcon.Active, &iggcon.Permissions{Global: iggcon.GlobalPermissions{ReadServers: true, ReadStreams: true}})
		must(t, err, "create user")
		byShard := s.rawOnEachShard(t, "iggy", "iggy")
		a, b := byShard[0], byShard[1]
		other := s.cmdLogin(t, user, "secret")
		anon := s.cmdDial(t)
		anon.want(&protocol.Ping{}, protocol.StatusOK)

		me := func(c *cmdConn) protocol.ClientDetails {
			t.Helper()
			var d protocol.ClientDetails
			must(t, d.Decode(c.ok(&protocol.GetMe{})), "decode GetMe")
			return d
		}
		for i, c := range byShard {
			d := me(c)
			if d.Client.ClientID != c.clientID() || d.Client.Address != c.LocalAddr().String() ||
				d.Client.UserID != 0 || d.Client.Transport != protocol.TransportTCP || len(d.Groups) != 0 {
				t.Fatalf("GetMe on shard %d: %+v, want client %d at %s, root, tcp", i, d, c.clientID(), c.LocalAddr())
			}
		}
		otherID := me(other).Client.UserID
		if otherID == 0 || otherID == protocol.NoUserID {
			t.Fatalf("GetMe of %s: user id %d", user, otherID)
		}

		// GetClients from either shard lists every connection with its user.
		want := map[uint32]uint32{a.clientID(): 0, b.clientID(): 0, other.clientID(): otherID, anon.clientID(): protocol.NoUserID}
		for i, c := range byShard {
			testutil.Eventually(t, 5*time.Second, func() error {
				var list protocol.ClientList
				if err := list.Decode(c.ok(&protocol.GetClients{})); err != nil {
					return err
				}
				got := map[uint32]uint32{}
				for _, ci := range list {
					got[ci.ClientID] = ci.UserID
				}
				for cid, uid := range want {
					if u, ok := got[cid]; !ok || u != uid {
						return fmt.Errorf("from shard %d: client %d has user %d (listed %v), want %d", i, cid, u, ok, uid)
					}
				}
				return nil
			})
		}

		// GetClient of a connection on the other shard matches its GetMe,
		// consumer groups included.
		stream, err := root.CreateStream(uniqueName("clients"))
		must(t, err, "create stream")
		_, err = root.CreateTopic(id(t, stream.Id), "t", 2, iggcon.CompressionAlgorithmNone, 0, 0, nil)
		must(t, err, "create topic")
		g, err := root.CreateConsumerGroup(id(t, stream.Id), id(t, "t"), "g")
		must(t, err, "create group")
		b.ok(&protocol.JoinConsumerGroup{Stream: protocol.NumericID(stream.Id), Topic: protocol.NamedID("t"), Group: protocol.NumericID(g.Id)})
		wantGroups := []protocol.ClientGroup{{StreamID: stream.Id, TopicID: 0, GroupID: g.Id}}
		if d := me(b); !slices.Equal(d.Groups, wantGroups) || d.Client.ConsumerGroupsCount != 1 {
			t.Fatalf("GetMe after join: %+v, want groups %v", d, wantGroups)
		}
		var d protocol.ClientDetails
		must(t, d.Decode(a.ok(&protocol.GetClient{ClientID: b.clientID()})), "decode GetClient")
		if d.Client.ClientID != b.clientID() || d.Client.Address != b.LocalAddr().String() || d.Client.UserID != 0 ||
			d.Client.ConsumerGroupsCount != 1 || !slices.Equal(d.Groups, wantGroups) {
			t.Fatalf("GetClient(%d) from the other shard: %+v", b.clientID(), d)
		}
		sdkd, err := root.GetClient(b.clientID())
		must(t, err, "sdk get client")
		if sdkd.ID != b.clientID() || sdkd.Address != b.LocalAddr().String() || sdkd.Transport != string(iggcon.Tcp) {
			t.Fatalf("sdk GetClient: %+v", sdkd.ClientInfo)
		}
		sdkList, err := root.GetClients()
		must(t, err, "sdk get clients")
		if !slices.ContainsFunc(sdkList, func(ci iggcon.ClientInfo) bool { return ci.ID == b.clientID() && ci.ConsumerGroupsCount == 1 }) {
			t.Fatalf("sdk GetClients lacks client %d in one group: %+v", b.clientID(), sdkList)
		}

		a.want(&protocol.GetClient{ClientID: 0}, protocol.StatusInvalidClientID)
		// A closed connection leaves the list; asking for it is an empty OK.
		gone := b.clientID()
		b.Close()
		testutil.Eventually(t, 5*time.Second, func() error {
			if st, p := a.do(&protocol.GetClient{ClientID: gone}); st != protocol.StatusOK || len(p) != 0 {
				return fmt.Errorf("GetClient of a closed connection: status %d, %d bytes", st, len(p))
			}
			return nil
		})
		// Its membership went with it.
		gd, err := root.GetConsumerGroup(id(t, stream.Id), id(t, "t"), id(t, g.Id))
		must(t, err, "get group")
		if gd.MembersCount != 0 {
			t.Fatalf("group keeps %d members after its only member's connection closed", gd.MembersCount)
		}
	})

	t.Run("server commands need read_servers", func(t *testing.T) {
		covers(t, protocol.CodeGetStats, protocol.CodeGetClients, protocol.CodeGetClient, protocol.CodeGetMe)
		user := uniqueName("plain")
		_, err := root.CreateUser(user, "secret", iggcon.Active, nil)
		must(t, err, "create user")
		c := s.cmdLogin(t, user, "secret")
		c.want(&protocol.GetStats{}, protocol.StatusUnauthorized)
		c.want(&protocol.GetClients{}, protocol.StatusUnauthorized)
		c.want(&protocol.GetClient{ClientID: c.clientID()}, protocol.StatusUnauthorized)
		var d protocol.ClientDetails
		must(t, d.Decode(c.ok(&protocol.GetMe{})), "GetMe needs no permission")
		if d.Client.ClientID != c.clientID() {
			t.Fatalf("GetMe: client %d, want %d", d.Client.ClientID, c.clientID())
		}
	})

	t.Run("snapshot is a zip of the requested files", func(t *testing.T) {
		covers(t, protocol.CodeGetSnapshot)
		c := s.cmdLogin(t, "iggy", "iggy")
		all := []string{"filesystem_overview.txt", "process_list.txt", "resource_usage.txt", "server_config.txt", "server_logs.txt", "test.txt"}
		for _, tc := range []struct {
			name        string
			compression uint8
			types       []uint8
			want        []string
		}{
			{"test stored", 1, []uint8{4}, []string{"test.txt"}},
			{"two deflated", 2, []uint8{6, 1}, []string{"filesystem_overview.txt", "server_config.txt"}},
			{"all", 1, []uint8{100}, all},
		} {
			t.Run(tc.name, func(t *testing.T) {
				p := c.ok(&protocol.GetSnapshot{Compression: tc.compression, Types: tc.types})
				zr, err := zip.NewReader(bytes.NewReader(p), int64(len(p)))
				must(t, err, "open snapshot as zip")
				var names []string
				for _, f := range zr.File {
					names = append(names, f.Name)
					rc, err := f.Open()
					must(t, err, "open "+f.Name)
					body, err := io.ReadAll(rc)
					rc.Close()
					must(t, err, "read "+f.Name)
					if len(body) == 0 {
						t.Errorf("%s is empty", f.Name)
					}
					if f.Name == "test.txt" && string(body) != "test\n" {
						t.Errorf("test.txt holds %q", body)
					}
				}
				sort.Strings(names)
				if !slices.Equal(names, tc.want) {
					t.Fatalf("archive holds %v, want %v", names, tc.want)
				}
			})
		}
		for _, tc := range []struct {
			name string
			req  protocol.GetSnapshot
		}{
			{"all with others", protocol.GetSnapshot{Compression: 1, Types: []uint8{100, 4}}},
			{"unknown type", protocol.GetSnapshot{Compression: 1, Types: []uint8{7}}},
			{"unknown compression", protocol.GetSnapshot{Compression: 0, Types: []uint8{4}}},
		} {
			t.Run(tc.name, func(t *testing.T) { c.want(&tc.req, protocol.StatusInvalidCommand) })
		}
	})
}
