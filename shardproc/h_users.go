// SPDX-License-Identifier: Apache-2.0

package shardproc

import (
	"riffle/internal/metadata"
	"riffle/internal/protocol"
)

// Users (31–37) and personal access tokens (41–43). Login and logout are in
// session.go.

func userInfo(u *metadata.User) protocol.UserInfo {
	return protocol.UserInfo{ID: u.ID, CreatedAt: u.CreatedAt, Status: u.Status, Username: u.Username}
}

func userDetails(u *metadata.User) []byte {
	d := protocol.UserDetails{User: userInfo(u)}
	if u.Permissions != nil {
		d.Permissions = u.Permissions.Wire()
	}
	return d.AppendTo(nil)
}

func (c *conn) getUser(payload []byte) (protocol.Status, []byte) {
	var req protocol.GetUser
	if err := req.Decode(payload); err != nil {
		return protocol.StatusFromError(err), nil
	}
	var out []byte
	st := protocol.StatusOK
	c.s.md.read(func(m *metadata.State) {
		id, err := m.ResolveUser(metadata.IdentifierFromWire(req.User))
		if err != nil {
			if !m.Permitted(c.sess.userID, protocol.CodeGetUser, nil, nil) {
				st = protocol.StatusUnauthorized
			}
			return // unknown: empty OK
		}
		if !m.PermittedOnUser(c.sess.userID, protocol.CodeGetUser, id) {
			st = protocol.StatusUnauthorized
			return
		}
		out = userDetails(m.User(id))
	})
	return st, out
}

func (c *conn) getUsers(payload []byte) (protocol.Status, []byte) {
	var list protocol.UserList
	st := protocol.StatusOK
	c.s.md.read(func(m *metadata.State) {
		if !m.Permitted(c.sess.userID, protocol.CodeGetUsers, nil, nil) {
			st = protocol.StatusUnauthorized
			return
		}
		for _, u := range m.Users() {
			list = append(list, userInfo(u))
		}
	})
	if st != protocol.StatusOK {
		return st, nil
	}
	return st, list.AppendTo(nil)
}

func (c *conn) createUser(payload []byte) (protocol.Status, []byte) {
	var req protocol.CreateUser
	if err := req.Decode(payload); err != nil {
		return protocol.StatusFromError(err), nil
	}
	res, st := c.commit(metadata.CreateUser{Username: req.Username, Password: req.Password, Status: req.Status, Permissions: metadata.PermissionsFromWire(req.Permissions)})
	if st != protocol.StatusOK {
		return st, nil
	}
	var out []byte
	c.s.md.read(func(m *metadata.State) {
		if u := m.User(res.UserID); u != nil {
			out = userDetails(u)
		}
	})
	return protocol.StatusOK, out
}

func (c *conn) deleteUser(payload []byte) (protocol.Status, []byte) {
	var req protocol.DeleteUser
	if err := req.Decode(payload); err != nil {
		return protocol.StatusFromError(err), nil
	}
	_, st := c.commit(metadata.DeleteUser{User: metadata.IdentifierFromWire(req.User)})
	return st, nil
}

func (c *conn) updateUser(payload []byte) (protocol.Status, []byte) {
	var req protocol.UpdateUser
	if err := req.Decode(payload); err != nil {
		return protocol.StatusFromError(err), nil
	}
	cmd := metadata.UpdateUser{User: metadata.IdentifierFromWire(req.User)}
	if req.Username != "" {
		name := req.Username
		cmd.Username = &name
	}
	if req.HasStatus {
		status := req.Status
		cmd.Status = &status
	}
	_, st := c.commit(cmd)
	return st, nil
}

func (c *conn) updatePermissions(payload []byte) (protocol.Status, []byte) {
	var req protocol.UpdatePermissions
	if err := req.Decode(payload); err != nil {
		return protocol.StatusFromError(err), nil
	}
	_, st := c.commit(metadata.UpdatePermissions{User: metadata.IdentifierFromWire(req.User), Permissions: metadata.PermissionsFromWire(req.Permissions)})
	return st, nil
}

func (c *conn) changePassword(payload []byte) (protocol.Status, []byte) {
	var req protocol.ChangePassword
	if err := req.Decode(payload); err != nil {
		return protocol.StatusFromError(err), nil
	}
	_, st := c.commit(metadata.ChangePassword{User: metadata.IdentifierFromWire(req.User), CurrentPassword: req.CurrentPassword, NewPassword: req.NewPassword})
	if st != protocol.StatusOK {
		return st, nil
	}
	// This session changed its own user's password: it keeps going with the
	// new credential; every other session of the user is cut.
	if !c.sess.viaPAT {
		c.s.md.read(func(m *metadata.State) {
			if id, err := m.ResolveUser(metadata.IdentifierFromWire(req.User)); err == nil && id == c.sess.userID {
				c.sess.cred = m.User(id).PasswordHash
			}
		})
	}
	return protocol.StatusOK, nil
}

func (c *conn) getPATs(payload []byte) (protocol.Status, []byte) {
	var list protocol.PersonalAccessTokenList
	c.s.md.read(func(m *metadata.State) {
		for _, p := range m.PATs(c.sess.userID) {
			list = append(list, protocol.PersonalAccessTokenInfo{Name: p.Name, ExpiryAt: p.ExpiryAt})
		}
	})
	return protocol.StatusOK, list.AppendTo(nil)
}

func (c *conn) createPAT(payload []byte) (protocol.Status, []byte) {
	var req protocol.CreatePersonalAccessToken
	if err := req.Decode(payload); err != nil {
		return protocol.StatusFromError(err), nil
	}
	res, st := c.commit(metadata.CreatePersonalAccessToken{Name: req.Name, Expiry: req.Expiry})
	if st != protocol.StatusOK {
		return st, nil
	}
	return protocol.StatusOK, (&protocol.RawPersonalAccessToken{Token: res.Token}).AppendTo(nil)
}

func (c *conn) deletePAT(payload []byte) (protocol.Status, []byte) {
	var req protocol.DeletePersonalAccessToken
	if err := req.Decode(payload); err != nil {
		return protocol.StatusFromError(err), nil
	}
	_, st := c.commit(metadata.DeletePersonalAccessToken{Name: req.Name})
	return st, nil
}
