// SPDX-License-Identifier: Apache-2.0

package metadata_test

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"testing"

	"riffle/internal/metadata"
	"riffle/internal/vfs"
	"riffle/internal/vfs/errorfs"
)

// crashAt fails every file-system operation from the n-th mutating one on,
// as if the machine lost power there: nothing after it reaches the disk.
type crashAt struct {
	n, seen int
	crashed bool
}

var errPowerLoss = errors.New("power loss")

func (c *crashAt) MaybeError(op errorfs.Op) error {
	switch op.Kind {
	case errorfs.OpCreate, errorfs.OpWrite, errorfs.OpSync, errorfs.OpRename,
		errorfs.OpSyncDir, errorfs.OpTruncate, errorfs.OpRemove, errorfs.OpMkdir:
	default:
		if c.crashed {
			return errPowerLoss
		}
		return nil
	}
	c.seen++
	if c.seen >= c.n {
		c.crashed = true
	}
	if c.crashed {
		return errPowerLoss
	}
	return nil
}

// crashRun commits the seed's commands until the injected power loss. It
// returns the durable states the acknowledged commits reached (acked[0] is
// the empty state) and, when a commit was cut, the state it would have
// reached.
func crashRun(t *testing.T, fsys vfs.FS, seed uint64, commands int) (acked [][]byte, inFlight []byte, done bool) {
	t.Helper()
	opts := metadata.LogOptions{SnapshotEvery: 4}
	l, st, err := metadata.OpenLog(fsys, stateDir, opts)
	if err != nil { // the power went while opening
		return [][]byte{durable(t, metadata.NewState())}, nil, false
	}
	defer l.Close()
	acked = [][]byte{durable(t, st)}
	g := cmdGen{rand.New(rand.NewPCG(seed, 11))}
	env := testEnv()
	env.ShardCount = 3
	steps := []func() (metadata.Entry, error){func() (metadata.Entry, error) {
		e, _, err := metadata.Prepare(st, 0, metadata.BootstrapRoot{Username: "iggy", PasswordHash: mustHash(t)}, env)
		return e, err
	}}
	for range commands {
		steps = append(steps, func() (metadata.Entry, error) {
			env.Now += 1000
			actor, cmd := g.next()
			e, _, err := metadata.Prepare(st, actor, cmd, env)
			return e, err
		})
	}
	for _, step := range steps {
		e, err := step()
		if err != nil || e.Empty() {
			continue
		}
		shadow := st.Clone()
		if err := shadow.Apply(e); err != nil {
			t.Fatal(err)
		}
		if err := l.Commit(st, e); err != nil {
			return acked, durable(t, shadow), false
		}
		acked = append(acked, durable(t, st))
	}
	return acked, nil, true
}

// TestLogSurvivesPowerLossAtEveryStep cuts the run at every mutating
// file-system operation, then opens every crash state the in-memory file
// system can produce there: each must open, and hold exactly the last
// acknowledged state (or the one being committed when the power went).
func TestLogSurvivesPowerLossAtEveryStep(t *testing.T) {
	seed := rand.Uint64()
	t.Logf("seed %d", seed)
	const commands = 150
	total := &crashAt{n: 1 << 30}
	if _, _, done := crashRun(t, errorfs.Wrap(vfs.NewMem(), total), seed, commands); !done {
		t.Fatal("reference run did not finish")
	}
	rng := rand.New(rand.NewPCG(seed, 13))
	states := 0
	for n := 1; n <= total.seen; n++ {
		mem := vfs.NewMem()
		acked, inFlight, done := crashRun(t, errorfs.Wrap(mem, &crashAt{n: n}), seed, commands)
		if done {
			t.Fatalf("crash at op %d of %d did not stop the run", n, total.seen)
		}
		for _, mode := range vfs.CrashModes {
			for rep := 0; rep < 2; rep++ {
				clone := mem.CrashClone(rng, mode)
				l, st, err := metadata.OpenLog(clone, stateDir, metadata.LogOptions{SnapshotEvery: 4})
				if err != nil {
					t.Fatalf("seed %d, crash at op %d, mode %v: OpenLog: %v", seed, n, mode, err)
				}
				got := durable(t, st)
				last := acked[len(acked)-1]
				if !bytes.Equal(got, last) && (inFlight == nil || !bytes.Equal(got, inFlight)) {
					t.Fatalf("seed %d, crash at op %d, mode %v: recovered state is neither the acknowledged (%d commits) nor the in-flight one",
						seed, n, mode, len(acked)-1)
				}
				_ = l.Close()
				states++
			}
		}
	}
	t.Logf("%d crash points, %d crash states opened", total.seen, states)
}
