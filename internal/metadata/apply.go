// SPDX-License-Identifier: Apache-2.0

package metadata

import (
	"fmt"
	"slices"
)

// Apply applies e, which must carry version st.Version()+1 (ErrVersionGap
// otherwise). It is deterministic: every replica that applies the same
// entries in the same order ends in the same state (equal Snapshot bytes).
// An entry that does not fit the state (ErrInvalidEntry) leaves it
// unchanged. Empty entries are accepted and change nothing, not even the
// version.
func (st *State) Apply(e Entry) error {
	if e.Empty() {
		return nil
	}
	if e.Version != st.version+1 {
		return fmt.Errorf("apply entry %d to state at version %d: %w", e.Version, st.version, ErrVersionGap)
	}
	return st.applyAt(e)
}

// replay applies a logged entry during recovery: versions only increase
// (ephemeral entries between them were never logged).
func (st *State) replay(e Entry) error {
	if e.Empty() {
		return nil
	}
	if e.Version <= st.version {
		return fmt.Errorf("replay entry %d onto state at version %d: %w", e.Version, st.version, ErrVersionGap)
	}
	return st.applyAt(e)
}

func (st *State) applyAt(e Entry) error {
	if err := e.check(); err != nil {
		return err
	}
	if err := st.apply(&e); err != nil {
		return fmt.Errorf("apply entry %d (kind %d): %w", e.Version, e.Kind, err)
	}
	st.version = e.Version
	return nil
}

func invalid(format string, args ...any) error {
	return fmt.Errorf(format+": %w", append(args, ErrInvalidEntry)...)
}

func (st *State) apply(e *Entry) error {
	switch e.Kind {
	case EntryCreateStream:
		return st.applyCreateStream(e.CreateStream, e.At)
	case EntryUpdateStream:
		return st.applyUpdateStream(e.UpdateStream)
	case EntryDeleteStream:
		return st.applyDeleteStream(e.DeleteStream)
	case EntryPurgeStream, EntryPurgeTopic:
		op := e.PurgeStream
		if e.Kind == EntryPurgeTopic {
			op = e.PurgeTopic
		}
		return st.applyPurge(op, e.Kind == EntryPurgeTopic)
	case EntryCreateTopic:
		return st.applyCreateTopic(e.CreateTopic, e.At)
	case EntryUpdateTopic:
		return st.applyUpdateTopic(e.UpdateTopic)
	case EntryDeleteTopic:
		return st.applyDeleteTopic(e.DeleteTopic)
	case EntryCreatePartitions:
		return st.applyCreatePartitions(e.CreatePartitions)
	case EntryDeletePartitions:
		return st.applyDeletePartitions(e.DeletePartitions)
	case EntryCreateGroup:
		return st.applyCreateGroup(e.CreateGroup)
	case EntryDeleteGroup:
		return st.applyDeleteGroup(e.DeleteGroup)
	case EntryCreateUser:
		return st.applyCreateUser(e.CreateUser, e.At)
	case EntryBootstrapRoot:
		if e.BootstrapRoot.ID != RootUserID {
			return invalid("bootstrap user %d", e.BootstrapRoot.ID)
		}
		return st.applyCreateUser(e.BootstrapRoot, e.At)
	case EntryUpdateUser:
		return st.applyUpdateUser(e.UpdateUser)
	case EntryDeleteUser:
		return st.applyDeleteUser(e.DeleteUser)
	case EntryUpdatePermissions:
		u := st.User(e.UpdatePermissions.ID)
		if u == nil {
			return invalid("update permissions of user %d", e.UpdatePermissions.ID)
		}
		u.Permissions = NormalizePermissions(e.UpdatePermissions.Permissions)
		return nil
	case EntryChangePassword:
		u := st.User(e.ChangePassword.ID)
		if u == nil {
			return invalid("change password of user %d", e.ChangePassword.ID)
		}
		u.PasswordHash = e.ChangePassword.PasswordHash
		return nil
	case EntryCreatePAT:
		return st.applyCreatePAT(e.CreatePAT)
	case EntryDeletePAT:
		return st.applyDeletePAT(e.DeletePAT)
	case EntryReassign:
		return st.applyReassign(e.Reassign)
	default:
		return st.applyEphemeral(e)
	}
}

