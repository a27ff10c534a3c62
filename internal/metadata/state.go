// SPDX-License-Identifier: Apache-2.0

package metadata

import "slices"

// State is the metadata of one server: streams, topics, partitions and their
// owner shards, consumer groups (with their ephemeral members), users and
// PATs. The supervisor holds the authoritative State; every shard holds a
// replica kept equal by applying the same entries in the same order.
//
// A State is not safe for concurrent use: Apply must not run concurrently
// with anything else; readers may share it only under the caller's lock.
// Pointers returned by the accessors are owned by the State: read them, never
// modify them, and do not keep them across Apply.
type State struct {
	version uint64    // version of the last applied entry
	nextUID uint64    // next internal id; never reused
	streams []*Stream // indexed by stream id; nil = free id
	users   []*User   // indexed by user id; nil = free id

	streamIndex map[string]uint32 // name → id
	userIndex   map[string]uint32 // username → id
	tokenIndex  map[string]uint32 // PAT hash → user id
}

// NewState returns the empty state of a first start: no users (see
// BootstrapRoot), version 0.
func NewState() *State {
	st := &State{nextUID: 1}
	st.rebuildIndexes()
	return st
}

// Version is the version of the last entry applied (0 for a new state).
func (st *State) Version() uint64 { return st.version }

func (st *State) rebuildIndexes() {
	st.streamIndex = make(map[string]uint32)
	st.userIndex = make(map[string]uint32)
	st.tokenIndex = make(map[string]uint32)
	for _, s := range st.streams {
		if s == nil {
			continue
		}
		st.streamIndex[s.Name] = s.ID
		s.topicIndex = make(map[string]uint32)
		for _, t := range s.Topics {
			if t == nil {
				continue
			}
			s.topicIndex[t.Name] = t.ID
			t.groupIndex = make(map[string]uint32)
			for _, g := range t.Groups {
				if g != nil {
					t.groupIndex[g.Name] = g.ID
				}
			}
		}
	}
	for _, u := range st.users {
		if u == nil {
			continue
		}
		st.userIndex[u.Username] = u.ID
		for _, p := range u.PATs {
			st.tokenIndex[p.Hash] = u.ID
		}
	}
}

// slot returns the element at id of a slab, or nil.
func slot[T any](slab []*T, id uint32) *T {
	if uint64(id) >= uint64(len(slab)) {
		return nil
	}
	return slab[id]
}

// lowestFree returns the lowest id whose slot is free (Iggy ids are reused).
func lowestFree[T any](slab []*T) uint32 {
	for i, v := range slab {
		if v == nil {
			return uint32(i)
		}
	}
	return uint32(len(slab))
}

// put stores v at id, growing the slab.
func put[T any](slab []*T, id uint32, v *T) []*T {
	for uint64(len(slab)) <= uint64(id) {
		slab = append(slab, nil)
	}
	slab[id] = v
	return slab
}

// remove frees id and trims trailing free slots, so equal contents give equal
// encodings whatever the history.
func remove[T any](slab []*T, id uint32) []*T {
	if uint64(id) < uint64(len(slab)) {
		slab[id] = nil
	}
	for len(slab) > 0 && slab[len(slab)-1] == nil {
		slab = slab[:len(slab)-1]
	}
	return slab
}

func dense[T any](slab []*T) []*T {
	out := make([]*T, 0, len(slab))
	for _, v := range slab {
		if v != nil {
			out = append(out, v)
		}
	}
	return out
}

// Stream returns the stream with Iggy id id, or nil.
func (st *State) Stream(id uint32) *Stream { return slot(st.streams, id) }

// Streams returns every stream, sorted by id, in a new slice.
func (st *State) Streams() []*Stream { return dense(st.streams) }

// StreamByName returns the stream named exactly name, or nil.
func (st *State) StreamByName(name string) *Stream {
	id, ok := st.streamIndex[name]
	if !ok {
		return nil
	}
	return st.Stream(id)
}

// Topic returns topic t of stream s, or nil.
func (st *State) Topic(s, t uint32) *Topic {
	str := st.Stream(s)
	if str == nil {
		return nil
	}
	return slot(str.Topics, t)
}

