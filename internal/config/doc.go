// SPDX-License-Identifier: Apache-2.0

// Package config owns riffled's Config: its defaults, validation and loading.
// It starts nothing, opens nothing but the one file it is asked to read, and
// never logs.
//
// A value is resolved from four layers, each overriding the one before:
//
//	Defaults()                      every key has one
//	  <- the TOML file              Load(path, ...), path may be ""
//	  <- RIFFLE_<SECTION>_<KEY>     Load(..., environ), e.g. RIFFLE_STORAGE_DURABILITY
//	  <- command-line flags         applied by cmd/riffled with (*Config).Set
//
// Keys are named "section.key" after the toml struct tags ("storage.durability",
// "server.data_dir"); the environment variable is the same name upper-cased with
// the dot replaced by an underscore (RIFFLE_SERVER_DATA_DIR). Sections never
// contain an underscore, so the mapping is unambiguous. An unknown key in the
// file or an unknown RIFFLE_ variable is an error naming it: a typo must not
// silently fall back to a default. RIFFLE_ROOT_PASSWORD, RIFFLE_TIMESCALE and
// RIFFLE_DEBUG_* are not configuration keys and are ignored here.
//
// File, environment and flags share one text parser per field type, so a value
// reads the same wherever it comes from: strings as given, booleans
// true|false, integers in decimal, Size as "1GiB", "512 MiB", "1000" or
// "unlimited", Duration as "20s", "1m30s" or "never"/"none".
//
// The caller's duties, in order:
//
//  1. cfg, err := Load(path, os.Environ()); report err and stop on failure.
//  2. cfg.Set(key, value) for every flag given; report an error and stop.
//  3. cfg.Validate(); it reports every bad key at once, each message naming
//     the key and the allowed range. riffled --check-config stops here.
//  4. Hand the resolved Config (not the layers) to the processes; children
//     never re-derive defaults.
//
// A Config is a plain value: copy it freely; it is not safe for concurrent
// mutation.
package config
