// SPDX-License-Identifier: Apache-2.0

package shardproc

import "riffle/internal/protocol"

// dispatch runs one command and returns its status and response payload. It
// is a flat switch into one handler per command; the handlers live in h_*.go,
// grouped by family. Every command but Ping, LoginUser and
// LoginWithPersonalAccessToken needs a live session.
func (c *conn) dispatch(code protocol.Code, payload []byte) (protocol.Status, []byte) {
	if code.Known() && code.RequiresAuth() && !c.sessionValid() {
		return protocol.StatusUnauthenticated, nil
	}
	switch code {
	// system
	case protocol.CodePing:
		return protocol.StatusOK, nil
	case protocol.CodeGetStats:
		return c.getStats(payload)
	case protocol.CodeGetSnapshot:
		return c.getSnapshot(payload)
	case protocol.CodeGetClusterMetadata:
		return c.getClusterMetadata(payload)
	case protocol.CodeGetMe:
		return c.getMe(payload)
	case protocol.CodeGetClient:
		return c.getClient(payload)
	case protocol.CodeGetClients:
		return c.getClients(payload)
	// users and sessions
	case protocol.CodeGetUser:
		return c.getUser(payload)
	case protocol.CodeGetUsers:
		return c.getUsers(payload)
	case protocol.CodeCreateUser:
		return c.createUser(payload)
	case protocol.CodeDeleteUser:
		return c.deleteUser(payload)
	case protocol.CodeUpdateUser:
		return c.updateUser(payload)
	case protocol.CodeUpdatePermissions:
		return c.updatePermissions(payload)
	case protocol.CodeChangePassword:
		return c.changePassword(payload)
	case protocol.CodeLoginUser:
		return c.loginUser(payload)
	case protocol.CodeLogoutUser:
		return c.logoutUser(payload)
	case protocol.CodeGetPersonalAccessTokens:
		return c.getPATs(payload)
	case protocol.CodeCreatePersonalAccessToken:
		return c.createPAT(payload)
	case protocol.CodeDeletePersonalAccessToken:
		return c.deletePAT(payload)
	case protocol.CodeLoginWithPersonalAccessToken:
		return c.loginWithPAT(payload)
	// messages
	case protocol.CodePollMessages:
		return c.pollMessages(payload)
	case protocol.CodeSendMessages:
		return c.sendMessages(payload)
	case protocol.CodeFlushUnsavedBuffer:
		return c.flushUnsavedBuffer(payload)
	// consumer offsets
	case protocol.CodeGetConsumerOffset:
		return c.getConsumerOffset(payload)
	case protocol.CodeStoreConsumerOffset:
		return c.storeConsumerOffset(payload)
	case protocol.CodeDeleteConsumerOffset:
		return c.deleteConsumerOffset(payload)
	// streams
	case protocol.CodeGetStream:
		return c.getStream(payload)
	case protocol.CodeGetStreams:
		return c.getStreams(payload)
	case protocol.CodeCreateStream:
		return c.createStream(payload)
	case protocol.CodeDeleteStream:
		return c.deleteStream(payload)
	case protocol.CodeUpdateStream:
		return c.updateStream(payload)
	case protocol.CodePurgeStream:
		return c.purgeStream(payload)
	// topics, partitions, segments
	case protocol.CodeGetTopic:
		return c.getTopic(payload)
	case protocol.CodeGetTopics:
		return c.getTopics(payload)
	case protocol.CodeCreateTopic:
		return c.createTopic(payload)
	case protocol.CodeDeleteTopic:
		return c.deleteTopic(payload)
	case protocol.CodeUpdateTopic:
		return c.updateTopic(payload)
	case protocol.CodePurgeTopic:
		return c.purgeTopic(payload)
	case protocol.CodeCreatePartitions:
		return c.createPartitions(payload)
	case protocol.CodeDeletePartitions:
		return c.deletePartitions(payload)
	case protocol.CodeDeleteSegments:
		return c.deleteSegments(payload)
	// consumer groups
	case protocol.CodeGetConsumerGroup:
		return c.getConsumerGroup(payload)
	case protocol.CodeGetConsumerGroups:
		return c.getConsumerGroups(payload)
	case protocol.CodeCreateConsumerGroup:
		return c.createConsumerGroup(payload)
	case protocol.CodeDeleteConsumerGroup:
		return c.deleteConsumerGroup(payload)
	case protocol.CodeJoinConsumerGroup:
		return c.joinConsumerGroup(payload)
	case protocol.CodeLeaveConsumerGroup:
		return c.leaveConsumerGroup(payload)
	}
	return protocol.StatusInvalidCommand, nil
}
