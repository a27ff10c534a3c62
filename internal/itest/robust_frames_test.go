// SPDX-License-Identifier: Apache-2.0

package itest

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"riffle/internal/protocol"
	"riffle/internal/testutil"
	"riffle/ipc"
)

// Default frame caps (config limits.max_control_frame, limits.max_frame).
const (
	robustControlCap = 10 << 20
	robustSendCap    = 64<<20 + 1<<20
)

// hostileFrame is one directed framing case: bytes written in one write and
// the statuses that must come back, in order, before the connection is
// closed by the server (closed) or proven usable with a Ping.
type hostileFrame struct {
	name   string
	login  bool
	send   []byte
	want   []protocol.Status
	closed bool
	half   bool // the client stops writing mid-frame (shutdown of its side)
	rss    bool // check that the shards did not take the declared length
}

// frameHeader is a request header with an arbitrary length field.
func frameHeader(length uint32, code protocol.Code) []byte {
	b := binary.LittleEndian.AppendUint32(nil, length)
	return binary.LittleEndian.AppendUint32(b, uint32(code))
}

// decodeStatus is what the server must answer for a payload its decoder
// rejects; it fails the test when the decoder accepts it, so every case
// built with it is a real error case.
func decodeStatus(t testing.TB, code protocol.Code, payload []byte) protocol.Status {
	t.Helper()
	_, err := protocol.DecodeRequest(code, payload)
	if err == nil {
		t.Fatalf("%v payload %x decodes; the case would not test an error", code, payload)
	}
	return protocol.StatusFromError(err)
}

