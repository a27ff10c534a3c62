// SPDX-License-Identifier: Apache-2.0

package storage_test

import (
	"bytes"
	"errors"
	"runtime"
	"sync"
	"testing"
	"time"

	"riffle/internal/clock"
	"riffle/internal/protocol"
	"riffle/internal/storage"
)

func TestAppendAssignsServerFields(t *testing.T) {
	eachEnv(t, testAppendAssignsServerFields)
}

func testAppendAssignsServerFields(t *testing.T, newEnv newEnvFunc) {
	e := newEnv(t)
	eng := e.open()
	defer mustClose(t, eng)
	p := openPart(t, eng, key0)

	headers := []byte{2, 1, 0, 0, 0, 'k', 2, 1, 0, 0, 0, 'v'}
	frames := buildFrames(0, 3, 40, headers)
	fixed := [16]byte{1, 2, 3}
	protocol.SetMessageID(frames[protocol.MessageFrameSize(frames):], fixed)
	first, last, err := p.Append(frames, 3).Wait()
	if err != nil || first != 0 || last != 2 {
		t.Fatalf("append: %d..%d %v", first, last, err)
	}
	e.clock.Advance(time.Second)
	first, last, err = p.Append(buildFrames(3, 2, 10, nil), 2).Wait()
	if err != nil || first != 3 || last != 4 {
		t.Fatalf("second append: %d..%d %v", first, last, err)
	}

	msgs := readAll(t, p)
	checkSequence(t, msgs, 0)
	t0 := clock.Micros(time.Unix(1_700_000_000, 0))
	for i, m := range msgs {
		wantTS := t0
		if i >= 3 {
			wantTS = t0 + 1_000_000
		}
		if m.timestamp != wantTS {
			t.Errorf("message %d timestamp %d, want %d (one per batch)", i, m.timestamp, wantTS)
		}
		switch {
		case i == 1 && m.id != fixed:
			t.Errorf("client id replaced: %x", m.id)
		case i != 1 && (m.id == [16]byte{} || m.id[6]>>4 != 4 || m.id[8]>>6 != 2):
			t.Errorf("message %d: id %x is not a UUIDv4", i, m.id)
		}
		if i < 3 && !bytes.Equal(m.headers, headers) {
			t.Errorf("message %d: user headers %x, want %x", i, m.headers, headers)
		}
	}
	if off, empty := p.CurrentOffset(); off != 4 || empty {
		t.Fatalf("CurrentOffset = %d, %v", off, empty)
	}
}

func TestEmptyPartitionReportsEmpty(t *testing.T) {
	eachEnv(t, testEmptyPartitionReportsEmpty)
}

func testEmptyPartitionReportsEmpty(t *testing.T, newEnv newEnvFunc) {
	e := newEnv(t)
	eng := e.open()
	defer mustClose(t, eng)
	p := openPart(t, eng, key0)
	if off, empty := p.CurrentOffset(); off != 0 || !empty {
		t.Fatalf("CurrentOffset of a new partition = %d, %v", off, empty)
	}
	if frames, n, err := p.ReadFrom(0, 10, 0); n != 0 || len(frames) != 0 || err != nil {
		t.Fatalf("read of an empty partition: %d messages, %v", n, err)
	}
}

func TestAppendRejectsMalformedBatches(t *testing.T) {
	eachEnv(t, testAppendRejectsMalformedBatches)
}

func testAppendRejectsMalformedBatches(t *testing.T, newEnv newEnvFunc) {
	e := newEnv(t)
	eng := e.open()
	defer mustClose(t, eng)
	p := openPart(t, eng, key0)
	good := buildFrames(0, 2, 20, nil)
	tests := []struct {
		name   string
		frames []byte
		count  int
	}{
		{name: "count too high", frames: good, count: 3},
		{name: "count too low", frames: good, count: 1},
		{name: "empty", frames: nil, count: 0},
		{name: "cut in a header", frames: good[:len(good)-80], count: 2},
		{name: "cut in a payload", frames: good[:len(good)-5], count: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, _, err := p.Append(tt.frames, tt.count).Wait(); !errors.Is(err, storage.ErrInvalidBatch) {
				t.Fatalf("append: %v, want ErrInvalidBatch", err)
			}
		})
	}
	appendN(t, p, 0, 2, 2, 20)
	checkSequence(t, readAll(t, p), 0)
}

