// SPDX-License-Identifier: Apache-2.0

package itest

import (
	"testing"

	"riffle/internal/protocol"
)

// secConn is a raw connection that sends requests built with the protocol
// package's encoders, for the security tests (security_*_test.go).
type secConn struct {
	*rawConn
	t testing.TB
}

func (s *Server) secDial(t testing.TB) *secConn {
	t.Helper()
	return &secConn{rawConn: dialRaw(t, s.Addr), t: t}
}

// secLogin dials and logs in as user, failing the test unless it succeeds.
func (s *Server) secLogin(t testing.TB, user, password string) *secConn {
	t.Helper()
	c := s.secDial(t)
	if st := c.login(user, password); st != protocol.StatusOK {
		t.Fatalf("login %s: %v", user, st)
	}
	return c
}

// raw sends one frame with code and payload and returns the answer; an I/O
// error fails the test.
func (c *secConn) raw(code protocol.Code, payload []byte) (protocol.Status, []byte) {
	c.t.Helper()
	st, body, err := c.call(uint32(code), payload)
	if err != nil {
		c.t.Fatalf("%v: %v", code, err)
	}
	return protocol.Status(st), body
}

// do sends req and returns the answer.
func (c *secConn) do(req protocol.Request) (protocol.Status, []byte) {
	c.t.Helper()
	return c.raw(req.Code(), req.AppendTo(nil))
}

// ok sends req and fails the test unless the answer is OK.
func (c *secConn) ok(req protocol.Request) []byte {
	c.t.Helper()
	st, body := c.do(req)
	if st != protocol.StatusOK {
		c.t.Fatalf("%v: %v", req.Code(), st)
	}
	return body
}

func (c *secConn) login(user, password string) protocol.Status {
	c.t.Helper()
	st, _ := c.do(&protocol.LoginUser{Username: user, Password: password, Version: "itest", Context: "security"})
	return st
}

func (c *secConn) loginPAT(token string) protocol.Status {
	c.t.Helper()
	st, _ := c.do(&protocol.LoginWithPersonalAccessToken{Token: token})
	return st
}

// createPAT creates a personal access token and returns it.
func (c *secConn) createPAT(name string, expiry uint64) string {
	c.t.Helper()
	var tok protocol.RawPersonalAccessToken
	if err := tok.Decode(c.ok(&protocol.CreatePersonalAccessToken{Name: name, Expiry: expiry})); err != nil {
		c.t.Fatalf("decode token: %v", err)
	}
	return tok.Token
}

// createUser creates an active user with perms (nil = none) and returns its id.
func (c *secConn) createUser(name, password string, perms *protocol.Permissions) uint32 {
	c.t.Helper()
	var d protocol.UserDetails
	body := c.ok(&protocol.CreateUser{Username: name, Password: password, Status: protocol.UserActive, Permissions: perms})
	if err := d.Decode(body); err != nil {
		c.t.Fatalf("decode user %s: %v", name, err)
	}
	return d.User.ID
}

// stream returns the stream's details, or false when it does not exist.
func (c *secConn) stream(id protocol.Identifier) (protocol.StreamDetails, bool) {
	c.t.Helper()
	var d protocol.StreamDetails
	body := c.ok(&protocol.GetStream{Stream: id})
	if len(body) == 0 {
		return d, false
	}
	if err := d.Decode(body); err != nil {
		c.t.Fatalf("decode stream %v: %v", id, err)
	}
	return d, true
}

// topic returns the topic's details, or false when it does not exist.
func (c *secConn) topic(s, t protocol.Identifier) (protocol.TopicDetails, bool) {
	c.t.Helper()
	var d protocol.TopicDetails
	body := c.ok(&protocol.GetTopic{Stream: s, Topic: t})
	if len(body) == 0 {
		return d, false
	}
	if err := d.Decode(body); err != nil {
		c.t.Fatalf("decode topic %v/%v: %v", s, t, err)
	}
	return d, true
}

// group returns the consumer group's details, or false when it does not exist.
func (c *secConn) group(s, t, g protocol.Identifier) (protocol.GroupDetails, bool) {
	c.t.Helper()
	var d protocol.GroupDetails
	body := c.ok(&protocol.GetConsumerGroup{Stream: s, Topic: t, Group: g})
	if len(body) == 0 {
		return d, false
	}
	if err := d.Decode(body); err != nil {
		c.t.Fatalf("decode group %v/%v/%v: %v", s, t, g, err)
	}
	return d, true
}

// user returns the user's details, or false when it does not exist.
func (c *secConn) user(id protocol.Identifier) (protocol.UserDetails, bool) {
	c.t.Helper()
	var d protocol.UserDetails
	body := c.ok(&protocol.GetUser{User: id})
	if len(body) == 0 {
		return d, false
	}
	if err := d.Decode(body); err != nil {
		c.t.Fatalf("decode user %v: %v", id, err)
	}
	return d, true
}

// send appends one message to partition pid of s/t.
func (c *secConn) send(s, t protocol.Identifier, pid uint32, payload string) protocol.Status {
	c.t.Helper()
	body := protocol.AppendSendMessages(nil, s, t, protocol.PartitionByID(pid), []protocol.Message{{Payload: []byte(payload)}})
	st, _ := c.raw(protocol.CodeSendMessages, body)
	return st
}

// clientID returns the server's client id of this connection.
func (c *secConn) clientID() uint32 {
	c.t.Helper()
	var d protocol.ClientDetails
	if err := d.Decode(c.ok(&protocol.GetMe{})); err != nil {
		c.t.Fatalf("decode me: %v", err)
	}
	return d.Client.ClientID
}
