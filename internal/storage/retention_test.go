// SPDX-License-Identifier: Apache-2.0

package storage_test

import (
	"errors"
	"io/fs"
	"sync"
	"testing"
	"time"

	"riffle/internal/storage"
)

// fillSegments appends batches of 6 messages (6 × 164 = 984 bytes) into a
// partition with 1,000-byte segments, advancing the clock by step after each
// batch: every segment holds two batches.
func fillSegments(t *testing.T, e *env, p *storage.Partition, batches int, step time.Duration) {
	t.Helper()
	for b := range batches {
		appendN(t, p, uint64(b*6), 6, 6, 100)
		e.clock.Advance(step)
	}
}

func TestRetentionDeletesExpiredSealedSegments(t *testing.T) {
	eachEnv(t, testRetentionDeletesExpiredSealedSegments)
}

func testRetentionDeletesExpiredSealedSegments(t *testing.T, newEnv newEnvFunc) {
	e := newEnv(t)
	e.opts.SegmentSize = 1000
	var deleted []storage.SegmentInfo
	var mu sync.Mutex
	e.opts.Events.SegmentDeleted = func(s storage.SegmentInfo) { mu.Lock(); deleted = append(deleted, s); mu.Unlock() }
	eng := e.open()
	defer mustClose(t, eng)
	p, err := eng.OpenPartition(key0, storage.PartitionConfig{MessageExpiry: 10 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	fillSegments(t, e, p, 10, time.Minute) // segments at 0,12,24,36,48; batch b stamped at b minutes
	if st := p.Stats(); st.Segments != 5 {
		t.Fatalf("segments %d, want 5", st.Segments)
	}
	// Now is 10 min after the start. Segment 0's newest message is from minute 1.
	e.clock.Advance(time.Minute) // minute 11: segment 0 (newest minute 1) expired, segment 12 (minute 3) not
	rep := eng.EnforceRetention()
	if rep.SegmentsDeleted != 1 || p.FirstOffset() != 12 {
		t.Fatalf("retention at minute 11: %+v, first offset %d", rep, p.FirstOffset())
	}
	e.clock.Advance(time.Hour)
	rep = eng.EnforceRetention()
	if rep.SegmentsDeleted != 3 || p.FirstOffset() != 48 {
		t.Fatalf("retention an hour later: %+v, first offset %d (the active segment must stay)", rep, p.FirstOffset())
	}
	if _, err := e.fs.Stat(e.partDir(key0) + "/00000000000000000000.log"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("expired segment file still there: %v", err)
	}
	checkSequence(t, readAll(t, p), 48)
	// Reads below the first offset start at the first offset.
	frames, n, err := p.ReadFrom(0, 2, 0)
	if err != nil || n != 2 {
		t.Fatalf("read from 0 after retention: %d, %v", n, err)
	}
	checkSequence(t, decodeFrames(t, frames), 48)
	mu.Lock()
	if len(deleted) != 4 || deleted[0].Reason != "expiry" || deleted[0].Start != 0 {
		t.Fatalf("deletion events %+v", deleted)
	}
	mu.Unlock()
}

func TestRetentionKeepsPartitionUnderMaxSize(t *testing.T) {
	eachEnv(t, testRetentionKeepsPartitionUnderMaxSize)
}

func testRetentionKeepsPartitionUnderMaxSize(t *testing.T, newEnv newEnvFunc) {
	e := newEnv(t)
	e.opts.SegmentSize = 1000
	eng := e.open()
	defer mustClose(t, eng)
	p, err := eng.OpenPartition(key0, storage.PartitionConfig{MaxSize: 5000})
	if err != nil {
		t.Fatal(err)
	}
	fillSegments(t, e, p, 10, 0) // 5 segments × 1968 bytes
	rep := eng.EnforceRetention()
	st := p.Stats()
	// 90 % of 5000 is 4500: two segments (3936 bytes) remain.
	if rep.SegmentsDeleted != 3 || st.Segments != 2 || st.SizeBytes > 4500 || rep.BytesDeleted != 3*1968 {
		t.Fatalf("retention %+v, stats %+v", rep, st)
	}
	p.SetConfig(storage.PartitionConfig{MaxSize: 100})
	eng.EnforceRetention()
	if st := p.Stats(); st.Segments != 1 || st.FirstOffset != 48 {
		t.Fatalf("the active segment must survive any max size: %+v", st)
	}
}

func TestRetentionIsOffByDefault(t *testing.T) {
	eachEnv(t, testRetentionIsOffByDefault)
}

func testRetentionIsOffByDefault(t *testing.T, newEnv newEnvFunc) {
	e := newEnv(t)
	e.opts.SegmentSize = 1000
	eng := e.open()
	defer mustClose(t, eng)
	p := openPart(t, eng, key0)
	fillSegments(t, e, p, 10, time.Hour)
	if rep := eng.EnforceRetention(); rep.SegmentsDeleted != 0 {
		t.Fatalf("retention without limits deleted %d segments", rep.SegmentsDeleted)
	}
}

func TestDeleteSegmentsRemovesOldestSealedOnly(t *testing.T) {
	eachEnv(t, testDeleteSegmentsRemovesOldestSealedOnly)
}

func testDeleteSegmentsRemovesOldestSealedOnly(t *testing.T, newEnv newEnvFunc) {
	e := newEnv(t)
	e.opts.SegmentSize = 1000
	eng := e.open()
	p := openPart(t, eng, key0)
	fillSegments(t, e, p, 10, 0)
	if n, err := p.DeleteSegments(2); n != 2 || err != nil {
		t.Fatalf("DeleteSegments(2) = %d, %v", n, err)
	}
	if n, err := p.DeleteSegments(10); n != 2 || err != nil {
		t.Fatalf("DeleteSegments(10) = %d, %v; the active segment must stay", n, err)
	}
	checkSequence(t, readAll(t, p), 48)
	mustClose(t, eng)
	eng = e.open()
	defer mustClose(t, eng)
	p = openPart(t, eng, key0)
	if st := p.Stats(); st.Segments != 1 || st.FirstOffset != 48 || st.CurrentOffset != 59 {
		t.Fatalf("after restart: %+v", st)
	}
}

func TestPurgeRestartsAtZero(t *testing.T) {
	eachEnv(t, testPurgeRestartsAtZero)
}

func testPurgeRestartsAtZero(t *testing.T, newEnv newEnvFunc) {
	e := newEnv(t)
	e.opts.SegmentSize = 1000
	eng := e.open()
	p := openPart(t, eng, key0)
	fillSegments(t, e, p, 10, 0)
	// A reader holding old frames is unaffected by the purge.
	old, _, err := p.ReadFrom(0, 5, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Purge(); err != nil {
		t.Fatal(err)
	}
	if off, empty := p.CurrentOffset(); off != 0 || !empty {
		t.Fatalf("after purge: current offset %d, empty %v", off, empty)
	}
	if _, n, _ := p.ReadFrom(0, 10, 0); n != 0 {
		t.Fatalf("purged partition returned %d messages", n)
	}
	checkSequence(t, decodeFrames(t, old), 0)
	appendN(t, p, 0, 7, 7, 100)
	checkSequence(t, readAll(t, p), 0)
	mustClose(t, eng)
	eng = e.open()
	defer mustClose(t, eng)
	p = openPart(t, eng, key0)
	msgs := readAll(t, p)
	checkSequence(t, msgs, 0)
	if len(msgs) != 7 || p.Stats().Segments != 1 {
		t.Fatalf("after restart: %d messages, %+v", len(msgs), p.Stats())
	}
}

func TestPurgeWaitsForAppendsInFlight(t *testing.T) {
	eachEnv(t, testPurgeWaitsForAppendsInFlight)
}

func testPurgeWaitsForAppendsInFlight(t *testing.T, newEnv newEnvFunc) {
	e := newEnv(t)
	eng := e.open()
	defer mustClose(t, eng)
	p := openPart(t, eng, key0)
	var apps []*storage.Append
	for i := range 50 {
		apps = append(apps, p.Append(buildFrames(uint64(i), 1, 30, nil), 1))
	}
	if err := p.Purge(); err != nil {
		t.Fatal(err)
	}
	for i, a := range apps {
		if _, _, err := a.Wait(); err != nil {
			t.Fatalf("append %d issued before the purge: %v", i, err)
		}
	}
	if st := p.Stats(); !st.Empty || st.Messages != 0 {
		t.Fatalf("purge left %+v", st)
	}
}

func TestDropRemovesPartitionsAndOffsets(t *testing.T) {
	eachEnv(t, testDropRemovesPartitionsAndOffsets)
}

func testDropRemovesPartitionsAndOffsets(t *testing.T, newEnv newEnvFunc) {
	e := newEnv(t)
	eng := e.open()
	defer mustClose(t, eng)
	keys := []storage.Key{{Stream: 1, Topic: 1, Partition: 1}, {Stream: 1, Topic: 1, Partition: 2},
		{Stream: 1, Topic: 2, Partition: 1}, {Stream: 2, Topic: 3, Partition: 1}}
	c := storage.Consumer{Kind: storage.ConsumerKindConsumer, ID: 1}
	parts := map[storage.Key]*storage.Partition{}
	for _, k := range keys {
		parts[k] = openPart(t, eng, k)
		appendN(t, parts[k], 0, 3, 3, 10)
		if err := eng.StoreOffset(k, c, 2).Err(); err != nil {
			t.Fatal(err)
		}
	}
	if err := eng.DropPartition(keys[0]); err != nil {
		t.Fatal(err)
	}
	if _, _, err := parts[keys[0]].Append(buildFrames(3, 1, 10, nil), 1).Wait(); !errors.Is(err, storage.ErrClosed) {
		t.Fatalf("append to a dropped partition: %v", err)
	}
	if _, ok := eng.Offset(keys[0], c); ok {
		t.Fatal("offsets of a dropped partition survived")
	}
	if err := eng.DropTopic(1, 2); err != nil {
		t.Fatal(err)
	}
	if err := eng.DropStream(2); err != nil {
		t.Fatal(err)
	}
	if err := eng.DropPartition(keys[0]); err != nil {
		t.Fatalf("dropping a missing partition: %v", err)
	}
	got := eng.Partitions()
	if len(got) != 1 || got[0] != keys[1] {
		t.Fatalf("open partitions after drops: %v", got)
	}
	for _, k := range []storage.Key{keys[0], keys[2], keys[3]} {
		if _, err := e.fs.Stat(e.partDir(k)); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("directory of dropped %s: %v", k, err)
		}
	}
	if _, ok := eng.Offset(keys[1], c); !ok {
		t.Fatal("a surviving partition lost its offsets")
	}
}

func TestSweepOrphansRemovesUnknownPartitions(t *testing.T) {
	eachEnv(t, testSweepOrphansRemovesUnknownPartitions)
}

func testSweepOrphansRemovesUnknownPartitions(t *testing.T, newEnv newEnvFunc) {
	e := newEnv(t)
	eng := e.open()
	keep := storage.Key{Stream: 1, Topic: 1, Partition: 1}
	orphan := storage.Key{Stream: 1, Topic: 1, Partition: 2}
	closedKept := storage.Key{Stream: 3, Topic: 1, Partition: 1}
	for _, k := range []storage.Key{keep, orphan, closedKept} {
		appendN(t, openPart(t, eng, k), 0, 2, 2, 10)
	}
	mustClose(t, eng)
	// A crash in the middle of a delete leaves a tombstone.
	tomb := e.dir + "/streams/1/topics/1/partitions/.deleted-9-x"
	if err := e.fs.MkdirAll(tomb, 0o755); err != nil {
		t.Fatal(err)
	}
	eng = e.open()
	defer mustClose(t, eng)
	openPart(t, eng, keep)
	removed, err := eng.SweepOrphans(func(k storage.Key) bool { return k == closedKept })
	if err != nil {
		t.Fatal(err)
	}
	if len(removed) != 2 {
		t.Fatalf("removed %v, want the orphan and the tombstone", removed)
	}
	for _, k := range []storage.Key{keep, closedKept} {
		if _, err := e.fs.Stat(e.partDir(k)); err != nil {
			t.Fatalf("kept partition %s: %v", k, err)
		}
	}
	if _, err := e.fs.Stat(e.partDir(orphan)); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("orphan survived: %v", err)
	}
}

func TestRetentionRacesAppendsAndReads(t *testing.T) {
	eachEnv(t, testRetentionRacesAppendsAndReads)
}

func testRetentionRacesAppendsAndReads(t *testing.T, newEnv newEnvFunc) {
	e := newEnv(t)
	e.opts.SegmentSize = 600
	eng := e.open()
	defer mustClose(t, eng)
	p, err := eng.OpenPartition(key0, storage.PartitionConfig{MaxSize: 3000})
	if err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { // the cleaner
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
				eng.EnforceRetention()
			}
		}
	}()
	go func() { // a consumer that always reads from the oldest message
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			frames, n, err := p.ReadFrom(0, 20, 0)
			if err != nil {
				t.Errorf("read during retention: %v", err)
				return
			}
			msgs := decodeFrames(t, frames)
			for i := 1; i < int(n); i++ {
				if msgs[i].offset != msgs[i-1].offset+1 {
					t.Errorf("read returned a gap: %d then %d", msgs[i-1].offset, msgs[i].offset)
					return
				}
			}
		}
	}()
	var apps []*storage.Append
	for i := range 400 {
		apps = append(apps, p.Append(buildFrames(uint64(i), 1, 100, nil), 1))
		if len(apps) == 8 {
			for _, a := range apps {
				if _, _, err := a.Wait(); err != nil {
					t.Fatalf("append during retention: %v", err)
				}
			}
			apps = apps[:0]
		}
	}
	for _, a := range apps {
		if _, _, err := a.Wait(); err != nil {
			t.Fatalf("append during retention: %v", err)
		}
	}
	close(stop)
	wg.Wait()
	if err := p.Err(); err != nil {
		t.Fatalf("partition failed: %v", err)
	}
	eng.EnforceRetention()
	st := p.Stats()
	if st.CurrentOffset != 399 || st.SizeBytes > 2700 {
		t.Fatalf("stats after retention race: %+v", st)
	}
	checkSequence(t, readAll(t, p), st.FirstOffset)
}

