// SPDX-License-Identifier: Apache-2.0

package supervisor

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/sirupsen/logrus"

	"riffle/internal/control"
	"riffle/internal/logging"
	"riffle/internal/sdnotify"
	"riffle/ipc"
)

// startShard starts a new incarnation of slot's shard and waits for Ready.
// Caller holds opMu.
func (s *Supervisor) startShard(slot *shardSlot) error {
	c, err := s.spawn(ipc.RoleShard, slot.id, slot.cpu, nil)
	if err != nil {
		return err
	}
	s.mu.Lock()
	slot.cur = c
	s.mu.Unlock()
	init := s.shardInit(slot)
	if err := s.handshakeWith(c, func() error { return s.sendShardInit(c, init) }); err != nil {
		<-c.exited
		return err
	}
	s.mu.Lock()
	slot.state = ipc.StateReady
	s.mu.Unlock()
	return nil
}

// linkShards gives shards a and b a channel to each other.
func (s *Supervisor) linkShards(a, b *child) error {
	ea, eb, err := ipc.Pair(fmt.Sprintf("shard-%d-%d", a.id, b.id))
	if err != nil {
		return err
	}
	if err := a.peer.Notify(ipc.TypeChannel, ipc.Channel{V: 1, Kind: ipc.ChannelShard, Peer: b.id}, nil, ea); err != nil {
		eb.Close()
		return fmt.Errorf("send channel to %s: %w", a.name(), err)
	}
	if err := b.peer.Notify(ipc.TypeChannel, ipc.Channel{V: 1, Kind: ipc.ChannelShard, Peer: a.id}, nil, eb); err != nil {
		return fmt.Errorf("send channel to %s: %w", b.name(), err)
	}
	return nil
}

// linkFront gives the front and shard c a channel, and tells the front the
// shard's state.
func (s *Supervisor) linkFront(front, c *child, state string) error {
	ef, es, err := ipc.Pair(fmt.Sprintf("front-shard-%d", c.id))
	if err != nil {
		return err
	}
	if err := c.peer.Notify(ipc.TypeChannel, ipc.Channel{V: 1, Kind: ipc.ChannelFront}, nil, es); err != nil {
		ef.Close()
		return fmt.Errorf("send front channel to %s: %w", c.name(), err)
	}
	if err := front.peer.Notify(ipc.TypeChannel, ipc.Channel{V: 1, Kind: ipc.ChannelShard, Peer: c.id}, nil, ef); err != nil {
		return fmt.Errorf("send channel to front: %w", err)
	}
	return s.tellFront(c.id, state)
}

// tellFront sends a shard's state to the current front, if one runs.
func (s *Supervisor) tellFront(shard int, state string) error {
	if s.front == nil || s.front.cur == nil || !s.front.cur.alive() {
		return nil
	}
	return s.front.cur.peer.Notify(ipc.TypeShardState, ipc.ShardState{V: 1, Shard: shard, State: state}, nil)
}

// startFront starts a new front with the listeners and a channel to every
// live shard, and waits for Ready. Caller holds opMu.
func (s *Supervisor) startFront() error {
	var files []*os.File
	var ls []control.Listener
	for i, l := range s.listeners {
		files = append(files, l.file)
		ls = append(ls, control.Listener{Name: l.name, FD: ipc.InheritedFD + 1 + i, Addr: l.addr})
	}
	c, err := s.spawn(ipc.RoleFront, -1, -1, files)
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.front.cur = c
	s.mu.Unlock()
	// Channels and states first: the front handles frames in order, so it
	// knows its shards before Init makes it accept.
	for _, slot := range s.shards {
		if slot.cur == nil || !slot.cur.alive() {
			continue
		}
		state := ipc.ShardReady
		if slot.state != ipc.StateReady {
			state = ipc.ShardDraining
		}
		if err := s.linkFront(c, slot.cur, state); err != nil {
			c.kill()
			return err
		}
	}
	init := control.FrontInit{V: 1, Shards: s.nshards, Config: s.cfg, Listeners: ls}
	if err := s.handshake(c, init); err != nil {
		<-c.exited
		return err
	}
	s.mu.Lock()
	s.front.state = ipc.StateReady
	s.mu.Unlock()
	return nil
}

