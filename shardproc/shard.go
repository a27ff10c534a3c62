// SPDX-License-Identifier: Apache-2.0

package shardproc

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sirupsen/logrus"

	"riffle/internal/affinity"
	"riffle/internal/childproc"
	"riffle/internal/config"
	"riffle/internal/control"
	"riffle/internal/logging"
	"riffle/internal/loginguard"
	"riffle/internal/metadata"
	"riffle/internal/protocol"
	"riffle/internal/storage"
	"riffle/internal/tasks"
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
	id  int
	log *logrus.Entry
	reg *tasks.Registry
	ctl *ipc.Peer // the supervisor channel

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
	// logins spaces out the login attempts of addresses that keep failing;
	// nil when auth.free_login_failures is 0.
	logins *loginguard.Guard

	mu           sync.Mutex
	front        *ipc.Peer
	peers        map[int]*ipc.Peer
	peersChanged chan struct{} // closed and replaced when peers changes
	conns        map[*conn]struct{}
}

// Run runs the shard until it has stopped, and returns nil after a graceful stop.
func Run(opts Options) error {
	log := opts.Log.WithField(logging.Shard, opts.ID)
	proc, err := childproc.New(ipc.RoleShard, opts.ID, log)
	if err != nil {
		return err
	}
	s := &Shard{
		id:           opts.ID,
		log:          log,
		reg:          tasks.New(),
		ctl:          proc.Ctl,
		peers:        make(map[int]*ipc.Peer),
		peersChanged: make(chan struct{}),
		conns:        make(map[*conn]struct{}),
		md:           newReplica(),
	}
	defer s.startProfile()()
	return proc.Run(childproc.Hooks{
		BeforeHello: func() {
			if os.Getenv("RIFFLE_DEBUG_UNPIN_SHARD") != "" {
				unpinOneThread() // unstable test knob: the supervisor must refuse this shard
			}
		},
		Init:     s.init,
		Handle:   s.handleControl,
		Shutdown: s.shutdown,
		Deadline: func() time.Duration { return time.Duration(s.cfg.Shutdown.Deadline) },
	})
}

// init takes the start parameters and the metadata snapshot, answers, then
// recovers storage and starts serving. The snapshot is applied before the
// answer: the supervisor sends later metadata entries only after it.
func (s *Shard) init(req *ipc.Frame) error {
	var init control.ShardInit
	if err := req.Decode(&init); err != nil {
		s.ctl.ReplyError(req, err)
		return err
	}
	if err := s.md.reset(req.Body); err != nil {
		s.ctl.ReplyError(req, err)
		return err
	}
	s.cfg, s.shards, s.listeners = init.Config, init.Shards, init.Listeners
	if a := s.cfg.Auth; a.FreeLoginFailures > 0 {
		s.logins = loginguard.New(loginguard.Options{
			FreeFailures: a.FreeLoginFailures,
			Delay:        time.Duration(a.LoginDelay),
			MaxDelay:     time.Duration(a.MaxLoginDelay),
		})
	}
	s.ctl.Reply(req, nil, nil)
	if err := s.openStorage(); err != nil {
		return err
	}
	return s.startServing()
}

// startServing starts the periodic tasks of a serving shard.
func (s *Shard) startServing() error {
	return s.reg.Every("heartbeat", time.Second, func(context.Context) error {
		return s.ctl.Notify(ipc.TypeHeartbeat, ipc.Heartbeat{V: 1, Conns: s.connCount(), Fenced: s.fenced()}, nil)
	}, nil)
}

// handleControl handles frames from the supervisor, in arrival order (Init
// and Shutdown are taken by childproc).
func (s *Shard) handleControl(p *ipc.Peer, f *ipc.Frame) {
	switch f.Type {
	case ipc.TypeChannel:
		s.takeChannel(f)
	case control.TypeEntry:
		s.takeEntry(p, f)
	case control.TypeShardStats:
		p.Reply(f, s.shardStats(), nil)
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
	ack.BytesWritten, ack.SegmentsSynced = int64(s.written.Load()), srep.Segments
	s.log.WithFields(logrus.Fields{"partitions": srep.Partitions, "clean": srep.Clean, "segments": srep.Segments, logging.Took: time.Since(t0)}).Info("storage flushed, synced and closed")
	ack.TookNS = int64(time.Since(start))
	s.log.WithFields(logrus.Fields{
		logging.Took: time.Duration(ack.TookNS), "tasks_drained": ack.TasksDrained, "timed_out": len(ack.TimedOut),
		"failed": len(ack.Failed), "conns": conns, "bytes_written": ack.BytesWritten, "segments_synced": ack.SegmentsSynced,
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

// fenced describes the partitions this shard refused for corruption.
func (s *Shard) fenced() []string {
	if s.engine == nil {
		return nil
	}
	var out []string
	for k, ce := range s.engine.Fenced() {
		out = append(out, fmt.Sprintf("shard %d partition %s: %s at byte %d: %s", s.id, k, ce.Path, ce.Offset, ce.Reason))
	}
	sort.Strings(out)
	return out
}
