// SPDX-License-Identifier: Apache-2.0

package storage

import "sync"

// partQueue is a list of partitions that one consumer goroutine takes in
// turns, woken through wake. Any goroutine may push or signal; only the
// consumer calls take and done.
type partQueue struct {
	mu    sync.Mutex
	list  []*Partition
	spare []*Partition
	wake  chan struct{} // one pending wake-up at most
}

func newPartQueue() partQueue { return partQueue{wake: make(chan struct{}, 1)} }

// push appends p and wakes the consumer.
func (q *partQueue) push(p *Partition) {
	q.mu.Lock()
	q.list = append(q.list, p)
	q.mu.Unlock()
	q.signal()
}

// signal wakes the consumer without queueing anything.
func (q *partQueue) signal() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// take returns everything pushed since the last take; the consumer hands
// the slice back with done.
func (q *partQueue) take() []*Partition {
	q.mu.Lock()
	defer q.mu.Unlock()
	l := q.list
	q.list = q.spare[:0]
	return l
}

// done recycles a slice take returned.
func (q *partQueue) done(l []*Partition) {
	clear(l)
	q.spare = l[:0]
}
