// SPDX-License-Identifier: Apache-2.0

package metadata

import (
	"errors"
	"fmt"

	"riffle/internal/protocol"
)

// Error is a metadata failure with the Iggy 0.8.0 status the client receives
// (protocol doc §5). It unwraps to its protocol.Status, so
// protocol.StatusFromError maps it; the sentinels below are the only values,
// compared with errors.Is.
type Error struct {
	Status protocol.Status
	Msg    string
}

func (e *Error) Error() string { return e.Msg }

// Unwrap returns the status, for errors.As and protocol.StatusFromError.
func (e *Error) Unwrap() error { return e.Status }

func newError(status protocol.Status, msg string) *Error { return &Error{Status: status, Msg: msg} }

// StatusOf returns the status carried by err, or (StatusError, false) when it
// carries none (an internal failure).
func StatusOf(err error) (protocol.Status, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e.Status, true
	}
	return protocol.StatusError, false
}

// Sentinels returned by Prepare, Authenticate, AuthenticateToken and the
// Resolve helpers. The status code is the one Iggy 0.8.0 returns for the same
// condition.
var (
	// ErrInvalidCommand (3): an enumeration value out of range (compression,
	// user status).
	ErrInvalidCommand = newError(protocol.StatusInvalidCommand, "invalid command")
	// ErrInvalidFormat (4): a name outside 1..255 bytes.
	ErrInvalidFormat = newError(protocol.StatusInvalidFormat, "invalid format")
	// ErrResourceNotFound (20): unknown user in user commands, unknown PAT name
	// on delete, unknown token on login.
	ErrResourceNotFound = newError(protocol.StatusResourceNotFound, "resource not found")
	// ErrUnauthorized (41): the actor lacks the permission.
	ErrUnauthorized = newError(protocol.StatusUnauthorized, "unauthorized")
	// ErrInvalidCredentials (42): unknown user or wrong password.
	ErrInvalidCredentials = newError(protocol.StatusInvalidCredentials, "invalid credentials")
	// ErrInvalidUsername (43): username outside 3..50 bytes.
	ErrInvalidUsername = newError(protocol.StatusInvalidUsername, "invalid username")
	// ErrInvalidPassword (44): password outside 3..100 bytes.
	ErrInvalidPassword = newError(protocol.StatusInvalidPassword, "invalid password")
	// ErrUserAlreadyExists (46): duplicate username.
	ErrUserAlreadyExists = newError(protocol.StatusUserAlreadyExists, "user already exists")
	// ErrUserInactive (47): login of an inactive user.
	ErrUserInactive = newError(protocol.StatusUserInactive, "user inactive")
	// ErrCannotDeleteUser (48): DeleteUser of the root user.
	ErrCannotDeleteUser = newError(protocol.StatusCannotDeleteUser, "cannot delete the root user")
	// ErrCannotChangePermissions (49): UpdatePermissions of the root user.
	ErrCannotChangePermissions = newError(protocol.StatusCannotChangePermissions, "cannot change the permissions of the root user")
	// ErrInvalidPATName (50): PAT name outside 3..30 bytes.
	ErrInvalidPATName = newError(protocol.StatusInvalidPersonalAccessTokenName, "invalid personal access token name")
	// ErrPATAlreadyExists (51): the user already has a PAT with that name.
	ErrPATAlreadyExists = newError(protocol.StatusPersonalAccessTokenAlreadyExists, "personal access token already exists")
	// ErrPATLimitReached (52): the user has Env.MaxPATsPerUser tokens.
	ErrPATLimitReached = newError(protocol.StatusPersonalAccessTokensLimitReached, "personal access tokens limit reached")
	// ErrPATExpired (54): login with an expired token.
	ErrPATExpired = newError(protocol.StatusPersonalAccessTokenExpired, "personal access token expired")
	// ErrUsersLimitReached (55): no user id left.
	ErrUsersLimitReached = newError(protocol.StatusUsersLimitReached, "users limit reached")
	// ErrStreamNotFound (1009): unknown stream, by id or by name.
	ErrStreamNotFound = newError(protocol.StatusStreamIDNotFound, "stream not found")
	// ErrStreamNameExists (1012): duplicate stream name.
	ErrStreamNameExists = newError(protocol.StatusStreamNameAlreadyExists, "stream name already exists")
	// ErrInvalidTopicSize (1019): a custom max topic size below the segment size.
	ErrInvalidTopicSize = newError(protocol.StatusInvalidTopicSize, "max topic size is below the segment size")
	// ErrTopicNotFound (2010): unknown topic, by id or by name.
	ErrTopicNotFound = newError(protocol.StatusTopicIDNotFound, "topic not found")
	// ErrTopicNameExists (2013): duplicate topic name within the stream.
	ErrTopicNameExists = newError(protocol.StatusTopicNameAlreadyExists, "topic name already exists")
	// ErrTooManyPartitions (2015): more than 1000 partitions in one request, or
	// 0 in CreatePartitions/DeletePartitions.
	ErrTooManyPartitions = newError(protocol.StatusTooManyPartitions, "too many partitions")
	// ErrInvalidPartitionsCount (2019): deleting more partitions than exist.
	ErrInvalidPartitionsCount = newError(protocol.StatusInvalidPartitionsCount, "invalid partitions count")
	// ErrPartitionNotFound (3007): unknown partition in an internal command.
	ErrPartitionNotFound = newError(protocol.StatusPartitionNotFound, "partition not found")
	// ErrGroupNotFound (5000): unknown consumer group, by id or by name.
	ErrGroupNotFound = newError(protocol.StatusConsumerGroupIDNotFound, "consumer group not found")
	// ErrGroupNameExists (5004): duplicate consumer group name within the topic.
	ErrGroupNameExists = newError(protocol.StatusConsumerGroupNameAlreadyExists, "consumer group name already exists")
	// ErrGroupMemberNotFound (5006): the client is not a member of the group.
	ErrGroupMemberNotFound = newError(protocol.StatusConsumerGroupMemberNotFound, "consumer group member not found")
)

