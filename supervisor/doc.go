// SPDX-License-Identifier: Apache-2.0

// Package supervisor is riffled's main process: it owns the process tree, the
// listening sockets and (through internal/metadata) the metadata authority.
// It never parses client frames, never opens segment files, and never imports
// shardproc or netfront: it talks to them over ipc.
//
// Start: lock the data dir → bind the listeners (or take them from systemd) →
// serve ctl.sock → spawn one shard per CPU, each pinned from birth, and wait
// for each Hello (refusing a child whose measured CPU mask is not the one
// asked) and Ready → wire the shard↔shard channels → spawn the front with the
// listeners and its shard channels → Ready → write ports.json.
//
// Stop (SIGTERM/SIGINT): the front stops accepting → every shard gets
// Shutdown{deadline} in parallel, and its ShutdownAck report is logged →
// whatever misses the deadline is killed and named → listeners and ctl.sock
// closed → "shutdown complete". Every phase is logged with its duration. A
// second signal forces an immediate exit; one within 200 ms of the first is
// the same stop delivered twice (to the process group and by a parent such as
// make) and is only logged.
//
// Restarts: `riffle shard restart N` (ctl.sock) drains shard N (the front
// stops handing it connections), stops it gracefully and starts a new one on
// the same CPU, re-making its channels. A shard that crashes is restarted the
// same way after a backoff; a crash loop (supervisor.crash_loop_count crashes
// within crash_loop_window) stops the restarts and the shard is reported
// failed while the rest keeps serving. A crashed front is restarted too; the
// supervisor's copy of each listener keeps connection attempts queued
// meanwhile.
//
// Concurrency: opMu serializes lifecycle operations (start, restarts, reload,
// stop); mu guards the process table for readers such as ctl status. Lock
// order: opMu before mu. Each child slot (a shard id, the front) has a
// spawner: an OS thread locked for the supervisor's life with the slot's CPU
// mask, which forks every incarnation of that child. The thread carries the
// mask into the child, and Pdeathsig (which fires when the forking thread
// ends) kills the child only when the supervisor goes away.
package supervisor
