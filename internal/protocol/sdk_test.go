// SPDX-License-Identifier: Apache-2.0

package protocol_test

import (
	"bytes"
	"reflect"
	"testing"

	bs "github.com/apache/iggy/foreign/go/binary_serialization"
	iggcon "github.com/apache/iggy/foreign/go/contracts"

	"riffle/internal/protocol"
)

// These tests run the exported serializers of the official Go SDK v0.8.0
// against the codec: what the SDK encodes must decode here, and what we
// encode must decode there to the same values.

func sdkID[T uint32 | string](t *testing.T, v T) iggcon.Identifier {
	t.Helper()
	id, err := iggcon.NewIdentifier(v)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestSDKSharedEncodingsMatch(t *testing.T) {
	key, err := iggcon.EntityIdString("order-key-1")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		sdk  func() ([]byte, error)
		ours []byte
	}{
		{"numeric identifier", sdkID(t, uint32(7)).MarshalBinary, protocol.NumericID(7).AppendTo(nil)},
		{"string identifier", sdkID(t, "orders").MarshalBinary, protocol.NamedID("orders").AppendTo(nil)},
		{"single consumer", iggcon.NewSingleConsumer(sdkID(t, uint32(5))).MarshalBinary,
			protocol.SingleConsumer(protocol.NumericID(5)).AppendTo(nil)},
		{"group consumer", iggcon.NewGroupConsumer(sdkID(t, "workers")).MarshalBinary,
			protocol.GroupConsumer(protocol.NamedID("workers")).AppendTo(nil)},
		{"balanced", iggcon.None().MarshalBinary, protocol.Balanced().AppendTo(nil)},
		{"partition id", iggcon.PartitionId(3).MarshalBinary, protocol.PartitionByID(3).AppendTo(nil)},
		{"messages key", key.MarshalBinary, protocol.PartitionByKey([]byte("order-key-1")).AppendTo(nil)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.sdk()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, tc.ours) {
				t.Fatalf("SDK %x, ours %x", got, tc.ours)
			}
		})
	}
}

func TestSDKPermissionsDecodeHere(t *testing.T) {
	sdk := &iggcon.Permissions{
		Global: iggcon.GlobalPermissions{ReadServers: true, PollMessages: true},
		Streams: map[int]*iggcon.StreamPermissions{
			3: {ReadStream: true, Topics: map[int]*iggcon.TopicPermissions{
				1: {SendMessages: true}, 0: {ReadTopic: true},
			}},
			1: {ManageStream: true},
		},
	}
	b, err := sdk.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	r := protocol.NewReader(b)
	p := r.Permissions()
	if err := r.Finish(); err != nil || r.Remaining() != 0 {
		t.Fatalf("decode SDK permissions %x: %v, %d left", b, err, r.Remaining())
	}
	want := protocol.Permissions{
		Global: protocol.GlobalPermissions{ReadServers: true, PollMessages: true},
		Streams: []protocol.StreamPermissions{
			{StreamID: 1, ManageStream: true},
			{StreamID: 3, ReadStream: true, Topics: []protocol.TopicPermissions{
				{TopicID: 0, ReadTopic: true}, {TopicID: 1, SendMessages: true},
			}},
		},
	}
	if !reflect.DeepEqual(p, want) {
		t.Fatalf("decoded %+v\nwant %+v", p, want)
	}
	// With one stream and one topic the SDK's map order is fixed, so the
	// bytes must be identical.
	one := &iggcon.Permissions{Streams: map[int]*iggcon.StreamPermissions{
		2: {PollMessages: true, Topics: map[int]*iggcon.TopicPermissions{4: {ManageTopic: true}}},
	}}
	sb, _ := one.MarshalBinary()
	ours := (&protocol.Permissions{Streams: []protocol.StreamPermissions{{StreamID: 2, PollMessages: true,
		Topics: []protocol.TopicPermissions{{TopicID: 4, ManageTopic: true}}}}}).AppendTo(nil)
	if !bytes.Equal(sb, ours) {
		t.Fatalf("SDK %x, ours %x", sb, ours)
	}
}

