// SPDX-License-Identifier: Apache-2.0

package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"riffle/internal/client"
	"riffle/internal/protocol"
)

// dialTimeout bounds each actor's dial and login.
const dialTimeout = 10 * time.Second

// wire is an actor's own connection: one request frame written whole, one
// response read into a buffer it keeps. It is not safe for concurrent use.
type wire struct {
	conn net.Conn
	addr string
	hdr  [protocol.ResponseHeaderSize]byte
	buf  []byte // response payload; reused, grown on demand
}

// dialWire connects to addr and logs in with the configured credentials.
func dialWire(ctx context.Context, cfg *Config) (*wire, error) {
	ctx, cancel := context.WithTimeout(ctx, dialTimeout)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", cfg.Addr)
	if err != nil {
		return nil, &client.ConnError{Op: "dial", Addr: cfg.Addr, Err: opCause(err)}
	}
	w := &wire{conn: conn, addr: cfg.Addr}
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	var req protocol.Request = &protocol.LoginUser{Username: cfg.Username, Password: cfg.Password}
	if cfg.Token != "" {
		req = &protocol.LoginWithPersonalAccessToken{Token: cfg.Token}
	}
	if _, err := w.call(req); err != nil {
		conn.Close()
		return nil, fmt.Errorf("log in to %s: %w", cfg.Addr, err)
	}
	conn.SetDeadline(time.Time{})
	return w, nil
}

// call encodes and sends one request (setup only: it allocates) and returns
// the response payload, which aliases w.buf.
func (w *wire) call(req protocol.Request) ([]byte, error) {
	frame := protocol.AppendRequestHeader(make([]byte, 0, protocol.RequestHeaderSize+req.Size()), req.Code(), req.Size())
	return w.roundTrip(req.Code(), req.AppendTo(frame))
}

// roundTrip writes a whole request frame and reads its response. The
// payload aliases w.buf and is valid until the next call. A non-OK status
// is a *client.ServerError, a failed read or write a *client.ConnError.
func (w *wire) roundTrip(code protocol.Code, frame []byte) ([]byte, error) {
	if _, err := w.conn.Write(frame); err != nil {
		return nil, &client.ConnError{Op: "write", Addr: w.addr, Err: opCause(err)}
	}
	if _, err := io.ReadFull(w.conn, w.hdr[:]); err != nil {
		return nil, &client.ConnError{Op: "read", Addr: w.addr, Err: opCause(err)}
	}
	st, n := protocol.ParseResponseHeader(w.hdr)
	if n > client.DefaultMaxResponse {
		return nil, &client.ConnError{Op: "read", Addr: w.addr,
			Err: fmt.Errorf("%s response of %d bytes exceeds %d: %w", code, n, client.DefaultMaxResponse, client.ErrProtocol)}
	}
	if int(n) > cap(w.buf) {
		w.buf = make([]byte, n)
	}
	w.buf = w.buf[:n]
	if _, err := io.ReadFull(w.conn, w.buf); err != nil {
		return nil, &client.ConnError{Op: "read", Addr: w.addr, Err: opCause(err)}
	}
	if st != protocol.StatusOK {
		return nil, &client.ServerError{Code: code, Status: st}
	}
	return w.buf, nil
}

// opCause strips the *net.OpError layer, whose text repeats addresses.
func opCause(err error) error {
	var op *net.OpError
	if errors.As(err, &op) && op.Err != nil {
		return op.Err
	}
	return err
}

// close closes the connection; the server ends the session and any group
// membership with it.
func (w *wire) close() error { return w.conn.Close() }
