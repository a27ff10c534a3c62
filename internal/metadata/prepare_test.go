// SPDX-License-Identifier: Apache-2.0

package metadata_test

import (
	"strings"
	"testing"

	"riffle/internal/metadata"
)

var (
	s1, s2, sMissing = metadata.NamedID("s1"), metadata.NamedID("s2"), metadata.NamedID("nope")
	t1, t2, tMissing = metadata.NamedID("t1"), metadata.NamedID("t2"), metadata.NumericID(9)
	g1, gMissing     = metadata.NamedID("g1"), metadata.NamedID("nope")
	alice, root      = metadata.NamedID("alice"), metadata.NumericID(0)
)

const aliceID = 1

// TestPrepareReturnsIggyStatusCodes runs every command's validation against
// the fixture and checks the exact Iggy 0.8.0 status (0 = accepted).
func TestPrepareReturnsIggyStatusCodes(t *testing.T) {
	long := strings.Repeat("x", 256)
	tests := []struct {
		name  string
		actor uint32
		cmd   metadata.Command
		setup func(t *testing.T, st *metadata.State)
		env   func(*metadata.Env)
		want  uint32
	}{
		// streams
		{name: "create stream", cmd: metadata.CreateStream{Name: "s3"}},
		{name: "create stream empty name", cmd: metadata.CreateStream{Name: ""}, want: 4},
		{name: "create stream 256-byte name", cmd: metadata.CreateStream{Name: long}, want: 4},
		{name: "create stream duplicate", cmd: metadata.CreateStream{Name: "s1"}, want: 1012},
		{name: "create stream unauthorized", actor: aliceID, cmd: metadata.CreateStream{Name: "s3"}, want: 41},
		{name: "update stream", cmd: metadata.UpdateStream{Stream: s1, Name: "s9"}},
		{name: "update stream same name", cmd: metadata.UpdateStream{Stream: s1, Name: "s1"}},
		{name: "update stream duplicate", cmd: metadata.UpdateStream{Stream: s1, Name: "s2"}, want: 1012},
		{name: "update stream missing", cmd: metadata.UpdateStream{Stream: sMissing, Name: "x"}, want: 1009},
		{name: "update stream missing before unauthorized", actor: aliceID, cmd: metadata.UpdateStream{Stream: sMissing, Name: "x"}, want: 1009},
		{name: "update stream unauthorized", actor: aliceID, cmd: metadata.UpdateStream{Stream: s1, Name: "x"}, want: 41},
		{name: "delete stream", cmd: metadata.DeleteStream{Stream: s1}},
		{name: "delete stream missing by id", cmd: metadata.DeleteStream{Stream: metadata.NumericID(7)}, want: 1009},
		{name: "delete stream unauthorized", actor: aliceID, cmd: metadata.DeleteStream{Stream: s1}, want: 41},
		{name: "purge stream", cmd: metadata.PurgeStream{Stream: s1}},
		{name: "purge stream missing", cmd: metadata.PurgeStream{Stream: sMissing}, want: 1009},
		{name: "purge stream unauthorized", actor: aliceID, cmd: metadata.PurgeStream{Stream: s1}, want: 41},
		// topics
		{name: "create topic", cmd: metadata.CreateTopic{Stream: s1, PartitionsCount: 1000, Compression: 2, Name: "t3"}},
		{name: "create topic 0 partitions", cmd: metadata.CreateTopic{Stream: s1, Compression: 1, Name: "t3"}},
		{name: "create topic 1001 partitions", cmd: metadata.CreateTopic{Stream: s1, PartitionsCount: 1001, Compression: 1, Name: "t3"}, want: 2015},
		{name: "create topic compression 0", cmd: metadata.CreateTopic{Stream: s1, Compression: 0, Name: "t3"}, want: 3},
		{name: "create topic compression 3", cmd: metadata.CreateTopic{Stream: s1, Compression: 3, Name: "t3"}, want: 3},
		{name: "create topic missing stream", cmd: metadata.CreateTopic{Stream: sMissing, Compression: 1, Name: "t3"}, want: 1009},
		{name: "create topic unauthorized", actor: aliceID, cmd: metadata.CreateTopic{Stream: s1, Compression: 1, Name: "t3"}, want: 41},
		{name: "create topic size below segment", cmd: metadata.CreateTopic{Stream: s1, Compression: 1, MaxTopicSize: segmentSize - 1, Name: "t3"}, want: 1019},
		{name: "create topic size equal to segment", cmd: metadata.CreateTopic{Stream: s1, Compression: 1, MaxTopicSize: segmentSize, Name: "t3"}},
		{name: "create topic size unlimited", cmd: metadata.CreateTopic{Stream: s1, Compression: 1, MaxTopicSize: metadata.Never, Name: "t3"}},
		{name: "create topic duplicate", cmd: metadata.CreateTopic{Stream: s1, Compression: 1, Name: "t1"}, want: 2013},
		{name: "create topic same name other stream", cmd: metadata.CreateTopic{Stream: s2, Compression: 1, Name: "t1"}},
		{name: "create topic empty name", cmd: metadata.CreateTopic{Stream: s1, Compression: 1}, want: 4},
		{name: "create topic without shards", cmd: metadata.CreateTopic{Stream: s1, PartitionsCount: 1, Compression: 1, Name: "t3"},
			env: func(e *metadata.Env) { e.ShardCount = 0 }, want: 1},
		{name: "update topic", cmd: metadata.UpdateTopic{Stream: s1, Topic: t1, Compression: 2, Name: "t9"}},
		{name: "update topic duplicate", cmd: metadata.UpdateTopic{Stream: s1, Topic: t1, Compression: 1, Name: "t2"}, want: 2013},
		{name: "update topic missing", cmd: metadata.UpdateTopic{Stream: s1, Topic: tMissing, Compression: 1, Name: "x"}, want: 2010},
		{name: "update topic compression", cmd: metadata.UpdateTopic{Stream: s1, Topic: t1, Compression: 9, Name: "t1"}, want: 3},
		{name: "update topic size", cmd: metadata.UpdateTopic{Stream: s1, Topic: t1, Compression: 1, MaxTopicSize: 5, Name: "t1"}, want: 1019},
		{name: "update topic unauthorized", actor: aliceID, cmd: metadata.UpdateTopic{Stream: s1, Topic: t1, Compression: 1, Name: "t1"}, want: 41},
		{name: "delete topic", cmd: metadata.DeleteTopic{Stream: s1, Topic: t1}},
		{name: "delete topic missing", cmd: metadata.DeleteTopic{Stream: s1, Topic: tMissing}, want: 2010},
		{name: "delete topic missing stream", cmd: metadata.DeleteTopic{Stream: sMissing, Topic: t1}, want: 1009},
		{name: "delete topic unauthorized", actor: aliceID, cmd: metadata.DeleteTopic{Stream: s1, Topic: t1}, want: 41},
		{name: "purge topic", cmd: metadata.PurgeTopic{Stream: s1, Topic: t1}},
		{name: "purge topic missing", cmd: metadata.PurgeTopic{Stream: s1, Topic: tMissing}, want: 2010},
		{name: "purge topic unauthorized", actor: aliceID, cmd: metadata.PurgeTopic{Stream: s1, Topic: t1}, want: 41},
		// partitions
		{name: "create partitions", cmd: metadata.CreatePartitions{Stream: s1, Topic: t1, Count: 1000}},
		{name: "create partitions 0", cmd: metadata.CreatePartitions{Stream: s1, Topic: t1, Count: 0}, want: 2015},
		{name: "create partitions 1001", cmd: metadata.CreatePartitions{Stream: s1, Topic: t1, Count: 1001}, want: 2015},
		{name: "create partitions missing topic", cmd: metadata.CreatePartitions{Stream: s1, Topic: tMissing, Count: 1}, want: 2010},
		{name: "create partitions unauthorized", actor: aliceID, cmd: metadata.CreatePartitions{Stream: s1, Topic: t1, Count: 1}, want: 41},
		{name: "delete partitions all", cmd: metadata.DeletePartitions{Stream: s1, Topic: t1, Count: 3}},
		{name: "delete partitions 0", cmd: metadata.DeletePartitions{Stream: s1, Topic: t1, Count: 0}, want: 2015},
		{name: "delete partitions more than exist", cmd: metadata.DeletePartitions{Stream: s1, Topic: t1, Count: 4}, want: 2019},
		{name: "delete partitions missing topic", cmd: metadata.DeletePartitions{Stream: s1, Topic: tMissing, Count: 1}, want: 2010},
		{name: "delete partitions unauthorized", actor: aliceID, cmd: metadata.DeletePartitions{Stream: s1, Topic: t1, Count: 1}, want: 41},
		// consumer groups
		{name: "create group", cmd: metadata.CreateConsumerGroup{Stream: s1, Topic: t1, Name: "g2"}},
		{name: "create group duplicate", cmd: metadata.CreateConsumerGroup{Stream: s1, Topic: t1, Name: "g1"}, want: 5004},
		{name: "create group same name other topic", cmd: metadata.CreateConsumerGroup{Stream: s1, Topic: t2, Name: "g1"}},
		{name: "create group empty name", cmd: metadata.CreateConsumerGroup{Stream: s1, Topic: t1}, want: 4},
		{name: "create group missing topic", cmd: metadata.CreateConsumerGroup{Stream: s1, Topic: tMissing, Name: "g2"}, want: 2010},
		{name: "create group unauthorized", actor: aliceID, cmd: metadata.CreateConsumerGroup{Stream: s1, Topic: t1, Name: "g2"}, want: 41},
		{name: "delete group", cmd: metadata.DeleteConsumerGroup{Stream: s1, Topic: t1, Group: g1}},
		{name: "delete group missing", cmd: metadata.DeleteConsumerGroup{Stream: s1, Topic: t1, Group: gMissing}, want: 5000},
		{name: "delete group missing by id", cmd: metadata.DeleteConsumerGroup{Stream: s1, Topic: t1, Group: metadata.NumericID(4)}, want: 5000},
		{name: "delete group unauthorized", actor: aliceID, cmd: metadata.DeleteConsumerGroup{Stream: s1, Topic: t1, Group: g1}, want: 41},
		{name: "join group", cmd: metadata.JoinConsumerGroup{Stream: s1, Topic: t1, Group: g1, ClientID: 7}},
		{name: "join group missing", cmd: metadata.JoinConsumerGroup{Stream: s1, Topic: t1, Group: gMissing, ClientID: 7}, want: 5000},
		{name: "join group unauthorized", actor: aliceID, cmd: metadata.JoinConsumerGroup{Stream: s1, Topic: t1, Group: g1, ClientID: 7}, want: 41},
		{name: "leave group not a member", cmd: metadata.LeaveConsumerGroup{Stream: s1, Topic: t1, Group: g1, ClientID: 7}, want: 5006},
		{name: "leave group missing", cmd: metadata.LeaveConsumerGroup{Stream: s1, Topic: t1, Group: gMissing, ClientID: 7}, want: 5000},
		// users
		{name: "create user", cmd: metadata.CreateUser{Username: "bob", Password: "bob", Status: 2}},
		{name: "create user unauthorized", actor: aliceID, cmd: metadata.CreateUser{Username: "bob", Password: "bob-pw", Status: 1}, want: 41},
		{name: "create user empty name", cmd: metadata.CreateUser{Username: "", Password: "bob-pw", Status: 1}, want: 4},
		{name: "create user short name", cmd: metadata.CreateUser{Username: "bo", Password: "bob-pw", Status: 1}, want: 43},
		{name: "create user long name", cmd: metadata.CreateUser{Username: strings.Repeat("b", 51), Password: "bob-pw", Status: 1}, want: 43},
		{name: "create user 50-byte name", cmd: metadata.CreateUser{Username: strings.Repeat("b", 50), Password: "bob-pw", Status: 1}},
		{name: "create user short password", cmd: metadata.CreateUser{Username: "bob", Password: "pw", Status: 1}, want: 44},
		{name: "create user long password", cmd: metadata.CreateUser{Username: "bob", Password: strings.Repeat("p", 101), Status: 1}, want: 44},
		{name: "create user bad status", cmd: metadata.CreateUser{Username: "bob", Password: "bob-pw", Status: 0}, want: 3},
		{name: "create user duplicate", cmd: metadata.CreateUser{Username: "alice", Password: "bob-pw", Status: 1}, want: 46},
		{name: "update user", cmd: metadata.UpdateUser{User: alice, Username: ptr("alicia"), Status: ptr(uint8(2))}},
		{name: "update root status", cmd: metadata.UpdateUser{User: root, Status: ptr(uint8(1))}},
		{name: "update user missing", cmd: metadata.UpdateUser{User: metadata.NamedID("nobody"), Status: ptr(uint8(1))}, want: 20},
		{name: "update user duplicate", cmd: metadata.UpdateUser{User: alice, Username: ptr("iggy")}, want: 46},
		{name: "update user short name", cmd: metadata.UpdateUser{User: alice, Username: ptr("al")}, want: 43},
		{name: "update user bad status", cmd: metadata.UpdateUser{User: alice, Status: ptr(uint8(3))}, want: 3},
		{name: "update user unauthorized", actor: aliceID, cmd: metadata.UpdateUser{User: alice, Status: ptr(uint8(1))}, want: 41},
		{name: "delete user", cmd: metadata.DeleteUser{User: alice}},
		{name: "delete root", cmd: metadata.DeleteUser{User: root}, want: 48},
		{name: "delete user missing", cmd: metadata.DeleteUser{User: metadata.NumericID(42)}, want: 20},
		{name: "delete user unauthorized", actor: aliceID, cmd: metadata.DeleteUser{User: alice}, want: 41},
		{name: "update permissions", cmd: metadata.UpdatePermissions{User: alice, Permissions: metadata.RootPermissions()}},
		{name: "update permissions root", cmd: metadata.UpdatePermissions{User: root}, want: 49},
		{name: "update permissions missing", cmd: metadata.UpdatePermissions{User: metadata.NumericID(42)}, want: 20},
		{name: "update permissions unauthorized", actor: aliceID, cmd: metadata.UpdatePermissions{User: alice}, want: 41},
		{name: "change own password", actor: aliceID, cmd: metadata.ChangePassword{User: alice, CurrentPassword: "alice-pw", NewPassword: "new-pw"}},
		{name: "change own password wrong current", actor: aliceID, cmd: metadata.ChangePassword{User: alice, CurrentPassword: "wrong", NewPassword: "new-pw"}, want: 42},
		{name: "change other password unauthorized", actor: aliceID, cmd: metadata.ChangePassword{User: root, CurrentPassword: rootPass, NewPassword: "new-pw"}, want: 41},
		{name: "change other password as admin", cmd: metadata.ChangePassword{User: alice, CurrentPassword: "alice-pw", NewPassword: "new-pw"}},
		{name: "change other password admin wrong current", cmd: metadata.ChangePassword{User: alice, CurrentPassword: "nope", NewPassword: "new-pw"}, want: 42},
		{name: "change password short new", actor: aliceID, cmd: metadata.ChangePassword{User: alice, CurrentPassword: "alice-pw", NewPassword: "x"}, want: 44},
		{name: "change password short current", actor: aliceID, cmd: metadata.ChangePassword{User: alice, CurrentPassword: "x", NewPassword: "new-pw"}, want: 44},
		{name: "change password missing user", cmd: metadata.ChangePassword{User: metadata.NamedID("nobody"), CurrentPassword: "abc", NewPassword: "new-pw"}, want: 20},
		// personal access tokens
		{name: "create token", actor: aliceID, cmd: metadata.CreatePersonalAccessToken{Name: "tok", Expiry: 0}},
		{name: "create token short name", actor: aliceID, cmd: metadata.CreatePersonalAccessToken{Name: "to"}, want: 50},
		{name: "create token long name", actor: aliceID, cmd: metadata.CreatePersonalAccessToken{Name: strings.Repeat("t", 31)}, want: 50},
		{name: "create token empty name", actor: aliceID, cmd: metadata.CreatePersonalAccessToken{Name: ""}, want: 4},
		{name: "create token duplicate", actor: aliceID, cmd: metadata.CreatePersonalAccessToken{Name: "tok"},
			setup: func(t *testing.T, st *metadata.State) {
				mustCommit(t, st, aliceID, metadata.CreatePersonalAccessToken{Name: "tok"}, testEnv())
			}, want: 51},
		{name: "create token same name other user", actor: 0, cmd: metadata.CreatePersonalAccessToken{Name: "tok"},
			setup: func(t *testing.T, st *metadata.State) {
				mustCommit(t, st, aliceID, metadata.CreatePersonalAccessToken{Name: "tok"}, testEnv())
			}},
		{name: "create token over limit", actor: aliceID, cmd: metadata.CreatePersonalAccessToken{Name: "tok2"},
			setup: func(t *testing.T, st *metadata.State) {
				mustCommit(t, st, aliceID, metadata.CreatePersonalAccessToken{Name: "tok"}, testEnv())
			}, env: func(e *metadata.Env) { e.MaxPATsPerUser = 1 }, want: 52},
		{name: "delete token missing", actor: aliceID, cmd: metadata.DeletePersonalAccessToken{Name: "tok"}, want: 20},
		{name: "delete token", actor: aliceID, cmd: metadata.DeletePersonalAccessToken{Name: "tok"},
			setup: func(t *testing.T, st *metadata.State) {
				mustCommit(t, st, aliceID, metadata.CreatePersonalAccessToken{Name: "tok"}, testEnv())
			}},
		// internal
		{name: "group polled missing partition", cmd: metadata.GroupPolled{Stream: 0, Topic: 0, Group: 0, Partition: 3, Offset: 1}, want: 3007},
		{name: "group committed missing group", cmd: metadata.GroupCommitted{Stream: 0, Topic: 0, Group: 5, Partition: 0, Offset: 1}, want: 5000},
		{name: "group polled", cmd: metadata.GroupPolled{Stream: 0, Topic: 0, Group: 0, Partition: 2, Offset: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := fixture(t)
			if tt.setup != nil {
				tt.setup(t, st)
			}
			env := testEnv()
			if tt.env != nil {
				tt.env(&env)
			}
			before := snapshotBytes(t, st)
			e, _, err := metadata.Prepare(st, tt.actor, tt.cmd, env)
			wantStatus(t, err, tt.want)
			if string(snapshotBytes(t, st)) != string(before) {
				t.Fatal("Prepare modified the state")
			}
			if err != nil {
				return
			}
			if err := st.Apply(e); err != nil {
				t.Fatalf("Apply of a prepared entry: %v", err)
			}
		})
	}
}

