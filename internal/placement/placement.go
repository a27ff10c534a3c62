// SPDX-License-Identifier: Apache-2.0

package placement

// Counts holds the number of partitions each shard owns; index = shard id.
// Its length is the shard count.
type Counts []int

// NewCounts tallies owners over shards [0, shards). Owners outside that range
// are not counted: they belong to shards that no longer exist and are expected
// to be moved by Reassign. NewCounts panics if shards < 1.
func NewCounts(shards int, owners []uint32) Counts {
	if shards < 1 {
		panic("BUG: placement: shard count must be at least 1")
	}
	c := make(Counts, shards)
	for _, o := range owners {
		if int64(o) < int64(shards) {
			c[o]++
		}
	}
	return c
}

// Lowest returns the shard with the fewest partitions, the lowest id on ties,
// without changing c. It panics on an empty Counts.
func (c Counts) Lowest() uint32 {
	if len(c) == 0 {
		panic("BUG: placement: no shards")
	}
	best := 0
	for i := 1; i < len(c); i++ {
		if c[i] < c[best] {
			best = i
		}
	}
	return uint32(best)
}

// Place chooses the shard for one new partition (Lowest) and counts the
// partition on it, so successive calls spread a batch of new partitions.
func (c Counts) Place() uint32 {
	s := c.Lowest()
	c[s]++
	return s
}

// Remove uncounts one partition on shard s, for callers that model deletions.
// Shards outside the range are ignored.
func (c Counts) Remove(s uint32) {
	if int64(s) < int64(len(c)) && c[s] > 0 {
		c[s]--
	}
}

// Reassign returns the owners after the shard count became shards: owners[i]
// stays when it is below shards; otherwise partition i is placed, in index
// order, on the shard with the fewest partitions at that moment (ties → lowest
// id), counting the partitions that stayed and those already moved. owners is
// not modified; the result is a new slice of the same length. Reassign panics
// if shards < 1.
func Reassign(owners []uint32, shards int) []uint32 {
	c := NewCounts(shards, owners)
	out := make([]uint32, len(owners))
	for i, o := range owners {
		if int64(o) < int64(shards) {
			out[i] = o
			continue
		}
		out[i] = c.Place()
	}
	return out
}
