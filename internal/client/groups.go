// SPDX-License-Identifier: Apache-2.0

package client

import (
	"context"

	"riffle/internal/protocol"
)

// GetConsumerGroup returns a group and its members (GetConsumerGroup, 600),
// or ErrNotFound.
func (c *Client) GetConsumerGroup(ctx context.Context, stream, topic, group protocol.Identifier) (protocol.GroupDetails, error) {
	var d protocol.GroupDetails
	p, err := c.call(ctx, &protocol.GetConsumerGroup{Stream: stream, Topic: topic, Group: group})
	if err == nil {
		err = decode(protocol.CodeGetConsumerGroup, p, &d)
	}
	return d, err
}

// GetConsumerGroups lists the groups of a topic (GetConsumerGroups, 601).
func (c *Client) GetConsumerGroups(ctx context.Context, stream, topic protocol.Identifier) (protocol.GroupList, error) {
	var l protocol.GroupList
	p, err := c.call(ctx, &protocol.GetConsumerGroups{Stream: stream, Topic: topic})
	if err == nil {
		err = decode(protocol.CodeGetConsumerGroups, p, &l)
	}
	return l, err
}

// CreateConsumerGroup creates a group; the server assigns its ID
// (CreateConsumerGroup, 602).
func (c *Client) CreateConsumerGroup(ctx context.Context, stream, topic protocol.Identifier, name string) (protocol.GroupInfo, error) {
	var g protocol.GroupInfo
	p, err := c.call(ctx, &protocol.CreateConsumerGroup{Stream: stream, Topic: topic, Name: name})
	if err == nil {
		err = decode(protocol.CodeCreateConsumerGroup, p, &g)
	}
	return g, err
}

// DeleteConsumerGroup deletes a group (DeleteConsumerGroup, 603).
func (c *Client) DeleteConsumerGroup(ctx context.Context, stream, topic, group protocol.Identifier) error {
	_, err := c.call(ctx, &protocol.DeleteConsumerGroup{Stream: stream, Topic: topic, Group: group})
	return err
}

// JoinConsumerGroup makes this connection a member of a group
// (JoinConsumerGroup, 604); membership ends with the connection.
func (c *Client) JoinConsumerGroup(ctx context.Context, stream, topic, group protocol.Identifier) error {
	_, err := c.call(ctx, &protocol.JoinConsumerGroup{Stream: stream, Topic: topic, Group: group})
	return err
}

// LeaveConsumerGroup ends this connection's membership of a group
// (LeaveConsumerGroup, 605).
func (c *Client) LeaveConsumerGroup(ctx context.Context, stream, topic, group protocol.Identifier) error {
	_, err := c.call(ctx, &protocol.LeaveConsumerGroup{Stream: stream, Topic: topic, Group: group})
	return err
}
