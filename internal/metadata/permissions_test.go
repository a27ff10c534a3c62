// SPDX-License-Identifier: Apache-2.0

package metadata_test

import (
	"fmt"
	"slices"
	"testing"

	"riffle/internal/metadata"
	"riffle/internal/protocol"
)

// Permission classes: every command code falls in exactly one.
type permClass int

const (
	classUngated permClass = iota
	classServerRead
	classUserRead
	classUserManage
	classGetStreams
	classCreateStream
	classGetStream
	classManageStream
	classGetTopics
	classCreateTopic
	classTopicRead
	classTopicManage
	classPoll
	classSend
)

var commandClass = map[protocol.Code]permClass{
	protocol.CodePing: classUngated, protocol.CodeLoginUser: classUngated, protocol.CodeLoginWithPersonalAccessToken: classUngated,
	protocol.CodeGetSnapshot: classUngated, protocol.CodeGetClusterMetadata: classUngated, protocol.CodeGetMe: classUngated,
	protocol.CodeLogoutUser: classUngated, protocol.CodeGetPersonalAccessTokens: classUngated,
	protocol.CodeCreatePersonalAccessToken: classUngated, protocol.CodeDeletePersonalAccessToken: classUngated,
	protocol.CodeGetStats: classServerRead, protocol.CodeGetClient: classServerRead, protocol.CodeGetClients: classServerRead,
	protocol.CodeGetUser: classUserRead, protocol.CodeGetUsers: classUserRead,
	protocol.CodeCreateUser: classUserManage, protocol.CodeDeleteUser: classUserManage, protocol.CodeUpdateUser: classUserManage,
	protocol.CodeUpdatePermissions: classUserManage, protocol.CodeChangePassword: classUserManage,
	protocol.CodeGetStreams: classGetStreams, protocol.CodeCreateStream: classCreateStream,
	protocol.CodeGetStream: classGetStream, protocol.CodeDeleteStream: classManageStream,
	protocol.CodeUpdateStream: classManageStream, protocol.CodePurgeStream: classManageStream,
	protocol.CodeGetTopics: classGetTopics, protocol.CodeCreateTopic: classCreateTopic,
	protocol.CodeGetTopic: classTopicRead, protocol.CodeGetConsumerGroup: classTopicRead,
	protocol.CodeGetConsumerGroups: classTopicRead, protocol.CodeCreateConsumerGroup: classTopicRead,
	protocol.CodeDeleteConsumerGroup: classTopicRead, protocol.CodeJoinConsumerGroup: classTopicRead,
	protocol.CodeLeaveConsumerGroup: classTopicRead,
	protocol.CodeDeleteTopic:        classTopicManage, protocol.CodeUpdateTopic: classTopicManage,
	protocol.CodePurgeTopic: classTopicManage, protocol.CodeCreatePartitions: classTopicManage,
	protocol.CodeDeletePartitions: classTopicManage, protocol.CodeDeleteSegments: classTopicManage,
	protocol.CodePollMessages: classPoll, protocol.CodeGetConsumerOffset: classPoll,
	protocol.CodeStoreConsumerOffset: classPoll, protocol.CodeDeleteConsumerOffset: classPoll,
	protocol.CodeSendMessages: classSend, protocol.CodeFlushUnsavedBuffer: classSend,
}

func TestEveryCommandCodeHasAPermissionClass(t *testing.T) {
	if len(protocol.Codes()) != 47 {
		t.Fatalf("%d command codes, Iggy 0.8.0 has 47", len(protocol.Codes()))
	}
	for _, c := range protocol.Codes() {
		if _, ok := commandClass[c]; !ok {
			t.Errorf("command %d is not classified", c)
		}
	}
}

type grantCase struct {
	name   string
	perms  *metadata.Permissions
	target []permClass // allowed on stream 0 / topic 0, besides classUngated
	// otherTopic: allowed on stream 0 / topic 1; otherStream: on stream 1 / topic 0.
	otherTopic, otherStream []permClass
}

