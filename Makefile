# riffle: a persistent message-streaming server speaking the Apache Iggy 0.8 wire protocol.
# `make` alone prints this help. Knobs are variables: `make test TIMEOUT=30m`.

SHELL := /bin/bash

# giouring reaches into the runtime with //go:linkname; Go >= 1.23 refuses that at link time
# unless -checklinkname=0 is given. Every go command of this project needs it.
export GOFLAGS := -ldflags=-checklinkname=0

GO        ?= go
BIN       ?= bin
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -checklinkname=0 -X riffle/internal/version.Version=$(VERSION)
TIMEOUT   ?= 20m
FUZZTIME  ?= 30s
COUNT     ?= 6
BENCH     ?= .
DATA_DIR  ?= ./local_data
PREFIX    ?= /usr/local
SHARDS    ?= auto

.PHONY: help build run test test-short lint fuzz bench bench-peers check clean install

help: ## print this help
	@awk 'BEGIN{FS=":.*## "} /^[a-z-]+:.*## /{printf "  %-12s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

build: ## build bin/riffled and bin/riffle
	$(GO) build -ldflags="$(LDFLAGS)" -o $(BIN)/riffled ./cmd/riffled
	$(GO) build -ldflags="$(LDFLAGS)" -o $(BIN)/riffle ./cmd/riffle

run: build ## run a server with local defaults (data in ./local_data, root user iggy/iggy)
	RIFFLE_ROOT_PASSWORD=$${RIFFLE_ROOT_PASSWORD:-iggy} $(BIN)/riffled --data-dir $(DATA_DIR) --shards $(SHARDS)

test: ## unit and integration tests against the real binaries (what CI runs)
	$(GO) test -race -tags invariants -count=1 -timeout $(TIMEOUT) ./...

test-short: ## the quick subset (no integration tests)
	$(GO) test -short -timeout $(TIMEOUT) ./...

lint: ## gofmt, go vet
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet -tags invariants ./...

check: lint test ## lint and test

fuzz: ## run every fuzz target for FUZZTIME each
	@set -e; for pkg in $$($(GO) list ./...); do \
	  for t in $$($(GO) test -list '^Fuzz' $$pkg 2>/dev/null | grep '^Fuzz' || true); do \
	    echo "== $$pkg $$t"; $(GO) test -run='^$$' -fuzz="^$$t$$" -fuzztime=$(FUZZTIME) -parallel=2 $$pkg; \
	  done; done

bench: ## go benchmarks, COUNT runs each (feed to benchstat)
	$(GO) test -run='^$$' -bench='$(BENCH)' -benchmem -count=$(COUNT) ./...

# bench-storage: BenchmarkStorage (internal/storage) in one process, its files in one
# directory (BENCH_STORAGE_DIR, default $TMPDIR): the engine's appends in write and fsync
# mode and its read-back, on the io_uring and on the sync backend, beside plain pwrite,
# write+fdatasync and pread of the same bytes, BENCH_STORAGE_COUNT runs of
# BENCH_STORAGE_N batches each; then one table of medians, ratios and goals
# (scripts/bench-storage). The raw output stays in $(BIN)/bench-storage.txt.
# BENCH_STORAGE_CPUS (a taskset CPU list, e.g. 0) pins the whole benchmark the way a
# shard is pinned: the io_uring kernel workers inherit the pinning, and the uring cases
# change with it, so compare both.
BENCH_STORAGE_COUNT ?= 3
BENCH_STORAGE_N     ?= 1024
BENCH_STORAGE_DIR   ?=
BENCH_STORAGE_CPUS  ?=
.PHONY: bench-storage
bench-storage: ## storage engine vs pwrite/fdatasync/pread, io_uring vs sync: one table
	@mkdir -p $(BIN)
	@set -o pipefail; { \
	  echo "load average before: $$(cut -d' ' -f1-3 /proc/loadavg)"; \
	  $(GO) test -run='^$$' -bench='^BenchmarkStorage$$' -benchmem -count=$(BENCH_STORAGE_COUNT) \
	    -benchtime=$(BENCH_STORAGE_N)x -timeout $(TIMEOUT) \
	    $(if $(BENCH_STORAGE_CPUS),-exec 'taskset -c $(BENCH_STORAGE_CPUS)') ./internal/storage/ \
	    $(if $(BENCH_STORAGE_DIR),-args -storage.benchdir=$(BENCH_STORAGE_DIR)); \
	  echo "load average after: $$(cut -d' ' -f1-3 /proc/loadavg)"; \
	} | tee $(BIN)/bench-storage.txt
	@echo
	@$(GO) run ./scripts/bench-storage < $(BIN)/bench-storage.txt

