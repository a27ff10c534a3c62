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
	$(GO) test -race -tags invariants -timeout $(TIMEOUT) ./...

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

clean: ## remove build output
	rm -rf $(BIN)
