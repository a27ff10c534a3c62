// SPDX-License-Identifier: Apache-2.0

package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"riffle/internal/protocol"
)

// maxPingReply bounds the payload of a reply to Ping (the server sends none).
const maxPingReply = 1 << 20

// pingOptions configure a ping run.
type pingOptions struct {
	addr      string
	count     int           // pings to send; 0 = until the context ends
	interval  time.Duration // between the start of one ping and the next
	timeout   time.Duration // per ping, including every retry
	reconnect bool          // retry on a fresh connection after a disconnect or a refused connect
	dial      func(ctx context.Context, addr string) (net.Conn, error)
	report    func(seq int, rtt time.Duration, at time.Time) // called for every answered ping; may be nil
	note      func(msg string)                               // called for every disconnect and refusal; may be nil
}

// pingSummary is what a ping run saw. A ping is answered when an OK reply
// to it arrived within the timeout, on whichever connection.
type pingSummary struct {
	Addr        string   `json:"addr"`
	Sent        int      `json:"sent"`             // pings started (each once, however often retried)
	Answered    int      `json:"answered"`         // pings that got an OK reply
	Unanswered  int      `json:"unanswered"`       // pings that never got one
	Connects    int      `json:"connects"`         // connections established
	Reconnects  int      `json:"reconnects"`       // connections established after a disconnect or refusal
	Disconnects int      `json:"disconnects"`      // EOF, reset or Disconnected (status 8) instead of a reply
	Refused     int      `json:"refused"`          // connection attempts refused
	Errors      []string `json:"errors,omitempty"` // the first distinct errors, retried ones included
	// FirstAnswer and LastAnswer are the Unix times in nanoseconds of the
	// first and last OK replies (0 when none), so a caller can tell the run
	// spanned an event.
	FirstAnswer int64 `json:"first_answer_unix_ns"`
	LastAnswer  int64 `json:"last_answer_unix_ns"`
	RTTMinNS    int64 `json:"rtt_min_ns"`
	RTTAvgNS    int64 `json:"rtt_avg_ns"`
	RTTMaxNS    int64 `json:"rtt_max_ns"`
}

// maxPingErrors bounds the distinct error texts a summary keeps.
const maxPingErrors = 8

func (s *pingSummary) addError(err error) {
	msg := err.Error()
	for _, e := range s.Errors {
		if e == msg {
			return
		}
	}
	if len(s.Errors) < maxPingErrors {
		s.Errors = append(s.Errors, msg)
	}
}

// ok reports whether every ping was answered and no connect was refused.
func (s *pingSummary) ok() bool { return s.Unanswered == 0 && s.Refused == 0 }

func (s *pingSummary) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "--- %s ping: %d sent, %d answered, %d unanswered; %d connects (%d reconnects after %d disconnects), %d refused",
		s.Addr, s.Sent, s.Answered, s.Unanswered, s.Connects, s.Reconnects, s.Disconnects, s.Refused)
	if s.Answered > 0 {
		fmt.Fprintf(&b, "; rtt min/avg/max %v/%v/%v", roundRTT(s.RTTMinNS), roundRTT(s.RTTAvgNS), roundRTT(s.RTTMaxNS))
	}
	for _, e := range s.Errors {
		fmt.Fprintf(&b, "\n    %s", e)
	}
	return b.String()
}

func roundRTT(ns int64) time.Duration { return time.Duration(ns).Round(time.Microsecond) }

// errPingDisconnected marks a reply that ended the connection instead of
// answering: EOF, a reset, a failed write or an Iggy Disconnected status.
var errPingDisconnected = errors.New("connection lost")

// pinger holds the connection of a ping run.
type pinger struct {
	opt  pingOptions
	sum  pingSummary
	conn net.Conn
	lost bool // the last connection ended or a connect failed, so the next connect is a reconnect
	rtt  time.Duration
}