// Topics returns the topics of stream s sorted by id (nil if there is no such
// stream), in a new slice.
func (st *State) Topics(s uint32) []*Topic {
	str := st.Stream(s)
	if str == nil {
		return nil
	}
	return dense(str.Topics)
}

// Partition returns partition p of topic t of stream s, or nil.
func (st *State) Partition(s, t, p uint32) *Partition {
	top := st.Topic(s, t)
	if top == nil || uint64(p) >= uint64(len(top.Partitions)) {
		return nil
	}
	return &top.Partitions[p]
}

// PartitionOwner returns the shard owning partition p of topic t of stream s.
func (st *State) PartitionOwner(s, t, p uint32) (shard uint32, ok bool) {
	part := st.Partition(s, t, p)
	if part == nil {
		return 0, false
	}
	return part.Shard, true
}

// Group returns consumer group g of topic t of stream s, or nil.
func (st *State) Group(s, t, g uint32) *Group {
	top := st.Topic(s, t)
	if top == nil {
		return nil
	}
	return slot(top.Groups, g)
}

// Groups returns the consumer groups of topic t of stream s sorted by id, in a
// new slice.
func (st *State) Groups(s, t uint32) []*Group {
	top := st.Topic(s, t)
	if top == nil {
		return nil
	}
	return dense(top.Groups)
}

// User returns the user with id id, or nil.
func (st *State) User(id uint32) *User { return slot(st.users, id) }

// Users returns every user sorted by id, in a new slice.
func (st *State) Users() []*User { return dense(st.users) }

// UserByName returns the user named exactly username, or nil.
func (st *State) UserByName(username string) *User {
	id, ok := st.userIndex[username]
	if !ok {
		return nil
	}
	return st.User(id)
}

// PATs returns the personal access tokens of user sorted by name, in a new
// slice (nil for an unknown user).
func (st *State) PATs(user uint32) []PAT {
	u := st.User(user)
	if u == nil {
		return nil
	}
	return slices.Clone(u.PATs)
}

// PATByHash returns the token whose BLAKE3 hex digest is hash and its user.
func (st *State) PATByHash(hash string) (PAT, uint32, bool) {
	id, ok := st.tokenIndex[hash]
	if !ok {
		return PAT{}, 0, false
	}
	for _, p := range st.User(id).PATs {
		if p.Hash == hash {
			return p, id, true
		}
	}
	return PAT{}, 0, false
}

// ResolveStream resolves a client's stream identifier: ErrStreamNotFound for
// an unknown id or name.
func (st *State) ResolveStream(id Identifier) (uint32, error) {
	if id.IsName {
		if s := st.StreamByName(id.Name); s != nil {
			return s.ID, nil
		}
	} else if st.Stream(id.ID) != nil {
		return id.ID, nil
	}
	return 0, ErrStreamNotFound
}

// ResolveTopic resolves stream then topic: ErrStreamNotFound or
// ErrTopicNotFound.
func (st *State) ResolveTopic(stream, topic Identifier) (s, t uint32, err error) {
	s, err = st.ResolveStream(stream)
	if err != nil {
		return 0, 0, err
	}
	str := st.Stream(s)
	if topic.IsName {
		if id, ok := str.topicIndex[topic.Name]; ok {
			return s, id, nil
		}
	} else if slot(str.Topics, topic.ID) != nil {
		return s, topic.ID, nil
	}
	return 0, 0, ErrTopicNotFound
}

// ResolveGroup resolves stream, topic then group: ErrStreamNotFound,
// ErrTopicNotFound or ErrGroupNotFound.
func (st *State) ResolveGroup(stream, topic, group Identifier) (s, t, g uint32, err error) {
	s, t, err = st.ResolveTopic(stream, topic)
	if err != nil {
		return 0, 0, 0, err
	}
	top := st.Topic(s, t)
	if group.IsName {
		if id, ok := top.groupIndex[group.Name]; ok {
			return s, t, id, nil
		}
	} else if slot(top.Groups, group.ID) != nil {
		return s, t, group.ID, nil
	}
	return 0, 0, 0, ErrGroupNotFound
}