func hostileFrames(t testing.TB) []hostileFrame {
	ping := request(uint32(protocol.CodePing), nil)
	cases := []hostileFrame{}
	// Lengths below 4 cannot hold the code: a framing error, answered and closed.
	for l := uint32(0); l < 4; l++ {
		cases = append(cases, hostileFrame{
			name: "length_" + strconv.Itoa(int(l)), send: frameHeader(l, protocol.CodePing),
			want: []protocol.Status{protocol.StatusInvalidCommand}, closed: true,
		})
	}
	// Lengths 4..7: a code and 0..3 payload bytes.
	odd := []byte{0x05, 0xFF, 0x01}
	for l := 4; l < 8; l++ {
		p := odd[:l-4]
		cases = append(cases,
			hostileFrame{name: "length_" + strconv.Itoa(l) + "_ping", send: request(uint32(protocol.CodePing), p),
				want: []protocol.Status{protocol.StatusOK}},
			hostileFrame{name: "length_" + strconv.Itoa(l) + "_login", send: request(uint32(protocol.CodeLoginUser), p),
				want: []protocol.Status{decodeStatus(t, protocol.CodeLoginUser, p)}},
			hostileFrame{name: "length_" + strconv.Itoa(l) + "_pat_login", send: request(uint32(protocol.CodeLoginWithPersonalAccessToken), p),
				want: []protocol.Status{decodeStatus(t, protocol.CodeLoginWithPersonalAccessToken, p)}},
			hostileFrame{name: "length_" + strconv.Itoa(l) + "_create_stream", login: true, send: request(uint32(protocol.CodeCreateStream), p),
				want: []protocol.Status{decodeStatus(t, protocol.CodeCreateStream, p)}},
			hostileFrame{name: "length_" + strconv.Itoa(l) + "_get_stream", login: true, send: request(uint32(protocol.CodeGetStream), p),
				want: []protocol.Status{decodeStatus(t, protocol.CodeGetStream, p)}},
			hostileFrame{name: "length_" + strconv.Itoa(l) + "_send_messages", login: true, send: request(uint32(protocol.CodeSendMessages), p),
				want: []protocol.Status{sendStatus(t, p)}},
			hostileFrame{name: "length_" + strconv.Itoa(l) + "_unknown_code", send: request(999, p),
				want: []protocol.Status{protocol.StatusInvalidCommand}},
		)
	}
	// Declared lengths far over every cap, and just over each cap: answered
	// at once (no payload is ever sent) and closed.
	over := []struct {
		name   string
		length uint32
		code   protocol.Code
	}{
		{"length_2^31_ping", 1 << 31, protocol.CodePing},
		{"length_2^31_send_messages", 1 << 31, protocol.CodeSendMessages},
		{"length_2^32-1_ping", 1<<32 - 1, protocol.CodePing},
		{"length_2^32-1_send_messages", 1<<32 - 1, protocol.CodeSendMessages},
		{"control_cap+1_ping", 4 + robustControlCap + 1, protocol.CodePing},
		{"control_cap+1_create_stream", 4 + robustControlCap + 1, protocol.CodeCreateStream},
		{"control_cap+1_unknown_code", 4 + robustControlCap + 1, 999},
		{"send_cap+1_send_messages", 4 + robustSendCap + 1, protocol.CodeSendMessages},
	}
	for _, o := range over {
		cases = append(cases, hostileFrame{name: o.name, send: frameHeader(o.length, o.code),
			want: []protocol.Status{protocol.StatusInvalidCommand}, closed: true, rss: true})
	}
	cases = append(cases,
		// A payload of exactly the cap is read and answered.
		hostileFrame{name: "control_cap_ping", login: true, send: request(uint32(protocol.CodePing), make([]byte, robustControlCap)),
			want: []protocol.Status{protocol.StatusOK}},
		// Before login a frame over 4 KiB is refused unread, and the
		// connection closed: nobody unauthenticated makes a shard hold it.
		hostileFrame{name: "pre_login_large_ping", send: request(uint32(protocol.CodePing), make([]byte, 4097)),
			want: []protocol.Status{protocol.StatusInvalidCommand}, closed: true},
		hostileFrame{name: "pre_login_large_send", send: request(uint32(protocol.CodeSendMessages), make([]byte, 64<<10)),
			want: []protocol.Status{protocol.StatusUnauthenticated}, closed: true, rss: true},
		// Several frames in one segment: answered in order.
		hostileFrame{name: "three_frames_one_write",
			send: bytes.Join([][]byte{ping, request(999, []byte{1, 2, 3}), ping}, nil),
			want: []protocol.Status{protocol.StatusOK, protocol.StatusInvalidCommand, protocol.StatusOK}},
		// An unknown command's payload is consumed whole, even when it looks
		// like a frame: the next frame is parsed at the right place.
		hostileFrame{name: "unknown_code_payload_is_skipped",
			send: bytes.Join([][]byte{request(999, bytes.Repeat(ping, 3)), request(uint32(protocol.CodeGetStreams), nil)}, nil),
			want: []protocol.Status{protocol.StatusInvalidCommand, protocol.StatusUnauthenticated}},
		hostileFrame{name: "bad_payload_then_valid_frame", login: true,
			send: bytes.Join([][]byte{request(uint32(protocol.CodeCreateStream), append([]byte{0x20}, ping...)), ping}, nil),
			want: []protocol.Status{decodeStatus(t, protocol.CodeCreateStream, append([]byte{0x20}, ping...)), protocol.StatusOK}},
		// A message count that disagrees with the bytes, the huge one
		// included, is refused without reading past the frame.
		hostileFrame{name: "send_count_above_messages", login: true, send: sendWithCount(t, 1, 3), want: []protocol.Status{sendStatus(t, sendWithCount(t, 1, 3)[8:])}},
		hostileFrame{name: "send_count_below_messages", login: true, send: sendWithCount(t, 3, 1), want: []protocol.Status{sendStatus(t, sendWithCount(t, 3, 1)[8:])}},
		hostileFrame{name: "send_count_2^32-1", login: true, send: sendWithCount(t, 2, 1<<32-1), want: []protocol.Status{sendStatus(t, sendWithCount(t, 2, 1<<32-1)[8:])}},
		hostileFrame{name: "send_count_zero", login: true, send: sendWithCount(t, 2, 0), want: []protocol.Status{sendStatus(t, sendWithCount(t, 2, 0)[8:])}},
		// A frame cut short and then closed gets no answer.
		hostileFrame{name: "truncated_payload", send: append(frameHeader(104, protocol.CodePing), make([]byte, 10)...), closed: true, half: true},
		hostileFrame{name: "truncated_header", send: []byte{0x04, 0x00, 0x00, 0x00, 0x01}, closed: true, half: true},
		hostileFrame{name: "frame_then_truncated_frame", send: append(append([]byte{}, ping...), frameHeader(20, protocol.CodeLoginUser)...),
			want: []protocol.Status{protocol.StatusOK}, closed: true, half: true},
	)
	return cases
}

