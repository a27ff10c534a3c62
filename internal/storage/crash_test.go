// SPDX-License-Identifier: Apache-2.0

package storage_test

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"riffle/internal/clock"
	"riffle/internal/storage"
	"riffle/internal/vfs"
)

var (
	crashSeed   = flag.Uint64("storage.seed", 0, "seed of the crash-state test (0: time-based)")
	crashStates = flag.Int("storage.states", 10_000, "crash states the crash-state test explores")
)

// crashOutcome is what the checker found over many crash states.
type crashOutcome struct {
	states      int
	bootFail    int
	lost        int // acknowledged messages missing after recovery
	acked       int // acknowledged messages the states had to keep
	notPrefix   int // states whose recovered log is not a prefix of what was written
	offsetsLost int // acknowledged consumer offsets that went backwards
	firstIssue  string

	// Coverage: how often recovery had real work to do.
	truncated  int // torn tails cut
	rebuilt    int // indexes rewritten
	clean      int // active segments trusted through the clean marker
	unacked    int // states that kept messages never acknowledged
	segmentsGE int // states with more than one segment in a partition
	trimmed    int // partitions recovered with their oldest segments deleted
}

func (o *crashOutcome) issue(format string, args ...any) {
	if o.firstIssue == "" {
		o.firstIssue = fmt.Sprintf(format, args...)
	}
}

// crashConfig shapes one campaign.
type crashConfig struct {
	durability   storage.Durability
	early        bool            // acknowledge before the fsync (the bug the test must catch)
	modes        []vfs.CrashMode // crash modes drawn from
	statesPerRun int
}

var crashKeys = []storage.Key{{Stream: 1, Topic: 1, Partition: 1}, {Stream: 1, Topic: 1, Partition: 2}}

var crashConsumer = storage.Consumer{Kind: storage.ConsumerKindGroup, ID: 7}

// crashSnapshot is a crash state and what had been acknowledged before it
// was taken.
type crashSnapshot struct {
	fs           *vfs.Mem
	mode         vfs.CrashMode
	ackedLast    []int64  // per partition: last acknowledged offset, -1 if none
	ackedStore   []int64  // per partition: last acknowledged stored consumer offset
	firstAtLeast []uint64 // per partition: first offset after the completed DeleteSegments
}

// runCrashCampaign runs random workloads on the in-memory file system, takes
// crash states while they run, recovers each state and checks it: it boots,
// every acknowledged message is there, the log is a prefix of what was
// appended (offsets from 0, each carrying its own sequence number), and
// acknowledged consumer offsets survived. It stops after states states.
func runCrashCampaign(t *testing.T, rng *rand.Rand, states int, cfg crashConfig) crashOutcome {
	var out crashOutcome
	verifyIO := vfs.NewSync(2)
	defer verifyIO.Close()
	for out.states < states {
		snaps := crashWorkload(t, rng, cfg)
		for _, s := range snaps {
			if out.states >= states {
				break
			}
			out.states++
			checkCrashState(t, rng, s, verifyIO, cfg, &out)
		}
	}
	return out
}

func crashOptions(fs vfs.FS, io vfs.Backend, cfg crashConfig, segSize int64) storage.Options {
	o := storage.Options{FS: fs, IO: io, Dir: "/data", Clock: clock.NewFake(time.Unix(1_700_000_000, 0)),
		SegmentSize: segSize, Durability: cfg.durability}
	if cfg.early {
		storage.AckBeforeSync(&o)
	}
	return o
}