func (st *State) takeUID(uid uint64) error {
	if uid < st.nextUID {
		return invalid("internal id %d already used (next %d)", uid, st.nextUID)
	}
	st.nextUID = uid + 1
	return nil
}

func (st *State) applyCreateStream(op *CreateStreamOp, at uint64) error {
	if st.Stream(op.ID) != nil || st.StreamByName(op.Name) != nil || op.UID < st.nextUID || checkName(op.Name) != nil {
		return invalid("create stream %d %q", op.ID, op.Name)
	}
	_ = st.takeUID(op.UID)
	s := &Stream{ID: op.ID, UID: op.UID, Name: op.Name, CreatedAt: at, topicIndex: map[string]uint32{}}
	st.streams = put(st.streams, op.ID, s)
	st.streamIndex[op.Name] = op.ID
	return nil
}

func (st *State) applyUpdateStream(op *UpdateStreamOp) error {
	s := st.Stream(op.ID)
	if s == nil || checkName(op.Name) != nil {
		return invalid("update stream %d", op.ID)
	}
	if other := st.StreamByName(op.Name); other != nil && other.ID != op.ID {
		return invalid("rename stream %d to %q", op.ID, op.Name)
	}
	delete(st.streamIndex, s.Name)
	s.Name = op.Name
	st.streamIndex[s.Name] = s.ID
	return nil
}

// applyDeleteStream also removes every user's grants on the stream: Iggy
// drops them from its live permission index, and a stream id is reused, so a
// grant must not pass to the next stream that gets the id.
func (st *State) applyDeleteStream(op *DeleteStreamOp) error {
	s := st.Stream(op.ID)
	if s == nil {
		return invalid("delete stream %d", op.ID)
	}
	delete(st.streamIndex, s.Name)
	st.streams = remove(st.streams, op.ID)
	for _, u := range st.users {
		if u != nil && u.Permissions != nil {
			u.Permissions.Streams = slices.DeleteFunc(u.Permissions.Streams, func(p StreamPermissions) bool { return p.StreamID == op.ID })
			if len(u.Permissions.Streams) == 0 {
				u.Permissions.Streams = nil
			}
		}
	}
	return nil
}

// applyPurge advances the epoch of every purged partition and forgets the
// groups' progress: purged offsets start again at 0.
func (st *State) applyPurge(op *PurgeOp, topicOnly bool) error {
	s := st.Stream(op.Stream)
	if s == nil || (topicOnly && slot(s.Topics, op.Topic) == nil) {
		return invalid("purge stream %d topic %d", op.Stream, op.Topic)
	}
	for _, t := range s.Topics {
		if t == nil || (topicOnly && t.ID != op.Topic) {
			continue
		}
		for i := range t.Partitions {
			t.Partitions[i].Epoch++
		}
		for _, g := range t.Groups {
			if g != nil {
				g.Progress = nil
			}
		}
	}
	return nil
}

func checkNewPartitions(parts []Partition, first uint32, nextUID uint64) bool {
	for i, p := range parts {
		if p.ID != first+uint32(i) || p.UID < nextUID || (i > 0 && p.UID <= parts[i-1].UID) {
			return false
		}
	}
	return true
}

func (st *State) applyCreateTopic(op *CreateTopicOp, at uint64) error {
	s := st.Stream(op.Stream)
	if s == nil || slot(s.Topics, op.ID) != nil || checkName(op.Name) != nil || op.UID < st.nextUID ||
		!checkNewPartitions(op.Partitions, 0, op.UID+1) {
		return invalid("create topic %d %q in stream %d", op.ID, op.Name, op.Stream)
	}
	if _, ok := s.topicIndex[op.Name]; ok {
		return invalid("create topic %q: name taken", op.Name)
	}
	_ = st.takeUID(op.UID)
	if n := len(op.Partitions); n > 0 {
		_ = st.takeUID(op.Partitions[n-1].UID)
	}
	t := &Topic{
		ID: op.ID, UID: op.UID, Name: op.Name, CreatedAt: at, Compression: op.Compression,
		MessageExpiry: op.MessageExpiry, MaxTopicSize: op.MaxTopicSize, ReplicationFactor: op.ReplicationFactor,
		Partitions: slices.Clone(op.Partitions), groupIndex: map[string]uint32{},
	}
	s.Topics = put(s.Topics, op.ID, t)
	s.topicIndex[op.Name] = op.ID
	return nil
}

