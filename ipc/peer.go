// SPDX-License-Identifier: Apache-2.0

package ipc

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
)

// ErrPeerClosed is returned by Call and Notify after the channel closed.
var ErrPeerClosed = errors.New("ipc: peer closed")

// RemoteError is a failed reply: the error text the other side sent.
type RemoteError struct {
	Type string
	Msg  string
}

func (e *RemoteError) Error() string { return e.Type + ": " + e.Msg }

// Handler handles one incoming request or notification. It runs on the
// reading goroutine, in arrival order. For a request (f.ID != 0) it must
// eventually call Peer.Reply or Peer.ReplyError exactly once, possibly from
// another goroutine. The handler owns f.Files.
type Handler func(p *Peer, f *Frame)

// Peer multiplexes requests, replies and notifications over one Conn.
type Peer struct {
	conn    *Conn
	handler Handler
	nextID  atomic.Uint64

	mu      sync.Mutex
	pending map[uint64]chan *Frame
	closed  bool
	err     error
	done    chan struct{}
}

// NewPeer wraps conn. Call Run to start reading.
func NewPeer(conn *Conn, h Handler) *Peer {
	return &Peer{conn: conn, handler: h, pending: make(map[uint64]chan *Frame), done: make(chan struct{})}
}

// Run reads frames until the channel fails or closes, dispatching replies to
// their callers and everything else to the handler. It returns the read error
// (io.EOF when the other side closed cleanly), fails every pending call, and
// closes the channel: nothing can use it afterwards.
func (p *Peer) Run() error {
	var err error
	for {
		var f *Frame
		f, err = p.conn.ReadFrame()
		if err != nil {
			break
		}
		if f.Reply {
			p.mu.Lock()
			ch, ok := p.pending[f.ID]
			delete(p.pending, f.ID)
			p.mu.Unlock()
			if ok {
				ch <- f
			} else {
				f.CloseFiles()
			}
			continue
		}
		if p.handler == nil {
			f.CloseFiles()
			if f.ID != 0 {
				p.ReplyError(f, errors.New("no handler"))
			}
			continue
		}
		p.handler(p, f)
	}
	p.shutdown(err)
	p.conn.Close()
	return err
}

func (p *Peer) shutdown(err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return
	}
	p.closed, p.err = true, err
	for id, ch := range p.pending {
		close(ch)
		delete(p.pending, id)
	}
	close(p.done)
}

// Done is closed when Run has returned.
func (p *Peer) Done() <-chan struct{} { return p.done }

// Close closes the underlying channel; Run returns soon after.
func (p *Peer) Close() error { return p.conn.Close() }

// CloseWrite half-closes the channel: the other side reads EOF, replies can still arrive.
func (p *Peer) CloseWrite() error { return p.conn.CloseWrite() }

// Call sends a request and waits for its reply or ctx. A failed reply is a
// *RemoteError. The caller owns the reply's Files.
func (p *Peer) Call(ctx context.Context, typ string, meta any, body []byte, files ...*os.File) (*Frame, error) {
	f, err := NewFrame(typ, meta)
	if err != nil {
		closeAll(files)
		return nil, err
	}
	f.Body, f.Files = body, files
	id := p.nextID.Add(1)
	f.ID = id
	ch := make(chan *Frame, 1)
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		closeAll(files)
		return nil, ErrPeerClosed
	}
	p.pending[id] = ch
	p.mu.Unlock()
	if err := p.conn.WriteFrame(f); err != nil {
		p.forget(id)
		return nil, err
	}
	select {
	case r, ok := <-ch:
		if !ok {
			return nil, ErrPeerClosed
		}
		if r.Err != "" {
			r.CloseFiles()
			return nil, &RemoteError{Type: typ, Msg: r.Err}
		}
		return r, nil
	case <-ctx.Done():
		p.forget(id)
		return nil, fmt.Errorf("%s: %w", typ, ctx.Err())
	}
}

func (p *Peer) forget(id uint64) {
	p.mu.Lock()
	delete(p.pending, id)
	p.mu.Unlock()
}

// Notify sends a one-way message.
func (p *Peer) Notify(typ string, meta any, body []byte, files ...*os.File) error {
	f, err := NewFrame(typ, meta)
	if err != nil {
		closeAll(files)
		return err
	}
	f.Body, f.Files = body, files
	return p.conn.WriteFrame(f)
}

// Reply answers req with meta, body and files.
func (p *Peer) Reply(req *Frame, meta any, body []byte, files ...*os.File) error {
	f, err := NewFrame(req.Type, meta)
	if err != nil {
		closeAll(files)
		return err
	}
	f.ID, f.Reply, f.Body, f.Files = req.ID, true, body, files
	return p.conn.WriteFrame(f)
}

// ReplyError answers req with a failure.
func (p *Peer) ReplyError(req *Frame, err error) error {
	f := &Frame{Type: req.Type, ID: req.ID, Reply: true, Err: err.Error()}
	if f.Err == "" {
		f.Err = "error"
	}
	return p.conn.WriteFrame(f)
}

func closeAll(files []*os.File) {
	for _, f := range files {
		if f != nil {
			f.Close()
		}
	}
}
