// SPDX-License-Identifier: Apache-2.0

package metadata

import (
	"fmt"
	"math"
	"reflect"
	"slices"

	"riffle/internal/placement"
)

// Prepare validates cmd, issued by user actor, against the authoritative
// state st and turns it into a fully determined Entry: ids and internal ids
// assigned, partitions placed, passwords hashed, tokens generated, times from
// env.Now. It does not modify st. Checks run in Iggy 0.8.0's order, so a
// client sees the same status code (see the sentinels in errors.go; StatusOf
// maps them). Permission failures are ErrUnauthorized; as in Iggy, a missing
// stream, topic or group is reported before the permission check.
//
// Internal commands (ClientGone, ShardFailed, ReassignPartitions,
// BootstrapRoot, GroupPolled, GroupCommitted, ExpireRevocations) ignore actor.
// An Empty entry with a nil error means success with nothing to apply.
// Otherwise the entry's Version is st.Version()+1: apply it to st before
// preparing the next command.
//
// cmd may be a value or a pointer of a Command type.
func Prepare(st *State, actor uint32, cmd Command, env Env) (Entry, Result, error) {
	if v := reflect.ValueOf(cmd); v.Kind() == reflect.Pointer && !v.IsNil() {
		cmd = v.Elem().Interface().(Command)
	}
	p := &preparer{st: st, actor: actor, env: env}
	if u := st.User(actor); u != nil {
		p.perms = u.Permissions
	}
	var (
		e   Entry
		r   Result
		err error
	)
	switch c := cmd.(type) {
	case CreateStream:
		e, r, err = p.createStream(c)
	case UpdateStream:
		e, err = p.updateStream(c)
	case DeleteStream:
		e, r, err = p.deleteStream(c)
	case PurgeStream:
		e, r, err = p.purgeStream(c)
	case CreateTopic:
		e, r, err = p.createTopic(c)
	case UpdateTopic:
		e, err = p.updateTopic(c)
	case DeleteTopic:
		e, r, err = p.deleteTopic(c)
	case PurgeTopic:
		e, r, err = p.purgeTopic(c)
	case CreatePartitions:
		e, r, err = p.createPartitions(c)
	case DeletePartitions:
		e, r, err = p.deletePartitions(c)
	case CreateConsumerGroup:
		e, r, err = p.createGroup(c)
	case DeleteConsumerGroup:
		e, r, err = p.deleteGroup(c)
	case JoinConsumerGroup:
		e, r, err = p.joinGroup(c)
	case LeaveConsumerGroup:
		e, r, err = p.leaveGroup(c)
	case CreateUser:
		e, r, err = p.createUser(c)
	case UpdateUser:
		e, r, err = p.updateUser(c)
	case DeleteUser:
		e, r, err = p.deleteUser(c)
	case UpdatePermissions:
		e, r, err = p.updatePermissions(c)
	case ChangePassword:
		e, r, err = p.changePassword(c)
	case CreatePersonalAccessToken:
		e, r, err = p.createPAT(c)
	case DeletePersonalAccessToken:
		e, err = p.deletePAT(c)
	case ClientGone:
		e, err = p.clientGone(c)
	case ShardFailed:
		e, err = p.shardFailed(c)
	case ReassignPartitions:
		e, err = p.reassign(c)
	case BootstrapRoot:
		e, r, err = p.bootstrapRoot(c)
	case GroupPolled:
		e, err = p.groupPolled(c)
	case GroupCommitted:
		e, err = p.groupCommitted(c)
	case ExpireRevocations:
		e, err = p.expireRevocations(c)
	default:
		return Entry{}, Result{}, fmt.Errorf("prepare command %T: unknown command", cmd)
	}
	if err != nil {
		return Entry{}, Result{}, err
	}
	if !e.Empty() {
		e.Version = st.version + 1
		e.At = env.Now
	}
	return e, r, nil
}

type preparer struct {
	st    *State
	actor uint32
	perms *Permissions
	env   Env
}

func (p *preparer) allow(ok bool) error {
	if !ok {
		return ErrUnauthorized
	}
	return nil
}

