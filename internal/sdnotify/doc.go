// SPDX-License-Identifier: Apache-2.0

// Package sdnotify tells systemd about the supervisor's state (READY,
// STATUS, RELOADING, STOPPING, WATCHDOG) through the sd_notify protocol, and
// does nothing outside systemd: when NOTIFY_SOCKET is unset every call returns
// nil without side effects. It is a thin layer over
// github.com/coreos/go-systemd/v22/daemon.
//
// Only the supervisor, the unit's main process, may call it: the unit sets
// NotifyAccess=main and systemd drops messages from any other PID. The
// supervisor's duties:
//
//  1. Start every child with ChildEnv(os.Environ()), so shards and the front
//     never see NOTIFY_SOCKET, WATCHDOG_* or LISTEN_*.
//  2. Call Ready once every shard and the front are Ready, with a STATUS
//     text such as "serving, 8/8 shards"; Status whenever that changes (a
//     shard restarting, a shard failed after a crash loop).
//  3. If WatchdogInterval reports one, call Watchdog every half interval,
//     and only while its own loop and every live shard are healthy.
//  4. Reloading when a reload starts, Ready when it is done.
//  5. Stopping first thing on SIGTERM.
//
// The functions read the process environment on every call and are safe
// for concurrent use; each message is one datagram on a fresh socket.
package sdnotify
