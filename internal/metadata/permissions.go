// SPDX-License-Identifier: Apache-2.0

package metadata

import (
	"cmp"
	"slices"

	"riffle/internal/protocol"
)

// Permissions are a user's grants (protocol doc §2.7). Streams are sorted by
// StreamID and topics by TopicID, each id at most once (NormalizePermissions).
type Permissions struct {
	Global  GlobalPermissions   `msgpack:"global"`
	Streams []StreamPermissions `msgpack:"streams,omitempty"`
}

// GlobalPermissions apply to the whole server.
type GlobalPermissions struct {
	ManageServers bool `msgpack:"manage_servers"`
	ReadServers   bool `msgpack:"read_servers"`
	ManageUsers   bool `msgpack:"manage_users"`
	ReadUsers     bool `msgpack:"read_users"`
	ManageStreams bool `msgpack:"manage_streams"`
	ReadStreams   bool `msgpack:"read_streams"`
	ManageTopics  bool `msgpack:"manage_topics"`
	ReadTopics    bool `msgpack:"read_topics"`
	PollMessages  bool `msgpack:"poll_messages"`
	SendMessages  bool `msgpack:"send_messages"`
}

// StreamPermissions apply to one stream and every topic in it.
type StreamPermissions struct {
	StreamID     uint32             `msgpack:"stream_id"`
	ManageStream bool               `msgpack:"manage_stream"`
	ReadStream   bool               `msgpack:"read_stream"`
	ManageTopics bool               `msgpack:"manage_topics"`
	ReadTopics   bool               `msgpack:"read_topics"`
	PollMessages bool               `msgpack:"poll_messages"`
	SendMessages bool               `msgpack:"send_messages"`
	Topics       []TopicPermissions `msgpack:"topics,omitempty"`
}

// TopicPermissions apply to one topic.
type TopicPermissions struct {
	TopicID      uint32 `msgpack:"topic_id"`
	ManageTopic  bool   `msgpack:"manage_topic"`
	ReadTopic    bool   `msgpack:"read_topic"`
	PollMessages bool   `msgpack:"poll_messages"`
	SendMessages bool   `msgpack:"send_messages"`
}

// RootPermissions returns every global permission, the root user's grants.
func RootPermissions() *Permissions {
	return &Permissions{Global: GlobalPermissions{
		ManageServers: true, ReadServers: true, ManageUsers: true, ReadUsers: true,
		ManageStreams: true, ReadStreams: true, ManageTopics: true, ReadTopics: true,
		PollMessages: true, SendMessages: true,
	}}
}

// NormalizePermissions returns a deep copy of p with streams and topics sorted
// by id; when an id repeats, the last occurrence wins (the wire format allows
// repeats; Iggy decodes into a map). nil stays nil.
func NormalizePermissions(p *Permissions) *Permissions {
	if p == nil {
		return nil
	}
	out := &Permissions{Global: p.Global}
	for _, s := range p.Streams {
		s.Topics = normalizeTopics(s.Topics)
		i, found := slices.BinarySearchFunc(out.Streams, s.StreamID, func(x StreamPermissions, id uint32) int { return cmp.Compare(x.StreamID, id) })
		if found {
			out.Streams[i] = s
		} else {
			out.Streams = slices.Insert(out.Streams, i, s)
		}
	}
	return out
}

func normalizeTopics(in []TopicPermissions) []TopicPermissions {
	var out []TopicPermissions
	for _, t := range in {
		i, found := slices.BinarySearchFunc(out, t.TopicID, func(x TopicPermissions, id uint32) int { return cmp.Compare(x.TopicID, id) })
		if found {
			out[i] = t
		} else {
			out = slices.Insert(out, i, t)
		}
	}
	return out
}

func (p *Permissions) stream(id uint32) *StreamPermissions {
	if p == nil {
		return nil
	}
	i, found := slices.BinarySearchFunc(p.Streams, id, func(x StreamPermissions, id uint32) int { return cmp.Compare(x.StreamID, id) })
	if !found {
		return nil
	}
	return &p.Streams[i]
}