// runPings sends Ping (code 1) opt.count times, or until ctx ends, and
// returns what it saw. A ping in progress when ctx ends is finished (within
// opt.timeout) before it returns. Without opt.reconnect the run stops at
// the first ping that is not answered.
func runPings(ctx context.Context, opt pingOptions) pingSummary {
	p := &pinger{opt: opt, sum: pingSummary{Addr: opt.addr}}
	defer p.closeConn()
	var total time.Duration
	next := time.Now()
	for seq := 1; opt.count == 0 || seq <= opt.count; seq++ {
		if seq > 1 {
			// Like ping(8): a ping that took longer than the interval
			// delays the next one instead of causing a burst.
			next = next.Add(opt.interval)
			if now := time.Now(); next.Before(now) {
				next = now
			}
			if wait := time.Until(next); wait > 0 {
				t := time.NewTimer(wait)
				select {
				case <-ctx.Done():
				case <-t.C:
				}
				t.Stop()
			}
		}
		if ctx.Err() != nil {
			break
		}
		p.sum.Sent++
		start := time.Now()
		if err := p.ping(start.Add(opt.timeout)); err != nil {
			p.sum.Unanswered++
			p.sum.addError(fmt.Errorf("ping %d: %w", seq, err))
			if !opt.reconnect {
				break
			}
			continue
		}
		now := time.Now()
		rtt := now.Sub(start)
		p.sum.Answered++
		if p.sum.FirstAnswer == 0 {
			p.sum.FirstAnswer = now.UnixNano()
		}
		p.sum.LastAnswer = now.UnixNano()
		total += rtt
		if p.sum.Answered == 1 || int64(rtt) < p.sum.RTTMinNS {
			p.sum.RTTMinNS = int64(rtt)
		}
		p.sum.RTTMaxNS = max(p.sum.RTTMaxNS, int64(rtt))
		p.sum.RTTAvgNS = int64(total) / int64(p.sum.Answered)
		if opt.report != nil {
			opt.report(seq, rtt, now)
		}
	}
	return p.sum
}

// ping sends one Ping and waits for its OK reply until deadline. With
// reconnect set it retries on a fresh connection after a disconnect or a
// failed connect; it returns the last error when the deadline passes, and
// any reply with a status other than OK or Disconnected at once.
func (p *pinger) ping(deadline time.Time) error {
	backoff := 5 * time.Millisecond
	for {
		err := p.try(deadline)
		if err == nil {
			return nil
		}
		retryable := errors.Is(err, errPingDisconnected) || errors.Is(err, syscall.ECONNREFUSED)
		if !p.opt.reconnect || !retryable {
			return err
		}
		p.sum.addError(err)
		if p.opt.note != nil {
			p.opt.note(err.Error())
		}
		if time.Until(deadline) < backoff {
			return fmt.Errorf("no reply within %v, last: %w", p.opt.timeout, err)
		}
		if errors.Is(err, syscall.ECONNREFUSED) {
			// Nothing listens yet: wait a little before the next connect.
			time.Sleep(backoff)
			backoff = min(2*backoff, 100*time.Millisecond)
		}
	}
}

// try makes one attempt: connect if needed, write the request, read the
// reply. Any failure after the connect drops the connection.
func (p *pinger) try(deadline time.Time) error {
	if p.conn == nil {
		ctx, cancel := context.WithDeadline(context.Background(), deadline)
		c, err := p.opt.dial(ctx, p.opt.addr)
		cancel()
		if err != nil {
			p.lost = true
			if errors.Is(err, syscall.ECONNREFUSED) {
				p.sum.Refused++
			}
			return fmt.Errorf("connect %s: %w", p.opt.addr, err)
		}
		p.conn = c
		p.sum.Connects++
		if p.lost {
			p.sum.Reconnects++
			p.lost = false
		}
	}
	st, err := p.exchange(deadline)
	switch {
	case err != nil:
		p.dropConn()
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			return fmt.Errorf("wait for reply: %w", err)
		}
		p.sum.Disconnects++
		return fmt.Errorf("%w: %v", errPingDisconnected, err)
	case st == protocol.StatusDisconnected:
		p.dropConn()
		p.sum.Disconnects++
		return fmt.Errorf("%w: server replied status %d (%s)", errPingDisconnected, uint32(st), st.Name())
	case st != protocol.StatusOK:
		return fmt.Errorf("server replied status %d (%s)", uint32(st), st.Name())
	}
	return nil
}

