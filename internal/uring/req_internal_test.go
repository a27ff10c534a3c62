// SPDX-License-Identifier: Apache-2.0

package uring

import (
	"errors"
	"io"
	"syscall"
	"testing"

	"riffle/internal/vfs"
)

type cqeEvent struct {
	fsync bool
	res   int32
}

func writeRes(n int32) cqeEvent { return cqeEvent{res: n} }
func fsyncRes(n int32) cqeEvent { return cqeEvent{fsync: true, res: n} }

// wantSub is the part of a sub a test checks: what is written where, and
// whether an fsync goes with it.
type wantSub struct {
	len   int
	off   uint64
	write bool
	fsync bool
}

func TestReqRounds(t *testing.T) {
	const ecanceled, eio = -int32(syscall.ECANCELED), -int32(syscall.EIO)
	cases := []struct {
		name    string
		size    int
		sync    bool
		piece   int
		rounds  [][]cqeEvent // CQEs of each round, in arrival order
		subs    []wantSub    // the sub of each round
		wantN   int
		wantErr error // nil, or what errors.Is must match
		notErr  error // what errors.Is must not match
	}{
		{
			name: "write and linked fsync succeed", size: 100, sync: true, piece: maxPiece,
			rounds: [][]cqeEvent{{writeRes(100), fsyncRes(0)}},
			subs:   []wantSub{{100, 0, true, true}},
			wantN:  100,
		},
		{
			name: "fsync CQE before write CQE", size: 100, sync: true, piece: maxPiece,
			rounds: [][]cqeEvent{{fsyncRes(0), writeRes(100)}},
			subs:   []wantSub{{100, 0, true, true}},
			wantN:  100,
		},
		{
			name: "short write cancels the fsync, rest goes out with a new fsync", size: 100, sync: true, piece: maxPiece,
			rounds: [][]cqeEvent{{writeRes(40), fsyncRes(ecanceled)}, {writeRes(60), fsyncRes(0)}},
			subs:   []wantSub{{100, 0, true, true}, {60, 40, true, true}},
			wantN:  100,
		},
		{
			name: "short write whose fsync still ran is synced again after the rest", size: 100, sync: true, piece: maxPiece,
			rounds: [][]cqeEvent{{writeRes(40), fsyncRes(0)}, {writeRes(60), fsyncRes(0)}},
			subs:   []wantSub{{100, 0, true, true}, {60, 40, true, true}},
			wantN:  100,
		},
		{
			name: "short plain write is continued", size: 100, piece: maxPiece,
			rounds: [][]cqeEvent{{writeRes(30)}, {writeRes(50)}, {writeRes(20)}},
			subs:   []wantSub{{100, 0, true, false}, {70, 30, true, false}, {20, 80, true, false}},
			wantN:  100,
		},
		{
			name: "pieces: fsync linked to the last only", size: 100, sync: true, piece: 40,
			rounds: [][]cqeEvent{{writeRes(40)}, {writeRes(40)}, {writeRes(20), fsyncRes(0)}},
			subs:   []wantSub{{40, 0, true, false}, {40, 40, true, false}, {20, 80, true, true}},
			wantN:  100,
		},
		{
			name: "failed write reports its error, not the cancelled fsync's", size: 100, sync: true, piece: maxPiece,
			rounds:  [][]cqeEvent{{writeRes(eio), fsyncRes(ecanceled)}},
			subs:    []wantSub{{100, 0, true, true}},
			wantErr: syscall.EIO, notErr: syscall.ECANCELED,
		},
		{
			name: "failed fsync after a full write", size: 100, sync: true, piece: maxPiece,
			rounds:  [][]cqeEvent{{writeRes(100), fsyncRes(eio)}},
			subs:    []wantSub{{100, 0, true, true}},
			wantN:   100,
			wantErr: syscall.EIO,
		},
		{
			name: "failed fsync after a short write is not swallowed", size: 100, sync: true, piece: maxPiece,
			rounds:  [][]cqeEvent{{writeRes(40), fsyncRes(eio)}},
			subs:    []wantSub{{100, 0, true, true}},
			wantN:   40,
			wantErr: syscall.EIO,
		},
		{
			name: "fsync cancelled after a full write is an error", size: 100, sync: true, piece: maxPiece,
			rounds:  [][]cqeEvent{{writeRes(100), fsyncRes(ecanceled)}},
			subs:    []wantSub{{100, 0, true, true}},
			wantN:   100,
			wantErr: syscall.ECANCELED,
		},
		{
			name: "write without progress", size: 100, piece: maxPiece,
			rounds:  [][]cqeEvent{{writeRes(0)}},
			subs:    []wantSub{{100, 0, true, false}},
			wantErr: io.ErrShortWrite,
		},
		{
			name: "lone fsync", size: 0, sync: true, piece: maxPiece,
			rounds: [][]cqeEvent{{fsyncRes(0)}},
			subs:   []wantSub{{0, 0, false, true}},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := &req{f: noFile{}, buf: make([]byte, tc.size), sync: tc.sync}
			for i, round := range tc.rounds {
				s := r.next(tc.piece)
				got := wantSub{len(s.buf), s.off, s.write, s.fsync}
				if got != tc.subs[i] {
					t.Fatalf("round %d: sub %+v; want %+v", i, got, tc.subs[i])
				}
				if r.pending != len(round) {
					t.Fatalf("round %d: %d CQEs pending; want %d", i, r.pending, len(round))
				}
				for _, ev := range round {
					r.pending--
					if ev.fsync {
						r.onFsync(ev.res)
					} else {
						r.onWrite(ev.res, tc.piece)
					}
				}
				if done := r.roundDone(); done != (i == len(tc.rounds)-1) {
					t.Fatalf("round %d: done = %v", i, done)
				}
			}
			if r.n != tc.wantN {
				t.Errorf("n = %d; want %d", r.n, tc.wantN)
			}
			switch {
			case tc.wantErr == nil && r.err != nil:
				t.Errorf("err = %v; want nil", r.err)
			case tc.wantErr != nil && !errors.Is(r.err, tc.wantErr):
				t.Errorf("err = %v; want %v", r.err, tc.wantErr)
			case tc.notErr != nil && errors.Is(r.err, tc.notErr):
				t.Errorf("err = %v; must not match %v", r.err, tc.notErr)
			}
		})
	}
}

func TestSetupErrorClassification(t *testing.T) {
	cases := []struct {
		name        string
		err         error
		unsupported bool
	}{
		{"no io_uring syscall", syscall.ENOSYS, true},
		{"seccomp or sysctl", syscall.EPERM, true},
		{"memlock", syscall.ENOMEM, true},
		{"bad parameters", syscall.EINVAL, true},
		{"out of descriptors", syscall.EMFILE, false},
		{"not an errno", errors.New("boom"), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := setupError("setup", tc.err)
			if errors.Is(err, ErrNotSupported) != tc.unsupported {
				t.Errorf("setupError(%v) = %v; ErrNotSupported: %v, want %v",
					tc.err, err, errors.Is(err, ErrNotSupported), tc.unsupported)
			}
			if !errors.Is(err, tc.err) {
				t.Errorf("setupError(%v) = %v; lost the cause", tc.err, err)
			}
		})
	}
}

// noFile is enough of a vfs.File for req's error messages.
type noFile struct{ vfs.File }

func (noFile) Name() string { return "test.log" }
