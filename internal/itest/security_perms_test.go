// SPDX-License-Identifier: Apache-2.0

package itest

import (
	"riffle/internal/protocol"
)

// The reference permission predicate of the matrix test (catalogue E2),
// restated here from the protocol doc §2.7 and Iggy 0.8.0's
// core/server/src/metadata/reader.rs (perm_* functions) without using the
// server's own implementation:
//
//   - "manage" implies the matching "read";
//   - stream grants cover every topic of that stream, topic grants one topic;
//   - global poll_messages / send_messages cover every stream;
//   - consumer-group commands need what GetTopic needs; offset commands what
//     PollMessages needs; FlushUnsavedBuffer what SendMessages needs;
//     partition and segment commands what UpdateTopic needs;
//   - GetMe, GetClusterMetadata, GetSnapshot, Ping and the caller's own
//     personal access tokens need only a session.
//
// GetUser of oneself and ChangePassword of one's own password need nothing
// more (Iggy's query_user and execute_change_password); the matrix handles
// those targets itself.

// noGrant is a stream or topic id no test user holds a grant for: asking the
// predicate about it answers whether a user's grants would cover a stream or
// topic that does not exist.
const noGrant = uint32(0xFFFF_FFF0)

// grantsOf looks up the stream and topic grants of p (zero values when
// absent).
func grantsOf(p *protocol.Permissions, stream, topic uint32) (protocol.GlobalPermissions, protocol.StreamPermissions, protocol.TopicPermissions) {
	var g protocol.GlobalPermissions
	var sp protocol.StreamPermissions
	var tp protocol.TopicPermissions
	if p == nil {
		return g, sp, tp
	}
	g = p.Global
	for _, s := range p.Streams {
		if s.StreamID != stream {
			continue
		}
		sp = s
		for _, t := range s.Topics {
			if t.TopicID == topic {
				tp = t
			}
		}
	}
	return g, sp, tp
}

// refAllowed reports whether a user with grants p may run code on stream
// and topic (ids; noGrant when the command has none).
func refAllowed(p *protocol.Permissions, code protocol.Code, stream, topic uint32) bool {
	g, s, t := grantsOf(p, stream, topic)
	readServers := g.ManageServers || g.ReadServers
	readUsers := g.ManageUsers || g.ReadUsers
	getStream := g.ManageStreams || g.ReadStreams || s.ManageStream || s.ReadStream
	manageStream := g.ManageStreams || s.ManageStream
	getTopics := g.ManageStreams || g.ReadStreams || g.ManageTopics || g.ReadTopics ||
		s.ManageStream || s.ReadStream || s.ManageTopics || s.ReadTopics
	getTopic := getTopics || t.ManageTopic || t.ReadTopic
	createTopic := g.ManageStreams || g.ManageTopics || s.ManageStream || s.ManageTopics
	manageTopic := createTopic || t.ManageTopic
	poll := g.PollMessages || getTopics || s.PollMessages || t.ManageTopic || t.ReadTopic || t.PollMessages
	send := g.SendMessages || g.ManageStreams || g.ManageTopics ||
		s.SendMessages || s.ManageStream || s.ManageTopics || t.ManageTopic || t.SendMessages

	switch code {
	case protocol.CodePing, protocol.CodeGetMe, protocol.CodeGetClusterMetadata, protocol.CodeGetSnapshot,
		protocol.CodeGetPersonalAccessTokens, protocol.CodeCreatePersonalAccessToken, protocol.CodeDeletePersonalAccessToken:
		return true
	case protocol.CodeGetStats, protocol.CodeGetClient, protocol.CodeGetClients:
		return readServers
	case protocol.CodeGetUser, protocol.CodeGetUsers:
		return readUsers
	case protocol.CodeCreateUser, protocol.CodeDeleteUser, protocol.CodeUpdateUser, protocol.CodeUpdatePermissions,
		protocol.CodeChangePassword:
		return g.ManageUsers
	case protocol.CodeGetStreams:
		return g.ManageStreams || g.ReadStreams
	case protocol.CodeCreateStream:
		return g.ManageStreams
	case protocol.CodeGetStream:
		return getStream
	case protocol.CodeUpdateStream, protocol.CodeDeleteStream, protocol.CodePurgeStream:
		return manageStream
	case protocol.CodeGetTopics:
		return getTopics
	case protocol.CodeGetTopic, protocol.CodeGetConsumerGroup, protocol.CodeGetConsumerGroups,
		protocol.CodeCreateConsumerGroup, protocol.CodeDeleteConsumerGroup, protocol.CodeJoinConsumerGroup,
		protocol.CodeLeaveConsumerGroup:
		return getTopic
	case protocol.CodeCreateTopic:
		return createTopic
	case protocol.CodeUpdateTopic, protocol.CodeDeleteTopic, protocol.CodePurgeTopic, protocol.CodeCreatePartitions,
		protocol.CodeDeletePartitions, protocol.CodeDeleteSegments:
		return manageTopic
	case protocol.CodePollMessages, protocol.CodeGetConsumerOffset, protocol.CodeStoreConsumerOffset,
		protocol.CodeDeleteConsumerOffset:
		return poll
	case protocol.CodeSendMessages, protocol.CodeFlushUnsavedBuffer:
		return send
	}
	return false
}

