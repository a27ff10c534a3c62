// SPDX-License-Identifier: Apache-2.0

package main

import (
	"context"
	"encoding/binary"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// fakeServer accepts connections on 127.0.0.1 and runs serve for each, with
// the connection's index (0 for the first).
func fakeServer(t *testing.T, serve func(idx int, c net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for idx := 0; ; idx++ {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				c.SetDeadline(time.Now().Add(10 * time.Second))
				serve(idx, c)
			}()
		}
	}()
	return ln.Addr().String()
}

// readPing reads one request and reports whether it was a Ping.
func readPing(c net.Conn) bool {
	var hdr [8]byte
	if _, err := io.ReadFull(c, hdr[:]); err != nil {
		return false
	}
	return binary.LittleEndian.Uint32(hdr[0:]) == 4 && binary.LittleEndian.Uint32(hdr[4:]) == 1
}

func reply(c net.Conn, status uint32) {
	c.Write(binary.LittleEndian.AppendUint32(binary.LittleEndian.AppendUint32(nil, status), 0))
}

// answerAll answers every Ping with OK until the client goes away.
func answerAll(c net.Conn) {
	for readPing(c) {
		reply(c, 0)
	}
}

func tcpDial(ctx context.Context, addr string) (net.Conn, error) {
	var d net.Dialer
	return d.DialContext(ctx, "tcp", addr)
}

func refusedErr() error {
	return &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
}

func TestPingCountsAnswersDisconnectsAndRefusals(t *testing.T) {
	tests := []struct {
		name       string
		serve      func(idx int, c net.Conn)
		refuse     int // first dials refused before the real one
		count      int
		reconnect  bool
		want       pingSummary // compared field by field below, except times and RTTs
		wantOK     bool
		wantErrSub string
	}{
		{
			name: "every ping answered on one connection", serve: func(_ int, c net.Conn) { answerAll(c) },
			count: 5, want: pingSummary{Sent: 5, Answered: 5, Connects: 1}, wantOK: true,
		},
		{
			name: "disconnected reply is retried on a fresh connection",
			serve: func(idx int, c net.Conn) {
				if idx == 0 {
					for i := 0; i < 2 && readPing(c); i++ {
						reply(c, 0)
					}
					readPing(c)
					reply(c, 8)
					return
				}
				answerAll(c)
			},
			count: 5, reconnect: true,
			want:   pingSummary{Sent: 5, Answered: 5, Connects: 2, Reconnects: 1, Disconnects: 1},
			wantOK: true,
		},
		{
			name: "connection closed without a reply is retried",
			serve: func(idx int, c net.Conn) {
				if idx == 0 {
					readPing(c)
					return
				}
				answerAll(c)
			},
			count: 3, reconnect: true,
			want:   pingSummary{Sent: 3, Answered: 3, Connects: 2, Reconnects: 1, Disconnects: 1},
			wantOK: true,
		},
		{
			name: "without reconnect a disconnect ends the run",
			serve: func(idx int, c net.Conn) {
				if readPing(c) {
					reply(c, 0)
				}
				readPing(c)
				reply(c, 8)
			},
			count:  5,
			want:   pingSummary{Sent: 2, Answered: 1, Unanswered: 1, Connects: 1, Disconnects: 1},
			wantOK: false, wantErrSub: "status 8",
		},
		{
			name: "refused connects are counted and fail the run", serve: func(_ int, c net.Conn) { answerAll(c) },
			refuse: 2, count: 2, reconnect: true,
			want:   pingSummary{Sent: 2, Answered: 2, Connects: 1, Reconnects: 1, Refused: 2},
			wantOK: false, wantErrSub: "connection refused",
		},
		{
			name: "an error status is not retried",
			serve: func(_ int, c net.Conn) {
				for readPing(c) {
					reply(c, 3)
				}
			},
			count: 2, reconnect: true,
			want:   pingSummary{Sent: 2, Unanswered: 2, Connects: 1},
			wantOK: false, wantErrSub: "status 3",
		},
		{
			name:  "a ping without a reply times out",
			serve: func(_ int, c net.Conn) { readPing(c); io.Copy(io.Discard, c) },
			count: 1, reconnect: true,
			want:   pingSummary{Sent: 1, Unanswered: 1, Connects: 1},
			wantOK: false, wantErrSub: "timeout",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr := fakeServer(t, tt.serve)
			var mu sync.Mutex
			refusals := tt.refuse
			var seqs []int
			got := runPings(context.Background(), pingOptions{
				addr: addr, count: tt.count, interval: time.Millisecond, timeout: 300 * time.Millisecond,
				reconnect: tt.reconnect,
				dial: func(ctx context.Context, addr string) (net.Conn, error) {
					mu.Lock()
					defer mu.Unlock()
					if refusals > 0 {
						refusals--
						return nil, refusedErr()
					}
					return tcpDial(ctx, addr)
				},
				report: func(seq int, _ time.Duration, _ time.Time) { seqs = append(seqs, seq) },
			})
			type counts struct{ Sent, Answered, Unanswered, Connects, Reconnects, Disconnects, Refused int }
			c := func(s pingSummary) counts {
				return counts{s.Sent, s.Answered, s.Unanswered, s.Connects, s.Reconnects, s.Disconnects, s.Refused}
			}
			if c(got) != c(tt.want) {
				t.Errorf("counts %+v, want %+v (errors %q)", c(got), c(tt.want), got.Errors)
			}
			if got.ok() != tt.wantOK {
				t.Errorf("ok() = %v, want %v", got.ok(), tt.wantOK)
			}
			if tt.wantErrSub != "" && !strings.Contains(strings.Join(got.Errors, "\n")+got.String(), tt.wantErrSub) {
				t.Errorf("errors %q do not mention %q", got.Errors, tt.wantErrSub)
			}
			if len(seqs) != got.Answered {
				t.Errorf("report called %d times for %d answers", len(seqs), got.Answered)
			}
			if got.Answered > 0 && (got.FirstAnswer == 0 || got.LastAnswer < got.FirstAnswer || got.RTTMinNS > got.RTTMaxNS || got.RTTMinNS <= 0) {
				t.Errorf("times and RTTs inconsistent: %+v", got)
			}
		})
	}
}

func TestPingUntilCanceledFinishesThePingInProgress(t *testing.T) {
	addr := fakeServer(t, func(_ int, c net.Conn) { answerAll(c) })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	got := runPings(ctx, pingOptions{
		addr: addr, count: 0, interval: time.Millisecond, timeout: time.Second, dial: tcpDial,
		report: func(seq int, _ time.Duration, _ time.Time) {
			if seq == 3 {
				cancel()
			}
		},
	})
	if got.Sent != 3 || got.Answered != 3 || !got.ok() {
		t.Fatalf("after cancel at the third answer: %s", got.String())
	}
}

func TestPingRefusedWithoutReconnectStops(t *testing.T) {
	got := runPings(context.Background(), pingOptions{
		addr: "127.0.0.1:1", count: 3, interval: time.Millisecond, timeout: time.Second,
		dial: func(context.Context, string) (net.Conn, error) { return nil, refusedErr() },
	})
	if got.Sent != 1 || got.Refused != 1 || got.Unanswered != 1 || got.ok() {
		t.Fatalf("refused first connect: %s", got.String())
	}
	if len(got.Errors) != 1 || !strings.Contains(got.Errors[0], "refused") {
		t.Fatalf("errors %q", got.Errors)
	}
}