func global(f func(*metadata.GlobalPermissions)) *metadata.Permissions {
	p := &metadata.Permissions{}
	f(&p.Global)
	return p
}

func onStream(f func(*metadata.StreamPermissions)) *metadata.Permissions {
	sp := metadata.StreamPermissions{StreamID: 0}
	f(&sp)
	return &metadata.Permissions{Streams: []metadata.StreamPermissions{sp}}
}

func onTopic(f func(*metadata.TopicPermissions)) *metadata.Permissions {
	tp := metadata.TopicPermissions{TopicID: 0}
	f(&tp)
	return &metadata.Permissions{Streams: []metadata.StreamPermissions{{StreamID: 0, Topics: []metadata.TopicPermissions{tp}}}}
}

func sameEverywhere(g grantCase) grantCase {
	g.otherTopic, g.otherStream = g.target, g.target
	return g
}

var (
	allStreamScoped = []permClass{classGetStream, classManageStream, classGetTopics, classCreateTopic, classTopicRead, classTopicManage, classPoll, classSend}
	readStreamScope = []permClass{classGetStream, classGetTopics, classTopicRead, classPoll}
	manageTopicsAll = []permClass{classGetTopics, classCreateTopic, classTopicRead, classTopicManage, classPoll, classSend}
	readTopicsAll   = []permClass{classGetTopics, classTopicRead, classPoll}
)

var grantCases = []grantCase{
	sameEverywhere(grantCase{name: "none"}),
	sameEverywhere(grantCase{name: "global read_servers", perms: global(func(g *metadata.GlobalPermissions) { g.ReadServers = true }), target: []permClass{classServerRead}}),
	sameEverywhere(grantCase{name: "global manage_servers", perms: global(func(g *metadata.GlobalPermissions) { g.ManageServers = true }), target: []permClass{classServerRead}}),
	sameEverywhere(grantCase{name: "global read_users", perms: global(func(g *metadata.GlobalPermissions) { g.ReadUsers = true }), target: []permClass{classUserRead}}),
	sameEverywhere(grantCase{name: "global manage_users", perms: global(func(g *metadata.GlobalPermissions) { g.ManageUsers = true }), target: []permClass{classUserRead, classUserManage}}),
	sameEverywhere(grantCase{name: "global read_streams", perms: global(func(g *metadata.GlobalPermissions) { g.ReadStreams = true }),
		target: append([]permClass{classGetStreams}, readStreamScope...)}),
	sameEverywhere(grantCase{name: "global manage_streams", perms: global(func(g *metadata.GlobalPermissions) { g.ManageStreams = true }),
		target: append([]permClass{classGetStreams, classCreateStream}, allStreamScoped...)}),
	sameEverywhere(grantCase{name: "global read_topics", perms: global(func(g *metadata.GlobalPermissions) { g.ReadTopics = true }), target: readTopicsAll}),
	sameEverywhere(grantCase{name: "global manage_topics", perms: global(func(g *metadata.GlobalPermissions) { g.ManageTopics = true }), target: manageTopicsAll}),
	sameEverywhere(grantCase{name: "global poll_messages", perms: global(func(g *metadata.GlobalPermissions) { g.PollMessages = true }), target: []permClass{classPoll}}),
	sameEverywhere(grantCase{name: "global send_messages", perms: global(func(g *metadata.GlobalPermissions) { g.SendMessages = true }), target: []permClass{classSend}}),
	{name: "stream manage_stream", perms: onStream(func(s *metadata.StreamPermissions) { s.ManageStream = true }),
		target: allStreamScoped, otherTopic: allStreamScoped},
	{name: "stream read_stream", perms: onStream(func(s *metadata.StreamPermissions) { s.ReadStream = true }),
		target: readStreamScope, otherTopic: readStreamScope},
	{name: "stream manage_topics", perms: onStream(func(s *metadata.StreamPermissions) { s.ManageTopics = true }),
		target: manageTopicsAll, otherTopic: manageTopicsAll},
	{name: "stream read_topics", perms: onStream(func(s *metadata.StreamPermissions) { s.ReadTopics = true }),
		target: readTopicsAll, otherTopic: readTopicsAll},
	{name: "stream poll_messages", perms: onStream(func(s *metadata.StreamPermissions) { s.PollMessages = true }),
		target: []permClass{classPoll}, otherTopic: []permClass{classPoll}},
	{name: "stream send_messages", perms: onStream(func(s *metadata.StreamPermissions) { s.SendMessages = true }),
		target: []permClass{classSend}, otherTopic: []permClass{classSend}},
	{name: "topic manage_topic", perms: onTopic(func(p *metadata.TopicPermissions) { p.ManageTopic = true }),
		target: []permClass{classTopicRead, classTopicManage, classPoll, classSend}},
	{name: "topic read_topic", perms: onTopic(func(p *metadata.TopicPermissions) { p.ReadTopic = true }),
		target: []permClass{classTopicRead, classPoll}},
	{name: "topic poll_messages", perms: onTopic(func(p *metadata.TopicPermissions) { p.PollMessages = true }),
		target: []permClass{classPoll}},
	{name: "topic send_messages", perms: onTopic(func(p *metadata.TopicPermissions) { p.SendMessages = true }),
		target: []permClass{classSend}},
	{name: "union of stream read and topic send", perms: &metadata.Permissions{Streams: []metadata.StreamPermissions{{
		StreamID: 0, ReadStream: true, Topics: []metadata.TopicPermissions{{TopicID: 0, SendMessages: true}}}}},
		target: append(slices.Clone(readStreamScope), classSend), otherTopic: readStreamScope},
	{name: "union of global poll and stream manage", perms: &metadata.Permissions{
		Global:  metadata.GlobalPermissions{PollMessages: true},
		Streams: []metadata.StreamPermissions{{StreamID: 0, ManageStream: true}}},
		target: allStreamScoped, otherTopic: allStreamScoped, otherStream: []permClass{classPoll}},
}

