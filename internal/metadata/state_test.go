// SPDX-License-Identifier: Apache-2.0

package metadata_test

import (
	"slices"
	"testing"

	"riffle/internal/metadata"
)

func TestIDsReuseLowestFreeSlot(t *testing.T) {
	st := newRootState(t)
	env := testEnv()
	for _, n := range []string{"a", "b", "c", "d"} {
		mustCommit(t, st, 0, metadata.CreateStream{Name: n}, env)
	}
	mustCommit(t, st, 0, metadata.DeleteStream{Stream: metadata.NamedID("c")}, env)
	mustCommit(t, st, 0, metadata.DeleteStream{Stream: metadata.NamedID("b")}, env)
	for i, want := range []uint32{1, 2, 4} {
		r := mustCommit(t, st, 0, metadata.CreateStream{Name: string(rune('x' + i))}, env)
		if r.StreamID != want {
			t.Fatalf("stream %d got id %d, want %d", i, r.StreamID, want)
		}
	}
	var ids []uint32
	for _, s := range st.Streams() {
		ids = append(ids, s.ID)
	}
	if !slices.Equal(ids, []uint32{0, 1, 2, 3, 4}) {
		t.Fatalf("Streams() ids = %v, want sorted 0..4", ids)
	}

	// Topics, groups and users reuse ids the same way.
	s := metadata.NamedID("a")
	for _, n := range []string{"t0", "t1", "t2"} {
		mustCommit(t, st, 0, metadata.CreateTopic{Stream: s, Compression: 1, Name: n}, env)
	}
	mustCommit(t, st, 0, metadata.DeleteTopic{Stream: s, Topic: metadata.NumericID(0)}, env)
	if r := mustCommit(t, st, 0, metadata.CreateTopic{Stream: s, Compression: 1, Name: "t3"}, env); r.TopicID != 0 {
		t.Fatalf("topic id %d, want 0", r.TopicID)
	}
	tp := metadata.NamedID("t1")
	mustCommit(t, st, 0, metadata.CreateConsumerGroup{Stream: s, Topic: tp, Name: "g0"}, env)
	mustCommit(t, st, 0, metadata.CreateConsumerGroup{Stream: s, Topic: tp, Name: "g1"}, env)
	mustCommit(t, st, 0, metadata.DeleteConsumerGroup{Stream: s, Topic: tp, Group: metadata.NumericID(0)}, env)
	if r := mustCommit(t, st, 0, metadata.CreateConsumerGroup{Stream: s, Topic: tp, Name: "g2"}, env); r.GroupID != 0 {
		t.Fatalf("group id %d, want 0", r.GroupID)
	}
	mustCommit(t, st, 0, metadata.CreateUser{Username: "user1", Password: "pw1", Status: 1}, env)
	mustCommit(t, st, 0, metadata.CreateUser{Username: "user2", Password: "pw2", Status: 1}, env)
	mustCommit(t, st, 0, metadata.DeleteUser{User: metadata.NamedID("user1")}, env)
	if r := mustCommit(t, st, 0, metadata.CreateUser{Username: "user3", Password: "pw3", Status: 1}, env); r.UserID != 1 {
		t.Fatalf("user id %d, want 1", r.UserID)
	}
}

func TestInternalIDsAreNeverReused(t *testing.T) {
	st := newRootState(t)
	env := testEnv()
	seen := map[uint64]string{}
	note := func(uid uint64, what string) {
		t.Helper()
		if prev, ok := seen[uid]; ok {
			t.Fatalf("uid %d of %s was already used by %s", uid, what, prev)
		}
		seen[uid] = what
	}
	live := map[uint64]bool{}
	// notePartitions checks every partition that appeared since the last call.
	notePartitions := func(top *metadata.Topic) {
		t.Helper()
		now := map[uint64]bool{}
		for _, p := range top.Partitions {
			now[p.UID] = true
			if !live[p.UID] {
				note(p.UID, "partition")
			}
		}
		live = now
	}
	s, tp := metadata.NamedID("s"), metadata.NamedID("t")
	for round := range 3 {
		r := mustCommit(t, st, 0, metadata.CreateStream{Name: "s"}, env)
		note(st.Stream(r.StreamID).UID, "stream")
		rt := mustCommit(t, st, 0, metadata.CreateTopic{Stream: s, PartitionsCount: 2, Compression: 1, Name: "t"}, env)
		top := st.Topic(rt.StreamID, rt.TopicID)
		note(top.UID, "topic")
		notePartitions(top)
		mustCommit(t, st, 0, metadata.CreatePartitions{Stream: s, Topic: tp, Count: 2}, env)
		notePartitions(top)
		mustCommit(t, st, 0, metadata.DeletePartitions{Stream: s, Topic: tp, Count: 1}, env)
		notePartitions(top)
		mustCommit(t, st, 0, metadata.CreatePartitions{Stream: s, Topic: tp, Count: 1}, env)
		notePartitions(top)
		if r.StreamID != 0 || len(top.Partitions) != 4 || top.Partitions[3].ID != 3 {
			t.Fatalf("round %d: stream id %d, partitions %+v", round, r.StreamID, top.Partitions)
		}
		mustCommit(t, st, 0, metadata.DeleteStream{Stream: s}, env)
		live = map[uint64]bool{}
	}
	if len(seen) != 3*(2+5) {
		t.Fatalf("%d distinct uids, want %d", len(seen), 3*(2+5))
	}
}