// sendStatus is the status for a SendMessages payload the parser rejects.
func sendStatus(t testing.TB, payload []byte) protocol.Status {
	t.Helper()
	_, err := protocol.ParseSendMessages(payload)
	if err == nil {
		t.Fatalf("SendMessages payload %x parses; the case would not test an error", payload)
	}
	return protocol.StatusFromError(err)
}

// sendWithCount is a SendMessages frame of n messages whose
// messages_count field says count.
func sendWithCount(t testing.TB, n int, count uint32) []byte {
	t.Helper()
	stream, topic, part := protocol.NumericID(0), protocol.NumericID(0), protocol.PartitionByID(0)
	var msgs []protocol.Message
	for i := 0; i < n; i++ {
		msgs = append(msgs, protocol.Message{Payload: []byte("message " + strconv.Itoa(i))})
	}
	p := protocol.AppendSendMessages(nil, stream, topic, part, msgs)
	binary.LittleEndian.PutUint32(p[4+stream.Size()+topic.Size()+part.Size():], count)
	return request(uint32(protocol.CodeSendMessages), p)
}

// loginFrame is LoginUser for root as the Go SDK sends it.
func loginFrame() []byte {
	q := protocol.LoginUser{Username: "iggy", Password: "iggy", Version: "0.8.0"}
	return protocol.AppendRequest(nil, protocol.CodeLoginUser, q.AppendTo(nil))
}

// login logs the raw connection in as root.
func (c *rawConn) login(t testing.TB) {
	t.Helper()
	if _, err := c.Write(loginFrame()); err != nil {
		t.Fatal(err)
	}
	st, _, err := c.readResponse()
	if err != nil || st != 0 {
		t.Fatalf("login: status %d, %v", st, err)
	}
}

// expectClosed reads until the server closes the connection, failing on
// any byte or on a timeout.
func (c *rawConn) expectClosed(t testing.TB) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(testutil.Scale(10 * time.Second)))
	var b [64]byte
	n, err := c.Read(b[:])
	if n > 0 {
		t.Fatalf("%d unexpected bytes after the last reply: %x", n, b[:n])
	}
	if !errors.Is(err, io.EOF) && !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("connection not closed by the server: %v", err)
	}
}

// shardRSS returns the resident set of each pid in bytes.
func shardRSS(t testing.TB, pids []int) []int64 {
	t.Helper()
	out := make([]int64, len(pids))
	for i, pid := range pids {
		b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(b), "\n") {
			if f := strings.Fields(line); len(f) == 3 && f[0] == "VmRSS:" {
				kb, _ := strconv.ParseInt(f[1], 10, 64)
				out[i] = kb << 10
			}
		}
	}
	return out
}

// pingMonitor keeps one connection on every shard pinging, recording errors
// and the slowest round trip, while hostile clients run.
type pingMonitor struct {
	stop  chan struct{}
	done  sync.WaitGroup
	mu    sync.Mutex
	errs  []error
	pings int
	worst time.Duration
}

