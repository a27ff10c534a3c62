// SPDX-License-Identifier: Apache-2.0

package metadata_test

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"riffle/internal/metadata"
)

// TestApplyIsDeterministic applies random entries on the authority and on
// replicas (from the start, from a mid-way snapshot, and after an
// encode/decode of every entry, as the broadcast does) and compares the
// snapshot bytes.
func TestApplyIsDeterministic(t *testing.T) {
	for range 4 {
		seed := rand.Uint64()
		t.Logf("seed %d", seed)
		g := cmdGen{rand.New(rand.NewPCG(seed, 3))}
		authority := newRootState(t)
		start := snapshotBytes(t, authority)
		var midSnap []byte
		var mid int
		entries := g.run(t, authority, 1000, func(e metadata.Entry) {
			if err := authority.Apply(e); err != nil {
				t.Fatalf("seed %d: authority Apply: %v", seed, err)
			}
		})
		if len(entries) < 150 {
			t.Fatalf("seed %d: only %d commands succeeded", seed, len(entries))
		}

		fromStart, err := metadata.DecodeState(start)
		if err != nil {
			t.Fatal(err)
		}
		for i, e := range entries {
			b, err := metadata.EncodeEntry(e)
			if err != nil {
				t.Fatal(err)
			}
			d, err := metadata.DecodeEntry(b)
			if err != nil {
				t.Fatalf("entry %d: %v", i, err)
			}
			if err := fromStart.Apply(d); err != nil {
				t.Fatalf("seed %d: replica Apply of entry %d (kind %d): %v", seed, i, e.Kind, err)
			}
			if i == len(entries)/2 {
				midSnap, mid = snapshotBytes(t, fromStart), i+1
			}
		}
		fromMid, err := metadata.DecodeState(midSnap)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries[mid:] {
			if err := fromMid.Apply(e); err != nil {
				t.Fatal(err)
			}
		}
		want := snapshotBytes(t, authority)
		for name, replica := range map[string]*metadata.State{"from start": fromStart, "from mid-way snapshot": fromMid, "clone": authority.Clone()} {
			if got := snapshotBytes(t, replica); !bytes.Equal(got, want) {
				t.Fatalf("seed %d: replica %s differs from the authority (%d vs %d bytes)", seed, name, len(got), len(want))
			}
		}
	}
}

func TestApplyRefusesEntriesThatDoNotFit(t *testing.T) {
	st := fixture(t)
	env := testEnv()
	e, _, err := metadata.Prepare(st, 0, metadata.CreateStream{Name: "x"}, env)
	if err != nil {
		t.Fatal(err)
	}
	other := fixture(t)
	mustCommit(t, other, 0, metadata.CreateStream{Name: "x"}, env)
	before := snapshotBytes(t, other)
	e.Version = other.Version() + 1
	mustErrorIs(t, other.Apply(e), metadata.ErrInvalidEntry)
	if !bytes.Equal(snapshotBytes(t, other), before) {
		t.Fatal("a refused entry changed the state")
	}
	bad := metadata.Entry{Version: st.Version() + 1, Kind: metadata.EntryDeleteStream, CreateStream: e.CreateStream}
	mustErrorIs(t, st.Apply(bad), metadata.ErrInvalidEntry)
}

func TestDecodeStateRejectsGarbage(t *testing.T) {
	good := snapshotBytes(t, fixture(t))
	for i := range good {
		b := bytes.Clone(good)
		b[i] ^= 0xff
		st, err := metadata.DecodeState(b) // must not panic
		if err == nil && st == nil {
			t.Fatal("nil state without error")
		}
	}
	if _, err := metadata.DecodeState([]byte{0xc1}); err == nil {
		t.Fatal("DecodeState accepted an invalid msgpack byte")
	}
}
