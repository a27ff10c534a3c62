// SPDX-License-Identifier: Apache-2.0

package client_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"sync"
	"syscall"
	"testing"
	"time"

	"riffle/internal/client"
	"riffle/internal/protocol"
)

// frame is one request as a fake server read it.
type frame struct {
	code    protocol.Code
	payload []byte
}

// reply is what a fake server answers one request with; close hangs up
// instead, hang never answers.
type reply struct {
	status  protocol.Status
	payload []byte
	length  int // announced payload length when > 0 (for oversize tests)
	close   bool
	hang    bool
}

// fakeServer serves every connection with handle, one request at a time, and
// returns its address. Each frame's payload is a fresh copy.
func fakeServer(t testing.TB, handle func(f frame) reply) string {
	t.Helper()
	return serveFake(t, handle, false)
}

// serveFake is fakeServer; with reuse set, payloads share one buffer per
// connection (valid during handle only), so benchmarks see the client's
// allocations alone.
func serveFake(t testing.TB, handle func(f frame) reply, reuse bool) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	done := make(chan struct{})
	t.Cleanup(func() { close(done); ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				go func() { <-done; c.Close() }()
				var buf, out []byte
				for {
					var hdr [protocol.RequestHeaderSize]byte
					if _, err := io.ReadFull(c, hdr[:]); err != nil {
						return
					}
					n, code, ok := protocol.ParseRequestHeader(hdr)
					if !ok {
						return
					}
					if !reuse || cap(buf) < int(n) {
						buf = make([]byte, n)
					}
					p := buf[:n]
					if _, err := io.ReadFull(c, p); err != nil {
						return
					}
					r := handle(frame{code, p})
					switch {
					case r.close:
						return
					case r.hang:
						<-done
						return
					}
					length := len(r.payload)
					if r.length > 0 {
						length = r.length
					}
					out = protocol.AppendResponseHeader(out[:0], r.status, length)
					out = append(out, r.payload...)
					if _, err := c.Write(out); err != nil {
						return
					}
				}
			}()
		}
	}()
	return ln.Addr().String()
}

func dial(t *testing.T, addr string, opts client.Options) *client.Client {
	t.Helper()
	c, err := client.Dial(context.Background(), addr, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestTypedCallSendsTheCodecEncodingAndDecodesTheReply(t *testing.T) {
	var got frame
	want := protocol.StreamInfo{ID: 7, CreatedAt: 123, Name: "orders"}
	addr := fakeServer(t, func(f frame) reply {
		got = f
		return reply{payload: want.AppendTo(nil)}
	})
	c := dial(t, addr, client.Options{})
	s, err := c.CreateStream(context.Background(), "orders")
	if err != nil {
		t.Fatal(err)
	}
	if s != want {
		t.Fatalf("stream %+v, want %+v", s, want)
	}
	req := protocol.CreateStream{Name: "orders"}
	if got.code != protocol.CodeCreateStream || !bytes.Equal(got.payload, req.AppendTo(nil)) {
		t.Fatalf("server read code %d payload %x", got.code, got.payload)
	}
}

func TestNonOKStatusIsServerErrorAndKeepsTheConnection(t *testing.T) {
	addr := fakeServer(t, func(f frame) reply {
		if f.code == protocol.CodeDeleteStream {
			return reply{status: protocol.StatusStreamIDNotFound}
		}
		return reply{}
	})
	c := dial(t, addr, client.Options{})
	err := c.DeleteStream(context.Background(), protocol.NumericID(9))
	var se *client.ServerError
	if !errors.As(err, &se) || se.Status != protocol.StatusStreamIDNotFound || se.Code != protocol.CodeDeleteStream {
		t.Fatalf("error %v, want a ServerError with stream_id_not_found", err)
	}
	if !errors.Is(err, protocol.StatusStreamIDNotFound) {
		t.Fatalf("errors.Is(%v, StatusStreamIDNotFound) is false", err)
	}
	if got, want := err.Error(), "DeleteStream: stream_id_not_found (1009)"; got != want {
		t.Fatalf("error text %q, want %q", got, want)
	}
	if err := c.Ping(context.Background()); err != nil {
		t.Fatalf("ping after a server error: %v", err)
	}
}

func TestEmptyReplyOfAGetterIsNotFound(t *testing.T) {
	addr := fakeServer(t, func(frame) reply { return reply{} })
	c := dial(t, addr, client.Options{})
	ctx := context.Background()
	id := protocol.NamedID("x")
	checks := []struct {
		name string
		call func() error
	}{
		{"stream", func() error { _, err := c.GetStream(ctx, id); return err }},
		{"topic", func() error { _, err := c.GetTopic(ctx, id, id); return err }},
		{"user", func() error { _, err := c.GetUser(ctx, id); return err }},
		{"client", func() error { _, err := c.GetClient(ctx, 3); return err }},
		{"group", func() error { _, err := c.GetConsumerGroup(ctx, id, id, id); return err }},
		{"offset", func() error {
			_, err := c.GetConsumerOffset(ctx, protocol.SingleConsumer(id), id, id, protocol.SomePartition(0))
			return err
		}},
	}
	for _, tc := range checks {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.call(); !errors.Is(err, client.ErrNotFound) {
				t.Fatalf("error %v, want ErrNotFound", err)
			}
		})
	}
	l, err := c.GetStreams(ctx)
	if err != nil || len(l) != 0 {
		t.Fatalf("empty list: %v, %v", l, err)
	}
}

