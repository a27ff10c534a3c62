// SPDX-License-Identifier: Apache-2.0

package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"sync"
	"time"

	"riffle/internal/protocol"
)

// DefaultMaxResponse is the largest response payload a client accepts unless
// Options.MaxResponse says otherwise. Polls of many large messages are the
// only responses that come near it.
const DefaultMaxResponse = 256 << 20

// DefaultDialTimeout bounds Dial when the context has no deadline.
const DefaultDialTimeout = 10 * time.Second

// copyLimit is the payload size up to which a request is copied behind its
// header for one write; larger payloads go out with a vectored write.
const copyLimit = 64 << 10

// Options configure a Client. The zero value is valid.
type Options struct {
	// DialTimeout bounds Dial when its context has no deadline
	// (default DefaultDialTimeout).
	DialTimeout time.Duration
	// MaxResponse is the largest response payload accepted, in bytes
	// (default DefaultMaxResponse). A larger one fails the call with
	// ErrProtocol and closes the connection.
	MaxResponse int
}

// Client is one connection to a server speaking the Iggy 0.8 binary protocol.
// It is safe for concurrent use; calls are serialized (one request in
// flight).
type Client struct {
	addr    string
	maxResp int

	mu       sync.Mutex
	conn     net.Conn // nil once closed or broken
	err      error    // why conn is nil
	deadline bool     // a deadline is set on conn
	wbuf     []byte   // request frame being written; reused
	hdr      [protocol.ResponseHeaderSize]byte
}

// Dial connects to addr ("host:port") over TCP. The connection is not logged
// in. Errors are *ConnError with Op "dial".
func Dial(ctx context.Context, addr string, opts Options) (*Client, error) {
	if _, ok := ctx.Deadline(); !ok {
		timeout := opts.DialTimeout
		if timeout <= 0 {
			timeout = DefaultDialTimeout
		}
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, &ConnError{Op: "dial", Addr: addr, Err: unwrapOpError(err)}
	}
	return New(conn, opts), nil
}

// New wraps an established connection; the Client owns it from now on and
// closes it on Close.
func New(conn net.Conn, opts Options) *Client {
	maxResp := opts.MaxResponse
	if maxResp <= 0 {
		maxResp = DefaultMaxResponse
	}
	return &Client{addr: conn.RemoteAddr().String(), maxResp: maxResp, conn: conn}
}

// Addr returns the server address the client is connected to.
func (c *Client) Addr() string { return c.addr }

// Close closes the connection. It is idempotent and returns the error of the
// first close only.
func (c *Client) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.conn == nil {
		return nil
	}
	err := c.conn.Close()
	c.conn, c.err = nil, ErrClosed
	return err
}

// Do sends one request with the given code and raw payload and appends the
// response payload to dst, returning the extended slice. A non-OK status is
// a *ServerError (dst returned unchanged). The payload is not retained after
// Do returns. Do is the building block of the typed helpers and the path for
// callers that pre-encode requests or reuse response buffers.
func (c *Client) Do(ctx context.Context, code protocol.Code, payload, dst []byte) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.usableLocked(); err != nil {
		return dst, err
	}
	c.wbuf = protocol.AppendRequestHeader(c.wbuf[:0], code, len(payload))
	var extra []byte
	if len(payload) <= copyLimit {
		c.wbuf = append(c.wbuf, payload...)
	} else {
		extra = payload
	}
	return c.exchangeLocked(ctx, code, extra, dst)
}

// call sends req and returns a freshly allocated response payload.
func (c *Client) call(ctx context.Context, req protocol.Request) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.usableLocked(); err != nil {
		return nil, err
	}
	c.wbuf = protocol.AppendRequestHeader(c.wbuf[:0], req.Code(), req.Size())
	c.wbuf = req.AppendTo(c.wbuf)
	return c.exchangeLocked(ctx, req.Code(), nil, nil)
}

func (c *Client) usableLocked() error {
	if c.conn == nil {
		return &ConnError{Op: "call", Addr: c.addr, Err: c.err}
	}
	return nil
}

