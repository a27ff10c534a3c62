// SPDX-License-Identifier: Apache-2.0

package metadata

import "math"

// Limits and fixed values of Iggy 0.8.0 (protocol doc §1.4, §2.9–2.12).
const (
	RootUserID              uint32 = 0              // the root user's id
	MaxNameLen                     = 255            // stream, topic and group names: 1..255 bytes
	MinUsernameLen                 = 3              // usernames: 3..50 bytes
	MaxUsernameLen                 = 50             //
	MinPasswordLen                 = 3              // passwords: 3..100 bytes
	MaxPasswordLen                 = 100            //
	MinPATNameLen                  = 3              // PAT names: 3..30 bytes
	MaxPATNameLen                  = 30             //
	MaxPartitionsPerRequest        = 1000           // CreateTopic, CreatePartitions
	DefaultMaxPATsPerUser          = 100            // [personal_access_token] max_tokens_per_user
	Never                   uint64 = math.MaxUint64 // message_expiry / max_topic_size "never" / "unlimited"
	patRawLen                      = 50             // random bytes of a PAT; base64 → 68 characters
)

// User status codes (protocol doc §2.11).
const (
	UserActive   uint8 = 1
	UserInactive uint8 = 2
)

// Compression codes (protocol doc §2.11); topic metadata only.
const (
	CompressionNone uint8 = 1
	CompressionGzip uint8 = 2
)

// Identifier names a stream, topic, consumer group or user the way a client
// does: a numeric id or an exact (case-sensitive) name. The zero value is the
// numeric id 0.
type Identifier struct {
	Name   string `msgpack:"name,omitempty"` // used when IsName
	ID     uint32 `msgpack:"id"`             // used when !IsName
	IsName bool   `msgpack:"is_name"`
}

// NumericID returns the Identifier for id.
func NumericID(id uint32) Identifier { return Identifier{ID: id} }

// NamedID returns the Identifier for an exact name.
func NamedID(name string) Identifier { return Identifier{Name: name, IsName: true} }

// Stream is one stream. Values reachable from a State are owned by it: callers
// read them and never modify or keep them across Apply.
type Stream struct {
	ID        uint32   `msgpack:"id"`               // Iggy id, reused after delete
	UID       uint64   `msgpack:"uid"`              // internal id, never reused (directory name)
	Name      string   `msgpack:"name"`             //
	CreatedAt uint64   `msgpack:"created_at"`       // µs since the epoch
	Topics    []*Topic `msgpack:"topics,omitempty"` // indexed by topic id; nil = free id

	topicIndex map[string]uint32
}

// Topic is one topic of a stream.
type Topic struct {
	ID                uint32      `msgpack:"id"`
	UID               uint64      `msgpack:"uid"`
	Name              string      `msgpack:"name"`
	CreatedAt         uint64      `msgpack:"created_at"`
	Compression       uint8       `msgpack:"compression"`
	MessageExpiry     uint64      `msgpack:"message_expiry"` // resolved µs; Never = never
	MaxTopicSize      uint64      `msgpack:"max_topic_size"` // resolved bytes; Never = unlimited
	ReplicationFactor uint8       `msgpack:"replication_factor"`
	Partitions        []Partition `msgpack:"partitions,omitempty"` // dense: Partitions[i].ID == i
	Groups            []*Group    `msgpack:"groups,omitempty"`     // indexed by group id; nil = free id

	groupIndex map[string]uint32
}

// Partition is one partition of a topic.
type Partition struct {
	ID        uint32 `msgpack:"id"`
	UID       uint64 `msgpack:"uid"`        // never reused
	Shard     uint32 `msgpack:"shard"`      // owner shard
	CreatedAt uint64 `msgpack:"created_at"` //
	// Epoch counts the purges of this partition (PurgeStream/PurgeTopic).
	// Storage may keep it beside the data to finish a purge a crash
	// interrupted: data written under an older epoch is purged data.
	Epoch uint64 `msgpack:"epoch"`
}

// Group is a consumer group. Its definition is persistent; Members and
// Progress are ephemeral (never written to the state log, carried in shard
// snapshots).
type Group struct {
	ID       uint32     `msgpack:"id"`
	Name     string     `msgpack:"name"`
	Members  []*Member  `msgpack:"members,omitempty"`  // in join order (ascending member id)
	Progress []Progress `msgpack:"progress,omitempty"` // by ascending partition id
}

// Member is one client connection's membership in a group.
type Member struct {
	ID         uint32       `msgpack:"id"`        // server-internal sequential id (max + 1)
	ClientID   uint32       `msgpack:"client_id"` //
	Shard      uint32       `msgpack:"shard"`     // shard serving the connection
	Partitions []uint32     `msgpack:"partitions,omitempty"`
	Pending    []Revocation `msgpack:"pending,omitempty"`
}

// Revocation is a partition a member still owns but must hand to another
// member once it has committed what it polled (or after a timeout).
type Revocation struct {
	Partition uint32 `msgpack:"partition"`
	Target    uint32 `msgpack:"target"`     // member id that receives it
	CreatedAt uint64 `msgpack:"created_at"` // µs, for the timeout
}

// Progress is what the group last polled from, and committed on, one
// partition, as fed by the shards (GroupPolled, GroupCommitted).
type Progress struct {
	Partition    uint32 `msgpack:"partition"`
	Polled       uint64 `msgpack:"polled"`
	HasPolled    bool   `msgpack:"has_polled"`
	Committed    uint64 `msgpack:"committed"`
	HasCommitted bool   `msgpack:"has_committed"`
}

// User is one user. PasswordHash is an argon2id PHC string.
type User struct {
	ID           uint32       `msgpack:"id"`
	Username     string       `msgpack:"username"`
	PasswordHash string       `msgpack:"password_hash"`
	Status       uint8        `msgpack:"status"`
	Permissions  *Permissions `msgpack:"permissions"` // nil = none
	CreatedAt    uint64       `msgpack:"created_at"`
	PATs         []PAT        `msgpack:"pats,omitempty"` // by ascending name
}

// PAT is a personal access token; only the BLAKE3 hex digest of the raw token
// is kept.
type PAT struct {
	Name     string `msgpack:"name"`
	Hash     string `msgpack:"hash"`
	ExpiryAt uint64 `msgpack:"expiry_at"` // µs since the epoch; 0 = never
}

// Expired reports whether the token is expired at now (µs): expiry_at ≤ now.
func (p PAT) Expired(now uint64) bool { return p.ExpiryAt != 0 && p.ExpiryAt <= now }

// PartitionRef locates one partition for storage: the Iggy ids a client uses
// and the internal ids the data directory uses.
type PartitionRef struct {
	StreamID     uint32 `msgpack:"stream_id"`
	TopicID      uint32 `msgpack:"topic_id"`
	PartitionID  uint32 `msgpack:"partition_id"`
	StreamUID    uint64 `msgpack:"stream_uid"`
	TopicUID     uint64 `msgpack:"topic_uid"`
	PartitionUID uint64 `msgpack:"partition_uid"`
	Shard        uint32 `msgpack:"shard"`
	Epoch        uint64 `msgpack:"epoch"`
}
