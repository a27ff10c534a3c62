// SPDX-License-Identifier: Apache-2.0

package supervisor

import (
	"context"
	"crypto/rand"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/vmihailenco/msgpack/v5"

	"riffle/internal/clock"
	"riffle/internal/control"
	"riffle/internal/logging"
	"riffle/internal/metadata"
	"riffle/internal/protocol"
	"riffle/internal/vfs"
	"riffle/ipc"
)

// The supervisor is the metadata authority. One command at a time (mdMu):
// Prepare against the authoritative State, append to the state log (fsync)
// and apply, broadcast the entry to every shard that has a replica, wait
// until each applied it, then answer. So a client on any shard reads its own
// writes, and a shard starts from a snapshot taken under the same lock plus
// every entry after it.

// entryTimeout bounds how long a broadcast waits for one shard.
const entryTimeout = 10 * time.Second

type authority struct {
	mu  sync.Mutex // mdMu: taken after opMu, before mu
	log *metadata.Log
	st  *metadata.State
}

// openMetadata opens the state log, creates the root user on a first start
// and moves partitions off shards that no longer exist.
func (s *Supervisor) openMetadata() error {
	dir := filepath.Join(s.dataDir, "state")
	lg, st, err := metadata.OpenLog(vfs.OS, dir, metadata.LogOptions{})
	if err != nil {
		return fmt.Errorf("open metadata state log: %w", err)
	}
	s.md = &authority{log: lg, st: st}
	rec := lg.Recovery()
	fields := logrus.Fields{"version": st.Version(), "entries_replayed": rec.Replayed, "last_index": rec.LastIndex}
	if rec.TruncatedBytes > 0 {
		fields["torn_tail_truncated_bytes"] = rec.TruncatedBytes
		s.log.WithFields(fields).Warn("metadata state log had a torn tail; truncated")
	} else {
		s.log.WithFields(fields).Info("metadata state log open")
	}
	if st.User(metadata.RootUserID) == nil {
		if err := s.bootstrapRoot(); err != nil {
			return err
		}
	}
	return s.commitInternal(metadata.ReassignPartitions{ShardCount: uint32(s.nshards)})
}

// bootstrapRoot creates the root user: RIFFLE_ROOT_USERNAME/PASSWORD (or the
// IGGY_ names), else user iggy with a generated password printed once.
func (s *Supervisor) bootstrapRoot() error {
	user := s.env("RIFFLE_ROOT_USERNAME", "IGGY_ROOT_USERNAME")
	if user == "" {
		user = "iggy"
	}
	pass := s.env("RIFFLE_ROOT_PASSWORD", "IGGY_ROOT_PASSWORD")
	if pass == "" {
		var err error
		if pass, err = randomPassword(24); err != nil {
			return err
		}
		// Printed once, on the first start only, to stdout as Iggy does.
		fmt.Fprintf(os.Stdout, "Generated root user password: %s\n", pass)
	}
	hash, err := metadata.HashPassword(pass, metadata.Argon2Params{}, nil)
	if err != nil {
		return err
	}
	if err := s.commitInternal(metadata.BootstrapRoot{Username: user, PasswordHash: hash}); err != nil {
		return fmt.Errorf("create root user: %w", err)
	}
	s.log.WithField("username", user).Info("root user created")
	return nil
}

func (s *Supervisor) env(names ...string) string {
	for _, n := range names {
		for _, kv := range s.opts.Environ {
			if v, ok := strings.CutPrefix(kv, n+"="); ok && v != "" {
				return v
			}
		}
	}
	return ""
}

func randomPassword(n int) (string, error) {
	const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"
	b := make([]byte, n)
	for i := range b {
		k, err := rand.Int(rand.Reader, big.NewInt(int64(len(alphabet))))
		if err != nil {
			return "", err
		}
		b[i] = alphabet[k.Int64()]
	}
	return string(b), nil
}

func (s *Supervisor) mdEnv() metadata.Env {
	return metadata.Env{
		Now:                  clock.Micros(time.Now()),
		DefaultMessageExpiry: uint64(time.Duration(s.cfg.Topic.MessageExpiry) / time.Microsecond),
		DefaultMaxTopicSize:  uint64(s.cfg.Topic.MaxSize),
		SegmentSize:          uint64(s.cfg.Storage.SegmentSize),
		ShardCount:           s.nshards,
	}
}