// TestPermittedMatrix checks Permitted for every grant × command × target
// (the granted stream/topic, another topic of that stream, another stream).
func TestPermittedMatrix(t *testing.T) {
	places := []struct {
		name          string
		stream, topic uint32
		pick          func(grantCase) []permClass
	}{
		{"target", 0, 0, func(g grantCase) []permClass { return g.target }},
		{"other topic", 0, 1, func(g grantCase) []permClass { return g.otherTopic }},
		{"other stream", 1, 0, func(g grantCase) []permClass { return g.otherStream }},
		{"missing stream", 7, 0, func(g grantCase) []permClass { return g.otherStream }},
	}
	for _, g := range grantCases {
		t.Run(g.name, func(t *testing.T) {
			st := fixture(t)
			r := mustCommit(t, st, 0, metadata.CreateUser{Username: "grantee", Password: "grantee", Status: 1, Permissions: g.perms}, testEnv())
			for _, pl := range places {
				allowed := append([]permClass{classUngated}, pl.pick(g)...)
				for _, code := range protocol.Codes() {
					want := slices.Contains(allowed, commandClass[code])
					if got := st.Permitted(r.UserID, code, &pl.stream, &pl.topic); got != want {
						t.Errorf("%s: command %d (class %d) permitted = %v, want %v", pl.name, code, commandClass[code], got, want)
					}
				}
			}
		})
	}
}