func TestPurgeRacesAppendsReadsAndFlushes(t *testing.T) {
	eachEnv(t, testPurgeRacesAppendsReadsAndFlushes)
}

func testPurgeRacesAppendsReadsAndFlushes(t *testing.T, newEnv newEnvFunc) {
	e := newEnv(t)
	e.opts.SegmentSize = 800
	eng := e.open()
	defer mustClose(t, eng)
	p := openPart(t, eng, key0)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	work := []func(i int) error{
		func(i int) error { _, _, err := p.Append(buildFrames(uint64(i), 2, 50, nil), 2).Wait(); return err },
		func(i int) error { _, _, err := p.ReadFrom(uint64(i%50), 10, 0); return err },
		func(i int) error { return p.Flush(i%2 == 0) },
		func(i int) error { _, _, err := p.ReadFromTimestamp(0, 5, 0); return err },
	}
	for _, f := range work {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				if err := f(i); err != nil {
					t.Errorf("during purges: %v", err)
					return
				}
			}
		}()
	}
	for range 20 {
		if err := p.Purge(); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
	msgs := readAll(t, p)
	for i, m := range msgs {
		if m.offset != uint64(i) {
			t.Fatalf("after purges message %d has offset %d", i, m.offset)
		}
	}
}

func TestDeleteConsumedSegmentsStopsAtTheLowestStoredOffset(t *testing.T) {
	eachEnv(t, testDeleteConsumedSegmentsStopsAtTheLowestStoredOffset)
}