func TestReadHonoursCountAndByteLimit(t *testing.T) {
	eachEnv(t, testReadHonoursCountAndByteLimit)
}

func testReadHonoursCountAndByteLimit(t *testing.T, newEnv newEnvFunc) {
	e := newEnv(t)
	e.opts.SegmentSize = 4096 // many segments: reads cross them
	eng := e.open()
	defer mustClose(t, eng)
	p := openPart(t, eng, key0)
	appendN(t, p, 0, 300, 7, 100) // 164-byte frames
	if st := p.Stats(); st.Segments < 10 || st.Messages != 300 || st.CurrentOffset != 299 {
		t.Fatalf("stats %+v", st)
	}
	tests := []struct {
		name            string
		offset          uint64
		count           uint32
		maxBytes        int
		wantFirst, want uint64
	}{
		{name: "count", offset: 10, count: 50, want: 50, wantFirst: 10},
		{name: "across segments", offset: 20, count: 200, want: 200, wantFirst: 20},
		{name: "past the end", offset: 290, count: 50, want: 10, wantFirst: 290},
		{name: "at the end", offset: 300, count: 5, want: 0},
		{name: "byte limit", offset: 0, count: 100, maxBytes: 164*5 + 100, want: 5, wantFirst: 0},
		{name: "byte limit below one message", offset: 7, count: 100, maxBytes: 10, want: 1, wantFirst: 7},
		{name: "zero count", offset: 0, count: 0, want: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			frames, n, err := p.ReadFrom(tt.offset, tt.count, tt.maxBytes)
			if err != nil {
				t.Fatal(err)
			}
			msgs := decodeFrames(t, frames)
			if uint64(n) != tt.want || len(msgs) != int(n) {
				t.Fatalf("got %d messages (%d decoded), want %d", n, len(msgs), tt.want)
			}
			checkSequence(t, msgs, tt.wantFirst)
		})
	}
}

func TestAppendFromAppendsToCallerBuffer(t *testing.T) {
	eachEnv(t, testAppendFromAppendsToCallerBuffer)
}

func testAppendFromAppendsToCallerBuffer(t *testing.T, newEnv newEnvFunc) {
	e := newEnv(t)
	eng := e.open()
	defer mustClose(t, eng)
	p := openPart(t, eng, key0)
	appendN(t, p, 0, 10, 10, 30)
	prefix := []byte("poll-header-16by")
	out, n, err := p.AppendFrom(append([]byte(nil), prefix...), 3, 4, 0)
	if err != nil || n != 4 || !bytes.Equal(out[:16], prefix) {
		t.Fatalf("AppendFrom: n=%d err=%v prefix %q", n, err, out[:16])
	}
	checkSequence(t, decodeFrames(t, out[16:]), 3)
}

func TestReadFromTimestamp(t *testing.T) {
	eachEnv(t, testReadFromTimestamp)
}

