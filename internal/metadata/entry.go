// SPDX-License-Identifier: Apache-2.0

package metadata

import (
	"fmt"
	"io"
	"reflect"

	"github.com/vmihailenco/msgpack/v5"

	"riffle/internal/mpack"
)

// EntryKind says which operation an Entry carries.
type EntryKind uint16

// Entry kinds. Values are stable: they are written to the state log.
const (
	EntryNone EntryKind = iota // nothing to apply (Entry.Empty)
	EntryCreateStream
	EntryUpdateStream
	EntryDeleteStream
	EntryPurgeStream
	EntryCreateTopic
	EntryUpdateTopic
	EntryDeleteTopic
	EntryPurgeTopic
	EntryCreatePartitions
	EntryDeletePartitions
	EntryCreateGroup
	EntryDeleteGroup
	EntryCreateUser
	EntryUpdateUser
	EntryDeleteUser
	EntryUpdatePermissions
	EntryChangePassword
	EntryCreatePAT
	EntryDeletePAT
	EntryReassign
	EntryBootstrapRoot
	// Ephemeral kinds: broadcast to shards, never logged.
	EntryJoinGroup
	EntryLeaveGroup
	EntryClientGone
	EntryShardFailed
	EntryGroupPolled
	EntryGroupCommitted
	EntryCompleteRevocations
	entryKindEnd
)

// Persistent reports whether entries of kind k are written to the state log.
// Consumer-group membership and progress are ephemeral.
func (k EntryKind) Persistent() bool { return k > EntryNone && k < EntryJoinGroup }

// Entry is one fully determined change of State, produced by Prepare on the
// supervisor and applied unchanged by every replica. Exactly the field named
// by Kind is set. Version is the broadcast sequence: Prepare sets it to the
// preparing state's version + 1 and Apply requires that sequence.
type Entry struct {
	Version uint64    `msgpack:"version"`
	Kind    EntryKind `msgpack:"kind"`
	At      uint64    `msgpack:"at"` // µs; Env.Now when prepared

	CreateStream        *CreateStreamOp        `msgpack:"create_stream,omitempty"`
	UpdateStream        *UpdateStreamOp        `msgpack:"update_stream,omitempty"`
	DeleteStream        *DeleteStreamOp        `msgpack:"delete_stream,omitempty"`
	PurgeStream         *PurgeOp               `msgpack:"purge_stream,omitempty"`
	CreateTopic         *CreateTopicOp         `msgpack:"create_topic,omitempty"`
	UpdateTopic         *UpdateTopicOp         `msgpack:"update_topic,omitempty"`
	DeleteTopic         *DeleteTopicOp         `msgpack:"delete_topic,omitempty"`
	PurgeTopic          *PurgeOp               `msgpack:"purge_topic,omitempty"`
	CreatePartitions    *CreatePartitionsOp    `msgpack:"create_partitions,omitempty"`
	DeletePartitions    *DeletePartitionsOp    `msgpack:"delete_partitions,omitempty"`
	CreateGroup         *CreateGroupOp         `msgpack:"create_group,omitempty"`
	DeleteGroup         *GroupOp               `msgpack:"delete_group,omitempty"`
	CreateUser          *CreateUserOp          `msgpack:"create_user,omitempty"`
	UpdateUser          *UpdateUserOp          `msgpack:"update_user,omitempty"`
	DeleteUser          *UserOp                `msgpack:"delete_user,omitempty"`
	UpdatePermissions   *UpdatePermissionsOp   `msgpack:"update_permissions,omitempty"`
	ChangePassword      *ChangePasswordOp      `msgpack:"change_password,omitempty"`
	CreatePAT           *CreatePATOp           `msgpack:"create_pat,omitempty"`
	DeletePAT           *DeletePATOp           `msgpack:"delete_pat,omitempty"`
	Reassign            *ReassignOp            `msgpack:"reassign,omitempty"`
	BootstrapRoot       *CreateUserOp          `msgpack:"bootstrap_root,omitempty"`
	JoinGroup           *JoinGroupOp           `msgpack:"join_group,omitempty"`
	LeaveGroup          *LeaveGroupOp          `msgpack:"leave_group,omitempty"`
	ClientGone          *ClientGone            `msgpack:"client_gone,omitempty"`
	ShardFailed         *ShardFailed           `msgpack:"shard_failed,omitempty"`
	GroupPolled         *GroupPolled           `msgpack:"group_polled,omitempty"`
	GroupCommitted      *GroupCommitted        `msgpack:"group_committed,omitempty"`
	CompleteRevocations *CompleteRevocationsOp `msgpack:"complete_revocations,omitempty"`
}

