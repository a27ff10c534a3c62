// SPDX-License-Identifier: Apache-2.0

package itest

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	iggcon "github.com/apache/iggy/foreign/go/contracts"
	ierror "github.com/apache/iggy/foreign/go/errors"

	"riffle/internal/protocol"
	"riffle/internal/testutil"
)

// Helpers of the per-command tests (cmd_*_test.go): a raw connection that
// speaks protocol request types for the codes the official SDK has no call
// for, status assertions on SDK errors, and /proc readers that tell which
// shard serves an SDK connection and which shard owns a partition.

// covers claims that the calling test exercises codes against a running
// server. TestEveryCommandCodeIsCovered reads these calls from the source,
// so codes must be written as protocol.CodeX constants in the call itself.
func covers(t *testing.T, codes ...protocol.Code) {
	t.Helper()
	for _, c := range codes {
		if !c.Known() {
			t.Fatalf("covers: %v is not an Iggy 0.8 command code", c)
		}
	}
}

// wantStatus fails unless err is an Iggy error with status want, as the SDK
// reports a non-zero response status.
func wantStatus(t testing.TB, err error, want protocol.Status) {
	t.Helper()
	var ie ierror.IggyError
	if !errors.As(err, &ie) {
		t.Fatalf("got error %v, want status %d (%s)", err, uint32(want), want.Name())
	}
	if got := protocol.Status(ie.Code()); got != want {
		t.Fatalf("got status %d (%s), want %d (%s)", uint32(got), got.Name(), uint32(want), want.Name())
	}
}

// must fails the test on err.
func must(t testing.TB, err error, what string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

var uniqueSeq atomic.Uint64

// uniqueName returns a fresh name for a stream, topic, group or user, built
// from prefix; it stays within the 3..50 bytes a username allows.
func uniqueName(prefix string) string {
	return fmt.Sprintf("%s-%d", prefix, uniqueSeq.Add(1))
}

// cmdConn is a raw connection that sends protocol request types.
type cmdConn struct {
	*rawConn
	t testing.TB
}

// cmdDial opens a raw connection that is not logged in.
func (s *Server) cmdDial(t testing.TB) *cmdConn {
	t.Helper()
	return &cmdConn{rawConn: dialRaw(t, s.Addr), t: t}
}

// cmdLogin opens a raw connection logged in as user.
func (s *Server) cmdLogin(t testing.TB, user, password string) *cmdConn {
	t.Helper()
	c := s.cmdDial(t)
	c.ok(&protocol.LoginUser{Username: user, Password: password, Version: "0.8.0"})
	return c
}

// do sends req and returns the response status and payload.
func (c *cmdConn) do(req protocol.Request) (protocol.Status, []byte) {
	c.t.Helper()
	st, p, err := c.call(uint32(req.Code()), req.AppendTo(nil))
	if err != nil {
		c.t.Fatalf("%v: %v", req.Code(), err)
	}
	if st != 0 && len(p) != 0 {
		c.t.Fatalf("%v: error %d carries %d payload bytes", req.Code(), st, len(p))
	}
	return protocol.Status(st), p
}

// ok sends req, fails unless it succeeds, and returns the payload.
func (c *cmdConn) ok(req protocol.Request) []byte {
	c.t.Helper()
	st, p := c.do(req)
	if st != protocol.StatusOK {
		c.t.Fatalf("%v: status %d (%s)", req.Code(), uint32(st), st.Name())
	}
	return p
}

// want sends req and fails unless it answers status want with no payload
// (an error, or an empty OK).
func (c *cmdConn) want(req protocol.Request, want protocol.Status) {
	c.t.Helper()
	st, p := c.do(req)
	if st != want || len(p) != 0 {
		c.t.Fatalf("%v: status %d (%s) with %d payload bytes, want %d (%s) and none",
			req.Code(), uint32(st), st.Name(), len(p), uint32(want), want.Name())
	}
}

// clientID is the Iggy client id the server gives this connection: XXH32 of
// the remote address as the server sees it.
func (c *cmdConn) clientID() uint32 {
	return protocol.XXH32([]byte(c.LocalAddr().String()))
}

// pollRaw polls with a raw frame and decodes the reply, so tests can see the
// message frames exactly as the server sent them.
func (c *cmdConn) pollRaw(req *protocol.PollMessages) protocol.PolledMessages {
	c.t.Helper()
	p := c.ok(req)
	pm, err := protocol.DecodePolledMessages(p)
	if err != nil {
		c.t.Fatalf("decode poll reply: %v", err)
	}
	return pm
}

// payloads returns the payloads of polled SDK messages as strings.
func payloads(pm *iggcon.PolledMessage) []string {
	out := make([]string, len(pm.Messages))
	for i, m := range pm.Messages {
		out[i] = string(m.Payload)
	}
	return out
}

// textMessages builds one SDK message per payload.
func textMessages(t testing.TB, texts ...string) []iggcon.IggyMessage {
	t.Helper()
	out := make([]iggcon.IggyMessage, len(texts))
	for i, s := range texts {
		m, err := iggcon.NewIggyMessage([]byte(s))
		must(t, err, "build message")
		out[i] = m
	}
	return out
}

// numbered returns n payloads "prefix-0" … "prefix-(n-1)".
func numbered(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = prefix + "-" + strconv.Itoa(i)
	}
	return out
}

