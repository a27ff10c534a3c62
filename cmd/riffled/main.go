// SPDX-License-Identifier: Apache-2.0

// Command riffled is the riffle server. With no role argument it is the
// supervisor; the supervisor starts its children as `riffled front` and
// `riffled shard --id N`, so operators and tests can tell them apart in ps.
//
//	riffled [--config FILE] [--data-dir DIR] [--runtime-dir DIR] [--shards N|auto]
//	        [--tcp-addr ADDR] [--durability fsync|write] [--io auto|uring|sync]
//	        [--log-level LEVEL] [--check-config] [--version]
//
// This is the only place that calls os.Exit; it holds no logic of its own.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"

	"github.com/coreos/go-systemd/v22/activation"
	"github.com/sirupsen/logrus"

	"riffle/internal/config"
	"riffle/internal/logging"
	"riffle/internal/version"
	"riffle/netfront"
	"riffle/shardproc"
	"riffle/supervisor"
)

// init keeps the supervisor's main goroutine on the main OS thread for good.
// The supervisor forks its children from goroutines that lock a thread and
// change its CPU mask; such a goroutine must never take the main thread. The
// children have no such goroutines and release the main thread at once.
func init() { runtime.LockOSThread() }

func main() {
	if len(os.Args) > 1 {
		switch os.Args[1] {
		case "front":
			runtime.UnlockOSThread()
			os.Exit(runFront())
		case "shard":
			runtime.UnlockOSThread()
			os.Exit(runShard(os.Args[2:]))
		}
	}
	os.Exit(runSupervisor(os.Args[1:]))
}

// flagKeys maps command-line flags to the config keys they set.
var flagKeys = []struct{ flag, key, usage string }{
	{"data-dir", "server.data_dir", "data directory"},
	{"runtime-dir", "server.runtime_dir", "runtime directory for ctl.sock and ports.json"},
	{"shards", "server.shards", "shard processes: auto (one per CPU) or a count"},
	{"tcp-addr", "tcp.address", "TCP listen address (port 0 picks one)"},
	{"quic-addr", "quic.address", "QUIC listen address"},
	{"http-addr", "http.address", "HTTP listen address"},
	{"ws-addr", "websocket.address", "WebSocket listen address"},
	{"durability", "storage.durability", "fsync (default) or write"},
	{"io", "storage.io", "storage I/O backend: auto, uring or sync"},
	{"log-level", "log.level", "trace, debug, info, warn or error"},
}

type override struct{ key, value string }

func runSupervisor(args []string) int {
	fs := flag.NewFlagSet("riffled", flag.ContinueOnError)
	configPath := fs.String("config", "", "TOML configuration file (default: built-in defaults)")
	check := fs.Bool("check-config", false, "validate the configuration and exit")
	showVersion := fs.Bool("version", false, "print the version and exit")
	values := make([]*string, len(flagKeys))
	for i, f := range flagKeys {
		values[i] = fs.String(f.flag, "", f.usage+" ("+f.key+")")
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *showVersion {
		fmt.Println("riffled", version.Version)
		return 0
	}
	var overrides []override
	fs.Visit(func(fl *flag.Flag) {
		for i, f := range flagKeys {
			if f.flag == fl.Name {
				overrides = append(overrides, override{f.key, *values[i]})
			}
		}
	})
	load := func() (config.Config, error) {
		cfg, err := config.Load(*configPath, os.Environ())
		if err != nil {
			return cfg, err
		}
		for _, o := range overrides {
			if err := cfg.Set(o.key, o.value); err != nil {
				return cfg, fmt.Errorf("flag --%s: %w", flagFor(o.key), err)
			}
		}
		return cfg, cfg.Validate()
	}
	cfg, err := load()
	if err != nil {
		fmt.Fprintln(os.Stderr, "riffled: invalid configuration:", err)
		return 2
	}
	if *check {
		fmt.Println("riffled: configuration is valid")
		return 0
	}
	log, err := logging.New("supervisor", logging.Options{Level: cfg.Log.Level, Format: cfg.Log.Format})
	if err != nil {
		fmt.Fprintln(os.Stderr, "riffled:", err)
		return 2
	}
	binary, err := os.Executable()
	if err != nil {
		log.WithError(err).Error("resolve own binary")
		return 1
	}
	binary, _ = filepath.Abs(binary)
	activated := map[string][]*os.File{}
	for _, f := range activation.Files(true) {
		activated[f.Name()] = append(activated[f.Name()], f)
	}
	err = supervisor.Run(supervisor.Options{
		Config:    cfg,
		Binary:    binary,
		Log:       log,
		Environ:   os.Environ(),
		Activated: activated,
		Reload:    load,
		ForceExit: func() { os.Exit(1) },
	})
	if err != nil {
		log.WithError(err).Error("riffled stopped with an error")
		return 1
	}
	return 0
}

func flagFor(key string) string {
	for _, f := range flagKeys {
		if f.key == key {
			return f.flag
		}
	}
	return key
}

// childLogger builds a child's logger from the level and format the
// supervisor put in its environment.
func childLogger(role string) (*logrus.Entry, error) {
	return logging.New(role, logging.Options{Level: os.Getenv("RIFFLE_LOG_LEVEL"), Format: os.Getenv("RIFFLE_LOG_FORMAT")})
}

func runFront() int {
	log, err := childLogger("front")
	if err != nil {
		fmt.Fprintln(os.Stderr, "riffled front:", err)
		return 2
	}
	if err := netfront.Run(netfront.Options{Log: log}); err != nil {
		log.WithError(err).Error("front stopped with an error")
		return 1
	}
	return 0
}

func runShard(args []string) int {
	fs := flag.NewFlagSet("riffled shard", flag.ContinueOnError)
	id := fs.Int("id", -1, "shard id")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *id < 0 {
		fmt.Fprintln(os.Stderr, "riffled shard: --id is required")
		return 2
	}
	log, err := childLogger("shard")
	if err != nil {
		fmt.Fprintln(os.Stderr, "riffled shard:", err)
		return 2
	}
	if err := shardproc.Run(shardproc.Options{ID: *id, Log: log}); err != nil {
		log.WithError(err).WithField(logging.Shard, strconv.Itoa(*id)).Error("shard stopped with an error")
		return 1
	}
	return 0
}