func TestSDKMessageHeaderAndUserHeadersMatch(t *testing.T) {
	h := protocol.MessageHeader{Checksum: 9, Offset: 3, Timestamp: 4, OriginTimestamp: 5,
		UserHeadersLength: 6, PayloadLength: 7, Reserved: 0}
	h.ID[0], h.ID[15] = 1, 2
	ours := protocol.AppendMessageHeader(nil, &h)
	sh, err := iggcon.MessageHeaderFromBytes(ours)
	if err != nil {
		t.Fatal(err)
	}
	if sh.Checksum != 9 || sh.Offset != 3 || sh.Timestamp != 4 || sh.OriginTimestamp != 5 ||
		sh.UserHeaderLength != 6 || sh.PayloadLength != 7 || sh.Id[0] != 1 || sh.Id[15] != 2 {
		t.Fatalf("SDK read %+v", sh)
	}
	if !bytes.Equal(sh.ToBytes(), ours) {
		t.Fatal("SDK re-encodes the header differently")
	}

	k, _ := iggcon.NewHeaderKeyString("trace")
	entries := []iggcon.HeaderEntry{
		{Key: k, Value: iggcon.HeaderValue{Kind: iggcon.String, Value: []byte("abc")}},
		{Key: iggcon.NewHeaderKeyInt32(7), Value: iggcon.HeaderValue{Kind: iggcon.Uint64, Value: make([]byte, 8)}},
	}
	sdkBlock := iggcon.GetHeadersBytes(entries)
	hs, err := protocol.DecodeUserHeaders(sdkBlock)
	if err != nil {
		t.Fatalf("decode SDK user headers: %v", err)
	}
	if got := protocol.AppendUserHeaders(nil, hs); !bytes.Equal(got, sdkBlock) {
		t.Fatalf("re-encoded %x, SDK %x", got, sdkBlock)
	}
	back, err := iggcon.DeserializeHeaders(protocol.AppendUserHeaders(nil, []protocol.UserHeader{protocol.Uint64Header("n", 42)}))
	if err != nil || len(back) != 1 || string(back[0].Key.Value) != "n" || back[0].Value.Kind != iggcon.Uint64 {
		t.Fatalf("SDK decode of our headers: %+v, %v", back, err)
	}
}

func TestSDKDecodesStats(t *testing.T) {
	ours := &protocol.Stats{
		ProcessID: 77, CPUUsage: 0.25, TotalCPUUsage: 0.5, MemoryUsage: 1 << 20, TotalMemory: 1 << 30,
		AvailableMemory: 1 << 29, RunTime: 1_000_000, StartTime: 1_700_000_000_000_000, ReadBytes: 10,
		WrittenBytes: 20, MessagesSizeBytes: 30, StreamsCount: 1, TopicsCount: 2, PartitionsCount: 3,
		SegmentsCount: 4, MessagesCount: 5, ClientsCount: 6, ConsumerGroupsCount: 7,
		Hostname: "host", OSName: "Linux", OSVersion: "6.8", KernelVersion: "6.8.0", ServerVersion: "0.8.0",
		ServerSemver: protocol.ServerSemver(0, 8, 0),
		CacheMetrics: []protocol.CacheMetric{{StreamID: 1, TopicID: 2, PartitionID: 3, Hits: 4, Misses: 5, HitRatio: 0.75}},
		ThreadsCount: 8, FreeDiskSpace: 9, TotalDiskSpace: 10,
	}
	var s iggcon.Stats
	if err := s.UnmarshalBinary(ours.AppendTo(nil)); err != nil {
		t.Fatal(err)
	}
	want := iggcon.Stats{
		ProcessId: 77, CpuUsage: 0.25, TotalCpuUsage: 0.5, MemoryUsage: 1 << 20, TotalMemory: 1 << 30,
		AvailableMemory: 1 << 29, RunTime: 1_000_000, StartTime: 1_700_000_000_000_000, ReadBytes: 10,
		WrittenBytes: 20, MessagesSizeBytes: 30, StreamsCount: 1, TopicsCount: 2, PartitionsCount: 3,
		SegmentsCount: 4, MessagesCount: 5, ClientsCount: 6, ConsumerGroupsCount: 7,
		Hostname: "host", OsName: "Linux", OsVersion: "6.8", KernelVersion: "6.8.0", IggyServerVersion: "0.8.0",
		IggyServerSemver: 8000,
		CacheMetrics:     []iggcon.CacheMetrics{{StreamId: 1, TopicId: 2, PartitionId: 3, Hits: 4, Misses: 5, HitRatio: 0.75}},
		ThreadsCount:     8, FreeDiskSpace: 9, TotalDiskSpace: 10,
	}
	if !reflect.DeepEqual(s, want) {
		t.Fatalf("SDK read %+v\nwant %+v", s, want)
	}
}

