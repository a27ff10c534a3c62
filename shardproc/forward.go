// SPDX-License-Identifier: Apache-2.0

package shardproc

import (
	"context"
	"fmt"

	"riffle/internal/control"
	"riffle/internal/protocol"
	"riffle/ipc"
)

// onOwner runs req on the shard that owns the partition: locally when that
// is this shard, otherwise over the channel to the owner. A peer that is
// restarting is waited for up to shard.unavailable_wait; after that the
// request fails with ShardCommunicationError (11001), which is retryable.
// Nothing is retried here: a forwarded append that lost its reply may have
// been applied.
func (s *Shard) onOwner(ctx context.Context, owner uint32, req *control.OwnerRequest, body []byte) (control.OwnerReply, []byte) {
	if req.Version == 0 {
		req.Version = s.md.version()
	}
	req.V = 1
	if int(owner) == s.id {
		return s.execOwner(ctx, req, body)
	}
	peer := s.waitPeer(ctx, int(owner))
	if peer == nil {
		return control.OwnerReply{Status: uint32(protocol.StatusShardCommunicationError)}, nil
	}
	cctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	r, err := peer.Call(cctx, control.TypeOwner, req, body)
	if err != nil {
		s.log.WithError(err).WithField("peer", owner).Debug("forward to owner shard")
		return control.OwnerReply{Status: uint32(protocol.StatusShardCommunicationError)}, nil
	}
	var reply control.OwnerReply
	if err := r.Decode(&reply); err != nil {
		return control.OwnerReply{Status: uint32(protocol.StatusShardCommunicationError)}, nil
	}
	return reply, r.Body
}

// waitPeer returns the channel to shard id, waiting while it is missing (the
// peer restarting) up to shard.unavailable_wait.
func (s *Shard) waitPeer(ctx context.Context, id int) *ipc.Peer {
	ctx, cancel := context.WithTimeout(ctx, s.unavailableWait())
	defer cancel()
	for {
		s.mu.Lock()
		p, changed := s.peers[id], s.peersChanged
		s.mu.Unlock()
		if p != nil {
			select {
			case <-p.Done():
			default:
				return p
			}
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return nil
		}
	}
}

// handlePeer serves requests from other shards.
func (s *Shard) handlePeer(p *ipc.Peer, f *ipc.Frame) {
	if f.Type == control.TypeMigrate {
		s.adopt(p, f)
		return
	}
	f.CloseFiles()
	if f.Type != control.TypeOwner {
		if f.ID != 0 {
			p.ReplyError(f, fmt.Errorf("unknown request %q", f.Type))
		}
		return
	}
	var req control.OwnerRequest
	if err := f.Decode(&req); err != nil {
		p.ReplyError(f, err)
		return
	}
	err := s.reg.Oneshot("owner request", func(ctx context.Context) error {
		reply, body := s.execOwner(ctx, &req, f.Body)
		return p.Reply(f, reply, body)
	})
	if err != nil { // shutting down
		p.Reply(f, control.OwnerReply{V: 1, Status: uint32(protocol.StatusShardCommunicationError)}, nil)
	}
}
