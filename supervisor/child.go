// SPDX-License-Identifier: Apache-2.0

package supervisor

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/sirupsen/logrus"

	"riffle/internal/control"
	"riffle/internal/logging"
	"riffle/internal/sdnotify"
	"riffle/ipc"
)

const (
	helloTimeout = 10 * time.Second
	readyTimeout = 120 * time.Second // a shard recovers its partitions before Ready
)

// child is one front or shard process.
type child struct {
	role string
	id   int // shard id; -1 for the front
	cpu  int // the CPU a shard is pinned to; -1 for the front
	log  *logrus.Entry

	cmd     *exec.Cmd
	pid     int
	version string   // from Hello
	fenced  []string // from heartbeats: partitions refused for corruption
	peer    *ipc.Peer
	started time.Time

	hello chan ipc.Hello
	ready chan ipc.Ready

	exited  chan struct{} // closed when the process has been reaped
	exitErr error         // valid after exited

	expected atomic.Bool  // its exit is part of a managed stop or restart
	replica  atomic.Bool  // a shard that took a metadata snapshot: broadcasts reach it
	conns    atomic.Int64 // from heartbeats
	lastBeat atomic.Int64 // unix ns of the last heartbeat
}

func (c *child) name() string {
	if c.role == ipc.RoleShard {
		return "shard " + strconv.Itoa(c.id)
	}
	return c.role
}

// alive reports whether the process has not been reaped yet.
func (c *child) alive() bool {
	select {
	case <-c.exited:
		return false
	default:
		return true
	}
}

// kill sends SIGKILL to the child.
func (c *child) kill() {
	if c.alive() && c.cmd.Process != nil {
		c.cmd.Process.Kill()
	}
}

// spawn starts a child process from its slot's spawner thread: a shard's
// has its CPU as mask, so the shard is pinned from birth; the front's has the
// supervisor's own mask. extra files follow the
// supervisor channel (descriptor 3) in the child; the caller keeps its copies.
func (s *Supervisor) spawn(role string, id, cpu int, extra []*os.File) (*child, error) {
	c := &child{role: role, id: id, cpu: cpu, hello: make(chan ipc.Hello, 1), ready: make(chan ipc.Ready, 1), exited: make(chan struct{})}
	args := []string{role}
	mask := s.cpus
	if role == ipc.RoleShard {
		args = append(args, "--id", strconv.Itoa(id))
		mask = []int{cpu}
	}
	ctlParent, ctlChild, err := ipc.Pair(c.nameForFD())
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(s.opts.Binary, args...)
	cmd.Env = s.childEnv(role)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	cmd.ExtraFiles = append([]*os.File{ctlChild}, extra...)
	// Own process group: a terminal's Ctrl-C reaches only the supervisor, which
	// drives the ordered stop. Pdeathsig: the child dies with the supervisor.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
	c.cmd = cmd

	err = s.spawnerFor(role, id, mask).start(cmd)
	ctlChild.Close()
	if err != nil {
		ctlParent.Close()
		return nil, fmt.Errorf("start %s: %w", c.name(), err)
	}
	go func() {
		c.exitErr = waitExit(cmd)
		close(c.exited)
	}()
	c.pid = cmd.Process.Pid
	c.started = time.Now()
	c.log = s.log.WithFields(logrus.Fields{"child": c.name(), "child_pid": c.pid})
	conn, err := ipc.FileConn(ctlParent)
	if err != nil {
		c.kill()
		return nil, err
	}
	c.peer = ipc.NewPeer(conn, s.handleChild(c))
	go c.peer.Run()
	go s.watch(c)
	return c, nil
}

func (c *child) nameForFD() string { return strings.ReplaceAll(c.name(), " ", "-") }

// childEnv is the supervisor's environment without what belongs to it alone
// (systemd notification, watchdog and socket activation: sdnotify.ChildEnv),
// plus per-role knobs.
func (s *Supervisor) childEnv(role string) []string {
	var env []string
	for _, kv := range sdnotify.ChildEnv(s.opts.Environ) {
		if !strings.HasPrefix(kv, "GOMAXPROCS=") { // set per role below
			env = append(env, kv)
		}
	}
	switch {
	case role == ipc.RoleShard && s.cfg.Server.GoMaxProcs > 0:
		env = append(env, "GOMAXPROCS="+strconv.Itoa(s.cfg.Server.GoMaxProcs))
	case role == ipc.RoleFront:
		// The front only accepts and hands descriptors on: one P is plenty,
		// and it then never competes with the pinned shards for a second.
		env = append(env, "GOMAXPROCS=1")
	}
	env = append(env, "RIFFLE_LOG_LEVEL="+s.cfg.Log.Level, "RIFFLE_LOG_FORMAT="+s.cfg.Log.Format)
	return env
}

// handleChild handles frames a child sends on its supervisor channel.
func (s *Supervisor) handleChild(c *child) ipc.Handler {
	return func(p *ipc.Peer, f *ipc.Frame) {
		switch f.Type {
		case ipc.TypeHello:
			var h ipc.Hello
			if err := f.Decode(&h); err == nil {
				select {
				case c.hello <- h:
				default:
				}
			}
		case ipc.TypeReady:
			var r ipc.Ready
			if err := f.Decode(&r); err == nil {
				select {
				case c.ready <- r:
				default:
				}
			}
		case ipc.TypeHeartbeat:
			var hb ipc.Heartbeat
			if err := f.Decode(&hb); err == nil {
				c.conns.Store(int64(hb.Conns))
				c.lastBeat.Store(time.Now().UnixNano())
				s.mu.Lock()
				c.fenced = hb.Fenced // read by ctl status under mu
				s.mu.Unlock()
			}
		default:
			s.handleChildRequest(c, p, f)
		}
	}
}