func (s *StreamPermissions) topic(id uint32) *TopicPermissions {
	if s == nil {
		return nil
	}
	i, found := slices.BinarySearchFunc(s.Topics, id, func(x TopicPermissions, id uint32) int { return cmp.Compare(x.TopicID, id) })
	if !found {
		return nil
	}
	return &s.Topics[i]
}

// The rules below are Iggy 0.8.0's (core/server/src/metadata/reader.rs,
// perm_*), restated. A user without permissions (nil) may do nothing that
// needs one. Stream-level grants cover every topic of the stream.

func (p *Permissions) readServers() bool {
	return p != nil && (p.Global.ManageServers || p.Global.ReadServers)
}

func (p *Permissions) manageUsers() bool { return p != nil && p.Global.ManageUsers }

func (p *Permissions) readUsers() bool {
	return p != nil && (p.Global.ManageUsers || p.Global.ReadUsers)
}

func (p *Permissions) readStreams() bool {
	return p != nil && (p.Global.ManageStreams || p.Global.ReadStreams)
}

func (p *Permissions) createStream() bool { return p != nil && p.Global.ManageStreams }

func (p *Permissions) getStream(stream uint32) bool {
	if p.readStreams() {
		return true
	}
	s := p.stream(stream)
	return s != nil && (s.ManageStream || s.ReadStream)
}

func (p *Permissions) manageStream(stream uint32) bool {
	if p == nil {
		return false
	}
	if p.Global.ManageStreams {
		return true
	}
	s := p.stream(stream)
	return s != nil && s.ManageStream
}

func (p *Permissions) getTopics(stream uint32) bool {
	if p == nil {
		return false
	}
	g := p.Global
	if g.ReadStreams || g.ManageStreams || g.ManageTopics || g.ReadTopics {
		return true
	}
	s := p.stream(stream)
	return s != nil && (s.ManageStream || s.ReadStream || s.ManageTopics || s.ReadTopics)
}

func (p *Permissions) getTopic(stream, topic uint32) bool {
	if p.getTopics(stream) {
		return true
	}
	t := p.stream(stream).topic(topic)
	return t != nil && (t.ManageTopic || t.ReadTopic)
}

func (p *Permissions) createTopic(stream uint32) bool {
	if p == nil {
		return false
	}
	if p.Global.ManageStreams || p.Global.ManageTopics {
		return true
	}
	s := p.stream(stream)
	return s != nil && (s.ManageStream || s.ManageTopics)
}

func (p *Permissions) manageTopic(stream, topic uint32) bool {
	if p.createTopic(stream) {
		return true
	}
	t := p.stream(stream).topic(topic)
	return t != nil && t.ManageTopic
}

func (p *Permissions) poll(stream, topic uint32) bool {
	if p == nil {
		return false
	}
	g := p.Global
	if g.PollMessages || g.ReadTopics || g.ManageTopics || g.ReadStreams || g.ManageStreams {
		return true
	}
	s := p.stream(stream)
	if s == nil {
		return false
	}
	if s.ManageStream || s.ReadStream || s.ManageTopics || s.ReadTopics || s.PollMessages {
		return true
	}
	t := s.topic(topic)
	return t != nil && (t.ManageTopic || t.ReadTopic || t.PollMessages)
}

func (p *Permissions) send(stream, topic uint32) bool {
	if p == nil {
		return false
	}
	g := p.Global
	if g.SendMessages || g.ManageStreams || g.ManageTopics {
		return true
	}
	s := p.stream(stream)
	if s == nil {
		return false
	}
	if s.ManageStream || s.ManageTopics || s.SendMessages {
		return true
	}
	t := s.topic(topic)
	return t != nil && (t.ManageTopic || t.SendMessages)
}