func startPingMonitor(t testing.TB, s *Server, shards int) *pingMonitor {
	t.Helper()
	m := &pingMonitor{stop: make(chan struct{})}
	on := map[int]*rawConn{}
	for i := 0; i < 40 && len(on) < shards; i++ {
		c := dialRaw(t, s.Addr)
		if err := c.ping(); err != nil {
			t.Fatal(err)
		}
		if id := s.ownerShard(t, c); on[id] == nil {
			on[id] = c
		} else {
			c.Close()
		}
	}
	if len(on) < shards {
		t.Fatalf("monitor connections reached %d of %d shards", len(on), shards)
	}
	for id, c := range on {
		m.done.Add(1)
		go func() {
			defer m.done.Done()
			for {
				select {
				case <-m.stop:
					return
				case <-time.After(10 * time.Millisecond):
				}
				start := time.Now()
				err := c.ping()
				d := time.Since(start)
				m.mu.Lock()
				m.pings++
				m.worst = max(m.worst, d)
				if err != nil {
					m.errs = append(m.errs, fmt.Errorf("shard %d: %w", id, err))
				}
				m.mu.Unlock()
				if err != nil {
					return
				}
			}
		}()
	}
	return m
}

// finish stops the monitor and fails the test on any ping error.
func (m *pingMonitor) finish(t testing.TB) {
	t.Helper()
	close(m.stop)
	m.done.Wait()
	if len(m.errs) > 0 {
		t.Errorf("monitor pings failed: %v", m.errs)
	}
	t.Logf("monitor: %d pings, worst round trip %v", m.pings, m.worst)
	// A ping held up by a slow client would wait for its 10-second frame;
	// the limit leaves room for a loaded 2-core runner.
	if limit := testutil.Scale(3 * time.Second); m.worst > limit {
		t.Errorf("a monitor ping took %v (limit %v): hostile clients held up others", m.worst, limit)
	}
}

// slowClient writes one Ping frame a byte per second and expects its reply.
func slowClient(t testing.TB, s *Server, errs chan<- error) {
	c := dialRaw(t, s.Addr)
	go func() {
		frame := request(uint32(protocol.CodePing), []byte{0xAA, 0xBB})
		for i := range frame {
			if _, err := c.Write(frame[i : i+1]); err != nil {
				errs <- fmt.Errorf("slow write %d: %w", i, err)
				return
			}
			time.Sleep(time.Second)
		}
		st, p, err := c.readResponse()
		if err == nil && (st != 0 || len(p) != 0) {
			err = fmt.Errorf("slow ping: status %d, %d bytes", st, len(p))
		}
		errs <- err
	}()
}

