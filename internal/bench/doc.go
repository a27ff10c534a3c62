// SPDX-License-Identifier: Apache-2.0

// Package bench is the load generator behind `riffle bench`: iggy-bench's
// scenarios against any server speaking the Iggy 0.8 binary protocol over
// TCP, with iggy-bench's measurement model. It owns scenario planning,
// stream setup and seeding, the actors' hot loops, the HDR latency
// histograms and the report (JSON, table, HTML chart). It never imports a
// server package and does not log.
//
// # Measurement model
//
// Every actor is closed-loop: one connection, one batch in flight. Latency
// is the round trip of one batch, from just before the request is written
// to the end of the read of its response (send → ack for producers, poll →
// response for consumers); for a producing consumer it is from the send of
// a batch to the end of the poll that returned its last message. Latencies
// go into an HDR histogram per actor (1 µs to 1 h, 3 significant digits),
// merged for the totals. Throughput counts payload bytes only
// (MB = 10^6 bytes): per actor over its own run time, in total over the
// wall time from the common start to the last actor's end.
//
// # Scenarios (iggy-bench names, streams "bench-stream-N", topic "topic-1")
//
//	pinned-producer            producer i → stream ((i-1) mod streams)+1, partition 0
//	                           (balanced over the partitions when --partitions > 1)
//	pinned-consumer            consumer i reads partition 0 of stream ((i-1) mod streams)+1
//	                           from offset 0, by offset, as consumer i, without committing
//	pinned-producer-and-consumer  both at once: consumers follow the producers' streams
//	balanced-producer          producers send balanced over the partitions of the streams
//	balanced-consumer-group    consumers of a stream join one fresh group and poll `next`
//	                           with auto-commit until the stream's share is read
//	end-to-end-producing-consumer  actor i owns stream i: send a batch, poll it back
//
// Scenarios that produce delete and recreate their streams unless
// Config.ReuseStreams is set (as iggy-bench does). Scenarios that only
// consume read what a previous run left; where a stream is missing or holds
// fewer messages than the consumers will read, Run seeds the shortfall first
// (untimed, same message size and batch size) — iggy-bench fails instead.
// Messages carry ID 0 (the server generates one, as iggy-bench's messages
// do), the origin timestamp of their batch, and a fixed alphanumeric payload
// of Config.MessageSize bytes.
//
// # Hot loop
//
// Each actor encodes its request frames once with internal/protocol and
// reuses them: per batch it only patches the origin timestamps (producers)
// or the offset and count (consumers) in place, writes the frame to its
// net.Conn and reads the response into a buffer it keeps. Setup (login,
// streams, groups) goes through internal/client.
//
// # Caller duties
//
//  1. Fill a Config (zero values take iggy-bench's defaults) and call
//     Config.Plan, which resolves the defaults and checks the options.
//  2. Call Run with the plan. Optionally read Config.Progress while it works
//     (messages done, out of Plan.Messages).
//  3. Write the returned *Report with WriteJSON, WriteTable, WriteChartHTML
//     or WriteChartSVG.
package bench
