// SPDX-License-Identifier: Apache-2.0

package config_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"riffle/internal/config"
)

func TestDefaultsAreValid(t *testing.T) {
	c := config.Defaults()
	if err := c.Validate(); err != nil {
		t.Fatalf("Defaults().Validate() = %v", err)
	}
}

func TestValidateAcceptsBoundaryValues(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(c *config.Config)
	}{
		{"one shard", func(c *config.Config) { c.Server.Shards = "1" }},
		{"most shards", func(c *config.Config) { c.Server.Shards = "1024" }},
		{"port zero", func(c *config.Config) { c.TCP.Address = "127.0.0.1:0" }},
		{"two listeners on port zero", func(c *config.Config) {
			c.TCP.Address, c.HTTP.Address, c.HTTP.Enabled = "127.0.0.1:0", "127.0.0.1:0", true
		}},
		{"quic shares the tcp port", func(c *config.Config) { c.QUIC.Address, c.QUIC.Enabled = "127.0.0.1:8090", true }},
		{"disabled listener shares the tcp port", func(c *config.Config) { c.HTTP.Address = "127.0.0.1:8090" }},
		{"all interfaces", func(c *config.Config) { c.TCP.Address = ":8090" }},
		{"ipv6", func(c *config.Config) { c.TCP.Address = "[::1]:65535" }},
		{"smallest segment", func(c *config.Config) { c.Storage.SegmentSize = 1 << 20 }},
		{"unlimited cache window", func(c *config.Config) { c.Storage.CacheWindow = 0 }},
		{"smallest cache window", func(c *config.Config) { c.Storage.CacheWindow = 8 << 20 }},
		{"write durability", func(c *config.Config) { c.Storage.Durability = "write" }},
		{"sync io", func(c *config.Config) { c.Storage.IO = "sync" }},
		{"uring io", func(c *config.Config) { c.Storage.IO = "uring" }},
		{"max size equals segment", func(c *config.Config) { c.Topic.MaxSize = c.Storage.SegmentSize }},
		{"longest deadline", func(c *config.Config) { c.Shutdown.Deadline = config.Duration(10 * time.Minute) }},
		{"no restart backoff", func(c *config.Config) { c.Supervisor.RestartBackoff = 0 }},
		{"no unavailable wait", func(c *config.Config) { c.Shard.UnavailableWait = 0 }},
		{"smallest max frame", func(c *config.Config) { c.Limits.MaxFrame = 1 << 20 }},
		{"upper-case level", func(c *config.Config) { c.Log.Level = "DEBUG" }},
		{"text format", func(c *config.Config) { c.Log.Format = "text" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := config.Defaults()
			tt.mutate(&c)
			if err := c.Validate(); err != nil {
				t.Fatalf("Validate() = %v", err)
			}
		})
	}
}

