// SPDX-License-Identifier: Apache-2.0

// Package control holds the typed messages the supervisor exchanges with its
// children beyond the process lifecycle of package ipc: the start parameters
// each child receives (ipc.TypeInit), metadata requests and entries, the
// client registry and aggregated stats, and the owner operations one shard
// asks of another. Every message is a struct with explicit msgpack tags and a
// version field, so a child built from newer code still understands its
// parent during a rolling reload.
package control

import "riffle/internal/config"

// ShardInit is the Meta of the ipc.TypeInit request sent to a shard. Its Body
// is the metadata snapshot (metadata.State.Snapshot) the shard starts from;
// every entry after the snapshot's version follows as TypeEntry frames.
type ShardInit struct {
	V      int           `msgpack:"v"`
	Shard  int           `msgpack:"shard"`
	Shards int           `msgpack:"shards"` // shard count of the server
	CPU    int           `msgpack:"cpu"`
	Config config.Config `msgpack:"config"` // resolved; children never re-derive defaults
	// Listeners holds the bound address of every listener by transport
	// ("tcp", …), for GetClusterMetadata.
	Listeners map[string]string `msgpack:"listeners"`
}

// FrontInit is the Meta of the ipc.TypeInit request sent to the front.
type FrontInit struct {
	V         int           `msgpack:"v"`
	Shards    int           `msgpack:"shards"`
	Config    config.Config `msgpack:"config"`
	Listeners []Listener    `msgpack:"listeners"`
}

// Listener names an inherited listening socket: FD is its descriptor number
// in the child (ExtraFiles index + 3).
type Listener struct {
	Name string `msgpack:"name"` // "tcp", "ws", "http"
	FD   int    `msgpack:"fd"`
	Addr string `msgpack:"addr"`
}
