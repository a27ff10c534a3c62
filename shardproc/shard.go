// SPDX-License-Identifier: Apache-2.0

package shardproc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/oklog/run"
	"github.com/sirupsen/logrus"

	"riffle/internal/affinity"
	"riffle/internal/config"
	"riffle/internal/control"
	"riffle/internal/logging"
	"riffle/internal/metadata"
	"riffle/internal/protocol"
	"riffle/internal/storage"
	"riffle/internal/tasks"
	"riffle/internal/version"
	"riffle/internal/vfs"
	"riffle/ipc"
)

// Options configure Run.
type Options struct {
	ID  int
	Log *logrus.Entry
}

// Shard is one running shard process.
type Shard struct {
	id    int
	log   *logrus.Entry
	start time.Time
	reg   *tasks.Registry
	ctl   *ipc.Peer

	initCh     chan control.ShardInit
	shutdownCh chan *ipc.Frame // the Shutdown request, when it arrives
	stopOnce   sync.Once
	stopCh     chan struct{} // closed on EOF, SIGTERM or interrupt

	cfg       config.Config
	shards    int
	listeners map[string]string // the server's bound addresses, by transport

	md      *replica
	engine  *storage.Engine
	backend vfs.Backend
	openMu  sync.Mutex // serializes opening partitions
	// balanced holds the per-topic round-robin counters of balanced sends.
	balanced sync.Map // topic uid → *atomic.Uint32
	read     atomic.Uint64
	written  atomic.Uint64
	groups   groupTracker // consumer-group progress on owned partitions

	mu           sync.Mutex
	front        *ipc.Peer
	peers        map[int]*ipc.Peer
	peersChanged chan struct{} // closed and replaced when peers changes
	conns        map[*conn]struct{}
}

// Run runs the shard until it has stopped, and returns nil after a graceful stop.
func Run(opts Options) error {
	signal.Ignore(syscall.SIGINT, syscall.SIGHUP) // the supervisor drives the lifecycle
	cc, err := ipc.Inherited()
	if err != nil {
		return err
	}
	s := &Shard{
		id:           opts.ID,
		log:          opts.Log.WithField(logging.Shard, opts.ID),
		start:        time.Now(),
		reg:          tasks.New(),
		initCh:       make(chan control.ShardInit, 1),
		shutdownCh:   make(chan *ipc.Frame, 1),
		stopCh:       make(chan struct{}),
		peers:        make(map[int]*ipc.Peer),
		peersChanged: make(chan struct{}),
		conns:        make(map[*conn]struct{}),
		md:           newReplica(),
	}
	s.ctl = ipc.NewPeer(cc, s.handleControl)

	var g run.Group
	{ // the supervisor channel: EOF means the parent is gone
		g.Add(func() error {
			err := s.ctl.Run()
			if errors.Is(err, io.EOF) {
				s.log.Warn("supervisor channel closed; stopping")
			}
			return err
		}, func(error) { s.stop(); s.ctl.Close() })
	}
	{ // SIGTERM sent to the shard itself
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, syscall.SIGTERM)
		done := make(chan struct{})
		g.Add(func() error {
			select {
			case <-sig:
				s.log.Info("sigterm; stopping")
				s.stop()
			case <-done:
			}
			return nil
		}, func(error) { signal.Stop(sig); close(done) })
	}
	{ // the main loop: hello, init, serve, shutdown
		g.Add(s.main, func(error) { s.stop() })
	}
	err = g.Run()
	s.ctl.Close()
	if errors.Is(err, io.EOF) || errors.Is(err, errStopped) {
		return nil
	}
	return err
}

var errStopped = errors.New("shard stopped")

func (s *Shard) stop() { s.stopOnce.Do(func() { close(s.stopCh) }) }