func testReadFromTimestamp(t *testing.T, newEnv newEnvFunc) {
	e := newEnv(t)
	e.opts.SegmentSize = 2048
	eng := e.open()
	defer mustClose(t, eng)
	p := openPart(t, eng, key0)
	start := clock.Micros(e.clock.Now())
	for i := range 20 { // batch i has timestamp start + i s
		appendN(t, p, uint64(i*5), 5, 5, 60)
		e.clock.Advance(time.Second)
	}
	tests := []struct {
		name  string
		ts    uint64
		first uint64
		n     uint32
	}{
		{name: "before everything", ts: 0, first: 0, n: 3},
		{name: "exact batch", ts: start + 7_000_000, first: 35, n: 3},
		{name: "between batches", ts: start + 7_500_000, first: 40, n: 3},
		{name: "last batch", ts: start + 19_000_000, first: 95, n: 3},
		{name: "after everything", ts: start + 20_000_000, n: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			frames, n, err := p.ReadFromTimestamp(tt.ts, 3, 0)
			if err != nil || n != tt.n {
				t.Fatalf("got %d messages, err %v; want %d", n, err, tt.n)
			}
			checkSequence(t, decodeFrames(t, frames), tt.first)
		})
	}
}

func TestTimestampsNeverGoBackwards(t *testing.T) {
	eachEnv(t, testTimestampsNeverGoBackwards)
}

func testTimestampsNeverGoBackwards(t *testing.T, newEnv newEnvFunc) {
	e := newEnv(t)
	eng := e.open()
	defer mustClose(t, eng)
	p := openPart(t, eng, key0)
	appendN(t, p, 0, 1, 1, 10)
	e.clock.Advance(-time.Hour)
	appendN(t, p, 1, 1, 1, 10)
	msgs := readAll(t, p)
	if msgs[1].timestamp < msgs[0].timestamp {
		t.Fatalf("timestamp went backwards: %d then %d", msgs[0].timestamp, msgs[1].timestamp)
	}
}

func TestSegmentsRollAtConfiguredSize(t *testing.T) {
	eachEnv(t, testSegmentsRollAtConfiguredSize)
}

func testSegmentsRollAtConfiguredSize(t *testing.T, newEnv newEnvFunc) {
	e := newEnv(t)
	e.opts.SegmentSize = 1000
	var rolled []storage.SegmentInfo
	var mu sync.Mutex
	e.opts.Events.SegmentRolled = func(s storage.SegmentInfo) {
		mu.Lock()
		rolled = append(rolled, s)
		mu.Unlock()
	}
	eng := e.open()
	defer mustClose(t, eng)
	p := openPart(t, eng, key0)
	// 3 × 164 = 492 bytes a batch: the third batch crosses 1000 bytes, the
	// fourth starts a new segment.
	appendN(t, p, 0, 30, 3, 100)
	names, _ := e.fs.List(e.partDir(key0))
	want := []string{}
	for _, s := range []string{"00000000000000000000", "00000000000000000009", "00000000000000000018",
		"00000000000000000027"} {
		want = append(want, s+".index", s+".log")
	}
	if len(names) != len(want) {
		t.Fatalf("segment files %v, want %v", names, want)
	}
	for i := range want {
		if names[i] != want[i] {
			t.Fatalf("segment files %v, want %v", names, want)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(rolled) != 3 || rolled[0].Start != 9 || rolled[0].Size != 1476 {
		t.Fatalf("roll events %+v", rolled)
	}
	checkSequence(t, readAll(t, p), 0)
}

func TestConcurrentAppendAndRead(t *testing.T) {
	eachEnv(t, testConcurrentAppendAndRead)
}

func testConcurrentAppendAndRead(t *testing.T, newEnv newEnvFunc) {
	e := newEnv(t)
	e.opts.SegmentSize = 8 << 10
	eng := e.open()
	defer mustClose(t, eng)
	p := openPart(t, eng, key0)
	const writers, batches, perBatch = 4, 60, 5
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range batches {
				// Each message carries its writer and batch; offsets are checked below.
				frames := buildFrames(uint64(w*1_000_000+b*perBatch), perBatch, 50+w*10, nil)
				if _, _, err := p.Append(frames, perBatch).Wait(); err != nil {
					t.Errorf("append: %v", err)
					return
				}
			}
		}()
	}
	stop := make(chan struct{})
	var rg sync.WaitGroup
	for range 2 {
		rg.Add(1)
		go func() {
			defer rg.Done()
			var next uint64
			for {
				select {
				case <-stop:
					return
				default:
				}
				frames, n, err := p.ReadFrom(next, 50, 0)
				cur, empty := p.CurrentOffset()
				if err != nil {
					t.Errorf("read: %v", err)
					return
				}
				msgs := decodeFrames(t, frames)
				for i, m := range msgs {
					if m.offset != next+uint64(i) {
						t.Errorf("read at %d returned offset %d", next+uint64(i), m.offset)
						return
					}
				}
				if !empty && next+uint64(n) > cur+1 {
					t.Errorf("read returned offsets past the acknowledged %d", cur)
				}
				next += uint64(n)
			}
		}()
	}
	wg.Wait()
	close(stop)
	rg.Wait()
	msgs := readAll(t, p)
	if len(msgs) != writers*batches*perBatch {
		t.Fatalf("%d messages stored, want %d", len(msgs), writers*batches*perBatch)
	}
	seen := map[uint64]bool{}
	for i, m := range msgs {
		if m.offset != uint64(i) || seen[m.seq] {
			t.Fatalf("message %d: offset %d, seq %d (duplicate %v)", i, m.offset, m.seq, seen[m.seq])
		}
		seen[m.seq] = true
	}
}

