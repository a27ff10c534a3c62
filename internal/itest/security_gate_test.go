// SPDX-License-Identifier: Apache-2.0

package itest

import (
	"strconv"
	"strings"
	"testing"

	"riffle/internal/protocol"
)

// Catalogue E1: every command of the protocol, sent well formed on a
// connection that is not logged in, is refused Unauthenticated (40), except
// Ping and the two logins, which get their real answers.

// gateKind classifies a command for authentication gating.
type gateKind int

const (
	gateAuth     gateKind = iota + 1 // needs a session: 40 without one
	gateOpen                         // Ping: answered without a session
	gateLogin                        // LoginUser: real answer (42 for a wrong password)
	gatePATLogin                     // LoginWithPersonalAccessToken: real answer (20 for an unknown token)
)

// gateTable classifies every command code. A code of protocol.Codes() that
// is missing here fails TestCommandsNeedASessionExceptPingAndLogins, so a
// new command cannot go unclassified.
var gateTable = map[protocol.Code]gateKind{
	protocol.CodePing:                         gateOpen,
	protocol.CodeGetStats:                     gateAuth,
	protocol.CodeGetSnapshot:                  gateAuth,
	protocol.CodeGetClusterMetadata:           gateAuth,
	protocol.CodeGetMe:                        gateAuth,
	protocol.CodeGetClient:                    gateAuth,
	protocol.CodeGetClients:                   gateAuth,
	protocol.CodeGetUser:                      gateAuth,
	protocol.CodeGetUsers:                     gateAuth,
	protocol.CodeCreateUser:                   gateAuth,
	protocol.CodeDeleteUser:                   gateAuth,
	protocol.CodeUpdateUser:                   gateAuth,
	protocol.CodeUpdatePermissions:            gateAuth,
	protocol.CodeChangePassword:               gateAuth,
	protocol.CodeLoginUser:                    gateLogin,
	protocol.CodeLogoutUser:                   gateAuth,
	protocol.CodeGetPersonalAccessTokens:      gateAuth,
	protocol.CodeCreatePersonalAccessToken:    gateAuth,
	protocol.CodeDeletePersonalAccessToken:    gateAuth,
	protocol.CodeLoginWithPersonalAccessToken: gatePATLogin,
	protocol.CodePollMessages:                 gateAuth,
	protocol.CodeSendMessages:                 gateAuth,
	protocol.CodeFlushUnsavedBuffer:           gateAuth,
	protocol.CodeGetConsumerOffset:            gateAuth,
	protocol.CodeStoreConsumerOffset:          gateAuth,
	protocol.CodeDeleteConsumerOffset:         gateAuth,
	protocol.CodeGetStream:                    gateAuth,
	protocol.CodeGetStreams:                   gateAuth,
	protocol.CodeCreateStream:                 gateAuth,
	protocol.CodeDeleteStream:                 gateAuth,
	protocol.CodeUpdateStream:                 gateAuth,
	protocol.CodePurgeStream:                  gateAuth,
	protocol.CodeGetTopic:                     gateAuth,
	protocol.CodeGetTopics:                    gateAuth,
	protocol.CodeCreateTopic:                  gateAuth,
	protocol.CodeDeleteTopic:                  gateAuth,
	protocol.CodeUpdateTopic:                  gateAuth,
	protocol.CodePurgeTopic:                   gateAuth,
	protocol.CodeCreatePartitions:             gateAuth,
	protocol.CodeDeletePartitions:             gateAuth,
	protocol.CodeDeleteSegments:               gateAuth,
	protocol.CodeGetConsumerGroup:             gateAuth,
	protocol.CodeGetConsumerGroups:            gateAuth,
	protocol.CodeCreateConsumerGroup:          gateAuth,
	protocol.CodeDeleteConsumerGroup:          gateAuth,
	protocol.CodeJoinConsumerGroup:            gateAuth,
	protocol.CodeLeaveConsumerGroup:           gateAuth,
}

