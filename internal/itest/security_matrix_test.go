// SPDX-License-Identifier: Apache-2.0

package itest

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"riffle/internal/protocol"
)

// Catalogue E2, the permission matrix: users with each permission set ×
// every command × a target in the granted scope, another existing one, and a
// missing one. Each cell's answer is compared with the reference predicate
// (security_perms_test.go) and the no-leak rule: a missing resource answers
// its NotFound code (or, for getters, an empty OK) only to users whose grants
// would cover it, Unauthorized otherwise. A mutating command is also checked
// to have changed the server exactly when it was allowed.

// missKind says what a target lacks.
type missKind int

const (
	missNone missKind = iota
	missStream
	missTopic
	missGroup
	missPartition
	missUser
	missClient
	missPAT
)

// notFoundStatus is the answer a covered user gets from a command that is not
// a getter when the target is missing.
var notFoundStatus = map[missKind]protocol.Status{
	missStream:    protocol.StatusStreamIDNotFound,
	missTopic:     protocol.StatusTopicIDNotFound,
	missGroup:     protocol.StatusConsumerGroupIDNotFound,
	missPartition: protocol.StatusPartitionNotFound,
	missUser:      protocol.StatusResourceNotFound,
	missPAT:       protocol.StatusResourceNotFound,
}

// target is what one cell addresses. sid and tid are the ids the predicate is
// asked about: noGrant where the command names no stream or topic, or where
// it does not exist, so the predicate then answers whether the user's grants
// cover it anyway.
type target struct {
	name      string
	stream    protocol.Identifier
	topic     protocol.Identifier
	sid, tid  uint32
	miss      missKind
	partition uint32
	group     bool // a missing group instead of the command's group
	user      protocol.Identifier
	self      bool // the user addresses itself (GetUser, ChangePassword)
	client    uint32
	pat       string
}

// matrixEnv is one user's session and world: its own streams A and B with
// topics x and y, each with groups g and d and one message in partition 0,
// and a victim user for the user commands: its own when it may manage users,
// else the victim every such user shares (password hashing is what makes
// the matrix slow).
type matrixEnv struct {
	t          testing.TB
	s          *Server
	root       *secConn
	conn       *secConn
	user       string
	pass       string
	perms      *protocol.Permissions
	self       uint32
	clientID   uint32
	a, b       uint32
	ax, ay     uint32
	bx, by     uint32
	victim     uint32
	victimName string
	victimPass string
	shared     bool // the victim is the shared one
	n          int  // cell number, for unique names
}

var num = protocol.NumericID

func (e *matrixEnv) noTarget() []target { return []target{{name: "-", sid: noGrant, tid: noGrant}} }

func (e *matrixEnv) streamTargets() []target {
	return []target{
		{name: "A", stream: num(e.a), sid: e.a, tid: noGrant},
		{name: "B", stream: num(e.b), sid: e.b, tid: noGrant},
		{name: "missing", stream: protocol.NamedID("no-such-stream"), sid: noGrant, tid: noGrant, miss: missStream},
	}
}

func (e *matrixEnv) topicTargets() []target {
	return []target{
		{name: "A/x", stream: num(e.a), topic: num(e.ax), sid: e.a, tid: e.ax},
		{name: "A/y", stream: num(e.a), topic: num(e.ay), sid: e.a, tid: e.ay},
		{name: "B/x", stream: num(e.b), topic: num(e.bx), sid: e.b, tid: e.bx},
		{name: "A/missing", stream: num(e.a), topic: protocol.NamedID("no-such-topic"), sid: e.a, tid: noGrant, miss: missTopic},
		{name: "missing/x", stream: num(4_000_000), topic: num(e.ax), sid: noGrant, tid: noGrant, miss: missStream},
	}
}

func (e *matrixEnv) groupTargets() []target {
	return append(e.topicTargets(), target{name: "A/x/missing-group", stream: num(e.a), topic: num(e.ax), sid: e.a, tid: e.ax, miss: missGroup, group: true})
}

