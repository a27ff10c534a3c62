// SPDX-License-Identifier: Apache-2.0

package storage_test

import (
	"errors"
	"math/rand/v2"
	"sync"
	"syscall"
	"testing"

	"riffle/internal/storage"
	"riffle/internal/vfs"
	"riffle/internal/vfs/errorfs"
)

// TestIOErrorFailsPartition is reliability.md A8: a failed write or fsync is
// never acknowledged, fails the partition for every later batch, reaches the
// caller as an error, and a reopen recovers everything acknowledged.
func TestIOErrorFailsPartition(t *testing.T) {
	tests := []struct {
		name  string
		inj   *errorfs.Nth
		cause error
	}{
		{name: "log write EIO", cause: syscall.EIO,
			inj: &errorfs.Nth{N: 7, Kind: errorfs.OpWrite, Match: errorfs.PathSuffix(".log"), Err: errorfs.ErrIO}},
		{name: "log fsync EIO", cause: syscall.EIO,
			inj: &errorfs.Nth{N: 5, Kind: errorfs.OpSync, Match: errorfs.PathSuffix(".log"), Err: errorfs.ErrIO}},
		{name: "short log write", cause: errorfs.ErrShortWrite,
			inj: &errorfs.Nth{N: 6, Kind: errorfs.OpWrite, Match: errorfs.PathSuffix(".log"), Err: errorfs.ErrShortWrite}},
		{name: "index write ENOSPC", cause: syscall.ENOSPC,
			inj: &errorfs.Nth{N: 9, Kind: errorfs.OpWrite, Match: errorfs.PathSuffix(".index"), Err: errorfs.ErrNoSpace}},
		{name: "segment create ENOSPC at roll", cause: syscall.ENOSPC,
			inj: &errorfs.Nth{N: 2, Kind: errorfs.OpCreate, Match: errorfs.PathSuffix(".log"), Err: errorfs.ErrNoSpace}},
		{name: "sticky fsync EIO", cause: syscall.EIO,
			inj: &errorfs.Nth{N: 3, Kind: errorfs.OpSync, Match: errorfs.PathSuffix(".log"), Err: errorfs.ErrIO, Sticky: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mem := vfs.NewMem()
			e := newMemEnv(t)
			e.fs = mem
			e.opts.FS = errorfs.Wrap(mem, tt.inj)
			e.opts.SegmentSize = 2000
			var failed []error
			var mu sync.Mutex
			e.opts.Events.PartitionFailed = func(k storage.Key, err error) {
				mu.Lock()
				failed = append(failed, err)
				mu.Unlock()
			}
			eng := e.open()
			p := openPart(t, eng, key0)

			// Pipelined appends: the acknowledged ones must be a prefix.
			const batches, per = 40, 5
			apps := make([]*storage.Append, 0, batches)
			for b := range batches {
				apps = append(apps, p.Append(buildFrames(uint64(b*per), per, 60, nil), per))
			}
			acked, firstFail := 0, -1
			for b, a := range apps {
				_, _, err := a.Wait()
				switch {
				case err == nil && firstFail >= 0:
					t.Fatalf("batch %d acknowledged after batch %d failed", b, firstFail)
				case err == nil:
					acked++
				case firstFail < 0:
					firstFail = b
					if !errors.Is(err, storage.ErrPartitionFailed) || !errors.Is(err, tt.cause) {
						t.Fatalf("append error %v does not wrap ErrPartitionFailed and %v", err, tt.cause)
					}
				}
			}
			t.Logf("acknowledged %d of %d batches, first failure at %d, injected %d", acked, batches, firstFail, tt.inj.Fired())
			if firstFail < 0 || tt.inj.Fired() == 0 {
				t.Fatalf("no failure: fired %d", tt.inj.Fired())
			}
			if _, _, err := p.Append(buildFrames(0, 1, 10, nil), 1).Wait(); !errors.Is(err, storage.ErrPartitionFailed) {
				t.Fatalf("append after the failure: %v", err)
			}
			if err := p.Flush(true); !errors.Is(err, storage.ErrPartitionFailed) {
				t.Fatalf("flush after the failure: %v", err)
			}
			if got := readAll(t, p); len(got) != acked*per {
				t.Fatalf("failed partition serves %d messages, %d acknowledged", len(got), acked*per)
			}
			mu.Lock()
			if len(failed) != 1 {
				t.Fatalf("PartitionFailed fired %d times", len(failed))
			}
			mu.Unlock()
			storage.Abandon(eng)

			// Power loss after the failure, then a reopen without faults.
			for _, mode := range []vfs.CrashMode{vfs.CrashDropUnsynced, vfs.CrashKeepAll} {
				e2 := newMemEnv(t)
				e2.opts.FS = mem.CrashClone(rand.New(rand.NewPCG(1, 2)), mode)
				eng2 := e2.open()
				p2 := openPart(t, eng2, key0)
				msgs := readAll(t, p2)
				checkSequence(t, msgs, 0)
				if len(msgs) < acked*per {
					t.Fatalf("%s: %d messages after reopen, %d acknowledged", mode, len(msgs), acked*per)
				}
				appendN(t, p2, uint64(len(msgs)), 20, 5, 60)
				checkSequence(t, readAll(t, p2), 0)
				mustClose(t, eng2)
			}
		})
	}
}

