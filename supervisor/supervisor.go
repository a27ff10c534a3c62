// SPDX-License-Identifier: Apache-2.0

package supervisor

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/oklog/run"
	"github.com/sirupsen/logrus"

	"riffle/internal/affinity"
	"riffle/internal/config"
	"riffle/internal/control"
	"riffle/internal/logging"
	"riffle/internal/sdnotify"
	"riffle/internal/threads"
	"riffle/internal/version"
	"riffle/ipc"
)

// Options configure Run.
type Options struct {
	Config  config.Config
	Binary  string // riffled's path, resolved at start and executed for every child
	Log     *logrus.Entry
	Environ []string
	// Activated holds listening sockets received from systemd, by name ("tcp").
	Activated map[string][]*os.File
	// Reload re-reads the configuration from disk for a rolling reload; nil
	// keeps the current one.
	Reload func() (config.Config, error)
	// ForceExit ends the process at once on a second stop signal.
	ForceExit func()
}

// Supervisor is the running supervisor.
type Supervisor struct {
	opts Options
	cfg  config.Config
	log  *logrus.Entry

	cpus       []int // the supervisor's own affinity mask at start
	nshards    int
	dataDir    string
	runtimeDir string
	lock       *os.File
	listeners  []*listener
	ctlPath    string
	ctlLn      *net.UnixListener
	started    time.Time

	stopCh   chan struct{}
	stopOnce sync.Once
	readyCh  chan struct{} // closed once started

	opMu   sync.Mutex // serializes lifecycle operations; taken before mu
	mu     sync.Mutex // guards the process table below
	st     string
	shards []*shardSlot
	front  *frontSlot

	md       *authority
	clients  clients
	spawners map[string]*spawner // by child slot; guarded by mu
}

// shardSlot is the supervisor's record of shard id across its incarnations.
type shardSlot struct {
	id       int
	cpu      int
	cur      *child
	state    string
	restarts int
	crashes  []time.Time
	lastErr  string
}

// frontSlot is the record of the front across its incarnations.
type frontSlot struct {
	cur      *child
	state    string
	restarts int
	crashes  []time.Time
}

// reservedThreads is the supervisor's pool of idle threads, started at once
// (see package threads), besides the ones its spawners lock: above the few it
// ever needs together, so its thread count does not drift with scheduling.
const reservedThreads = 8

// Run runs the supervisor until a stop signal and the ordered stop, and
// returns nil after a clean stop.
func Run(opts Options) error {
	threads.Reserve(reservedThreads)
	cpus, err := affinity.Current()
	if err != nil {
		return err
	}
	s := &Supervisor{opts: opts, cfg: opts.Config, log: opts.Log, cpus: cpus, stopCh: make(chan struct{}), readyCh: make(chan struct{}), st: ipc.StateStarting}
	s.nshards = s.cfg.ShardCount()
	if s.nshards < 1 {
		return fmt.Errorf("server.shards %q: want auto or a positive count", s.cfg.Server.Shards)
	}
	s.dataDir, err = filepath.Abs(s.cfg.Server.DataDir)
	if err != nil {
		return err
	}
	s.runtimeDir, err = filepath.Abs(s.cfg.RuntimeDir(opts.Environ))
	if err != nil {
		return err
	}

	var g run.Group
	{ // signals: the first starts the ordered stop, a second forces an exit
		sig := make(chan os.Signal, 2)
		signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
		done := make(chan struct{})
		g.Add(func() error {
			select {
			case v := <-sig:
				s.log.WithField("signal", v.String()).Info("stop signal received")
				go s.forceOnSecond(sig, time.Now())
				return nil
			case <-done:
				return nil
			}
		}, func(error) { close(done) })
	}
	{ // the main loop: start, serve, ordered stop
		g.Add(s.main, func(error) { s.requestStop() })
	}
	{ // consumer-group revocations that waited too long
		done := make(chan struct{})
		g.Add(func() error {
			select {
			case <-s.readyCh:
				s.expireRevocations(done)
			case <-done:
			}
			return nil
		}, func(error) { close(done) })
	}
	if interval, ok := sdnotify.WatchdogInterval(); ok { // systemd's watchdog
		done := make(chan struct{})
		g.Add(func() error { s.watchdog(interval, done); return nil }, func(error) { close(done) })
	}
	return g.Run()
}