func TestDurabilityWriteAcknowledgesAfterWrite(t *testing.T) {
	eachEnv(t, testDurabilityWriteAcknowledgesAfterWrite)
}

func testDurabilityWriteAcknowledgesAfterWrite(t *testing.T, newEnv newEnvFunc) {
	for _, d := range []storage.Durability{storage.DurabilityFsync, storage.DurabilityWrite} {
		t.Run(d.String(), func(t *testing.T) {
			e := newEnv(t)
			e.opts.Durability = d
			eng := e.open()
			p := openPart(t, eng, key0)
			appendN(t, p, 0, 50, 10, 100)
			checkSequence(t, readAll(t, p), 0)
			mustClose(t, eng)
			eng = e.open()
			defer mustClose(t, eng)
			checkSequence(t, readAll(t, openPart(t, eng, key0)), 0)
		})
	}
}

func TestClosedEngineRefusesWork(t *testing.T) {
	eachEnv(t, testClosedEngineRefusesWork)
}

func testClosedEngineRefusesWork(t *testing.T, newEnv newEnvFunc) {
	e := newEnv(t)
	eng := e.open()
	p := openPart(t, eng, key0)
	pending := make([]*storage.Append, 0, 20)
	for i := range 20 {
		pending = append(pending, p.Append(buildFrames(uint64(i), 1, 10, nil), 1))
	}
	mustClose(t, eng)
	for i, a := range pending {
		if _, _, err := a.Wait(); err != nil {
			t.Fatalf("append %d queued before Close failed: %v", i, err)
		}
	}
	if _, _, err := p.Append(buildFrames(20, 1, 10, nil), 1).Wait(); !errors.Is(err, storage.ErrClosed) {
		t.Fatalf("append after Close: %v", err)
	}
	if _, err := eng.OpenPartition(key0, storage.PartitionConfig{}); !errors.Is(err, storage.ErrClosed) {
		t.Fatalf("OpenPartition after Close: %v", err)
	}
	if err := eng.StoreOffset(key0, storage.Consumer{Kind: 1, ID: 1}, 1).Err(); !errors.Is(err, storage.ErrClosed) {
		t.Fatalf("StoreOffset after Close: %v", err)
	}
}

func TestCloseStopsItsGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	for range 3 {
		e := osEnv(t) // the engine starts and closes its own backend
		eng := e.open()
		appendN(t, openPart(t, eng, key0), 0, 10, 5, 10)
		mustClose(t, eng)
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("%d goroutines before, %d after Close:\n%s", before, runtime.NumGoroutine(), buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}
