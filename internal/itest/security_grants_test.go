// SPDX-License-Identifier: Apache-2.0

package itest

import (
	"testing"

	"riffle/internal/protocol"
)

// How grants change under open sessions (catalogue E2/E3): a permission
// change applies to the next command of a session that is already open; a
// grant on a stream or topic ends with it and does not pass to a new stream
// or topic that reuses its id; the root user cannot be deleted or have its
// permissions changed.

func TestGrantChangesReachOpenSessions(t *testing.T) {
	s := Start(t, Options{Shards: 2})
	root := s.secLogin(t, "iggy", "iggy")

	t.Run("permission changes apply to open sessions", func(t *testing.T) {
		id := root.createUser("grant-changes", "pw-grant-changes", nil)
		c := s.secLogin(t, "grant-changes", "pw-grant-changes")
		if st, _ := c.do(&protocol.GetStreams{}); st != protocol.StatusUnauthorized {
			t.Fatalf("GetStreams without permissions: %v", st)
		}
		root.ok(&protocol.UpdatePermissions{User: num(id), Permissions: &protocol.Permissions{Global: protocol.GlobalPermissions{ReadStreams: true}}})
		if st, _ := c.do(&protocol.GetStreams{}); st != protocol.StatusOK {
			t.Fatalf("GetStreams after the grant: %v", st)
		}
		root.ok(&protocol.UpdatePermissions{User: num(id)})
		if st, _ := c.do(&protocol.GetStreams{}); st != protocol.StatusUnauthorized {
			t.Fatalf("GetStreams after the revocation: %v", st)
		}
	})

	t.Run("stream grants end with the stream", func(t *testing.T) {
		var old protocol.StreamInfo
		if err := old.Decode(root.ok(&protocol.CreateStream{Name: "grant-old"})); err != nil {
			t.Fatal(err)
		}
		grant := &protocol.Permissions{Streams: []protocol.StreamPermissions{{StreamID: old.ID, ManageStream: true}}}
		id := root.createUser("grant-stream", "pw-grant-stream", grant)
		c := s.secLogin(t, "grant-stream", "pw-grant-stream")
		if st, _ := c.do(&protocol.GetStream{Stream: num(old.ID)}); st != protocol.StatusOK {
			t.Fatalf("GetStream of the granted stream: %v", st)
		}
		root.ok(&protocol.DeleteStream{Stream: num(old.ID)})
		var reused protocol.StreamInfo
		if err := reused.Decode(root.ok(&protocol.CreateStream{Name: "grant-new"})); err != nil {
			t.Fatal(err)
		}
		t.Logf("deleted stream had id %d, the new one has %d", old.ID, reused.ID)
		for _, r := range []protocol.Request{&protocol.GetStream{Stream: num(reused.ID)}, &protocol.DeleteStream{Stream: num(reused.ID)}} {
			if st, _ := c.do(r); st != protocol.StatusUnauthorized {
				t.Errorf("%v on a new stream with the old id: %v, want %v", r.Code(), st, protocol.StatusUnauthorized)
			}
		}
		if d, _ := root.user(num(id)); d.Permissions != nil && len(d.Permissions.Streams) != 0 {
			t.Errorf("user still lists stream grants %+v", d.Permissions.Streams)
		}
		if _, ok := root.stream(num(reused.ID)); !ok {
			t.Errorf("the new stream is gone")
		}
	})

	t.Run("topic grants end with the topic", func(t *testing.T) {
		var st protocol.StreamInfo
		if err := st.Decode(root.ok(&protocol.CreateStream{Name: "grant-topics"})); err != nil {
			t.Fatal(err)
		}
		create := func(name string) uint32 {
			var d protocol.TopicDetails
			if err := d.Decode(root.ok(&protocol.CreateTopic{Stream: num(st.ID), PartitionsCount: 1, CompressionAlgorithm: protocol.CompressionNone, Name: name})); err != nil {
				t.Fatal(err)
			}
			return d.Topic.ID
		}
		old := create("old")
		grant := &protocol.Permissions{Streams: []protocol.StreamPermissions{{StreamID: st.ID, Topics: []protocol.TopicPermissions{{TopicID: old, ManageTopic: true}}}}}
		root.createUser("grant-topic", "pw-grant-topic", grant)
		c := s.secLogin(t, "grant-topic", "pw-grant-topic")
		if status, _ := c.do(&protocol.GetTopic{Stream: num(st.ID), Topic: num(old)}); status != protocol.StatusOK {
			t.Fatalf("GetTopic of the granted topic: %v", status)
		}
		root.ok(&protocol.DeleteTopic{Stream: num(st.ID), Topic: num(old)})
		reused := create("new")
		t.Logf("deleted topic had id %d, the new one has %d", old, reused)
		if status, _ := c.do(&protocol.GetTopic{Stream: num(st.ID), Topic: num(reused)}); status != protocol.StatusUnauthorized {
			t.Errorf("GetTopic on a new topic with the old id: %v, want %v", status, protocol.StatusUnauthorized)
		}
		if status := c.send(num(st.ID), num(reused), 0, "x"); status != protocol.StatusUnauthorized {
			t.Errorf("SendMessages to a new topic with the old id: %v, want %v", status, protocol.StatusUnauthorized)
		}
	})

	t.Run("root is protected", func(t *testing.T) {
		root.createUser("grant-admin", "pw-grant-admin", &protocol.Permissions{Global: protocol.GlobalPermissions{ManageUsers: true}})
		admin := s.secLogin(t, "grant-admin", "pw-grant-admin")
		for _, tc := range []struct {
			req  protocol.Request
			want protocol.Status
		}{
			{&protocol.DeleteUser{User: num(0)}, protocol.StatusCannotDeleteUser},
			{&protocol.UpdatePermissions{User: num(0)}, protocol.StatusCannotChangePermissions},
			{&protocol.ChangePassword{User: num(0), CurrentPassword: "not-iggy", NewPassword: "taken-over"}, protocol.StatusInvalidCredentials},
		} {
			if st, _ := admin.do(tc.req); st != tc.want {
				t.Errorf("%v on root: %v, want %v", tc.req.Code(), st, tc.want)
			}
		}
		expectStatus(t, s.secLogin(t, "iggy", "iggy"), "root after the attempts", protocol.StatusOK)
		if d, _ := root.user(num(0)); d.Permissions == nil || d.Permissions.Global != (protocol.GlobalPermissions{
			ManageServers: true, ReadServers: true, ManageUsers: true, ReadUsers: true, ManageStreams: true,
			ReadStreams: true, ManageTopics: true, ReadTopics: true, PollMessages: true, SendMessages: true,
		}) {
			t.Errorf("root permissions %+v", d.Permissions)
		}
	})
}