func TestPrepareAcceptsPointerCommands(t *testing.T) {
	st := fixture(t)
	r := mustCommit(t, st, 0, &metadata.CreateStream{Name: "p"}, testEnv())
	if got := st.Stream(r.StreamID); got == nil || got.Name != "p" {
		t.Fatalf("stream %d = %+v, want name p", r.StreamID, got)
	}
}

func TestBootstrapRootRefusesSecondRoot(t *testing.T) {
	st := newRootState(t)
	h, _ := metadata.HashPassword("x-password", fastArgon2, nil)
	_, _, err := metadata.Prepare(st, 0, metadata.BootstrapRoot{Username: "other", PasswordHash: h}, testEnv())
	mustErrorIs(t, err, metadata.ErrRootExists)
	root := st.User(metadata.RootUserID)
	if root.Username != "iggy" || root.Status != metadata.UserActive || root.Permissions.Global != metadata.RootPermissions().Global {
		t.Fatalf("root = %+v", root)
	}
}

func TestBootstrapRootRefusesPlainPassword(t *testing.T) {
	_, _, err := metadata.Prepare(metadata.NewState(), 0, metadata.BootstrapRoot{Username: "iggy", PasswordHash: "iggy"}, testEnv())
	if err == nil {
		t.Fatal("BootstrapRoot accepted a password that is not a PHC hash")
	}
}