// Permitted reports whether user may run the command code on the given
// resolved stream and topic ids, by Iggy 0.8.0's rules. stream and topic are
// nil for commands that do not address one; a command that needs an id it was
// not given is refused. The result depends only on the user's grants, not on
// whether the stream or topic exists: resolve first (Iggy answers NotFound
// before Unauthorized).
//
// Commands that need only a session (Ping, logins, Logout, GetMe,
// GetClusterMetadata, GetSnapshot and the caller's own PATs) are always
// permitted; use SessionValid to refuse sessions of deleted or inactive users.
// GetUser of oneself and ChangePassword of one's own password are allowed by
// Iggy without read_users/manage_users: use PermittedOnUser for those. An
// unknown user or code is refused.
func (st *State) Permitted(user uint32, code protocol.Code, stream, topic *uint32) bool {
	switch code {
	case protocol.CodePing, protocol.CodeLoginUser, protocol.CodeLoginWithPersonalAccessToken:
		return true
	}
	u := st.User(user)
	if u == nil {
		return false
	}
	p := u.Permissions
	switch code {
	case protocol.CodeGetSnapshot, protocol.CodeGetClusterMetadata, protocol.CodeGetMe, protocol.CodeLogoutUser,
		protocol.CodeGetPersonalAccessTokens, protocol.CodeCreatePersonalAccessToken, protocol.CodeDeletePersonalAccessToken:
		return true
	case protocol.CodeGetStats, protocol.CodeGetClient, protocol.CodeGetClients:
		return p.readServers()
	case protocol.CodeGetUser, protocol.CodeGetUsers:
		return p.readUsers()
	case protocol.CodeCreateUser, protocol.CodeDeleteUser, protocol.CodeUpdateUser, protocol.CodeUpdatePermissions, protocol.CodeChangePassword:
		return p.manageUsers()
	case protocol.CodeGetStreams:
		return p.readStreams()
	case protocol.CodeCreateStream:
		return p.createStream()
	}
	if stream == nil {
		return false
	}
	s := *stream
	switch code {
	case protocol.CodeGetStream:
		return p.getStream(s)
	case protocol.CodeDeleteStream, protocol.CodeUpdateStream, protocol.CodePurgeStream:
		return p.manageStream(s)
	case protocol.CodeGetTopics:
		return p.getTopics(s)
	case protocol.CodeCreateTopic:
		return p.createTopic(s)
	}
	if topic == nil {
		return false
	}
	t := *topic
	switch code {
	case protocol.CodeGetTopic, protocol.CodeGetConsumerGroup, protocol.CodeGetConsumerGroups, protocol.CodeCreateConsumerGroup,
		protocol.CodeDeleteConsumerGroup, protocol.CodeJoinConsumerGroup, protocol.CodeLeaveConsumerGroup:
		return p.getTopic(s, t)
	case protocol.CodeDeleteTopic, protocol.CodeUpdateTopic, protocol.CodePurgeTopic, protocol.CodeCreatePartitions,
		protocol.CodeDeletePartitions, protocol.CodeDeleteSegments:
		return p.manageTopic(s, t)
	case protocol.CodePollMessages, protocol.CodeGetConsumerOffset, protocol.CodeStoreConsumerOffset, protocol.CodeDeleteConsumerOffset:
		return p.poll(s, t)
	case protocol.CodeSendMessages, protocol.CodeFlushUnsavedBuffer:
		return p.send(s, t)
	}
	return false
}

// PermittedOnUser reports whether actor may run GetUser or ChangePassword on
// target: always on oneself, otherwise by Permitted. Other codes defer to
// Permitted.
func (st *State) PermittedOnUser(actor uint32, code protocol.Code, target uint32) bool {
	if (code == protocol.CodeGetUser || code == protocol.CodeChangePassword) && actor == target && st.User(actor) != nil {
		return true
	}
	return st.Permitted(actor, code, nil, nil)
}

// SessionValid reports whether a session of user may keep running commands:
// the user exists and is active. Shards call it per request so that deleting
// or deactivating a user cuts its open sessions.
func (st *State) SessionValid(user uint32) bool {
	u := st.User(user)
	return u != nil && u.Status == UserActive
}
