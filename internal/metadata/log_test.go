// SPDX-License-Identifier: Apache-2.0

package metadata_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math/rand/v2"
	"testing"

	"riffle/internal/metadata"
	"riffle/internal/vfs"
	"riffle/internal/vfs/errorfs"
)

const stateDir = "data/state"

func durable(t testing.TB, st *metadata.State) []byte {
	t.Helper()
	b, err := metadata.DurableBytes(st)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func openLog(t testing.TB, fsys vfs.FS, opts metadata.LogOptions) (*metadata.Log, *metadata.State) {
	t.Helper()
	l, st, err := metadata.OpenLog(fsys, stateDir, opts)
	if err != nil {
		t.Fatalf("OpenLog: %v", err)
	}
	t.Cleanup(func() { _ = l.Close() })
	return l, st
}

func commit(t testing.TB, l *metadata.Log, st *metadata.State, actor uint32, cmd metadata.Command) {
	t.Helper()
	e, _, err := metadata.Prepare(st, actor, cmd, testEnv())
	if err != nil {
		t.Fatalf("Prepare(%T): %v", cmd, err)
	}
	if err := l.Commit(st, e); err != nil {
		t.Fatalf("Commit(%T): %v", cmd, err)
	}
}

func readFile(t testing.TB, fsys vfs.FS, name string) []byte {
	t.Helper()
	f, err := fsys.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	n, _ := f.Size()
	b := make([]byte, n)
	if _, err := f.ReadAt(b, 0); err != nil && !errors.Is(err, io.EOF) {
		t.Fatal(err)
	}
	return b
}

func writeFile(t testing.TB, fsys vfs.FS, name string, b []byte) {
	t.Helper()
	f, err := fsys.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteAt(b, 0); err != nil {
		t.Fatal(err)
	}
	if err := f.Sync(); err != nil {
		t.Fatal(err)
	}
}

// buildLog writes a log of root + n streams without any snapshot and returns
// the file system, the log bytes, the record offsets (start of each record,
// then the end of the file) and the durable bytes after each record.
func buildLog(t testing.TB, n int) (*vfs.Mem, []byte, []int64, [][]byte) {
	t.Helper()
	fsys := vfs.NewMem()
	l, st := openLog(t, fsys, metadata.LogOptions{SnapshotEvery: 1 << 20})
	states := [][]byte{durable(t, st)}
	offsets := []int64{int64(len(readFile(t, fsys, stateDir+"/log")))}
	h, _ := metadata.HashPassword(rootPass, fastArgon2, nil)
	commit(t, l, st, 0, metadata.BootstrapRoot{Username: "iggy", PasswordHash: h})
	states = append(states, durable(t, st))
	offsets = append(offsets, int64(len(readFile(t, fsys, stateDir+"/log"))))
	for i := range n - 1 {
		commit(t, l, st, 0, metadata.CreateStream{Name: string(rune('a' + i))})
		states = append(states, durable(t, st))
		offsets = append(offsets, int64(len(readFile(t, fsys, stateDir+"/log"))))
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return fsys, readFile(t, fsys, stateDir+"/log"), offsets, states
}

func TestLogReopensToTheCommittedState(t *testing.T) {
	for _, every := range []int{1, 5, 1 << 20} {
		seed := rand.Uint64()
		t.Logf("snapshot every %d, seed %d", every, seed)
		fsys := vfs.NewMem()
		l, st := openLog(t, fsys, metadata.LogOptions{SnapshotEvery: every})
		commit(t, l, st, 0, metadata.BootstrapRoot{Username: "iggy", PasswordHash: mustHash(t)})
		cmdGen{rand.New(rand.NewPCG(seed, 9))}.run(t, st, 300, func(e metadata.Entry) {
			if err := l.Commit(st, e); err != nil {
				t.Fatal(err)
			}
		})
		want := durable(t, st)
		lastIndex := l.LastIndex()
		_ = l.Close()
		l2, got := openLog(t, fsys, metadata.LogOptions{SnapshotEvery: every})
		if !bytes.Equal(durable(t, got), want) {
			t.Fatalf("every %d seed %d: reopened state differs", every, seed)
		}
		rec := l2.Recovery()
		if rec.TornOffset != -1 || rec.LastIndex != lastIndex {
			t.Fatalf("recovery %+v, last index before close %d", rec, lastIndex)
		}
		if every == 1<<20 && rec.SnapshotIndex != 0 {
			t.Fatalf("snapshot taken although none was due: %+v", rec)
		}
		if every < 1<<20 && rec.SnapshotIndex == 0 {
			t.Fatalf("no snapshot after %d entries with SnapshotEvery %d", lastIndex, every)
		}
		if got.Version() > st.Version() || got.Version() == 0 {
			t.Fatalf("reopened version %d, live %d", got.Version(), st.Version())
		}
	}
}

func mustHash(t testing.TB) string {
	t.Helper()
	h, err := metadata.HashPassword(rootPass, fastArgon2, nil)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestLogCutsTornLastEntry(t *testing.T) {
	const n = 5
	_, good, offsets, states := buildLog(t, n)
	last := offsets[n-1] // start of the last record
	hugeHeader := make([]byte, 20)
	binary.LittleEndian.PutUint32(hugeHeader[8:], 0x7fffffff)
	binary.LittleEndian.PutUint64(hugeHeader[12:], n+1)
	tests := []struct {
		name      string
		damage    func(b []byte) []byte
		survivors int // records that must survive
	}{
		{name: "truncated inside the last entry", damage: func(b []byte) []byte { return b[:last+(int64(len(b))-last)/2] }, survivors: n - 1},
		{name: "truncated inside the record header", damage: func(b []byte) []byte { return b[:last+7] }, survivors: n - 1},
		{name: "garbage shorter than a header", damage: func(b []byte) []byte { return append(b, 1, 2, 3, 4, 5, 6, 7) }, survivors: n},
		{name: "bad checksum on the last entry", damage: func(b []byte) []byte { b[len(b)-1] ^= 0x40; return b }, survivors: n - 1},
		{name: "header declaring a huge length", damage: func(b []byte) []byte { return append(b, hugeHeader...) }, survivors: n},
		{name: "zero-filled tail of 4 KiB", damage: func(b []byte) []byte { return append(b, make([]byte, 4096)...) }, survivors: n},
		{name: "zero-filled tail of 64 KiB over a torn entry", damage: func(b []byte) []byte { return append(b[:last+30], make([]byte, 64<<10)...) }, survivors: n - 1},
		{name: "random garbage tail", damage: func(b []byte) []byte {
			g := make([]byte, 3000)
			for i := range g {
				g[i] = byte(rand.Uint32())
			}
			return append(b, g...)
		}, survivors: n},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := vfs.NewMem()
			if err := fsys.MkdirAll(stateDir, 0o755); err != nil {
				t.Fatal(err)
			}
			writeFile(t, fsys, stateDir+"/log", tt.damage(bytes.Clone(good)))
			l, st := openLog(t, fsys, metadata.LogOptions{})
			if !bytes.Equal(durable(t, st), states[tt.survivors]) {
				t.Fatalf("recovered state is not the state after %d entries", tt.survivors)
			}
			rec := l.Recovery()
			cut := offsets[tt.survivors]
			if rec.TornOffset != cut || rec.LastIndex != uint64(tt.survivors) {
				t.Fatalf("recovery %+v, want torn offset %d and last index %d", rec, cut, tt.survivors)
			}
			if size := int64(len(readFile(t, fsys, stateDir+"/log"))); size != cut {
				t.Fatalf("log size after recovery %d, want %d (cut on disk)", size, cut)
			}
			// The log keeps working, and a second restart sees the new entry.
			commit(t, l, st, 0, metadata.CreateStream{Name: "after"})
			want := durable(t, st)
			_ = l.Close()
			l2, st2 := openLog(t, fsys, metadata.LogOptions{})
			if !bytes.Equal(durable(t, st2), want) || l2.Recovery().TornOffset != -1 {
				t.Fatalf("second restart: recovery %+v, state equal %v", l2.Recovery(), bytes.Equal(durable(t, st2), want))
			}
		})
	}
}

func TestLogRefusesInteriorDamage(t *testing.T) {
	const n = 6
	_, good, offsets, _ := buildLog(t, n)
	tests := []struct {
		name       string
		damage     func(b []byte)
		wantOffset int64
	}{
		{name: "bit flip in the first entry", damage: func(b []byte) { b[offsets[0]+25] ^= 1 }, wantOffset: offsets[0]},
		{name: "bit flip in a middle entry's length", damage: func(b []byte) { b[offsets[2]+8] ^= 0x10 }, wantOffset: offsets[2]},
		{name: "bit flip in a middle entry's index", damage: func(b []byte) { b[offsets[3]+12] ^= 1 }, wantOffset: offsets[3]},
		{name: "zeroed block across two entries", damage: func(b []byte) { clear(b[offsets[1]+3 : offsets[2]+10]) }, wantOffset: offsets[1]},
		{name: "damage in the entry before the last", damage: func(b []byte) { b[offsets[n-2]+30] ^= 0xff }, wantOffset: offsets[n-2]},
		{name: "log header", damage: func(b []byte) { b[3] ^= 1 }, wantOffset: 0},
		{name: "entries swapped", damage: func(b []byte) {
			a := bytes.Clone(b[offsets[1]:offsets[2]])
			c := bytes.Clone(b[offsets[2]:offsets[3]])
			copy(b[offsets[1]:], c)
			copy(b[offsets[1]+int64(len(c)):], a)
		}, wantOffset: offsets[1]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := vfs.NewMem()
			if err := fsys.MkdirAll(stateDir, 0o755); err != nil {
				t.Fatal(err)
			}
			damaged := bytes.Clone(good)
			tt.damage(damaged)
			writeFile(t, fsys, stateDir+"/log", damaged)
			_, _, err := metadata.OpenLog(fsys, stateDir, metadata.LogOptions{})
			var ce *metadata.CorruptionError
			if !errors.As(err, &ce) {
				t.Fatalf("OpenLog error = %v, want *CorruptionError", err)
			}
			if ce.Path != stateDir+"/log" || ce.Offset != tt.wantOffset || ce.Reason == "" {
				t.Fatalf("corruption %+v, want path %s offset %d", ce, stateDir+"/log", tt.wantOffset)
			}
			if !bytes.Equal(readFile(t, fsys, stateDir+"/log"), damaged) {
				t.Fatal("the damaged log was modified")
			}
		})
	}
}