// Empty reports whether the entry changes nothing: the command succeeded
// (e.g. joining a group one is already a member of) and callers skip logging,
// applying and broadcasting it.
func (e Entry) Empty() bool { return e.Kind == EntryNone }

// Persistent reports whether the entry belongs in the state log.
func (e Entry) Persistent() bool { return e.Kind.Persistent() }

// CreateStreamOp creates stream ID.
type CreateStreamOp struct {
	ID   uint32 `msgpack:"id"`
	UID  uint64 `msgpack:"uid"`
	Name string `msgpack:"name"`
}

// UpdateStreamOp renames stream ID.
type UpdateStreamOp struct {
	ID   uint32 `msgpack:"id"`
	Name string `msgpack:"name"`
}

// DeleteStreamOp deletes stream ID; Partitions lists its partitions (and so
// its topics) for storage to drop.
type DeleteStreamOp struct {
	ID         uint32         `msgpack:"id"`
	StreamUID  uint64         `msgpack:"stream_uid"`
	TopicUIDs  []uint64       `msgpack:"topic_uids"`
	Partitions []PartitionRef `msgpack:"partitions"`
}

// PurgeOp purges the messages of a stream (Topic ignored) or of one topic.
// Partitions lists the purged partitions with their new epoch.
type PurgeOp struct {
	Stream     uint32         `msgpack:"stream"`
	Topic      uint32         `msgpack:"topic"`
	Partitions []PartitionRef `msgpack:"partitions"`
}

// CreateTopicOp creates a topic with its partitions (ids 0..n-1, owners
// chosen by the placement rule). Expiry and size are resolved values.
type CreateTopicOp struct {
	Stream            uint32      `msgpack:"stream"`
	ID                uint32      `msgpack:"id"`
	UID               uint64      `msgpack:"uid"`
	Name              string      `msgpack:"name"`
	Compression       uint8       `msgpack:"compression"`
	MessageExpiry     uint64      `msgpack:"message_expiry"`
	MaxTopicSize      uint64      `msgpack:"max_topic_size"`
	ReplicationFactor uint8       `msgpack:"replication_factor"`
	Partitions        []Partition `msgpack:"partitions"`
}

// UpdateTopicOp replaces a topic's attributes with resolved values.
type UpdateTopicOp struct {
	Stream            uint32 `msgpack:"stream"`
	Topic             uint32 `msgpack:"topic"`
	Name              string `msgpack:"name"`
	Compression       uint8  `msgpack:"compression"`
	MessageExpiry     uint64 `msgpack:"message_expiry"`
	MaxTopicSize      uint64 `msgpack:"max_topic_size"`
	ReplicationFactor uint8  `msgpack:"replication_factor"`
}

// DeleteTopicOp deletes a topic; Partitions lists its partitions.
type DeleteTopicOp struct {
	Stream     uint32         `msgpack:"stream"`
	Topic      uint32         `msgpack:"topic"`
	TopicUID   uint64         `msgpack:"topic_uid"`
	Partitions []PartitionRef `msgpack:"partitions"`
}

