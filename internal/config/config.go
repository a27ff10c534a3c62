// SPDX-License-Identifier: Apache-2.0

package config

import (
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// Config is the resolved server configuration. Field tags name the TOML
// section and key; the environment variable is RIFFLE_<SECTION>_<KEY>.
// riffled.toml at the repository root documents every key with its default.
type Config struct {
	Server     Server     `toml:"server"`
	TCP        Listener   `toml:"tcp"`
	QUIC       Listener   `toml:"quic"`
	HTTP       Listener   `toml:"http"`
	WebSocket  Listener   `toml:"websocket"`
	Storage    Storage    `toml:"storage"`
	Topic      Topic      `toml:"topic"`
	Shutdown   Shutdown   `toml:"shutdown"`
	Supervisor Supervisor `toml:"supervisor"`
	Shard      Shard      `toml:"shard"`
	Auth       Auth       `toml:"auth"`
	Limits     Limits     `toml:"limits"`
	Log        Log        `toml:"log"`
}

// Server holds process-wide settings.
type Server struct {
	DataDir    string `toml:"data_dir"`    // default ./local_data
	RuntimeDir string `toml:"runtime_dir"` // default $RUNTIME_DIRECTORY, else <data_dir>/run
	Shards     string `toml:"shards"`      // "auto" (CPUs in the affinity mask) or a count
	GoMaxProcs int    `toml:"gomaxprocs"`  // per shard process; default 1
}

// Listener is one transport's listening address.
type Listener struct {
	Enabled bool   `toml:"enabled"`
	Address string `toml:"address"` // host:port; port 0 picks one (see ports.json)
}

// Storage configures the shards' storage engines.
type Storage struct {
	Durability  string `toml:"durability"`   // "fsync" (default) or "write"
	IO          string `toml:"io"`           // "auto" (default), "uring" or "sync"
	SegmentSize Size   `toml:"segment_size"` // default 1 GiB
	CacheWindow Size   `toml:"cache_window"` // newest log per partition kept in the page cache; default 64 MiB, 0 = unlimited
}

// Topic holds the server defaults a CreateTopic with 0 resolves to.
type Topic struct {
	MessageExpiry Duration `toml:"message_expiry"` // 0 = never
	MaxSize       Size     `toml:"max_size"`       // 0 = unlimited
}

// Shutdown bounds the graceful stop.
type Shutdown struct {
	Deadline Duration `toml:"deadline"` // default 20s; stays below the unit's TimeoutStopSec
}

// Supervisor configures child supervision.
type Supervisor struct {
	CrashLoopCount  int      `toml:"crash_loop_count"`  // default 5 crashes ...
	CrashLoopWindow Duration `toml:"crash_loop_window"` // ... within 60s stop the restarts
	RestartBackoff  Duration `toml:"restart_backoff"`   // first delay, doubled per crash; default 100ms
}

// Shard configures shard behaviour.
type Shard struct {
	UnavailableWait Duration `toml:"unavailable_wait"` // default 2s
}

// Auth slows down password and token guessing (see internal/loginguard):
// after FreeLoginFailures failed logins from one IP address, each further
// attempt from it waits its turn, LoginDelay apart and doubling per failure
// up to MaxLoginDelay; a shard counts its own connections' failures.
type Auth struct {
	FreeLoginFailures int      `toml:"free_login_failures"` // default 5; 0 turns the delays off
	LoginDelay        Duration `toml:"login_delay"`         // default 100ms
	MaxLoginDelay     Duration `toml:"max_login_delay"`     // default 2s
}

// Limits caps frames before any allocation.
type Limits struct {
	MaxFrame        Size     `toml:"max_frame"`         // SendMessages; default 64 MiB + 1 MiB of headers
	MaxControlFrame Size     `toml:"max_control_frame"` // other commands; default 10 MiB
	FrameTimeout    Duration `toml:"frame_timeout"`     // a started frame or a reply that stalls this long closes the connection; default 30s
}

// Log configures the process loggers.
type Log struct {
	Level  string `toml:"level"`  // default info
	Format string `toml:"format"` // "" = json unless stderr is a terminal
}

// Defaults returns the configuration every key falls back to.
func Defaults() Config {
	return Config{
		Server:     Server{DataDir: "./local_data", Shards: "auto", GoMaxProcs: 1},
		TCP:        Listener{Enabled: true, Address: "127.0.0.1:8090"},
		QUIC:       Listener{Enabled: false, Address: "127.0.0.1:8080"},
		HTTP:       Listener{Enabled: false, Address: "127.0.0.1:3000"},
		WebSocket:  Listener{Enabled: false, Address: "127.0.0.1:8092"},
		Storage:    Storage{Durability: "fsync", IO: "auto", SegmentSize: 1 << 30, CacheWindow: 64 << 20},
		Shutdown:   Shutdown{Deadline: Duration(20 * time.Second)},
		Supervisor: Supervisor{CrashLoopCount: 5, CrashLoopWindow: Duration(time.Minute), RestartBackoff: Duration(100 * time.Millisecond)},
		Shard:      Shard{UnavailableWait: Duration(2 * time.Second)},
		Auth:       Auth{FreeLoginFailures: 5, LoginDelay: Duration(100 * time.Millisecond), MaxLoginDelay: Duration(2 * time.Second)},
		Limits:     Limits{MaxFrame: 64<<20 + 1<<20, MaxControlFrame: 10 << 20, FrameTimeout: Duration(30 * time.Second)},
		Log:        Log{Level: "info"},
	}
}

// ShardCount resolves Server.Shards: "auto" is the number of CPUs in this
// process's affinity mask (runtime.NumCPU reports exactly that on Linux).
// It returns 0 for a value Validate rejects.
func (c *Config) ShardCount() int {
	if c.Server.Shards == "" || c.Server.Shards == "auto" {
		return runtime.NumCPU()
	}
	n := 0
	for _, ch := range c.Server.Shards {
		if ch < '0' || ch > '9' || n > maxShards {
			return 0
		}
		n = n*10 + int(ch-'0')
	}
	return n
}

// RuntimeDir resolves the directory for ctl.sock and ports.json: the
// configured server.runtime_dir when set, else the first path in
// $RUNTIME_DIRECTORY from environ (systemd's RuntimeDirectory=), else
// <data_dir>/run. environ is in os.Environ form; the result is cleaned but
// not made absolute.
func (c *Config) RuntimeDir(environ []string) string {
	if c.Server.RuntimeDir != "" {
		return filepath.Clean(c.Server.RuntimeDir)
	}
	if v, ok := lookupEnv(environ, "RUNTIME_DIRECTORY"); ok && v != "" {
		// systemd joins several RuntimeDirectory= entries with ':'.
		first, _, _ := strings.Cut(v, ":")
		if first != "" {
			return filepath.Clean(first)
		}
	}
	return filepath.Join(c.Server.DataDir, "run")
}

// lookupEnv returns the last value of name in environ, as the C library and
// os/exec do when a name appears twice.
func lookupEnv(environ []string, name string) (string, bool) {
	val, found := "", false
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok && k == name {
			val, found = v, true
		}
	}
	return val, found
}