func TestLogRefusesDamagedSnapshot(t *testing.T) {
	fsys := vfs.NewMem()
	l, st := openLog(t, fsys, metadata.LogOptions{SnapshotEvery: 2})
	commit(t, l, st, 0, metadata.BootstrapRoot{Username: "iggy", PasswordHash: mustHash(t)})
	commit(t, l, st, 0, metadata.CreateStream{Name: "a"})
	_ = l.Close()
	snap := readFile(t, fsys, stateDir+"/snapshot")
	for _, off := range []int{0, 20, 33, len(snap) - 1} {
		b := bytes.Clone(snap)
		b[off] ^= 4
		writeFile(t, fsys, stateDir+"/snapshot", b)
		_, _, err := metadata.OpenLog(fsys, stateDir, metadata.LogOptions{})
		var ce *metadata.CorruptionError
		if !errors.As(err, &ce) || ce.Path != stateDir+"/snapshot" {
			t.Fatalf("byte %d flipped: error %v, want a snapshot *CorruptionError", off, err)
		}
	}
}

func TestLogRemovesLeftoverTempFiles(t *testing.T) {
	fsys := vfs.NewMem()
	l, st := openLog(t, fsys, metadata.LogOptions{})
	commit(t, l, st, 0, metadata.BootstrapRoot{Username: "iggy", PasswordHash: mustHash(t)})
	want := durable(t, st)
	_ = l.Close()
	writeFile(t, fsys, stateDir+"/snapshot.tmp", []byte("half a snapshot"))
	writeFile(t, fsys, stateDir+"/log.tmp", []byte("half a log"))
	_, st2 := openLog(t, fsys, metadata.LogOptions{})
	if !bytes.Equal(durable(t, st2), want) {
		t.Fatal("state changed")
	}
	names, _ := fsys.List(stateDir)
	if len(names) != 1 || names[0] != "log" {
		t.Fatalf("state directory holds %v, want [log]", names)
	}
}

