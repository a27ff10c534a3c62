// SPDX-License-Identifier: Apache-2.0

package itest

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"riffle/internal/protocol"
	"riffle/internal/testutil"
)

// A bit flipped inside a sealed segment (damage a crash cannot cause) fences
// that partition only: reading it fails instead of serving corrupt bytes,
// `riffle server status` names the file and offset, and the other partition
// keeps serving.
func TestInteriorCorruptionFencesOnePartition(t *testing.T) {
	env := []string{"RIFFLE_STORAGE_SEGMENT_SIZE=1MiB"}
	s := Start(t, Options{Shards: 2, Env: env})
	c := s.cmdLogin(t, "iggy", "iggy")
	c.ok(&protocol.CreateStream{Name: "f"})
	c.ok(&protocol.CreateTopic{Stream: protocol.NamedID("f"), PartitionsCount: 2, CompressionAlgorithm: protocol.CompressionNone, Name: "t"})
	payload := bytes.Repeat([]byte("x"), 16<<10)
	for p := uint32(0); p < 2; p++ {
		for b := 0; b < 6; b++ { // 6 × 16 × 16 KiB = 1.5 MiB: a sealed segment
			msgs := make([]protocol.Message, 16)
			for i := range msgs {
				msgs[i].Payload = payload
			}
			st, _, err := c.call(uint32(protocol.CodeSendMessages), protocol.AppendSendMessages(nil, protocol.NamedID("f"), protocol.NamedID("t"), protocol.PartitionByID(p), msgs))
			if err != nil || st != 0 {
				t.Fatalf("send: %d %v", st, err)
			}
		}
	}
	s.Stop()

	// Flip a payload byte in the middle of one partition's first (sealed) segment.
	logs, _ := filepath.Glob(filepath.Join(s.Dir, "streams", "*", "topics", "*", "partitions", "*", "00000000000000000000.log"))
	if len(logs) != 2 {
		t.Fatalf("segment files %v", logs)
	}
	victim := logs[0]
	b, err := os.ReadFile(victim)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 0x40
	if err := os.WriteFile(victim, b, 0o644); err != nil {
		t.Fatal(err)
	}

	s2 := Start(t, Options{Shards: 2, Env: env, Dir: s.Dir})
	c = s2.cmdLogin(t, "iggy", "iggy")
	served := map[uint32]bool{}
	for p := uint32(0); p < 2; p++ {
		st, _ := c.do(&protocol.PollMessages{Consumer: protocol.SingleConsumer(protocol.NumericID(1)), Stream: protocol.NamedID("f"), Topic: protocol.NamedID("t"),
			Partition: protocol.SomePartition(p), Strategy: protocol.PollingStrategy{Kind: protocol.PollFirst}, Count: 1000})
		served[p] = st == protocol.StatusOK
	}
	if served[0] == served[1] {
		t.Fatalf("partitions served %v: want exactly the damaged one refused", served)
	}
	testutil.Eventually(t, 10*time.Second, func() error {
		st := s2.Status()
		for _, f := range st.Fenced {
			if strings.Contains(f, victim) {
				return nil
			}
		}
		return fmt.Errorf("status lists fenced %v, want %s", st.Fenced, victim)
	})
	s2.Stop()
}