// gatePayload returns a well-formed payload for code that addresses things
// that exist on the gate test's server (stream and topic "gate", group
// "gate", the root user), so a 40 cannot be a decoding or lookup error.
func gatePayload(code protocol.Code) ([]byte, bool) {
	s, tp, g := protocol.NamedID("gate"), protocol.NamedID("gate"), protocol.NamedID("gate")
	consumer := protocol.SingleConsumer(protocol.NumericID(7))
	var r protocol.Request
	switch code {
	case protocol.CodeSendMessages:
		return protocol.AppendSendMessages(nil, s, tp, protocol.PartitionByID(0), []protocol.Message{{Payload: []byte("gate")}}), true
	case protocol.CodeGetSnapshot:
		r = &protocol.GetSnapshot{Compression: 1, Types: []uint8{4}}
	case protocol.CodeGetClient:
		r = &protocol.GetClient{ClientID: 1}
	case protocol.CodeGetUser:
		r = &protocol.GetUser{User: protocol.NumericID(0)}
	case protocol.CodeCreateUser:
		r = &protocol.CreateUser{Username: "gate-user", Password: "gate-password", Status: protocol.UserActive}
	case protocol.CodeDeleteUser:
		r = &protocol.DeleteUser{User: protocol.NamedID("gate-victim")}
	case protocol.CodeUpdateUser:
		r = &protocol.UpdateUser{User: protocol.NamedID("gate-victim"), Username: "gate-renamed"}
	case protocol.CodeUpdatePermissions:
		r = &protocol.UpdatePermissions{User: protocol.NamedID("gate-victim"), Permissions: &protocol.Permissions{Global: protocol.GlobalPermissions{ManageServers: true}}}
	case protocol.CodeChangePassword:
		r = &protocol.ChangePassword{User: protocol.NamedID("gate-victim"), CurrentPassword: "gate-password", NewPassword: "gate-password-2"}
	case protocol.CodeLoginUser:
		r = &protocol.LoginUser{Username: "iggy", Password: "not-the-password"}
	case protocol.CodeCreatePersonalAccessToken:
		r = &protocol.CreatePersonalAccessToken{Name: "gate-token"}
	case protocol.CodeDeletePersonalAccessToken:
		r = &protocol.DeletePersonalAccessToken{Name: "gate-token"}
	case protocol.CodeLoginWithPersonalAccessToken:
		r = &protocol.LoginWithPersonalAccessToken{Token: strings.Repeat("A", 68)}
	case protocol.CodePollMessages:
		r = &protocol.PollMessages{Consumer: consumer, Stream: s, Topic: tp, Partition: protocol.SomePartition(0), Strategy: protocol.PollingStrategy{Kind: protocol.PollOffset}, Count: 1}
	case protocol.CodeFlushUnsavedBuffer:
		r = &protocol.FlushUnsavedBuffer{Stream: s, Topic: tp, PartitionID: 0, Fsync: true}
	case protocol.CodeGetConsumerOffset:
		r = &protocol.GetConsumerOffset{Consumer: consumer, Stream: s, Topic: tp, Partition: protocol.SomePartition(0)}
	case protocol.CodeStoreConsumerOffset:
		r = &protocol.StoreConsumerOffset{Consumer: consumer, Stream: s, Topic: tp, Partition: protocol.SomePartition(0), Offset: 0}
	case protocol.CodeDeleteConsumerOffset:
		r = &protocol.DeleteConsumerOffset{Consumer: consumer, Stream: s, Topic: tp, Partition: protocol.SomePartition(0)}
	case protocol.CodeGetStream:
		r = &protocol.GetStream{Stream: s}
	case protocol.CodeCreateStream:
		r = &protocol.CreateStream{Name: "gate-new"}
	case protocol.CodeDeleteStream:
		r = &protocol.DeleteStream{Stream: s}
	case protocol.CodeUpdateStream:
		r = &protocol.UpdateStream{Stream: s, Name: "gate-renamed"}
	case protocol.CodePurgeStream:
		r = &protocol.PurgeStream{Stream: s}
	case protocol.CodeGetTopic:
		r = &protocol.GetTopic{Stream: s, Topic: tp}
	case protocol.CodeGetTopics:
		r = &protocol.GetTopics{Stream: s}
	case protocol.CodeCreateTopic:
		r = &protocol.CreateTopic{Stream: s, PartitionsCount: 1, CompressionAlgorithm: protocol.CompressionNone, Name: "gate-new"}
	case protocol.CodeDeleteTopic:
		r = &protocol.DeleteTopic{Stream: s, Topic: tp}
	case protocol.CodeUpdateTopic:
		r = &protocol.UpdateTopic{Stream: s, Topic: tp, CompressionAlgorithm: protocol.CompressionNone, Name: "gate-renamed"}
	case protocol.CodePurgeTopic:
		r = &protocol.PurgeTopic{Stream: s, Topic: tp}
	case protocol.CodeCreatePartitions:
		r = &protocol.CreatePartitions{Stream: s, Topic: tp, PartitionsCount: 1}
	case protocol.CodeDeletePartitions:
		r = &protocol.DeletePartitions{Stream: s, Topic: tp, PartitionsCount: 1}
	case protocol.CodeDeleteSegments:
		r = &protocol.DeleteSegments{Stream: s, Topic: tp, PartitionID: 0, SegmentsCount: 1}
	case protocol.CodeGetConsumerGroup:
		r = &protocol.GetConsumerGroup{Stream: s, Topic: tp, Group: g}
	case protocol.CodeGetConsumerGroups:
		r = &protocol.GetConsumerGroups{Stream: s, Topic: tp}
	case protocol.CodeCreateConsumerGroup:
		r = &protocol.CreateConsumerGroup{Stream: s, Topic: tp, Name: "gate-new"}
	case protocol.CodeDeleteConsumerGroup:
		r = &protocol.DeleteConsumerGroup{Stream: s, Topic: tp, Group: g}
	case protocol.CodeJoinConsumerGroup:
		r = &protocol.JoinConsumerGroup{Stream: s, Topic: tp, Group: g}
	case protocol.CodeLeaveConsumerGroup:
		r = &protocol.LeaveConsumerGroup{Stream: s, Topic: tp, Group: g}
	default:
		// Commands without a payload: Ping, GetStats, GetClusterMetadata,
		// GetMe, GetClients, GetUsers, LogoutUser, GetPersonalAccessTokens,
		// GetStreams.
		var ok bool
		if r, ok = protocol.NewRequest(code); !ok {
			return nil, false
		}
	}
	return r.AppendTo(nil), true
}

