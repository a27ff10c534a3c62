// SPDX-License-Identifier: Apache-2.0

package itest

import (
	"net"
	"strings"
	"testing"
	"time"

	"riffle/internal/protocol"
	"riffle/internal/testutil"
)

// dialRawFrom connects from the local address ip (any of 127.0.0.0/8 works
// on loopback), so that a test can play several client addresses.
func dialRawFrom(t testing.TB, addr, ip string) *rawConn {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: testutil.Scale(5 * time.Second)}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("dial %s from %s: %v", addr, ip, err)
	}
	t.Cleanup(func() { c.Close() })
	return &rawConn{c}
}

// E4: an address that keeps failing to log in waits longer and longer for
// each further attempt (5 free failures, then 100 ms doubling per failure by
// default); the right password from it is still accepted at its turn, and
// other addresses are not held up.
func TestRepeatedLoginFailuresAreDelayed(t *testing.T) {
	s := Start(t, Options{Shards: 2})
	guesser := dialRawFrom(t, s.Addr, "127.0.0.2")
	login := func(c *rawConn, password string) (uint32, time.Duration) {
		t.Helper()
		q := protocol.LoginUser{Username: "iggy", Password: password, Version: "0.8.0"}
		start := time.Now()
		if _, err := c.Write(protocol.AppendRequest(nil, protocol.CodeLoginUser, q.AppendTo(nil))); err != nil {
			t.Fatal(err)
		}
		st, _, err := c.readResponse()
		if err != nil {
			t.Fatalf("login with %q: %v", password, err)
		}
		return st, time.Since(start)
	}
	bad := uint32(protocol.StatusInvalidCredentials)
	for i := range 5 {
		if st, _ := login(guesser, "wrong-guess"); st != bad {
			t.Fatalf("free attempt %d: status %d, want %d", i+1, st, bad)
		}
	}
	// The next four wait for turns 100, 200, 400 and 800 ms after the
	// previous failure. The server counts a failure just before its reply
	// leaves, so the gaps between replies are checked with a little slack.
	last := time.Now()
	var gaps []time.Duration
	for i := range 4 {
		if st, _ := login(guesser, "wrong-guess"); st != bad {
			t.Fatalf("delayed attempt %d: status %d, want %d", i+1, st, bad)
		}
		gaps = append(gaps, time.Since(last))
		last = time.Now()
	}
	for i, turn := range []time.Duration{100, 200, 400, 800} {
		if gaps[i] < turn*time.Millisecond*9/10 {
			t.Fatalf("replies to the attempts after 5 failures came %v apart: attempt %d did not wait for its %v turn", gaps, i+1, turn*time.Millisecond)
		}
	}
	// Another address logs in as usual meanwhile.
	other := dialRawFrom(t, s.Addr, "127.0.0.3")
	st, took := login(other, "iggy")
	if st != 0 {
		t.Fatalf("login from another address: status %d", st)
	}
	t.Logf("after 9 failures from 127.0.0.2, replies to its last 4 came %v apart; a login from 127.0.0.3 took %v", gaps, took)
	// The right password from the guessing address waits for its 1.6 s turn
	// and is accepted.
	if st, _ := login(guesser, "iggy"); st != 0 {
		t.Fatalf("right password from the guessing address: status %d", st)
	}
	if gap := time.Since(last); gap < 1600*time.Millisecond*9/10 {
		t.Fatalf("right password from the guessing address answered %v after the last failure, before its 1.6s turn", gap)
	}
	if !strings.Contains(s.Log(), "further attempts from this address are delayed") {
		t.Fatalf("the log does not name the address that is being delayed:\n%s", s.tail())
	}
}
