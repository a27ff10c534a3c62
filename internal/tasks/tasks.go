// SPDX-License-Identifier: Apache-2.0

// Package tasks is a shard's registry of in-flight work. Every goroutine of a
// shard is started through it with a kind, so a graceful stop can wait for
// each, cancel it, or name it in the report when it overran the deadline. It
// knows nothing of what any task does.
//
// Kinds:
//
//   - continuous: runs until its context is cancelled (connection handlers,
//     ipc readers, the ring loop);
//   - periodic: a tick every interval (flusher, retention, heartbeat); may
//     declare a final tick that runs once during Shutdown;
//   - oneshot: runs once (a forwarded request, an in-flight flush).
//
// Shutdown(deadline) drains in this order, each phase timed:
//
//  1. refuse: new continuous and periodic tasks are refused (ErrShuttingDown);
//  2. continuous: their context is cancelled and they are awaited (a
//     connection finishes the request in progress, then closes); oneshots may
//     still be started by them;
//  3. oneshots: awaited; new oneshots are refused from here on;
//  4. periodic: loops stop, then each final tick runs in registration order.
//
// Whatever has not returned at the deadline is named in Report.TimedOut. A
// task that panics is recovered, reported in Report.Failed, and does not take
// the process down. Registry is safe for concurrent use.
package tasks

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"
)

// ErrShuttingDown is returned when a task is started after Shutdown refused it.
var ErrShuttingDown = errors.New("tasks: shutting down")

// Kind is a task's kind.
type Kind int

// The task kinds.
const (
	Continuous Kind = iota
	Periodic
	Oneshot
)

func (k Kind) String() string {
	return [...]string{"continuous", "periodic", "oneshot"}[k]
}

// Report describes a Shutdown.
type Report struct {
	Took     time.Duration
	Drained  int      // tasks that returned before the deadline
	TimedOut []string // names of tasks still running at the deadline
	Failed   []string // "name: error" of tasks that returned an error or panicked
	Phases   []Phase
}

// Phase is one timed step of Shutdown.
type Phase struct {
	Name string
	Took time.Duration
}

type task struct {
	name string
	kind Kind
	done chan struct{}
	// periodic only
	final func(context.Context) error
}

// Registry tracks a process's tasks.
type Registry struct {
	mu        sync.Mutex
	next      int
	tasks     map[int]*task
	refuse    bool // continuous and periodic refused
	refuseOne bool // oneshots refused
	failed    []string
	drained   int

	contCtx    context.Context // cancelled in phase 2
	contCancel context.CancelFunc
	oneCtx     context.Context // cancelled at the deadline
	oneCancel  context.CancelFunc
	perCtx     context.Context // cancelled in phase 4
	perCancel  context.CancelFunc
}

// New returns an empty registry.
func New() *Registry {
	r := &Registry{tasks: make(map[int]*task)}
	r.contCtx, r.contCancel = context.WithCancel(context.Background())
	r.oneCtx, r.oneCancel = context.WithCancel(context.Background())
	r.perCtx, r.perCancel = context.WithCancel(context.Background())
	return r
}

// ShuttingDown reports whether Shutdown has started.
func (r *Registry) ShuttingDown() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.refuse
}

// Go starts a continuous task. fn must return soon after ctx is cancelled.
func (r *Registry) Go(name string, fn func(ctx context.Context) error) error {
	return r.start(name, Continuous, r.contCtx, fn, nil)
}

// Oneshot starts a task that runs once. Its context is cancelled at the
// Shutdown deadline.
func (r *Registry) Oneshot(name string, fn func(ctx context.Context) error) error {
	return r.start(name, Oneshot, r.oneCtx, fn, nil)
}

// Every starts a periodic task: tick runs every interval until Shutdown stops
// the loop. If final is not nil it runs once in Shutdown's last phase, with a
// context cancelled at the deadline.
func (r *Registry) Every(name string, interval time.Duration, tick, final func(ctx context.Context) error) error {
	loop := func(ctx context.Context) error {
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return nil
			case <-t.C:
				if err := tick(ctx); err != nil {
					r.recordFailure(name, err)
				}
			}
		}
	}
	return r.start(name, Periodic, r.perCtx, loop, final)
}