// CreatePartitionsOp appends partitions (ids continue from the current count).
type CreatePartitionsOp struct {
	Stream     uint32      `msgpack:"stream"`
	Topic      uint32      `msgpack:"topic"`
	Partitions []Partition `msgpack:"partitions"`
}

// DeletePartitionsOp removes the highest partitions; Partitions lists them.
type DeletePartitionsOp struct {
	Stream     uint32         `msgpack:"stream"`
	Topic      uint32         `msgpack:"topic"`
	Partitions []PartitionRef `msgpack:"partitions"`
}

// CreateGroupOp creates consumer group ID.
type CreateGroupOp struct {
	Stream uint32 `msgpack:"stream"`
	Topic  uint32 `msgpack:"topic"`
	ID     uint32 `msgpack:"id"`
	Name   string `msgpack:"name"`
}

// GroupOp addresses one consumer group.
type GroupOp struct {
	Stream uint32 `msgpack:"stream"`
	Topic  uint32 `msgpack:"topic"`
	Group  uint32 `msgpack:"group"`
}

// CreateUserOp creates a user (or the root user) with a hashed password.
type CreateUserOp struct {
	ID           uint32       `msgpack:"id"`
	Username     string       `msgpack:"username"`
	PasswordHash string       `msgpack:"password_hash"`
	Status       uint8        `msgpack:"status"`
	Permissions  *Permissions `msgpack:"permissions"`
}

// UpdateUserOp renames and/or changes the status of user ID.
type UpdateUserOp struct {
	ID       uint32  `msgpack:"id"`
	Username *string `msgpack:"username"`
	Status   *uint8  `msgpack:"status"`
}

// UserOp addresses one user.
type UserOp struct {
	ID uint32 `msgpack:"id"`
}

// UpdatePermissionsOp replaces the permissions of user ID (nil = none).
type UpdatePermissionsOp struct {
	ID          uint32       `msgpack:"id"`
	Permissions *Permissions `msgpack:"permissions"`
}

// ChangePasswordOp replaces the password hash of user ID.
type ChangePasswordOp struct {
	ID           uint32 `msgpack:"id"`
	PasswordHash string `msgpack:"password_hash"`
}

// CreatePATOp adds a token (hash only) to user User.
type CreatePATOp struct {
	User uint32 `msgpack:"user"`
	PAT  PAT    `msgpack:"pat"`
}

// DeletePATOp removes the token named Name of user User.
type DeletePATOp struct {
	User uint32 `msgpack:"user"`
	Name string `msgpack:"name"`
	Hash string `msgpack:"hash"`
}

// Move is one partition's new owner.
type Move struct {
	PartitionUID uint64 `msgpack:"partition_uid"`
	Shard        uint32 `msgpack:"shard"`
}

// ReassignOp moves partitions to new owners after a shard-count change.
type ReassignOp struct {
	ShardCount uint32 `msgpack:"shard_count"`
	Moves      []Move `msgpack:"moves"`
}

// JoinGroupOp adds member MemberID for ClientID and rebalances cooperatively.
type JoinGroupOp struct {
	Stream   uint32 `msgpack:"stream"`
	Topic    uint32 `msgpack:"topic"`
	Group    uint32 `msgpack:"group"`
	ClientID uint32 `msgpack:"client_id"`
	Shard    uint32 `msgpack:"shard"`
	MemberID uint32 `msgpack:"member_id"`
}

// LeaveGroupOp removes ClientID's membership and rebalances fully.
type LeaveGroupOp struct {
	Stream   uint32 `msgpack:"stream"`
	Topic    uint32 `msgpack:"topic"`
	Group    uint32 `msgpack:"group"`
	ClientID uint32 `msgpack:"client_id"`
}

// RevocationRef names one pending revocation: partition Partition of member
// Member of a group.
type RevocationRef struct {
	Stream    uint32 `msgpack:"stream"`
	Topic     uint32 `msgpack:"topic"`
	Group     uint32 `msgpack:"group"`
	Member    uint32 `msgpack:"member"`
	Partition uint32 `msgpack:"partition"`
}

