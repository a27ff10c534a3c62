// SPDX-License-Identifier: Apache-2.0

package metadata

import (
	"fmt"

	"github.com/vmihailenco/msgpack/v5"

	"riffle/internal/mpack"
)

// Command is a metadata request as a shard forwards it to the supervisor:
// identifiers unresolved, secrets in plain text (they travel only over the
// private supervisor channel and are hashed by Prepare; never log a Command).
// The concrete types below are the only implementations.
type Command interface {
	// Kind identifies the command in EncodeCommand's envelope.
	Kind() CommandKind
}

// CommandKind numbers the Command types for encoding. Values are stable: they
// cross process boundaries between builds.
type CommandKind uint16

// Command kinds. The client commands use their Iggy code; internal ones are
// numbered from 1000.
const (
	KindCreateStream        CommandKind = 202
	KindUpdateStream        CommandKind = 204
	KindDeleteStream        CommandKind = 203
	KindPurgeStream         CommandKind = 205
	KindCreateTopic         CommandKind = 302
	KindUpdateTopic         CommandKind = 304
	KindDeleteTopic         CommandKind = 303
	KindPurgeTopic          CommandKind = 305
	KindCreatePartitions    CommandKind = 402
	KindDeletePartitions    CommandKind = 403
	KindCreateConsumerGroup CommandKind = 602
	KindDeleteConsumerGroup CommandKind = 603
	KindJoinConsumerGroup   CommandKind = 604
	KindLeaveConsumerGroup  CommandKind = 605
	KindCreateUser          CommandKind = 33
	KindDeleteUser          CommandKind = 34
	KindUpdateUser          CommandKind = 35
	KindUpdatePermissions   CommandKind = 36
	KindChangePassword      CommandKind = 37
	KindCreatePAT           CommandKind = 42
	KindDeletePAT           CommandKind = 43
	KindClientGone          CommandKind = 1000
	KindShardFailed         CommandKind = 1001
	KindReassignPartitions  CommandKind = 1002
	KindBootstrapRoot       CommandKind = 1003
	KindGroupPolled         CommandKind = 1004
	KindGroupCommitted      CommandKind = 1005
	KindExpireRevocations   CommandKind = 1006
)

// CreateStream (202).
type CreateStream struct {
	Name string `msgpack:"name"`
}

// UpdateStream (204) renames a stream.
type UpdateStream struct {
	Stream Identifier `msgpack:"stream"`
	Name   string     `msgpack:"name"`
}

// DeleteStream (203).
type DeleteStream struct {
	Stream Identifier `msgpack:"stream"`
}

// PurgeStream (205).
type PurgeStream struct {
	Stream Identifier `msgpack:"stream"`
}

// CreateTopic (302). MessageExpiry and MaxTopicSize are wire values: 0 =
// server default, Never = never/unlimited.
type CreateTopic struct {
	Stream            Identifier `msgpack:"stream"`
	PartitionsCount   uint32     `msgpack:"partitions_count"`
	Compression       uint8      `msgpack:"compression"`
	MessageExpiry     uint64     `msgpack:"message_expiry"`
	MaxTopicSize      uint64     `msgpack:"max_topic_size"`
	ReplicationFactor uint8      `msgpack:"replication_factor"`
	Name              string     `msgpack:"name"`
}

// UpdateTopic (304) replaces every attribute of a topic.
type UpdateTopic struct {
	Stream            Identifier `msgpack:"stream"`
	Topic             Identifier `msgpack:"topic"`
	Compression       uint8      `msgpack:"compression"`
	MessageExpiry     uint64     `msgpack:"message_expiry"`
	MaxTopicSize      uint64     `msgpack:"max_topic_size"`
	ReplicationFactor uint8      `msgpack:"replication_factor"`
	Name              string     `msgpack:"name"`
}

// DeleteTopic (303).
type DeleteTopic struct {
	Stream Identifier `msgpack:"stream"`
	Topic  Identifier `msgpack:"topic"`
}

// PurgeTopic (305).
type PurgeTopic struct {
	Stream Identifier `msgpack:"stream"`
	Topic  Identifier `msgpack:"topic"`
}

// CreatePartitions (402) appends Count partitions.
type CreatePartitions struct {
	Stream Identifier `msgpack:"stream"`
	Topic  Identifier `msgpack:"topic"`
	Count  uint32     `msgpack:"count"`
}

// DeletePartitions (403) removes the Count highest partitions.
type DeletePartitions struct {
	Stream Identifier `msgpack:"stream"`
	Topic  Identifier `msgpack:"topic"`
	Count  uint32     `msgpack:"count"`
}

// CreateConsumerGroup (602).
type CreateConsumerGroup struct {
	Stream Identifier `msgpack:"stream"`
	Topic  Identifier `msgpack:"topic"`
	Name   string     `msgpack:"name"`
}

// DeleteConsumerGroup (603).
type DeleteConsumerGroup struct {
	Stream Identifier `msgpack:"stream"`
	Topic  Identifier `msgpack:"topic"`
	Group  Identifier `msgpack:"group"`
}