func (s *Shard) main() error {
	if os.Getenv("RIFFLE_DEBUG_UNPIN_SHARD") != "" {
		unpinOneThread() // unstable test knob: the supervisor must refuse this shard
	}
	defer s.startProfile()()
	threads, err := affinity.ThreadCPUs(0)
	if err != nil {
		return err
	}
	hello := ipc.Hello{V: 1, Role: ipc.RoleShard, Shard: s.id, PID: os.Getpid(), Version: version.Version, CPUs: affinity.Union(threads)}
	if err := s.ctl.Notify(ipc.TypeHello, hello, nil); err != nil {
		return fmt.Errorf("send hello: %w", err)
	}
	var init control.ShardInit
	select {
	case init = <-s.initCh:
	case <-s.stopCh:
		return errStopped
	}
	s.cfg, s.shards, s.listeners = init.Config, init.Shards, init.Listeners
	if err := s.openStorage(); err != nil {
		return err
	}
	if err := s.startServing(); err != nil {
		return err
	}
	took := time.Since(s.start)
	s.log.WithField(logging.Took, took).Info("shard ready")
	if err := s.ctl.Notify(ipc.TypeReady, ipc.Ready{V: 1, Took: int64(took)}, nil); err != nil {
		return fmt.Errorf("send ready: %w", err)
	}

	var req *ipc.Frame
	select {
	case req = <-s.shutdownCh:
	case <-s.stopCh:
	}
	deadline := time.Now().Add(time.Duration(s.cfg.Shutdown.Deadline))
	if req != nil {
		var sd ipc.Shutdown
		if err := req.Decode(&sd); err == nil && sd.DeadlineUnix > 0 {
			deadline = time.Unix(0, sd.DeadlineUnix)
		}
	}
	ack := s.shutdown(deadline)
	if req != nil {
		if err := s.ctl.Reply(req, ack, nil); err != nil {
			s.log.WithError(err).Warn("send shutdown ack")
		}
	}
	return errStopped
}

// startServing starts the periodic tasks of a serving shard.
func (s *Shard) startServing() error {
	return s.reg.Every("heartbeat", time.Second, func(context.Context) error {
		return s.ctl.Notify(ipc.TypeHeartbeat, ipc.Heartbeat{V: 1, Conns: s.connCount()}, nil)
	}, nil)
}

// handleControl handles frames from the supervisor, in arrival order.
func (s *Shard) handleControl(p *ipc.Peer, f *ipc.Frame) {
	switch f.Type {
	case ipc.TypeInit:
		var init control.ShardInit
		if err := f.Decode(&init); err != nil {
			p.ReplyError(f, err)
			return
		}
		if err := s.md.reset(f.Body); err != nil {
			p.ReplyError(f, err)
			return
		}
		p.Reply(f, nil, nil)
		select {
		case s.initCh <- init:
		default:
		}
	case ipc.TypeChannel:
		s.takeChannel(f)
	case control.TypeEntry:
		s.takeEntry(p, f)
	case control.TypeShardStats:
		p.Reply(f, s.shardStats(), nil)
	case ipc.TypeShutdown:
		select {
		case s.shutdownCh <- f:
		default:
			p.ReplyError(f, errors.New("shutdown already in progress"))
		}
	default:
		f.CloseFiles()
		if f.ID != 0 {
			p.ReplyError(f, fmt.Errorf("unknown request %q", f.Type))
		}
	}
}

// takeChannel installs a channel to the front or to another shard.
func (s *Shard) takeChannel(f *ipc.Frame) {
	var ch ipc.Channel
	if err := f.Decode(&ch); err != nil || len(f.Files) != 1 {
		f.CloseFiles()
		s.log.WithError(err).Error("bad channel message")
		return
	}
	conn, err := ipc.FileConn(f.Files[0])
	if err != nil {
		s.log.WithError(err).Error("open channel")
		return
	}
	switch ch.Kind {
	case ipc.ChannelFront:
		peer := ipc.NewPeer(conn, s.handleFront)
		s.mu.Lock()
		old := s.front
		s.front = peer
		s.mu.Unlock()
		if old != nil {
			old.Close()
		}
		s.runPeer("front-channel", peer)
	case ipc.ChannelShard:
		peer := ipc.NewPeer(conn, s.handlePeer)
		s.mu.Lock()
		old := s.peers[ch.Peer]
		s.peers[ch.Peer] = peer
		close(s.peersChanged)
		s.peersChanged = make(chan struct{})
		s.mu.Unlock()
		if old != nil {
			old.Close()
		}
		s.runPeer(fmt.Sprintf("shard-%d-channel", ch.Peer), peer)
	default:
		conn.Close()
	}
}

func (s *Shard) runPeer(name string, p *ipc.Peer) {
	err := s.reg.Go(name, func(ctx context.Context) error {
		stop := context.AfterFunc(ctx, func() { p.Close() })
		defer stop()
		p.Run()
		return nil
	})
	if err != nil {
		p.Close()
	}
}

