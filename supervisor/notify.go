// SPDX-License-Identifier: Apache-2.0

package supervisor

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"riffle/internal/sdnotify"
	"riffle/ipc"
)

// heartbeatTimeout is how long a live child may stay silent before the
// supervisor stops feeding systemd's watchdog.
const heartbeatTimeout = 5 * time.Second

// statusLine summarises the process table for systemd's STATUS=.
func (s *Supervisor) statusLine() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	ready := 0
	var notes []string
	for _, slot := range s.shards {
		switch slot.state {
		case ipc.StateReady:
			ready++
		case ipc.StateFailed:
			notes = append(notes, fmt.Sprintf("shard %d failed (crash loop)", slot.id))
		default:
			notes = append(notes, fmt.Sprintf("shard %d %s", slot.id, slot.state))
		}
	}
	if s.front != nil && s.front.state != ipc.StateReady {
		notes = append(notes, "front "+s.front.state)
	}
	sort.Strings(notes)
	line := fmt.Sprintf("%s, %d/%d shards", serving(s.st), ready, len(s.shards))
	if len(notes) > 0 {
		line += "; " + strings.Join(notes, "; ")
	}
	return line
}

func serving(st string) string {
	if st == ipc.StateReady {
		return "serving"
	}
	return st
}

// notifyStatus sends the current STATUS= line.
func (s *Supervisor) notifyStatus() {
	if err := sdnotify.Status(s.statusLine()); err != nil {
		s.log.WithError(err).Warn("sd_notify status")
	}
}

// healthy reports whether every live child heartbeated recently. A shard
// given up after a crash loop is reported in STATUS= and is no reason to
// starve the watchdog; one being restarted is managed.
func (s *Supervisor) healthy(now time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	check := func(c *child) error {
		if c == nil || !c.alive() {
			return nil
		}
		if last := time.Unix(0, c.lastBeat.Load()); now.Sub(last) > heartbeatTimeout {
			return fmt.Errorf("%s silent for %v", c.name(), now.Sub(last).Round(time.Millisecond))
		}
		return nil
	}
	for _, slot := range s.shards {
		if slot.state != ipc.StateReady {
			continue
		}
		if err := check(slot.cur); err != nil {
			return err
		}
	}
	if s.front != nil && s.front.state == ipc.StateReady {
		return check(s.front.cur)
	}
	return nil
}

// watchdog feeds systemd's watchdog at half its interval while the process
// tree is healthy, until stop is closed.
func (s *Supervisor) watchdog(interval time.Duration, stop <-chan struct{}) {
	t := time.NewTicker(interval / 2)
	defer t.Stop()
	warned := false
	for {
		select {
		case <-stop:
			return
		case now := <-t.C:
			if s.opState() != ipc.StateReady {
				sdnotify.Watchdog() // starting or stopping is managed
				continue
			}
			if err := s.healthy(now); err != nil {
				if !warned {
					s.log.WithError(err).Error("not feeding the watchdog: a child is unresponsive")
					warned = true
				}
				continue
			}
			warned = false
			sdnotify.Watchdog()
		}
	}
}

func (s *Supervisor) opState() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st
}
