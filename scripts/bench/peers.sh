#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# peers.sh: the same produce workload against riffled and NATS JetStream, side
# by side (`make bench-peers`).
#
# Workload: 2 producers, 1 KiB messages, batches of 1000, one batch in flight
# per producer, loopback TCP, a fresh data directory per run.
#   riffle-fsync   riffled --durability fsync   riffle bench pinned-producer (2 streams)
#   riffle-write   riffled --durability write   same
#   nats-always    nats-server v2.15.2, jetstream { sync_interval: always }
#                  nats bench js pub fast --batch 1000 --clients 2 (natscli v0.5.0)
#   nats-default   same with JetStream's default sync_interval (2 min)
# The systems are interleaved and each runs REPS times; the table shows the
# median of each column over the runs, the runs' msg/s, and the ratios of the
# medians (targets: riffle fsync >= 100x JetStream always, riffle write >= 5x
# JetStream default). Latencies are per batch (nats bench: per operation of
# its fast batch publisher).
#
# Knobs (environment):
#   REPS=3                 runs per system
#   BATCHES=1000           batches per producer for riffle (2 M messages)
#   NATS_MSGS=500000       messages per run for nats-default
#   NATS_ALWAYS_MSGS=20000 messages per run for nats-always (fsync per message)
#   SYSTEMS="riffle-fsync riffle-write nats-always nats-default"
#   SHARDS=auto            riffled --shards
#   CACHE=./.cache/peers   peer binaries (CACHE/bin), run dirs, results
#   SKIP_BUILD=1           do not run `make build` (use bin/ as it is)
#   RUN_TIMEOUT=600        seconds per workload run
#
# It starts servers on free loopback ports, stops each by PID (TERM, then
# KILL after 30 s) and cleans up on exit. Results (JSON reports, nats output,
# server logs, table.md) stay in CACHE/results/<UTC time>/.

set -euo pipefail

REPS=${REPS:-3}
BATCHES=${BATCHES:-1000}
NATS_MSGS=${NATS_MSGS:-500000}
NATS_ALWAYS_MSGS=${NATS_ALWAYS_MSGS:-20000}
SYSTEMS=${SYSTEMS:-"riffle-fsync riffle-write nats-always nats-default"}
SHARDS=${SHARDS:-auto}
CACHE=${CACHE:-./.cache/peers}
RUN_TIMEOUT=${RUN_TIMEOUT:-600}
NATS_SERVER_VERSION=v2.15.2
NATSCLI_VERSION=v0.5.0
SIZE=1024
PER_BATCH=1000
PRODUCERS=2

cd "$(dirname "$0")/../.."
ROOT=$PWD
mkdir -p "$CACHE"
CACHE=$(cd "$CACHE" && pwd)
BIN=$CACHE/bin
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
RESULTS=$CACHE/results/$STAMP
RUNDIR=$CACHE/run
mkdir -p "$BIN" "$RESULTS"