func (r *Registry) start(name string, kind Kind, ctx context.Context, fn, final func(context.Context) error) error {
	r.mu.Lock()
	if (kind == Oneshot && r.refuseOne) || (kind != Oneshot && r.refuse) {
		r.mu.Unlock()
		return fmt.Errorf("start %s task %s: %w", kind, name, ErrShuttingDown)
	}
	id := r.next
	r.next++
	t := &task{name: name, kind: kind, done: make(chan struct{}), final: final}
	r.tasks[id] = t
	r.mu.Unlock()

	go func() {
		defer func() {
			if p := recover(); p != nil {
				r.recordFailure(name, fmt.Errorf("panic: %v", p))
			}
			r.mu.Lock()
			delete(r.tasks, id)
			r.drained++
			r.mu.Unlock()
			close(t.done)
		}()
		if err := fn(ctx); err != nil && !errors.Is(err, context.Canceled) {
			r.recordFailure(name, err)
		}
	}()
	return nil
}

func (r *Registry) recordFailure(name string, err error) {
	r.mu.Lock()
	r.failed = append(r.failed, name+": "+err.Error())
	r.mu.Unlock()
}

// Count returns the number of running tasks of kind k.
func (r *Registry) Count(k Kind) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, t := range r.tasks {
		if t.kind == k {
			n++
		}
	}
	return n
}

// Shutdown stops everything in the order of the package doc and returns a
// report. It must be called once.
func (r *Registry) Shutdown(deadline time.Time) Report {
	start := time.Now()
	var rep Report
	phase := func(name string, t0 time.Time) { rep.Phases = append(rep.Phases, Phase{name, time.Since(t0)}) }
	timer := time.AfterFunc(time.Until(deadline), r.oneCancel)
	defer timer.Stop()

	t0 := time.Now()
	r.mu.Lock()
	r.refuse = true
	r.drained = 0
	r.mu.Unlock()
	phase("refuse", t0)

	t0 = time.Now()
	r.contCancel()
	r.wait(Continuous, deadline)
	phase("continuous", t0)

	t0 = time.Now()
	r.wait(Oneshot, deadline)
	r.mu.Lock()
	r.refuseOne = true
	r.mu.Unlock()
	phase("oneshots", t0)

	t0 = time.Now()
	finals := r.finals()
	r.perCancel()
	r.wait(Periodic, deadline)
	for _, f := range finals {
		ctx, cancel := context.WithDeadline(context.Background(), deadline)
		done := make(chan error, 1)
		go func() {
			defer func() {
				if p := recover(); p != nil {
					done <- fmt.Errorf("panic: %v", p)
				}
			}()
			done <- f.final(ctx)
		}()
		select {
		case err := <-done:
			if err != nil {
				r.recordFailure(f.name+" (final tick)", err)
			}
		case <-ctx.Done():
			rep.TimedOut = append(rep.TimedOut, f.name+" (final tick)")
		}
		cancel()
	}
	phase("periodic", t0)

	r.mu.Lock()
	for _, t := range r.tasks {
		rep.TimedOut = append(rep.TimedOut, t.name)
	}
	rep.Drained = r.drained
	rep.Failed = append(rep.Failed, r.failed...)
	r.mu.Unlock()
	sort.Strings(rep.TimedOut)
	rep.Took = time.Since(start)
	return rep
}

func (r *Registry) finals() []*task {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []*task
	ids := make([]int, 0, len(r.tasks))
	for id, t := range r.tasks {
		if t.kind == Periodic && t.final != nil {
			ids = append(ids, id)
		}
	}
	sort.Ints(ids)
	for _, id := range ids {
		out = append(out, r.tasks[id])
	}
	return out
}

// wait blocks until no task of kind k runs or the deadline passes.
func (r *Registry) wait(k Kind, deadline time.Time) {
	for {
		r.mu.Lock()
		var pending *task
		for _, t := range r.tasks {
			if t.kind == k {
				pending = t
				break
			}
		}
		r.mu.Unlock()
		if pending == nil {
			return
		}
		select {
		case <-pending.done:
		case <-time.After(time.Until(deadline)):
			return
		}
	}
}