func (p *preparer) createStream(c CreateStream) (Entry, Result, error) {
	if err := checkName(c.Name); err != nil {
		return Entry{}, Result{}, err
	}
	if err := p.allow(p.perms.createStream()); err != nil {
		return Entry{}, Result{}, err
	}
	if p.st.StreamByName(c.Name) != nil {
		return Entry{}, Result{}, ErrStreamNameExists
	}
	id := lowestFree(p.st.streams)
	if id == math.MaxUint32 {
		return Entry{}, Result{}, ErrInvalidCommand
	}
	op := &CreateStreamOp{ID: id, UID: p.st.nextUID, Name: c.Name}
	return Entry{Kind: EntryCreateStream, CreateStream: op}, Result{StreamID: id}, nil
}

func (p *preparer) updateStream(c UpdateStream) (Entry, error) {
	if err := checkName(c.Name); err != nil {
		return Entry{}, err
	}
	s, err := p.st.ResolveStream(c.Stream)
	if err != nil {
		return Entry{}, err
	}
	if err := p.allow(p.perms.manageStream(s)); err != nil {
		return Entry{}, err
	}
	if p.st.Stream(s).Name == c.Name {
		return Entry{}, nil
	}
	if p.st.StreamByName(c.Name) != nil {
		return Entry{}, ErrStreamNameExists
	}
	return Entry{Kind: EntryUpdateStream, UpdateStream: &UpdateStreamOp{ID: s, Name: c.Name}}, nil
}

func (p *preparer) deleteStream(c DeleteStream) (Entry, Result, error) {
	s, err := p.st.ResolveStream(c.Stream)
	if err != nil {
		return Entry{}, Result{}, err
	}
	if err := p.allow(p.perms.manageStream(s)); err != nil {
		return Entry{}, Result{}, err
	}
	str := p.st.Stream(s)
	op := &DeleteStreamOp{ID: s, StreamUID: str.UID}
	for _, t := range dense(str.Topics) {
		op.TopicUIDs = append(op.TopicUIDs, t.UID)
		op.Partitions = appendRefs(op.Partitions, str, t, 0)
	}
	return Entry{Kind: EntryDeleteStream, DeleteStream: op}, Result{StreamID: s, Partitions: op.Partitions}, nil
}

func (p *preparer) purgeStream(c PurgeStream) (Entry, Result, error) {
	s, err := p.st.ResolveStream(c.Stream)
	if err != nil {
		return Entry{}, Result{}, err
	}
	if err := p.allow(p.perms.manageStream(s)); err != nil {
		return Entry{}, Result{}, err
	}
	str := p.st.Stream(s)
	op := &PurgeOp{Stream: s}
	for _, t := range dense(str.Topics) {
		op.Partitions = appendRefs(op.Partitions, str, t, 0)
	}
	bumpEpochs(op.Partitions)
	return Entry{Kind: EntryPurgeStream, PurgeStream: op}, Result{StreamID: s, Partitions: op.Partitions}, nil
}

// bumpEpochs sets the epoch each purged partition will have after the purge.
func bumpEpochs(refs []PartitionRef) {
	for i := range refs {
		refs[i].Epoch++
	}
}

// resolveExpiry maps a wire message_expiry to the stored value (§2.9).
func (p *preparer) resolveExpiry(wire uint64) uint64 {
	if wire != 0 {
		return wire
	}
	if p.env.DefaultMessageExpiry == 0 {
		return Never
	}
	return p.env.DefaultMessageExpiry
}

// resolveMaxSize maps a wire max_topic_size to the stored value (§2.10).
func (p *preparer) resolveMaxSize(wire uint64) (uint64, error) {
	if wire == 0 {
		if p.env.DefaultMaxTopicSize == 0 {
			return Never, nil
		}
		return p.env.DefaultMaxTopicSize, nil
	}
	if wire < p.env.SegmentSize {
		return 0, ErrInvalidTopicSize
	}
	return wire, nil
}

func checkCompression(c uint8) error {
	if c != CompressionNone && c != CompressionGzip {
		return ErrInvalidCommand
	}
	return nil
}

func replication(f uint8) uint8 {
	if f == 0 {
		return 1
	}
	return f
}

