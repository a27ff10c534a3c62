// SPDX-License-Identifier: Apache-2.0

package tasks_test

import (
	"context"
	"errors"
	"reflect"
	"sync"
	"testing"
	"time"

	"riffle/internal/tasks"
)

func TestShutdownDrainsInOrder(t *testing.T) {
	r := tasks.New()
	var mu sync.Mutex
	var order []string
	note := func(s string) { mu.Lock(); order = append(order, s); mu.Unlock() }

	oneshotGate := make(chan struct{})
	r.Go("conn", func(ctx context.Context) error {
		<-ctx.Done()
		// A connection finishing its request may still start a oneshot.
		if err := r.Oneshot("forward", func(context.Context) error {
			<-oneshotGate
			note("oneshot")
			return nil
		}); err != nil {
			t.Errorf("oneshot during continuous drain refused: %v", err)
		}
		note("continuous")
		return nil
	})
	r.Every("flusher", time.Hour, func(context.Context) error { return nil }, func(context.Context) error {
		note("final")
		return nil
	})
	go func() { time.Sleep(20 * time.Millisecond); close(oneshotGate) }()
	rep := r.Shutdown(time.Now().Add(5 * time.Second))

	if want := []string{"continuous", "oneshot", "final"}; !reflect.DeepEqual(order, want) {
		t.Fatalf("order %v, want %v", order, want)
	}
	if rep.Drained != 3 || len(rep.TimedOut) != 0 || len(rep.Failed) != 0 {
		t.Fatalf("report %+v", rep)
	}
	var names []string
	for _, p := range rep.Phases {
		names = append(names, p.Name)
	}
	if want := []string{"refuse", "continuous", "oneshots", "periodic"}; !reflect.DeepEqual(names, want) {
		t.Fatalf("phases %v", names)
	}
	if err := r.Go("late", func(context.Context) error { return nil }); !errors.Is(err, tasks.ErrShuttingDown) {
		t.Fatalf("task after shutdown: %v", err)
	}
	if err := r.Oneshot("late", func(context.Context) error { return nil }); !errors.Is(err, tasks.ErrShuttingDown) {
		t.Fatalf("oneshot after shutdown: %v", err)
	}
}

func TestShutdownNamesTasksPastTheDeadline(t *testing.T) {
	r := tasks.New()
	block := make(chan struct{})
	defer close(block)
	r.Go("stuck-conn", func(context.Context) error { <-block; return nil })
	r.Go("polite", func(ctx context.Context) error { <-ctx.Done(); return nil })
	start := time.Now()
	rep := r.Shutdown(time.Now().Add(100 * time.Millisecond))
	if took := time.Since(start); took > 2*time.Second {
		t.Fatalf("shutdown took %v past a 100ms deadline", took)
	}
	if !reflect.DeepEqual(rep.TimedOut, []string{"stuck-conn"}) || rep.Drained != 1 {
		t.Fatalf("report %+v", rep)
	}
}

func TestPanicIsRecoveredAndReported(t *testing.T) {
	r := tasks.New()
	done := make(chan struct{})
	r.Oneshot("boom", func(context.Context) error { defer close(done); panic("bad frame") })
	<-done
	r.Go("err", func(context.Context) error { return errors.New("disk gone") })
	rep := r.Shutdown(time.Now().Add(time.Second))
	if len(rep.Failed) != 2 {
		t.Fatalf("failed %v", rep.Failed)
	}
}

func TestPeriodicTicks(t *testing.T) {
	r := tasks.New()
	ticks := make(chan struct{}, 10)
	r.Every("hb", 5*time.Millisecond, func(context.Context) error { ticks <- struct{}{}; return nil }, nil)
	for i := 0; i < 3; i++ {
		select {
		case <-ticks:
		case <-time.After(5 * time.Second):
			t.Fatal("no tick")
		}
	}
	if n := r.Count(tasks.Periodic); n != 1 {
		t.Fatalf("count %d", n)
	}
	r.Shutdown(time.Now().Add(time.Second))
	if n := r.Count(tasks.Periodic); n != 0 {
		t.Fatalf("count after shutdown %d", n)
	}
}