// watch waits for c to exit and, if nobody asked it to, restarts it.
func (s *Supervisor) watch(c *child) {
	<-c.exited
	c.peer.Close()
	if c.expected.Load() {
		return
	}
	select {
	case <-s.stopCh:
		return // the stop sequence reaps it
	default:
	}
	c.log.WithError(c.exitErr).Warn("child exited unexpectedly")
	if c.role == ipc.RoleShard {
		s.onShardCrash(c)
	} else {
		s.onFrontCrash(c)
	}
}

// crashLoop records a crash at now and reports whether the crashes within
// the window reached the configured count.
func (s *Supervisor) crashLoop(crashes *[]time.Time, now time.Time) bool {
	window := time.Duration(s.cfg.Supervisor.CrashLoopWindow)
	kept := (*crashes)[:0]
	for _, t := range *crashes {
		if now.Sub(t) < window {
			kept = append(kept, t)
		}
	}
	*crashes = append(kept, now)
	return len(*crashes) >= s.cfg.Supervisor.CrashLoopCount
}

func (s *Supervisor) backoff(n int) time.Duration {
	d := time.Duration(s.cfg.Supervisor.RestartBackoff)
	for i := 1; i < n && d < 5*time.Second; i++ {
		d *= 2
	}
	return d
}

func (s *Supervisor) onShardCrash(c *child) {
	slot := s.shards[c.id]
	s.mu.Lock()
	if slot.cur != c {
		s.mu.Unlock()
		return
	}
	slot.lastErr = fmt.Sprint(c.exitErr)
	loop := s.crashLoop(&slot.crashes, time.Now())
	n := len(slot.crashes)
	if loop {
		slot.state = ipc.StateFailed
	} else {
		slot.state = ipc.StateRestarting
	}
	s.mu.Unlock()
	s.tellFront(c.id, ipc.ShardDown)
	s.notifyStatus()
	go s.shardGone(c.id)
	if loop {
		c.log.WithFields(logrus.Fields{"crashes": n, "window": time.Duration(s.cfg.Supervisor.CrashLoopWindow).String()}).
			Error("shard is crash-looping; giving up on it while the rest keeps serving")
		return
	}
	delay := s.backoff(n)
	c.log.WithField("backoff", delay.String()).Warn("restarting crashed shard")
	time.AfterFunc(delay, func() {
		s.opMu.Lock()
		defer s.opMu.Unlock()
		if s.stopping() || slot.cur != c {
			return
		}
		if err := s.respawnShard(slot); err != nil {
			s.log.WithError(err).WithField(logging.Shard, slot.id).Error("restart crashed shard")
			go s.onShardCrash(slot.cur)
			return
		}
		s.notifyStatus()
	})
}

func (s *Supervisor) onFrontCrash(c *child) {
	s.mu.Lock()
	if s.front.cur != c {
		s.mu.Unlock()
		return
	}
	loop := s.crashLoop(&s.front.crashes, time.Now())
	n := len(s.front.crashes)
	s.front.state = ipc.StateRestarting
	s.mu.Unlock()
	delay := s.backoff(n)
	if loop {
		delay = 5 * time.Second // without a front nothing is served: keep trying, slowly
	}
	c.log.WithField("backoff", delay.String()).Warn("restarting crashed front")
	time.AfterFunc(delay, func() {
		s.opMu.Lock()
		defer s.opMu.Unlock()
		if s.stopping() || s.front.cur != c {
			return
		}
		s.front.restarts++
		if err := s.startFront(); err != nil {
			s.log.WithError(err).Error("restart crashed front")
			go s.onFrontCrash(s.front.cur)
		}
	})
}

func (s *Supervisor) stopping() bool {
	select {
	case <-s.stopCh:
		return true
	default:
		return false
	}
}