func (st *State) applyUpdateTopic(op *UpdateTopicOp) error {
	t := st.Topic(op.Stream, op.Topic)
	if t == nil || checkName(op.Name) != nil {
		return invalid("update topic %d of stream %d", op.Topic, op.Stream)
	}
	s := st.Stream(op.Stream)
	if id, ok := s.topicIndex[op.Name]; ok && id != op.Topic {
		return invalid("rename topic %d to %q", op.Topic, op.Name)
	}
	delete(s.topicIndex, t.Name)
	t.Name, t.Compression = op.Name, op.Compression
	t.MessageExpiry, t.MaxTopicSize, t.ReplicationFactor = op.MessageExpiry, op.MaxTopicSize, op.ReplicationFactor
	s.topicIndex[t.Name] = t.ID
	return nil
}

// applyDeleteTopic also removes every user's grants on the topic, for the
// reason given at applyDeleteStream (Iggy 0.8.0 keeps them).
func (st *State) applyDeleteTopic(op *DeleteTopicOp) error {
	t := st.Topic(op.Stream, op.Topic)
	if t == nil {
		return invalid("delete topic %d of stream %d", op.Topic, op.Stream)
	}
	s := st.Stream(op.Stream)
	delete(s.topicIndex, t.Name)
	s.Topics = remove(s.Topics, op.Topic)
	for _, u := range st.users {
		if u == nil || u.Permissions == nil {
			continue
		}
		if sp := u.Permissions.stream(op.Stream); sp != nil {
			sp.Topics = slices.DeleteFunc(sp.Topics, func(p TopicPermissions) bool { return p.TopicID == op.Topic })
			if len(sp.Topics) == 0 {
				sp.Topics = nil
			}
		}
	}
	return nil
}

// topicPartitionsChanged rebalances every group of t fully and forgets what
// they polled, as Iggy does after CreatePartitions/DeletePartitions.
func topicPartitionsChanged(t *Topic) {
	n := uint32(len(t.Partitions))
	for _, g := range t.Groups {
		if g == nil {
			continue
		}
		g.rebalanceFull(n)
		for i := range g.Progress {
			g.Progress[i].Polled, g.Progress[i].HasPolled = 0, false
		}
		g.Progress = slices.DeleteFunc(g.Progress, func(p Progress) bool { return p.Partition >= n })
		g.compactProgress()
	}
}

func (st *State) applyCreatePartitions(op *CreatePartitionsOp) error {
	t := st.Topic(op.Stream, op.Topic)
	if t == nil || len(op.Partitions) == 0 || !checkNewPartitions(op.Partitions, uint32(len(t.Partitions)), st.nextUID) {
		return invalid("create partitions in topic %d of stream %d", op.Topic, op.Stream)
	}
	_ = st.takeUID(op.Partitions[len(op.Partitions)-1].UID)
	t.Partitions = append(t.Partitions, op.Partitions...)
	topicPartitionsChanged(t)
	return nil
}

func (st *State) applyDeletePartitions(op *DeletePartitionsOp) error {
	t := st.Topic(op.Stream, op.Topic)
	if t == nil || len(op.Partitions) == 0 || len(op.Partitions) > len(t.Partitions) {
		return invalid("delete partitions of topic %d of stream %d", op.Topic, op.Stream)
	}
	keep := len(t.Partitions) - len(op.Partitions)
	for i, r := range op.Partitions {
		if t.Partitions[keep+i].UID != r.PartitionUID {
			return invalid("delete partition %d: not among the last", r.PartitionID)
		}
	}
	t.Partitions = slices.Clip(t.Partitions[:keep])
	if keep == 0 {
		t.Partitions = nil
	}
	topicPartitionsChanged(t)
	return nil
}

func (st *State) applyCreateGroup(op *CreateGroupOp) error {
	t := st.Topic(op.Stream, op.Topic)
	if t == nil || slot(t.Groups, op.ID) != nil || checkName(op.Name) != nil {
		return invalid("create group %d in topic %d of stream %d", op.ID, op.Topic, op.Stream)
	}
	if _, ok := t.groupIndex[op.Name]; ok {
		return invalid("create group %q: name taken", op.Name)
	}
	t.Groups = put(t.Groups, op.ID, &Group{ID: op.ID, Name: op.Name})
	t.groupIndex[op.Name] = op.ID
	return nil
}