func TestSDKDecodesClusterMetadataBothWays(t *testing.T) {
	ours := &protocol.ClusterMetadata{Name: "single-node", Nodes: []protocol.ClusterNode{{
		Name: "iggy-node", IP: "127.0.0.1", TCPPort: 8090, QUICPort: 8080, HTTPPort: 3000, WebSocketPort: 8092,
		Role: protocol.NodeRoleLeader, Status: protocol.NodeHealthy,
	}}}
	var m iggcon.ClusterMetadata
	if err := m.UnmarshalBinary(ours.AppendTo(nil)); err != nil {
		t.Fatal(err)
	}
	if m.Name != "single-node" || len(m.Nodes) != 1 || m.Nodes[0].Endpoints.Tcp != 8090 ||
		m.Nodes[0].Endpoints.WebSocket != 8092 || m.Nodes[0].Role != iggcon.RoleLeader || m.Nodes[0].Status != iggcon.Healthy {
		t.Fatalf("SDK read %+v", m)
	}
	sdkBytes, err := m.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var back protocol.ClusterMetadata
	if err := back.Decode(sdkBytes); err != nil || !reflect.DeepEqual(&back, ours) {
		t.Fatalf("decode SDK bytes: %+v, %v", back, err)
	}
}

func TestSDKDecodesStreamsAndTopics(t *testing.T) {
	topic := protocol.TopicInfo{ID: 1, CreatedAt: 11, PartitionsCount: 2, MessageExpiry: protocol.ExpiryNever,
		CompressionAlgorithm: protocol.CompressionNone, MaxTopicSize: protocol.TopicSizeUnlimited,
		ReplicationFactor: 1, SizeBytes: 12, MessagesCount: 13, Name: "events"}
	sd := &protocol.StreamDetails{
		Stream: protocol.StreamInfo{ID: 0, CreatedAt: 10, SizeBytes: 100, MessagesCount: 3, Name: "orders"},
		Topics: []protocol.TopicInfo{topic},
	}
	got, err := bs.DeserializeStream(sd.AppendTo(nil))
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "orders" || got.TopicsCount != 1 || got.SizeBytes != 100 || len(got.Topics) != 1 ||
		got.Topics[0].Name != "events" || got.Topics[0].MaxTopicSize != protocol.TopicSizeUnlimited ||
		got.Topics[0].ReplicationFactor != 1 || got.Topics[0].MessagesCount != 13 {
		t.Fatalf("SDK read %+v", got)
	}
	streams := bs.DeserializeStreams(protocol.StreamList{sd.Stream, {ID: 1, Name: "x"}}.AppendTo(nil))
	if len(streams) != 2 || streams[1].Name != "x" {
		t.Fatalf("SDK read streams %+v", streams)
	}
	td := &protocol.TopicDetails{Topic: topic, Partitions: []protocol.PartitionInfo{
		{ID: 0, CreatedAt: 1, SegmentsCount: 1, CurrentOffset: 41, SizeBytes: 2, MessagesCount: 42},
		{ID: 1, CreatedAt: 1},
	}}
	gt, err := bs.DeserializeTopic(td.AppendTo(nil))
	if err != nil || gt.PartitionsCount != 2 || len(gt.Partitions) != 2 || gt.Partitions[0].CurrentOffset != 41 ||
		gt.Partitions[0].MessagesCount != 42 {
		t.Fatalf("SDK read topic %+v, %v", gt, err)
	}
	topics, err := bs.DeserializeTopics(protocol.TopicList{topic}.AppendTo(nil))
	if err != nil || len(topics) != 1 || topics[0].Name != "events" {
		t.Fatalf("SDK read topics %+v, %v", topics, err)
	}
}

