// SPDX-License-Identifier: Apache-2.0

package metadata_test

import (
	"errors"
	"math/rand/v2"
	"testing"

	"riffle/internal/metadata"
	"riffle/internal/protocol"
)

// fastArgon2 keeps password hashing cheap in tests; DefaultArgon2 is
// exercised by the auth tests and the benchmark.
var fastArgon2 = metadata.Argon2Params{MemoryKiB: 64, Time: 1, Threads: 1}

const (
	testNow     = uint64(1_700_000_000_000_000)
	segmentSize = uint64(1 << 30)
	rootPass    = "secret-root"
)

// seededReader is a deterministic io.Reader for tokens and salts.
type seededReader struct{ r *rand.Rand }

func (s seededReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(s.r.Uint32())
	}
	return len(p), nil
}

func testEnv() metadata.Env {
	return metadata.Env{
		Now:         testNow,
		SegmentSize: segmentSize,
		ShardCount:  2,
		Rand:        seededReader{rand.New(rand.NewPCG(1, 2))},
		Argon2:      fastArgon2,
	}
}

// newRootState returns a state with the root user "iggy".
func newRootState(t testing.TB) *metadata.State {
	t.Helper()
	st := metadata.NewState()
	h, err := metadata.HashPassword(rootPass, fastArgon2, nil)
	if err != nil {
		t.Fatal(err)
	}
	mustCommit(t, st, 0, metadata.BootstrapRoot{Username: "iggy", PasswordHash: h}, testEnv())
	return st
}

// mustCommit prepares and applies cmd, failing the test on any error.
func mustCommit(t testing.TB, st *metadata.State, actor uint32, cmd metadata.Command, env metadata.Env) metadata.Result {
	t.Helper()
	e, r, err := metadata.Prepare(st, actor, cmd, env)
	if err != nil {
		t.Fatalf("Prepare(%T %+v): %v", cmd, cmd, err)
	}
	if err := st.Apply(e); err != nil {
		t.Fatalf("Apply(%T): %v", cmd, err)
	}
	return r
}

// fixture is root + stream "s1" (id 0) with topic "t1" (id 0, 3 partitions)
// and topic "t2" (id 1, no partitions), group "g1" (id 0) on t1, stream "s2"
// (id 1), and user "alice" (id 1) with no permissions.
func fixture(t testing.TB) *metadata.State {
	t.Helper()
	st := newRootState(t)
	env := testEnv()
	mustCommit(t, st, 0, metadata.CreateStream{Name: "s1"}, env)
	mustCommit(t, st, 0, metadata.CreateTopic{Stream: metadata.NamedID("s1"), PartitionsCount: 3, Compression: 1, Name: "t1"}, env)
	mustCommit(t, st, 0, metadata.CreateTopic{Stream: metadata.NamedID("s1"), Compression: 1, Name: "t2"}, env)
	mustCommit(t, st, 0, metadata.CreateConsumerGroup{Stream: metadata.NumericID(0), Topic: metadata.NumericID(0), Name: "g1"}, env)
	mustCommit(t, st, 0, metadata.CreateStream{Name: "s2"}, env)
	mustCommit(t, st, 0, metadata.CreateUser{Username: "alice", Password: "alice-pw", Status: metadata.UserActive}, env)
	return st
}

// statusOf maps err the way a shard does, through protocol.StatusFromError.
func statusOf(err error) uint32 { return uint32(protocol.StatusFromError(err)) }

func wantStatus(t testing.TB, err error, want uint32) {
	t.Helper()
	if got := statusOf(err); got != want {
		t.Fatalf("status = %d (%v), want %d", got, err, want)
	}
}

func snapshotBytes(t testing.TB, st *metadata.State) []byte {
	t.Helper()
	b, err := st.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustErrorIs(t testing.TB, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("error = %v, want %v", err, target)
	}
}

func ptr[T any](v T) *T { return &v }
