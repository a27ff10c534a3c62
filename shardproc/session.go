// SPDX-License-Identifier: Apache-2.0

package shardproc

import (
	"context"
	"errors"
	"math"
	"net"
	"time"

	"riffle/internal/clock"
	"riffle/internal/control"
	"riffle/internal/metadata"
	"riffle/internal/mpack"
	"riffle/internal/protocol"
)

// A session lives as long as the credential it logged in with: a session of a
// user that is deleted or deactivated, whose password changed (other than by
// this session), or whose personal access token was deleted or expired, is
// logged out before its next command, which then fails Unauthenticated.

// noID stands for "no particular stream or topic": permission checks with it
// consult only the grants that cover every stream or topic, so a user learns
// that something does not exist only if it may see it anyway.
const noID = uint32(math.MaxUint32)

// callTimeout bounds one request to the supervisor or to another shard.
const callTimeout = 30 * time.Second

type session struct {
	authed bool
	userID uint32
	cred   string // password hash, or PAT hash when viaPAT
	viaPAT bool
	rr     map[[3]uint32]uint32 // per-group round-robin over the member's partitions
}

// sessionValid reports whether the connection is logged in with a credential
// that is still good, logging it out if not.
func (c *conn) sessionValid() bool {
	if !c.sess.authed {
		return false
	}
	ok := false
	now := clock.Micros(time.Now())
	c.s.md.read(func(st *metadata.State) {
		u := st.User(c.sess.userID)
		if u == nil || u.Status != metadata.UserActive {
			return
		}
		if c.sess.viaPAT {
			pat, uid, found := st.PATByHash(c.sess.cred)
			ok = found && uid == u.ID && !pat.Expired(now)
			return
		}
		ok = u.PasswordHash == c.sess.cred
	})
	if !ok {
		c.endSession()
	}
	return ok
}

func (c *conn) startSession(userID uint32, cred string, viaPAT bool) {
	c.sess = session{authed: true, userID: userID, cred: cred, viaPAT: viaPAT}
	c.s.clientEvent(c, false)
}

func (c *conn) endSession() {
	was := c.sess.authed
	c.sess = session{}
	if was {
		c.s.clientEvent(c, false)
	}
}

func (c *conn) userID() uint32 {
	if !c.sess.authed {
		return protocol.NoUserID
	}
	return c.sess.userID
}

func (c *conn) loginUser(payload []byte) (protocol.Status, []byte) {
	var req protocol.LoginUser
	if err := req.Decode(payload); err != nil {
		return protocol.StatusFromError(err), nil
	}
	if c.s.reg.ShuttingDown() {
		return protocol.StatusDisconnected, nil
	}
	if st, ok := c.loginTurn(); !ok {
		return st, nil
	}
	// The password hash is slow: copy the credential out, verify unlocked.
	var cred metadata.Credential
	c.s.md.read(func(st *metadata.State) { cred = st.Credential(req.Username) })
	uid, err := metadata.CheckPassword(req.Username, req.Password, cred)
	if err != nil {
		if errors.Is(err, metadata.ErrInvalidCredentials) || errors.Is(err, metadata.ErrUserInactive) {
			c.loginFailed()
		}
		return protocol.StatusFromError(err), nil
	}
	c.startSession(uid, cred.Hash, false)
	return protocol.StatusOK, (&protocol.IdentityInfo{UserID: uid}).AppendTo(nil)
}

func (c *conn) loginWithPAT(payload []byte) (protocol.Status, []byte) {
	var req protocol.LoginWithPersonalAccessToken
	if err := req.Decode(payload); err != nil {
		return protocol.StatusFromError(err), nil
	}
	if c.s.reg.ShuttingDown() {
		return protocol.StatusDisconnected, nil
	}
	if st, ok := c.loginTurn(); !ok {
		return st, nil
	}
	var uid uint32
	var err error
	c.s.md.read(func(st *metadata.State) { uid, err = st.AuthenticateToken(req.Token, clock.Micros(time.Now())) })
	if err != nil {
		c.loginFailed() // every refusal of a token is a failed guess
		return protocol.StatusFromError(err), nil
	}
	c.startSession(uid, metadata.HashToken(req.Token), true)
	return protocol.StatusOK, (&protocol.IdentityInfo{UserID: uid}).AppendTo(nil)
}