// crashWorkload appends to two partitions from two pipelined producers,
// storing consumer offsets as it goes, and takes statesPerRun crash states
// along the way (the last after a clean Close).
func crashWorkload(t *testing.T, rng *rand.Rand, cfg crashConfig) []crashSnapshot {
	mem := vfs.NewMem()
	io := vfs.NewSync(2)
	defer io.Close()
	segSizes := []int64{700, 2048, 8192}
	opts := crashOptions(mem, io, cfg, segSizes[rng.IntN(len(segSizes))])
	ckpts := []int64{300, 1500, 1 << 30}
	defer storage.SetCheckpointBytes(ckpts[rng.IntN(len(ckpts))])()
	eng, err := storage.Open(opts)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	parts := make([]*storage.Partition, len(crashKeys))
	for i, k := range crashKeys {
		parts[i] = openPart(t, eng, k)
	}
	ackedLast := make([]atomic.Int64, len(parts))
	ackedStore := make([]atomic.Int64, len(parts))
	firstAtLeast := make([]atomic.Uint64, len(parts))
	var progress atomic.Int64
	batches := 20 + rng.IntN(40)
	var wg sync.WaitGroup
	for i, p := range parts {
		ackedLast[i].Store(-1)
		prng := rand.New(rand.NewPCG(rng.Uint64(), rng.Uint64()))
		wg.Add(1)
		go func() {
			defer wg.Done()
			var window []*storage.Append
			var stores []*vfs.Op
			var storeVals []int64
			seq := uint64(0)
			settle := func(a *storage.Append) bool {
				_, last, err := a.Wait()
				if err != nil {
					t.Errorf("append: %v", err)
					return false
				}
				ackedLast[i].Store(int64(last))
				progress.Add(1)
				if prng.IntN(3) == 0 {
					stores = append(stores, eng.StoreOffset(crashKeys[i], crashConsumer, last))
					storeVals = append(storeVals, int64(last))
				}
				for len(stores) > 0 {
					select {
					case <-stores[0].Done():
					default:
						return true
					}
					if stores[0].Err() == nil {
						ackedStore[i].Store(storeVals[0])
					}
					stores, storeVals = stores[1:], storeVals[1:]
				}
				return true
			}
			for b := range batches {
				if b%15 == 14 { // retention at work: the deletion is durable when it returns
					if _, err := p.DeleteSegments(1); err != nil {
						t.Errorf("delete segments: %v", err)
						return
					}
					firstAtLeast[i].Store(p.FirstOffset())
				}
				n := 1 + prng.IntN(4)
				window = append(window, p.Append(buildFrames(seq, n, 20+prng.IntN(180), nil), n))
				seq += uint64(n)
				if len(window) == 3 {
					if !settle(window[0]) {
						return
					}
					window = window[1:]
				}
			}
			for _, a := range window {
				if !settle(a) {
					return
				}
			}
			for j, op := range stores {
				if op.Err() == nil {
					ackedStore[i].Store(storeVals[j])
				}
			}
		}()
	}
	snapshot := func() crashSnapshot {
		s := crashSnapshot{ackedLast: make([]int64, len(parts)), ackedStore: make([]int64, len(parts)),
			firstAtLeast: make([]uint64, len(parts))}
		for i := range parts {
			s.ackedLast[i] = ackedLast[i].Load()
			s.ackedStore[i] = ackedStore[i].Load()
			s.firstAtLeast[i] = firstAtLeast[i].Load()
		}
		s.mode = cfg.modes[rng.IntN(len(cfg.modes))]
		s.fs = mem.CrashClone(rng, s.mode)
		return s
	}
	var snaps []crashSnapshot
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	total := int64(len(parts) * batches)
	for len(snaps) < cfg.statesPerRun-1 {
		target := progress.Load() + 1 + rng.Int64N(max(total/int64(cfg.statesPerRun), 1))
		for progress.Load() < target {
			select {
			case <-done:
				target = 0
			default:
				time.Sleep(20 * time.Microsecond)
			}
		}
		snaps = append(snaps, snapshot())
	}
	<-done
	mustClose(t, eng)
	snaps = append(snaps, snapshot())
	return snaps
}