// Errors without a wire status: they mean a bug or a broken deployment, not a
// client mistake.
var (
	// ErrInvalidEntry is returned by Apply when an entry does not fit the state
	// (a replica that diverged, or an entry applied twice). The state is
	// unchanged. A shard that gets it must resynchronise from a snapshot.
	ErrInvalidEntry = errors.New("metadata: entry does not apply to this state")
	// ErrVersionGap is returned by Apply when the entry's version is not the
	// state's version + 1. The state is unchanged.
	ErrVersionGap = errors.New("metadata: entry version out of sequence")
	// ErrRootExists is returned by Prepare(BootstrapRoot) when a root user exists.
	ErrRootExists = errors.New("metadata: root user already exists")
	// ErrBadEnv is returned by Prepare when Env lacks a value the command needs
	// (a shard count below 1 for placement).
	ErrBadEnv = errors.New("metadata: invalid environment")
	// ErrLogFailed is returned by every Log operation after a write or sync
	// error: the log is fail-stop and must be reopened (which recovers from disk).
	ErrLogFailed = errors.New("metadata: state log failed")
	// ErrLogClosed is returned by Log operations after Close.
	ErrLogClosed = errors.New("metadata: state log closed")
	// ErrUnknownFormat is returned when a snapshot or log header carries a
	// format version this build does not know (written by a newer riffle).
	ErrUnknownFormat = errors.New("metadata: unknown format version")
)

// CorruptionError reports damage inside the state log or snapshot that is not
// a torn last entry: the file is refused, never truncated past the damage.
// Callers use errors.As to tell it from I/O errors; an operator must act.
type CorruptionError struct {
	Path   string // file
	Offset int64  // byte offset of the first damaged record or field
	Reason string
}

func (e *CorruptionError) Error() string {
	return fmt.Sprintf("metadata: %s corrupt at byte offset %d: %s", e.Path, e.Offset, e.Reason)
}
