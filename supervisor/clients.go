// SPDX-License-Identifier: Apache-2.0

package supervisor

import (
	"sort"
	"sync"

	"riffle/internal/control"
	"riffle/internal/metadata"
	"riffle/internal/protocol"
	"riffle/ipc"
)

// clients is the registry of live client connections across shards, fed by
// the shards' ClientEvent notifications, for GetClient and GetClients.
type clients struct {
	mu sync.Mutex
	m  map[uint32]control.ClientEvent
}

// clientEvent records a connection change. When a connection goes, its
// consumer-group memberships go with it.
func (s *Supervisor) clientEvent(f *ipc.Frame) {
	var ev control.ClientEvent
	if err := f.Decode(&ev); err != nil {
		return
	}
	s.clients.mu.Lock()
	if s.clients.m == nil {
		s.clients.m = make(map[uint32]control.ClientEvent)
	}
	if ev.Gone {
		delete(s.clients.m, ev.ClientID)
	} else {
		s.clients.m[ev.ClientID] = ev
	}
	s.clients.mu.Unlock()
	if !ev.Gone {
		return
	}
	// Not on this goroutine: it reads the shard's channel, and a broadcast
	// holding the metadata lock may be waiting for that shard's reply.
	go func() {
		if !s.memberOfAny(ev.ClientID) {
			return
		}
		if err := s.commitInternal(metadata.ClientGone{ClientID: ev.ClientID}); err != nil {
			s.log.WithError(err).Warn("drop consumer-group memberships of a closed connection")
		}
	}()
}

func (s *Supervisor) memberOfAny(clientID uint32) bool {
	s.md.mu.Lock()
	defer s.md.mu.Unlock()
	return len(s.md.st.ClientGroups(clientID)) > 0
}

// shardGone drops the clients of a dead shard and their memberships.
func (s *Supervisor) shardGone(shard int) {
	s.clients.mu.Lock()
	for id, ev := range s.clients.m {
		if ev.Shard == shard {
			delete(s.clients.m, id)
		}
	}
	s.clients.mu.Unlock()
	if err := s.commitInternal(metadata.ShardFailed{Shard: uint32(shard)}); err != nil {
		s.log.WithError(err).Warn("drop consumer-group memberships of a dead shard")
	}
}

// clientInfo builds the protocol view of a registered client.
func (s *Supervisor) clientDetailsLocked(ev control.ClientEvent) protocol.ClientDetails {
	d := protocol.ClientDetails{Client: protocol.ClientInfo{ClientID: ev.ClientID, UserID: ev.UserID, Transport: ev.Transport, Address: ev.Address}}
	for _, g := range s.md.st.ClientGroups(ev.ClientID) {
		d.Groups = append(d.Groups, protocol.ClientGroup{StreamID: g[0], TopicID: g[1], GroupID: g[2]})
	}
	d.Client.ConsumerGroupsCount = uint32(len(d.Groups))
	return d
}

// serveClients answers GetClients (all) or GetClient (one; empty when unknown).
func (s *Supervisor) serveClients(p *ipc.Peer, f *ipc.Frame) {
	var req control.ClientsRequest
	if err := f.Decode(&req); err != nil {
		p.ReplyError(f, err)
		return
	}
	s.clients.mu.Lock()
	evs := make([]control.ClientEvent, 0, len(s.clients.m))
	for _, ev := range s.clients.m {
		if req.All || ev.ClientID == req.ClientID {
			evs = append(evs, ev)
		}
	}
	s.clients.mu.Unlock()
	sort.Slice(evs, func(i, j int) bool { return evs[i].ClientID < evs[j].ClientID })
	s.md.mu.Lock()
	var body []byte
	if req.All {
		var list protocol.ClientList
		for _, ev := range evs {
			list = append(list, s.clientDetailsLocked(ev).Client)
		}
		body = list.AppendTo(nil)
	} else if len(evs) == 1 {
		d := s.clientDetailsLocked(evs[0])
		body = d.AppendTo(nil)
	}
	s.md.mu.Unlock()
	p.Reply(f, nil, body)
}

func (s *Supervisor) clientCount() uint32 {
	s.clients.mu.Lock()
	defer s.clients.mu.Unlock()
	return uint32(len(s.clients.m))
}