// checkCrashState recovers one crash state and records what it finds.
func checkCrashState(t *testing.T, rng *rand.Rand, s crashSnapshot, io vfs.Backend, cfg crashConfig, out *crashOutcome) {
	opts := crashOptions(s.fs, io, crashConfig{durability: cfg.durability}, 2048)
	opts.Events = storage.Events{
		TailTruncated: func(storage.TruncateInfo) { out.truncated++ },
		IndexRebuilt:  func(storage.IndexInfo) { out.rebuilt++ },
		PartitionRecovered: func(i storage.RecoveryInfo) {
			if i.Clean {
				out.clean++
			}
			if i.Segments > 1 {
				out.segmentsGE++
			}
		},
	}
	eng, err := storage.Open(opts)
	if err != nil {
		out.bootFail++
		out.issue("mode %s: open: %v", s.mode, err)
		return
	}
	defer eng.Close()
	for i, k := range crashKeys {
		p, err := eng.OpenPartition(k, storage.PartitionConfig{})
		if err != nil {
			out.bootFail++
			out.issue("mode %s: open partition %s: %v", s.mode, k, err)
			return
		}
		msgs, ok := readAllChecked(p)
		if !ok {
			out.notPrefix++
			out.issue("mode %s: partition %s: recovered log is not a prefix of what was appended", s.mode, k)
		}
		first := p.FirstOffset()
		if first < s.firstAtLeast[i] {
			out.notPrefix++
			out.issue("mode %s: partition %s: starts at %d, segments below %d were durably deleted", s.mode, k, first, s.firstAtLeast[i])
		}
		if first > 0 {
			out.trimmed++
		}
		end := first + uint64(len(msgs)) // one past the last recovered offset
		out.acked += int(s.ackedLast[i] + 1)
		if int64(end) > s.ackedLast[i]+1 {
			out.unacked++
		}
		if missing := s.ackedLast[i] + 1 - int64(end); missing > 0 {
			out.lost += int(missing)
			out.issue("mode %s: partition %s: recovered up to %d, %d acknowledged", s.mode, k, end, s.ackedLast[i]+1)
		}
		if s.ackedStore[i] > 0 {
			if got, ok := eng.Offset(k, crashConsumer); !ok || int64(got) < s.ackedStore[i] {
				out.offsetsLost++
				out.issue("mode %s: partition %s: stored offset %d (%v), acknowledged %d", s.mode, k, got, ok, s.ackedStore[i])
			}
		}
	}
	// Every tenth state: keep working on the recovered state and crash again,
	// so recovery's own writes (truncation, index rebuild) are crash-tested.
	if rng.IntN(10) != 0 {
		return
	}
	p, _ := eng.Partition(crashKeys[0])
	next, empty := p.CurrentOffset()
	if !empty {
		next++
	}
	_, last, err := p.Append(buildFrames(next, 3, 50, nil), 3).Wait()
	if err != nil {
		out.issue("append after recovery: %v", err)
		out.bootFail++
		return
	}
	again := s.fs.CrashClone(rng, cfg.modes[rng.IntN(len(cfg.modes))])
	eng2, err := storage.Open(crashOptions(again, io, crashConfig{durability: cfg.durability}, 2048))
	if err != nil {
		out.bootFail++
		out.issue("second recovery: open: %v", err)
		return
	}
	defer eng2.Close()
	p2, err := eng2.OpenPartition(crashKeys[0], storage.PartitionConfig{})
	if err != nil {
		out.bootFail++
		out.issue("second recovery: open partition: %v", err)
		return
	}
	msgs, ok := readAllChecked(p2)
	if !ok {
		out.notPrefix++
		out.issue("second recovery: not a prefix")
	}
	if end := p2.FirstOffset() + uint64(len(msgs)); end < last+1 {
		out.lost += int(last + 1 - end)
		out.issue("second recovery: recovered up to %d, %d acknowledged", end, last+1)
	}
}

// readAllChecked reads every message from the first stored one and reports
// whether they are consecutive offsets carrying their own sequence numbers
// with valid checksums.
func readAllChecked(p *storage.Partition) ([]message, bool) {
	var out []message
	first := p.FirstOffset()
	off := first
	for {
		frames, n, err := p.ReadFrom(off, 500, 0)
		if err != nil {
			return out, false
		}
		if n == 0 {
			break
		}
		ok := true
		msgs := decodeFramesNoFatal(frames, &ok)
		if !ok || len(msgs) != int(n) {
			return out, false
		}
		out = append(out, msgs...)
		off += uint64(n)
	}
	for i, m := range out {
		if m.offset != first+uint64(i) || m.seq != m.offset {
			return out, false
		}
	}
	return out, true
}

func newSeededRNG(t *testing.T) *rand.Rand {
	seed := *crashSeed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	t.Logf("seed %d (rerun with -storage.seed=%d)", seed, seed)
	return rand.New(rand.NewPCG(seed, seed^0x5851f42d4c957f2d))
}