// TestPrepareAgreesWithPermitted runs every mutating command as each grantee
// on existing resources: Prepare refuses with 41 exactly when Permitted says
// no.
func TestPrepareAgreesWithPermitted(t *testing.T) {
	cmds := map[protocol.Code]metadata.Command{
		protocol.CodeCreateStream:              metadata.CreateStream{Name: "new"},
		protocol.CodeUpdateStream:              metadata.UpdateStream{Stream: s1, Name: "new"},
		protocol.CodeDeleteStream:              metadata.DeleteStream{Stream: s1},
		protocol.CodePurgeStream:               metadata.PurgeStream{Stream: s1},
		protocol.CodeCreateTopic:               metadata.CreateTopic{Stream: s1, Compression: 1, Name: "new"},
		protocol.CodeUpdateTopic:               metadata.UpdateTopic{Stream: s1, Topic: t1, Compression: 1, Name: "new"},
		protocol.CodeDeleteTopic:               metadata.DeleteTopic{Stream: s1, Topic: t1},
		protocol.CodePurgeTopic:                metadata.PurgeTopic{Stream: s1, Topic: t1},
		protocol.CodeCreatePartitions:          metadata.CreatePartitions{Stream: s1, Topic: t1, Count: 1},
		protocol.CodeDeletePartitions:          metadata.DeletePartitions{Stream: s1, Topic: t1, Count: 1},
		protocol.CodeCreateConsumerGroup:       metadata.CreateConsumerGroup{Stream: s1, Topic: t1, Name: "new"},
		protocol.CodeDeleteConsumerGroup:       metadata.DeleteConsumerGroup{Stream: s1, Topic: t1, Group: g1},
		protocol.CodeJoinConsumerGroup:         metadata.JoinConsumerGroup{Stream: s1, Topic: t1, Group: g1, ClientID: 1},
		protocol.CodeCreateUser:                metadata.CreateUser{Username: "newbie", Password: "newbie", Status: 1},
		protocol.CodeUpdateUser:                metadata.UpdateUser{User: alice, Status: ptr(uint8(1))},
		protocol.CodeDeleteUser:                metadata.DeleteUser{User: alice},
		protocol.CodeUpdatePermissions:         metadata.UpdatePermissions{User: alice},
		protocol.CodeChangePassword:            metadata.ChangePassword{User: alice, CurrentPassword: "alice-pw", NewPassword: "changed"},
		protocol.CodeCreatePersonalAccessToken: metadata.CreatePersonalAccessToken{Name: "token"},
	}
	for _, g := range grantCases {
		t.Run(g.name, func(t *testing.T) {
			st := fixture(t)
			r := mustCommit(t, st, 0, metadata.CreateUser{Username: "grantee", Password: "grantee", Status: 1, Permissions: g.perms}, testEnv())
			var s0, t0 uint32
			for code, cmd := range cmds {
				_, _, err := metadata.Prepare(st, r.UserID, cmd, testEnv())
				denied := statusOf(err) == 41
				if err != nil && !denied {
					t.Errorf("%T: unexpected %v", cmd, err)
				}
				if permitted := st.Permitted(r.UserID, code, &s0, &t0); denied == permitted {
					t.Errorf("%T: Prepare denied=%v but Permitted=%v", cmd, denied, permitted)
				}
			}
		})
	}
}

