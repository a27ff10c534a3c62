// SPDX-License-Identifier: Apache-2.0

package placement_test

import (
	"math/rand/v2"
	"slices"
	"testing"

	"riffle/internal/placement"
)

func TestPlaceChoosesFewestThenLowestShard(t *testing.T) {
	tests := []struct {
		name   string
		shards int
		owners []uint32
		want   []uint32 // shards chosen by successive Place calls
	}{
		{name: "empty server fills shards in id order", shards: 3, want: []uint32{0, 1, 2, 0, 1, 2}},
		{name: "one shard takes everything", shards: 1, owners: []uint32{0, 0}, want: []uint32{0, 0, 0}},
		{name: "least loaded shard first", shards: 3, owners: []uint32{0, 0, 1}, want: []uint32{2, 1, 2, 0}},
		{name: "tie goes to the lowest id", shards: 4, owners: []uint32{0, 3}, want: []uint32{1, 2, 0, 1}},
		{name: "owners on vanished shards are not counted", shards: 2, owners: []uint32{5, 5, 5, 1}, want: []uint32{0, 0, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := placement.NewCounts(tt.shards, tt.owners)
			var got []uint32
			for range tt.want {
				got = append(got, c.Place())
			}
			if !slices.Equal(got, tt.want) {
				t.Fatalf("Place sequence = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestRemoveUncountsOnlyKnownShards(t *testing.T) {
	c := placement.NewCounts(2, []uint32{0, 0, 1})
	c.Remove(0)
	c.Remove(7) // ignored
	if !slices.Equal(c, placement.Counts{1, 1}) {
		t.Fatalf("counts = %v, want [1 1]", c)
	}
	c.Remove(0)
	c.Remove(0) // never negative
	if c[0] != 0 {
		t.Fatalf("count of shard 0 = %d, want 0", c[0])
	}
}

func TestReassignMovesOnlyPartitionsOfVanishedShards(t *testing.T) {
	tests := []struct {
		name   string
		shards int
		owners []uint32
		want   []uint32
	}{
		{name: "nothing to move", shards: 2, owners: []uint32{0, 1, 1}, want: []uint32{0, 1, 1}},
		{name: "shrink 4 to 2", shards: 2, owners: []uint32{0, 1, 2, 3, 2, 3}, want: []uint32{0, 1, 0, 1, 0, 1}},
		{name: "shrink to 1", shards: 1, owners: []uint32{3, 2, 1, 0}, want: []uint32{0, 0, 0, 0}},
		{name: "grow keeps everything in place", shards: 8, owners: []uint32{0, 0, 0, 1}, want: []uint32{0, 0, 0, 1}},
		{name: "moved partitions fill the least loaded", shards: 3, owners: []uint32{0, 0, 1, 4, 4, 4}, want: []uint32{0, 0, 1, 2, 1, 2}},
		{name: "no partitions", shards: 3, owners: nil, want: []uint32{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := slices.Clone(tt.owners)
			got := placement.Reassign(tt.owners, tt.shards)
			if !slices.Equal(got, tt.want) {
				t.Fatalf("Reassign(%v, %d) = %v, want %v", tt.owners, tt.shards, got, tt.want)
			}
			if !slices.Equal(tt.owners, before) {
				t.Fatalf("Reassign modified its input: %v, was %v", tt.owners, before)
			}
		})
	}
}

func TestReassignKeepsBalanceWithinOne(t *testing.T) {
	// Placing everything on a vanished shard and reassigning must give a
	// spread where no two shards differ by more than one partition.
	seed := rand.Uint64()
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(seed, seed))
	for range 200 {
		shards := 1 + r.IntN(8)
		owners := make([]uint32, r.IntN(50))
		for i := range owners {
			owners[i] = uint32(shards + r.IntN(4))
		}
		got := placement.Reassign(owners, shards)
		c := placement.NewCounts(shards, got)
		if lo, hi := slices.Min(c), slices.Max(c); hi-lo > 1 {
			t.Fatalf("seed %d: counts %v differ by more than one", seed, c)
		}
	}
}

func TestNewCountsPanicsWithoutShards(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("NewCounts(0, nil) did not panic")
		}
	}()
	placement.NewCounts(0, nil)
}
