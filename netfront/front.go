// SPDX-License-Identifier: Apache-2.0

package netfront

import (
	"context"
	"fmt"
	"net"
	"os"
	"sync"
	"time"

	"github.com/sirupsen/logrus"

	"riffle/internal/childproc"
	"riffle/internal/control"
	"riffle/internal/logging"
	"riffle/internal/tasks"
	"riffle/internal/threads"
	"riffle/ipc"
)

// Options configure Run.
type Options struct {
	Log *logrus.Entry
}

// shardLink is the front's view of one shard.
type shardLink struct {
	peer  *ipc.Peer
	state string
	conns int
}

// Front is the running front process.
type Front struct {
	log *logrus.Entry
	reg *tasks.Registry
	ctl *ipc.Peer // the supervisor channel

	stopOnce sync.Once
	stopCh   chan struct{} // closed when the graceful stop begins

	mu        sync.Mutex
	cond      *sync.Cond // signalled when a shard becomes ready
	shards    map[int]*shardLink
	listeners []net.Listener
	wait      time.Duration // how long an accepted connection may wait for a ready shard
}

// reservedThreads is the front's pool of idle threads, started at once (see
// package threads): above the few the front ever needs together, so its
// thread count does not drift with scheduling.
const reservedThreads = 8

// Run runs the front until it has stopped; nil after a graceful stop.
func Run(opts Options) error {
	threads.Reserve(reservedThreads)
	proc, err := childproc.New(ipc.RoleFront, -1, opts.Log)
	if err != nil {
		return err
	}
	f := &Front{
		log:    opts.Log,
		reg:    tasks.New(),
		ctl:    proc.Ctl,
		stopCh: make(chan struct{}),
		shards: make(map[int]*shardLink),
		wait:   2 * time.Second,
	}
	f.cond = sync.NewCond(&f.mu)
	var deadline time.Duration
	return proc.Run(childproc.Hooks{
		Init: func(req *ipc.Frame) error {
			var init control.FrontInit
			if err := req.Decode(&init); err != nil {
				f.ctl.ReplyError(req, err)
				return err
			}
			f.wait, deadline = time.Duration(init.Config.Shard.UnavailableWait), time.Duration(init.Config.Shutdown.Deadline)
			if err := f.listen(init.Listeners); err != nil {
				f.ctl.ReplyError(req, err)
				return err
			}
			f.ctl.Reply(req, nil, nil)
			return f.reg.Every("heartbeat", time.Second, func(context.Context) error {
				return f.ctl.Notify(ipc.TypeHeartbeat, ipc.Heartbeat{V: 1}, nil)
			}, nil)
		},
		Handle:   f.handleControl,
		Shutdown: f.shutdown,
		Deadline: func() time.Duration { return deadline },
	})
}

// stop wakes every connection waiting for a ready shard: none will come.
func (f *Front) stop() {
	f.stopOnce.Do(func() {
		close(f.stopCh)
		f.mu.Lock()
		f.cond.Broadcast()
		f.mu.Unlock()
	})
}

// listen adopts the inherited listeners and starts an accept loop on each.
func (f *Front) listen(ls []control.Listener) error {
	for _, l := range ls {
		file := os.NewFile(uintptr(l.FD), l.Name)
		ln, err := net.FileListener(file)
		file.Close()
		if err != nil {
			return fmt.Errorf("adopt %s listener on fd %d: %w", l.Name, l.FD, err)
		}
		f.mu.Lock()
		f.listeners = append(f.listeners, ln)
		f.mu.Unlock()
		transport := l.Name
		if err := f.reg.Go("accept "+l.Name, func(ctx context.Context) error {
			return f.acceptLoop(ctx, ln, transport)
		}); err != nil {
			return err
		}
	}
	return nil
}

func (f *Front) acceptLoop(ctx context.Context, ln net.Listener, transport string) error {
	stop := context.AfterFunc(ctx, func() { ln.Close() })
	defer stop()
	backoff := 5 * time.Millisecond
	for {
		c, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			// EMFILE and friends: wait and retry rather than spin.
			f.log.WithError(err).Warn("accept")
			time.Sleep(backoff)
			if backoff < time.Second {
				backoff *= 2
			}
			continue
		}
		backoff = 5 * time.Millisecond
		f.handoff(c, transport)
	}
}

// handoff passes c to the ready shard with the fewest connections. The front
// keeps no descriptor of c afterwards.
func (f *Front) handoff(c net.Conn, transport string) {
	defer c.Close()
	id, link := f.pickShard()
	if link == nil {
		f.log.WithField(logging.Remote, c.RemoteAddr().String()).Warn("no ready shard; connection closed")
		return
	}
	tc, ok := c.(*net.TCPConn)
	if !ok {
		return
	}
	file, err := tc.File() // a duplicate, sent and closed by WriteFrame
	if err != nil {
		f.log.WithError(err).Warn("dup accepted connection")
		return
	}
	h := ipc.Handoff{V: 1, Transport: transport, Remote: c.RemoteAddr().String(), Local: c.LocalAddr().String()}
	if err := link.peer.Notify(ipc.TypeHandoff, h, nil, file); err != nil {
		f.log.WithError(err).WithField(logging.Shard, id).Warn("hand off connection")
		f.mu.Lock()
		link.conns--
		f.mu.Unlock()
	}
}

