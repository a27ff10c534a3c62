// SPDX-License-Identifier: Apache-2.0

package shardproc

import (
	"context"
	"errors"
	"net"
	"time"

	"github.com/sirupsen/logrus"

	"riffle/internal/control"
	"riffle/internal/logging"
	"riffle/internal/protocol"
	"riffle/ipc"
)

// Connection migration. A connection whose first SendMessages goes to a
// partition another shard owns is handed to that shard, with its session and
// that request, so its later sends are appended without the forwarding hop
// (Iggy's TCP socket migration, done between processes). The hand-off copies
// the socket descriptor over the shard↔shard channel; the old shard never
// reads the socket again, and bytes the client already sent stay in the
// kernel's buffer for the new owner. Connections that joined a consumer group
// are not migrated (their membership names the serving shard).

// migrateTimeout bounds the hand-off; on a timeout the connection is closed
// (the client reconnects), because the peer may have adopted it.
const migrateTimeout = 5 * time.Second

// errMigrated ends the old shard's frame loop without closing the client.
var errMigrated = errors.New("connection migrated")

// tryMigrate hands c and its pending request to shard owner. It returns true
// when the owner took the connection.
func (c *conn) tryMigrate(owner int, code protocol.Code, payload []byte) bool {
	peer := c.s.waitPeer(context.Background(), owner)
	if peer == nil || c.s.reg.ShuttingDown() {
		return false
	}
	tc, ok := c.nc.(*net.TCPConn)
	if !ok {
		return false
	}
	f, err := tc.File()
	if err != nil {
		return false
	}
	m := control.Migrate{
		V: 1, Remote: c.remote, ClientID: c.id, Authed: c.sess.authed, UserID: c.sess.userID,
		Cred: c.sess.cred, ViaPAT: c.sess.viaPAT, Code: uint32(code),
	}
	ctx, cancel := context.WithTimeout(context.Background(), migrateTimeout)
	defer cancel()
	r, err := peer.Call(ctx, control.TypeMigrate, m, payload, f)
	if err != nil {
		c.log.WithError(err).Warn("connection migration failed; closing it")
		c.migrated = true // the peer may hold it now: never read it again here
		c.nc.Close()
		return true
	}
	var reply control.MigrateReply
	if r.Decode(&reply) != nil || !reply.Adopted {
		return false
	}
	c.migrated = true
	return true
}

// adopt takes a connection migrated from another shard and serves it,
// starting with the request that came with it.
func (s *Shard) adopt(p *ipc.Peer, f *ipc.Frame) {
	var m control.Migrate
	if err := f.Decode(&m); err != nil || len(f.Files) != 1 || s.reg.ShuttingDown() {
		f.CloseFiles()
		p.Reply(f, control.MigrateReply{V: 1}, nil)
		return
	}
	nc, err := net.FileConn(f.Files[0])
	f.Files[0].Close()
	if err != nil {
		p.Reply(f, control.MigrateReply{V: 1}, nil)
		return
	}
	c := &conn{s: s, nc: nc, remote: m.Remote, id: m.ClientID, sent: true}
	c.sess = session{authed: m.Authed, userID: m.UserID, cred: m.Cred, viaPAT: m.ViaPAT}
	c.pending = &pendingRequest{code: protocol.Code(m.Code), payload: f.Body}
	c.log = s.log.WithFields(logrus.Fields{logging.Remote: m.Remote, logging.Conn: c.id})
	s.mu.Lock()
	s.conns[c] = struct{}{}
	front := s.front
	s.mu.Unlock()
	if err := s.reg.Go("conn "+m.Remote, c.serve); err != nil {
		p.Reply(f, control.MigrateReply{V: 1}, nil)
		nc.Close()
		return
	}
	p.Reply(f, control.MigrateReply{V: 1, Adopted: true}, nil)
	if front != nil {
		front.Notify(ipc.TypeConnAdopted, ipc.ConnClosed{V: 1}, nil)
	}
	s.clientEvent(c, false)
}
