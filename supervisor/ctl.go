// SPDX-License-Identifier: Apache-2.0

package supervisor

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"

	"riffle/internal/version"
	"riffle/ipc"
)

// serveCtl listens on <runtime dir>/ctl.sock (mode 0600) for `riffle` admin
// requests. A stale socket left by a killed supervisor is replaced: holding
// the data-dir lock proves nobody else serves it.
func (s *Supervisor) serveCtl() error {
	s.ctlPath = filepath.Join(s.runtimeDir, "ctl.sock")
	os.Remove(s.ctlPath)
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: s.ctlPath, Net: "unix"})
	if err != nil {
		return fmt.Errorf("listen %s: %w", s.ctlPath, err)
	}
	if err := os.Chmod(s.ctlPath, 0o600); err != nil {
		ln.Close()
		return fmt.Errorf("chmod %s: %w", s.ctlPath, err)
	}
	ln.SetUnlinkOnClose(true)
	s.mu.Lock()
	s.ctlLn = ln
	s.mu.Unlock()
	go func() {
		for {
			uc, err := ln.AcceptUnix()
			if err != nil {
				return
			}
			p := ipc.NewPeer(ipc.NewConn(uc), s.handleCtl)
			go func() { p.Run(); p.Close() }()
		}
	}()
	return nil
}

func (s *Supervisor) closeCtl() {
	s.mu.Lock()
	ln := s.ctlLn
	s.ctlLn = nil
	s.mu.Unlock()
	if ln != nil {
		ln.Close()
	}
}

// handleCtl serves one ctl.sock request. Lifecycle operations run on their own
// goroutine: they wait for opMu and may take seconds.
func (s *Supervisor) handleCtl(p *ipc.Peer, f *ipc.Frame) {
	f.CloseFiles()
	switch f.Type {
	case ipc.TypeStatus:
		p.Reply(f, s.status(), nil)
	case ipc.TypeShardList:
		p.Reply(f, ipc.ShardList{V: 1, Shards: s.shardInfos()}, nil)
	case ipc.TypeShardRestart:
		var req ipc.ShardRestart
		if err := f.Decode(&req); err != nil {
			p.ReplyError(f, err)
			return
		}
		go func() {
			s.opMu.Lock()
			res, err := s.restartShard(req.Shard)
			s.opMu.Unlock()
			if err != nil {
				p.ReplyError(f, err)
				return
			}
			p.Reply(f, res, nil)
		}()
	case ipc.TypeReload:
		go func() {
			s.opMu.Lock()
			res, err := s.reload()
			s.opMu.Unlock()
			if err != nil {
				p.ReplyError(f, err)
				return
			}
			res.Version = s.childVersion()
			p.Reply(f, res, nil)
		}()
	default:
		if f.ID != 0 {
			p.ReplyError(f, errors.New("unknown request "+f.Type))
		}
	}
}

func (s *Supervisor) shardInfos() []ipc.ShardInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]ipc.ShardInfo, 0, len(s.shards))
	for _, slot := range s.shards {
		info := ipc.ShardInfo{ID: slot.id, CPU: slot.cpu, State: slot.state, Restarts: slot.restarts, LastError: slot.lastErr}
		if c := slot.cur; c != nil {
			info.PID, info.StartedAt, info.Conns, info.Version = c.pid, c.started.UnixNano(), int(c.conns.Load()), c.version
			if !c.alive() && slot.state == ipc.StateReady {
				info.State = ipc.StateRestarting
			}
		}
		out = append(out, info)
	}
	return out
}

func (s *Supervisor) status() ipc.Status {
	st := ipc.Status{
		V: 1, PID: os.Getpid(), Version: version.Version, StartedAt: s.started.UnixNano(),
		DataDir: s.dataDir, Listeners: s.listenerAddrs(), Shards: s.shardInfos(),
		Durability: s.cfg.Storage.Durability, IO: s.cfg.Storage.IO,
	}
	s.mu.Lock()
	st.State = s.st
	for _, slot := range s.shards {
		if slot.cur != nil {
			st.Fenced = append(st.Fenced, slot.cur.fenced...)
		}
	}
	if s.front != nil && s.front.cur != nil {
		st.FrontPID, st.FrontVersion = s.front.cur.pid, s.front.cur.version
	}
	s.mu.Unlock()
	var failed []string
	for _, sh := range st.Shards {
		if sh.State == ipc.StateFailed {
			failed = append(failed, fmt.Sprint(sh.ID))
		}
	}
	if len(failed) > 0 {
		st.Problems = append(st.Problems, "failed shards: "+strings.Join(failed, ","))
	}
	return st
}

// childVersion is the version the running children report (after a reload,
// the newly installed binary's).
func (s *Supervisor) childVersion() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.front != nil && s.front.cur != nil {
		return s.front.cur.version
	}
	return ""
}