// place returns n new partitions with ids from first, fresh internal ids from
// uid, owners chosen by the placement rule over every partition of the server.
func (p *preparer) place(first uint32, n uint32, uid uint64) ([]Partition, error) {
	if n == 0 {
		return nil, nil
	}
	if p.env.ShardCount < 1 {
		return nil, fmt.Errorf("place %d partitions: shard count %d: %w", n, p.env.ShardCount, ErrBadEnv)
	}
	var owners []uint32
	for _, r := range p.st.Partitions() {
		owners = append(owners, r.Shard)
	}
	counts := placement.NewCounts(p.env.ShardCount, owners)
	parts := make([]Partition, n)
	for i := range parts {
		parts[i] = Partition{ID: first + uint32(i), UID: uid + uint64(i), Shard: counts.Place(), CreatedAt: p.env.Now}
	}
	return parts, nil
}

func (p *preparer) createTopic(c CreateTopic) (Entry, Result, error) {
	if err := checkName(c.Name); err != nil {
		return Entry{}, Result{}, err
	}
	if c.PartitionsCount > MaxPartitionsPerRequest {
		return Entry{}, Result{}, ErrTooManyPartitions
	}
	if err := checkCompression(c.Compression); err != nil {
		return Entry{}, Result{}, err
	}
	s, err := p.st.ResolveStream(c.Stream)
	if err != nil {
		return Entry{}, Result{}, err
	}
	if err := p.allow(p.perms.createTopic(s)); err != nil {
		return Entry{}, Result{}, err
	}
	expiry := p.resolveExpiry(c.MessageExpiry)
	size, err := p.resolveMaxSize(c.MaxTopicSize)
	if err != nil {
		return Entry{}, Result{}, err
	}
	str := p.st.Stream(s)
	if _, ok := str.topicIndex[c.Name]; ok {
		return Entry{}, Result{}, ErrTopicNameExists
	}
	id := lowestFree(str.Topics)
	uid := p.st.nextUID
	parts, err := p.place(0, c.PartitionsCount, uid+1)
	if err != nil {
		return Entry{}, Result{}, err
	}
	op := &CreateTopicOp{
		Stream: s, ID: id, UID: uid, Name: c.Name, Compression: c.Compression,
		MessageExpiry: expiry, MaxTopicSize: size, ReplicationFactor: replication(c.ReplicationFactor),
		Partitions: parts,
	}
	return Entry{Kind: EntryCreateTopic, CreateTopic: op}, Result{StreamID: s, TopicID: id}, nil
}

// updateTopic resolves expiry and size like CreateTopic (Iggy 0.8.0 stores
// the wire values unresolved on update; riffle keeps every stored value
// resolved, so GetTopic answers the same after create and after update).
func (p *preparer) updateTopic(c UpdateTopic) (Entry, error) {
	if err := checkName(c.Name); err != nil {
		return Entry{}, err
	}
	if err := checkCompression(c.Compression); err != nil {
		return Entry{}, err
	}
	s, t, err := p.st.ResolveTopic(c.Stream, c.Topic)
	if err != nil {
		return Entry{}, err
	}
	if err := p.allow(p.perms.manageTopic(s, t)); err != nil {
		return Entry{}, err
	}
	expiry := p.resolveExpiry(c.MessageExpiry)
	size, err := p.resolveMaxSize(c.MaxTopicSize)
	if err != nil {
		return Entry{}, err
	}
	if id, ok := p.st.Stream(s).topicIndex[c.Name]; ok && id != t {
		return Entry{}, ErrTopicNameExists
	}
	op := &UpdateTopicOp{
		Stream: s, Topic: t, Name: c.Name, Compression: c.Compression,
		MessageExpiry: expiry, MaxTopicSize: size, ReplicationFactor: replication(c.ReplicationFactor),
	}
	return Entry{Kind: EntryUpdateTopic, UpdateTopic: op}, nil
}

func (p *preparer) deleteTopic(c DeleteTopic) (Entry, Result, error) {
	s, t, err := p.st.ResolveTopic(c.Stream, c.Topic)
	if err != nil {
		return Entry{}, Result{}, err
	}
	if err := p.allow(p.perms.manageTopic(s, t)); err != nil {
		return Entry{}, Result{}, err
	}
	str, top := p.st.Stream(s), p.st.Topic(s, t)
	op := &DeleteTopicOp{Stream: s, Topic: t, TopicUID: top.UID, Partitions: appendRefs(nil, str, top, 0)}
	return Entry{Kind: EntryDeleteTopic, DeleteTopic: op}, Result{StreamID: s, TopicID: t, Partitions: op.Partitions}, nil
}

