// SPDX-License-Identifier: Apache-2.0

package control

// Frame types of the metadata traffic between a shard and the supervisor.
const (
	// TypeMetadata: shard → supervisor request (MetadataRequest); the reply is
	// a MetadataReply once every live shard applied the change.
	TypeMetadata = "metadata"
	// TypeEntry: supervisor → shard request; Body is one encoded
	// metadata.Entry. The shard replies once it applied the entry (and its
	// effects on local storage).
	TypeEntry = "entry"
	// TypeClient: shard → supervisor notification (ClientEvent).
	TypeClient = "client"
	// TypeClients: shard → supervisor request (ClientsRequest); the reply
	// Body is the encoded protocol.ClientList (or one ClientDetails).
	TypeClients = "clients"
	// TypeStats: shard → supervisor request; the reply Body is the encoded
	// protocol.Stats payload, aggregated over every shard.
	TypeStats = "stats"
	// TypeShardStats: supervisor → shard request; the reply is ShardStats.
	TypeShardStats = "shard-stats"
)

// MetadataRequest asks the supervisor to prepare and commit one command on
// behalf of a user.
type MetadataRequest struct {
	V       int    `msgpack:"v"`
	Actor   uint32 `msgpack:"actor"`   // user id of the session
	Command []byte `msgpack:"command"` // metadata.EncodeCommand
}

// MetadataReply answers a MetadataRequest. Status 0 means success; Version is
// the state version the change produced (or the current one when it changed
// nothing), Result the encoded metadata.Result.
type MetadataReply struct {
	V       int    `msgpack:"v"`
	Status  uint32 `msgpack:"status"`
	Version uint64 `msgpack:"version"`
	Result  []byte `msgpack:"result,omitempty"`
}

// ClientEvent keeps the supervisor's registry of client connections current.
type ClientEvent struct {
	V         int    `msgpack:"v"`
	ClientID  uint32 `msgpack:"client_id"`
	Shard     int    `msgpack:"shard"`
	Address   string `msgpack:"address"`
	Transport uint8  `msgpack:"transport"`
	UserID    uint32 `msgpack:"user_id"` // protocol.NoUserID when not logged in
	Gone      bool   `msgpack:"gone"`
}

// ClientsRequest asks for every client (All) or one client (ClientID).
type ClientsRequest struct {
	V        int    `msgpack:"v"`
	All      bool   `msgpack:"all"`
	ClientID uint32 `msgpack:"client_id"`
}

// ShardStats is one shard's contribution to GetStats.
type ShardStats struct {
	V             int     `msgpack:"v"`
	Partitions    uint32  `msgpack:"partitions"`
	Segments      uint32  `msgpack:"segments"`
	Messages      uint64  `msgpack:"messages"`
	MessagesBytes uint64  `msgpack:"messages_bytes"`
	ReadBytes     uint64  `msgpack:"read_bytes"`
	WrittenBytes  uint64  `msgpack:"written_bytes"`
	Clients       uint32  `msgpack:"clients"`
	Threads       uint32  `msgpack:"threads"`
	MemoryBytes   uint64  `msgpack:"memory_bytes"`
	CPUSeconds    float64 `msgpack:"cpu_seconds"`
}
