// SPDX-License-Identifier: Apache-2.0

// Package placement is the rule that decides which shard owns a partition.
//
// It owns two decisions and nothing else:
//
//  1. A new partition goes to the shard that owns the fewest partitions across
//     the whole server; ties go to the lowest shard id (Counts.Place).
//  2. When the shard count changes, partitions on shards that no longer exist
//     (id ≥ the new count) move, one by one in the order given, by the same
//     rule; every other partition stays where it is (Reassign).
//
// The resulting table lives in internal/metadata, so placement is stable
// across restarts. The package is pure: no I/O, no logging, no goroutines,
// and nothing in it is safe for concurrent mutation (callers own the values).
package placement