// commitInternal runs a command of the supervisor's own (root as actor).
func (s *Supervisor) commitInternal(cmd metadata.Command) error {
	_, _, err := s.commit(metadata.RootUserID, cmd)
	return err
}

// commit prepares, logs, applies and broadcasts one command.
// Password hashing and verification (argon2, tens of milliseconds) run
// before the lock, so a CreateUser does not stall every other command.
func (s *Supervisor) commit(actor uint32, cmd metadata.Command) (uint64, metadata.Result, error) {
	env := s.mdEnv()
	s.md.mu.Lock()
	work := metadata.PrecomputePasswords(s.md.st, actor, cmd, env)
	s.md.mu.Unlock()
	env.Passwords = work()

	s.md.mu.Lock()
	defer s.md.mu.Unlock()
	e, res, err := metadata.Prepare(s.md.st, actor, cmd, env)
	if err != nil {
		return 0, res, err
	}
	if e.Empty() {
		return s.md.st.Version(), res, nil
	}
	if err := s.md.log.Commit(s.md.st, e); err != nil {
		s.log.WithError(err).Error("metadata state log write failed; metadata changes are refused")
		return 0, res, err
	}
	s.broadcastLocked(e)
	return e.Version, res, nil
}

// broadcastLocked sends e to every shard holding a replica and waits for
// each to apply it. Caller holds md.mu.
func (s *Supervisor) broadcastLocked(e metadata.Entry) {
	body, err := metadata.EncodeEntry(e)
	if err != nil {
		s.log.WithError(err).Error("encode metadata entry")
		return
	}
	var wg sync.WaitGroup
	for _, c := range s.replicas() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), entryTimeout)
			defer cancel()
			if _, err := c.peer.Call(ctx, control.TypeEntry, nil, body); err != nil && c.alive() {
				c.log.WithError(err).WithField("version", e.Version).Warn("shard did not apply a metadata entry")
			}
		}()
	}
	wg.Wait()
}

// replicas returns the live shards that took a metadata snapshot.
func (s *Supervisor) replicas() []*child {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*child
	for _, slot := range s.shards {
		if c := slot.cur; c != nil && c.replica.Load() && c.alive() {
			out = append(out, c)
		}
	}
	return out
}

// sendShardInit sends Init with a metadata snapshot, under md.mu so that no
// entry falls between the snapshot and the shard joining the broadcasts.
func (s *Supervisor) sendShardInit(c *child, init control.ShardInit) error {
	s.md.mu.Lock()
	defer s.md.mu.Unlock()
	snap, err := s.md.st.Snapshot()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), readyTimeout)
	defer cancel()
	if _, err := c.peer.Call(ctx, ipc.TypeInit, init, snap); err != nil {
		return err
	}
	c.replica.Store(true)
	return nil
}

// serveMetadata answers one shard's metadata request.
func (s *Supervisor) serveMetadata(p *ipc.Peer, f *ipc.Frame) {
	var req control.MetadataRequest
	if err := f.Decode(&req); err != nil {
		p.ReplyError(f, err)
		return
	}
	cmd, err := metadata.DecodeCommand(req.Command)
	if err != nil {
		p.Reply(f, control.MetadataReply{V: 1, Status: uint32(protocol.StatusInvalidCommand)}, nil)
		return
	}
	version, res, err := s.commit(req.Actor, cmd)
	if err != nil {
		st, _ := metadata.StatusOf(err)
		p.Reply(f, control.MetadataReply{V: 1, Status: uint32(st)}, nil)
		return
	}
	enc, _ := msgpack.Marshal(res)
	p.Reply(f, control.MetadataReply{V: 1, Version: version, Result: enc}, nil)
}

// expireRevocations completes consumer-group revocations that waited too
// long (Iggy: checked every 5 s, 30 s timeout).
func (s *Supervisor) expireRevocations(stop <-chan struct{}) {
	t := time.NewTicker(5 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			if err := s.commitInternal(metadata.ExpireRevocations{Timeout: uint64((30 * time.Second) / time.Microsecond)}); err != nil {
				s.log.WithError(err).Warn("expire consumer-group revocations")
			}
		}
	}
}

func (s *Supervisor) closeMetadata() {
	if s.md == nil {
		return
	}
	s.md.mu.Lock()
	defer s.md.mu.Unlock()
	if err := s.md.log.Close(); err != nil {
		s.log.WithError(err).Error("close metadata state log")
	}
}

var _ = logging.Took