// CompleteRevocationsOp completes pending revocations (timeouts). Items that
// no longer exist when applied are skipped.
type CompleteRevocationsOp struct {
	Items []RevocationRef `msgpack:"items"`
}

// Result is what the originating shard needs to answer the client beyond its
// own replica: the ids Prepare assigned, the raw PAT token (returned here
// only, never stored), and the partitions a delete or purge affects.
type Result struct {
	StreamID   uint32         `msgpack:"stream_id"`
	TopicID    uint32         `msgpack:"topic_id"`
	GroupID    uint32         `msgpack:"group_id"`
	UserID     uint32         `msgpack:"user_id"`
	MemberID   uint32         `msgpack:"member_id"`
	Token      string         `msgpack:"token,omitempty"`
	Partitions []PartitionRef `msgpack:"partitions,omitempty"`
}

// Env is what Prepare needs besides the state and the command.
type Env struct {
	Now                  uint64       // µs since the epoch
	DefaultMessageExpiry uint64       // topic.message_expiry in µs; 0 = never
	DefaultMaxTopicSize  uint64       // topic.max_size in bytes; 0 = unlimited
	SegmentSize          uint64       // storage.segment_size in bytes
	ShardCount           int          // shards partitions may be placed on (≥ 1)
	MaxPATsPerUser       int          // 0 = DefaultMaxPATsPerUser
	Rand                 io.Reader    // PAT tokens and password salts; nil = crypto/rand
	Argon2               Argon2Params // password hashing cost; zero = DefaultArgon2
	// Passwords holds password work the caller did before Prepare, outside
	// its lock (PrecomputePasswords); nil = Prepare does it all.
	Passwords *Passwords
}

// Passwords is password hashing and verification done ahead of Prepare, so
// an authority that serialises Prepare does not hold its lock for the slow
// argon2 work. Prepare uses an entry only when it matches exactly what it
// would compute (the same password, the same stored hash); otherwise it
// does the work itself.
type Passwords struct {
	Hashes   map[string]string  // plaintext → argon2id hash
	Verified map[[2]string]bool // (plaintext, stored hash) → matches
}

// PrecomputePasswords does the password work Prepare(st, actor, cmd) would do,
// reading st only briefly: call it with st locked for the read, get back a
// function to run unlocked, whose result goes in Env.Passwords. Work is done
// only when the actor may run the command and the lengths are valid, so an
// unprivileged caller cannot make the authority hash for nothing.
func PrecomputePasswords(st *State, actor uint32, cmd Command, env Env) func() *Passwords {
	none := func() *Passwords { return nil }
	if v := reflect.ValueOf(cmd); v.Kind() == reflect.Pointer && !v.IsNil() {
		cmd = v.Elem().Interface().(Command)
	}
	hash := func(pw string) string {
		h, err := HashPassword(pw, env.Argon2, env.Rand)
		if err != nil {
			return ""
		}
		return h
	}
	switch c := cmd.(type) {
	case CreateUser:
		u := st.User(actor)
		if u == nil || !u.Permissions.manageUsers() || checkPassword(c.Password) != nil {
			return none
		}
		pw := c.Password
		return func() *Passwords {
			if h := hash(pw); h != "" {
				return &Passwords{Hashes: map[string]string{pw: h}}
			}
			return nil
		}
	case ChangePassword:
		if checkPassword(c.CurrentPassword) != nil || checkPassword(c.NewPassword) != nil {
			return none
		}
		id, err := st.ResolveUser(c.User)
		if err != nil {
			return none
		}
		if u := st.User(actor); id != actor && (u == nil || !u.Permissions.manageUsers()) {
			return none
		}
		stored, cur, next := st.User(id).PasswordHash, c.CurrentPassword, c.NewPassword
		return func() *Passwords {
			ok := VerifyPassword(cur, stored)
			p := &Passwords{Verified: map[[2]string]bool{{cur, stored}: ok}}
			if ok {
				if h := hash(next); h != "" {
					p.Hashes = map[string]string{next: h}
				}
			}
			return p
		}
	}
	return none
}