// JoinConsumerGroup (604) makes the connection ClientID, served by Shard, a
// member.
type JoinConsumerGroup struct {
	Stream   Identifier `msgpack:"stream"`
	Topic    Identifier `msgpack:"topic"`
	Group    Identifier `msgpack:"group"`
	ClientID uint32     `msgpack:"client_id"`
	Shard    uint32     `msgpack:"shard"`
}

// LeaveConsumerGroup (605).
type LeaveConsumerGroup struct {
	Stream   Identifier `msgpack:"stream"`
	Topic    Identifier `msgpack:"topic"`
	Group    Identifier `msgpack:"group"`
	ClientID uint32     `msgpack:"client_id"`
}

// CreateUser (33). Permissions nil = none.
type CreateUser struct {
	Username    string       `msgpack:"username"`
	Password    string       `msgpack:"password"`
	Status      uint8        `msgpack:"status"`
	Permissions *Permissions `msgpack:"permissions"`
}

// UpdateUser (35); nil fields are left unchanged.
type UpdateUser struct {
	User     Identifier `msgpack:"user"`
	Username *string    `msgpack:"username"`
	Status   *uint8     `msgpack:"status"`
}

// DeleteUser (34).
type DeleteUser struct {
	User Identifier `msgpack:"user"`
}

// UpdatePermissions (36); nil clears every permission.
type UpdatePermissions struct {
	User        Identifier   `msgpack:"user"`
	Permissions *Permissions `msgpack:"permissions"`
}

// ChangePassword (37).
type ChangePassword struct {
	User            Identifier `msgpack:"user"`
	CurrentPassword string     `msgpack:"current_password"`
	NewPassword     string     `msgpack:"new_password"`
}

// CreatePersonalAccessToken (42) for the actor. Expiry is a wire value in µs:
// 0 and Never mean the token never expires.
type CreatePersonalAccessToken struct {
	Name   string `msgpack:"name"`
	Expiry uint64 `msgpack:"expiry"`
}

// DeletePersonalAccessToken (43) of the actor.
type DeletePersonalAccessToken struct {
	Name string `msgpack:"name"`
}

// ClientGone reports a closed connection: its memberships go.
type ClientGone struct {
	ClientID uint32 `msgpack:"client_id"`
}

// ShardFailed reports a dead shard: the memberships of its connections go.
type ShardFailed struct {
	Shard uint32 `msgpack:"shard"`
}

// ReassignPartitions applies the placement rule after the shard count
// changed: partitions on shards ≥ ShardCount move, others stay.
type ReassignPartitions struct {
	ShardCount uint32 `msgpack:"shard_count"`
}

// BootstrapRoot creates the root user (id 0, every permission) on a first
// start. PasswordHash comes from HashPassword; the plain password never
// reaches the state.
type BootstrapRoot struct {
	Username     string `msgpack:"username"`
	PasswordHash string `msgpack:"password_hash"`
}

// GroupPolled reports that group members polled partition Partition up to
// Offset (the last offset returned). Ids are resolved.
type GroupPolled struct {
	Stream    uint32 `msgpack:"stream"`
	Topic     uint32 `msgpack:"topic"`
	Group     uint32 `msgpack:"group"`
	Partition uint32 `msgpack:"partition"`
	Offset    uint64 `msgpack:"offset"`
}

// GroupCommitted reports that the group's stored offset on Partition is now
// Offset (StoreConsumerOffset or auto-commit). Ids are resolved.
type GroupCommitted struct {
	Stream    uint32 `msgpack:"stream"`
	Topic     uint32 `msgpack:"topic"`
	Group     uint32 `msgpack:"group"`
	Partition uint32 `msgpack:"partition"`
	Offset    uint64 `msgpack:"offset"`
}

// ExpireRevocations completes every pending revocation created at least
// Timeout µs before Env.Now (Iggy: consumer_group.rebalancing_timeout, 30 s,
// checked every 5 s).
type ExpireRevocations struct {
	Timeout uint64 `msgpack:"timeout"`
}

