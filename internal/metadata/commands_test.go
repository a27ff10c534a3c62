// SPDX-License-Identifier: Apache-2.0

package metadata_test

import (
	"reflect"
	"testing"

	"github.com/vmihailenco/msgpack/v5"

	"riffle/internal/metadata"
)

func TestCommandsRoundTripThroughEncoding(t *testing.T) {
	cmds := []metadata.Command{
		metadata.CreateStream{Name: "s"},
		metadata.UpdateStream{Stream: metadata.NamedID("s"), Name: "t"},
		metadata.DeleteStream{Stream: metadata.NumericID(3)},
		metadata.PurgeStream{Stream: metadata.NumericID(0)},
		metadata.CreateTopic{Stream: metadata.NumericID(1), PartitionsCount: 3, Compression: 2, MessageExpiry: 5, MaxTopicSize: metadata.Never, ReplicationFactor: 1, Name: "t"},
		metadata.UpdateTopic{Stream: metadata.NumericID(1), Topic: metadata.NamedID("t"), Compression: 1, Name: "u"},
		metadata.DeleteTopic{Stream: metadata.NumericID(1), Topic: metadata.NumericID(2)},
		metadata.PurgeTopic{Stream: metadata.NumericID(1), Topic: metadata.NumericID(2)},
		metadata.CreatePartitions{Stream: metadata.NumericID(1), Topic: metadata.NumericID(2), Count: 4},
		metadata.DeletePartitions{Stream: metadata.NumericID(1), Topic: metadata.NumericID(2), Count: 1},
		metadata.CreateConsumerGroup{Stream: metadata.NumericID(1), Topic: metadata.NumericID(2), Name: "g"},
		metadata.DeleteConsumerGroup{Stream: metadata.NumericID(1), Topic: metadata.NumericID(2), Group: metadata.NamedID("g")},
		metadata.JoinConsumerGroup{Stream: metadata.NumericID(1), Topic: metadata.NumericID(2), Group: metadata.NumericID(0), ClientID: 9, Shard: 1},
		metadata.LeaveConsumerGroup{Stream: metadata.NumericID(1), Topic: metadata.NumericID(2), Group: metadata.NumericID(0), ClientID: 9},
		metadata.CreateUser{Username: "bob", Password: "pw-pw", Status: 1, Permissions: metadata.RootPermissions()},
		metadata.UpdateUser{User: metadata.NumericID(2), Username: ptr("rob"), Status: ptr(uint8(2))},
		metadata.DeleteUser{User: metadata.NamedID("bob")},
		metadata.UpdatePermissions{User: metadata.NamedID("bob"), Permissions: &metadata.Permissions{Streams: []metadata.StreamPermissions{{StreamID: 1, Topics: []metadata.TopicPermissions{{TopicID: 2, PollMessages: true}}}}}},
		metadata.ChangePassword{User: metadata.NamedID("bob"), CurrentPassword: "a-a", NewPassword: "b-b"},
		metadata.CreatePersonalAccessToken{Name: "tok", Expiry: 7},
		metadata.DeletePersonalAccessToken{Name: "tok"},
		metadata.ClientGone{ClientID: 5},
		metadata.ShardFailed{Shard: 1},
		metadata.ReassignPartitions{ShardCount: 4},
		metadata.BootstrapRoot{Username: "iggy", PasswordHash: "$argon2id$..."},
		metadata.GroupPolled{Stream: 1, Topic: 2, Group: 3, Partition: 4, Offset: 5},
		metadata.GroupCommitted{Stream: 1, Topic: 2, Group: 3, Partition: 4, Offset: 5},
		metadata.ExpireRevocations{Timeout: 30_000_000},
	}
	kinds := map[metadata.CommandKind]bool{}
	for _, c := range cmds {
		b, err := metadata.EncodeCommand(c)
		if err != nil {
			t.Fatalf("%T: %v", c, err)
		}
		got, err := metadata.DecodeCommand(b)
		if err != nil {
			t.Fatalf("%T: %v", c, err)
		}
		if v := reflect.ValueOf(got).Elem().Interface(); !reflect.DeepEqual(v, c) {
			t.Fatalf("round trip of %T: got %+v, want %+v", c, v, c)
		}
		if kinds[c.Kind()] {
			t.Fatalf("kind %d used twice", c.Kind())
		}
		kinds[c.Kind()] = true
	}
}

func TestDecodeCommandRejectsUnknownKindsAndFormats(t *testing.T) {
	type env struct {
		Format uint8              `msgpack:"format"`
		Kind   uint16             `msgpack:"kind"`
		Body   msgpack.RawMessage `msgpack:"body"`
	}
	body, _ := msgpack.Marshal(metadata.CreateStream{Name: "x"})
	unknown, _ := msgpack.Marshal(env{Format: 1, Kind: 999, Body: body})
	if _, err := metadata.DecodeCommand(unknown); err == nil {
		t.Fatal("unknown kind decoded")
	}
	newer, _ := msgpack.Marshal(env{Format: 2, Kind: 202, Body: body})
	if _, err := metadata.DecodeCommand(newer); err == nil {
		t.Fatal("newer format decoded")
	}
}

func TestDecodeEntryChecksKindAgainstFields(t *testing.T) {
	tests := []struct {
		name string
		e    metadata.Entry
		ok   bool
	}{
		{"matching", metadata.Entry{Version: 1, Kind: metadata.EntryDeleteUser, DeleteUser: &metadata.UserOp{ID: 3}}, true},
		{"empty", metadata.Entry{}, true},
		{"field of another kind", metadata.Entry{Version: 1, Kind: metadata.EntryDeleteUser, DeleteStream: &metadata.DeleteStreamOp{}}, false},
		{"two fields", metadata.Entry{Version: 1, Kind: metadata.EntryDeleteUser, DeleteUser: &metadata.UserOp{}, UpdateUser: &metadata.UpdateUserOp{}}, false},
		{"kind without field", metadata.Entry{Version: 1, Kind: metadata.EntryCreateStream}, false},
		{"unknown kind", metadata.Entry{Version: 1, Kind: 200}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := metadata.EncodeEntry(tt.e)
			if err != nil {
				t.Fatal(err)
			}
			_, err = metadata.DecodeEntry(b)
			if (err == nil) != tt.ok {
				t.Fatalf("DecodeEntry error = %v, want ok=%v", err, tt.ok)
			}
		})
	}
}

func TestEntryKindsArePersistentExceptMembership(t *testing.T) {
	persistent := []metadata.EntryKind{metadata.EntryCreateStream, metadata.EntryDeletePartitions, metadata.EntryCreatePAT,
		metadata.EntryReassign, metadata.EntryBootstrapRoot, metadata.EntryPurgeTopic}
	ephemeral := []metadata.EntryKind{metadata.EntryNone, metadata.EntryJoinGroup, metadata.EntryLeaveGroup, metadata.EntryClientGone,
		metadata.EntryShardFailed, metadata.EntryGroupPolled, metadata.EntryGroupCommitted, metadata.EntryCompleteRevocations}
	for _, k := range persistent {
		if !k.Persistent() {
			t.Errorf("kind %d is not persistent", k)
		}
	}
	for _, k := range ephemeral {
		if k.Persistent() {
			t.Errorf("kind %d is persistent", k)
		}
	}
}