// respawnShard starts a new incarnation of a shard whose previous one has
// exited, and re-makes its channels. Caller holds opMu.
func (s *Supervisor) respawnShard(slot *shardSlot) error {
	s.mu.Lock()
	slot.restarts++
	s.mu.Unlock()
	if err := s.startShard(slot); err != nil {
		return err
	}
	for _, other := range s.shards {
		if other == slot || other.cur == nil || !other.cur.alive() {
			continue
		}
		if err := s.linkShards(slot.cur, other.cur); err != nil {
			return err
		}
	}
	if s.front != nil && s.front.cur != nil && s.front.cur.alive() {
		return s.linkFront(s.front.cur, slot.cur, ipc.ShardReady)
	}
	return nil
}

// errStopping refuses lifecycle operations once the stop has begun.
var errStopping = errors.New("server is stopping")

// restartShard drains shard id, stops it gracefully and starts a new one on
// the same CPU. Caller holds opMu.
func (s *Supervisor) restartShard(id int) (ipc.ShardRestartResult, error) {
	if s.stopping() {
		return ipc.ShardRestartResult{}, errStopping
	}
	if id < 0 || id >= len(s.shards) {
		return ipc.ShardRestartResult{}, fmt.Errorf("no shard %d (shards 0..%d)", id, len(s.shards)-1)
	}
	start := time.Now()
	slot := s.shards[id]
	old := slot.cur
	res := ipc.ShardRestartResult{V: 1, Shard: id, CPU: slot.cpu}
	s.mu.Lock()
	slot.state = ipc.StateDraining
	s.mu.Unlock()
	s.tellFront(id, ipc.ShardDraining)
	if old != nil {
		res.OldPID = old.pid
		if old.alive() {
			ack, err := s.stopChild(old, time.Now().Add(time.Duration(s.cfg.Shutdown.Deadline)), "shard restart")
			s.logAck(old, ack, err)
		}
		s.shardGone(id) // its connections are gone, and their memberships
	}
	s.mu.Lock()
	slot.crashes = nil // an operator restart starts a fresh crash record
	s.mu.Unlock()
	if err := s.respawnShard(slot); err != nil {
		s.mu.Lock()
		slot.state, slot.lastErr = ipc.StateFailed, err.Error()
		s.mu.Unlock()
		return res, err
	}
	res.NewPID = slot.cur.pid
	res.TookNS = int64(time.Since(start))
	s.log.WithFields(logrus.Fields{logging.Shard: id, "old_pid": res.OldPID, "new_pid": res.NewPID, logging.Took: time.Since(start)}).Info("shard restarted")
	s.notifyStatus()
	return res, nil
}

// restartFront replaces the front; the supervisor's listeners keep queueing
// connection attempts meanwhile. Caller holds opMu.
func (s *Supervisor) restartFront() (old, new int, err error) {
	if c := s.front.cur; c != nil {
		old = c.pid
		if c.alive() {
			ack, err := s.stopChild(c, time.Now().Add(time.Duration(s.cfg.Shutdown.Deadline)), "front restart")
			s.logAck(c, ack, err)
		}
	}
	s.front.restarts++
	if err := s.startFront(); err != nil {
		return old, 0, err
	}
	return old, s.front.cur.pid, nil
}

// reload restarts every shard and then the front, one at a time, with the
// binary and configuration now on disk. Caller holds opMu.
func (s *Supervisor) reload() (ipc.ReloadResult, error) {
	start := time.Now()
	res := ipc.ReloadResult{V: 1}
	if s.opts.Reload != nil {
		cfg, err := s.opts.Reload()
		if err != nil {
			return res, fmt.Errorf("reload config: %w", err)
		}
		s.cfg = cfg // listeners, data dir and shard count keep their values until a full restart
	}
	s.log.Info("rolling reload started")
	sdnotify.Reloading()
	defer func() { sdnotify.Ready(s.statusLine()) }()
	for id := range s.shards {
		r, err := s.restartShard(id)
		res.Shards = append(res.Shards, r)
		if err != nil {
			return res, err
		}
	}
	var err error
	if res.FrontOld, res.FrontNew, err = s.restartFront(); err != nil {
		return res, err
	}
	res.TookNS = int64(time.Since(start))
	s.log.WithField(logging.Took, time.Since(start)).Info("rolling reload complete")
	return res, nil
}