// exchange writes one Ping on the current connection and reads one reply.
func (p *pinger) exchange(deadline time.Time) (protocol.Status, error) {
	if err := p.conn.SetDeadline(deadline); err != nil {
		return 0, err
	}
	if _, err := p.conn.Write(protocol.AppendRequest(nil, protocol.CodePing, nil)); err != nil {
		return 0, fmt.Errorf("write: %w", err)
	}
	var hdr [protocol.ResponseHeaderSize]byte
	if _, err := io.ReadFull(p.conn, hdr[:]); err != nil {
		return 0, fmt.Errorf("read: %w", err)
	}
	st, n := protocol.ParseResponseHeader(hdr)
	if n > maxPingReply {
		return 0, fmt.Errorf("read: reply announces %d payload bytes", n)
	}
	if _, err := io.CopyN(io.Discard, p.conn, int64(n)); err != nil {
		return 0, fmt.Errorf("read payload: %w", err)
	}
	return st, nil
}

func (p *pinger) dropConn() {
	p.closeConn()
	p.lost = true
}

func (p *pinger) closeConn() {
	if p.conn != nil {
		p.conn.Close()
		p.conn = nil
	}
}

// pongLine is one answered ping in --output json.
type pongLine struct {
	Seq    int   `json:"seq"`
	RTTNS  int64 `json:"rtt_ns"`
	UnixNS int64 `json:"unix_ns"`
}

// printJSONLine writes v as one line of JSON.
func (g *globals) printJSONLine(v any) error {
	return json.NewEncoder(os.Stdout).Encode(v)
}

func pingCmd(g *globals) *cobra.Command {
	opt := pingOptions{}
	var quiet bool
	cmd := &cobra.Command{
		Use:   "ping",
		Short: "Send Ping (code 1) to the server and print the round-trip time",
		Long: `Send Ping (code 1) to the server and print the round-trip time.

With --reconnect a ping that meets a closed connection (EOF, reset, or an
Iggy Disconnected reply, status 8) or a refused connect is retried on a fresh
connection until --timeout; refused connects are counted separately. The run
ends after --count pings (0: until SIGINT or SIGTERM, which let the ping in
progress finish) and prints a summary. The exit status is non-zero when a
ping was never answered or a connect was refused.

With --output json every answered ping is one line {"seq","rtt_ns","unix_ns"}
(unless --quiet) and the summary is the last line.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opt.count < 0 || opt.interval < 0 || opt.timeout <= 0 {
				return errors.New("ping: --count and --interval must not be negative, --timeout must be positive")
			}
			opt.addr = g.addr
			var d net.Dialer
			opt.dial = func(ctx context.Context, addr string) (net.Conn, error) { return d.DialContext(ctx, "tcp", addr) }
			switch {
			case quiet:
			case g.output == "json":
				opt.report = func(seq int, rtt time.Duration, at time.Time) {
					g.printJSONLine(pongLine{Seq: seq, RTTNS: int64(rtt), UnixNS: at.UnixNano()})
				}
			default:
				opt.report = func(seq int, rtt time.Duration, _ time.Time) {
					fmt.Printf("pong from %s: seq=%d time=%v\n", opt.addr, seq, rtt.Round(time.Microsecond))
				}
				opt.note = func(msg string) { fmt.Fprintln(os.Stderr, "riffle ping:", msg) }
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			sum := runPings(ctx, opt)
			switch {
			case g.output == "json":
				if err := g.printJSONLine(sum); err != nil {
					return err
				}
			case opt.count != 1 || opt.reconnect || !sum.ok():
				fmt.Println(sum.String())
			}
			if !sum.ok() {
				return &exitError{code: 1, err: fmt.Errorf("ping %s: %d of %d pings unanswered, %d connects refused", opt.addr, sum.Unanswered, sum.Sent, sum.Refused)}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.IntVarP(&opt.count, "count", "c", 1, "number of pings (0: until interrupted)")
	f.DurationVarP(&opt.interval, "interval", "i", time.Second, "time between the starts of two pings")
	f.DurationVar(&opt.timeout, "timeout", 5*time.Second, "time a ping may take, retries included")
	f.BoolVar(&opt.reconnect, "reconnect", false, "retry on a fresh connection after a disconnect or a refused connect")
	f.BoolVarP(&quiet, "quiet", "q", false, "print only the summary")
	return cmd
}