// exchangeLocked writes c.wbuf (and extra, when not nil), reads one response
// and appends its payload to dst. Any I/O failure or an oversized response
// breaks the connection.
func (c *Client) exchangeLocked(ctx context.Context, code protocol.Code, extra, dst []byte) ([]byte, error) {
	if err := c.armLocked(ctx); err != nil {
		return dst, err
	}
	if ctx.Done() != nil {
		// Cancellation interrupts blocked I/O through a deadline in the
		// past. When the context ends as the exchange finishes, wait for
		// that deadline to be set and have the next call clear it.
		conn := c.conn
		fired := make(chan struct{})
		stop := context.AfterFunc(ctx, func() {
			conn.SetDeadline(time.Unix(1, 0))
			close(fired)
		})
		defer func() {
			if !stop() {
				<-fired
				c.deadline = true
			}
		}()
	}

	var err error
	if extra == nil {
		_, err = c.conn.Write(c.wbuf)
	} else {
		bufs := net.Buffers{c.wbuf, extra}
		_, err = bufs.WriteTo(c.conn)
	}
	if err != nil {
		return dst, c.breakLocked(ctx, "write", err)
	}
	if _, err := io.ReadFull(c.conn, c.hdr[:]); err != nil {
		return dst, c.breakLocked(ctx, "read", err)
	}
	st, n := protocol.ParseResponseHeader(c.hdr)
	if int64(n) > int64(c.maxResp) {
		c.breakLocked(ctx, "read", ErrProtocol)
		return dst, fmt.Errorf("%s response of %d bytes exceeds the limit of %d: %w", code, n, c.maxResp, ErrProtocol)
	}
	start := len(dst)
	dst = slices.Grow(dst, int(n))[:start+int(n)]
	if _, err := io.ReadFull(c.conn, dst[start:]); err != nil {
		return dst[:start], c.breakLocked(ctx, "read", err)
	}
	if st != protocol.StatusOK {
		return dst[:start], &ServerError{Code: code, Status: st}
	}
	return dst, nil
}

// armLocked sets the connection deadline from ctx, clearing a previous one.
func (c *Client) armLocked(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return &ConnError{Op: "call", Addr: c.addr, Err: err}
	}
	dl, ok := ctx.Deadline()
	switch {
	case ok:
		c.deadline = true
		return c.conn.SetDeadline(dl)
	case c.deadline:
		c.deadline = false
		return c.conn.SetDeadline(time.Time{})
	}
	return nil
}

// breakLocked closes the connection after a failed exchange and returns the
// *ConnError describing it, with the context's error as the cause when the
// context ended.
func (c *Client) breakLocked(ctx context.Context, op string, err error) error {
	var ne net.Error
	if cerr := ctx.Err(); cerr != nil {
		err = cerr
	} else if dl, ok := ctx.Deadline(); ok && !time.Now().Before(dl) && errors.As(err, &ne) && ne.Timeout() {
		// The connection deadline is the context's and may fire before the
		// context's own timer does.
		err = context.DeadlineExceeded
	}
	err = unwrapOpError(err)
	c.conn.Close()
	c.conn = nil
	c.err = fmt.Errorf("%w (%s failed: %v)", ErrClosed, op, err)
	return &ConnError{Op: op, Addr: c.addr, Err: err}
}

// unwrapOpError strips the *net.OpError layer, whose text repeats addresses.
func unwrapOpError(err error) error {
	var op *net.OpError
	if errors.As(err, &op) && op.Err != nil {
		return op.Err
	}
	return err
}

// decode decodes payload into v, turning the empty OK of a getter into
// ErrNotFound and a malformed payload into an error wrapping ErrProtocol.
func decode(code protocol.Code, payload []byte, v interface{ Decode([]byte) error }) error {
	err := v.Decode(payload)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, protocol.ErrEmpty):
		return ErrNotFound
	default:
		return fmt.Errorf("decode %s response: %w: %w", code, ErrProtocol, err)
	}
}
