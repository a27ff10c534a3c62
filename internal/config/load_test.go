// SPDX-License-Identifier: Apache-2.0

package config_test

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"riffle/internal/config"
)

// writeConfig writes body to riffled.toml in a fresh directory and returns
// its path.
func writeConfig(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "riffled.toml")
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLoadWithoutFileOrEnvironmentReturnsDefaults(t *testing.T) {
	got, err := config.Load("", []string{"PATH=/bin", "HOME=/root"})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if want := config.Defaults(); !reflect.DeepEqual(got, want) {
		t.Fatalf("Load = %+v\nwant %+v", got, want)
	}
}

func TestLoadAppliesFileThenEnvironment(t *testing.T) {
	tests := []struct {
		name    string
		file    string
		environ []string
		check   func(c config.Config) bool
	}{
		{
			name:  "file string",
			file:  "[storage]\ndurability = \"write\"\n",
			check: func(c config.Config) bool { return c.Storage.Durability == "write" },
		},
		{
			name:  "file dotted key",
			file:  "tcp.address = \"0.0.0.0:9000\"\n",
			check: func(c config.Config) bool { return c.TCP.Address == "0.0.0.0:9000" },
		},
		{
			name:  "file size as integer",
			file:  "[storage]\nsegment_size = 2097152\n",
			check: func(c config.Config) bool { return c.Storage.SegmentSize == 2<<20 },
		},
		{
			name:  "file size as text",
			file:  "[limits]\nmax_frame = \"8 MiB\"\n",
			check: func(c config.Config) bool { return c.Limits.MaxFrame == 8<<20 },
		},
		{
			name: "file durations",
			file: "[topic]\nmessage_expiry = \"168h\"\n[shutdown]\ndeadline = \"45s\"\n",
			check: func(c config.Config) bool {
				return c.Topic.MessageExpiry == config.Duration(168*time.Hour) && c.Shutdown.Deadline == config.Duration(45*time.Second)
			},
		},
		{
			name:  "file shards as integer",
			file:  "[server]\nshards = 4\n",
			check: func(c config.Config) bool { return c.Server.Shards == "4" && c.ShardCount() == 4 },
		},
		{
			name:  "file boolean",
			file:  "[quic]\nenabled = true\n",
			check: func(c config.Config) bool { return c.QUIC.Enabled },
		},
		{
			name:    "environment over file",
			file:    "[storage]\ndurability = \"write\"\n",
			environ: []string{"RIFFLE_STORAGE_DURABILITY=fsync"},
			check:   func(c config.Config) bool { return c.Storage.Durability == "fsync" },
		},
		{
			name:    "environment key with underscore",
			environ: []string{"RIFFLE_SERVER_DATA_DIR=/srv/riffle", "RIFFLE_SUPERVISOR_CRASH_LOOP_COUNT=9"},
			check: func(c config.Config) bool {
				return c.Server.DataDir == "/srv/riffle" && c.Supervisor.CrashLoopCount == 9
			},
		},
		{
			name:    "environment typed values",
			environ: []string{"RIFFLE_WEBSOCKET_ENABLED=true", "RIFFLE_TOPIC_MAX_SIZE=10GiB", "RIFFLE_SHARD_UNAVAILABLE_WAIT=none"},
			check: func(c config.Config) bool {
				return c.WebSocket.Enabled && c.Topic.MaxSize == 10<<30 && c.Shard.UnavailableWait == 0
			},
		},
		{
			name:    "later duplicate wins",
			environ: []string{"RIFFLE_TCP_ADDRESS=127.0.0.1:1", "RIFFLE_TCP_ADDRESS=127.0.0.1:2"},
			check:   func(c config.Config) bool { return c.TCP.Address == "127.0.0.1:2" },
		},
		{
			name: "non-config RIFFLE variables ignored",
			environ: []string{"RIFFLE_ROOT_PASSWORD=secret", "RIFFLE_DEBUG_HANG=1", "RIFFLE_TIMESCALE=3",
				"RIFFLEX=1", "IGGY_ROOT_PASSWORD=x"},
			check: func(c config.Config) bool { return reflect.DeepEqual(c, config.Defaults()) },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := ""
			if tt.file != "" {
				path = writeConfig(t, tt.file)
			}
			c, err := config.Load(path, tt.environ)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if !tt.check(c) {
				t.Fatalf("Load gave %+v", c)
			}
		})
	}
}