func TestCommandsNeedASessionExceptPingAndLogins(t *testing.T) {
	for _, code := range protocol.Codes() {
		if _, ok := gateTable[code]; !ok {
			t.Errorf("command %v (%d) is not classified in gateTable", code, code)
		}
		if _, ok := gatePayload(code); !ok {
			t.Errorf("command %v (%d) has no gate payload", code, code)
		}
	}
	for code := range gateTable {
		if !code.Known() {
			t.Errorf("gateTable classifies %d, which is not a command of the protocol", code)
		}
	}
	if t.Failed() {
		t.FailNow()
	}

	s := Start(t, Options{Shards: 2})
	root := s.secLogin(t, "iggy", "iggy")
	root.ok(&protocol.CreateStream{Name: "gate"})
	root.ok(&protocol.CreateTopic{Stream: protocol.NamedID("gate"), PartitionsCount: 1, CompressionAlgorithm: protocol.CompressionNone, Name: "gate"})
	root.ok(&protocol.CreateConsumerGroup{Stream: protocol.NamedID("gate"), Topic: protocol.NamedID("gate"), Name: "gate"})
	if st := root.send(protocol.NamedID("gate"), protocol.NamedID("gate"), 0, "before"); st != protocol.StatusOK {
		t.Fatalf("send: %v", st)
	}
	root.createUser("gate-victim", "gate-password", nil)
	before := gateFingerprint(root)

	walk := func(t *testing.T, c *secConn) {
		rejected, auth := 0, 0
		for _, code := range protocol.Codes() {
			payload, _ := gatePayload(code)
			st, body := c.raw(code, payload)
			var want protocol.Status
			switch gateTable[code] {
			case gateAuth:
				auth++
				want = protocol.StatusUnauthenticated
				if st == want {
					rejected++
				}
			case gateOpen:
				if len(body) != 0 {
					t.Errorf("%v: %d payload bytes, want none", code, len(body))
				}
			case gateLogin:
				want = protocol.StatusInvalidCredentials
			case gatePATLogin:
				want = protocol.StatusResourceNotFound
			}
			if st != want {
				t.Errorf("%v (%d): status %d %v, want %d %v", code, code, uint32(st), st, uint32(want), want)
			}
			if err := c.ping(); err != nil {
				t.Fatalf("connection unusable after %v: %v", code, err)
			}
		}
		t.Logf("rejected %d/%d commands that need a session", rejected, auth)
	}
	t.Run("before login", func(t *testing.T) {
		walk(t, s.secDial(t))
	})
	t.Run("after logout", func(t *testing.T) {
		c := s.secLogin(t, "iggy", "iggy")
		c.ok(&protocol.LogoutUser{})
		walk(t, c)
		// The same connection can log in again and is then served.
		if st := c.login("iggy", "iggy"); st != protocol.StatusOK {
			t.Fatalf("login after logout: %v", st)
		}
		c.ok(&protocol.GetStreams{})
	})
	t.Run("unknown codes", func(t *testing.T) {
		// Codes that exist only after 0.8.0 (and a made-up one) are not
		// commands: InvalidCommand, and the connection stays usable.
		c := s.secDial(t)
		for _, code := range []protocol.Code{13, 40, 45, 606, 9999} {
			if st, _ := c.raw(code, nil); st != protocol.StatusInvalidCommand {
				t.Errorf("code %d: %v, want %v", code, st, protocol.StatusInvalidCommand)
			}
			if err := c.ping(); err != nil {
				t.Fatalf("connection unusable after code %d: %v", code, err)
			}
		}
	})
	if after := gateFingerprint(root); after != before {
		t.Errorf("refused commands changed the server:\nbefore %s\nafter  %s", before, after)
	}
}

