// SPDX-License-Identifier: Apache-2.0

package config

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"
)

// Ranges Validate enforces. They are part of the documented contract in
// riffled.toml.
const (
	maxShards            = 1024
	maxGoMaxProcs        = 1024
	maxCrashLoopCount    = 1000
	minSegmentSize       = Size(1 << 20)
	maxSegmentSize       = Size(1 << 30)
	minCacheWindow       = Size(8 << 20) // storage.MinCacheWindow
	maxShutdown          = Duration(10 * time.Minute)
	maxCrashLoopWindow   = Duration(24 * time.Hour)
	maxRestartBackoff    = Duration(time.Minute)
	maxUnavailableWait   = Duration(time.Minute)
	maxFreeLoginFailures = 1_000_000
	maxLoginDelay        = Duration(time.Minute)
	minMaxFrame          = Size(1 << 20)
	minMaxControlFrame   = Size(64 << 10)
	maxFrameLimit        = Size(1 << 30)
)

var (
	durabilities = []string{"fsync", "write"}
	ioBackends   = []string{"auto", "uring", "sync"}
	logLevels    = []string{"trace", "debug", "info", "warn", "warning", "error"}
	logFormats   = []string{"", "json", "text"}
)

// Validate checks every key and returns nil or all problems joined with
// errors.Join, each a *KeyError (Source "") whose text names the key, the
// value and the allowed range, and wraps ErrInvalidValue.
func (c *Config) Validate() error {
	v := validator{}

	if strings.TrimSpace(c.Server.DataDir) == "" {
		v.bad("server.data_dir", "is empty (want a directory)")
	}
	// The same digits-only reading as ShardCount, so "+4" is not a count.
	if s := c.Server.Shards; s != "auto" {
		if n := c.ShardCount(); s == "" || n < 1 || n > maxShards {
			v.bad("server.shards", "%q is not auto or a count in 1..%d", s, maxShards)
		}
	}
	v.intRange("server.gomaxprocs", c.Server.GoMaxProcs, 1, maxGoMaxProcs)

	listeners := []struct {
		section string
		l       Listener
		stream  bool // TCP-based: tcp, http and websocket cannot share a port
	}{
		{"tcp", c.TCP, true}, {"quic", c.QUIC, false}, {"http", c.HTTP, true}, {"websocket", c.WebSocket, true},
	}
	boundBy := map[string]string{}
	for _, ln := range listeners {
		key := ln.section + ".address"
		hostPort, ok := v.address(key, ln.l.Address)
		if !ok || !ln.l.Enabled || !ln.stream || strings.HasSuffix(hostPort, ":0") {
			continue
		}
		if other, dup := boundBy[hostPort]; dup {
			v.bad(key, "%s is also %s (both enabled)", ln.l.Address, other)
			continue
		}
		boundBy[hostPort] = key
	}

	v.oneOf("storage.durability", c.Storage.Durability, durabilities)
	v.oneOf("storage.io", c.Storage.IO, ioBackends)
	v.sizeRange("storage.segment_size", c.Storage.SegmentSize, minSegmentSize, maxSegmentSize)
	if w := c.Storage.CacheWindow; w != 0 && (w < minCacheWindow || w > maxSegmentSize) {
		v.bad("storage.cache_window", "%s is out of range (want unlimited or %s..%s)", w, minCacheWindow, maxSegmentSize)
	}

	v.durRange("topic.message_expiry", c.Topic.MessageExpiry, 0, -1)
	if ms := c.Topic.MaxSize; ms != 0 && ms < c.Storage.SegmentSize {
		v.bad("topic.max_size", "%s is below storage.segment_size %s (want unlimited or at least one segment)", ms, c.Storage.SegmentSize)
	}

	v.durRange("shutdown.deadline", c.Shutdown.Deadline, 1, maxShutdown)

	v.intRange("supervisor.crash_loop_count", c.Supervisor.CrashLoopCount, 1, maxCrashLoopCount)
	v.durRange("supervisor.crash_loop_window", c.Supervisor.CrashLoopWindow, 1, maxCrashLoopWindow)
	v.durRange("supervisor.restart_backoff", c.Supervisor.RestartBackoff, 0, maxRestartBackoff)

	v.durRange("shard.unavailable_wait", c.Shard.UnavailableWait, 0, maxUnavailableWait)

	v.intRange("auth.free_login_failures", c.Auth.FreeLoginFailures, 0, maxFreeLoginFailures)
	v.durRange("auth.login_delay", c.Auth.LoginDelay, Duration(time.Millisecond), maxLoginDelay)
	v.durRange("auth.max_login_delay", c.Auth.MaxLoginDelay, max(c.Auth.LoginDelay, Duration(time.Millisecond)), maxLoginDelay)

	v.sizeRange("limits.max_frame", c.Limits.MaxFrame, minMaxFrame, maxFrameLimit)
	v.sizeRange("limits.max_control_frame", c.Limits.MaxControlFrame, minMaxControlFrame, maxFrameLimit)
	v.durRange("limits.frame_timeout", c.Limits.FrameTimeout, Duration(time.Second), Duration(10*time.Minute))

	v.oneOf("log.level", strings.ToLower(c.Log.Level), logLevels)
	v.oneOf("log.format", c.Log.Format, logFormats)

	return errors.Join(v.errs...)
}

type validator struct{ errs []error }

func (v *validator) bad(key, format string, args ...any) {
	v.errs = append(v.errs, &KeyError{Key: key, Err: invalidf(format, args...)})
}

func (v *validator) oneOf(key, val string, allowed []string) {
	for _, a := range allowed {
		if val == a {
			return
		}
	}
	quoted := make([]string, len(allowed))
	for i, a := range allowed {
		quoted[i] = strconv.Quote(a)
	}
	v.bad(key, "%q is not one of %s", val, strings.Join(quoted, ", "))
}

func (v *validator) intRange(key string, val, lo, hi int) {
	if val < lo || val > hi {
		v.bad(key, "%d is out of range (want %d..%d)", val, lo, hi)
	}
}

func (v *validator) sizeRange(key string, val, lo, hi Size) {
	if val < lo || val > hi {
		v.bad(key, "%s is out of range (want %s..%s)", sizeText(val), lo, hi)
	}
}

// durRange checks lo <= val <= hi; hi < 0 means no upper bound, and lo = 1
// reads as "above 0s".
func (v *validator) durRange(key string, val, lo, hi Duration) {
	if val >= lo && (hi < 0 || val <= hi) {
		return
	}
	var want string
	switch {
	case hi < 0:
		want = "at least " + lo.String()
	case lo == 1:
		want = "above 0s, at most " + hi.String()
	default:
		want = lo.String() + ".." + hi.String()
	}
	v.bad(key, "%s is out of range (want %s)", val, want)
}

// address checks host:port with a numeric port 0..65535 and returns the
// normalised form.
func (v *validator) address(key, addr string) (string, bool) {
	host, port, err := net.SplitHostPort(addr)
	if err == nil {
		var p uint64
		if p, err = strconv.ParseUint(port, 10, 16); err == nil {
			return net.JoinHostPort(host, strconv.FormatUint(p, 10)), true
		}
	}
	v.bad(key, "%q is not host:port with a port in 0..65535", addr)
	return "", false
}

// sizeText shows 0 as "0" rather than "unlimited" where 0 is out of range.
func sizeText(s Size) string {
	if s == 0 {
		return "0"
	}
	return fmt.Sprint(s)
}
