// SPDX-License-Identifier: Apache-2.0

package metadata

import (
	"fmt"

	"github.com/vmihailenco/msgpack/v5"

	"riffle/internal/mpack"
)

// stateFormat is the State encoding written by Snapshot; DecodeState refuses
// other values.
const stateFormat = 1

// stateImage is the encoded State: msgpack maps with explicit keys. Slabs
// keep their free slots as nil so ids survive the round trip.
type stateImage struct {
	Format  uint32    `msgpack:"format"`
	Version uint64    `msgpack:"version"`
	NextUID uint64    `msgpack:"next_uid"`
	Streams []*Stream `msgpack:"streams,omitempty"`
	Users   []*User   `msgpack:"users,omitempty"`
}

// Snapshot encodes the whole state, consumer-group members and progress
// included, for a shard that starts or restarts: it decodes it with
// DecodeState and then applies the entries after Version(). Two states that
// applied the same entries encode to identical bytes.
func (st *State) Snapshot() ([]byte, error) {
	return st.encode(false)
}

// encode marshals the state; durable drops members and progress (what the
// state log keeps).
func (st *State) encode(durable bool) ([]byte, error) {
	img := stateImage{Format: stateFormat, Version: st.version, NextUID: st.nextUID, Streams: st.streams, Users: st.users}
	if durable {
		img.Streams = durableStreams(st.streams)
	}
	b, err := msgpack.Marshal(&img)
	if err != nil {
		return nil, fmt.Errorf("encode state at version %d: %w", st.version, err)
	}
	return b, nil
}

// durableStreams returns shallow copies down to the groups, without members
// or progress; st is not modified.
func durableStreams(in []*Stream) []*Stream {
	out := make([]*Stream, len(in))
	for i, s := range in {
		if s == nil {
			continue
		}
		sc := *s
		sc.Topics = make([]*Topic, len(s.Topics))
		for j, t := range s.Topics {
			if t == nil {
				continue
			}
			tc := *t
			tc.Groups = make([]*Group, len(t.Groups))
			for k, g := range t.Groups {
				if g != nil {
					tc.Groups[k] = &Group{ID: g.ID, Name: g.Name}
				}
			}
			sc.Topics[j] = &tc
		}
		out[i] = &sc
	}
	return out
}

// DecodeState decodes what Snapshot (or the state log) wrote and checks that
// it is consistent (ids match their slots, names and internal ids are
// unique). It never panics on malformed input.
func DecodeState(b []byte) (*State, error) {
	var img stateImage
	if err := mpack.Unmarshal(b, &img); err != nil {
		return nil, fmt.Errorf("decode state: %w", err)
	}
	if img.Format != stateFormat {
		return nil, fmt.Errorf("decode state: format %d: %w", img.Format, ErrUnknownFormat)
	}
	st := &State{version: img.Version, nextUID: img.NextUID, streams: img.Streams, users: img.Users}
	if err := st.validate(); err != nil {
		return nil, fmt.Errorf("decode state: %w", err)
	}
	st.streams = remove(st.streams, uint32(len(st.streams)))
	st.users = remove(st.users, uint32(len(st.users)))
	st.rebuildIndexes()
	return st, nil
}

// Clone returns a deep copy of st.
func (st *State) Clone() *State {
	b, err := st.encode(false)
	if err != nil {
		panic("BUG: metadata: state does not encode: " + err.Error())
	}
	c, err := DecodeState(b)
	if err != nil {
		panic("BUG: metadata: state does not decode: " + err.Error())
	}
	return c
}

// validate checks the invariants Apply maintains.
func (st *State) validate() error {
	uids := make(map[uint64]bool)
	uid := func(u uint64) error {
		if u == 0 || u >= st.nextUID || uids[u] {
			return fmt.Errorf("internal id %d reused or out of range: %w", u, ErrInvalidEntry)
		}
		uids[u] = true
		return nil
	}
	names := make(map[string]bool)
	for i, s := range st.streams {
		if s == nil {
			continue
		}
		if s.ID != uint32(i) || names[s.Name] || uid(s.UID) != nil {
			return fmt.Errorf("stream slot %d: %w", i, ErrInvalidEntry)
		}
		names[s.Name] = true
		topicNames := make(map[string]bool)
		for j, t := range s.Topics {
			if t == nil {
				continue
			}
			if t.ID != uint32(j) || topicNames[t.Name] || uid(t.UID) != nil {
				return fmt.Errorf("stream %d topic slot %d: %w", i, j, ErrInvalidEntry)
			}
			topicNames[t.Name] = true
			for k, p := range t.Partitions {
				if p.ID != uint32(k) || uid(p.UID) != nil {
					return fmt.Errorf("stream %d topic %d partition %d: %w", i, j, k, ErrInvalidEntry)
				}
			}
			groupNames := make(map[string]bool)
			for k, g := range t.Groups {
				if g == nil {
					continue
				}
				if g.ID != uint32(k) || groupNames[g.Name] {
					return fmt.Errorf("stream %d topic %d group slot %d: %w", i, j, k, ErrInvalidEntry)
				}
				groupNames[g.Name] = true
				for _, m := range g.Members {
					if m == nil {
						return fmt.Errorf("stream %d topic %d group %d: nil member: %w", i, j, k, ErrInvalidEntry)
					}
				}
			}
			s.Topics = remove(s.Topics, uint32(len(s.Topics)))
			t.Groups = remove(t.Groups, uint32(len(t.Groups)))
		}
	}
	users := make(map[string]bool)
	hashes := make(map[string]bool)
	for i, u := range st.users {
		if u == nil {
			continue
		}
		if u.ID != uint32(i) || users[u.Username] {
			return fmt.Errorf("user slot %d: %w", i, ErrInvalidEntry)
		}
		users[u.Username] = true
		for _, p := range u.PATs {
			if hashes[p.Hash] {
				return fmt.Errorf("user %d: token hash reused: %w", i, ErrInvalidEntry)
			}
			hashes[p.Hash] = true
		}
	}
	return nil
}