// ptrU32 returns a pointer to v, for the SDK's optional partition.
func ptrU32(v uint32) *uint32 { return &v }

// ownClientPorts returns the local ports of this process's TCP connections
// to serverPort.
func ownClientPorts(t testing.TB, serverPort int) map[int]bool {
	t.Helper()
	mine, err := testutil.SocketInodes(os.Getpid())
	must(t, err, "list own sockets")
	f, err := os.Open("/proc/net/tcp")
	must(t, err, "open /proc/net/tcp")
	defer f.Close()
	out := map[int]bool{}
	sc := bufio.NewScanner(f)
	sc.Scan() // header
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) < 10 || procPort(fs[2]) != serverPort {
			continue
		}
		if inode, err := strconv.ParseUint(fs[9], 10, 64); err == nil && mine[inode] {
			out[procPort(fs[1])] = true
		}
	}
	return out
}

func procPort(addr string) int {
	_, p, _ := strings.Cut(addr, ":")
	n, err := strconv.ParseUint(p, 16, 32)
	if err != nil {
		return -1
	}
	return int(n)
}

// sdkConn is an official SDK client and what the server side knows of it.
type sdkConn struct {
	iggcon.Client
	port  int // local port
	shard int // id of the shard serving it
}

// sdkTracked connects an SDK client logged in as user and finds its local
// port and serving shard. The caller must not open other connections to s
// meanwhile.
func (s *Server) sdkTracked(t testing.TB, user, password string) *sdkConn {
	t.Helper()
	before := ownClientPorts(t, s.Port)
	c := s.sdkClientAs(t, user, password)
	var port int
	testutil.Eventually(t, 5*time.Second, func() error {
		var fresh []int
		for p := range ownClientPorts(t, s.Port) {
			if !before[p] {
				fresh = append(fresh, p)
			}
		}
		if len(fresh) != 1 {
			return fmt.Errorf("new connections to the server: %v, want one", fresh)
		}
		port = fresh[0]
		return nil
	})
	return &sdkConn{Client: c, port: port, shard: s.shardOfPort(t, port)}
}

// shardOfPort returns the id of the shard serving the connection from the
// local port.
func (s *Server) shardOfPort(t testing.TB, port int) int {
	t.Helper()
	pids := s.ShardPIDs()
	var owner int
	testutil.Eventually(t, 5*time.Second, func() error {
		var err error
		owner, err = testutil.SocketOwner(pids, s.Port, port)
		return err
	})
	for i, pid := range pids {
		if pid == owner {
			return i
		}
	}
	t.Fatalf("socket owner %d is not a shard", owner)
	return -1
}

// sdkOnEachShard connects SDK clients as user until one is served by each of
// the server's shards, and returns them by shard id; the extra clients stay
// open until the test ends.
func (s *Server) sdkOnEachShard(t testing.TB, user, password string) []*sdkConn {
	t.Helper()
	n := len(s.ShardPIDs())
	out := make([]*sdkConn, n)
	found := 0
	for i := 0; i < 4*n && found < n; i++ {
		c := s.sdkTracked(t, user, password)
		if out[c.shard] == nil {
			out[c.shard] = c
			found++
		}
	}
	if found < n {
		t.Fatalf("connections reached %d of %d shards", found, n)
	}
	return out
}

var partitionDir = regexp.MustCompile(`/streams/[^/]+/topics/[^/]+/partitions/[^/]+/`)

// openPartitionDirs returns the partition directories under the data dir in
// which process pid has files open.
func openPartitionDirs(t testing.TB, pid int, dataDir string) map[string]bool {
	t.Helper()
	fdDir := fmt.Sprintf("/proc/%d/fd", pid)
	ents, err := os.ReadDir(fdDir)
	must(t, err, "list descriptors")
	root, err := filepath.EvalSymlinks(dataDir)
	must(t, err, "resolve data dir")
	out := map[string]bool{}
	for _, e := range ents {
		target, err := os.Readlink(filepath.Join(fdDir, e.Name()))
		if err != nil || !strings.HasPrefix(target, root+"/") {
			continue
		}
		if m := partitionDir.FindString(strings.TrimPrefix(target, root)); m != "" {
			out[m] = true
		}
	}
	return out
}