// ResolveUser resolves a user identifier: ErrResourceNotFound when unknown
// (Iggy's answer in user commands).
func (st *State) ResolveUser(id Identifier) (uint32, error) {
	if id.IsName {
		if u := st.UserByName(id.Name); u != nil {
			return u.ID, nil
		}
	} else if st.User(id.ID) != nil {
		return id.ID, nil
	}
	return 0, ErrResourceNotFound
}

// Member returns the membership of clientID in group g, or nil.
func (st *State) Member(s, t, g, clientID uint32) *Member {
	grp := st.Group(s, t, g)
	if grp == nil {
		return nil
	}
	return grp.member(clientID)
}

// MemberPartitions returns the partitions assigned to clientID in group g
// (including those pending revocation), in assignment order, in a new slice;
// ok is false when the client is not a member (Iggy:
// ConsumerGroupMemberNotFound).
func (st *State) MemberPartitions(s, t, g, clientID uint32) ([]uint32, bool) {
	m := st.Member(s, t, g, clientID)
	if m == nil {
		return nil, false
	}
	return slices.Clone(m.Partitions), true
}

// ActivePartitions returns the member's partitions that are not pending
// revocation: the ones a poll without an explicit partition rotates over.
func (st *State) ActivePartitions(s, t, g, clientID uint32) ([]uint32, bool) {
	m := st.Member(s, t, g, clientID)
	if m == nil {
		return nil, false
	}
	var out []uint32
	for _, p := range m.Partitions {
		if !m.pending(p) {
			out = append(out, p)
		}
	}
	return out, true
}

// PendingRevocations returns the member's revocations in creation order, in a
// new slice; ok is false when the client is not a member.
func (st *State) PendingRevocations(s, t, g, clientID uint32) ([]Revocation, bool) {
	m := st.Member(s, t, g, clientID)
	if m == nil {
		return nil, false
	}
	return slices.Clone(m.Pending), true
}

// ClientGroups returns the (stream, topic, group) ids of every group clientID
// is a member of, sorted, for GetMe/GetClient.
func (st *State) ClientGroups(clientID uint32) [][3]uint32 {
	var out [][3]uint32
	st.eachGroup(func(s *Stream, t *Topic, g *Group) {
		if g.member(clientID) != nil {
			out = append(out, [3]uint32{s.ID, t.ID, g.ID})
		}
	})
	return out
}

// Partitions returns every partition of the server, sorted by stream, topic
// and partition id.
func (st *State) Partitions() []PartitionRef {
	var out []PartitionRef
	for _, s := range st.Streams() {
		for _, t := range dense(s.Topics) {
			out = appendRefs(out, s, t, 0)
		}
	}
	return out
}

// PartitionsOnShard returns the partitions owned by shard, sorted like
// Partitions: what a starting shard must open.
func (st *State) PartitionsOnShard(shard uint32) []PartitionRef {
	var out []PartitionRef
	for _, r := range st.Partitions() {
		if r.Shard == shard {
			out = append(out, r)
		}
	}
	return out
}

func appendRefs(out []PartitionRef, s *Stream, t *Topic, from int) []PartitionRef {
	for _, p := range t.Partitions[from:] {
		out = append(out, PartitionRef{
			StreamID: s.ID, TopicID: t.ID, PartitionID: p.ID,
			StreamUID: s.UID, TopicUID: t.UID, PartitionUID: p.UID,
			Shard: p.Shard, Epoch: p.Epoch,
		})
	}
	return out
}

func (st *State) eachGroup(f func(*Stream, *Topic, *Group)) {
	for _, s := range st.streams {
		if s == nil {
			continue
		}
		for _, t := range s.Topics {
			if t == nil {
				continue
			}
			for _, g := range t.Groups {
				if g != nil {
					f(s, t, g)
				}
			}
		}
	}
}

func (g *Group) member(clientID uint32) *Member {
	for _, m := range g.Members {
		if m.ClientID == clientID {
			return m
		}
	}
	return nil
}

func (m *Member) pending(p uint32) bool {
	for _, r := range m.Pending {
		if r.Partition == p {
			return true
		}
	}
	return false
}