// TestCrashStatesLoseNoAcknowledgedMessage is reliability.md A4: power-loss
// states of the in-memory file system, fsync mode.
func TestCrashStatesLoseNoAcknowledgedMessage(t *testing.T) {
	rng := newSeededRNG(t)
	states := *crashStates
	if testing.Short() {
		states = 1000
	}
	started := time.Now()
	out := runCrashCampaign(t, rng, states, crashConfig{durability: storage.DurabilityFsync,
		modes: vfs.CrashModes, statesPerRun: 25})
	t.Logf("states %d in %v: boot failures %d, lost %d of %d acknowledged, not a prefix %d, offsets lost %d",
		out.states, time.Since(started).Round(time.Millisecond), out.bootFail, out.lost, out.acked, out.notPrefix, out.offsetsLost)
	t.Logf("recovery work: %d torn tails cut, %d indexes rebuilt, %d clean-marker opens, %d states kept unacknowledged messages, %d partitions had several segments, %d had deleted segments",
		out.truncated, out.rebuilt, out.clean, out.unacked, out.segmentsGE, out.trimmed)
	if out.bootFail+out.lost+out.notPrefix+out.offsetsLost > 0 {
		t.Fatalf("crash states violated durability; first: %s", out.firstIssue)
	}
	if out.acked == 0 || out.truncated == 0 || out.rebuilt == 0 || out.clean == 0 || out.segmentsGE == 0 || out.trimmed == 0 {
		t.Fatal("the workload did not exercise recovery: no acknowledged message, torn tail, index rebuild, clean open, segment roll or deletion")
	}
}

// TestCrashStatesCatchEarlyAcknowledgement proves the checker above can
// fail: acknowledging before the fsync must lose acknowledged messages.
func TestCrashStatesCatchEarlyAcknowledgement(t *testing.T) {
	rng := newSeededRNG(t)
	out := runCrashCampaign(t, rng, 300, crashConfig{durability: storage.DurabilityFsync, early: true,
		modes: vfs.CrashModes, statesPerRun: 25})
	t.Logf("early ack: states %d, lost %d of %d acknowledged, offsets lost %d; first: %s",
		out.states, out.lost, out.acked, out.offsetsLost, out.firstIssue)
	if out.lost == 0 {
		t.Fatal("acknowledging before fsync lost nothing: the crash-state checker cannot see the bug it exists for")
	}
}

// TestProcessCrashLosesNothingInWriteMode: with DurabilityWrite a process
// crash (the page cache survives) keeps every acknowledged message.
func TestProcessCrashLosesNothingInWriteMode(t *testing.T) {
	rng := newSeededRNG(t)
	out := runCrashCampaign(t, rng, 500, crashConfig{durability: storage.DurabilityWrite,
		modes: []vfs.CrashMode{vfs.CrashKeepAll}, statesPerRun: 25})
	t.Logf("write mode, process crashes: states %d, lost %d of %d acknowledged", out.states, out.lost, out.acked)
	if out.bootFail+out.lost+out.notPrefix+out.offsetsLost > 0 {
		t.Fatalf("process crash lost acknowledged data in write mode; first: %s", out.firstIssue)
	}
}

// TestRecoveredMessagesStayDurable: after a process crash the page cache
// still holds messages that were written but never synced; recovery makes
// them readable, so it must make them durable first. A power loss after the
// restart must not take back what a consumer could read.
func TestRecoveredMessagesStayDurable(t *testing.T) {
	rng := newSeededRNG(t)
	for run := range 40 {
		mem := vfs.NewMem()
		io := vfs.NewSync(2)
		opts := crashOptions(mem, io, crashConfig{durability: storage.DurabilityWrite}, 1500)
		eng, err := storage.Open(opts)
		if err != nil {
			t.Fatal(err)
		}
		p := openPart(t, eng, key0)
		appendN(t, p, 0, 5+rng.IntN(60), 1+rng.IntN(5), 50)
		processCrash := mem.Clone() // written, not synced: write mode never syncs on its own
		storage.Abandon(eng)

		eng2, err := storage.Open(crashOptions(processCrash, io, crashConfig{}, 1500))
		if err != nil {
			t.Fatal(err)
		}
		served := len(readAll(t, openPart(t, eng2, key0)))
		powerLoss := processCrash.CrashClone(rng, vfs.CrashDropUnsynced) // while eng2 runs
		storage.Abandon(eng2)

		eng3, err := storage.Open(crashOptions(powerLoss, io, crashConfig{}, 1500))
		if err != nil {
			t.Fatal(err)
		}
		if got := len(readAll(t, openPart(t, eng3, key0))); got < served {
			t.Fatalf("run %d: %d messages served after the process crash, %d left after a power loss", run, served, got)
		}
		mustClose(t, eng3)
		io.Close()
	}
}
