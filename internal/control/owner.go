// SPDX-License-Identifier: Apache-2.0

package control

// TypeOwner is a shard → shard request: run one operation on a partition the
// receiving shard owns. Meta is an OwnerRequest, Body its input (the message
// frames of an append); the reply Meta is an OwnerReply and its Body the
// output (a poll's response payload).
const TypeOwner = "owner"

// OwnerOp names an operation on an owned partition.
type OwnerOp uint8

// The owner operations.
const (
	OpAppend OwnerOp = iota + 1
	OpPoll
	OpFlush
	OpDeleteSegments
	OpGetOffset
	OpStoreOffset
	OpDeleteOffset
	OpStats
)

// OwnerRequest addresses one partition by its Iggy ids and, to catch a
// partition deleted and re-created meanwhile, its internal id. Version is the
// metadata version the caller resolved it at: the owner first waits until its
// own replica has it.
type OwnerRequest struct {
	V            int     `msgpack:"v"`
	Op           OwnerOp `msgpack:"op"`
	Version      uint64  `msgpack:"version"`
	Stream       uint32  `msgpack:"stream"`
	Topic        uint32  `msgpack:"topic"`
	Partition    uint32  `msgpack:"partition"`
	PartitionUID uint64  `msgpack:"partition_uid"`

	Count        uint32 `msgpack:"count,omitempty"`         // append: messages; poll: max messages; delete segments
	ConsumerKind uint8  `msgpack:"consumer_kind,omitempty"` // 1 consumer, 2 group
	ConsumerID   uint32 `msgpack:"consumer_id,omitempty"`
	Strategy     uint8  `msgpack:"strategy,omitempty"` // polling kind
	Value        uint64 `msgpack:"value,omitempty"`    // polling value
	AutoCommit   bool   `msgpack:"auto_commit,omitempty"`
	Offset       uint64 `msgpack:"offset,omitempty"` // store offset
	Fsync        bool   `msgpack:"fsync,omitempty"`
	MaxBytes     int    `msgpack:"max_bytes,omitempty"`

	Partitions []PartitionAddr `msgpack:"partitions,omitempty"` // OpStats
}

// PartitionAddr names a partition for OpStats.
type PartitionAddr struct {
	Stream       uint32 `msgpack:"stream"`
	Topic        uint32 `msgpack:"topic"`
	Partition    uint32 `msgpack:"partition"`
	PartitionUID uint64 `msgpack:"partition_uid"`
}

// OwnerReply answers an OwnerRequest. Status is an Iggy status code (0 = OK).
type OwnerReply struct {
	V       int    `msgpack:"v"`
	Status  uint32 `msgpack:"status"`
	Current uint64 `msgpack:"current,omitempty"` // current offset (poll, get offset)
	Empty   bool   `msgpack:"empty,omitempty"`   // the partition holds no message
	Stored  uint64 `msgpack:"stored,omitempty"`  // get offset
	Found   bool   `msgpack:"found,omitempty"`   // get/delete offset: one was stored
	First   uint64 `msgpack:"first,omitempty"`   // poll: first offset returned
	Last    uint64 `msgpack:"last,omitempty"`    // poll: last offset returned
	Count   uint32 `msgpack:"count,omitempty"`   // poll: messages returned; delete segments: deleted

	Stats []PartitionStat `msgpack:"stats,omitempty"`
}

// PartitionStat is one partition's size for listings.
type PartitionStat struct {
	PartitionUID  uint64 `msgpack:"partition_uid"`
	Segments      uint32 `msgpack:"segments"`
	SizeBytes     uint64 `msgpack:"size_bytes"`
	Messages      uint64 `msgpack:"messages"`
	CurrentOffset uint64 `msgpack:"current_offset"`
}

// TypeMigrate is a shard → shard request handing over a client connection
// (Files[0]) with its session and the request that prompted the move (Body).
const TypeMigrate = "migrate"

// Migrate carries a migrating connection's session.
type Migrate struct {
	V        int    `msgpack:"v"`
	Remote   string `msgpack:"remote"`
	ClientID uint32 `msgpack:"client_id"`
	Authed   bool   `msgpack:"authed"`
	UserID   uint32 `msgpack:"user_id"`
	Cred     string `msgpack:"cred"`
	ViaPAT   bool   `msgpack:"via_pat"`
	Code     uint32 `msgpack:"code"` // the pending request's command code
}

// MigrateReply says whether the shard took the connection.
type MigrateReply struct {
	V       int  `msgpack:"v"`
	Adopted bool `msgpack:"adopted"`
}
