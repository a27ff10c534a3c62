// SPDX-License-Identifier: Apache-2.0

package supervisor

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// listener is a listening socket the supervisor holds for the whole run and
// passes to every front it starts.
type listener struct {
	name string // "tcp", …
	ln   net.Listener
	file *os.File // a descriptor of the same socket, passed as ExtraFiles
	addr string   // the bound address
}

// bindListeners binds every enabled transport, or adopts the sockets systemd
// passed (by name) for it.
func (s *Supervisor) bindListeners() error {
	want := []struct {
		name    string
		enabled bool
		addr    string
	}{
		{"tcp", s.cfg.TCP.Enabled, s.cfg.TCP.Address},
	}
	for _, w := range want {
		if !w.enabled {
			continue
		}
		if files := s.opts.Activated[w.name]; len(files) > 0 {
			l, err := adoptListener(w.name, files[0])
			if err != nil {
				return err
			}
			s.listeners = append(s.listeners, l)
			s.log.WithFields(map[string]any{"transport": w.name, "addr": l.addr}).Info("listener taken from systemd")
			continue
		}
		ln, err := net.Listen("tcp", w.addr)
		if err != nil {
			return fmt.Errorf("bind %s %s: %w", w.name, w.addr, err)
		}
		file, err := ln.(*net.TCPListener).File()
		if err != nil {
			ln.Close()
			return fmt.Errorf("dup %s listener: %w", w.name, err)
		}
		s.listeners = append(s.listeners, &listener{name: w.name, ln: ln, file: file, addr: ln.Addr().String()})
	}
	return nil
}

func adoptListener(name string, f *os.File) (*listener, error) {
	ln, err := net.FileListener(f)
	if err != nil {
		return nil, fmt.Errorf("adopt %s socket from systemd: %w", name, err)
	}
	return &listener{name: name, ln: ln, file: f, addr: ln.Addr().String()}, nil
}

func (s *Supervisor) closeListeners() {
	for _, l := range s.listeners {
		l.ln.Close()
		l.file.Close()
	}
}

// writePorts writes ports.json in the runtime dir: the actual address of every
// listener (useful with port 0), atomically.
func (s *Supervisor) writePorts() error {
	m := map[string]string{}
	for _, l := range s.listeners {
		m[l.name] = l.addr
	}
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	path := filepath.Join(s.runtimeDir, "ports.json")
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("rename %s: %w", tmp, err)
	}
	return nil
}

// lockDataDir takes an exclusive lock on the data dir, so a second riffled on
// it refuses to start. The lock file names the holder's pid.
func (s *Supervisor) lockDataDir() error {
	if err := os.MkdirAll(s.dataDir, 0o755); err != nil {
		return fmt.Errorf("create data dir %s: %w", s.dataDir, err)
	}
	path := filepath.Join(s.dataDir, "riffled.lock")
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		holder, _ := os.ReadFile(path)
		f.Close()
		return fmt.Errorf("data dir %s is in use by another riffled (pid %s): %w", s.dataDir, strings.TrimSpace(string(holder)), err)
	}
	f.Truncate(0)
	f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	s.lock = f
	return nil
}

func (s *Supervisor) unlockDataDir() {
	if s.lock != nil {
		s.lock.Close()
	}
}
