// SPDX-License-Identifier: Apache-2.0

package itest

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"riffle/internal/protocol"
)

// mdState is the metadata a client can see, flattened to key → fields:
//
//	stream/<name>               id=<id>
//	topic/<stream id>/<name>    id=<id>,parts=<n>,expiry=<µs>
//	group/<sid>/<tid>/<name>    id=<id>,parts=<n>
//	user/<name>                 id=<id>,status=<s>
//	pat/<name>                  pat
//
// Children are keyed by their parents' ids, which renames keep. A field
// value "*" in an expected state matches any observed value (an id the
// server chose for a command whose reply was lost).
type mdState map[string]string

func fieldsOf(v string) map[string]string {
	out := map[string]string{}
	for _, kv := range strings.Split(v, ",") {
		k, val, _ := strings.Cut(kv, "=")
		out[k] = val
	}
	return out
}

func field(v, name string) string { return fieldsOf(v)[name] }

// withField returns v with one field replaced.
func withField(v, name, val string) string {
	parts := strings.Split(v, ",")
	for i, kv := range parts {
		if k, _, _ := strings.Cut(kv, "="); k == name {
			parts[i] = name + "=" + val
		}
	}
	return strings.Join(parts, ",")
}

// matches reports whether observed fits expected (with "*" wildcards), and
// lists the keys that differ.
func (expected mdState) matches(observed mdState) (bool, []string) {
	var diff []string
	for k, ev := range expected {
		ov, ok := observed[k]
		if !ok {
			diff = append(diff, "missing "+k+" {"+ev+"}")
			continue
		}
		ef, of := fieldsOf(ev), fieldsOf(ov)
		for name, want := range ef {
			if want != "*" && of[name] != want {
				diff = append(diff, fmt.Sprintf("%s: got {%s}, want {%s}", k, ov, ev))
				break
			}
		}
	}
	for k, ov := range observed {
		if _, ok := expected[k]; !ok {
			diff = append(diff, "unexpected "+k+" {"+ov+"}")
		}
	}
	slices.Sort(diff)
	return len(diff) == 0, diff
}