func TestLoadRejectsBadInputNamingTheKey(t *testing.T) {
	tests := []struct {
		name    string
		file    string
		environ []string
		is      error
		want    string // substring of the message, after the file path
	}{
		{"unknown key", "[storage]\ndurabilty = \"fsync\"\n", nil, config.ErrUnknownKey,
			`: unknown key "storage.durabilty"`},
		{"unknown section", "[stroage]\ndurability = \"fsync\"\n", nil, config.ErrUnknownKey,
			`: unknown key "stroage"`},
		{"unknown nested table", "[storage.extra]\nx = 1\n", nil, config.ErrUnknownKey,
			`: unknown key "storage.extra"`},
		{"top-level key", "data_dir = \"/x\"\n", nil, config.ErrUnknownKey,
			`: unknown key "data_dir"`},
		{"section not a table", "storage = 5\n", nil, config.ErrInvalidValue,
			`: storage: is an integer, want a table [storage]`},
		{"bad size", "[storage]\nsegment_size = \"1 GB!\"\n", nil, config.ErrInvalidValue,
			`: storage.segment_size: "1 GB!" is not a size`},
		{"duration as integer", "[shutdown]\ndeadline = 20\n", nil, config.ErrInvalidValue,
			`: shutdown.deadline: "20" is not a duration`},
		{"string for boolean", "[tcp]\nenabled = \"yes\"\n", nil, config.ErrInvalidValue,
			`: tcp.enabled: is the string "yes", want true or false`},
		{"boolean for string", "[log]\nlevel = true\n", nil, config.ErrInvalidValue,
			`: log.level: is a boolean, want a string`},
		{"float for integer", "[server]\ngomaxprocs = 1.5\n", nil, config.ErrInvalidValue,
			`: server.gomaxprocs: is a float, want an integer`},
		{"array for size", "[limits]\nmax_frame = [1]\n", nil, config.ErrInvalidValue,
			`: limits.max_frame: is an array, want a size`},
		{"unknown environment variable", "", []string{"RIFFLE_STORAGE_DURABILTY=fsync"}, config.ErrUnknownKey,
			`RIFFLE_STORAGE_DURABILTY: unknown key "storage.durabilty"`},
		{"unknown environment section", "", []string{"RIFFLE_NOPE=1"}, config.ErrUnknownKey,
			`RIFFLE_NOPE: unknown key "nope"`},
		{"bad environment integer", "", []string{"RIFFLE_SERVER_GOMAXPROCS=two"}, config.ErrInvalidValue,
			`RIFFLE_SERVER_GOMAXPROCS: server.gomaxprocs: "two" is not an integer`},
		{"bad environment boolean", "", []string{"RIFFLE_HTTP_ENABLED=maybe"}, config.ErrInvalidValue,
			`RIFFLE_HTTP_ENABLED: http.enabled: "maybe" is not a boolean`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := ""
			if tt.file != "" {
				path = writeConfig(t, tt.file)
			}
			c, err := config.Load(path, tt.environ)
			if !errors.Is(err, tt.is) {
				t.Fatalf("Load = %v, want %v", err, tt.is)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Load error %q does not contain %q", err, tt.want)
			}
			if path != "" && !strings.HasPrefix(err.Error(), path+": ") {
				t.Fatalf("Load error %q does not start with the file path", err)
			}
			var ke *config.KeyError
			if !errors.As(err, &ke) {
				t.Fatalf("Load error %v is not a *KeyError", err)
			}
			if !reflect.DeepEqual(c, config.Config{}) {
				t.Fatalf("Load returned a non-zero Config with an error")
			}
		})
	}
}

func TestLoadReportsEveryBadKeyInFileOrder(t *testing.T) {
	path := writeConfig(t, "[storage]\nfoo = 1\n[tcp]\nbar = 2\n")
	_, err := config.Load(path, []string{"RIFFLE_LOG_NOPE=1"})
	if err == nil {
		t.Fatal("Load accepted unknown keys")
	}
	msg := err.Error()
	i, j, k := strings.Index(msg, `"storage.foo"`), strings.Index(msg, `"tcp.bar"`), strings.Index(msg, `"log.nope"`)
	if i < 0 || j < 0 || k < 0 || !(i < j && j < k) {
		t.Fatalf("Load error %q does not list storage.foo, tcp.bar, log.nope in that order", msg)
	}
}

