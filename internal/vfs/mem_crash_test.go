// SPDX-License-Identifier: Apache-2.0

package vfs_test

import (
	"bytes"
	"errors"
	"flag"
	"io/fs"
	"math/rand/v2"
	"testing"
	"time"

	"riffle/internal/vfs"
)

var crashSeed = flag.Uint64("vfs.seed", 0, "seed for the crash-model tests (0: time-based)")

func newRNG(t *testing.T) *rand.Rand {
	t.Helper()
	seed := *crashSeed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	t.Logf("seed %d (rerun with -vfs.seed=%d)", seed, seed)
	return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
}

func create(t *testing.T, m *vfs.Mem, name string, content []byte, sync bool) vfs.File {
	t.Helper()
	f, err := m.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	mustWrite(t, f, content, 0)
	if sync {
		if err := f.Sync(); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

func exists(t *testing.T, m *vfs.Mem, name string) bool {
	t.Helper()
	_, err := m.Stat(name)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
	return err == nil
}

func pattern(n int, seed byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = seed + byte(i*7)
	}
	return b
}

func TestCrashKeepsSyncedData(t *testing.T) {
	rng := newRNG(t)
	for _, mode := range vfs.CrashModes {
		t.Run(mode.String(), func(t *testing.T) {
			for range 200 {
				m := vfs.NewMem()
				m.MkdirAll("/d", 0o755)
				m.SyncDir("/")
				synced := pattern(1+rng.IntN(10000), 1)
				f := create(t, m, "/d/f", synced, true)
				m.SyncDir("/d")
				off := int64(len(synced))
				for range rng.IntN(5) {
					p := pattern(1+rng.IntN(9000), byte(rng.IntN(256)))
					mustWrite(t, f, p, off)
					off += int64(len(p))
				}
				got := readAll(t, m.CrashClone(rng, mode), "/d/f")
				if !bytes.Equal(got[:min(len(got), len(synced))], synced) || len(got) < len(synced) {
					t.Fatalf("crash lost synced data: got %d bytes, synced %d", len(got), len(synced))
				}
			}
		})
	}
}

func TestCrashExtremesMatchDiskAndCache(t *testing.T) {
	rng := newRNG(t)
	m := vfs.NewMem()
	f := create(t, m, "/f", []byte("durable"), true)
	m.SyncDir("/")
	mustWrite(t, f, []byte("-cached"), 7)
	create(t, m, "/g", []byte("new"), false)

	drop := m.CrashClone(rng, vfs.CrashDropUnsynced)
	if got := readAll(t, drop, "/f"); string(got) != "durable" {
		t.Errorf("drop-unsynced kept %q, want %q", got, "durable")
	}
	if exists(t, drop, "/g") {
		t.Error("drop-unsynced kept an unsynced directory entry")
	}
	keep := m.CrashClone(rng, vfs.CrashKeepAll)
	if got := readAll(t, keep, "/f"); string(got) != "durable-cached" {
		t.Errorf("keep-all has %q, want %q", got, "durable-cached")
	}
	if got := readAll(t, keep, "/g"); string(got) != "new" {
		t.Errorf("keep-all /g = %q, want %q", got, "new")
	}
	if fo, do := keep.Unsynced(); fo != 0 || do != 0 {
		t.Errorf("a clone has unsynced work: %d file ops, %d dir ops", fo, do)
	}
	// The original is unchanged by cloning.
	if fo, do := m.Unsynced(); fo != 2 || do != 1 {
		t.Errorf("original unsynced = %d file ops, %d dir ops; want 2, 1", fo, do)
	}
}

func TestCrashNeverHalfRenames(t *testing.T) {
	rng := newRNG(t)
	m := vfs.NewMem()
	m.MkdirAll("/a", 0o755)
	m.MkdirAll("/b", 0o755)
	m.SyncDir("/")
	create(t, m, "/a/tmp", []byte("payload"), true)
	m.SyncDir("/a")
	if err := m.Rename("/a/tmp", "/b/final"); err != nil {
		t.Fatal(err)
	}
	seen := map[bool]int{}
	for i := range 500 {
		c := m.CrashClone(rng, vfs.CrashModes[i%len(vfs.CrashModes)])
		tmp, final := exists(t, c, "/a/tmp"), exists(t, c, "/b/final")
		if tmp == final {
			t.Fatalf("crash state has tmp=%v final=%v: a rename must be all or nothing", tmp, final)
		}
		name := "/a/tmp"
		if final {
			name = "/b/final"
		}
		if got := readAll(t, c, name); string(got) != "payload" {
			t.Fatalf("%s = %q after crash", name, got)
		}
		seen[final]++
	}
	if seen[true] == 0 || seen[false] == 0 {
		t.Fatalf("the unsynced rename was never (or always) kept: %v", seen)
	}
	// Syncing either directory makes the rename durable.
	m.SyncDir("/b")
	for range 50 {
		c := m.CrashClone(rng, vfs.CrashDropUnsynced)
		if exists(t, c, "/a/tmp") || !exists(t, c, "/b/final") {
			t.Fatal("rename not durable after SyncDir of the destination")
		}
	}
}

func TestCrashUnsyncedEntriesComeAndGoIndependently(t *testing.T) {
	rng := newRNG(t)
	m := vfs.NewMem()
	create(t, m, "/old", []byte("x"), true)
	m.SyncDir("/")
	create(t, m, "/new", []byte("y"), true)
	if err := m.Remove("/old"); err != nil {
		t.Fatal(err)
	}
	combos := map[[2]bool]int{}
	for range 400 {
		c := m.CrashClone(rng, vfs.CrashRandom)
		combos[[2]bool{exists(t, c, "/old"), exists(t, c, "/new")}]++
	}
	if len(combos) != 4 {
		t.Fatalf("saw %d of the 4 combinations of two unsynced entry changes: %v", len(combos), combos)
	}
}

func TestCrashSubsetCutsAtSectors(t *testing.T) {
	rng := newRNG(t)
	for range 200 {
		m := vfs.NewMem()
		f := create(t, m, "/f", make([]byte, 8192), true)
		m.SyncDir("/")
		ones := bytes.Repeat([]byte{0xff}, 8192)
		mustWrite(t, f, ones, 0)
		got := readAll(t, m.CrashClone(rng, vfs.CrashSubset), "/f")
		for s := 0; s < len(got); s += 512 {
			sector := got[s : s+512]
			if !bytes.Equal(sector, ones[:512]) && !bytes.Equal(sector, make([]byte, 512)) {
				t.Fatalf("sector at %d is mixed: a subset crash must keep whole sectors", s)
			}
		}
	}
}

func TestCrashTornLastKeepsEarlierWrites(t *testing.T) {
	rng := newRNG(t)
	for range 200 {
		m := vfs.NewMem()
		f := create(t, m, "/f", nil, true)
		m.SyncDir("/")
		first := pattern(1000, 3)
		last := pattern(1000, 9)
		mustWrite(t, f, first, 0)
		mustWrite(t, f, last, 1000)
		got := readAll(t, m.CrashClone(rng, vfs.CrashTornLast), "/f")
		if len(got) < 1000 || len(got) >= 2000 || !bytes.Equal(got[:1000], first) ||
			!bytes.Equal(got[1000:], last[:len(got)-1000]) {
			t.Fatalf("torn-last state of %d bytes is not first write + a strict prefix of the last", len(got))
		}
	}
}

func TestCrashZeroTailOnlyZeroesUnsyncedBytes(t *testing.T) {
	rng := newRNG(t)
	sawZeros := false
	for range 200 {
		m := vfs.NewMem()
		f := create(t, m, "/f", pattern(700, 1), true)
		m.SyncDir("/")
		mustWrite(t, f, pattern(5000, 2), 700)
		got := readAll(t, m.CrashClone(rng, vfs.CrashZeroTail), "/f")
		if len(got) != 5700 || !bytes.Equal(got[:700], pattern(700, 1)) {
			t.Fatalf("zero-tail state: size %d, synced prefix intact %v", len(got), bytes.Equal(got[:700], pattern(700, 1)))
		}
		if got[5699] == 0 {
			sawZeros = true
		}
	}
	if !sawZeros {
		t.Fatal("zero-tail never zeroed the end of the file")
	}
}

func TestCloneKeepsUnsyncedWorkUnsynced(t *testing.T) {
	rng := newRNG(t)
	m := vfs.NewMem()
	f := create(t, m, "/f", []byte("durable"), true)
	m.SyncDir("/")
	mustWrite(t, f, []byte("+cached"), 7)
	create(t, m, "/g", []byte("new"), false)
	c := m.Clone()
	if got := readAll(t, c, "/f"); string(got) != "durable+cached" {
		t.Fatalf("clone reads %q", got)
	}
	mustWrite(t, f, []byte("!"), 0) // the original and the clone are independent
	if got := readAll(t, c, "/f"); string(got) != "durable+cached" {
		t.Fatalf("clone changed with the original: %q", got)
	}
	lost := c.CrashClone(rng, vfs.CrashDropUnsynced)
	if got := readAll(t, lost, "/f"); string(got) != "durable" || exists(t, lost, "/g") {
		t.Fatalf("power loss after the clone kept unsynced work: %q, /g %v", got, exists(t, lost, "/g"))
	}
}