func (e *matrixEnv) partitionTargets() []target {
	return append(e.topicTargets(), target{name: "A/x#9", stream: num(e.a), topic: num(e.ax), sid: e.a, tid: e.ax, miss: missPartition, partition: 9})
}

// sharedVictim is the user that users who may not manage users address in
// the user commands; the matrix test checks at the end that it is unchanged.
const sharedVictim, sharedVictimPass = "victim-shared", "pw-victim-shared"

func userTargets(self bool) func(*matrixEnv) []target {
	return func(e *matrixEnv) []target {
		out := []target{
			{name: "other", user: num(e.victim), sid: noGrant, tid: noGrant},
			{name: "missing", user: protocol.NamedID("no-such-user"), sid: noGrant, tid: noGrant, miss: missUser},
		}
		if self {
			out = append(out, target{name: "self", user: num(e.self), sid: noGrant, tid: noGrant, self: true})
		}
		return out
	}
}

// groupID is the command's group, or a missing one for a missing-group target.
func groupID(tg target, name string) protocol.Identifier {
	if tg.group {
		return protocol.NamedID("no-such-group")
	}
	return protocol.NamedID(name)
}

// matrixCmd is one command of the matrix.
type matrixCmd struct {
	code    protocol.Code
	targets func(e *matrixEnv) []target
	payload func(e *matrixEnv, tg target) []byte
	// getter: a covered user asking for a missing target gets an empty OK,
	// and an allowed one asking for an existing target a non-empty answer
	// (unless anyBody).
	getter  bool
	anyBody bool
	// setup runs as root before the command, for an existing target.
	setup func(e *matrixEnv, tg target)
	// probe reads what the command would change (nil: nothing visible); it
	// runs before and after the command for an existing target.
	probe func(e *matrixEnv, tg target, after bool) string
	// done runs after an OK answer (bookkeeping such as a new password).
	done func(e *matrixEnv, tg target)
}

// expect returns the status a cell should answer, and whether its payload
// must be empty (-1), non-empty (1) or either (0).
func (c *matrixCmd) expect(e *matrixEnv, tg target) (protocol.Status, int) {
	allowed := tg.self || refAllowed(e.perms, c.code, tg.sid, tg.tid)
	switch {
	case !allowed:
		return protocol.StatusUnauthorized, 0
	case tg.miss == missNone && c.getter && !c.anyBody:
		return protocol.StatusOK, 1
	case tg.miss == missNone:
		return protocol.StatusOK, 0
	case c.getter:
		return protocol.StatusOK, -1
	}
	return notFoundStatus[tg.miss], 0
}

// matrixExcluded are the commands the matrix does not run, with the reason;
// every other code of protocol.Codes() must be in matrixCmds.
var matrixExcluded = map[protocol.Code]string{
	protocol.CodeLoginUser:                    "session command: see the gating and credential tests",
	protocol.CodeLogoutUser:                   "session command: see the gating and credential tests",
	protocol.CodeLoginWithPersonalAccessToken: "session command: see the gating and credential tests",
}

// matrixTally collects the matrix's cells, answers and violations; users
// run in parallel.
type matrixTally struct {
	mu         sync.Mutex
	cells      int
	byWant     map[string]int // cells by expected answer
	effects    int            // cells whose effect on the server was checked
	violations []string
	got        map[string]protocol.Status // "user code target" → status
}

func (m *matrixTally) violate(format string, args ...any) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.violations = append(m.violations, fmt.Sprintf(format, args...))
}