func (st *State) applyDeleteGroup(op *GroupOp) error {
	g := st.Group(op.Stream, op.Topic, op.Group)
	if g == nil {
		return invalid("delete group %d", op.Group)
	}
	t := st.Topic(op.Stream, op.Topic)
	delete(t.groupIndex, g.Name)
	t.Groups = remove(t.Groups, op.Group)
	return nil
}

func (st *State) applyCreateUser(op *CreateUserOp, at uint64) error {
	if st.User(op.ID) != nil || st.UserByName(op.Username) != nil {
		return invalid("create user %d %q", op.ID, op.Username)
	}
	u := &User{ID: op.ID, Username: op.Username, PasswordHash: op.PasswordHash, Status: op.Status,
		Permissions: NormalizePermissions(op.Permissions), CreatedAt: at}
	st.users = put(st.users, op.ID, u)
	st.userIndex[u.Username] = u.ID
	return nil
}

func (st *State) applyUpdateUser(op *UpdateUserOp) error {
	u := st.User(op.ID)
	if u == nil {
		return invalid("update user %d", op.ID)
	}
	if op.Username != nil {
		if other := st.UserByName(*op.Username); other != nil && other.ID != op.ID {
			return invalid("rename user %d to %q", op.ID, *op.Username)
		}
	}
	if op.Username != nil {
		delete(st.userIndex, u.Username)
		u.Username = *op.Username
		st.userIndex[u.Username] = u.ID
	}
	if op.Status != nil {
		u.Status = *op.Status
	}
	return nil
}

func (st *State) applyDeleteUser(op *UserOp) error {
	u := st.User(op.ID)
	if u == nil || op.ID == RootUserID {
		return invalid("delete user %d", op.ID)
	}
	delete(st.userIndex, u.Username)
	for _, p := range u.PATs {
		delete(st.tokenIndex, p.Hash)
	}
	st.users = remove(st.users, op.ID)
	return nil
}

func (st *State) applyCreatePAT(op *CreatePATOp) error {
	u := st.User(op.User)
	if u == nil || op.PAT.Hash == "" {
		return invalid("create token for user %d", op.User)
	}
	if _, taken := st.tokenIndex[op.PAT.Hash]; taken {
		return invalid("create token %q: hash taken", op.PAT.Name)
	}
	i, found := slices.BinarySearchFunc(u.PATs, op.PAT.Name, func(p PAT, name string) int { return compareStrings(p.Name, name) })
	if found {
		return invalid("create token %q: name taken", op.PAT.Name)
	}
	u.PATs = slices.Insert(u.PATs, i, op.PAT)
	st.tokenIndex[op.PAT.Hash] = u.ID
	return nil
}

func (st *State) applyDeletePAT(op *DeletePATOp) error {
	u := st.User(op.User)
	if u == nil {
		return invalid("delete token of user %d", op.User)
	}
	i := slices.IndexFunc(u.PATs, func(p PAT) bool { return p.Name == op.Name })
	if i < 0 {
		return invalid("delete token %q of user %d", op.Name, op.User)
	}
	delete(st.tokenIndex, u.PATs[i].Hash)
	u.PATs = slices.Delete(u.PATs, i, i+1)
	if len(u.PATs) == 0 {
		u.PATs = nil
	}
	return nil
}

func (st *State) applyReassign(op *ReassignOp) error {
	byUID := make(map[uint64]*Partition)
	for _, s := range st.streams {
		for _, t := range s.topicsOrNil() {
			for i := range t.Partitions {
				byUID[t.Partitions[i].UID] = &t.Partitions[i]
			}
		}
	}
	for _, m := range op.Moves {
		if byUID[m.PartitionUID] == nil || m.Shard >= op.ShardCount {
			return invalid("move partition %d to shard %d", m.PartitionUID, m.Shard)
		}
	}
	for _, m := range op.Moves {
		byUID[m.PartitionUID].Shard = m.Shard
	}
	return nil
}

func (s *Stream) topicsOrNil() []*Topic {
	if s == nil {
		return nil
	}
	return dense(s.Topics)
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