// loginTurn waits until this connection's address may have credentials
// checked again (internal/loginguard). It reports false, with the status to
// answer, when the attempt is refused unchecked because the address has too
// many attempts queued, or when the shard stops meanwhile.
func (c *conn) loginTurn() (protocol.Status, bool) {
	if c.s.logins == nil {
		return protocol.StatusOK, true
	}
	wait, ok := c.s.logins.Admit(c.address(), time.Now())
	if !ok {
		c.log.Debug("login refused unchecked: this address has too many attempts waiting")
		return protocol.StatusUnauthenticated, false
	}
	if wait <= 0 {
		return protocol.StatusOK, true
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-t.C:
		return protocol.StatusOK, true
	case <-c.ctx.Done():
		return protocol.StatusDisconnected, false
	}
}

// loginFailed counts a failed login against this connection's address, and
// says so in the log when the address starts to wait.
func (c *conn) loginFailed() {
	if c.s.logins == nil {
		return
	}
	now := time.Now()
	addr := c.address()
	c.s.logins.Failed(addr, now)
	if c.s.logins.Failures(addr, now) == c.s.cfg.Auth.FreeLoginFailures {
		c.log.WithField("address", addr).Warn("repeated login failures: further attempts from this address are delayed")
	}
}

// address is the IP address of the client, the unit login failures are
// counted in.
func (c *conn) address() string {
	if host, _, err := net.SplitHostPort(c.remote); err == nil {
		return host
	}
	return c.remote
}

func (c *conn) logoutUser(payload []byte) (protocol.Status, []byte) {
	c.endSession()
	return protocol.StatusOK, nil
}

// commit sends a metadata command to the supervisor on behalf of the session
// and waits until this shard's replica has the change. A refusal because the
// addressed object does not exist goes through hideMissing.
func (c *conn) commit(cmd metadata.Command) (metadata.Result, protocol.Status) {
	res, st := c.s.commitMetadata(c.sess.userID, cmd)
	if notFound(st) {
		st = c.hideMissing(cmd, st)
	}
	return res, st
}

// hideMissing applies the no-leak rule to a change refused with st because
// its stream, topic, consumer group or user does not exist (the supervisor
// resolves before it checks permissions, as Iggy does): only a user whose
// grants would cover the missing object learns that; others get
// Unauthorized, as from scope.
func (c *conn) hideMissing(cmd metadata.Command, st protocol.Status) protocol.Status {
	var code protocol.Code
	var stream, topic *metadata.Identifier
	switch v := cmd.(type) {
	case metadata.UpdateStream:
		code, stream = protocol.CodeUpdateStream, &v.Stream
	case metadata.DeleteStream:
		code, stream = protocol.CodeDeleteStream, &v.Stream
	case metadata.PurgeStream:
		code, stream = protocol.CodePurgeStream, &v.Stream
	case metadata.CreateTopic:
		code, stream = protocol.CodeCreateTopic, &v.Stream
	case metadata.UpdateTopic:
		code, stream, topic = protocol.CodeUpdateTopic, &v.Stream, &v.Topic
	case metadata.DeleteTopic:
		code, stream, topic = protocol.CodeDeleteTopic, &v.Stream, &v.Topic
	case metadata.PurgeTopic:
		code, stream, topic = protocol.CodePurgeTopic, &v.Stream, &v.Topic
	case metadata.CreatePartitions:
		code, stream, topic = protocol.CodeCreatePartitions, &v.Stream, &v.Topic
	case metadata.DeletePartitions:
		code, stream, topic = protocol.CodeDeletePartitions, &v.Stream, &v.Topic
	case metadata.CreateConsumerGroup:
		code, stream, topic = protocol.CodeCreateConsumerGroup, &v.Stream, &v.Topic
	case metadata.DeleteConsumerGroup:
		code, stream, topic = protocol.CodeDeleteConsumerGroup, &v.Stream, &v.Topic
	case metadata.JoinConsumerGroup:
		code, stream, topic = protocol.CodeJoinConsumerGroup, &v.Stream, &v.Topic
	case metadata.LeaveConsumerGroup:
		code, stream, topic = protocol.CodeLeaveConsumerGroup, &v.Stream, &v.Topic
	case metadata.ChangePassword:
		code = protocol.CodeChangePassword
	default:
		return st // the caller's own objects (tokens), or no object at all
	}
	var scoped protocol.Status
	c.s.md.read(func(m *metadata.State) { _, _, scoped = c.scope(m, code, stream, topic) })
	if scoped == protocol.StatusUnauthorized {
		return protocol.StatusUnauthorized
	}
	return st
}