func (p *preparer) purgeTopic(c PurgeTopic) (Entry, Result, error) {
	s, t, err := p.st.ResolveTopic(c.Stream, c.Topic)
	if err != nil {
		return Entry{}, Result{}, err
	}
	if err := p.allow(p.perms.manageTopic(s, t)); err != nil {
		return Entry{}, Result{}, err
	}
	op := &PurgeOp{Stream: s, Topic: t, Partitions: appendRefs(nil, p.st.Stream(s), p.st.Topic(s, t), 0)}
	bumpEpochs(op.Partitions)
	return Entry{Kind: EntryPurgeTopic, PurgeTopic: op}, Result{StreamID: s, TopicID: t, Partitions: op.Partitions}, nil
}

func (p *preparer) createPartitions(c CreatePartitions) (Entry, Result, error) {
	if c.Count < 1 || c.Count > MaxPartitionsPerRequest {
		return Entry{}, Result{}, ErrTooManyPartitions
	}
	s, t, err := p.st.ResolveTopic(c.Stream, c.Topic)
	if err != nil {
		return Entry{}, Result{}, err
	}
	if err := p.allow(p.perms.manageTopic(s, t)); err != nil {
		return Entry{}, Result{}, err
	}
	top := p.st.Topic(s, t)
	parts, err := p.place(uint32(len(top.Partitions)), c.Count, p.st.nextUID)
	if err != nil {
		return Entry{}, Result{}, err
	}
	op := &CreatePartitionsOp{Stream: s, Topic: t, Partitions: parts}
	str := p.st.Stream(s)
	tmp := &Topic{ID: top.ID, UID: top.UID, Partitions: parts}
	return Entry{Kind: EntryCreatePartitions, CreatePartitions: op},
		Result{StreamID: s, TopicID: t, Partitions: appendRefs(nil, str, tmp, 0)}, nil
}

func (p *preparer) deletePartitions(c DeletePartitions) (Entry, Result, error) {
	if c.Count == 0 {
		return Entry{}, Result{}, ErrTooManyPartitions
	}
	s, t, err := p.st.ResolveTopic(c.Stream, c.Topic)
	if err != nil {
		return Entry{}, Result{}, err
	}
	if err := p.allow(p.perms.manageTopic(s, t)); err != nil {
		return Entry{}, Result{}, err
	}
	top := p.st.Topic(s, t)
	if int(c.Count) > len(top.Partitions) {
		return Entry{}, Result{}, ErrInvalidPartitionsCount
	}
	refs := appendRefs(nil, p.st.Stream(s), top, len(top.Partitions)-int(c.Count))
	op := &DeletePartitionsOp{Stream: s, Topic: t, Partitions: refs}
	return Entry{Kind: EntryDeletePartitions, DeletePartitions: op}, Result{StreamID: s, TopicID: t, Partitions: slices.Clone(refs)}, nil
}

func (p *preparer) reassign(c ReassignPartitions) (Entry, error) {
	if c.ShardCount < 1 {
		return Entry{}, fmt.Errorf("reassign partitions: shard count 0: %w", ErrBadEnv)
	}
	refs := p.st.Partitions()
	slices.SortFunc(refs, func(a, b PartitionRef) int { return compareU64(a.PartitionUID, b.PartitionUID) })
	owners := make([]uint32, len(refs))
	for i, r := range refs {
		owners[i] = r.Shard
	}
	next := placement.Reassign(owners, int(c.ShardCount))
	op := &ReassignOp{ShardCount: c.ShardCount}
	for i, r := range refs {
		if next[i] != owners[i] {
			op.Moves = append(op.Moves, Move{PartitionUID: r.PartitionUID, Shard: next[i]})
		}
	}
	if len(op.Moves) == 0 {
		return Entry{}, nil
	}
	return Entry{Kind: EntryReassign, Reassign: op}, nil
}

func compareU64(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