func TestTopicStoresResolvedExpiryAndSize(t *testing.T) {
	tests := []struct {
		name                 string
		defExpiry, defSize   uint64
		expiry, size         uint64
		wantExpiry, wantSize uint64
	}{
		{name: "server defaults never/unlimited", wantExpiry: metadata.Never, wantSize: metadata.Never},
		{name: "configured defaults", defExpiry: 60_000_000, defSize: 10 << 30, wantExpiry: 60_000_000, wantSize: 10 << 30},
		{name: "explicit never", defExpiry: 5, defSize: 10 << 30, expiry: metadata.Never, size: metadata.Never, wantExpiry: metadata.Never, wantSize: metadata.Never},
		{name: "explicit values", expiry: 1_000_000, size: 2 << 30, wantExpiry: 1_000_000, wantSize: 2 << 30},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := fixture(t)
			env := testEnv()
			env.DefaultMessageExpiry, env.DefaultMaxTopicSize = tt.defExpiry, tt.defSize
			r := mustCommit(t, st, 0, metadata.CreateTopic{Stream: s1, Compression: 1, MessageExpiry: tt.expiry, MaxTopicSize: tt.size, Name: "new"}, env)
			top := st.Topic(r.StreamID, r.TopicID)
			if top.MessageExpiry != tt.wantExpiry || top.MaxTopicSize != tt.wantSize || top.ReplicationFactor != 1 {
				t.Fatalf("created: expiry %d size %d rf %d, want %d %d 1", top.MessageExpiry, top.MaxTopicSize, top.ReplicationFactor, tt.wantExpiry, tt.wantSize)
			}
			mustCommit(t, st, 0, metadata.UpdateTopic{Stream: s1, Topic: metadata.NamedID("new"), Compression: 2, MessageExpiry: tt.expiry, MaxTopicSize: tt.size, ReplicationFactor: 3, Name: "new"}, env)
			if top.MessageExpiry != tt.wantExpiry || top.MaxTopicSize != tt.wantSize || top.ReplicationFactor != 3 || top.Compression != 2 {
				t.Fatalf("updated: %+v", top)
			}
		})
	}
}

func TestPartitionsArePlacedOnLeastLoadedShard(t *testing.T) {
	st := newRootState(t)
	env := testEnv()
	env.ShardCount = 3
	mustCommit(t, st, 0, metadata.CreateStream{Name: "s"}, env)
	mustCommit(t, st, 0, metadata.CreateTopic{Stream: metadata.NamedID("s"), PartitionsCount: 4, Compression: 1, Name: "a"}, env)
	mustCommit(t, st, 0, metadata.CreateTopic{Stream: metadata.NamedID("s"), PartitionsCount: 2, Compression: 1, Name: "b"}, env)
	var owners []uint32
	for _, r := range st.Partitions() {
		owners = append(owners, r.Shard)
	}
	// a: 0 1 2 0; b continues across the server: 1 2.
	if want := []uint32{0, 1, 2, 0, 1, 2}; !slices.Equal(owners, want) {
		t.Fatalf("owners = %v, want %v", owners, want)
	}
	if shard, ok := st.PartitionOwner(0, 1, 1); !ok || shard != 2 {
		t.Fatalf("PartitionOwner(0,1,1) = %d %v, want 2", shard, ok)
	}
	if _, ok := st.PartitionOwner(0, 1, 2); ok {
		t.Fatal("PartitionOwner of a missing partition reported ok")
	}
	if got := len(st.PartitionsOnShard(0)); got != 2 {
		t.Fatalf("PartitionsOnShard(0) has %d partitions, want 2", got)
	}
}

