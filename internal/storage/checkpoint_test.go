// SPDX-License-Identifier: Apache-2.0

package storage_test

import (
	"errors"
	"os"
	"testing"
	"time"

	"riffle/internal/storage"
)

// checkpointEnv writes, with backend be, 1,000 messages of 164 bytes (in
// batches of 10) into one segment with a checkpoint every 4 KiB, and kills
// the engine.
func checkpointEnv(t *testing.T, be backend) *env {
	t.Helper()
	e := newOSEnv(t, be)
	e.opts.SegmentSize = 1 << 20
	eng := e.open()
	appendN(t, openPart(t, eng, key0), 0, 1000, 10, surgeryPayload)
	storage.Abandon(eng)
	return e
}

func TestCheckpointBoundsCrashScan(t *testing.T) {
	eachBackend(t, testCheckpointBoundsCrashScan)
}

func testCheckpointBoundsCrashScan(t *testing.T, be backend) {
	defer storage.SetCheckpointBytes(4096)()
	e := checkpointEnv(t, be)
	var rec recorder
	e.opts.Events = rec.events()
	eng := e.open()
	defer mustClose(t, eng)
	p := openPart(t, eng, key0)
	msgs := readAll(t, p)
	checkSequence(t, msgs, 0)
	info := rec.recovered[0]
	if len(msgs) != 1000 || info.Clean || info.BytesScanned == 0 || info.BytesScanned > 4096+10*surgeryMsgSize {
		t.Fatalf("crash restart scanned %d bytes of %d (%d messages); want at most one checkpoint interval",
			info.BytesScanned, 1000*surgeryMsgSize, len(msgs))
	}
}

func TestCheckpointedDamageIsFencedNotTruncated(t *testing.T) {
	eachBackend(t, testCheckpointedDamageIsFencedNotTruncated)
}