// matrixUser is one permission set of the matrix. grant builds it for the
// user's own streams A and B (ids a, b) and topic A/x (id ax).
type matrixUser struct {
	name  string
	grant func(a, ax uint32) *protocol.Permissions
}

// matrixUsers returns the permission sets of catalogue E2: none, each global
// flag, each stream flag on A, each topic flag on A/x, and a union (global
// read_topics with send_messages on A/x).
func matrixUsers() []matrixUser {
	users := []matrixUser{{name: "none", grant: func(uint32, uint32) *protocol.Permissions { return nil }}}
	global := []struct {
		name string
		set  func(*protocol.GlobalPermissions)
	}{
		{"manage-servers", func(g *protocol.GlobalPermissions) { g.ManageServers = true }},
		{"read-servers", func(g *protocol.GlobalPermissions) { g.ReadServers = true }},
		{"manage-users", func(g *protocol.GlobalPermissions) { g.ManageUsers = true }},
		{"read-users", func(g *protocol.GlobalPermissions) { g.ReadUsers = true }},
		{"manage-streams", func(g *protocol.GlobalPermissions) { g.ManageStreams = true }},
		{"read-streams", func(g *protocol.GlobalPermissions) { g.ReadStreams = true }},
		{"manage-topics", func(g *protocol.GlobalPermissions) { g.ManageTopics = true }},
		{"read-topics", func(g *protocol.GlobalPermissions) { g.ReadTopics = true }},
		{"poll-messages", func(g *protocol.GlobalPermissions) { g.PollMessages = true }},
		{"send-messages", func(g *protocol.GlobalPermissions) { g.SendMessages = true }},
	}
	for _, f := range global {
		users = append(users, matrixUser{name: "g-" + f.name, grant: func(uint32, uint32) *protocol.Permissions {
			p := &protocol.Permissions{}
			f.set(&p.Global)
			return p
		}})
	}
	stream := []struct {
		name string
		set  func(*protocol.StreamPermissions)
	}{
		{"manage-stream", func(s *protocol.StreamPermissions) { s.ManageStream = true }},
		{"read-stream", func(s *protocol.StreamPermissions) { s.ReadStream = true }},
		{"manage-topics", func(s *protocol.StreamPermissions) { s.ManageTopics = true }},
		{"read-topics", func(s *protocol.StreamPermissions) { s.ReadTopics = true }},
		{"poll-messages", func(s *protocol.StreamPermissions) { s.PollMessages = true }},
		{"send-messages", func(s *protocol.StreamPermissions) { s.SendMessages = true }},
	}
	for _, f := range stream {
		users = append(users, matrixUser{name: "s-" + f.name, grant: func(a, _ uint32) *protocol.Permissions {
			sp := protocol.StreamPermissions{StreamID: a}
			f.set(&sp)
			return &protocol.Permissions{Streams: []protocol.StreamPermissions{sp}}
		}})
	}
	topic := []struct {
		name string
		set  func(*protocol.TopicPermissions)
	}{
		{"manage-topic", func(t *protocol.TopicPermissions) { t.ManageTopic = true }},
		{"read-topic", func(t *protocol.TopicPermissions) { t.ReadTopic = true }},
		{"poll-messages", func(t *protocol.TopicPermissions) { t.PollMessages = true }},
		{"send-messages", func(t *protocol.TopicPermissions) { t.SendMessages = true }},
	}
	for _, f := range topic {
		users = append(users, matrixUser{name: "t-" + f.name, grant: func(a, ax uint32) *protocol.Permissions {
			tp := protocol.TopicPermissions{TopicID: ax}
			f.set(&tp)
			return &protocol.Permissions{Streams: []protocol.StreamPermissions{{StreamID: a, Topics: []protocol.TopicPermissions{tp}}}}
		}})
	}
	users = append(users, matrixUser{name: "union", grant: func(a, ax uint32) *protocol.Permissions {
		return &protocol.Permissions{
			Global:  protocol.GlobalPermissions{ReadTopics: true},
			Streams: []protocol.StreamPermissions{{StreamID: a, Topics: []protocol.TopicPermissions{{TopicID: ax, SendMessages: true}}}},
		}
	}})
	return users
}