// handleChildRequest answers requests that are not part of the lifecycle.
// Metadata and stats requests wait for locks and other shards, so they run on
// their own goroutines; client events are cheap and keep their order.
func (s *Supervisor) handleChildRequest(c *child, p *ipc.Peer, f *ipc.Frame) {
	f.CloseFiles()
	switch f.Type {
	case control.TypeMetadata:
		go s.serveMetadata(p, f)
	case control.TypeClient:
		s.clientEvent(f)
	case control.TypeClients:
		go s.serveClients(p, f)
	case control.TypeStats:
		go s.serveStats(p, f)
	default:
		if f.ID != 0 {
			p.ReplyError(f, fmt.Errorf("unknown request %q", f.Type))
		}
	}
}

// handshake waits for Hello (checking role, id and, for a shard, that every
// thread is pinned to its CPU), sends Init and waits for Ready.
func (s *Supervisor) handshake(c *child, init any) error {
	return s.handshakeWith(c, func() error {
		ctx, cancel := context.WithTimeout(context.Background(), readyTimeout)
		defer cancel()
		_, err := c.peer.Call(ctx, ipc.TypeInit, init, nil)
		return err
	})
}

// handshakeWith is handshake with a custom way of sending Init.
func (s *Supervisor) handshakeWith(c *child, sendInit func() error) error {
	var h ipc.Hello
	select {
	case h = <-c.hello:
	case <-c.exited:
		return fmt.Errorf("%s exited before hello: %v", c.name(), c.exitErr)
	case <-time.After(helloTimeout):
		c.kill()
		return fmt.Errorf("%s sent no hello within %v", c.name(), helloTimeout)
	}
	if h.Role != c.role || (c.role == ipc.RoleShard && h.Shard != c.id) || h.PID != c.pid {
		c.kill()
		return fmt.Errorf("%s introduced itself as %s %d (pid %d)", c.name(), h.Role, h.Shard, h.PID)
	}
	s.mu.Lock()
	c.version = h.Version // read by ctl status under mu
	s.mu.Unlock()
	if c.role == ipc.RoleShard && !slices.Equal(h.CPUs, []int{c.cpu}) {
		c.kill()
		return fmt.Errorf("%s refused: not pinned as asked: want CPU [%d], measured %v", c.name(), c.cpu, h.CPUs)
	}
	ctx, cancel := context.WithTimeout(context.Background(), readyTimeout)
	defer cancel()
	if err := sendInit(); err != nil {
		c.kill()
		return fmt.Errorf("init %s: %w", c.name(), err)
	}
	select {
	case r := <-c.ready:
		c.log.WithFields(logrus.Fields{logging.Took: time.Duration(r.Took), "cpus": h.CPUs}).Info("child ready")
		c.lastBeat.Store(time.Now().UnixNano())
		return nil
	case <-c.exited:
		return fmt.Errorf("%s exited before ready: %v", c.name(), c.exitErr)
	case <-ctx.Done():
		c.kill()
		return fmt.Errorf("%s not ready within %v", c.name(), readyTimeout)
	}
}

// stopChild asks a child to stop gracefully before deadline, waits for it to
// exit, and kills it if it is late. It returns the child's report, if any.
func (s *Supervisor) stopChild(c *child, deadline time.Time, reason string) (*ipc.ShutdownAck, error) {
	c.expected.Store(true)
	if !c.alive() {
		return nil, fmt.Errorf("%s already exited: %v", c.name(), c.exitErr)
	}
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	var ack *ipc.ShutdownAck
	r, err := c.peer.Call(ctx, ipc.TypeShutdown, ipc.Shutdown{V: 1, DeadlineUnix: deadline.UnixNano(), Reason: reason}, nil)
	if err == nil {
		ack = &ipc.ShutdownAck{}
		if derr := r.Decode(ack); derr != nil {
			ack = nil
		}
	}
	grace := time.Until(deadline) + time.Second // the ack comes just before exit
	select {
	case <-c.exited:
	case <-time.After(grace):
		c.log.Error("child missed the shutdown deadline; killing it")
		c.kill()
		<-c.exited
		return ack, fmt.Errorf("%s killed after missing the deadline", c.name())
	}
	if err != nil && !errors.Is(err, ipc.ErrPeerClosed) {
		return ack, err
	}
	if c.exitErr != nil {
		return ack, fmt.Errorf("%s exited with %v", c.name(), c.exitErr)
	}
	return ack, nil
}

// spawnerFor returns the spawner of a child slot, starting it on first use.
func (s *Supervisor) spawnerFor(role string, id int, mask []int) *spawner {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := role + strconv.Itoa(id)
	if s.spawners == nil {
		s.spawners = make(map[string]*spawner)
	}
	sp := s.spawners[key]
	if sp == nil {
		sp = newSpawner(mask)
		s.spawners[key] = sp
	}
	return sp
}