# bench-peers: installs nats-server v2.15.2 and natscli v0.5.0 into ./.cache/peers/bin
# (go install), builds, then runs the same produce workload against riffled (fsync,
# write) and NATS JetStream (sync_interval always, default), REPS times each,
# interleaved; knobs are the script's environment variables (REPS, BATCHES,
# NATS_MSGS, NATS_ALWAYS_MSGS, SYSTEMS, SHARDS). Takes a few minutes.
bench-peers: ## riffled vs NATS JetStream, same workload: table of medians and ratios
	$(SHELL) scripts/bench/peers.sh

# install: binaries to $(DESTDIR)$(PREFIX)/bin (the units' Exec*= lines are rewritten to
# match PREFIX), units to $(DESTDIR)/etc/systemd/system, the default config to
# $(DESTDIR)/etc/riffle/riffled.toml unless one is there already. With an empty DESTDIR it
# also creates the system user and group riffle and reloads systemd. A running riffled
# re-executes $(PREFIX)/bin/riffled for every shard restart and reload, so binaries are
# replaced by rename, never rewritten in place: a restart sees the old file or the new one.
install: build ## install binaries, units, default config and user riffle (PREFIX, DESTDIR)
	install -d -m 0755 $(DESTDIR)$(PREFIX)/bin $(DESTDIR)/etc/systemd/system $(DESTDIR)/etc/riffle
	set -e; for b in riffled riffle; do \
	  install -m 0755 $(BIN)/$$b $(DESTDIR)$(PREFIX)/bin/.$$b.new; \
	  mv -f $(DESTDIR)$(PREFIX)/bin/.$$b.new $(DESTDIR)$(PREFIX)/bin/$$b; \
	done
	set -e; for u in riffled.service riffled.socket; do \
	  sed 's|=/usr/local/bin/|=$(PREFIX)/bin/|' systemd/$$u > $(DESTDIR)/etc/systemd/system/.$$u.new; \
	  chmod 0644 $(DESTDIR)/etc/systemd/system/.$$u.new; \
	  mv -f $(DESTDIR)/etc/systemd/system/.$$u.new $(DESTDIR)/etc/systemd/system/$$u; \
	done
	@if [ -e $(DESTDIR)/etc/riffle/riffled.toml ]; then \
	  echo "keeping $(DESTDIR)/etc/riffle/riffled.toml (the shipped default is riffled.toml)"; \
	else \
	  echo "install -m 0644 riffled.toml $(DESTDIR)/etc/riffle/riffled.toml"; \
	  install -m 0644 riffled.toml $(DESTDIR)/etc/riffle/riffled.toml; \
	fi
ifeq ($(DESTDIR),)
	getent group riffle >/dev/null || groupadd --system riffle
	getent passwd riffle >/dev/null || useradd --system --gid riffle --home-dir /var/lib/riffle \
	  --no-create-home --shell /usr/sbin/nologin --comment "riffle server" riffle
	if [ -d /run/systemd/system ]; then systemctl daemon-reload; fi
	@echo "installed; start with: systemctl enable --now riffled.service (and riffled.socket for socket activation)"
endif

clean: ## remove build output
	rm -rf $(BIN)