// handleFront takes connections handed off by the front.
func (s *Shard) handleFront(p *ipc.Peer, f *ipc.Frame) {
	if f.Type != ipc.TypeHandoff || len(f.Files) != 1 {
		f.CloseFiles()
		return
	}
	var h ipc.Handoff
	if err := f.Decode(&h); err != nil {
		f.CloseFiles()
		return
	}
	if s.reg.ShuttingDown() {
		f.CloseFiles() // refused: the client reconnects and reaches another shard
		return
	}
	s.serveConn(f.Files[0], h)
}

// shutdown runs the graceful stop and returns the report for the supervisor.
func (s *Shard) shutdown(deadline time.Time) ipc.ShutdownAck {
	start := time.Now()
	s.log.WithField("deadline", time.Until(deadline).Round(time.Millisecond).String()).Info("shutdown started")
	conns := s.connCount()
	rep := s.reg.Shutdown(deadline)
	ack := ipc.ShutdownAck{
		V: 1, TasksDrained: rep.Drained, TimedOut: rep.TimedOut, Failed: rep.Failed, Conns: conns,
	}
	for _, ph := range rep.Phases {
		ack.Phases = append(ack.Phases, ipc.Phase{Name: ph.Name, TookNS: int64(ph.Took)})
	}
	t0 := time.Now()
	srep, err := s.closeStorage()
	if err != nil {
		ack.Failed = append(ack.Failed, "storage close: "+err.Error())
	}
	ack.Phases = append(ack.Phases, ipc.Phase{Name: "storage", TookNS: int64(time.Since(t0))})
	ack.BytesFlushed = int64(s.written.Load())
	s.log.WithFields(logrus.Fields{"partitions": srep.Partitions, "clean": srep.Clean, "segments": srep.Segments, logging.Took: time.Since(t0)}).Info("storage flushed, synced and closed")
	ack.TookNS = int64(time.Since(start))
	s.log.WithFields(logrus.Fields{
		logging.Took: time.Duration(ack.TookNS), "tasks_drained": ack.TasksDrained, "timed_out": len(ack.TimedOut),
		"failed": len(ack.Failed), "conns": conns, "bytes_flushed": ack.BytesFlushed,
	}).Info("shutdown report")
	return ack
}

func (s *Shard) connCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

// unpinOneThread widens one locked thread's affinity to every CPU, so the
// shard's measured mask is not the one asked. Only the RIFFLE_DEBUG_UNPIN_SHARD
// test knob calls it.
func unpinOneThread() {
	done := make(chan struct{})
	go func() {
		runtime.LockOSThread() // never unlocked: this thread's mask is now wrong on purpose
		affinity.SetCurrentThread([]int{0, 1})
		close(done)
		select {}
	}()
	<-done
}

// takeEntry applies one metadata entry from the supervisor, then its effects
// on local storage, and acknowledges it.
func (s *Shard) takeEntry(p *ipc.Peer, f *ipc.Frame) {
	e, err := metadata.DecodeEntry(f.Body)
	if err == nil {
		err = s.md.apply(e)
	}
	if err != nil {
		s.log.WithError(err).Error("metadata entry refused")
		p.ReplyError(f, err)
		return
	}
	s.applyEffects(e)
	p.Reply(f, nil, nil)
}

// clientEvent keeps the supervisor's client registry current.
func (s *Shard) clientEvent(c *conn, gone bool) {
	s.ctl.Notify(control.TypeClient, control.ClientEvent{
		V: 1, ClientID: c.id, Shard: s.id, Address: c.remote, Transport: protocol.TransportTCP, UserID: c.userID(), Gone: gone,
	}, nil)
}

// shardStats reports this shard's part of GetStats.
func (s *Shard) shardStats() control.ShardStats {
	st := control.ShardStats{V: 1, ReadBytes: s.read.Load(), WrittenBytes: s.written.Load(), Clients: uint32(s.connCount())}
	if s.engine != nil {
		for _, k := range s.engine.Partitions() {
			if p, ok := s.engine.Partition(k); ok {
				ps := p.Stats()
				st.Partitions++
				st.Segments += uint32(ps.Segments)
				st.Messages += ps.Messages
				st.MessagesBytes += ps.SizeBytes
			}
		}
	}
	if threads, err := os.ReadDir("/proc/self/task"); err == nil {
		st.Threads = uint32(len(threads))
	}
	return st
}
