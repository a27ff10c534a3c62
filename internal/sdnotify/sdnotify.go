// SPDX-License-Identifier: Apache-2.0

package sdnotify

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/coreos/go-systemd/v22/daemon"
)

// Enabled reports whether the process runs under a service manager that
// listens for notifications (NOTIFY_SOCKET is set).
func Enabled() bool { return os.Getenv("NOTIFY_SOCKET") != "" }

// Ready sends READY=1 and, when status is not "", STATUS=status in the same
// message. Newlines in status become spaces (a STATUS= value is one line).
// It returns an error only when NOTIFY_SOCKET is set but unreachable.
func Ready(status string) error {
	state := daemon.SdNotifyReady
	if status != "" {
		state += "\nSTATUS=" + oneLine(status)
	}
	return send(state)
}

// Status sends STATUS=status (newlines become spaces), the line
// `systemctl status` shows.
func Status(status string) error { return send("STATUS=" + oneLine(status)) }

// Stopping sends STOPPING=1: the graceful stop has begun.
func Stopping() error { return send(daemon.SdNotifyStopping) }

// Reloading sends RELOADING=1 with MONOTONIC_USEC, which systemd >= 253
// requires for Type=notify-reload and older versions ignore. Call Ready when
// the reload is done.
func Reloading() error {
	state := daemon.SdNotifyReloading
	if ts := daemon.SdNotifyMonotonicUsec(); ts != "" {
		state += "\n" + strings.TrimSuffix(ts, "\n")
	}
	return send(state)
}

// Watchdog sends WATCHDOG=1, resetting the unit's WatchdogSec= timer.
func Watchdog() error { return send(daemon.SdNotifyWatchdog) }

// WatchdogInterval returns the unit's watchdog timeout (WATCHDOG_USEC) and
// true when systemd expects this process to send Watchdog; callers ping at
// half the returned interval. It returns false when the watchdog is off,
// WATCHDOG_PID names another process, or the variables do not parse.
func WatchdogInterval() (time.Duration, bool) {
	d, err := daemon.SdWatchdogEnabled(false)
	if err != nil || d <= 0 {
		return 0, false
	}
	return d, true
}

// childVars are the variables that address this process alone: a child that
// inherited them would notify systemd as if it were the main process (and be
// refused under NotifyAccess=main), or adopt listeners meant for its parent.
var childVars = []string{
	"NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID",
	"LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES",
}

// ChildEnv returns environ (os.Environ form) without NOTIFY_SOCKET,
// WATCHDOG_USEC, WATCHDOG_PID, LISTEN_FDS, LISTEN_PID and LISTEN_FDNAMES, for
// starting the front and the shards. It returns a new slice and leaves
// environ unchanged.
func ChildEnv(environ []string) []string {
	out := make([]string, 0, len(environ))
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		if !slices.Contains(childVars, name) {
			out = append(out, kv)
		}
	}
	return out
}

func send(state string) error {
	if _, err := daemon.SdNotify(false, state); err != nil {
		return fmt.Errorf("notify systemd %s: %w", messageName(state), err)
	}
	return nil
}

// messageName names a message in errors by its first variable: READY,
// STATUS, WATCHDOG.
func messageName(state string) string {
	name, _, _ := strings.Cut(state, "=")
	return name
}

func oneLine(s string) string {
	return strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(s)
}