// keysWith returns the sorted keys with the prefix.
func (m mdState) keysWith(prefix string) []string {
	var out []string
	for k := range m {
		if strings.HasPrefix(k, prefix) {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

// setGroupParts makes every group of topic (sid, tid) report parts.
func (m mdState) setGroupParts(sid, tid string, parts int) {
	for _, k := range m.keysWith("group/" + sid + "/" + tid + "/") {
		m[k] = withField(m[k], "parts", strconv.Itoa(parts))
	}
}

// mdOp is one metadata command of the workload. apply changes a state as
// the command does once acknowledged; reply is its OK payload, or nil when
// the reply was lost (server-chosen ids become "*").
type mdOp struct {
	desc  string
	req   protocol.Request
	apply func(m mdState, reply []byte) error
}

// mdModel is the acknowledged metadata, shared by the workload clients.
// Each client works in its own part (streams or users), so the order of
// acknowledgements between clients does not matter.
type mdModel struct {
	mu    sync.Mutex
	st    mdState
	names int
}

func (m *mdModel) fresh(prefix string) string {
	m.names++
	return fmt.Sprintf("%s%d", prefix, m.names)
}

func pick[T any](rng *rand.Rand, s []T) T { return s[rng.IntN(len(s))] }

func replyID(reply []byte, decode func([]byte) (uint32, error)) (string, error) {
	if reply == nil {
		return "*", nil
	}
	id, err := decode(reply)
	if err != nil {
		return "", err
	}
	return strconv.FormatUint(uint64(id), 10), nil
}

// nextStreamOp chooses a stream, topic, partition or group command that is
// valid in the current model. Called with m.mu held.
func (m *mdModel) nextStreamOp(rng *rand.Rand) mdOp {
	st := m.st
	streams := st.keysWith("stream/")
	topics, groups := st.keysWith("topic/"), st.keysWith("group/")
	sidOf := func(streamKey string) string { return field(st[streamKey], "id") }
	numID := func(sid string) protocol.Identifier {
		n, _ := strconv.ParseUint(sid, 10, 32)
		return protocol.NumericID(uint32(n))
	}
	splitTopic := func(k string) (sid, name string) { p := strings.SplitN(k, "/", 3); return p[1], p[2] }

	for {
		switch r := rng.IntN(10); {
		case r == 0 && len(streams) < 5 || len(streams) == 0:
			name := m.fresh("stream-")
			return mdOp{desc: "create stream " + name, req: &protocol.CreateStream{Name: name},
				apply: func(s mdState, reply []byte) error {
					id, err := replyID(reply, func(b []byte) (uint32, error) { var i protocol.StreamInfo; return i.ID, i.Decode(b) })
					s["stream/"+name] = "id=" + id
					return err
				}}
		case r == 1:
			old := pick(rng, streams)
			name := m.fresh("stream-")
			return mdOp{desc: "rename " + old + " to " + name, req: &protocol.UpdateStream{Stream: protocol.NamedID(strings.TrimPrefix(old, "stream/")), Name: name},
				apply: func(s mdState, _ []byte) error { s["stream/"+name] = s[old]; delete(s, old); return nil }}
		case r == 2 && len(streams) > 2:
			old := pick(rng, streams)
			sid := sidOf(old)
			return mdOp{desc: "delete " + old, req: &protocol.DeleteStream{Stream: protocol.NamedID(strings.TrimPrefix(old, "stream/"))},
				apply: func(s mdState, _ []byte) error {
					delete(s, old)
					for _, k := range append(s.keysWith("topic/"+sid+"/"), s.keysWith("group/"+sid+"/")...) {
						delete(s, k)
					}
					return nil
				}}
		case r == 3 || r == 4 && len(topics) == 0:
			sid := sidOf(pick(rng, streams))
			if len(st.keysWith("topic/"+sid+"/")) >= 4 {
				continue
			}
			name, parts := m.fresh("topic-"), 1+rng.IntN(3)
			expiry := pick(rng, []uint64{protocol.ExpiryNever, 3_600_000_000, 86_400_000_000})
			return mdOp{desc: fmt.Sprintf("create topic %s/%s with %d partitions", sid, name, parts),
				req: &protocol.CreateTopic{Stream: numID(sid), PartitionsCount: uint32(parts), CompressionAlgorithm: protocol.CompressionNone,
					MessageExpiry: expiry, Name: name},
				apply: func(s mdState, reply []byte) error {
					id, err := replyID(reply, func(b []byte) (uint32, error) { var d protocol.TopicDetails; return d.Topic.ID, d.Decode(b) })
					s["topic/"+sid+"/"+name] = fmt.Sprintf("id=%s,parts=%d,expiry=%d", id, parts, expiry)
					return err
				}}
		case len(topics) == 0:
			continue
		case r == 4:
			old := pick(rng, topics)
			sid, tname := splitTopic(old)
			name := m.fresh("topic-")
			expiry := pick(rng, []uint64{protocol.ExpiryNever, 7_200_000_000})
			return mdOp{desc: "update " + old + " to " + name,
				req: &protocol.UpdateTopic{Stream: numID(sid), Topic: protocol.NamedID(tname), CompressionAlgorithm: protocol.CompressionNone,
					MessageExpiry: expiry, Name: name},
				apply: func(s mdState, _ []byte) error {
					s["topic/"+sid+"/"+name] = withField(s[old], "expiry", strconv.FormatUint(expiry, 10))
					delete(s, old)
					return nil
				}}
		case r == 5:
			old := pick(rng, topics)
			sid, tname := splitTopic(old)
			tid := field(st[old], "id")
			return mdOp{desc: "delete " + old, req: &protocol.DeleteTopic{Stream: numID(sid), Topic: protocol.NamedID(tname)},
				apply: func(s mdState, _ []byte) error {
					delete(s, old)
					for _, k := range s.keysWith("group/" + sid + "/" + tid + "/") {
						delete(s, k)
					}
					return nil
				}}
		case r == 6:
			k := pick(rng, topics)
			sid, tname := splitTopic(k)
			parts, _ := strconv.Atoi(field(st[k], "parts"))
			if parts >= 8 {
				continue
			}
			n := 1 + rng.IntN(3)
			tid := field(st[k], "id")
			return mdOp{desc: fmt.Sprintf("add %d partitions to %s", n, k), req: &protocol.CreatePartitions{Stream: numID(sid), Topic: protocol.NamedID(tname), PartitionsCount: uint32(n)},
				apply: func(s mdState, _ []byte) error {
					s[k] = withField(s[k], "parts", strconv.Itoa(parts+n))
					s.setGroupParts(sid, tid, parts+n)
					return nil
				}}
		case r == 7:
			k := pick(rng, topics)
			sid, tname := splitTopic(k)
			parts, _ := strconv.Atoi(field(st[k], "parts"))
			if parts < 2 {
				continue
			}
			n := 1 + rng.IntN(parts-1)
			tid := field(st[k], "id")
			return mdOp{desc: fmt.Sprintf("delete %d partitions of %s", n, k), req: &protocol.DeletePartitions{Stream: numID(sid), Topic: protocol.NamedID(tname), PartitionsCount: uint32(n)},
				apply: func(s mdState, _ []byte) error {
					s[k] = withField(s[k], "parts", strconv.Itoa(parts-n))
					s.setGroupParts(sid, tid, parts-n)
					return nil
				}}
		case r == 8:
			k := pick(rng, topics)
			sid, tname := splitTopic(k)
			tid, parts := field(st[k], "id"), field(st[k], "parts")
			name := m.fresh("group-")
			return mdOp{desc: "create group " + name + " on " + k, req: &protocol.CreateConsumerGroup{Stream: numID(sid), Topic: protocol.NamedID(tname), Name: name},
				apply: func(s mdState, reply []byte) error {
					id, err := replyID(reply, func(b []byte) (uint32, error) { var g protocol.GroupInfo; return g.ID, g.Decode(b) })
					s["group/"+sid+"/"+tid+"/"+name] = "id=" + id + ",parts=" + parts
					return err
				}}
		case r == 9 && len(groups) > 0:
			k := pick(rng, groups)
			p := strings.SplitN(k, "/", 4)
			return mdOp{desc: "delete " + k, req: &protocol.DeleteConsumerGroup{Stream: numID(p[1]), Topic: numID(p[2]), Group: protocol.NamedID(p[3])},
				apply: func(s mdState, _ []byte) error { delete(s, k); return nil }}
		}
	}
}

// nextUserOp chooses a user or personal access token command valid in the
// current model (root's own entry is never touched). Called with m.mu held.
func (m *mdModel) nextUserOp(rng *rand.Rand) mdOp {
	st := m.st
	var users []string
	for _, k := range st.keysWith("user/") {
		if k != "user/iggy" {
			users = append(users, k)
		}
	}
	pats := st.keysWith("pat/")
	// Creating a user hashes its password inside the metadata authority, a
	// slow step that holds every other metadata command; keep it rare.
	for {
		switch r := rng.IntN(10); {
		case r == 0 && len(users) < 4:
			name := m.fresh("user-")
			return mdOp{desc: "create user " + name, req: &protocol.CreateUser{Username: name, Password: "secret-" + name, Status: protocol.UserActive},
				apply: func(s mdState, reply []byte) error {
					id, err := replyID(reply, func(b []byte) (uint32, error) { var d protocol.UserDetails; return d.User.ID, d.Decode(b) })
					s["user/"+name] = fmt.Sprintf("id=%s,status=%d", id, protocol.UserActive)
					return err
				}}
		case (r == 1 || r == 2) && len(users) > 0:
			old := pick(rng, users)
			name := m.fresh("user-")
			status := uint8(1 + rng.IntN(2))
			return mdOp{desc: "update " + old + " to " + name,
				req: &protocol.UpdateUser{User: protocol.NamedID(strings.TrimPrefix(old, "user/")), Username: name, HasStatus: true, Status: status},
				apply: func(s mdState, _ []byte) error {
					s["user/"+name] = withField(s[old], "status", strconv.Itoa(int(status)))
					delete(s, old)
					return nil
				}}
		case r == 3 && len(users) > 2:
			old := pick(rng, users)
			return mdOp{desc: "delete " + old, req: &protocol.DeleteUser{User: protocol.NamedID(strings.TrimPrefix(old, "user/"))},
				apply: func(s mdState, _ []byte) error { delete(s, old); return nil }}
		case r <= 6 && len(pats) < 6 || len(pats) == 0:
			name := m.fresh("token-")
			return mdOp{desc: "create token " + name, req: &protocol.CreatePersonalAccessToken{Name: name, Expiry: protocol.ExpiryNever},
				apply: func(s mdState, _ []byte) error { s["pat/"+name] = "pat"; return nil }}
		case r > 6:
			k := pick(rng, pats)
			return mdOp{desc: "delete token " + k, req: &protocol.DeletePersonalAccessToken{Name: strings.TrimPrefix(k, "pat/")},
				apply: func(s mdState, _ []byte) error { delete(s, k); return nil }}
		}
	}
}

// candidates returns every state the acknowledged model m may legally be
// in with each in-doubt command applied or not.
func candidates(m mdState, inDoubt []mdOp) []mdState {
	out := []mdState{maps.Clone(m)}
	for _, op := range inDoubt {
		n := len(out)
		for i := 0; i < n; i++ {
			applied := maps.Clone(out[i])
			if err := op.apply(applied, nil); err == nil {
				out = append(out, applied)
			}
		}
	}
	return out
}

// observe reads the server's metadata through the protocol as root. Besides
// the flattened state it returns inconsistencies within one answer (a topic
// whose partitions_count disagrees with its partition list, or whose
// partition ids are not 0..n-1).
func observe(c *rawConn) (mdState, []string, error) {
	st := mdState{}
	var broken []string
	get := func(req protocol.Request, into interface{ Decode([]byte) error }) error {
		code, p, err := c.call(uint32(req.Code()), req.AppendTo(nil))
		if err != nil {
			return err
		}
		if code != 0 {
			return fmt.Errorf("%v: status %d", req.Code(), code)
		}
		if len(p) == 0 {
			return nil
		}
		return into.Decode(p)
	}
	var streams protocol.StreamList
	if err := get(&protocol.GetStreams{}, &streams); err != nil {
		return nil, nil, err
	}
	for _, s := range streams {
		sid := strconv.FormatUint(uint64(s.ID), 10)
		st["stream/"+s.Name] = "id=" + sid
		var topics protocol.TopicList
		if err := get(&protocol.GetTopics{Stream: protocol.NumericID(s.ID)}, &topics); err != nil {
			return nil, nil, err
		}
		if len(topics) != int(s.TopicsCount) {
			broken = append(broken, fmt.Sprintf("stream %s: topics_count %d, %d topics listed", s.Name, s.TopicsCount, len(topics)))
		}
		for _, t := range topics {
			var d protocol.TopicDetails
			if err := get(&protocol.GetTopic{Stream: protocol.NumericID(s.ID), Topic: protocol.NumericID(t.ID)}, &d); err != nil {
				return nil, nil, err
			}
			key := "topic/" + sid + "/" + t.Name
			if int(d.Topic.PartitionsCount) != len(d.Partitions) || t.PartitionsCount != d.Topic.PartitionsCount {
				broken = append(broken, fmt.Sprintf("%s: partitions_count %d/%d, %d listed", key, t.PartitionsCount, d.Topic.PartitionsCount, len(d.Partitions)))
			}
			for i, p := range d.Partitions {
				if p.ID != uint32(i) {
					broken = append(broken, fmt.Sprintf("%s: partition %d has id %d", key, i, p.ID))
				}
			}
			st[key] = fmt.Sprintf("id=%d,parts=%d,expiry=%d", t.ID, len(d.Partitions), t.MessageExpiry)
			var groups protocol.GroupList
			if err := get(&protocol.GetConsumerGroups{Stream: protocol.NumericID(s.ID), Topic: protocol.NumericID(t.ID)}, &groups); err != nil {
				return nil, nil, err
			}
			for _, g := range groups {
				st[fmt.Sprintf("group/%s/%d/%s", sid, t.ID, g.Name)] = fmt.Sprintf("id=%d,parts=%d", g.ID, g.PartitionsCount)
			}
		}
	}
	var users protocol.UserList
	if err := get(&protocol.GetUsers{}, &users); err != nil {
		return nil, nil, err
	}
	for _, u := range users {
		st["user/"+u.Username] = fmt.Sprintf("id=%d,status=%d", u.ID, u.Status)
	}
	var pats protocol.PersonalAccessTokenList
	if err := get(&protocol.GetPersonalAccessTokens{}, &pats); err != nil {
		return nil, nil, err
	}
	for _, p := range pats {
		st["pat/"+p.Name] = "pat"
	}
	return st, broken, nil
}

// The kill checker accepts the acknowledged state with each in-doubt
// command wholly applied or not at all, and nothing else.
func TestKillCheckerRejectsLostAndHalfAppliedStates(t *testing.T) {
	acked := mdState{
		"stream/orders":       "id=0",
		"topic/0/events":      "id=0,parts=2,expiry=5",
		"group/0/0/readers":   "id=0,parts=2",
		"user/iggy":           "id=0,status=1",
		"pat/token-1":         "pat",
		"topic/0/audit-trail": "id=1,parts=1,expiry=5",
	}
	createTopic := mdOp{apply: func(s mdState, _ []byte) error {
		s["topic/0/new"] = "id=*,parts=3,expiry=5"
		return nil
	}}
	addPartitions := mdOp{apply: func(s mdState, _ []byte) error {
		s["topic/0/events"] = withField(s["topic/0/events"], "parts", "4")
		s.setGroupParts("0", "0", 4)
		return nil
	}}
	with := func(changes map[string]string) mdState {
		out := maps.Clone(acked)
		for k, v := range changes {
			if v == "" {
				delete(out, k)
			} else {
				out[k] = v
			}
		}
		return out
	}
	for _, tc := range []struct {
		name  string
		obs   mdState
		legal bool
	}{
		{"neither applied", with(nil), true},
		{"topic created with a server id", with(map[string]string{"topic/0/new": "id=2,parts=3,expiry=5"}), true},
		{"both applied", with(map[string]string{"topic/0/new": "id=2,parts=3,expiry=5", "topic/0/events": "id=0,parts=4,expiry=5", "group/0/0/readers": "id=0,parts=4"}), true},
		{"topic with some partitions", with(map[string]string{"topic/0/new": "id=2,parts=1,expiry=5"}), false},
		{"partitions added, group not moved", with(map[string]string{"topic/0/events": "id=0,parts=4,expiry=5"}), false},
		{"acknowledged group lost", with(map[string]string{"group/0/0/readers": ""}), false},
		{"acknowledged token lost", with(map[string]string{"pat/token-1": ""}), false},
		{"deleted stream back", with(map[string]string{"stream/old": "id=1"}), false},
		{"stream id changed", with(map[string]string{"stream/orders": "id=3"}), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			legal := false
			for _, c := range candidates(acked, []mdOp{createTopic, addPartitions}) {
				if ok, _ := c.matches(tc.obs); ok {
					legal = true
				}
			}
			if legal != tc.legal {
				t.Fatalf("legal = %v, want %v", legal, tc.legal)
			}
		})
	}
}