func TestReassignPartitionsMovesOnlyVanishedShards(t *testing.T) {
	st := newRootState(t)
	env := testEnv()
	env.ShardCount = 4
	mustCommit(t, st, 0, metadata.CreateStream{Name: "s"}, env)
	mustCommit(t, st, 0, metadata.CreateTopic{Stream: metadata.NamedID("s"), PartitionsCount: 8, Compression: 1, Name: "a"}, env)
	e, _, err := metadata.Prepare(st, 0, metadata.ReassignPartitions{ShardCount: 2}, env)
	if err != nil {
		t.Fatal(err)
	}
	if !e.Persistent() || len(e.Reassign.Moves) != 4 {
		t.Fatalf("entry %+v, want 4 persistent moves", e.Reassign)
	}
	if err := st.Apply(e); err != nil {
		t.Fatal(err)
	}
	var owners []uint32
	for _, r := range st.Partitions() {
		owners = append(owners, r.Shard)
	}
	if want := []uint32{0, 1, 0, 1, 0, 1, 0, 1}; !slices.Equal(owners, want) {
		t.Fatalf("owners = %v, want %v", owners, want)
	}
}

func TestResolveByIDAndExactName(t *testing.T) {
	st := fixture(t)
	tests := []struct {
		name     string
		resolve  func() error
		wantCode uint32
	}{
		{"stream by id", func() error { _, err := st.ResolveStream(metadata.NumericID(1)); return err }, 0},
		{"stream by name", func() error { _, err := st.ResolveStream(metadata.NamedID("s2")); return err }, 0},
		{"stream name is case-sensitive", func() error { _, err := st.ResolveStream(metadata.NamedID("S1")); return err }, 1009},
		{"stream missing id", func() error { _, err := st.ResolveStream(metadata.NumericID(2)); return err }, 1009},
		{"topic by name", func() error { _, _, err := st.ResolveTopic(s1, t2); return err }, 0},
		{"topic in wrong stream", func() error { _, _, err := st.ResolveTopic(s2, t1); return err }, 2010},
		{"topic of missing stream", func() error { _, _, err := st.ResolveTopic(sMissing, t1); return err }, 1009},
		{"group by id", func() error { _, _, _, err := st.ResolveGroup(s1, t1, metadata.NumericID(0)); return err }, 0},
		{"group missing", func() error { _, _, _, err := st.ResolveGroup(s1, t2, g1); return err }, 5000},
		{"user by name", func() error { _, err := st.ResolveUser(alice); return err }, 0},
		{"user missing", func() error { _, err := st.ResolveUser(metadata.NumericID(5)); return err }, 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { wantStatus(t, tt.resolve(), tt.wantCode) })
	}
}

func TestDeleteAndPurgeReportAffectedPartitions(t *testing.T) {
	st := fixture(t)
	env := testEnv()
	_, r, err := metadata.Prepare(st, 0, metadata.DeletePartitions{Stream: s1, Topic: t1, Count: 2}, env)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Partitions) != 2 || r.Partitions[0].PartitionID != 1 || r.Partitions[1].PartitionID != 2 {
		t.Fatalf("DeletePartitions affects %+v, want partitions 1 and 2", r.Partitions)
	}
	e, r, err := metadata.Prepare(st, 0, metadata.PurgeTopic{Stream: s1, Topic: t1}, env)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Partitions) != 3 || r.Partitions[0].Epoch != 1 || r.Partitions[0].StreamUID != st.Stream(0).UID {
		t.Fatalf("PurgeTopic affects %+v", r.Partitions)
	}
	if err := st.Apply(e); err != nil {
		t.Fatal(err)
	}
	if p := st.Partition(0, 0, 2); p.Epoch != 1 {
		t.Fatalf("epoch after purge = %d, want 1", p.Epoch)
	}
	e, r, err = metadata.Prepare(st, 0, metadata.DeleteStream{Stream: s1}, env)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Partitions) != 3 || len(e.DeleteStream.TopicUIDs) != 2 || r.Partitions[0].Epoch != 1 {
		t.Fatalf("DeleteStream: partitions %+v topics %v", r.Partitions, e.DeleteStream.TopicUIDs)
	}
}

func TestDeleteUserRemovesItsTokens(t *testing.T) {
	st := fixture(t)
	env := testEnv()
	r := mustCommit(t, st, aliceID, metadata.CreatePersonalAccessToken{Name: "tok"}, env)
	if _, err := st.AuthenticateToken(r.Token, testNow); err != nil {
		t.Fatal(err)
	}
	mustCommit(t, st, 0, metadata.DeleteUser{User: alice}, env)
	_, err := st.AuthenticateToken(r.Token, testNow)
	wantStatus(t, err, 20)
	if st.SessionValid(aliceID) {
		t.Fatal("session of a deleted user still valid")
	}
}
