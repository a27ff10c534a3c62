// SPDX-License-Identifier: Apache-2.0

package storage_test

import (
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"riffle/internal/storage"
	"riffle/internal/vfs"
)

var (
	consumerA = storage.Consumer{Kind: storage.ConsumerKindConsumer, ID: 1}
	groupA    = storage.Consumer{Kind: storage.ConsumerKindGroup, ID: 1}
)

func storeOffset(t *testing.T, eng *storage.Engine, k storage.Key, c storage.Consumer, off uint64) {
	t.Helper()
	if err := eng.StoreOffset(k, c, off).Err(); err != nil {
		t.Fatalf("store offset: %v", err)
	}
}

func wantOffset(t *testing.T, eng *storage.Engine, k storage.Key, c storage.Consumer, want uint64, wantOK bool) {
	t.Helper()
	if got, ok := eng.Offset(k, c); got != want || ok != wantOK {
		t.Fatalf("offset of %v on %s = %d, %v; want %d, %v", c, k, got, ok, want, wantOK)
	}
}

func TestOffsetsSurviveRestartPerConsumerAndGroup(t *testing.T) {
	eachEnv(t, testOffsetsSurviveRestartPerConsumerAndGroup)
}

func testOffsetsSurviveRestartPerConsumerAndGroup(t *testing.T, newEnv newEnvFunc) {
	for _, d := range []storage.Durability{storage.DurabilityFsync, storage.DurabilityWrite} {
		t.Run(d.String(), func(t *testing.T) {
			e := newEnv(t)
			e.opts.Durability = d
			eng := e.open()
			p := openPart(t, eng, key0)
			appendN(t, p, 0, 100, 10, 10)
			storeOffset(t, eng, key0, consumerA, 10)
			storeOffset(t, eng, key0, groupA, 20)
			storeOffset(t, eng, key0, consumerA, 30)
			wantOffset(t, eng, key0, consumerA, 30, true)
			if ok, err := eng.DeleteOffset(key0, groupA); !ok || err != nil {
				t.Fatalf("DeleteOffset = %v, %v", ok, err)
			}
			if ok, err := eng.DeleteOffset(key0, groupA); ok || err != nil {
				t.Fatalf("second DeleteOffset = %v, %v", ok, err)
			}
			storage.Abandon(eng) // a crash: no clean marker

			eng = e.open()
			defer mustClose(t, eng)
			openPart(t, eng, key0)
			wantOffset(t, eng, key0, consumerA, 30, true)
			wantOffset(t, eng, key0, groupA, 0, false)
		})
	}
}

func TestOffsetsPastTheLogAreClampedAtOpen(t *testing.T) {
	eachEnv(t, testOffsetsPastTheLogAreClampedAtOpen)
}

func testOffsetsPastTheLogAreClampedAtOpen(t *testing.T, newEnv newEnvFunc) {
	e := newEnv(t)
	eng := e.open()
	p := openPart(t, eng, key0)
	appendN(t, p, 0, 10, 10, 10)
	storeOffset(t, eng, key0, consumerA, 500) // e.g. the messages were lost with their disk
	mustClose(t, eng)
	eng = e.open()
	defer mustClose(t, eng)
	openPart(t, eng, key0)
	wantOffset(t, eng, key0, consumerA, 9, true)
}

func TestOffsetsLogIsCompacted(t *testing.T) {
	eachEnv(t, testOffsetsLogIsCompacted)
}

func testOffsetsLogIsCompacted(t *testing.T, newEnv newEnvFunc) {
	defer storage.SetCompactMin(4096)()
	e := newEnv(t)
	var compactions []storage.CompactInfo
	var mu sync.Mutex
	e.opts.Events.OffsetsCompacted = func(c storage.CompactInfo) { mu.Lock(); compactions = append(compactions, c); mu.Unlock() }
	eng := e.open()
	k2 := storage.Key{Stream: 9, Topic: 9, Partition: 9}
	for i := range 1000 {
		storeOffset(t, eng, key0, consumerA, uint64(i))
		storeOffset(t, eng, k2, groupA, uint64(2*i))
	}
	mu.Lock()
	n := len(compactions)
	mu.Unlock()
	if n == 0 {
		t.Fatal("2,000 records over a 4 KiB threshold and no compaction")
	}
	fi, err := e.fs.Stat(e.dir + "/shards/0/offsets.log")
	if err != nil || fi.Size() > 8192 {
		t.Fatalf("offsets log is %v bytes after compaction (%v)", fi.Size(), err)
	}
	storage.Abandon(eng)
	eng = e.open()
	defer mustClose(t, eng)
	wantOffset(t, eng, key0, consumerA, 999, true)
	wantOffset(t, eng, k2, groupA, 1998, true)
}

