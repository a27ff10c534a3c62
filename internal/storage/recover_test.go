// SPDX-License-Identifier: Apache-2.0

package storage_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"riffle/internal/storage"
)

// recoverOS builds, with backend be, an OS-file partition of 1,000 messages
// of 164 bytes in 16 KiB segments, stops it (cleanly or not), and returns the
// env.
func recoverOS(t *testing.T, be backend, clean bool, keys ...storage.Key) *env {
	t.Helper()
	e := newOSEnv(t, be)
	e.opts.SegmentSize = 16 << 10
	eng := e.open()
	for _, k := range keys {
		appendN(t, openPart(t, eng, k), 0, 1000, 50, surgeryPayload)
	}
	if clean {
		mustClose(t, eng)
	} else {
		storage.Abandon(eng)
	}
	return e
}

func TestCleanRestartScansNothing(t *testing.T) {
	eachBackend(t, testCleanRestartScansNothing)
}

func testCleanRestartScansNothing(t *testing.T, be backend) {
	for _, clean := range []bool{true, false} {
		name := map[bool]string{true: "clean", false: "crash"}[clean]
		t.Run(name, func(t *testing.T) {
			e := recoverOS(t, be, clean, key0)
			var rec recorder
			e.opts.Events = rec.events()
			eng := e.open()
			defer mustClose(t, eng)
			if eng.Crashed() == clean {
				t.Fatalf("Crashed() = %v after a %s stop", eng.Crashed(), name)
			}
			p := openPart(t, eng, key0)
			checkSequence(t, readAll(t, p), 0)
			info := rec.recovered[0]
			log, _, _ := activeSegment(t, e.partDir(key0))
			active := fileSize(t, log)
			switch {
			case clean && (!info.Clean || info.BytesScanned != 0):
				t.Fatalf("clean restart: %+v, want 0 bytes scanned", info)
			case !clean && (info.Clean || info.BytesScanned != active):
				t.Fatalf("crash restart: %+v, want only the active segment (%d bytes) scanned", info, active)
			}
			if info.Segments < 5 || info.NextOffset != 1000 {
				t.Fatalf("recovery info %+v", info)
			}
		})
	}
}

func TestCleanMarkerIsNotTrustedWhenFilesChanged(t *testing.T) {
	eachBackend(t, testCleanMarkerIsNotTrustedWhenFilesChanged)
}

func testCleanMarkerIsNotTrustedWhenFilesChanged(t *testing.T, be backend) {
	e := recoverOS(t, be, true, key0)
	log, _, _ := activeSegment(t, e.partDir(key0))
	appendFile(t, log, make([]byte, 100))
	var rec recorder
	e.opts.Events = rec.events()
	eng := e.open()
	defer mustClose(t, eng)
	checkSequence(t, readAll(t, openPart(t, eng, key0)), 0)
	if rec.recovered[0].Clean || len(rec.truncated) != 1 || rec.truncated[0].Bytes != 100 {
		t.Fatalf("recovery %+v, truncations %+v", rec.recovered, rec.truncated)
	}
}

// sealedSegment returns the log and index of the second-oldest segment.
func sealedSegment(t *testing.T, dir string) (log, index string) {
	t.Helper()
	names, _ := filepath.Glob(filepath.Join(dir, "*.log"))
	if len(names) < 3 {
		t.Fatalf("want at least 3 segments, have %d", len(names))
	}
	return names[1], strings.TrimSuffix(names[1], ".log") + ".index"
}

func TestSealedSegmentDamage(t *testing.T) {
	eachBackend(t, testSealedSegmentDamage)
}