func testDeleteConsumedSegmentsStopsAtTheLowestStoredOffset(t *testing.T, newEnv newEnvFunc) {
	e := newEnv(t)
	e.opts.SegmentSize = 1000
	eng := e.open()
	defer mustClose(t, eng)
	p := openPart(t, eng, key0)
	fillSegments(t, e, p, 10, 0) // segments of 12 messages each: 0-11, 12-23, 24-35, 36-47, 48-59
	if _, ok := eng.MinOffset(key0); ok {
		t.Fatal("MinOffset with nothing stored")
	}
	if err := eng.StoreOffset(key0, storage.Consumer{Kind: 1, ID: 1}, 30).Err(); err != nil {
		t.Fatal(err)
	}
	if err := eng.StoreOffset(key0, storage.Consumer{Kind: 2, ID: 1}, 25).Err(); err != nil {
		t.Fatal(err)
	}
	min, ok := eng.MinOffset(key0)
	if !ok || min != 25 {
		t.Fatalf("MinOffset = %d, %v; want 25", min, ok)
	}
	// Only the segment 0-11 and 12-23 lie at or below 25.
	if n, err := p.DeleteConsumedSegments(10, min, ok); n != 2 || err != nil {
		t.Fatalf("DeleteConsumedSegments = %d, %v; want 2", n, err)
	}
	if st := p.Stats(); st.FirstOffset != 24 {
		t.Fatalf("first offset %d, want 24", st.FirstOffset)
	}
}
