// SPDX-License-Identifier: Apache-2.0

package storage_test

import (
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"riffle/internal/protocol"
	"riffle/internal/storage"
)

// surgeryMsgSize is the frame size used by the byte-surgery tests.
const (
	surgeryPayload = 100
	surgeryMsgSize = protocol.MessageHeaderSize + surgeryPayload
)

// activeSegment returns the paths of the newest segment of dir and its
// start offset.
func activeSegment(t *testing.T, dir string) (log, index string, start uint64) {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(dir, "*.log"))
	if err != nil || len(names) == 0 {
		t.Fatalf("no segments in %s: %v", dir, err)
	}
	sort.Strings(names)
	log = names[len(names)-1]
	base := strings.TrimSuffix(filepath.Base(log), ".log")
	for _, c := range base {
		start = start*10 + uint64(c-'0')
	}
	return log, strings.TrimSuffix(log, ".log") + ".index", start
}

func truncateFile(t *testing.T, name string, size int64) {
	t.Helper()
	if err := os.Truncate(name, size); err != nil {
		t.Fatal(err)
	}
}

func appendFile(t *testing.T, name string, b []byte) {
	t.Helper()
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write(b); err != nil {
		t.Fatal(err)
	}
}

func fileSize(t *testing.T, name string) int64 {
	t.Helper()
	fi, err := os.Stat(name)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

// checkIndexMatchesLog asserts the active segment's index has one aligned
// entry per message of its log, with the right positions.
func checkIndexMatchesLog(t *testing.T, dir string) {
	t.Helper()
	logName, indexName, _ := activeSegment(t, dir)
	log, _ := os.ReadFile(logName)
	idx, _ := os.ReadFile(indexName)
	if len(idx)%16 != 0 {
		t.Fatalf("index of %d bytes is not aligned to 16", len(idx))
	}
	pos, k := 0, 0
	for pos < len(log) {
		pos += protocol.MessageFrameSize(log[pos:])
		if k*16 >= len(idx) {
			t.Fatalf("index has %d entries, log has more messages", k)
		}
		e := idx[k*16:]
		if rel, end := binary.LittleEndian.Uint32(e), binary.LittleEndian.Uint32(e[4:]); rel != uint32(k) || int(end) != pos {
			t.Fatalf("index entry %d = (rel %d, end %d), want (%d, %d)", k, rel, end, k, pos)
		}
		k++
	}
	if k*16 != len(idx) {
		t.Fatalf("index has %d entries, log %d messages", len(idx)/16, k)
	}
}

type recorder struct {
	mu        sync.Mutex
	truncated []storage.TruncateInfo
	rebuilt   []storage.IndexInfo
	recovered []storage.RecoveryInfo
}

func (r *recorder) events() storage.Events {
	return storage.Events{
		TailTruncated: func(i storage.TruncateInfo) { r.mu.Lock(); r.truncated = append(r.truncated, i); r.mu.Unlock() },
		IndexRebuilt:  func(i storage.IndexInfo) { r.mu.Lock(); r.rebuilt = append(r.rebuilt, i); r.mu.Unlock() },
		PartitionRecovered: func(i storage.RecoveryInfo) {
			r.mu.Lock()
			r.recovered = append(r.recovered, i)
			r.mu.Unlock()
		},
	}
}

// TestRecoveryAfterByteSurgery is reliability.md A6 (a)–(h): damage the
// active segment of a killed server the way a crash can, restart, check that
// every valid message before the damage is there and the index is aligned,
// append 1,000 more, kill and restart again, check again.
func TestRecoveryAfterByteSurgery(t *testing.T) {
	eachBackend(t, func(t *testing.T, be backend) {
		for _, ckpt := range []int64{64 << 20, 8 << 10} {
			t.Run(fmt.Sprintf("checkpoint=%d", ckpt), func(t *testing.T) {
				defer storage.SetCheckpointBytes(ckpt)()
				testByteSurgery(t, be)
			})
		}
	})
}

func testByteSurgery(t *testing.T, be backend) {
	const before = 1000
	tests := []struct {
		name string
		// damage mutates the active segment (whose first offset is start) and
		// returns how many of the 1,000 messages must survive.
		damage        func(t *testing.T, log, index string, start uint64) int
		wantTruncated bool
		wantRebuilt   bool
	}{
		{name: "a truncate inside the last batch", wantTruncated: true, wantRebuilt: true,
			damage: func(t *testing.T, log, index string, start uint64) int {
				// The last batch holds offsets 990..999; cut message 995 in half.
				truncateFile(t, log, int64(995-start)*surgeryMsgSize+surgeryMsgSize/2)
				return 995
			}},
		{name: "b garbage shorter than a header", wantTruncated: true,
			damage: func(t *testing.T, log, index string, start uint64) int {
				appendFile(t, log, []byte("short garbage that is not a header"))
				return before
			}},
		{name: "c valid-looking header with a bad checksum", wantTruncated: true,
			damage: func(t *testing.T, log, index string, start uint64) int {
				f := buildFrames(before, 1, surgeryPayload, nil)
				protocol.SetMessageOffset(f, before)
				binary.LittleEndian.PutUint64(f, 0xdeadbeef)
				appendFile(t, log, f)
				return before
			}},
		{name: "d header declaring a huge length", wantTruncated: true,
			damage: func(t *testing.T, log, index string, start uint64) int {
				h := protocol.MessageHeader{Offset: before, PayloadLength: 0x7fff_ffff}
				appendFile(t, log, protocol.AppendMessageHeader(nil, &h))
				return before
			}},
		{name: "e zero-filled tail", wantTruncated: true,
			damage: func(t *testing.T, log, index string, start uint64) int {
				appendFile(t, log, make([]byte, 40<<10))
				return before
			}},
		{name: "f index cut to a non-multiple of the entry size", wantRebuilt: true,
			damage: func(t *testing.T, log, index string, start uint64) int {
				truncateFile(t, index, fileSize(t, index)-16*3-9)
				return before
			}},
		{name: "g index ahead of the log", wantRebuilt: true,
			damage: func(t *testing.T, log, index string, start uint64) int {
				idx, _ := os.ReadFile(index)
				last := idx[len(idx)-16:]
				for i := uint32(1); i <= 5; i++ {
					e := append([]byte(nil), last...)
					binary.LittleEndian.PutUint32(e, binary.LittleEndian.Uint32(last)+i)
					binary.LittleEndian.PutUint32(e[4:], binary.LittleEndian.Uint32(last[4:])+i*surgeryMsgSize)
					appendFile(t, index, e)
				}
				return before
			}},
		{name: "h log ahead of the index", wantRebuilt: true,
			damage: func(t *testing.T, log, index string, start uint64) int {
				truncateFile(t, index, fileSize(t, index)-16*7)
				return before
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newOSEnv(t, be)
			e.opts.SegmentSize = 64 << 10
			eng := e.open()
			p := openPart(t, eng, key0)
			appendN(t, p, 0, before, 10, surgeryPayload)
			storage.Abandon(eng)

			dir := e.partDir(key0)
			logName, indexName, start := activeSegment(t, dir)
			if start == 0 || start > 990 {
				t.Fatalf("active segment starts at %d; the test wants several segments and a whole last batch", start)
			}
			survivors := tt.damage(t, logName, indexName, start)

			var rec recorder
			e.opts.Events = rec.events()
			eng = e.open()
			p = openPart(t, eng, key0)
			checkSequence(t, readAll(t, p), 0)
			if got := len(readAll(t, p)); got != survivors {
				t.Fatalf("%d messages after recovery, want %d", got, survivors)
			}
			checkIndexMatchesLog(t, dir)
			rec.mu.Lock()
			if tt.wantTruncated != (len(rec.truncated) > 0) || tt.wantRebuilt && len(rec.rebuilt) == 0 {
				t.Fatalf("events: truncated %+v, rebuilt %+v", rec.truncated, rec.rebuilt)
			}
			if len(rec.recovered) != 1 || rec.recovered[0].Clean || rec.recovered[0].NextOffset != uint64(survivors) {
				t.Fatalf("recovery events %+v", rec.recovered)
			}
			rec.mu.Unlock()

			appendN(t, p, uint64(survivors), 1000, 10, surgeryPayload)
			storage.Abandon(eng)
			eng = e.open()
			defer mustClose(t, eng)
			p = openPart(t, eng, key0)
			msgs := readAll(t, p)
			checkSequence(t, msgs, 0)
			if len(msgs) != survivors+1000 {
				t.Fatalf("%d messages after the second restart, want %d", len(msgs), survivors+1000)
			}
			checkIndexMatchesLog(t, dir)
		})
	}
}
