// SPDX-License-Identifier: Apache-2.0

package client

import (
	"context"

	"riffle/internal/protocol"
)

// Ping sends Ping (1); it works before login.
func (c *Client) Ping(ctx context.Context) error {
	_, err := c.call(ctx, &protocol.Ping{})
	return err
}

// GetStats returns the server statistics (GetStats, 10).
func (c *Client) GetStats(ctx context.Context) (protocol.Stats, error) {
	var s protocol.Stats
	p, err := c.call(ctx, &protocol.GetStats{})
	if err == nil {
		err = decode(protocol.CodeGetStats, p, &s)
	}
	return s, err
}

// GetSnapshot returns the raw ZIP archive of a diagnostic snapshot
// (GetSnapshot, 11). compression and types use the codes of protocol
// 011_get_snapshot.go.
func (c *Client) GetSnapshot(ctx context.Context, compression uint8, types []uint8) ([]byte, error) {
	return c.call(ctx, &protocol.GetSnapshot{Compression: compression, Types: types})
}

// GetClusterMetadata returns the cluster description (GetClusterMetadata, 12).
func (c *Client) GetClusterMetadata(ctx context.Context) (protocol.ClusterMetadata, error) {
	var m protocol.ClusterMetadata
	p, err := c.call(ctx, &protocol.GetClusterMetadata{})
	if err == nil {
		err = decode(protocol.CodeGetClusterMetadata, p, &m)
	}
	return m, err
}

// GetMe returns this connection's client record (GetMe, 20).
func (c *Client) GetMe(ctx context.Context) (protocol.ClientDetails, error) {
	var d protocol.ClientDetails
	p, err := c.call(ctx, &protocol.GetMe{})
	if err == nil {
		err = decode(protocol.CodeGetMe, p, &d)
	}
	return d, err
}

// GetClient returns one connected client (GetClient, 21), or ErrNotFound.
func (c *Client) GetClient(ctx context.Context, id uint32) (protocol.ClientDetails, error) {
	var d protocol.ClientDetails
	p, err := c.call(ctx, &protocol.GetClient{ClientID: id})
	if err == nil {
		err = decode(protocol.CodeGetClient, p, &d)
	}
	return d, err
}

// GetClients lists the connected clients (GetClients, 22).
func (c *Client) GetClients(ctx context.Context) (protocol.ClientList, error) {
	var l protocol.ClientList
	p, err := c.call(ctx, &protocol.GetClients{})
	if err == nil {
		err = decode(protocol.CodeGetClients, p, &l)
	}
	return l, err
}
