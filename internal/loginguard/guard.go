// SPDX-License-Identifier: Apache-2.0

// Package loginguard slows down password and token guessing.
//
// A source (a client's IP address) may fail to log in FreeFailures times;
// after that every attempt from it waits for a turn. Turns are spaced by a
// delay that starts at Delay and doubles with each further failure up to
// MaxDelay, and attempts made in parallel over many connections queue for
// the same turns, so a source gets at most one check per delay whatever it
// does. An attempt whose turn is more than MaxWait away is refused without
// being checked, which also bounds the password hashing a source can cause.
// A source is forgotten Forget after its last failure. A success does not
// clear the count: otherwise an account of one's own would reset it between
// guesses at another.
//
// A Guard is pure bookkeeping: callers pass the time, do the waiting and
// report each outcome. It is safe for concurrent use.
package loginguard

import (
	"sync"
	"time"
)

// Options tune a Guard. Zero fields take the defaults of DefaultOptions.
type Options struct {
	FreeFailures int           // failures before attempts wait (5)
	Delay        time.Duration // spacing after FreeFailures failures (100 ms)
	MaxDelay     time.Duration // cap of the doubling spacing (2 s)
	MaxWait      time.Duration // longest wait for a turn; beyond it, refuse (10 s)
	Forget       time.Duration // a source with no failure for this long starts over (1 min)
	MaxSources   int           // sources remembered at most (100,000)
}

// DefaultOptions are the defaults: 5 free failures, then 100 ms doubling to
// 2 s, waits of at most 10 s, forgotten after a minute without failure.
var DefaultOptions = Options{
	FreeFailures: 5,
	Delay:        100 * time.Millisecond,
	MaxDelay:     2 * time.Second,
	MaxWait:      10 * time.Second,
	Forget:       time.Minute,
	MaxSources:   100_000,
}

// Guard keeps the failure count and next turn of each source.
type Guard struct {
	opts    Options
	mu      sync.Mutex
	sources map[string]*source
}

type source struct {
	failures int
	last     time.Time // of the last failure
	next     time.Time // the earliest turn of the next attempt
}

// New returns a Guard with opts, zero fields defaulted.
func New(opts Options) *Guard {
	d := DefaultOptions
	if opts.FreeFailures <= 0 {
		opts.FreeFailures = d.FreeFailures
	}
	if opts.Delay <= 0 {
		opts.Delay = d.Delay
	}
	if opts.MaxDelay < opts.Delay {
		opts.MaxDelay = max(d.MaxDelay, opts.Delay)
	}
	if opts.MaxWait <= 0 {
		opts.MaxWait = d.MaxWait
	}
	if opts.Forget <= 0 {
		opts.Forget = d.Forget
	}
	if opts.MaxSources <= 0 {
		opts.MaxSources = d.MaxSources
	}
	return &Guard{opts: opts, sources: make(map[string]*source)}
}

// Admit takes a turn for an attempt from src at now. It returns how long the
// attempt must wait before its credentials are checked, or ok false when the
// turn is more than MaxWait away and the attempt is refused unchecked.
func (g *Guard) Admit(src string, now time.Time) (wait time.Duration, ok bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	s := g.lookup(src, now)
	if s == nil || s.failures < g.opts.FreeFailures {
		return 0, true
	}
	turn := now
	if s.next.After(turn) {
		turn = s.next
	}
	if wait = turn.Sub(now); wait > g.opts.MaxWait {
		return 0, false
	}
	s.next = turn.Add(g.delay(s.failures))
	return wait, true
}

// Failed records a failed attempt from src at now.
func (g *Guard) Failed(src string, now time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	s := g.lookup(src, now)
	if s == nil {
		if len(g.sources) >= g.opts.MaxSources {
			g.prune(now)
		}
		s = &source{}
		g.sources[src] = s
	}
	s.failures++
	s.last = now
	if s.failures >= g.opts.FreeFailures {
		if next := now.Add(g.delay(s.failures)); next.After(s.next) {
			s.next = next
		}
	}
}

// Failures returns the failures counted for src at now (0 once forgotten).
func (g *Guard) Failures(src string, now time.Time) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	if s := g.lookup(src, now); s != nil {
		return s.failures
	}
	return 0
}

// lookup returns src's record, dropping it when it is due to be forgotten.
func (g *Guard) lookup(src string, now time.Time) *source {
	s := g.sources[src]
	if s != nil && now.Sub(s.last) >= g.opts.Forget && !s.next.After(now) {
		delete(g.sources, src)
		return nil
	}
	return s
}

// delay is the spacing of turns after failures failures.
func (g *Guard) delay(failures int) time.Duration {
	d := g.opts.Delay
	for i := g.opts.FreeFailures; i < failures && d < g.opts.MaxDelay; i++ {
		d *= 2
	}
	return min(d, g.opts.MaxDelay)
}

// prune drops forgotten sources and then, if there are still MaxSources/2 or
// more, arbitrary ones until fewer remain: under a flood of sources, memory
// stays bounded and each source keeps at most its free failures plus a few.
func (g *Guard) prune(now time.Time) {
	for src := range g.sources {
		g.lookup(src, now)
	}
	for src := range g.sources {
		if len(g.sources) < g.opts.MaxSources/2+1 {
			break
		}
		delete(g.sources, src)
	}
}