// Hostile framing (reliability catalogue C2, D3) gets the reply the protocol
// gives or a closed connection, never a dead shard, a desync or an
// allocation of the declared length; slow and hostile clients do not hold up
// the others.
func TestHostileFramesAreAnsweredOrClosed(t *testing.T) {
	s := Start(t, Options{Shards: 2})
	pids := s.ShardPIDs()
	mon := startPingMonitor(t, s, 2)
	slowErrs := make(chan error, 4)
	for i := 0; i < 4; i++ {
		slowClient(t, s, slowErrs)
	}
	base := shardRSS(t, pids)
	t.Logf("shard RSS at start: %v", base)

	for _, tc := range hostileFrames(t) {
		t.Run(tc.name, func(t *testing.T) {
			c := dialRaw(t, s.Addr)
			if tc.login {
				c.login(t)
			}
			// Taken per case: a login's password hash alone moves a
			// shard's RSS by tens of MiB under the race detector.
			before := shardRSS(t, pids)
			if _, err := c.Write(tc.send); err != nil {
				t.Fatalf("write: %v", err)
			}
			if tc.half {
				c.Conn.(*net.TCPConn).CloseWrite()
			}
			for i, want := range tc.want {
				st, p, err := c.readResponse()
				if err != nil {
					t.Fatalf("reply %d: %v", i, err)
				}
				if protocol.Status(st) != want {
					t.Fatalf("reply %d: status %d, want %d", i, st, want)
				}
				if st != 0 && len(p) != 0 {
					t.Fatalf("reply %d: error status %d carries %d bytes", i, st, len(p))
				}
			}
			if tc.closed {
				c.expectClosed(t)
			} else if err := c.ping(); err != nil {
				t.Fatalf("connection unusable afterwards: %v", err)
			}
			if tc.rss {
				// The declared length is at least 10 MiB; the shards must not
				// have taken it.
				for i, r := range shardRSS(t, pids) {
					if grow := r - before[i]; grow > 8<<20 {
						t.Errorf("shard %d RSS grew %d KiB after a hostile length", i, grow>>10)
					}
				}
			}
		})
	}

	t.Run("one_frame_in_100_writes", func(t *testing.T) {
		c := dialRaw(t, s.Addr)
		c.login(t)
		name := "split-" + strings.Repeat("x", 110)
		q := protocol.CreateStream{Name: name}
		frame := protocol.AppendRequest(nil, protocol.CodeCreateStream, q.AppendTo(nil))
		for i := 0; i < 100; i++ {
			if _, err := c.Write(frame[i*len(frame)/100 : (i+1)*len(frame)/100]); err != nil {
				t.Fatal(err)
			}
			time.Sleep(2 * time.Millisecond)
		}
		st, p, err := c.readResponse()
		if err != nil || st != 0 {
			t.Fatalf("create stream: status %d, %v", st, err)
		}
		var info protocol.StreamInfo
		if err := info.Decode(p); err != nil || info.Name != name {
			t.Fatalf("created stream %+v, %v", info, err)
		}
		get := protocol.GetStream{Stream: protocol.NamedID(name)}
		st, p, err = c.call(uint32(protocol.CodeGetStream), get.AppendTo(nil))
		if err != nil || st != 0 || len(p) == 0 {
			t.Fatalf("get stream: status %d, %d bytes, %v", st, len(p), err)
		}
	})

	t.Run("garbage_payload_for_every_code", func(t *testing.T) {
		garbageEveryCode(t, s)
	})

	for i := 0; i < cap(slowErrs); i++ {
		select {
		case err := <-slowErrs:
			if err != nil {
				t.Errorf("slow client: %v", err)
			}
		case <-time.After(testutil.Scale(30 * time.Second)):
			t.Fatal("slow client got no reply")
		}
	}
	mon.finish(t)
	checkShardsHealthy(t, s, pids)
	end := shardRSS(t, pids)
	t.Logf("shard RSS at end: %v", end)
	// The run logs in dozens of times (each password hash takes 19 MiB, and
	// the race detector's shadow memory several times that), reads one
	// 10 MiB frame and may create topics with hundreds of partitions; it
	// declares over 8 GiB.
	limit := int64(128 << 20)
	if raceEnabled {
		limit = 384 << 20
	}
	for i := range end {
		if grow := end[i] - base[i]; grow > limit {
			t.Errorf("shard %d RSS grew %d MiB over the hostile run", i, grow>>20)
		}
	}
}

// checkShardsHealthy checks that no shard died or restarted (same pids),
// that `riffle shard list` shows every shard ready, and that the server
// logged no panic.
func checkShardsHealthy(t testing.TB, s *Server, pids []int) {
	t.Helper()
	if now := s.ShardPIDs(); fmt.Sprint(now) != fmt.Sprint(pids) {
		t.Errorf("shard pids changed from %v to %v", pids, now)
	}
	out, errOut, code := CLI(t, "--ctl", s.CtlPath(), "-o", "json", "shard", "list")
	if code != 0 {
		t.Fatalf("riffle shard list: exit %d: %s", code, errOut)
	}
	var l ipc.ShardList
	if err := json.Unmarshal([]byte(out), &l); err != nil {
		t.Fatalf("riffle shard list output %q: %v", out, err)
	}
	if len(l.Shards) != len(pids) {
		t.Errorf("shard list has %d shards, want %d", len(l.Shards), len(pids))
	}
	for _, sh := range l.Shards {
		if sh.State != ipc.StateReady || sh.Restarts != 0 {
			t.Errorf("shard %d is %s after %d restarts", sh.ID, sh.State, sh.Restarts)
		}
	}
	if log := s.Log(); strings.Contains(log, "panic") || strings.Contains(log, "goroutine ") {
		t.Errorf("server log mentions a panic:\n%s", log)
	}
}

