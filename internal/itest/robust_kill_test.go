// SPDX-License-Identifier: Apache-2.0

package itest

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"riffle/internal/metadata"
	"riffle/internal/protocol"
	"riffle/internal/testutil"
	"riffle/internal/vfs"
)

// killWorker runs metadata commands on one connection until the connection
// fails, applying each acknowledged one to the model. The command whose
// reply never came (or came as ShardCommunicationError, the answer of a
// shard that lost the supervisor) is left in doubt.
type killWorker struct {
	model    *mdModel
	next     func(*mdModel, *rand.Rand) mdOp
	rng      *rand.Rand
	acked    int
	inDoubt  *mdOp
	rejected []string // error replies while the server was healthy
	done     chan struct{}
}

func (w *killWorker) run(c *rawConn) {
	defer close(w.done)
	for {
		w.model.mu.Lock()
		op := w.next(w.model, w.rng)
		w.model.mu.Unlock()
		st, reply, err := c.call(uint32(op.req.Code()), op.req.AppendTo(nil))
		if err != nil || protocol.Status(st) == protocol.StatusShardCommunicationError {
			w.inDoubt = &op
			return
		}
		if st != 0 {
			// Was the server still up? A dead one makes this reply in doubt.
			if c.ping() != nil {
				w.inDoubt = &op
				return
			}
			w.rejected = append(w.rejected, fmt.Sprintf("%s: status %d", op.desc, st))
			return
		}
		w.model.mu.Lock()
		err = op.apply(w.model.st, reply)
		w.model.mu.Unlock()
		if err != nil {
			w.rejected = append(w.rejected, fmt.Sprintf("%s: reply %x: %v", op.desc, reply, err))
			return
		}
		w.acked++
	}
}

// procsWithEnv returns the pids of live processes whose environment holds kv.
func procsWithEnv(kv string) []int {
	ents, _ := os.ReadDir("/proc")
	var out []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/environ")
		if err != nil {
			continue
		}
		if slices.ContainsFunc(bytes.Split(b, []byte{0}), func(e []byte) bool { return string(e) == kv }) {
			if st, err := os.ReadFile("/proc/" + e.Name() + "/stat"); err == nil && !isZombie(st) {
				out = append(out, pid)
			}
		}
	}
	return out
}

// isZombie reads the state field of /proc/<pid>/stat.
func isZombie(stat []byte) bool {
	i := bytes.LastIndexByte(stat, ')')
	return i > 0 && i+2 < len(stat) && stat[i+2] == 'Z'
}