func TestPermittedOnUserAllowsSelf(t *testing.T) {
	st := fixture(t)
	tests := []struct {
		actor, target uint32
		code          protocol.Code
		want          bool
	}{
		{aliceID, aliceID, protocol.CodeGetUser, true},
		{aliceID, aliceID, protocol.CodeChangePassword, true},
		{aliceID, 0, protocol.CodeGetUser, false},
		{aliceID, 0, protocol.CodeChangePassword, false},
		{aliceID, aliceID, protocol.CodeDeleteUser, false},
		{0, aliceID, protocol.CodeGetUser, true},
		{42, 42, protocol.CodeGetUser, false}, // no such user
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d on %d code %d", tt.actor, tt.target, tt.code), func(t *testing.T) {
			if got := st.PermittedOnUser(tt.actor, tt.code, tt.target); got != tt.want {
				t.Fatalf("PermittedOnUser = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestPermittedRefusesUnknownUsersAndMissingIDs(t *testing.T) {
	st := fixture(t)
	s := uint32(0)
	if st.Permitted(42, protocol.CodeGetMe, nil, nil) {
		t.Error("unknown user may GetMe")
	}
	if !st.Permitted(42, protocol.CodePing, nil, nil) {
		t.Error("Ping needs no user")
	}
	if st.Permitted(0, protocol.CodeGetStream, nil, nil) {
		t.Error("GetStream without a stream id permitted")
	}
	if st.Permitted(0, protocol.CodePollMessages, &s, nil) {
		t.Error("PollMessages without a topic id permitted")
	}
	if st.Permitted(0, protocol.Code(13), &s, &s) {
		t.Error("unknown command 13 permitted")
	}
}

// TestMissingResourceIsReportedBeforeUnauthorized pins Iggy's order: a
// grantee without rights learns that a stream does not exist (E2 notes this
// existence leak; it is Iggy 0.8.0 behaviour).
func TestMissingResourceIsReportedBeforeUnauthorized(t *testing.T) {
	st := fixture(t)
	_, _, err := metadata.Prepare(st, aliceID, metadata.DeleteStream{Stream: sMissing}, testEnv())
	wantStatus(t, err, 1009)
	_, _, err = metadata.Prepare(st, aliceID, metadata.DeleteStream{Stream: s1}, testEnv())
	wantStatus(t, err, 41)
}

func TestDeletedStreamGrantsDoNotPassToReusedID(t *testing.T) {
	st := fixture(t)
	env := testEnv()
	perms := &metadata.Permissions{Streams: []metadata.StreamPermissions{{StreamID: 0, ManageStream: true,
		Topics: []metadata.TopicPermissions{{TopicID: 0, ManageTopic: true}}}, {StreamID: 1, ReadStream: true,
		Topics: []metadata.TopicPermissions{{TopicID: 0, ReadTopic: true}}}}}
	mustCommit(t, st, 0, metadata.UpdatePermissions{User: alice, Permissions: perms}, env)
	s0, s1id, t0 := uint32(0), uint32(1), uint32(0)
	if !st.Permitted(aliceID, protocol.CodeDeleteStream, &s0, nil) {
		t.Fatal("grant on stream 0 not effective")
	}
	mustCommit(t, st, 0, metadata.DeleteStream{Stream: metadata.NumericID(0)}, env)
	r := mustCommit(t, st, 0, metadata.CreateStream{Name: "reused"}, env)
	if r.StreamID != 0 {
		t.Fatalf("new stream id %d, want reused id 0", r.StreamID)
	}
	if st.Permitted(aliceID, protocol.CodeDeleteStream, &s0, nil) {
		t.Fatal("grant on the deleted stream passed to the stream that reused its id")
	}
	mustCommit(t, st, 0, metadata.CreateTopic{Stream: metadata.NumericID(1), Compression: 1, Name: "x"}, env)
	if !st.Permitted(aliceID, protocol.CodeGetTopic, &s1id, &t0) {
		t.Fatal("grant on stream 1 topic 0 lost")
	}
	mustCommit(t, st, 0, metadata.DeleteTopic{Stream: metadata.NumericID(1), Topic: metadata.NumericID(0)}, env)
	u := st.User(aliceID)
	if got := u.Permissions.Streams; len(got) != 1 || got[0].StreamID != 1 || got[0].Topics != nil || !got[0].ReadStream {
		t.Fatalf("permissions after deletes = %+v", got)
	}
}

func TestNormalizePermissionsSortsAndKeepsLastDuplicate(t *testing.T) {
	in := &metadata.Permissions{Streams: []metadata.StreamPermissions{
		{StreamID: 5, ReadStream: true},
		{StreamID: 1, Topics: []metadata.TopicPermissions{{TopicID: 9}, {TopicID: 2, ReadTopic: true}, {TopicID: 9, SendMessages: true}}},
		{StreamID: 5, ManageStream: true},
	}}
	got := metadata.NormalizePermissions(in)
	if len(got.Streams) != 2 || got.Streams[0].StreamID != 1 || got.Streams[1].StreamID != 5 {
		t.Fatalf("streams = %+v", got.Streams)
	}
	if s := got.Streams[1]; !s.ManageStream || s.ReadStream {
		t.Fatalf("stream 5 = %+v, want the last duplicate", s)
	}
	tp := got.Streams[0].Topics
	if len(tp) != 2 || tp[0].TopicID != 2 || tp[1].TopicID != 9 || !tp[1].SendMessages {
		t.Fatalf("topics = %+v", tp)
	}
	if metadata.NormalizePermissions(nil) != nil {
		t.Fatal("nil permissions did not stay nil")
	}
}
