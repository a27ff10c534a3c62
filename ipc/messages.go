// SPDX-License-Identifier: Apache-2.0

package ipc

// Frame types of the lifecycle protocol between the supervisor and its
// children, and between the front and the shards. Messages that carry server
// state (configuration, metadata, forwarded requests) are defined by the
// packages that own that state; these know only about processes.
const (
	// TypeHello: child → supervisor, first frame on the inherited channel (Hello).
	TypeHello = "hello"
	// TypeInit: supervisor → child request after Hello; its Meta is the
	// child's start parameters (owned by the supervisor's side); reply when the
	// child has taken them.
	TypeInit = "init"
	// TypeReady: child → supervisor notification (Ready) once serving.
	TypeReady = "ready"
	// TypeShutdown: supervisor → child request (Shutdown); the reply is a ShutdownAck.
	TypeShutdown = "shutdown"
	// TypeChannel: supervisor → child notification (Channel) with one socket in
	// Files[0]: a new channel to the front or to another shard.
	TypeChannel = "channel"
	// TypeShardState: supervisor → front notification (ShardState).
	TypeShardState = "shard-state"
	// TypeHandoff: front → shard notification (Handoff) with the client socket in Files[0].
	TypeHandoff = "handoff"
	// TypeConnClosed: shard → front notification (ConnClosed).
	TypeConnClosed = "conn-closed"
	// TypeConnAdopted: shard → front notification (ConnClosed, unused
	// fields) that the shard took over a connection from another shard.
	TypeConnAdopted = "conn-adopted"
	// TypeHeartbeat: child → supervisor notification (Heartbeat).
	TypeHeartbeat = "heartbeat"
)

// Roles a child process reports in Hello.
const (
	RoleFront = "front"
	RoleShard = "shard"
)

// Hello is a child's first message: who it is and where it runs.
type Hello struct {
	V       int    `msgpack:"v"`
	Role    string `msgpack:"role"`
	Shard   int    `msgpack:"shard"`
	PID     int    `msgpack:"pid"`
	Version string `msgpack:"version"`
	// CPUs is the union of the affinity masks of every thread of the process,
	// measured by the child itself, sorted.
	CPUs []int `msgpack:"cpus"`
}

// Ready says a child serves: a shard recovered its partitions and applied
// metadata; the front bound its listeners.
type Ready struct {
	V     int   `msgpack:"v"`
	Took  int64 `msgpack:"took_ns"` // time from process start
	Conns int   `msgpack:"conns,omitempty"`
}

// Shutdown asks a child to stop gracefully before the deadline.
type Shutdown struct {
	V            int    `msgpack:"v"`
	DeadlineUnix int64  `msgpack:"deadline_unix_ns"`
	Reason       string `msgpack:"reason"`
}

// ShutdownAck is a child's report of its graceful stop, sent as the reply to
// Shutdown just before it exits.
type ShutdownAck struct {
	V            int      `msgpack:"v"`
	TookNS       int64    `msgpack:"took_ns"`
	TasksDrained int      `msgpack:"tasks_drained"`
	TimedOut     []string `msgpack:"timed_out,omitempty"`
	Failed       []string `msgpack:"failed,omitempty"`
	Conns        int      `msgpack:"conns"`
	// BytesWritten is the message bytes the shard appended in this run;
	// SegmentsSynced the segment files its storage fdatasynced and closed
	// in the stop (so every acknowledged message is on disk).
	BytesWritten   int64   `msgpack:"bytes_written"`
	SegmentsSynced int     `msgpack:"segments_synced"`
	Phases         []Phase `msgpack:"phases,omitempty"`
}

// Phase is one timed step of a shutdown.
type Phase struct {
	Name   string `msgpack:"name"`
	TookNS int64  `msgpack:"took_ns"`
}

// Channel kinds.
const (
	ChannelFront = "front" // a shard's channel to the front, or the front's to a shard
	ChannelShard = "shard" // a channel between two shards
)

// Channel introduces the socket in Files[0]: for a shard, to the front
// (Kind=front) or to shard Peer (Kind=shard); for the front, to shard Peer.
// A new Channel for the same peer replaces the previous one.
type Channel struct {
	V    int    `msgpack:"v"`
	Kind string `msgpack:"kind"`
	Peer int    `msgpack:"peer"`
}

// Shard states as the front sees them.
const (
	ShardReady    = "ready"    // hand connections to it
	ShardDraining = "draining" // never hand it anything
	ShardDown     = "down"
)

// ShardState tells the front what it may do with a shard.
type ShardState struct {
	V     int    `msgpack:"v"`
	Shard int    `msgpack:"shard"`
	State string `msgpack:"state"`
}

// Transports of a handed-off connection.
const (
	TransportTCP  = "tcp"
	TransportWS   = "ws"
	TransportHTTP = "http"
)

// Handoff gives a shard an accepted client connection (Files[0]).
type Handoff struct {
	V         int    `msgpack:"v"`
	Transport string `msgpack:"transport"`
	Remote    string `msgpack:"remote"`
	Local     string `msgpack:"local"`
}

// ConnClosed tells the front that a shard's connection ended, so its count
// of connections per shard stays right.
type ConnClosed struct {
	V     int `msgpack:"v"`
	Conns int `msgpack:"conns"` // connections the shard holds now
}

// Heartbeat is a child's periodic liveness report.
type Heartbeat struct {
	V     int `msgpack:"v"`
	Conns int `msgpack:"conns"`
	// Fenced describes each partition the shard refused for corruption
	// (partition, file, byte offset, reason), for `riffle server status`.
	Fenced []string `msgpack:"fenced,omitempty"`
}
