// SPDX-License-Identifier: Apache-2.0

// Package childproc is the life cycle every child process of riffled shares
// (the front and each shard): the channel to the supervisor inherited as
// descriptor 3, Hello with the measured CPU mask, Init, Ready, and the
// graceful stop with its ShutdownAck. What a child does in between is its
// own (Hooks).
//
//	Hello ──► supervisor                    the child's CPU mask, measured
//	      ◄── Init                          Hooks.Init replies to it
//	Ready ──►
//	      ◄── Shutdown{deadline}            or EOF of the channel, or SIGTERM
//	ShutdownAck{report} ──►                 from Hooks.Shutdown; then exit 0
//
// The supervisor drives the life cycle: SIGINT and SIGHUP are ignored (a
// terminal's Ctrl-C reaches the supervisor alone); SIGTERM sent to the child
// itself starts the same graceful stop. EOF on the channel means the parent
// died: the child stops too.
package childproc

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/oklog/run"
	"github.com/sirupsen/logrus"

	"riffle/internal/affinity"
	"riffle/internal/logging"
	"riffle/internal/version"
	"riffle/ipc"
)

// Hooks are what a child does at each step.
type Hooks struct {
	// BeforeHello runs first (a test knob may disturb the process here).
	BeforeHello func()
	// Init handles the Init request and must reply to it; an error ends the
	// child before Ready.
	Init func(req *ipc.Frame) error
	// Handle receives every other frame from the supervisor, in order, on the
	// channel's reading goroutine.
	Handle ipc.Handler
	// Shutdown stops the child gracefully before deadline and reports.
	Shutdown func(deadline time.Time) ipc.ShutdownAck
	// Deadline is the stop deadline when no Shutdown request gave one.
	Deadline func() time.Duration
}

// Process is one child's side of its supervisor channel.
type Process struct {
	// Ctl is the channel to the supervisor, for the child's own requests.
	Ctl *ipc.Peer

	role  string
	shard int
	log   *logrus.Entry
	start time.Time
	hooks Hooks

	initCh     chan *ipc.Frame
	shutdownCh chan *ipc.Frame
	stopOnce   sync.Once
	stopCh     chan struct{}
}

// New opens the inherited supervisor channel. Call Run to start.
func New(role string, shard int, log *logrus.Entry) (*Process, error) {
	cc, err := ipc.Inherited()
	if err != nil {
		return nil, err
	}
	p := &Process{role: role, shard: shard, log: log, start: time.Now(),
		initCh: make(chan *ipc.Frame, 1), shutdownCh: make(chan *ipc.Frame, 1), stopCh: make(chan struct{})}
	p.Ctl = ipc.NewPeer(cc, p.handle)
	return p, nil
}

// errStopped ends the main actor after a graceful stop.
var errStopped = errors.New("child stopped")

// Run runs the child until it has stopped, and returns nil after a graceful
// stop (or after the supervisor went away).
func (p *Process) Run(h Hooks) error {
	p.hooks = h
	signal.Ignore(syscall.SIGINT, syscall.SIGHUP)
	var g run.Group
	{ // the supervisor channel: EOF means the parent is gone
		g.Add(func() error {
			err := p.Ctl.Run()
			if errors.Is(err, io.EOF) {
				p.log.Warn("supervisor channel closed; stopping")
			}
			return err
		}, func(error) { p.stop(); p.Ctl.Close() })
	}
	{ // SIGTERM sent to the child itself
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, syscall.SIGTERM)
		done := make(chan struct{})
		g.Add(func() error {
			select {
			case <-sig:
				p.log.Info("sigterm; stopping")
				p.stop()
			case <-done:
			}
			return nil
		}, func(error) { signal.Stop(sig); close(done) })
	}
	{ // the main loop: hello, init, ready, serve, shutdown
		g.Add(p.main, func(error) { p.stop() })
	}
	err := g.Run()
	p.Ctl.Close()
	if errors.Is(err, io.EOF) || errors.Is(err, errStopped) {
		return nil
	}
	return err
}

func (p *Process) stop() { p.stopOnce.Do(func() { close(p.stopCh) }) }

// handle takes the life-cycle frames and passes the rest on.
func (p *Process) handle(peer *ipc.Peer, f *ipc.Frame) {
	var ch chan *ipc.Frame
	switch f.Type {
	case ipc.TypeInit:
		ch = p.initCh
	case ipc.TypeShutdown:
		ch = p.shutdownCh
	default:
		if p.hooks.Handle != nil {
			p.hooks.Handle(peer, f)
			return
		}
		f.CloseFiles()
		if f.ID != 0 {
			peer.ReplyError(f, fmt.Errorf("unknown request %q", f.Type))
		}
		return
	}
	select {
	case ch <- f:
	default:
		peer.ReplyError(f, fmt.Errorf("%s already received", f.Type))
	}
}

func (p *Process) main() error {
	if p.hooks.BeforeHello != nil {
		p.hooks.BeforeHello()
	}
	threads, err := affinity.ThreadCPUs(0)
	if err != nil {
		return err
	}
	hello := ipc.Hello{V: 1, Role: p.role, Shard: p.shard, PID: os.Getpid(), Version: version.Version, CPUs: affinity.Union(threads)}
	if err := p.Ctl.Notify(ipc.TypeHello, hello, nil); err != nil {
		return fmt.Errorf("send hello: %w", err)
	}
	var req *ipc.Frame
	select {
	case req = <-p.initCh:
	case <-p.stopCh:
		return errStopped
	}
	if err := p.hooks.Init(req); err != nil {
		return err
	}
	took := time.Since(p.start)
	p.log.WithField(logging.Took, took).Info(p.role + " ready")
	if err := p.Ctl.Notify(ipc.TypeReady, ipc.Ready{V: 1, Took: int64(took)}, nil); err != nil {
		return fmt.Errorf("send ready: %w", err)
	}

	var sd *ipc.Frame
	select {
	case sd = <-p.shutdownCh:
	case <-p.stopCh:
	}
	deadline := time.Now().Add(p.hooks.Deadline())
	if sd != nil {
		var m ipc.Shutdown
		if err := sd.Decode(&m); err == nil && m.DeadlineUnix > 0 {
			deadline = time.Unix(0, m.DeadlineUnix)
		}
	}
	ack := p.hooks.Shutdown(deadline)
	if sd != nil {
		if err := p.Ctl.Reply(sd, ack, nil); err != nil {
			p.log.WithError(err).Warn("send shutdown ack")
		}
	}
	return errStopped
}
