// SPDX-License-Identifier: Apache-2.0

package ipc

// Requests served on ctl.sock by the supervisor, used by `riffle shard …` and
// `riffle server …`. Each is a Peer.Call of that type; the reply's Meta is the
// named result.
const (
	TypeStatus       = "status"        // → Status
	TypeShardList    = "shard-list"    // → ShardList
	TypeShardRestart = "shard-restart" // ShardRestart → ShardRestartResult
	TypeReload       = "reload"        // → ReloadResult
)

// Process states reported on ctl.sock.
const (
	StateStarting   = "starting"
	StateReady      = "ready"
	StateDraining   = "draining"
	StateRestarting = "restarting"
	StateFailed     = "failed" // given up after a crash loop
	StateStopped    = "stopped"
)

// ShardInfo describes one shard process.
type ShardInfo struct {
	ID        int    `msgpack:"id" json:"id"`
	PID       int    `msgpack:"pid" json:"pid"`
	CPU       int    `msgpack:"cpu" json:"cpu"`
	State     string `msgpack:"state" json:"state"`
	Restarts  int    `msgpack:"restarts" json:"restarts"`
	StartedAt int64  `msgpack:"started_at_unix_ns" json:"started_at_unix_ns"`
	Conns     int    `msgpack:"conns" json:"conns"`
	LastError string `msgpack:"last_error,omitempty" json:"last_error,omitempty"`
	Version   string `msgpack:"version" json:"version"`
}

// ShardList is the reply to TypeShardList.
type ShardList struct {
	V      int         `msgpack:"v" json:"-"`
	Shards []ShardInfo `msgpack:"shards" json:"shards"`
}

// Status is the reply to TypeStatus.
type Status struct {
	V            int               `msgpack:"v" json:"-"`
	PID          int               `msgpack:"pid" json:"pid"`
	Version      string            `msgpack:"version" json:"version"`
	StartedAt    int64             `msgpack:"started_at_unix_ns" json:"started_at_unix_ns"`
	State        string            `msgpack:"state" json:"state"`
	DataDir      string            `msgpack:"data_dir" json:"data_dir"`
	Listeners    map[string]string `msgpack:"listeners" json:"listeners"`
	FrontPID     int               `msgpack:"front_pid" json:"front_pid"`
	FrontVersion string            `msgpack:"front_version" json:"front_version"`
	Problems     []string          `msgpack:"problems,omitempty" json:"problems,omitempty"`
	Shards       []ShardInfo       `msgpack:"shards" json:"shards"`
	Fenced       []string          `msgpack:"fenced,omitempty" json:"fenced,omitempty"`
	Durability   string            `msgpack:"durability" json:"durability"`
	IO           string            `msgpack:"io" json:"io"`
}

// ShardRestart asks for a graceful restart of one shard.
type ShardRestart struct {
	V     int `msgpack:"v"`
	Shard int `msgpack:"shard"`
}

// ShardRestartResult reports a finished shard restart.
type ShardRestartResult struct {
	V      int   `msgpack:"v" json:"-"`
	Shard  int   `msgpack:"shard" json:"shard"`
	OldPID int   `msgpack:"old_pid" json:"old_pid"`
	NewPID int   `msgpack:"new_pid" json:"new_pid"`
	CPU    int   `msgpack:"cpu" json:"cpu"`
	TookNS int64 `msgpack:"took_ns" json:"took_ns"`
}

// ReloadResult reports a finished rolling reload.
type ReloadResult struct {
	V        int                  `msgpack:"v" json:"-"`
	Shards   []ShardRestartResult `msgpack:"shards" json:"shards"`
	FrontOld int                  `msgpack:"front_old_pid" json:"front_old_pid"`
	FrontNew int                  `msgpack:"front_new_pid" json:"front_new_pid"`
	Version  string               `msgpack:"version" json:"version"`
	TookNS   int64                `msgpack:"took_ns" json:"took_ns"`
}
