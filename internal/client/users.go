// SPDX-License-Identifier: Apache-2.0

package client

import (
	"context"

	"riffle/internal/protocol"
)

// Login logs the connection in with a username and password (LoginUser, 38)
// and returns the user's ID.
func (c *Client) Login(ctx context.Context, username, password string) (uint32, error) {
	var id protocol.IdentityInfo
	p, err := c.call(ctx, &protocol.LoginUser{Username: username, Password: password})
	if err == nil {
		err = decode(protocol.CodeLoginUser, p, &id)
	}
	return id.UserID, err
}

// LoginWithToken logs the connection in with a personal access token
// (LoginWithPersonalAccessToken, 44) and returns the user's ID.
func (c *Client) LoginWithToken(ctx context.Context, token string) (uint32, error) {
	var id protocol.IdentityInfo
	p, err := c.call(ctx, &protocol.LoginWithPersonalAccessToken{Token: token})
	if err == nil {
		err = decode(protocol.CodeLoginWithPersonalAccessToken, p, &id)
	}
	return id.UserID, err
}

// Logout ends the session of the connection (LogoutUser, 39); the connection
// stays open.
func (c *Client) Logout(ctx context.Context) error {
	_, err := c.call(ctx, &protocol.LogoutUser{})
	return err
}

// GetUser returns a user and its permissions (GetUser, 31), or ErrNotFound.
func (c *Client) GetUser(ctx context.Context, user protocol.Identifier) (protocol.UserDetails, error) {
	var d protocol.UserDetails
	p, err := c.call(ctx, &protocol.GetUser{User: user})
	if err == nil {
		err = decode(protocol.CodeGetUser, p, &d)
	}
	return d, err
}

// GetUsers lists the users (GetUsers, 32).
func (c *Client) GetUsers(ctx context.Context) (protocol.UserList, error) {
	var l protocol.UserList
	p, err := c.call(ctx, &protocol.GetUsers{})
	if err == nil {
		err = decode(protocol.CodeGetUsers, p, &l)
	}
	return l, err
}

// CreateUser creates a user (CreateUser, 33) and returns it as the server
// stored it.
func (c *Client) CreateUser(ctx context.Context, q protocol.CreateUser) (protocol.UserDetails, error) {
	var d protocol.UserDetails
	p, err := c.call(ctx, &q)
	if err == nil {
		err = decode(protocol.CodeCreateUser, p, &d)
	}
	return d, err
}

// DeleteUser deletes a user (DeleteUser, 34).
func (c *Client) DeleteUser(ctx context.Context, user protocol.Identifier) error {
	_, err := c.call(ctx, &protocol.DeleteUser{User: user})
	return err
}

// UpdateUser renames a user and/or changes its status (UpdateUser, 35).
func (c *Client) UpdateUser(ctx context.Context, q protocol.UpdateUser) error {
	_, err := c.call(ctx, &q)
	return err
}

// UpdatePermissions replaces a user's permissions; nil removes them all
// (UpdatePermissions, 36).
func (c *Client) UpdatePermissions(ctx context.Context, user protocol.Identifier, perms *protocol.Permissions) error {
	_, err := c.call(ctx, &protocol.UpdatePermissions{User: user, Permissions: perms})
	return err
}

// ChangePassword changes a user's password (ChangePassword, 37).
func (c *Client) ChangePassword(ctx context.Context, user protocol.Identifier, current, next string) error {
	_, err := c.call(ctx, &protocol.ChangePassword{User: user, CurrentPassword: current, NewPassword: next})
	return err
}

// GetPersonalAccessTokens lists the tokens of the logged-in user
// (GetPersonalAccessTokens, 41).
func (c *Client) GetPersonalAccessTokens(ctx context.Context) (protocol.PersonalAccessTokenList, error) {
	var l protocol.PersonalAccessTokenList
	p, err := c.call(ctx, &protocol.GetPersonalAccessTokens{})
	if err == nil {
		err = decode(protocol.CodeGetPersonalAccessTokens, p, &l)
	}
	return l, err
}

// CreatePersonalAccessToken creates a token for the logged-in user and
// returns the raw token, which the server shows only once
// (CreatePersonalAccessToken, 42). expiry is in µs: 0 is the server default,
// protocol.ExpiryNever never expires.
func (c *Client) CreatePersonalAccessToken(ctx context.Context, name string, expiry uint64) (string, error) {
	var t protocol.RawPersonalAccessToken
	p, err := c.call(ctx, &protocol.CreatePersonalAccessToken{Name: name, Expiry: expiry})
	if err == nil {
		err = decode(protocol.CodeCreatePersonalAccessToken, p, &t)
	}
	return t.Token, err
}

// DeletePersonalAccessToken deletes a token of the logged-in user
// (DeletePersonalAccessToken, 43).
func (c *Client) DeletePersonalAccessToken(ctx context.Context, name string) error {
	_, err := c.call(ctx, &protocol.DeletePersonalAccessToken{Name: name})
	return err
}