// run runs every cell of c for e's user.
func (m *matrixTally) run(e *matrixEnv, c *matrixCmd) {
	e.t.Helper()
	for _, tg := range c.targets(e) {
		e.n++
		want, body := c.expect(e, tg)
		var before string
		if tg.miss == missNone {
			if c.setup != nil {
				c.setup(e, tg)
			}
			if c.probe != nil {
				before = c.probe(e, tg, false)
			}
		}
		st, payload := e.conn.raw(c.code, c.payload(e, tg))
		cell := fmt.Sprintf("%s %v %s", e.user, c.code, tg.name)
		m.mu.Lock()
		m.cells++
		m.byWant[wantClass(tg, want)]++
		if tg.miss == missNone && c.probe != nil {
			m.effects++
		}
		m.got[cell] = st
		m.mu.Unlock()
		if st != want {
			m.violate("%s: status %d %v, want %d %v", cell, uint32(st), st, uint32(want), want)
		} else if body < 0 && len(payload) != 0 {
			m.violate("%s: %d payload bytes, want an empty OK", cell, len(payload))
		} else if body > 0 && len(payload) == 0 {
			m.violate("%s: empty OK, want an answer", cell)
		}
		if st == protocol.StatusOK && c.done != nil {
			c.done(e, tg)
		}
		if tg.miss == missNone && c.probe != nil {
			after := c.probe(e, tg, true)
			changed := after != before
			if wantChange := want == protocol.StatusOK; changed != wantChange {
				m.violate("%s: changed the server %v, want %v (before %q, after %q)", cell, changed, wantChange, before, after)
			}
		}
	}
}

// wantClass names the kind of answer a cell expects, for the summary.
func wantClass(tg target, want protocol.Status) string {
	switch {
	case want == protocol.StatusUnauthorized && tg.miss != missNone:
		return "missing-hidden"
	case want == protocol.StatusUnauthorized:
		return "denied"
	case tg.miss != missNone:
		return "missing-reported"
	}
	return "allowed"
}

// newMatrixEnv creates user u's world and session; shared is the id of the
// shared victim.
func newMatrixEnv(t testing.TB, s *Server, u matrixUser, shared uint32) *matrixEnv {
	t.Helper()
	root := s.secLogin(t, "iggy", "iggy")
	e := &matrixEnv{t: t, s: s, root: root, user: u.name, pass: "pw-" + u.name}
	createStream := func(name string) uint32 {
		var info protocol.StreamInfo
		if err := info.Decode(root.ok(&protocol.CreateStream{Name: name})); err != nil {
			t.Fatalf("decode stream: %v", err)
		}
		return info.ID
	}
	createTopic := func(stream uint32, name string) uint32 {
		var d protocol.TopicDetails
		body := root.ok(&protocol.CreateTopic{Stream: num(stream), PartitionsCount: 3, CompressionAlgorithm: protocol.CompressionNone, Name: name})
		if err := d.Decode(body); err != nil {
			t.Fatalf("decode topic: %v", err)
		}
		for _, g := range []string{"g", "d"} {
			root.ok(&protocol.CreateConsumerGroup{Stream: num(stream), Topic: num(d.Topic.ID), Name: g})
		}
		if st := root.send(num(stream), num(d.Topic.ID), 0, "fixture"); st != protocol.StatusOK {
			t.Fatalf("send to %d/%d: %v", stream, d.Topic.ID, st)
		}
		return d.Topic.ID
	}
	e.a, e.b = createStream(u.name+"-A"), createStream(u.name+"-B")
	e.ax, e.ay = createTopic(e.a, "x"), createTopic(e.a, "y")
	e.bx, e.by = createTopic(e.b, "x"), createTopic(e.b, "y")
	e.perms = u.grant(e.a, e.ax)
	e.victim, e.victimName, e.victimPass, e.shared = shared, sharedVictim, sharedVictimPass, true
	if refAllowed(e.perms, protocol.CodeChangePassword, noGrant, noGrant) {
		e.victimName, e.victimPass, e.shared = "victim-"+u.name, "pw-victim-"+u.name, false
		e.victim = root.createUser(e.victimName, e.victimPass, nil)
	}
	e.self = root.createUser("mx-"+u.name, e.pass, e.perms)
	e.conn = s.secLogin(t, "mx-"+u.name, e.pass)
	e.clientID = e.conn.clientID()
	return e
}