func (CreateStream) Kind() CommandKind              { return KindCreateStream }
func (UpdateStream) Kind() CommandKind              { return KindUpdateStream }
func (DeleteStream) Kind() CommandKind              { return KindDeleteStream }
func (PurgeStream) Kind() CommandKind               { return KindPurgeStream }
func (CreateTopic) Kind() CommandKind               { return KindCreateTopic }
func (UpdateTopic) Kind() CommandKind               { return KindUpdateTopic }
func (DeleteTopic) Kind() CommandKind               { return KindDeleteTopic }
func (PurgeTopic) Kind() CommandKind                { return KindPurgeTopic }
func (CreatePartitions) Kind() CommandKind          { return KindCreatePartitions }
func (DeletePartitions) Kind() CommandKind          { return KindDeletePartitions }
func (CreateConsumerGroup) Kind() CommandKind       { return KindCreateConsumerGroup }
func (DeleteConsumerGroup) Kind() CommandKind       { return KindDeleteConsumerGroup }
func (JoinConsumerGroup) Kind() CommandKind         { return KindJoinConsumerGroup }
func (LeaveConsumerGroup) Kind() CommandKind        { return KindLeaveConsumerGroup }
func (CreateUser) Kind() CommandKind                { return KindCreateUser }
func (UpdateUser) Kind() CommandKind                { return KindUpdateUser }
func (DeleteUser) Kind() CommandKind                { return KindDeleteUser }
func (UpdatePermissions) Kind() CommandKind         { return KindUpdatePermissions }
func (ChangePassword) Kind() CommandKind            { return KindChangePassword }
func (CreatePersonalAccessToken) Kind() CommandKind { return KindCreatePAT }
func (DeletePersonalAccessToken) Kind() CommandKind { return KindDeletePAT }
func (ClientGone) Kind() CommandKind                { return KindClientGone }
func (ShardFailed) Kind() CommandKind               { return KindShardFailed }
func (ReassignPartitions) Kind() CommandKind        { return KindReassignPartitions }
func (BootstrapRoot) Kind() CommandKind             { return KindBootstrapRoot }
func (GroupPolled) Kind() CommandKind               { return KindGroupPolled }
func (GroupCommitted) Kind() CommandKind            { return KindGroupCommitted }
func (ExpireRevocations) Kind() CommandKind         { return KindExpireRevocations }

// newCommand returns a pointer to a zero command of kind k, or nil.
func newCommand(k CommandKind) Command {
	switch k {
	case KindCreateStream:
		return &CreateStream{}
	case KindUpdateStream:
		return &UpdateStream{}
	case KindDeleteStream:
		return &DeleteStream{}
	case KindPurgeStream:
		return &PurgeStream{}
	case KindCreateTopic:
		return &CreateTopic{}
	case KindUpdateTopic:
		return &UpdateTopic{}
	case KindDeleteTopic:
		return &DeleteTopic{}
	case KindPurgeTopic:
		return &PurgeTopic{}
	case KindCreatePartitions:
		return &CreatePartitions{}
	case KindDeletePartitions:
		return &DeletePartitions{}
	case KindCreateConsumerGroup:
		return &CreateConsumerGroup{}
	case KindDeleteConsumerGroup:
		return &DeleteConsumerGroup{}
	case KindJoinConsumerGroup:
		return &JoinConsumerGroup{}
	case KindLeaveConsumerGroup:
		return &LeaveConsumerGroup{}
	case KindCreateUser:
		return &CreateUser{}
	case KindUpdateUser:
		return &UpdateUser{}
	case KindDeleteUser:
		return &DeleteUser{}
	case KindUpdatePermissions:
		return &UpdatePermissions{}
	case KindChangePassword:
		return &ChangePassword{}
	case KindCreatePAT:
		return &CreatePersonalAccessToken{}
	case KindDeletePAT:
		return &DeletePersonalAccessToken{}
	case KindClientGone:
		return &ClientGone{}
	case KindShardFailed:
		return &ShardFailed{}
	case KindReassignPartitions:
		return &ReassignPartitions{}
	case KindBootstrapRoot:
		return &BootstrapRoot{}
	case KindGroupPolled:
		return &GroupPolled{}
	case KindGroupCommitted:
		return &GroupCommitted{}
	case KindExpireRevocations:
		return &ExpireRevocations{}
	}
	return nil
}

// commandFormat is the envelope format written by EncodeCommand.
const commandFormat = 1

type commandEnvelope struct {
	Format uint8              `msgpack:"format"`
	Kind   CommandKind        `msgpack:"kind"`
	Body   msgpack.RawMessage `msgpack:"body"`
}

// EncodeCommand encodes cmd (a value or pointer of one of the Command types)
// as a msgpack map {format, kind, body} for the supervisor channel.
func EncodeCommand(cmd Command) ([]byte, error) {
	body, err := msgpack.Marshal(cmd)
	if err != nil {
		return nil, fmt.Errorf("encode command %d: %w", cmd.Kind(), err)
	}
	return msgpack.Marshal(commandEnvelope{Format: commandFormat, Kind: cmd.Kind(), Body: body})
}

// DecodeCommand decodes what EncodeCommand wrote. It returns a pointer to the
// concrete command (e.g. *CreateStream); Prepare accepts values and pointers.
// Unknown kinds and newer formats are errors; DecodeCommand never panics.
func DecodeCommand(b []byte) (Command, error) {
	var env commandEnvelope
	if err := mpack.Unmarshal(b, &env); err != nil {
		return nil, fmt.Errorf("decode command envelope: %w", err)
	}
	if env.Format != commandFormat {
		return nil, fmt.Errorf("decode command: format %d: %w", env.Format, ErrUnknownFormat)
	}
	cmd := newCommand(env.Kind)
	if cmd == nil {
		return nil, fmt.Errorf("decode command: unknown kind %d", env.Kind)
	}
	if err := mpack.Unmarshal(env.Body, cmd); err != nil {
		return nil, fmt.Errorf("decode command %d: %w", env.Kind, err)
	}
	return cmd, nil
}