// commitMetadata asks the supervisor to prepare and commit cmd for actor.
func (s *Shard) commitMetadata(actor uint32, cmd metadata.Command) (metadata.Result, protocol.Status) {
	enc, err := metadata.EncodeCommand(cmd)
	if err != nil {
		return metadata.Result{}, protocol.StatusInvalidCommand
	}
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	r, err := s.ctl.Call(ctx, control.TypeMetadata, control.MetadataRequest{V: 1, Actor: actor, Command: enc}, nil)
	if err != nil {
		s.log.WithError(err).Warn("metadata request")
		return metadata.Result{}, protocol.StatusShardCommunicationError
	}
	var reply control.MetadataReply
	if err := r.Decode(&reply); err != nil {
		return metadata.Result{}, protocol.StatusShardCommunicationError
	}
	if reply.Status != 0 {
		return metadata.Result{}, protocol.Status(reply.Status)
	}
	var res metadata.Result
	if len(reply.Result) > 0 {
		if err := mpack.Unmarshal(reply.Result, &res); err != nil {
			return metadata.Result{}, protocol.StatusShardCommunicationError
		}
	}
	if err := s.md.waitVersion(ctx, reply.Version); err != nil {
		return metadata.Result{}, protocol.StatusShardCommunicationError
	}
	return res, protocol.StatusOK
}

// scope resolves the stream (and the topic, when topic is not nil) a
// command addresses and checks that the session may run code on them; with
// stream nil it checks a permission that is about no stream. A missing
// stream or topic is reported (its NotFound status) only to a user whose
// grants would cover it; others get Unauthorized, so existence does not leak.
func (c *conn) scope(st *metadata.State, code protocol.Code, stream, topic *metadata.Identifier) (uint32, uint32, protocol.Status) {
	user := c.sess.userID
	deny := func(ok bool, err error) (uint32, uint32, protocol.Status) {
		if ok {
			return 0, 0, protocol.StatusFromError(err)
		}
		return 0, 0, protocol.StatusUnauthorized
	}
	if stream == nil {
		if !st.Permitted(user, code, nil, nil) {
			return 0, 0, protocol.StatusUnauthorized
		}
		return 0, 0, protocol.StatusOK
	}
	s, err := st.ResolveStream(*stream)
	if err != nil {
		return deny(st.Permitted(user, code, ptr(noID), ptr(noID)), err)
	}
	if topic == nil {
		if !st.Permitted(user, code, &s, nil) {
			return 0, 0, protocol.StatusUnauthorized
		}
		return s, 0, protocol.StatusOK
	}
	_, t, err := st.ResolveTopic(metadata.NumericID(s), *topic)
	if err != nil {
		return deny(st.Permitted(user, code, &s, ptr(noID)), err)
	}
	if !st.Permitted(user, code, &s, &t) {
		return 0, 0, protocol.StatusUnauthorized
	}
	return s, t, protocol.StatusOK
}

// streamScope is scope for a command about one stream.
func (c *conn) streamScope(st *metadata.State, code protocol.Code, id protocol.Identifier) (uint32, protocol.Status) {
	sid := metadata.IdentifierFromWire(id)
	s, _, status := c.scope(st, code, &sid, nil)
	return s, status
}

// topicScope is scope for a command about one topic.
func (c *conn) topicScope(st *metadata.State, code protocol.Code, stream, topic protocol.Identifier) (uint32, uint32, protocol.Status) {
	sid, tid := metadata.IdentifierFromWire(stream), metadata.IdentifierFromWire(topic)
	return c.scope(st, code, &sid, &tid)
}

func ptr(v uint32) *uint32 { return &v }

// notFound reports whether st is one of the "does not exist" statuses that
// getters answer with an empty OK.
func notFound(st protocol.Status) bool {
	switch st {
	case protocol.StatusStreamIDNotFound, protocol.StatusTopicIDNotFound, protocol.StatusConsumerGroupIDNotFound,
		protocol.StatusResourceNotFound, protocol.StatusPartitionNotFound, protocol.StatusStreamNameNotFound,
		protocol.StatusTopicNameNotFound, protocol.StatusConsumerGroupNameNotFound:
		return true
	}
	return false
}
