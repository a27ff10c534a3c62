// SPDX-License-Identifier: Apache-2.0

package shardproc

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"riffle/internal/metadata"
)

// replica is the shard's copy of the metadata State. The supervisor sends a
// snapshot at Init and every later entry in version order; the shard applies
// each on the supervisor channel's goroutine, then acknowledges it.
//
// Readers take the read lock for the duration of a lookup and never keep
// pointers into the State after releasing it.
type replica struct {
	mu      sync.RWMutex
	st      *metadata.State
	changed chan struct{} // closed and replaced on every apply
}

func newReplica() *replica {
	return &replica{st: metadata.NewState(), changed: make(chan struct{})}
}

// reset replaces the state with a decoded snapshot.
func (r *replica) reset(snapshot []byte) error {
	st, err := metadata.DecodeState(snapshot)
	if err != nil {
		return fmt.Errorf("decode metadata snapshot: %w", err)
	}
	r.mu.Lock()
	r.st = st
	close(r.changed)
	r.changed = make(chan struct{})
	r.mu.Unlock()
	return nil
}

// apply applies one entry; a gap or misfit leaves the state unchanged.
func (r *replica) apply(e metadata.Entry) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if e.Version <= r.st.Version() {
		return nil // already applied (a snapshot may cover it)
	}
	if err := r.st.Apply(e); err != nil {
		return fmt.Errorf("apply metadata entry %d: %w", e.Version, err)
	}
	close(r.changed)
	r.changed = make(chan struct{})
	return nil
}

// read runs fn with the state under the read lock.
func (r *replica) read(fn func(st *metadata.State)) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	fn(r.st)
}

// version returns the applied version.
func (r *replica) version() uint64 {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.st.Version()
}

// errVersionTimeout: the replica did not reach a version in time.
var errVersionTimeout = errors.New("metadata version not reached")

// waitVersion blocks until the replica has applied version v or ctx ends.
func (r *replica) waitVersion(ctx context.Context, v uint64) error {
	for {
		r.mu.RLock()
		cur, ch := r.st.Version(), r.changed
		r.mu.RUnlock()
		if cur >= v {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("%w: at %d, want %d", errVersionTimeout, cur, v)
		}
	}
}