log() { printf '%s %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

SERVER_PID=""
CLIENT_PID=""
RESULT=""
stop_server() {
	local pid=$SERVER_PID
	SERVER_PID=""
	[[ -n $pid ]] || return 0
	kill -TERM "$pid" 2>/dev/null || return 0
	for _ in $(seq 300); do
		kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
		sleep 0.1
	done
	log "server $pid ignored SIGTERM for 30 s; killing it"
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}
cleanup() {
	[[ -n $CLIENT_PID ]] && kill -TERM "$CLIENT_PID" 2>/dev/null
	stop_server
	rm -rf "$RUNDIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# free_port prints a loopback TCP port with no listener, from $1 upwards.
free_port() {
	local p=$1
	while (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; do
		p=$((p + 1))
	done
	echo "$p"
}

# wait_port waits until 127.0.0.1:$1 accepts while process $2 lives (30 s).
wait_port() {
	for _ in $(seq 300); do
		kill -0 "$2" 2>/dev/null || return 1
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# bounded OUT CMD...: runs CMD for at most RUN_TIMEOUT seconds with its
# output in OUT. It runs in the background and is waited for, so a signal to
# this script is handled at once (the trap stops the client and the server).
bounded() {
	local out=$1 rc=0
	shift
	timeout "$RUN_TIMEOUT" "$@" >"$out" 2>&1 &
	CLIENT_PID=$!
	wait "$CLIENT_PID" || rc=$?
	CLIENT_PID=""
	return "$rc"
}

# install_peers installs nats-server and natscli from the Go module proxy
# into $BIN unless the right versions are there.
install_peers() {
	if [[ $("$BIN/nats-server" --version 2>/dev/null || true) != *"$NATS_SERVER_VERSION"* ]]; then
		log "installing nats-server $NATS_SERVER_VERSION into $BIN"
		GOFLAGS= GOBIN=$BIN go install "github.com/nats-io/nats-server/v2@$NATS_SERVER_VERSION"
	fi
	if [[ $("$BIN/nats" --version 2>/dev/null || true) != "$NATSCLI_VERSION" ]]; then
		log "installing natscli $NATSCLI_VERSION into $BIN"
		GOFLAGS= GOBIN=$BIN go install "github.com/nats-io/natscli/nats@$NATSCLI_VERSION"
	fi
}

# json_num prints the first number under key $2 in JSON file $1: the
# top-level figure, since the report lists totals before roles and actors.
json_num() { grep -m1 "\"$2\":" "$1" | sed -E 's/.*: *([-0-9.eE+]+).*/\1/'; }

# run_riffle MODE REP: one riffled run; sets RESULT to "msg/s MB/s p50_ms
# p99_ms". (Results go through a variable, not command substitution, so
# the server is started by this shell and the EXIT trap can stop it.)
run_riffle() {
	local mode=$1 rep=$2 dir=$RUNDIR/riffle-$1-$2 port out
	rm -rf "$dir" && mkdir -p "$dir"
	port=$(free_port 18090)
	# riffled rejects RIFFLE_* variables it does not know: start it without
	# the caller's.
	local unset=()
	while IFS='=' read -r name _; do
		[[ $name == RIFFLE_* ]] && unset+=(-u "$name")
	done < <(env)
	env "${unset[@]}" RIFFLE_ROOT_PASSWORD=iggy "$ROOT/bin/riffled" --data-dir "$dir" --shards "$SHARDS" \
		--tcp-addr "127.0.0.1:$port" --durability "$mode" >"$RESULTS/riffle-$mode-$rep.log" 2>&1 &
	SERVER_PID=$!
	wait_port "$port" "$SERVER_PID" || { tail -20 "$RESULTS/riffle-$mode-$rep.log" >&2; die "riffled ($mode) did not start"; }
	out=$RESULTS/riffle-$mode-$rep.json
	bounded "$RESULTS/riffle-$mode-$rep.txt" "$ROOT/bin/riffle" --addr "127.0.0.1:$port" -u iggy -p iggy \
		bench pinned-producer --producers $PRODUCERS --streams $PRODUCERS --message-size $SIZE \
		--messages-per-batch $PER_BATCH --message-batches "$BATCHES" --output-json "$out" ||
		{ cat "$RESULTS/riffle-$mode-$rep.txt" >&2; die "riffle bench ($mode) failed"; }
	stop_server
	rm -rf "$dir"
	RESULT="$(json_num "$out" messages_per_second) $(json_num "$out" megabytes_per_second) $(json_num "$out" p50) $(json_num "$out" p99)"
}

# run_nats MODE REP: one nats-server run; sets RESULT like run_riffle.
run_nats() {
	local mode=$1 rep=$2 dir=$RUNDIR/nats-$1-$2 port out msgs=$NATS_MSGS sync="" rate mbs p50 p99
	rm -rf "$dir" && mkdir -p "$dir/store"
	port=$(free_port 14333)
	if [[ $mode == always ]]; then
		msgs=$NATS_ALWAYS_MSGS
		sync="sync_interval: always"
	fi
	cat >"$dir/nats.conf" <<-EOF
		listen: 127.0.0.1:$port
		jetstream {
		  store_dir: "$dir/store"
		  max_file_store: 40GB
		  $sync
		}
	EOF
	"$BIN/nats-server" -c "$dir/nats.conf" >"$RESULTS/nats-$mode-$rep.log" 2>&1 &
	SERVER_PID=$!
	wait_port "$port" "$SERVER_PID" || { tail -20 "$RESULTS/nats-$mode-$rep.log" >&2; die "nats-server ($mode) did not start"; }
	out=$RESULTS/nats-$mode-$rep.txt
	bounded "$out" "$BIN/nats" -s "nats://127.0.0.1:$port" bench js pub fast bench.x --create --purge \
		--maxbytes 32GB --storage file --size $SIZE --batch $PER_BATCH --clients $PRODUCERS --msgs "$msgs" \
		--no-progress || { cat "$out" >&2; die "nats bench ($mode) failed"; }
	stop_server
	rm -rf "$dir"
	rate=$(sed -nE 's/.*aggregated stats: ([0-9,]+) msgs\/sec.*/\1/p' "$out" | tr -d ,)
	[[ -n $rate ]] || { cat "$out" >&2; die "no aggregated rate in nats bench output"; }
	mbs=$(awk -v r="$rate" 'BEGIN { printf "%.3f", r * 1024 / 1e6 }')
	p50=$(sed -nE 's/.*latencies per operation.*P50 ([0-9,.]+)us.*/\1/p' "$out" | tr -d , | awk '{ printf "%.3f", $1 / 1000 }')
	p99=$(sed -nE 's/.*latencies per operation.*P99 ([0-9,.]+)us.*/\1/p' "$out" | tr -d , | awk '{ printf "%.3f", $1 / 1000 }')
	RESULT="$rate $mbs ${p50:-nan} ${p99:-nan}"
}

# median prints the median of its arguments (the mean of the middle two for
# an even count).
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

main() {
	command -v go >/dev/null || die "go is not on PATH"
	install_peers
	if [[ -z ${SKIP_BUILD:-} ]]; then
		log "building bin/riffled and bin/riffle"
		${MAKE:-make} -s build >&2
	fi
	[[ -x bin/riffled && -x bin/riffle ]] || die "bin/riffled or bin/riffle missing"
	mkdir -p "$RUNDIR"
	local load_before sys rep started r m a b
	load_before=$(loadavg)
	started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
	declare -A rates mbs p50s p99s
	for rep in $(seq "$REPS"); do
		for sys in $SYSTEMS; do
			log "run $rep/$REPS: $sys (load $(loadavg))"
			case $sys in
			riffle-fsync) run_riffle fsync "$rep" ;;
			riffle-write) run_riffle write "$rep" ;;
			nats-always) run_nats always "$rep" ;;
			nats-default) run_nats default "$rep" ;;
			*) die "unknown system $sys" ;;
			esac
			read -r r m a b <<<"$RESULT"
			r=$(printf '%.0f' "$r")
			log "  $sys: $r msg/s, $m MB/s, batch p50 $a ms, p99 $b ms"
			rates[$sys]+="$r " mbs[$sys]+="$m " p50s[$sys]+="$a " p99s[$sys]+="$b "
		done
	done

	local table=$RESULTS/table.md
	{
		echo "## bench-peers $started: riffled $(git describe --tags --always --dirty 2>/dev/null || echo dev) vs NATS JetStream (nats-server $NATS_SERVER_VERSION, natscli $NATSCLI_VERSION)"
		echo
		echo "Workload: $PRODUCERS producers, ${SIZE} B messages, $PER_BATCH per batch, one batch in flight each, loopback; fresh data dir per run; runs per system: $REPS, interleaved."
		echo "riffle: \`riffle bench pinned-producer --producers $PRODUCERS --streams $PRODUCERS --message-size $SIZE --messages-per-batch $PER_BATCH --message-batches $BATCHES\` (riffled --shards $SHARDS)."
		echo "nats: \`nats bench js pub fast bench.x --create --purge --maxbytes 32GB --storage file --size $SIZE --batch $PER_BATCH --clients $PRODUCERS --msgs M\`."
		echo "Medians per column; latency is per batch (nats: per fast-batch operation)."
		echo
		echo "| system | durability | messages per run | msg/s (median) | MB/s | batch p50 ms | batch p99 ms | runs (msg/s) |"
		echo "|---|---|---|---|---|---|---|---|"
		for sys in $SYSTEMS; do
			local durability msgs
			case $sys in
			riffle-fsync) durability="fdatasync before ack (group commit)" msgs=$((PRODUCERS * BATCHES * PER_BATCH)) ;;
			riffle-write) durability="written to page cache before ack" msgs=$((PRODUCERS * BATCHES * PER_BATCH)) ;;
			nats-always) durability="sync_interval: always" msgs=$NATS_ALWAYS_MSGS ;;
			nats-default) durability="default sync_interval (2 min)" msgs=$NATS_MSGS ;;
			esac
			# shellcheck disable=SC2086
			printf '| %s | %s | %s | %.0f | %.1f | %.3f | %.3f | %s |\n' "$sys" "$durability" "$msgs" \
				"$(median ${rates[$sys]})" "$(median ${mbs[$sys]})" "$(median ${p50s[$sys]})" "$(median ${p99s[$sys]})" \
				"$(echo ${rates[$sys]} | sed 's/ / \/ /g')"
		done
		echo
		echo "| ratio of medians (msg/s) | value | target |"
		echo "|---|---|---|"
		ratio() {
			if [[ -n ${rates[$1]:-} && -n ${rates[$2]:-} ]]; then
				# shellcheck disable=SC2086
				awk -v a="$(median ${rates[$1]})" -v b="$(median ${rates[$2]})" 'BEGIN { printf "%.1fx", a / b }'
			else
				echo "n/a"
			fi
		}
		echo "| riffle-fsync / nats-always | $(ratio riffle-fsync nats-always) | >= 100x |"
		echo "| riffle-write / nats-default | $(ratio riffle-write nats-default) | >= 5x |"
		echo
		echo "Machine: $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), kernel $(uname -r)."
		echo "Load average (1/5/15 min): $load_before before, $(loadavg) after."
		echo "Raw outputs: $RESULTS"
	} >"$table"
	cat "$table"
}

main "$@"
