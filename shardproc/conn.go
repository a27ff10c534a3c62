// SPDX-License-Identifier: Apache-2.0

package shardproc

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"time"

	"github.com/sirupsen/logrus"

	"riffle/internal/logging"
	"riffle/internal/protocol"
	"riffle/ipc"
)

// conn is one client connection and its session. Its frame loop runs as a
// continuous task: read a whole frame, dispatch, reply, in order.
//
// Stopping: when the task's context is cancelled, a connection waiting for
// the next frame is told Disconnected and closed at once; a connection in the
// middle of a frame keeps reading it (until the shutdown deadline), answers
// it, and then is told Disconnected and closed.
type conn struct {
	s      *Shard
	nc     net.Conn
	ctx    context.Context // the frame loop's: done when the shard stops serving it
	log    *logrus.Entry
	remote string
	id     uint32 // Iggy client id: XXH32 of "ip:port"

	sess     session
	joined   bool            // joined a consumer group at some point
	sent     bool            // a SendMessages was served (migration is tried once)
	migrated bool            // handed to another shard: never touch the socket again
	pending  *pendingRequest // a request that came with a migrated connection

	mu       sync.Mutex // guards stopping, inFrame and read deadlines
	stopping bool
	inFrame  bool
	hardStop time.Time

	out []byte // response buffer, reused
}

// serveConn adopts a handed-off socket and starts its frame loop.
func (s *Shard) serveConn(f *os.File, h ipc.Handoff) {
	nc, err := net.FileConn(f)
	f.Close() // FileConn made its own descriptor
	if err != nil {
		s.log.WithError(err).Warn("adopt handed-off connection")
		return
	}
	c := &conn{s: s, nc: nc, remote: h.Remote, id: protocol.XXH32([]byte(h.Remote))}
	c.log = s.log.WithFields(logrus.Fields{logging.Remote: h.Remote, logging.Conn: c.id})
	s.mu.Lock()
	s.conns[c] = struct{}{}
	s.mu.Unlock()
	s.clientEvent(c, false)
	err = s.reg.Go("conn "+h.Remote, c.serve)
	if err != nil {
		c.close()
	}
}

// pendingRequest is a request to serve before reading from the socket.
type pendingRequest struct {
	code    protocol.Code
	payload []byte
}

func (c *conn) close() {
	c.nc.Close() // after a migration this closes only this shard's descriptor
	c.s.mu.Lock()
	delete(c.s.conns, c)
	n := len(c.s.conns)
	front := c.s.front
	c.s.mu.Unlock()
	if front != nil {
		front.Notify(ipc.TypeConnClosed, ipc.ConnClosed{V: 1, Conns: n}, nil)
	}
	if !c.migrated {
		c.s.clientEvent(c, true) // the supervisor drops the client and its memberships
	}
}

// preAuthMaxPayload caps the payload a connection that is not logged in may
// send: enough for any login, so nobody unauthenticated can make a shard hold
// a large frame.
const preAuthMaxPayload = 4 << 10

// errIdleStop ends a frame loop that was waiting for a frame when the shard stopped.
var errIdleStop = errors.New("stopped while idle")

func (c *conn) serve(ctx context.Context) error {
	c.ctx = ctx
	defer c.close()
	stop := context.AfterFunc(ctx, c.interrupt)
	defer stop()
	if c.log.Logger.IsLevelEnabled(logrus.DebugLevel) {
		c.log.Debug("connection adopted")
	}
	if p := c.pending; p != nil {
		c.pending = nil
		c.beginFrame()
		st, body := c.dispatch(p.code, p.payload)
		if err := c.reply(st, body); err != nil {
			return nil
		}
		if c.endFrame() {
			c.writeDisconnected()
			return nil
		}
	}
	var hdr [protocol.RequestHeaderSize]byte
	for {
		if err := c.read(hdr[:], false); err != nil {
			if errors.Is(err, errIdleStop) {
				c.writeDisconnected()
			}
			return nil
		}
		n, code, ok := protocol.ParseRequestHeader(hdr)
		if !ok {
			c.reply(protocol.StatusInvalidCommand, nil) // a framing error: answer, then close
			return nil
		}
		if !c.payloadAllowed(code, n) {
			c.reply(protocol.StatusInvalidCommand, nil) // never allocate an oversized declared length
			return nil
		}
		if !c.sess.authed && n > preAuthMaxPayload {
			st := protocol.StatusInvalidCommand
			if code.Known() && code.RequiresAuth() {
				st = protocol.StatusUnauthenticated
			}
			c.reply(st, nil) // a large frame before login: answer, then close
			return nil
		}
		buf := getPayload(int(n))
		if err := c.read(*buf, true); err != nil {
			return nil
		}
		st, body := c.dispatch(code, *buf)
		putPayload(buf)
		if c.migrated {
			return nil // another shard serves the client now
		}
		if err := c.reply(st, body); err != nil {
			return nil
		}
		if c.endFrame() {
			c.writeDisconnected()
			return nil
		}
	}
}