func TestEmptyEntriesChangeNothing(t *testing.T) {
	st := fixture(t)
	env := testEnv()
	mustCommit(t, st, 0, metadata.JoinConsumerGroup{Stream: s1, Topic: t1, Group: g1, ClientID: 5}, env)
	cmds := []metadata.Command{
		metadata.UpdateStream{Stream: s1, Name: "s1"},
		metadata.JoinConsumerGroup{Stream: s1, Topic: t1, Group: g1, ClientID: 5},
		metadata.ClientGone{ClientID: 99},
		metadata.ShardFailed{Shard: 9},
		metadata.ReassignPartitions{ShardCount: 2},
		metadata.ExpireRevocations{Timeout: 1},
	}
	for _, c := range cmds {
		e, _, err := metadata.Prepare(st, 0, c, env)
		if err != nil {
			t.Fatalf("%T: %v", c, err)
		}
		if !e.Empty() {
			t.Fatalf("%T gave a non-empty entry of kind %d", c, e.Kind)
		}
	}
}

func TestPreparedEntryCarriesNextVersion(t *testing.T) {
	st := fixture(t)
	v := st.Version()
	e, _, err := metadata.Prepare(st, 0, metadata.CreateStream{Name: "v"}, testEnv())
	if err != nil {
		t.Fatal(err)
	}
	if e.Version != v+1 || e.At != testNow || !e.Persistent() {
		t.Fatalf("entry version %d at %d persistent %v, want %d at %d persistent", e.Version, e.At, e.Persistent(), v+1, testNow)
	}
	e.Version += 1
	mustErrorIs(t, st.Apply(e), metadata.ErrVersionGap)
	e.Version -= 1
	if err := st.Apply(e); err != nil {
		t.Fatal(err)
	}
	mustErrorIs(t, st.Apply(e), metadata.ErrVersionGap)
}