func TestSDKDecodesGroupsUsersClientsAndTokens(t *testing.T) {
	gd := &protocol.GroupDetails{Group: protocol.GroupInfo{ID: 2, PartitionsCount: 3, Name: "workers"},
		Members: []protocol.Member{{ID: 1, Partitions: []uint32{0, 2}}}}
	g := bs.DeserializeConsumerGroup(gd.AppendTo(nil))
	if g.Name != "workers" || g.MembersCount != 1 || len(g.Members) != 1 || !reflect.DeepEqual(g.Members[0].Partitions, []uint32{0, 2}) {
		t.Fatalf("SDK read group %+v", g)
	}
	groups := bs.DeserializeConsumerGroups(protocol.GroupList{gd.Group}.AppendTo(nil))
	if len(groups) != 1 || groups[0].PartitionsCount != 3 {
		t.Fatalf("SDK read groups %+v", groups)
	}

	perms := &protocol.Permissions{Global: protocol.GlobalPermissions{ManageUsers: true},
		Streams: []protocol.StreamPermissions{{StreamID: 5, ReadStream: true}}}
	ud := &protocol.UserDetails{User: protocol.UserInfo{ID: 1, CreatedAt: 9, Status: protocol.UserActive, Username: "user1"},
		Permissions: perms}
	u, err := bs.DeserializeUser(ud.AppendTo(nil))
	if err != nil || u.Username != "user1" || u.Status != iggcon.Active || u.Permissions == nil ||
		!u.Permissions.Global.ManageUsers || !u.Permissions.Streams[5].ReadStream {
		t.Fatalf("SDK read user %+v, %v", u, err)
	}
	ud.Permissions = nil
	u, err = bs.DeserializeUser(ud.AppendTo(nil))
	if err != nil || u.Permissions != nil {
		t.Fatalf("SDK read user without permissions %+v, %v", u, err)
	}
	users, err := bs.DeserializeUsers(protocol.UserList{ud.User, {ID: 0, Status: protocol.UserInactive, Username: "iggy"}}.AppendTo(nil))
	if err != nil || len(users) != 2 || users[1].Status != iggcon.Inactive {
		t.Fatalf("SDK read users %+v, %v", users, err)
	}

	cd := &protocol.ClientDetails{Client: protocol.ClientInfo{ClientID: 99, UserID: 0, Transport: protocol.TransportTCP,
		Address: "127.0.0.1:5000"}, Groups: []protocol.ClientGroup{{StreamID: 1, TopicID: 2, GroupID: 3}}}
	c := bs.DeserializeClient(cd.AppendTo(nil))
	if c.ID != 99 || c.Address != "127.0.0.1:5000" || c.Transport != string(iggcon.Tcp) || c.ConsumerGroupsCount != 1 {
		t.Fatalf("SDK read client %+v", c)
	}
	clients, err := bs.DeserializeClients(protocol.ClientList{cd.Client}.AppendTo(nil))
	if err != nil || len(clients) != 1 || clients[0].ID != 99 {
		t.Fatalf("SDK read clients %+v, %v", clients, err)
	}

	tok, err := bs.DeserializeAccessToken((&protocol.RawPersonalAccessToken{Token: "abc"}).AppendTo(nil))
	if err != nil || tok.Token != "abc" {
		t.Fatalf("SDK read token %+v, %v", tok, err)
	}
	toks, err := bs.DeserializeAccessTokens(protocol.PersonalAccessTokenList{{Name: "ci", ExpiryAt: 7}}.AppendTo(nil))
	if err != nil || len(toks) != 1 || toks[0].Name != "ci" {
		t.Fatalf("SDK read tokens %+v, %v", toks, err)
	}
	off := bs.DeserializeOffset((&protocol.ConsumerOffsetInfo{PartitionID: 1, CurrentOffset: 9, StoredOffset: 4}).AppendTo(nil))
	if off == nil || off.PartitionId != 1 || off.CurrentOffset != 9 || off.StoredOffset != 4 {
		t.Fatalf("SDK read offset %+v", off)
	}
	if id := bs.DeserializeLogInResponse((&protocol.IdentityInfo{UserID: 3}).AppendTo(nil)); id.UserId != 3 {
		t.Fatalf("SDK read identity %+v", id)
	}
}

func TestSDKDecodesPolledMessages(t *testing.T) {
	pm := &protocol.PolledMessages{PartitionID: 2, CurrentOffset: 8, Messages: []protocol.PolledMessage{
		{Header: protocol.MessageHeader{Offset: 7, Timestamp: 100, OriginTimestamp: 90}, Payload: []byte("hello")},
		{Header: protocol.MessageHeader{Offset: 8, Timestamp: 100}, Payload: []byte("x"),
			UserHeaders: protocol.AppendUserHeaders(nil, []protocol.UserHeader{protocol.StringHeader("k", "v")})},
	}}
	got, err := bs.DeserializeFetchMessagesResponse(pm.AppendTo(nil), iggcon.MESSAGE_COMPRESSION_NONE)
	if err != nil {
		t.Fatal(err)
	}
	if got.PartitionId != 2 || got.CurrentOffset != 8 || got.MessageCount != 2 || len(got.Messages) != 2 {
		t.Fatalf("SDK read %+v", got)
	}
	m := got.Messages[1]
	if m.Header.Offset != 8 || string(m.Payload) != "x" || !bytes.Equal(m.UserHeaders, pm.Messages[1].UserHeaders) {
		t.Fatalf("SDK read message %+v", m)
	}
}