// partitionDirsMatchMetadata checks the data dir against the metadata state
// log (read from a copy): every partition has its directory, no directory
// is left without a partition, and no deleted-but-unswept directory remains.
func partitionDirsMatchMetadata(t testing.TB, dataDir string) (partitions int, problems []string) {
	t.Helper()
	cp := t.TempDir()
	ents, err := os.ReadDir(filepath.Join(dataDir, "state"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if e.IsDir() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dataDir, "state", e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(cp, e.Name()), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	lg, st, err := metadata.OpenLog(vfs.OS, cp, metadata.LogOptions{})
	if err != nil {
		t.Fatalf("open a copy of the state log: %v", err)
	}
	lg.Close()
	want := map[string]bool{}
	for _, r := range st.Partitions() {
		want[fmt.Sprintf("%d/%d/%d", r.StreamUID, r.TopicUID, r.PartitionUID)] = true
	}
	got := map[string]bool{}
	root := filepath.Join(dataDir, "streams")
	list := func(dir string) []string {
		ents, _ := os.ReadDir(dir)
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		return names
	}
	for _, s := range list(root) {
		for _, tp := range list(filepath.Join(root, s, "topics")) {
			for _, p := range list(filepath.Join(root, s, "topics", tp, "partitions")) {
				got[s+"/"+tp+"/"+p] = true
			}
			if strings.Contains(tp, "deleted") {
				problems = append(problems, "unswept topic directory "+s+"/"+tp)
			}
		}
		if strings.Contains(s, "deleted") {
			problems = append(problems, "unswept stream directory "+s)
		}
	}
	for k := range want {
		if !got[k] {
			problems = append(problems, "partition "+k+" has no directory")
		}
	}
	for k := range got {
		if !want[k] {
			problems = append(problems, "orphan partition directory "+k)
		}
	}
	return len(want), problems
}

// kill -9 of the supervisor at random moments while metadata commands run
// (reliability catalogue A9, B1): after every restart each acknowledged
// change is present, deletes stay deleted, a command whose reply was lost
// is either wholly applied or not at all, partition directories match the
// metadata, and no process of the killed server outlives it.
func TestSupervisorKillKeepsAcknowledgedMetadata(t *testing.T) {
	// ITEST_KILLS sets K for longer runs; CI keeps about a minute.
	kills := 12
	if testing.Short() {
		kills = 3
	}
	if v, err := strconv.Atoi(os.Getenv("ITEST_KILLS")); err == nil && v > 0 {
		kills = v
	}
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0x6b696c6c))
	dir, err := os.MkdirTemp("", "riffle-itest-kill-")
	if err != nil {
		t.Fatal(err)
	}
	marker := "RIFFLE_DEBUG_ITEST_RUN=" + filepath.Base(dir)
	model := &mdModel{}
	var inDoubt []mdOp
	acked, doubtful, doubtApplied, lost, half := 0, 0, 0, 0, 0
	var lastPIDs []int
	killed := 0
	var slowestExit time.Duration // from the supervisor's death to its last child's

	for round := 0; round <= kills; round++ {
		s := Start(t, Options{Shards: 2, Dir: dir, Env: []string{marker}})
		if len(procsWithEnv(marker)) == 0 {
			t.Fatal("the environment marker does not reach the server processes")
		}
		obsConn := dialRaw(t, s.Addr)
		obsConn.login(t)
		obs, broken, err := observe(obsConn)
		if err != nil {
			t.Fatalf("round %d: read metadata: %v", round, err)
		}
		for _, b := range broken {
			half++
			t.Errorf("round %d: inconsistent answer: %s", round, b)
		}
		if round == 0 {
			model.st = obs
		} else {
			ok, best := false, []string(nil)
			for i, cand := range candidates(model.st, inDoubt) {
				match, diff := cand.matches(obs)
				if match {
					ok = true
					if i > 0 {
						doubtApplied++
					}
					break
				}
				if best == nil || len(diff) < len(best) {
					best = diff
				}
			}
			if !ok {
				for _, d := range best {
					if strings.HasPrefix(d, "missing ") {
						lost++
					} else {
						half++
					}
				}
				var descs []string
				for _, op := range inDoubt {
					descs = append(descs, op.desc)
				}
				t.Errorf("round %d: metadata after kill matches no legal state (in doubt: %q):\n  %s", round, descs, strings.Join(best, "\n  "))
			}
			model.st = obs // continue from what the server has
		}
		n, problems := partitionDirsMatchMetadata(t, dir)
		for _, p := range problems {
			half++
			t.Errorf("round %d: %s", round, p)
		}
		if n != countParts(obs) {
			t.Errorf("round %d: state log has %d partitions, the protocol shows %d", round, n, countParts(obs))
		}
		obsConn.Close()
		if t.Failed() || round == kills {
			s.Stop()
			break
		}

		// Run the workload and kill the supervisor at a random moment.
		workers := []*killWorker{
			{model: model, next: (*mdModel).nextStreamOp, rng: rand.New(rand.NewPCG(rng.Uint64(), 1)), done: make(chan struct{})},
			{model: model, next: (*mdModel).nextUserOp, rng: rand.New(rand.NewPCG(rng.Uint64(), 2)), done: make(chan struct{})},
		}
		for _, w := range workers {
			c := dialRaw(t, s.Addr)
			c.login(t)
			go w.run(c)
		}
		lastPIDs = append([]int{s.PID(), s.Status().FrontPID}, s.ShardPIDs()...)
		time.Sleep(time.Duration(50+rng.IntN(1200)) * time.Millisecond)
		if round%2 == 1 {
			// Every other kill lands just after a state log append, while
			// the supervisor applies, broadcasts and replies.
			waitStateLogWrite(dir, time.Second)
		}
		s.Kill()
		killed++
		for _, w := range workers {
			select {
			case <-w.done:
			case <-time.After(testutil.Scale(30 * time.Second)):
				t.Fatalf("round %d: a workload client did not notice the kill", round)
			}
		}
		dead := time.Now()
		testutil.Eventually(t, 10*time.Second, func() error {
			if left := procsWithEnv(marker); len(left) > 0 {
				return fmt.Errorf("round %d: processes of the killed server still alive: %v (server pids %v)", round, left, lastPIDs)
			}
			return nil
		})
		slowestExit = max(slowestExit, time.Since(dead))
		inDoubt = nil
		for _, w := range workers {
			acked += w.acked
			for _, r := range w.rejected {
				t.Errorf("round %d: rejected while the server was up: %s", round, r)
			}
			if w.inDoubt != nil {
				inDoubt = append(inDoubt, *w.inDoubt)
				doubtful++
			}
		}
		if len(workers[0].rejected)+len(workers[1].rejected) > 0 {
			break
		}
	}
	msg := fmt.Sprintf("acknowledged %d, lost %d, half-applied %d across %d kills; in doubt %d (%d applied)",
		acked, lost, half, killed, doubtful, doubtApplied)
	t.Log(msg)
	fmt.Println(msg)
	t.Logf("slowest exit of the last child after the supervisor's: %v", slowestExit)
	if acked < killed*5 {
		t.Errorf("only %d commands acknowledged over %d kills; the workload did not run", acked, killed)
	}
	if !t.Failed() {
		os.RemoveAll(dir)
	}
}

// waitStateLogWrite returns as soon as a file of the metadata state log
// changes size, or after timeout.
func waitStateLogWrite(dataDir string, timeout time.Duration) {
	sizes := func() string {
		ents, _ := os.ReadDir(filepath.Join(dataDir, "state"))
		var b strings.Builder
		for _, e := range ents {
			if info, err := e.Info(); err == nil {
				fmt.Fprintf(&b, "%s=%d ", e.Name(), info.Size())
			}
		}
		return b.String()
	}
	before := sizes()
	for end := time.Now().Add(timeout); time.Now().Before(end) && sizes() == before; {
		time.Sleep(200 * time.Microsecond)
	}
}

func countParts(st mdState) int {
	n := 0
	for _, k := range st.keysWith("topic/") {
		p, _ := strconv.Atoi(field(st[k], "parts"))
		n += p
	}
	return n
}