// entryFormat is the Entry encoding written by EncodeEntry.
const entryFormat = 1

type entryEnvelope struct {
	Format uint8 `msgpack:"format"`
	Entry  Entry `msgpack:"entry"`
}

// EncodeEntry encodes e as msgpack (maps with explicit keys, a format field).
// Equal entries encode to equal bytes.
func EncodeEntry(e Entry) ([]byte, error) {
	b, err := msgpack.Marshal(entryEnvelope{Format: entryFormat, Entry: e})
	if err != nil {
		return nil, fmt.Errorf("encode entry %d: %w", e.Version, err)
	}
	return b, nil
}

// DecodeEntry decodes what EncodeEntry wrote and checks that exactly the
// field named by Kind is set. It never panics on malformed input.
func DecodeEntry(b []byte) (Entry, error) {
	var env entryEnvelope
	if err := mpack.Unmarshal(b, &env); err != nil {
		return Entry{}, fmt.Errorf("decode entry: %w", err)
	}
	if env.Format != entryFormat {
		return Entry{}, fmt.Errorf("decode entry: format %d: %w", env.Format, ErrUnknownFormat)
	}
	if err := env.Entry.check(); err != nil {
		return Entry{}, err
	}
	return env.Entry, nil
}

// check verifies that the field selected by Kind is the only one set.
func (e *Entry) check() error {
	set := []bool{
		EntryCreateStream: e.CreateStream != nil, EntryUpdateStream: e.UpdateStream != nil,
		EntryDeleteStream: e.DeleteStream != nil, EntryPurgeStream: e.PurgeStream != nil,
		EntryCreateTopic: e.CreateTopic != nil, EntryUpdateTopic: e.UpdateTopic != nil,
		EntryDeleteTopic: e.DeleteTopic != nil, EntryPurgeTopic: e.PurgeTopic != nil,
		EntryCreatePartitions: e.CreatePartitions != nil, EntryDeletePartitions: e.DeletePartitions != nil,
		EntryCreateGroup: e.CreateGroup != nil, EntryDeleteGroup: e.DeleteGroup != nil,
		EntryCreateUser: e.CreateUser != nil, EntryUpdateUser: e.UpdateUser != nil,
		EntryDeleteUser: e.DeleteUser != nil, EntryUpdatePermissions: e.UpdatePermissions != nil,
		EntryChangePassword: e.ChangePassword != nil, EntryCreatePAT: e.CreatePAT != nil,
		EntryDeletePAT: e.DeletePAT != nil, EntryReassign: e.Reassign != nil,
		EntryBootstrapRoot: e.BootstrapRoot != nil, EntryJoinGroup: e.JoinGroup != nil,
		EntryLeaveGroup: e.LeaveGroup != nil, EntryClientGone: e.ClientGone != nil,
		EntryShardFailed: e.ShardFailed != nil, EntryGroupPolled: e.GroupPolled != nil,
		EntryGroupCommitted: e.GroupCommitted != nil, EntryCompleteRevocations: e.CompleteRevocations != nil,
		entryKindEnd: false,
	}
	if e.Kind >= entryKindEnd {
		return fmt.Errorf("entry %d: unknown kind %d: %w", e.Version, e.Kind, ErrInvalidEntry)
	}
	for k, ok := range set {
		if ok != (EntryKind(k) == e.Kind && k != int(EntryNone)) {
			return fmt.Errorf("entry %d of kind %d: operation fields do not match the kind: %w", e.Version, e.Kind, ErrInvalidEntry)
		}
	}
	return nil
}
