// SPDX-License-Identifier: Apache-2.0

package metadata

// CommandCode is an Iggy 0.8.0 command code (protocol doc §3.1); the values
// are the wire codes, so a protocol code converts with a plain conversion.
// Permitted takes one to decide authorization.
type CommandCode uint32

// The 47 command codes of Iggy 0.8.0.
const (
	CmdPing                         CommandCode = 1
	CmdGetStats                     CommandCode = 10
	CmdGetSnapshot                  CommandCode = 11
	CmdGetClusterMetadata           CommandCode = 12
	CmdGetMe                        CommandCode = 20
	CmdGetClient                    CommandCode = 21
	CmdGetClients                   CommandCode = 22
	CmdGetUser                      CommandCode = 31
	CmdGetUsers                     CommandCode = 32
	CmdCreateUser                   CommandCode = 33
	CmdDeleteUser                   CommandCode = 34
	CmdUpdateUser                   CommandCode = 35
	CmdUpdatePermissions            CommandCode = 36
	CmdChangePassword               CommandCode = 37
	CmdLoginUser                    CommandCode = 38
	CmdLogoutUser                   CommandCode = 39
	CmdGetPersonalAccessTokens      CommandCode = 41
	CmdCreatePersonalAccessToken    CommandCode = 42
	CmdDeletePersonalAccessToken    CommandCode = 43
	CmdLoginWithPersonalAccessToken CommandCode = 44
	CmdPollMessages                 CommandCode = 100
	CmdSendMessages                 CommandCode = 101
	CmdFlushUnsavedBuffer           CommandCode = 102
	CmdGetConsumerOffset            CommandCode = 120
	CmdStoreConsumerOffset          CommandCode = 121
	CmdDeleteConsumerOffset         CommandCode = 122
	CmdGetStream                    CommandCode = 200
	CmdGetStreams                   CommandCode = 201
	CmdCreateStream                 CommandCode = 202
	CmdDeleteStream                 CommandCode = 203
	CmdUpdateStream                 CommandCode = 204
	CmdPurgeStream                  CommandCode = 205
	CmdGetTopic                     CommandCode = 300
	CmdGetTopics                    CommandCode = 301
	CmdCreateTopic                  CommandCode = 302
	CmdDeleteTopic                  CommandCode = 303
	CmdUpdateTopic                  CommandCode = 304
	CmdPurgeTopic                   CommandCode = 305
	CmdCreatePartitions             CommandCode = 402
	CmdDeletePartitions             CommandCode = 403
	CmdDeleteSegments               CommandCode = 503
	CmdGetConsumerGroup             CommandCode = 600
	CmdGetConsumerGroups            CommandCode = 601
	CmdCreateConsumerGroup          CommandCode = 602
	CmdDeleteConsumerGroup          CommandCode = 603
	CmdJoinConsumerGroup            CommandCode = 604
	CmdLeaveConsumerGroup           CommandCode = 605
)

// AllCommandCodes lists the 47 codes in ascending order, for tests that must
// classify every command. The slice is shared; do not modify it.
var AllCommandCodes = []CommandCode{
	CmdPing, CmdGetStats, CmdGetSnapshot, CmdGetClusterMetadata, CmdGetMe, CmdGetClient,
	CmdGetClients, CmdGetUser, CmdGetUsers, CmdCreateUser, CmdDeleteUser, CmdUpdateUser,
	CmdUpdatePermissions, CmdChangePassword, CmdLoginUser, CmdLogoutUser,
	CmdGetPersonalAccessTokens, CmdCreatePersonalAccessToken, CmdDeletePersonalAccessToken,
	CmdLoginWithPersonalAccessToken, CmdPollMessages, CmdSendMessages, CmdFlushUnsavedBuffer,
	CmdGetConsumerOffset, CmdStoreConsumerOffset, CmdDeleteConsumerOffset, CmdGetStream,
	CmdGetStreams, CmdCreateStream, CmdDeleteStream, CmdUpdateStream, CmdPurgeStream,
	CmdGetTopic, CmdGetTopics, CmdCreateTopic, CmdDeleteTopic, CmdUpdateTopic, CmdPurgeTopic,
	CmdCreatePartitions, CmdDeletePartitions, CmdDeleteSegments, CmdGetConsumerGroup,
	CmdGetConsumerGroups, CmdCreateConsumerGroup, CmdDeleteConsumerGroup,
	CmdJoinConsumerGroup, CmdLeaveConsumerGroup,
}