// garbageEveryCode sends random payloads under every command code (and some
// unknown ones), logged out and logged in as root, then mutants of every
// golden request. Every reply must be a status from the table; the
// connection must stay in step (a Ping after each code is answered).
func garbageEveryCode(t *testing.T, s *Server) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0x72696666))
	codes := append(protocol.Codes(), 0, 2, 13, 999, 1<<31, 1<<32-1)
	sizes := []int{0, 1, 2, 3, 5, 8, 13, 21, 40, 64, 100, 300, 4096}
	statuses := map[protocol.Status]int{}
	frames := 0

	c := dialRaw(t, s.Addr)
	send := func(code protocol.Code, payload []byte) {
		t.Helper()
		st, p, err := c.call(uint32(code), payload)
		if err != nil {
			t.Fatalf("%v payload %x: %v (seed %d)", code, payload, err, seed)
		}
		if !protocol.Status(st).Known() {
			t.Errorf("%v payload %x: status %d is not in the table", code, payload, st)
		}
		if st != 0 && len(p) != 0 {
			t.Errorf("%v payload %x: error %d carries %d bytes", code, payload, st, len(p))
		}
		statuses[protocol.Status(st)]++
		frames++
	}
	relogin := func() {
		t.Helper()
		st, _, err := c.call(uint32(protocol.CodeGetMe), nil)
		if err != nil {
			t.Fatalf("get me: %v", err)
		}
		if st == uint32(protocol.StatusUnauthenticated) {
			c.login(t)
		}
	}
	// A user-changing command must not hit root by chance: its garbage is
	// random past a prefix naming a user that does not exist.
	userCode := func(code protocol.Code) bool {
		switch code {
		case protocol.CodeDeleteUser, protocol.CodeUpdateUser, protocol.CodeUpdatePermissions, protocol.CodeChangePassword:
			return true
		}
		return false
	}
	noUser := []byte{2, 6, 'n', 'o', 'b', 'o', 'd', 'y'}
	for _, loggedIn := range []bool{false, true} {
		if loggedIn {
			c.login(t)
		}
		for _, code := range codes {
			for _, n := range sizes {
				p := make([]byte, n)
				for i := range p {
					p[i] = byte(rng.Uint32())
				}
				if userCode(code) {
					p = append(append([]byte{}, noUser...), p...)
				}
				if !loggedIn && len(p) > 4096 {
					p = p[:4096] // larger frames before login close the connection (tested above)
				}
				send(code, p)
				if loggedIn {
					relogin()
				}
			}
			if err := c.ping(); err != nil {
				t.Fatalf("after %v garbage: %v", code, err)
			}
		}
	}

	// Mutants of the golden requests reach deeper into the handlers.
	files, _ := os.ReadDir(goldenDir)
	for _, f := range files {
		if !strings.HasSuffix(f.Name(), ".hex") {
			continue
		}
		vs, err := readGoldenVectors(goldenDir + "/" + f.Name())
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range vs {
			code := protocol.Code(binary.LittleEndian.Uint32(v.request[4:]))
			if userCode(code) || code == protocol.CodeLoginUser || code == protocol.CodeLogoutUser {
				continue
			}
			payload := v.request[8:]
			for k := 0; k < 4; k++ {
				p := append([]byte{}, payload...)
				switch {
				case k == 0 && len(p) > 0:
					p = p[:rng.IntN(len(p))] // truncated
				case k == 1:
					p = append(p, byte(rng.Uint32()), byte(rng.Uint32())) // trailing bytes
				default:
					for j := 0; j < 1+rng.IntN(3) && len(p) > 0; j++ {
						p[rng.IntN(len(p))] ^= 1 << rng.IntN(8) // bit flips
					}
				}
				send(code, p)
				relogin()
			}
		}
	}
	if err := c.ping(); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d garbage frames; statuses %v", frames, statuses)
}