// duplicateSignalWindow is how soon after the first stop signal another one
// counts as the same request. One stop often arrives twice within
// microseconds: sent to the whole process group and passed on by a parent
// such as make, or by a supervisor and a terminal together. A person asking
// again is much slower than this.
const duplicateSignalWindow = 200 * time.Millisecond

// forceOnSecond waits for a second stop signal, first received at first,
// and then ends every child and the process at once.
func (s *Supervisor) forceOnSecond(sig chan os.Signal, first time.Time) {
	v := <-sig
	for time.Since(first) < duplicateSignalWindow {
		s.log.WithField("signal", v.String()).Info("stop signal repeated at once; taken as the same request")
		v = <-sig
	}
	s.log.WithField("signal", v.String()).Error("second stop signal; forcing exit")
	s.killAll()
	if s.opts.ForceExit != nil {
		s.opts.ForceExit()
	}
}

func (s *Supervisor) requestStop() { s.stopOnce.Do(func() { close(s.stopCh) }) }

func (s *Supervisor) main() error {
	s.started = time.Now()
	if err := s.startAll(); err != nil {
		s.log.WithError(err).Error("start failed")
		s.killAll()
		s.closeMetadata()
		s.cleanup()
		return err
	}
	close(s.readyCh)
	<-s.stopCh
	return s.stopAll()
}

