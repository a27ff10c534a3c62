// SPDX-License-Identifier: Apache-2.0

package metadata_test

import (
	"bytes"
	"errors"
	"testing"

	"riffle/internal/metadata"
	"riffle/internal/vfs"
)

// FuzzOpenLog appends arbitrary bytes after a valid prefix of a log (its
// header and the first keep entries). OpenLog must not panic; it either
// refuses with a *CorruptionError or recovers at least the prefix, and a
// recovered log must accept an append and reopen to the same state.
func FuzzOpenLog(f *testing.F) {
	_, good, offsets, states := buildLog(f, 4)
	f.Add([]byte{}, uint8(4))
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, uint8(2))
	f.Add(good[offsets[1]:offsets[2]], uint8(3))
	f.Add(good[offsets[2]:], uint8(1))
	f.Add(bytes.Repeat([]byte{0xff}, 40), uint8(0))
	f.Fuzz(func(t *testing.T, tail []byte, keep uint8) {
		k := int(keep) % len(offsets)
		data := append(bytes.Clone(good[:offsets[k]]), tail...)
		fsys := vfs.NewMem()
		if err := fsys.MkdirAll(stateDir, 0o755); err != nil {
			t.Fatal(err)
		}
		writeFile(t, fsys, stateDir+"/log", data)
		l, st, err := metadata.OpenLog(fsys, stateDir, metadata.LogOptions{})
		if err != nil {
			var ce *metadata.CorruptionError
			if !errors.As(err, &ce) {
				t.Fatalf("OpenLog error %v is not a *CorruptionError", err)
			}
			return
		}
		defer l.Close()
		if l.Recovery().LastIndex < uint64(k) {
			t.Fatalf("recovered %d entries of a valid prefix of %d", l.Recovery().LastIndex, k)
		}
		if l.Recovery().LastIndex == uint64(k) && !bytes.Equal(durable(t, st), states[k]) {
			t.Fatal("recovered state differs from the prefix's")
		}
		e, _, err := metadata.Prepare(st, 0, metadata.CreateStream{Name: "fuzz"}, testEnv())
		if err != nil {
			return // e.g. no root yet: nothing to append
		}
		if err := l.Commit(st, e); err != nil {
			t.Fatalf("Commit after recovery: %v", err)
		}
		want := durable(t, st)
		_ = l.Close()
		l2, st2, err := metadata.OpenLog(fsys, stateDir, metadata.LogOptions{})
		if err != nil {
			t.Fatalf("reopen after append: %v", err)
		}
		defer l2.Close()
		if !bytes.Equal(durable(t, st2), want) {
			t.Fatal("reopened state differs")
		}
	})
}

// FuzzDecodeEntry feeds arbitrary bytes to the entry and command decoders,
// which must never panic; a decoded entry re-encodes to bytes that decode to
// the same entry.
func FuzzDecodeEntry(f *testing.F) {
	st := fixture(f)
	e, _, _ := metadata.Prepare(st, 0, metadata.CreateTopic{Stream: s1, PartitionsCount: 2, Compression: 1, Name: "x"}, testEnv())
	b, _ := metadata.EncodeEntry(e)
	f.Add(b)
	c, _ := metadata.EncodeCommand(metadata.CreateUser{Username: "abc", Password: "def", Status: 1, Permissions: metadata.RootPermissions()})
	f.Add(c)
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = metadata.DecodeCommand(b)
		_, _ = metadata.DecodeState(b)
		e, err := metadata.DecodeEntry(b)
		if err != nil {
			return
		}
		again, err := metadata.EncodeEntry(e)
		if err != nil {
			t.Fatal(err)
		}
		e2, err := metadata.DecodeEntry(again)
		if err != nil {
			t.Fatal(err)
		}
		if third, _ := metadata.EncodeEntry(e2); !bytes.Equal(third, again) {
			t.Fatal("entry encoding is not stable")
		}
	})
}