// payloadAllowed checks a declared payload length against the caps.
func (c *conn) payloadAllowed(code protocol.Code, n uint32) bool {
	limit := uint64(c.s.cfg.Limits.MaxControlFrame)
	if code == protocol.CodeSendMessages {
		limit = uint64(c.s.cfg.Limits.MaxFrame)
	}
	return uint64(n) <= limit
}

// read fills buf completely. started says bytes of this frame were already read.
func (c *conn) read(buf []byte, started bool) error {
	got := 0
	for got < len(buf) {
		n, err := c.nc.Read(buf[got:])
		if n > 0 {
			if !started {
				started = true
				c.beginFrame()
			} else {
				c.frameProgress()
			}
		}
		got += n
		if err == nil {
			continue
		}
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			c.mu.Lock()
			stopping, hard := c.stopping, c.hardStop
			c.mu.Unlock()
			if stopping && !started {
				return errIdleStop
			}
			if stopping && time.Now().Before(hard) {
				continue // beginFrame already moved the deadline to hard
			}
		}
		if err == io.EOF && got == 0 && !started {
			return io.EOF
		}
		return err
	}
	return nil
}

// beginFrame marks the connection busy; if the shard is stopping, the rest of
// the frame may still be read until the shutdown deadline.
func (c *conn) beginFrame() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.inFrame = true
	if c.stopping {
		c.nc.SetReadDeadline(c.hardStop)
		return
	}
	c.nc.SetReadDeadline(time.Now().Add(c.frameTimeout()))
}

// frameProgress moves the stall deadline on as a frame's bytes arrive.
func (c *conn) frameProgress() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.stopping {
		c.nc.SetReadDeadline(time.Now().Add(c.frameTimeout()))
	}
}

// endFrame marks the connection idle and reports whether it must now stop.
func (c *conn) endFrame() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.inFrame = false
	if !c.stopping {
		c.nc.SetReadDeadline(time.Time{}) // idle connections wait as long as they like
	}
	return c.stopping
}

// interrupt is called when the shard stops: an idle connection's read is cut
// short at once; a busy one gets until the deadline to finish its frame.
func (c *conn) interrupt() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stopping = true
	c.hardStop = time.Now().Add(time.Duration(c.s.cfg.Shutdown.Deadline))
	if c.inFrame {
		c.nc.SetReadDeadline(c.hardStop)
	} else {
		c.nc.SetReadDeadline(time.Now())
	}
}

// reply writes one response frame.
func (c *conn) reply(st protocol.Status, body []byte) error {
	if st != protocol.StatusOK {
		body = nil // an error response never carries a payload
	}
	// A client that stops reading its replies is dropped rather than pinning
	// the reply in memory forever.
	c.nc.SetWriteDeadline(time.Now().Add(c.frameTimeout()))
	c.out = protocol.AppendResponseHeader(c.out[:0], st, len(body))
	if len(body) < 64<<10 {
		c.out = append(c.out, body...)
		_, err := c.nc.Write(c.out)
		return err
	}
	bufs := net.Buffers{c.out, body}
	_, err := bufs.WriteTo(c.nc)
	return err
}

// writeDisconnected sends the unsolicited Disconnected frame Iggy sends to
// every connection on a graceful stop.
func (c *conn) writeDisconnected() {
	c.nc.SetWriteDeadline(time.Now().Add(time.Second))
	c.reply(protocol.StatusDisconnected, nil)
}

// frameTimeout is limits.frame_timeout: a started frame's bytes must keep
// coming, and a reply must keep being read, at least this often.
func (c *conn) frameTimeout() time.Duration {
	if d := time.Duration(c.s.cfg.Limits.FrameTimeout); d > 0 {
		return d
	}
	return 30 * time.Second
}