func TestMalformedReplyIsProtocolErrorAndKeepsTheConnection(t *testing.T) {
	addr := fakeServer(t, func(f frame) reply {
		if f.code == protocol.CodeGetStream {
			return reply{payload: []byte{1, 2, 3}}
		}
		return reply{}
	})
	c := dial(t, addr, client.Options{})
	_, err := c.GetStream(context.Background(), protocol.NumericID(1))
	if !errors.Is(err, client.ErrProtocol) {
		t.Fatalf("error %v, want ErrProtocol", err)
	}
	if err := c.Ping(context.Background()); err != nil {
		t.Fatalf("ping after a malformed reply: %v", err)
	}
}

func TestOversizedReplyFailsAndClosesTheConnection(t *testing.T) {
	addr := fakeServer(t, func(frame) reply { return reply{length: 1 << 20} })
	c := dial(t, addr, client.Options{MaxResponse: 1024})
	_, err := c.GetStats(context.Background())
	if !errors.Is(err, client.ErrProtocol) {
		t.Fatalf("error %v, want ErrProtocol", err)
	}
	err = c.Ping(context.Background())
	var ce *client.ConnError
	if !errors.As(err, &ce) || !errors.Is(err, client.ErrClosed) {
		t.Fatalf("call after an oversized reply: %v, want a ConnError wrapping ErrClosed", err)
	}
}

func TestHangupIsConnErrorAndLaterCallsFailClosed(t *testing.T) {
	addr := fakeServer(t, func(frame) reply { return reply{close: true} })
	c := dial(t, addr, client.Options{})
	err := c.Ping(context.Background())
	var ce *client.ConnError
	if !errors.As(err, &ce) || ce.Op != "read" || !errors.Is(err, io.EOF) {
		t.Fatalf("error %v, want a read ConnError wrapping EOF", err)
	}
	err = c.Ping(context.Background())
	if !errors.As(err, &ce) || ce.Op != "call" || !errors.Is(err, client.ErrClosed) {
		t.Fatalf("second call: %v, want a call ConnError wrapping ErrClosed", err)
	}
}

func TestCancelledContextInterruptsAPendingCall(t *testing.T) {
	addr := fakeServer(t, func(frame) reply { return reply{hang: true} })
	c := dial(t, addr, client.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	err := c.Ping(ctx)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("cancel took %v", took)
	}
}