func testSealedSegmentDamage(t *testing.T, be backend) {
	other := storage.Key{Stream: 1, Topic: 1, Partition: 2}
	tests := []struct {
		name        string
		damage      func(t *testing.T, log, index string)
		wantFenced  bool // at open
		wantReadErr bool
	}{
		{name: "index truncated is rebuilt", damage: func(t *testing.T, log, index string) {
			truncateFile(t, index, 40)
		}},
		{name: "index missing is rebuilt", damage: func(t *testing.T, log, index string) {
			os.Remove(index)
		}},
		{name: "log truncated fences", wantFenced: true, damage: func(t *testing.T, log, index string) {
			truncateFile(t, log, fileSize(t, log)-surgeryMsgSize)
		}},
		{name: "log and index truncated together fence", wantFenced: true, damage: func(t *testing.T, log, index string) {
			truncateFile(t, log, fileSize(t, log)-surgeryMsgSize)
			truncateFile(t, index, fileSize(t, index)-16)
		}},
		{name: "bit flip is caught on read", wantReadErr: true, damage: func(t *testing.T, log, index string) {
			b, _ := os.ReadFile(log)
			b[len(b)/2] ^= 0x10
			os.WriteFile(log, b, 0o644)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := recoverOS(t, be, false, key0, other)
			log, index := sealedSegment(t, e.partDir(key0))
			tt.damage(t, log, index)
			var fenced []*storage.CorruptionError
			e.opts.Events.PartitionFenced = func(k storage.Key, ce *storage.CorruptionError) { fenced = append(fenced, ce) }
			eng := e.open()
			defer mustClose(t, eng)
			checkSequence(t, readAll(t, openPart(t, eng, other)), 0) // the other partition serves
			p, err := eng.OpenPartition(key0, storage.PartitionConfig{})
			if tt.wantFenced {
				ce, ok := isCorruption(err)
				if !ok || !errors.Is(err, storage.ErrPartitionFenced) || ce.Path != log {
					t.Fatalf("open: %v, want a fence naming %s", err, log)
				}
				if _, ok := eng.Fenced()[key0]; !ok || len(fenced) != 1 {
					t.Fatalf("Fenced() = %v, events %v", eng.Fenced(), fenced)
				}
				return
			}
			if err != nil {
				t.Fatalf("open: %v", err)
			}
			frames, _, err := p.ReadFrom(0, 1000, 0)
			if tt.wantReadErr {
				ce, ok := isCorruption(err)
				if !ok || !errors.Is(err, storage.ErrPartitionFenced) || ce.Path != log {
					t.Fatalf("read over a flipped bit: %v", err)
				}
				if _, _, err := p.Append(buildFrames(1000, 1, 10, nil), 1).Wait(); !errors.Is(err, storage.ErrPartitionFenced) {
					t.Fatalf("append to a fenced partition: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			checkSequence(t, decodeFrames(t, frames), 0)
			if got := len(decodeFrames(t, frames)); got != 1000 {
				t.Fatalf("%d messages, want 1000", got)
			}
		})
	}
}

func TestMissingSegmentFences(t *testing.T) {
	eachBackend(t, testMissingSegmentFences)
}

func testMissingSegmentFences(t *testing.T, be backend) {
	e := recoverOS(t, be, false, key0)
	log, index := sealedSegment(t, e.partDir(key0))
	os.Remove(log)
	os.Remove(index)
	eng := e.open()
	defer mustClose(t, eng)
	if _, err := eng.OpenPartition(key0, storage.PartitionConfig{}); !errors.Is(err, storage.ErrPartitionFenced) {
		t.Fatalf("open with a segment missing in the middle: %v", err)
	}
}

func TestOrphanIndexIsRemoved(t *testing.T) {
	eachBackend(t, testOrphanIndexIsRemoved)
}

func testOrphanIndexIsRemoved(t *testing.T, be backend) {
	e := recoverOS(t, be, false, key0)
	orphan := filepath.Join(e.partDir(key0), "00000000000000099999.index")
	if err := os.WriteFile(orphan, make([]byte, 32), 0o644); err != nil {
		t.Fatal(err)
	}
	eng := e.open()
	defer mustClose(t, eng)
	checkSequence(t, readAll(t, openPart(t, eng, key0)), 0)
	if _, err := os.Stat(orphan); !os.IsNotExist(err) {
		t.Fatalf("orphan index still there: %v", err)
	}
}

func TestEmptyPartitionDirectoryStartsAtZero(t *testing.T) {
	eachEnv(t, testEmptyPartitionDirectoryStartsAtZero)
}

func testEmptyPartitionDirectoryStartsAtZero(t *testing.T, newEnv newEnvFunc) {
	e := newEnv(t)
	if err := e.fs.MkdirAll(e.partDir(key0), 0o755); err != nil {
		t.Fatal(err)
	}
	eng := e.open()
	defer mustClose(t, eng)
	p := openPart(t, eng, key0)
	appendN(t, p, 0, 3, 3, 10)
	checkSequence(t, readAll(t, p), 0)
}

func TestFormatVersionMismatchRefusesToOpen(t *testing.T) {
	eachBackend(t, testFormatVersionMismatchRefusesToOpen)
}

func testFormatVersionMismatchRefusesToOpen(t *testing.T, be backend) {
	e := newOSEnv(t, be)
	mustClose(t, e.open())
	if err := os.WriteFile(filepath.Join(e.dir, storage.FormatFile), []byte("riffle-data 99\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := storage.Open(e.opts); !errors.Is(err, storage.ErrFormatVersion) {
		t.Fatalf("open: %v, want ErrFormatVersion", err)
	}
}

func TestRecoveryScansMessagesLargerThanItsBuffer(t *testing.T) {
	eachEnv(t, testRecoveryScansMessagesLargerThanItsBuffer)
}

func testRecoveryScansMessagesLargerThanItsBuffer(t *testing.T, newEnv newEnvFunc) {
	e := newEnv(t)
	e.opts.SegmentSize = 64 << 20
	eng := e.open()
	p := openPart(t, eng, key0)
	appendN(t, p, 0, 2, 1, 10)
	appendN(t, p, 2, 1, 1, 3<<20) // one 3 MiB message
	appendN(t, p, 3, 2, 2, 10)
	storage.Abandon(eng)
	var rec recorder
	e.opts.Events = rec.events()
	eng = e.open()
	defer mustClose(t, eng)
	p = openPart(t, eng, key0)
	if info := rec.recovered[0]; info.BytesScanned < 3<<20 || info.NextOffset != 5 {
		t.Fatalf("recovery %+v", info)
	}
	frames, n, err := p.ReadFrom(2, 10, 1024)
	if err != nil || n != 1 || len(frames) < 3<<20 {
		t.Fatalf("byte-limited read of a 3 MiB message: %d messages, %d bytes, %v", n, len(frames), err)
	}
	checkSequence(t, readAll(t, p), 0)
}