// startAll runs the start sequence of the package doc.
func (s *Supervisor) startAll() error {
	s.opMu.Lock()
	defer s.opMu.Unlock()
	if err := s.lockDataDir(); err != nil {
		return err
	}
	if err := os.MkdirAll(s.runtimeDir, 0o700); err != nil {
		return fmt.Errorf("create runtime dir %s: %w", s.runtimeDir, err)
	}
	if err := s.openMetadata(); err != nil {
		return err
	}
	if err := s.bindListeners(); err != nil {
		return err
	}
	if err := s.serveCtl(); err != nil {
		return err
	}
	s.log.WithFields(logrus.Fields{"shards": s.nshards, "cpus": s.cpus, "data_dir": s.dataDir, "runtime_dir": s.runtimeDir, "version": version.Version}).Info("starting")

	s.shards = make([]*shardSlot, s.nshards)
	for i := range s.shards {
		s.shards[i] = &shardSlot{id: i, cpu: s.cpus[i%len(s.cpus)], state: ipc.StateStarting}
	}
	// Shards recover in parallel; each is pinned from birth.
	errs := make(chan error, s.nshards)
	for _, slot := range s.shards {
		go func() { errs <- s.startShard(slot) }()
	}
	var first error
	for range s.shards {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	if first != nil {
		return first
	}
	for i := range s.shards {
		for j := i + 1; j < len(s.shards); j++ {
			if err := s.linkShards(s.shards[i].cur, s.shards[j].cur); err != nil {
				return err
			}
		}
	}
	s.front = &frontSlot{state: ipc.StateStarting}
	if err := s.startFront(); err != nil {
		return err
	}
	if err := s.writePorts(); err != nil {
		return err
	}
	s.setState(ipc.StateReady)
	s.log.WithFields(logrus.Fields{logging.Took: time.Since(s.started), "listeners": s.listenerAddrs()}).Info("riffled ready")
	if err := sdnotify.Ready(s.statusLine()); err != nil {
		s.log.WithError(err).Warn("sd_notify ready")
	}
	return nil
}

func (s *Supervisor) listenerAddrs() map[string]string {
	m := map[string]string{}
	for _, l := range s.listeners {
		m[l.name] = l.addr
	}
	return m
}

func (s *Supervisor) setState(st string) {
	s.mu.Lock()
	s.st = st
	s.mu.Unlock()
}

func (s *Supervisor) shardInit(slot *shardSlot) control.ShardInit {
	cfg := s.cfg
	cfg.Server.DataDir = s.dataDir
	return control.ShardInit{V: 1, Shard: slot.id, Shards: s.nshards, CPU: slot.cpu, Config: cfg, Listeners: s.listenerAddrs()}
}

// stopAll runs the ordered stop of the package doc.
func (s *Supervisor) stopAll() error {
	s.opMu.Lock()
	defer s.opMu.Unlock()
	start := time.Now()
	sdnotify.Stopping()
	s.setState(ipc.StateStopped)
	deadline := start.Add(time.Duration(s.cfg.Shutdown.Deadline))
	s.log.WithField("deadline", time.Duration(s.cfg.Shutdown.Deadline).String()).Info("shutdown started")
	var failed []error

	t0 := time.Now()
	if f := s.front.cur; f != nil {
		ack, err := s.stopChild(f, deadline, "server stop")
		if err != nil {
			failed = append(failed, err)
		}
		s.logAck(f, ack, err)
	}
	s.log.WithFields(logrus.Fields{logging.Phase: "front", logging.Took: time.Since(t0)}).Info("shutdown phase done: front stopped accepting")

	t0 = time.Now()
	var wg sync.WaitGroup
	var mu sync.Mutex
	for _, slot := range s.shards {
		c := slot.cur
		if c == nil || !c.alive() {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			ack, err := s.stopChild(c, deadline, "server stop")
			s.logAck(c, ack, err)
			if err != nil {
				mu.Lock()
				failed = append(failed, err)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	s.log.WithFields(logrus.Fields{logging.Phase: "shards", logging.Took: time.Since(t0)}).Info("shutdown phase done: shards drained")

	t0 = time.Now()
	s.closeMetadata()
	s.log.WithFields(logrus.Fields{logging.Phase: "state", logging.Took: time.Since(t0)}).Info("shutdown phase done: metadata state log synced and closed")

	t0 = time.Now()
	s.cleanup()
	s.log.WithFields(logrus.Fields{logging.Phase: "cleanup", logging.Took: time.Since(t0)}).Info("shutdown phase done: listeners and control socket closed")

	if len(failed) > 0 {
		err := errors.Join(failed...)
		s.log.WithError(err).WithField(logging.Took, time.Since(start)).Error("shutdown complete with errors")
		return err
	}
	s.log.WithField(logging.Took, time.Since(start)).Info("shutdown complete")
	return nil
}

func (s *Supervisor) logAck(c *child, ack *ipc.ShutdownAck, err error) {
	l := c.log
	if err != nil {
		l = l.WithError(err)
	}
	if ack == nil {
		l.Warn("child stopped without a report")
		return
	}
	phases := map[string]string{}
	for _, p := range ack.Phases {
		phases[p.Name] = time.Duration(p.TookNS).String()
	}
	l.WithFields(logrus.Fields{
		logging.Took: time.Duration(ack.TookNS), "tasks_drained": ack.TasksDrained, "timed_out": ack.TimedOut,
		"failed": ack.Failed, "conns": ack.Conns, "bytes_written": ack.BytesWritten, "segments_synced": ack.SegmentsSynced, "phases": phases,
	}).Info("child shutdown report")
}

// cleanup releases what the supervisor holds: listeners, ctl.sock, the lock.
func (s *Supervisor) cleanup() {
	s.closeCtl()
	s.closeListeners()
	os.Remove(filepath.Join(s.runtimeDir, "ports.json"))
	s.unlockDataDir()
}

// killAll SIGKILLs every child still running.
func (s *Supervisor) killAll() {
	s.mu.Lock()
	var cs []*child
	for _, slot := range s.shards {
		if slot != nil && slot.cur != nil {
			cs = append(cs, slot.cur)
		}
	}
	if s.front != nil && s.front.cur != nil {
		cs = append(cs, s.front.cur)
	}
	s.mu.Unlock()
	for _, c := range cs {
		c.expected.Store(true)
		c.kill()
	}
}