func TestContextDeadlineBoundsACall(t *testing.T) {
	addr := fakeServer(t, func(frame) reply { return reply{hang: true} })
	c := dial(t, addr, client.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := c.Ping(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error %v, want context.DeadlineExceeded", err)
	}
}

func TestDeadlineOfOneCallDoesNotLeakIntoTheNext(t *testing.T) {
	var mu sync.Mutex
	delay := time.Duration(0)
	addr := fakeServer(t, func(frame) reply {
		mu.Lock()
		d := delay
		mu.Unlock()
		time.Sleep(d)
		return reply{}
	})
	c := dial(t, addr, client.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	if err := c.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	cancel()
	mu.Lock()
	delay = 200 * time.Millisecond
	mu.Unlock()
	if err := c.Ping(context.Background()); err != nil {
		t.Fatalf("call without deadline after one with an expired deadline: %v", err)
	}
}

func TestCancelRightAfterACallDoesNotBreakTheNext(t *testing.T) {
	addr := fakeServer(t, func(frame) reply { return reply{} })
	c := dial(t, addr, client.Options{})
	for i := range 200 {
		ctx, cancel := context.WithCancel(context.Background())
		go cancel()
		c.Ping(ctx) // may or may not be cancelled
		if err := c.Ping(context.Background()); err != nil {
			var ce *client.ConnError
			if errors.As(err, &ce) && errors.Is(err, client.ErrClosed) {
				// The cancelled call broke the connection: dial again.
				c = dial(t, addr, client.Options{})
				continue
			}
			t.Fatalf("round %d: call after a cancelled context: %v", i, err)
		}
	}
}

func TestConcurrentCallsGetTheirOwnReplies(t *testing.T) {
	addr := fakeServer(t, func(f frame) reply {
		var q protocol.GetClient
		if err := q.Decode(f.payload); err != nil {
			return reply{status: protocol.StatusInvalidCommand}
		}
		d := protocol.ClientDetails{Client: protocol.ClientInfo{ClientID: q.ClientID, Address: "127.0.0.1:1"}}
		return reply{payload: d.AppendTo(nil)}
	})
	c := dial(t, addr, client.Options{})
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				id := uint32(g*1000 + i)
				d, err := c.GetClient(context.Background(), id)
				if err == nil && d.Client.ClientID != id {
					err = errors.New("reply for another request")
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

func TestLargePayloadRoundTripsWithAppendedReply(t *testing.T) {
	addr := fakeServer(t, func(f frame) reply {
		return reply{payload: binary.LittleEndian.AppendUint32(nil, uint32(len(f.payload)))}
	})
	c := dial(t, addr, client.Options{})
	for _, size := range []int{0, 100, 64 << 10, 64<<10 + 1, 1 << 20} {
		dst := []byte("prefix")
		out, err := c.Do(context.Background(), protocol.CodeSendMessages, make([]byte, size), dst)
		if err != nil {
			t.Fatalf("size %d: %v", size, err)
		}
		if string(out[:6]) != "prefix" || len(out) != 10 || binary.LittleEndian.Uint32(out[6:]) != uint32(size) {
			t.Fatalf("size %d: reply %x", size, out)
		}
	}
}

func TestSendMessagesEncodesTheBatch(t *testing.T) {
	var got frame
	addr := fakeServer(t, func(f frame) reply { got = f; return reply{} })
	c := dial(t, addr, client.Options{})
	msgs := []protocol.Message{{Payload: []byte("a")}, {Payload: []byte("bc"), UserHeaders: protocol.AppendUserHeaders(nil, []protocol.UserHeader{protocol.StringHeader("k", "v")})}}
	s, tp := protocol.NamedID("s"), protocol.NumericID(2)
	if err := c.SendMessages(context.Background(), s, tp, protocol.PartitionByID(1), msgs); err != nil {
		t.Fatal(err)
	}
	want := protocol.AppendSendMessages(nil, s, tp, protocol.PartitionByID(1), msgs)
	if got.code != protocol.CodeSendMessages || !bytes.Equal(got.payload, want) {
		t.Fatalf("server read code %d, %d bytes; want %d bytes", got.code, len(got.payload), len(want))
	}
}

func TestDialRefusedIsConnError(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	_, err = client.Dial(context.Background(), addr, client.Options{})
	var ce *client.ConnError
	if !errors.As(err, &ce) || ce.Op != "dial" || !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("error %v, want a dial ConnError wrapping ECONNREFUSED", err)
	}
}

func TestCloseIsIdempotent(t *testing.T) {
	addr := fakeServer(t, func(frame) reply { return reply{} })
	c := dial(t, addr, client.Options{})
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatalf("second close: %v", err)
	}
	if err := c.Ping(context.Background()); !errors.Is(err, client.ErrClosed) {
		t.Fatalf("call after close: %v", err)
	}
}

func TestParseIdentifier(t *testing.T) {
	long := string(bytes.Repeat([]byte{'a'}, 256))
	tests := []struct {
		name, in string
		want     protocol.Identifier
		wantErr  bool
	}{
		{name: "zero", in: "0", want: protocol.NumericID(0)},
		{name: "number", in: "42", want: protocol.NumericID(42)},
		{name: "max u32", in: "4294967295", want: protocol.NumericID(4294967295)},
		{name: "beyond u32 is a name", in: "4294967296", want: protocol.NamedID("4294967296")},
		{name: "negative is a name", in: "-1", want: protocol.NamedID("-1")},
		{name: "name", in: "orders", want: protocol.NamedID("orders")},
		{name: "empty", in: "", wantErr: true},
		{name: "too long", in: long, wantErr: true},
		{name: "invalid utf8", in: "\xff", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := client.ParseIdentifier(tc.in)
			if (err != nil) != tc.wantErr {
				t.Fatalf("error %v, want error %v", err, tc.wantErr)
			}
			if err == nil && got != tc.want {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}