func testCheckpointedDamageIsFencedNotTruncated(t *testing.T, be backend) {
	defer storage.SetCheckpointBytes(4096)()
	tests := []struct {
		name     string
		dropIdx  bool // also lose the index, so recovery must scan the durable prefix
		wantOpen bool // damage found only when read
	}{
		{name: "found on read", wantOpen: true},
		{name: "found by the recovery scan", dropIdx: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := checkpointEnv(t, be)
			log, index, _ := activeSegment(t, e.partDir(key0))
			b, _ := os.ReadFile(log)
			b[100] ^= 0x01 // inside message 0, far below the last checkpoint
			os.WriteFile(log, b, 0o644)
			if tt.dropIdx {
				truncateFile(t, index, 0)
			}
			eng := e.open()
			defer mustClose(t, eng)
			p, err := eng.OpenPartition(key0, storage.PartitionConfig{})
			if !tt.wantOpen {
				if ce, ok := isCorruption(err); !ok || !errors.Is(err, storage.ErrPartitionFenced) || ce.Path != log || ce.Offset != 0 {
					t.Fatalf("open: %v, want a fence at byte 0 of %s", err, log)
				}
				if fileSize(t, log) != int64(len(b)) {
					t.Fatal("recovery truncated durable data instead of fencing")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := p.ReadFrom(0, 10, 0); !errors.Is(err, storage.ErrPartitionFenced) {
				t.Fatalf("read over damage: %v", err)
			}
		})
	}
}

func TestPurgeForgetsCheckpoints(t *testing.T) {
	eachEnv(t, testPurgeForgetsCheckpoints)
}

func testPurgeForgetsCheckpoints(t *testing.T, newEnv newEnvFunc) {
	restore := storage.SetCheckpointBytes(1024)
	defer restore()
	e := newEnv(t)
	e.opts.SegmentSize = 1 << 20
	eng := e.open()
	p := openPart(t, eng, key0)
	appendN(t, p, 0, 100, 10, 100)
	if err := p.Purge(); err != nil {
		t.Fatal(err)
	}
	storage.SetCheckpointBytes(1 << 30) // no checkpoint for the new segment 0
	// Same sizes as before, so the new segment 0 has message boundaries where
	// the old one's checkpoints point.
	appendN(t, p, 0, 150, 10, 100)
	storage.Abandon(eng) // crash: the old segment 0's checkpoints must not apply to the new one
	eng = e.open()
	defer mustClose(t, eng)
	p = openPart(t, eng, key0)
	msgs := readAll(t, p)
	checkSequence(t, msgs, 0)
	if len(msgs) != 150 {
		t.Fatalf("%d messages after purge and crash, want 150", len(msgs))
	}
}

// In write mode checkpoints are synced off the acknowledgement path (by the
// syncer) and spaced in time too (here: not at all); they still bound the
// crash scan, and a purge still forgets them.
func TestWriteModeCheckpointsBoundCrashScanAndPurge(t *testing.T) {
	eachBackend(t, testWriteModeCheckpointsBoundCrashScanAndPurge)
}

func testWriteModeCheckpointsBoundCrashScanAndPurge(t *testing.T, be backend) {
	defer storage.SetCheckpointBytes(4096)()
	defer storage.SetWriteModeCheckpointAge(0)()
	e := newOSEnv(t, be)
	e.opts.SegmentSize = 1 << 20
	e.opts.Durability = storage.DurabilityWrite
	eng := e.open()
	p := openPart(t, eng, key0)
	appendN(t, p, 0, 1000, 10, surgeryPayload)
	storage.SettleCheckpoints(eng)
	// The last checkpoint's record rides the next round of the offsets log.
	if err := eng.StoreOffset(key0, storage.Consumer{Kind: 1, ID: 1}, 0).Err(); err != nil {
		t.Fatal(err)
	}
	storage.Abandon(eng)
	var rec recorder
	e.opts.Events = rec.events()
	eng = e.open()
	p = openPart(t, eng, key0)
	msgs := readAll(t, p)
	checkSequence(t, msgs, 0)
	if info := rec.recovered[0]; len(msgs) != 1000 || info.BytesScanned > 2*4096+10*surgeryMsgSize {
		t.Fatalf("write-mode crash restart scanned %d bytes of %d (%d messages)", info.BytesScanned, 1000*surgeryMsgSize, len(msgs))
	}
	// A purge waits for a checkpoint in flight and then forgets them all.
	if err := p.Purge(); err != nil {
		t.Fatal(err)
	}
	appendN(t, p, 0, 150, 10, surgeryPayload)
	storage.Abandon(eng)
	eng = e.open()
	defer mustClose(t, eng)
	p = openPart(t, eng, key0)
	msgs = readAll(t, p)
	checkSequence(t, msgs, 0)
	if len(msgs) != 150 {
		t.Fatalf("%d messages after purge and crash, want 150", len(msgs))
	}
}

// In write mode a checkpoint waits for its age as well as its bytes, so its
// sync finds pages the kernel has already written back.
func TestWriteModeCheckpointsWaitForTheirAge(t *testing.T) {
	eachBackend(t, testWriteModeCheckpointsWaitForTheirAge)
}

func testWriteModeCheckpointsWaitForTheirAge(t *testing.T, be backend) {
	defer storage.SetCheckpointBytes(4096)()
	defer storage.SetWriteModeCheckpointAge(30 * time.Second)()
	e := newOSEnv(t, be)
	e.opts.SegmentSize = 1 << 20
	e.opts.Durability = storage.DurabilityWrite
	eng := e.open()
	defer mustClose(t, eng)
	p := openPart(t, eng, key0)
	checkpointed := func(next uint64) uint32 {
		t.Helper()
		storage.SettleCheckpoints(eng)
		// The checkpoint's record rides the next round of the offsets log.
		if err := eng.StoreOffset(key0, storage.Consumer{Kind: 1, ID: 1}, next).Err(); err != nil {
			t.Fatal(err)
		}
		n, _ := storage.CheckpointCount(eng, key0)
		return n
	}
	appendN(t, p, 0, 100, 10, surgeryPayload)
	if n := checkpointed(0); n != 0 {
		t.Fatalf("checkpoint at %d messages before the partition's first interval aged", n)
	}
	e.clock.Advance(30 * time.Second)
	appendN(t, p, 100, 100, 10, surgeryPayload)
	first := checkpointed(1)
	if first == 0 {
		t.Fatal("no checkpoint after the first interval's bytes and age")
	}
	appendN(t, p, 200, 100, 10, surgeryPayload)
	if n := checkpointed(2); n != first {
		t.Fatalf("checkpoint moved from %d to %d messages before its age", first, n)
	}
	e.clock.Advance(30 * time.Second)
	appendN(t, p, 300, 100, 10, surgeryPayload)
	if n := checkpointed(3); n <= first {
		t.Fatalf("checkpoint stayed at %d messages after its age (was %d)", n, first)
	}
}