func TestOffsetsLogTornTailIsCut(t *testing.T) {
	eachEnv(t, testOffsetsLogTornTailIsCut)
}

func testOffsetsLogTornTailIsCut(t *testing.T, newEnv newEnvFunc) {
	e := newEnv(t)
	var truncated []storage.TruncateInfo
	e.opts.Events.TailTruncated = func(i storage.TruncateInfo) { truncated = append(truncated, i) }
	eng := e.open()
	storeOffset(t, eng, key0, consumerA, 1)
	storeOffset(t, eng, key0, consumerA, 2)
	mustClose(t, eng)
	name := e.dir + "/shards/0/offsets.log"
	f, err := e.fs.OpenReadWrite(name)
	if err != nil {
		t.Fatal(err)
	}
	size, _ := f.Size()
	f.WriteAt([]byte("torn record"), size)
	f.Close()
	eng = e.open()
	defer mustClose(t, eng)
	wantOffset(t, eng, key0, consumerA, 2, true)
	if len(truncated) != 1 || truncated[0].Bytes != 11 {
		t.Fatalf("truncation events %+v", truncated)
	}
	storeOffset(t, eng, key0, consumerA, 3)
}

func TestOffsetsFollowAPartitionToAnotherShard(t *testing.T) {
	eachEnv(t, testOffsetsFollowAPartitionToAnotherShard)
}

func testOffsetsFollowAPartitionToAnotherShard(t *testing.T, newEnv newEnvFunc) {
	e := newEnv(t)
	// Run 1: shard 1 owns the partition.
	e.opts.Shard = 1
	eng1 := e.open()
	appendN(t, openPart(t, eng1, key0), 0, 50, 10, 10)
	storeOffset(t, eng1, key0, consumerA, 10)
	storeOffset(t, eng1, key0, groupA, 20)
	mustClose(t, eng1)

	// Run 2: one shard; shard 0 takes the partition over and adopts shard 1's offsets.
	e.clock.Advance(time.Second)
	e.opts.Shard = 0
	eng0 := e.open()
	openPart(t, eng0, key0)
	wantOffset(t, eng0, key0, consumerA, 10, true)
	storeOffset(t, eng0, key0, consumerA, 40)
	if ok, err := eng0.DeleteOffset(key0, groupA); !ok || err != nil {
		t.Fatalf("delete: %v %v", ok, err)
	}
	mustClose(t, eng0)

	// Run 3: two shards again; the partition moves back to shard 1, whose own
	// log still holds the older values: the newer records of shard 0 win.
	e.clock.Advance(time.Second)
	e.opts.Shard = 1
	eng1 = e.open()
	defer mustClose(t, eng1)
	openPart(t, eng1, key0)
	wantOffset(t, eng1, key0, consumerA, 40, true)
	wantOffset(t, eng1, key0, groupA, 0, false)
}

func TestOffsetsSurviveCrashStates(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	e := newMemEnv(t)
	mem := e.fs.(*vfs.Mem)
	eng := e.open()
	p := openPart(t, eng, key0)
	appendN(t, p, 0, 100, 100, 10)
	for i := range 50 {
		storeOffset(t, eng, key0, consumerA, uint64(i))
		for _, mode := range vfs.CrashModes {
			e2 := newMemEnv(t)
			e2.opts.FS = mem.CrashClone(rng, mode)
			eng2 := e2.open()
			openPart(t, eng2, key0)
			if got, ok := eng2.Offset(key0, consumerA); !ok || got < uint64(i) {
				t.Fatalf("%s after storing %d: offset %d, %v", mode, i, got, ok)
			}
			mustClose(t, eng2)
		}
	}
	mustClose(t, eng)
}