func TestValidateRejectsOutOfRangeNamingKeyAndRange(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(c *config.Config)
		want   string // the whole message
	}{
		{"empty data dir", func(c *config.Config) { c.Server.DataDir = "" },
			`server.data_dir: is empty (want a directory)`},
		{"zero shards", func(c *config.Config) { c.Server.Shards = "0" },
			`server.shards: "0" is not auto or a count in 1..1024`},
		{"too many shards", func(c *config.Config) { c.Server.Shards = "1025" },
			`server.shards: "1025" is not auto or a count in 1..1024`},
		{"shards word", func(c *config.Config) { c.Server.Shards = "all" },
			`server.shards: "all" is not auto or a count in 1..1024`},
		{"shards with sign", func(c *config.Config) { c.Server.Shards = "+4" },
			`server.shards: "+4" is not auto or a count in 1..1024`},
		{"shards empty", func(c *config.Config) { c.Server.Shards = "" },
			`server.shards: "" is not auto or a count in 1..1024`},
		{"zero gomaxprocs", func(c *config.Config) { c.Server.GoMaxProcs = 0 },
			`server.gomaxprocs: 0 is out of range (want 1..1024)`},
		{"address without port", func(c *config.Config) { c.TCP.Address = "localhost" },
			`tcp.address: "localhost" is not host:port with a port in 0..65535`},
		{"port too large", func(c *config.Config) { c.QUIC.Address = "127.0.0.1:65536" },
			`quic.address: "127.0.0.1:65536" is not host:port with a port in 0..65535`},
		{"named port", func(c *config.Config) { c.HTTP.Address = "127.0.0.1:http" },
			`http.address: "127.0.0.1:http" is not host:port with a port in 0..65535`},
		{"enabled listeners share an address", func(c *config.Config) {
			c.WebSocket.Enabled, c.WebSocket.Address = true, "127.0.0.1:8090"
		}, `websocket.address: 127.0.0.1:8090 is also tcp.address (both enabled)`},
		{"durability", func(c *config.Config) { c.Storage.Durability = "fsyn" },
			`storage.durability: "fsyn" is not one of "fsync", "write"`},
		{"io", func(c *config.Config) { c.Storage.IO = "aio" },
			`storage.io: "aio" is not one of "auto", "uring", "sync"`},
		{"cache window too small", func(c *config.Config) { c.Storage.CacheWindow = 1 << 20 },
			`storage.cache_window: 1MiB is out of range (want unlimited or 8MiB..1GiB)`},
		{"cache window too large", func(c *config.Config) { c.Storage.CacheWindow = 2 << 30 },
			`storage.cache_window: 2GiB is out of range (want unlimited or 8MiB..1GiB)`},
		{"segment too small", func(c *config.Config) { c.Storage.SegmentSize = 512 << 10 },
			`storage.segment_size: 512KiB is out of range (want 1MiB..1GiB)`},
		{"segment too large", func(c *config.Config) { c.Storage.SegmentSize = 2 << 30 },
			`storage.segment_size: 2GiB is out of range (want 1MiB..1GiB)`},
		{"segment zero", func(c *config.Config) { c.Storage.SegmentSize = 0 },
			`storage.segment_size: 0 is out of range (want 1MiB..1GiB)`},
		{"max size below segment", func(c *config.Config) { c.Topic.MaxSize = 512 << 20 },
			`topic.max_size: 512MiB is below storage.segment_size 1GiB (want unlimited or at least one segment)`},
		{"negative expiry", func(c *config.Config) { c.Topic.MessageExpiry = config.Duration(-time.Second) },
			`topic.message_expiry: -1s is out of range (want at least 0s)`},
		{"zero deadline", func(c *config.Config) { c.Shutdown.Deadline = 0 },
			`shutdown.deadline: 0s is out of range (want above 0s, at most 10m)`},
		{"deadline too long", func(c *config.Config) { c.Shutdown.Deadline = config.Duration(11 * time.Minute) },
			`shutdown.deadline: 11m is out of range (want above 0s, at most 10m)`},
		{"zero crash loop count", func(c *config.Config) { c.Supervisor.CrashLoopCount = 0 },
			`supervisor.crash_loop_count: 0 is out of range (want 1..1000)`},
		{"zero crash loop window", func(c *config.Config) { c.Supervisor.CrashLoopWindow = 0 },
			`supervisor.crash_loop_window: 0s is out of range (want above 0s, at most 24h)`},
		{"restart backoff too long", func(c *config.Config) { c.Supervisor.RestartBackoff = config.Duration(2 * time.Minute) },
			`supervisor.restart_backoff: 2m is out of range (want 0s..1m)`},
		{"unavailable wait too long", func(c *config.Config) { c.Shard.UnavailableWait = config.Duration(time.Hour) },
			`shard.unavailable_wait: 1h is out of range (want 0s..1m)`},
		{"max frame too small", func(c *config.Config) { c.Limits.MaxFrame = 64 << 10 },
			`limits.max_frame: 64KiB is out of range (want 1MiB..1GiB)`},
		{"max frame unlimited", func(c *config.Config) { c.Limits.MaxFrame = 0 },
			`limits.max_frame: 0 is out of range (want 1MiB..1GiB)`},
		{"control frame too small", func(c *config.Config) { c.Limits.MaxControlFrame = 1000 },
			`limits.max_control_frame: 1000 is out of range (want 64KiB..1GiB)`},
		{"log level", func(c *config.Config) { c.Log.Level = "verbose" },
			`log.level: "verbose" is not one of "trace", "debug", "info", "warn", "warning", "error"`},
		{"log format", func(c *config.Config) { c.Log.Format = "yaml" },
			`log.format: "yaml" is not one of "", "json", "text"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := config.Defaults()
			tt.mutate(&c)
			err := c.Validate()
			if !errors.Is(err, config.ErrInvalidValue) {
				t.Fatalf("Validate() = %v, want ErrInvalidValue", err)
			}
			if err.Error() != tt.want {
				t.Fatalf("Validate() = %q\nwant        %q", err, tt.want)
			}
			var ke *config.KeyError
			if !errors.As(err, &ke) || !strings.HasPrefix(tt.want, ke.Key+": ") {
				t.Fatalf("Validate() error %v is not a *KeyError for its key", err)
			}
		})
	}
}

func TestValidateReportsEveryBadKey(t *testing.T) {
	c := config.Defaults()
	c.Storage.Durability = "x"
	c.Log.Level = "y"
	c.Server.GoMaxProcs = -1
	err := c.Validate()
	if err == nil {
		t.Fatal("Validate accepted three bad keys")
	}
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != 3 {
		t.Fatalf("Validate() = %q, want three lines", err)
	}
	for i, key := range []string{"server.gomaxprocs: ", "storage.durability: ", "log.level: "} {
		if !strings.HasPrefix(lines[i], key) {
			t.Errorf("line %d = %q, want it to start with %q", i, lines[i], key)
		}
	}
}