func TestPermissionMatrixMatchesReferenceWithoutLeaks(t *testing.T) {
	cmds := matrixCmds()
	covered := map[protocol.Code]bool{}
	for _, c := range cmds {
		covered[c.code] = true
	}
	for _, code := range protocol.Codes() {
		_, excluded := matrixExcluded[code]
		if covered[code] == excluded {
			t.Errorf("command %v (%d): in the matrix %v, excluded %v; want exactly one", code, code, covered[code], excluded)
		}
	}
	if t.Failed() {
		t.FailNow()
	}

	s := Start(t, Options{Shards: 2})
	root := s.secLogin(t, "iggy", "iggy")
	victim := root.createUser(sharedVictim, sharedVictimPass, nil)
	before := probeUser(&matrixEnv{root: root}, target{user: num(victim)}, false)
	m := &matrixTally{got: map[string]protocol.Status{}, byWant: map[string]int{}}
	t.Run("users", func(t *testing.T) {
		for _, u := range matrixUsers() {
			t.Run(u.name, func(t *testing.T) {
				t.Parallel()
				e := newMatrixEnv(t, s, u, victim)
				for i := range cmds {
					m.run(e, &cmds[i])
				}
			})
		}
	})
	checkInheritance(m)
	// Denied user commands left the shared victim as it was, password included.
	if after := probeUser(&matrixEnv{root: root}, target{user: num(victim)}, true); after != before {
		m.violate("shared victim changed: before %q, after %q", before, after)
	}
	if st := s.secDial(t).login(sharedVictim, sharedVictimPass); st != protocol.StatusOK {
		m.violate("shared victim's password changed: login %v", st)
	}
	t.Logf("cells %d, violations %d", m.cells, len(m.violations))
	t.Logf("expected answers: %v; effect checks %d", m.byWant, m.effects)
	if n := len(m.violations); n > 0 {
		if n > 40 {
			m.violations = m.violations[:40]
		}
		t.Errorf("%d violations; the first:\n%s", n, strings.Join(m.violations, "\n"))
	}
}

// checkInheritance states the rules of catalogue E2 directly on the answers
// the server gave, so they hold even if the reference predicate were wrong:
// "manage" implies "read", stream grants apply to every topic of the stream,
// topic grants to one topic only.
func checkInheritance(m *matrixTally) {
	ok, denied := protocol.StatusOK, protocol.StatusUnauthorized
	for _, c := range []struct {
		cell string
		want protocol.Status
	}{
		{"g-manage-servers GetStats -", ok},
		{"g-manage-servers GetClients -", ok},
		{"g-manage-users GetUsers -", ok},
		{"g-manage-users GetUser other", ok},
		{"g-manage-streams GetStreams -", ok},
		{"g-manage-streams GetStream B", ok},
		{"g-manage-topics GetTopics B", ok},
		{"g-manage-topics GetTopic B/x", ok},
		{"s-manage-stream GetStream A", ok},
		{"s-manage-stream GetStream B", denied},
		{"s-manage-topics GetTopics A", ok},
		{"s-manage-topics GetTopic A/y", ok},
		{"t-manage-topic GetTopic A/x", ok},
		{"t-manage-topic GetTopic A/y", denied},
		{"s-send-messages SendMessages A/x", ok},
		{"s-send-messages SendMessages A/y", ok},
		{"s-send-messages SendMessages B/x", denied},
		{"s-poll-messages PollMessages A/y", ok},
		{"s-read-topics GetTopic A/y", ok},
		{"t-send-messages SendMessages A/x", ok},
		{"t-send-messages SendMessages A/y", denied},
		{"t-poll-messages PollMessages A/y", denied},
		{"union SendMessages A/x", ok},
		{"union SendMessages A/y", denied},
		{"union PollMessages B/x", ok},
		{"g-read-streams CreateTopic A", denied},
	} {
		got, ran := m.got[c.cell]
		if !ran {
			m.violate("%s: cell did not run", c.cell)
		} else if got != c.want {
			m.violate("%s: status %v, want %v (inheritance rule)", c.cell, got, c.want)
		}
	}
}