// pickShard chooses the ready shard with the fewest connections, waiting up
// to f.wait for one to become ready, and counts the connection against it.
func (f *Front) pickShard() (int, *shardLink) {
	deadline := time.Now().Add(f.wait)
	f.mu.Lock()
	defer f.mu.Unlock()
	for {
		best, bestID := (*shardLink)(nil), -1
		for id, l := range f.shards {
			if l.state != ipc.ShardReady || l.peer == nil {
				continue
			}
			if best == nil || l.conns < best.conns || (l.conns == best.conns && id < bestID) {
				best, bestID = l, id
			}
		}
		if best != nil {
			best.conns++
			return bestID, best
		}
		if time.Now().After(deadline) {
			return -1, nil
		}
		select {
		case <-f.stopCh:
			return -1, nil
		default:
		}
		t := time.AfterFunc(time.Until(deadline), func() { f.mu.Lock(); f.cond.Broadcast(); f.mu.Unlock() })
		f.cond.Wait()
		t.Stop()
	}
}

func (f *Front) link(id int) *shardLink {
	l := f.shards[id]
	if l == nil {
		l = &shardLink{state: ipc.ShardDown}
		f.shards[id] = l
	}
	return l
}

// handleControl handles frames from the supervisor, in arrival order.
func (f *Front) handleControl(p *ipc.Peer, fr *ipc.Frame) {
	switch fr.Type {
	case ipc.TypeChannel:
		f.takeChannel(fr)
	case ipc.TypeShardState:
		var st ipc.ShardState
		if err := fr.Decode(&st); err != nil {
			return
		}
		f.mu.Lock()
		l := f.link(st.Shard)
		l.state = st.State
		if st.State == ipc.ShardReady {
			f.cond.Broadcast()
		}
		f.mu.Unlock()
	default:
		fr.CloseFiles()
		if fr.ID != 0 {
			p.ReplyError(fr, fmt.Errorf("unknown request %q", fr.Type))
		}
	}
}

// takeChannel installs (or replaces) the channel to one shard.
func (f *Front) takeChannel(fr *ipc.Frame) {
	var ch ipc.Channel
	if err := fr.Decode(&ch); err != nil || len(fr.Files) != 1 || ch.Kind != ipc.ChannelShard {
		fr.CloseFiles()
		f.log.WithError(err).Error("bad channel message")
		return
	}
	conn, err := ipc.FileConn(fr.Files[0])
	if err != nil {
		f.log.WithError(err).Error("open shard channel")
		return
	}
	id := ch.Peer
	var peer *ipc.Peer
	peer = ipc.NewPeer(conn, func(_ *ipc.Peer, m *ipc.Frame) {
		m.CloseFiles()
		if m.Type == ipc.TypeConnAdopted {
			f.mu.Lock()
			if l := f.shards[id]; l != nil && l.peer == peer {
				l.conns++
			}
			f.mu.Unlock()
			return
		}
		if m.Type != ipc.TypeConnClosed {
			return
		}
		var cc ipc.ConnClosed
		if m.Decode(&cc) == nil {
			f.mu.Lock()
			if l := f.shards[id]; l != nil && l.peer == peer && l.conns > 0 {
				l.conns--
			}
			f.mu.Unlock()
		}
	})
	f.mu.Lock()
	l := f.link(id)
	old := l.peer
	l.peer, l.conns = peer, 0
	f.mu.Unlock()
	if old != nil {
		old.Close()
	}
	err = f.reg.Go(fmt.Sprintf("shard-%d-channel", id), func(ctx context.Context) error {
		stop := context.AfterFunc(ctx, func() { peer.Close() })
		defer stop()
		peer.Run()
		f.mu.Lock()
		if l := f.shards[id]; l != nil && l.peer == peer {
			l.peer, l.state = nil, ipc.ShardDown
		}
		f.mu.Unlock()
		return nil
	})
	if err != nil {
		peer.Close()
	}
}

// shutdown stops accepting and drains the registry.
func (f *Front) shutdown(deadline time.Time) ipc.ShutdownAck {
	f.stop()
	start := time.Now()
	f.log.Info("shutdown started")
	rep := f.reg.Shutdown(deadline)
	ack := ipc.ShutdownAck{V: 1, TasksDrained: rep.Drained, TimedOut: rep.TimedOut, Failed: rep.Failed}
	for _, ph := range rep.Phases {
		ack.Phases = append(ack.Phases, ipc.Phase{Name: ph.Name, TookNS: int64(ph.Took)})
	}
	ack.TookNS = int64(time.Since(start))
	f.log.WithFields(logrus.Fields{logging.Took: time.Duration(ack.TookNS), "tasks_drained": ack.TasksDrained}).Info("shutdown report")
	return ack
}