func TestLogFailsStopAfterSyncError(t *testing.T) {
	inj := &errorfs.Nth{N: 1, Kind: errorfs.OpSync, Match: errorfs.PathSuffix("/log"), Err: errorfs.ErrIO}
	mem := vfs.NewMem()
	fsys := errorfs.Wrap(mem, inj)
	l, st := openLog(t, fsys, metadata.LogOptions{})
	e, _, err := metadata.Prepare(st, 0, metadata.BootstrapRoot{Username: "iggy", PasswordHash: mustHash(t)}, testEnv())
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Commit(st, e); !errors.Is(err, errorfs.ErrIO) {
		t.Fatalf("Commit error = %v, want EIO", err)
	}
	if st.Version() != 0 {
		t.Fatal("an entry that was not made durable was applied")
	}
	mustErrorIs(t, l.Append(e), metadata.ErrLogFailed)
	mustErrorIs(t, l.Snapshot(st), metadata.ErrLogFailed)
	_ = l.Close()
	mustErrorIs(t, l.Append(e), metadata.ErrLogClosed)
}

func TestLogRefusesEphemeralEntries(t *testing.T) {
	fsys := vfs.NewMem()
	l, _ := openLog(t, fsys, metadata.LogOptions{})
	err := l.Append(metadata.Entry{Version: 1, Kind: metadata.EntryClientGone, ClientGone: &metadata.ClientGone{ClientID: 1}})
	if err == nil {
		t.Fatal("an ephemeral entry was logged")
	}
}
