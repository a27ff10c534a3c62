// SPDX-License-Identifier: Apache-2.0

// Package netfront is the front process: `riffled front`.
//
// The front accepts client connections on the listening sockets the
// supervisor passes it (it never binds a port itself) and hands each accepted
// socket to the Ready shard holding the fewest connections, over that shard's
// channel (SCM_RIGHTS). After a hand-off it holds no descriptor of the
// client: the shard owns the connection, so the front can restart without
// dropping anyone. It never hands anything to a draining shard, never touches
// storage, and parses no client frames.
//
// Stopping (Shutdown from the supervisor, or EOF of the supervisor channel):
// stop accepting (the supervisor's copy of each listener keeps the socket and
// its backlog alive), finish hand-offs in flight, reply ShutdownAck, exit 0.
package netfront
