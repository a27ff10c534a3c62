// SPDX-License-Identifier: Apache-2.0

package config_test

import (
	"reflect"
	"runtime"
	"testing"

	"github.com/BurntSushi/toml"

	"riffle/internal/config"
)

// shippedConfig is the default configuration installed as
// /etc/riffle/riffled.toml.
const shippedConfig = "../../riffled.toml"

func TestShippedConfigEqualsDefaults(t *testing.T) {
	c, err := config.Load(shippedConfig, nil)
	if err != nil {
		t.Fatalf("Load(%s): %v", shippedConfig, err)
	}
	if want := config.Defaults(); !reflect.DeepEqual(c, want) {
		t.Fatalf("%s loads as\n%+v\nwant Defaults()\n%+v", shippedConfig, c, want)
	}
	if err := c.Validate(); err != nil {
		t.Fatalf("%s does not validate: %v", shippedConfig, err)
	}
}

// TestShippedConfigSetsEveryField walks Config by reflection, not through
// the package's own key table, so a field added without a toml tag or
// without a line in riffled.toml fails here.
func TestShippedConfigSetsEveryField(t *testing.T) {
	var raw map[string]any
	md, err := toml.DecodeFile(shippedConfig, &raw)
	if err != nil {
		t.Fatalf("decode %s: %v", shippedConfig, err)
	}
	ct := reflect.TypeFor[config.Config]()
	n := 0
	for i := range ct.NumField() {
		sf := ct.Field(i)
		for j := range sf.Type.NumField() {
			kf := sf.Type.Field(j)
			sec, key := sf.Tag.Get("toml"), kf.Tag.Get("toml")
			if sec == "" || key == "" {
				t.Errorf("Config.%s.%s has no toml tag", sf.Name, kf.Name)
				continue
			}
			if !md.IsDefined(sec, key) {
				t.Errorf("%s does not set %s.%s (Config.%s.%s)", shippedConfig, sec, key, sf.Name, kf.Name)
			}
			n++
		}
	}
	if keys := config.Keys(); len(keys) != n {
		t.Errorf("Keys() has %d keys, Config has %d fields", len(keys), n)
	}
}

func TestRuntimeDirPrefersConfigThenSystemdThenDataDir(t *testing.T) {
	tests := []struct {
		name       string
		runtimeDir string
		environ    []string
		want       string
	}{
		{"data dir fallback", "", nil, "local_data/run"},
		{"systemd runtime directory", "", []string{"RUNTIME_DIRECTORY=/run/riffle"}, "/run/riffle"},
		{"first of several", "", []string{"RUNTIME_DIRECTORY=/run/riffle:/run/other"}, "/run/riffle"},
		{"empty variable ignored", "", []string{"RUNTIME_DIRECTORY="}, "local_data/run"},
		{"configured wins", "/tmp/r/", []string{"RUNTIME_DIRECTORY=/run/riffle"}, "/tmp/r"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := config.Defaults()
			c.Server.RuntimeDir = tt.runtimeDir
			if got := c.RuntimeDir(tt.environ); got != tt.want {
				t.Fatalf("RuntimeDir(%q) = %q, want %q", tt.environ, got, tt.want)
			}
		})
	}
}

func TestShardCountResolvesAutoAndRejectsGarbage(t *testing.T) {
	tests := []struct {
		shards string
		want   int
	}{
		{"auto", runtime.NumCPU()},
		{"", runtime.NumCPU()},
		{"3", 3},
		{"1024", 1024},
		{"x", 0},
		{"-1", 0},
		{"99999999999999999999999", 0},
	}
	for _, tt := range tests {
		t.Run(tt.shards, func(t *testing.T) {
			c := config.Defaults()
			c.Server.Shards = tt.shards
			if got := c.ShardCount(); got != tt.want {
				t.Fatalf("ShardCount(%q) = %d, want %d", tt.shards, got, tt.want)
			}
		})
	}
}
