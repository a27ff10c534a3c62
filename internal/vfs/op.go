// SPDX-License-Identifier: Apache-2.0

package vfs

import "errors"

// ErrClosed is returned by operations issued to a Backend after Close.
var ErrClosed = errors.New("vfs: backend closed")

// Op is the completion of one asynchronous operation. It completes exactly
// once; Done is closed then and N and Err are fixed.
type Op struct {
	done chan struct{}
	n    int
	err  error
}

// NewOp returns an Op that is not yet complete. Only backends create Ops.
func NewOp() *Op { return &Op{done: make(chan struct{})} }

// DoneOp returns an Op that is already complete with n and err.
func DoneOp(n int, err error) *Op {
	op := NewOp()
	op.Complete(n, err)
	return op
}

// Complete records the result and wakes every waiter. Calling it twice is a bug.
func (o *Op) Complete(n int, err error) {
	o.n, o.err = n, err
	close(o.done)
}

// Done is closed when the operation has completed.
func (o *Op) Done() <-chan struct{} { return o.done }

// Wait blocks until the operation completes and returns the bytes written (0
// for a sync) and the first error.
func (o *Op) Wait() (int, error) {
	<-o.done
	return o.n, o.err
}

// Err waits and returns only the error.
func (o *Op) Err() error {
	<-o.done
	return o.err
}
