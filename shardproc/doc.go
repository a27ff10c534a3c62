// SPDX-License-Identifier: Apache-2.0

// Package shardproc is one shard process: `riffled shard --id N`.
//
// A shard is started by the supervisor, pinned to one CPU from birth, with its
// channel to the supervisor inherited as descriptor 3. It owns the partitions
// placed on it, their storage, the sessions of the client connections the
// front hands to it, and its task registry. It never accepts connections
// itself and never talks to systemd.
//
// Life of a shard:
//
//  1. send Hello (role, id, pid, the measured CPU mask of every thread);
//  2. take Init (resolved config, shard count), recover, send Ready;
//  3. serve: connections arrive as Handoff frames (descriptor in Files[0]) on
//     the channel to the front; each is served by a continuous task running
//     the Iggy frame loop (read a whole frame, dispatch, reply);
//  4. stop on Shutdown{deadline} from the supervisor, on EOF of the
//     supervisor channel (the parent died), or on SIGTERM: refuse hand-offs,
//     drain the task registry (connections finish the request in progress,
//     are told Disconnected and closed), flush and fsync, reply ShutdownAck
//     with the report, exit 0.
//
// Goroutines: the supervisor channel's reader is the process's lifeline and
// runs outside the registry; every other goroutine is a registry task.
package shardproc