func TestLoadRejectsMalformedTOMLWithLine(t *testing.T) {
	path := writeConfig(t, "[storage]\ndurability = \"fsync\"\nio = \n")
	_, err := config.Load(path, nil)
	if err == nil {
		t.Fatal("Load accepted a malformed file")
	}
	if msg := err.Error(); !strings.HasPrefix(msg, "parse "+path+": ") || !strings.Contains(msg, "line 3") {
		t.Fatalf("Load error %q does not name the file and line 3", msg)
	}
}

func TestLoadReportsMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "absent.toml")
	_, err := config.Load(path, nil)
	if !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), path) {
		t.Fatalf("Load(%s) = %v, want a not-exist error naming the path", path, err)
	}
}

func TestSetParsesLikeEnvironment(t *testing.T) {
	tests := []struct {
		key, value string
		check      func(c config.Config) bool
	}{
		{"storage.durability", "write", func(c config.Config) bool { return c.Storage.Durability == "write" }},
		{"server.data_dir", "/var/lib/riffle", func(c config.Config) bool { return c.Server.DataDir == "/var/lib/riffle" }},
		{"server.shards", "2", func(c config.Config) bool { return c.ShardCount() == 2 }},
		{"quic.enabled", "true", func(c config.Config) bool { return c.QUIC.Enabled }},
		{"storage.segment_size", "16MiB", func(c config.Config) bool { return c.Storage.SegmentSize == 16<<20 }},
		{"storage.cache_window", "unlimited", func(c config.Config) bool { return c.Storage.CacheWindow == 0 }},
		{"shutdown.deadline", "1m", func(c config.Config) bool { return c.Shutdown.Deadline == config.Duration(time.Minute) }},
		{"supervisor.crash_loop_count", "3", func(c config.Config) bool { return c.Supervisor.CrashLoopCount == 3 }},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			c := config.Defaults()
			if err := c.Set(tt.key, tt.value); err != nil {
				t.Fatalf("Set(%q, %q): %v", tt.key, tt.value, err)
			}
			if !tt.check(c) {
				t.Fatalf("Set(%q, %q) gave %+v", tt.key, tt.value, c)
			}
			env, err := config.Load("", []string{config.EnvName(tt.key) + "=" + tt.value})
			if err != nil || !reflect.DeepEqual(env, c) {
				t.Fatalf("environment %s=%s gave %+v, %v; Set gave %+v", config.EnvName(tt.key), tt.value, env, err, c)
			}
		})
	}
}

func TestSetRejectsUnknownKeyAndBadValueUnchanged(t *testing.T) {
	tests := []struct {
		name, key, value string
		is               error
		want             string
	}{
		{"unknown key", "storage.durabilty", "fsync", config.ErrUnknownKey, `unknown key "storage.durabilty"`},
		{"env spelling is not a key", "RIFFLE_STORAGE_IO", "sync", config.ErrUnknownKey, `unknown key "RIFFLE_STORAGE_IO"`},
		{"bad integer", "server.gomaxprocs", "x", config.ErrInvalidValue, `server.gomaxprocs: "x" is not an integer`},
		{"bad duration", "shutdown.deadline", "forever", config.ErrInvalidValue, `shutdown.deadline: "forever" is not a duration`},
		{"bad size", "limits.max_frame", "big", config.ErrInvalidValue, `limits.max_frame: "big" is not a size`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := config.Defaults()
			err := c.Set(tt.key, tt.value)
			if !errors.Is(err, tt.is) || !strings.HasPrefix(err.Error(), tt.want) {
				t.Fatalf("Set(%q, %q) = %v, want %v starting %q", tt.key, tt.value, err, tt.is, tt.want)
			}
			if !reflect.DeepEqual(c, config.Defaults()) {
				t.Fatalf("Set changed the config on error: %+v", c)
			}
		})
	}
}

func TestEveryKeyHasItsEnvironmentVariable(t *testing.T) {
	keys := config.Keys()
	if len(keys) < 25 {
		t.Fatalf("Keys() = %d keys, want every field of Config", len(keys))
	}
	for _, k := range keys {
		env := config.EnvName(k)
		want := "RIFFLE_" + strings.ToUpper(strings.Replace(k, ".", "_", 1))
		if env != want {
			t.Errorf("EnvName(%q) = %q, want %q", k, env, want)
		}
	}
	if got := config.EnvName("storage.nope"); got != "" {
		t.Errorf("EnvName of an unknown key = %q, want \"\"", got)
	}
}