func TestOffsetsLogErrorFailsOffsetStores(t *testing.T) {
	mem := vfs.NewMem()
	e := newMemEnv(t)
	inj := &errorfs.Nth{N: 2, Kind: errorfs.OpSync, Match: errorfs.PathSuffix("offsets.log"), Err: errorfs.ErrIO}
	e.opts.FS = errorfs.Wrap(mem, inj)
	eng := e.open()
	defer eng.Close()
	c := storage.Consumer{Kind: storage.ConsumerKindConsumer, ID: 3}
	if err := eng.StoreOffset(key0, c, 10).Err(); err != nil {
		t.Fatalf("first store: %v", err)
	}
	if err := eng.StoreOffset(key0, c, 20).Err(); !errors.Is(err, storage.ErrOffsetsFailed) || !errors.Is(err, syscall.EIO) {
		t.Fatalf("store whose fsync failed: %v", err)
	}
	if err := eng.StoreOffset(key0, c, 30).Err(); !errors.Is(err, storage.ErrOffsetsFailed) {
		t.Fatalf("store after the failure: %v", err)
	}
	p := openPart(t, eng, key0)
	appendN(t, p, 0, 5, 5, 10) // partitions are unaffected
}

func TestFailedPartitionReopensWithoutRestart(t *testing.T) {
	mem := vfs.NewMem()
	e := newMemEnv(t)
	inj := &errorfs.Nth{N: 3, Kind: errorfs.OpSync, Match: errorfs.PathSuffix(".log"), Err: errorfs.ErrIO}
	e.opts.FS = errorfs.Wrap(mem, inj)
	eng := e.open()
	defer mustClose(t, eng)
	p := openPart(t, eng, key0)
	other := openPart(t, eng, storage.Key{Stream: 1, Topic: 1, Partition: 2})
	acked := 0
	for range 10 {
		if _, _, err := p.Append(buildFrames(uint64(acked), 2, 20, nil), 2).Wait(); err != nil {
			break
		}
		acked += 2
	}
	if p.Err() == nil || !errors.Is(p.Err(), storage.ErrPartitionFailed) {
		t.Fatalf("partition not failed: %v", p.Err())
	}
	appendN(t, other, 0, 4, 2, 20) // the other partition keeps working
	if err := eng.ClosePartition(key0); err != nil {
		t.Fatal(err)
	}
	p = openPart(t, eng, key0)
	msgs := readAll(t, p)
	checkSequence(t, msgs, 0)
	if len(msgs) < acked {
		t.Fatalf("%d messages after reopening, %d acknowledged", len(msgs), acked)
	}
	appendN(t, p, uint64(len(msgs)), 6, 3, 20)
	checkSequence(t, readAll(t, p), 0)
}