// gateFingerprint summarises what the gate walk could have changed.
func gateFingerprint(root *secConn) string {
	var b strings.Builder
	var streams protocol.StreamList
	if err := streams.Decode(root.ok(&protocol.GetStreams{})); err != nil {
		root.t.Fatalf("decode streams: %v", err)
	}
	for _, st := range streams {
		b.WriteString(st.Name + " ")
	}
	if d, ok := root.topic(protocol.NamedID("gate"), protocol.NamedID("gate")); ok {
		b.WriteString(d.Topic.Name)
		for _, p := range d.Partitions {
			b.WriteString(" p" + strconv.FormatUint(uint64(p.ID), 10) + "=" + strconv.FormatUint(p.MessagesCount, 10))
		}
	}
	var users protocol.UserList
	if err := users.Decode(root.ok(&protocol.GetUsers{})); err != nil {
		root.t.Fatalf("decode users: %v", err)
	}
	for _, u := range users {
		b.WriteString(" " + u.Username)
	}
	var pats protocol.PersonalAccessTokenList
	if err := pats.Decode(root.ok(&protocol.GetPersonalAccessTokens{})); err != nil {
		root.t.Fatalf("decode tokens: %v", err)
	}
	b.WriteString(" tokens=" + strconv.Itoa(len(pats)))
	if g, ok := root.group(protocol.NamedID("gate"), protocol.NamedID("gate"), protocol.NamedID("gate")); ok {
		b.WriteString(" members=" + strconv.FormatUint(uint64(g.Group.MembersCount), 10))
	}
	return b.String()
}
