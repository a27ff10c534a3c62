// SPDX-License-Identifier: Apache-2.0

package vfs

import (
	"io"
	"sync"
)

// DefaultSyncWorkers is the worker count NewSync uses for workers <= 0.
const DefaultSyncWorkers = 4

// Sync is the portable Backend: a small pool of goroutines that call
// File.WriteAt and File.Sync (pwrite and fdatasync on OS files). Several
// operations are in flight at once, one per worker; submission never blocks
// on I/O unless every worker is busy and the queue is full.
//
// It honours the package's ordering contract: a Sync is a plain fdatasync,
// which covers every write completed before it, and WriteAtSync runs its write
// and its sync on one worker, in that order.
type Sync struct {
	reqs chan syncReq
	wg   sync.WaitGroup

	mu     sync.RWMutex // held shared while submitting, exclusively by Close
	closed bool
}

type syncKind uint8

const (
	reqWrite syncKind = iota + 1
	reqSync
	reqWriteSync
)

type syncReq struct {
	kind syncKind
	f    File
	p    []byte
	off  int64
	op   *Op
}

// NewSync starts a Sync backend with the given number of workers
// (DefaultSyncWorkers if workers <= 0).
func NewSync(workers int) *Sync {
	if workers <= 0 {
		workers = DefaultSyncWorkers
	}
	s := &Sync{reqs: make(chan syncReq, 4*workers)}
	s.wg.Add(workers)
	for range workers {
		go s.worker()
	}
	return s
}

func (s *Sync) worker() {
	defer s.wg.Done()
	for r := range s.reqs {
		var n int
		var err error
		switch r.kind {
		case reqWrite:
			n, err = writeFull(r.f, r.p, r.off)
		case reqSync:
			err = r.f.Sync()
		case reqWriteSync:
			n, err = writeFull(r.f, r.p, r.off)
			if err == nil {
				err = r.f.Sync()
			}
		}
		r.op.Complete(n, err)
	}
}

// writeFull writes p at off and turns a short write without an error into
// io.ErrShortWrite, as the ordering contract requires.
func writeFull(f File, p []byte, off int64) (int, error) {
	n, err := f.WriteAt(p, off)
	if err == nil && n < len(p) {
		err = io.ErrShortWrite
	}
	return n, err
}

func (s *Sync) submit(r syncReq) *Op {
	r.op = NewOp()
	s.mu.RLock()
	if s.closed {
		s.mu.RUnlock()
		r.op.Complete(0, ErrClosed)
		return r.op
	}
	s.reqs <- r
	s.mu.RUnlock()
	return r.op
}

// WriteAt implements Backend.
func (s *Sync) WriteAt(f File, p []byte, off int64) *Op {
	return s.submit(syncReq{kind: reqWrite, f: f, p: p, off: off})
}

// Sync implements Backend.
func (s *Sync) Sync(f File) *Op { return s.submit(syncReq{kind: reqSync, f: f}) }

// WriteAtSync implements Backend.
func (s *Sync) WriteAtSync(f File, p []byte, off int64) *Op {
	return s.submit(syncReq{kind: reqWriteSync, f: f, p: p, off: off})
}

// Name implements Backend.
func (s *Sync) Name() string { return "sync" }

// Close implements Backend: operations already submitted complete, later
// ones complete with ErrClosed. It is safe to call more than once.
func (s *Sync) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	close(s.reqs)
	s.mu.Unlock()
	s.wg.Wait()
	return nil
}
