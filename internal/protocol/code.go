// SPDX-License-Identifier: Apache-2.0

package protocol

import "strconv"

// Code is the u32 command code of a request frame. Iggy 0.8.0 defines exactly
// the 47 codes below (protocol doc §3.1); 13, 40, 45 and 606 belong to later
// versions and are unknown here.
type Code uint32

// Command codes of Iggy 0.8.0.
const (
	CodePing                         Code = 1
	CodeGetStats                     Code = 10
	CodeGetSnapshot                  Code = 11
	CodeGetClusterMetadata           Code = 12
	CodeGetMe                        Code = 20
	CodeGetClient                    Code = 21
	CodeGetClients                   Code = 22
	CodeGetUser                      Code = 31
	CodeGetUsers                     Code = 32
	CodeCreateUser                   Code = 33
	CodeDeleteUser                   Code = 34
	CodeUpdateUser                   Code = 35
	CodeUpdatePermissions            Code = 36
	CodeChangePassword               Code = 37
	CodeLoginUser                    Code = 38
	CodeLogoutUser                   Code = 39
	CodeGetPersonalAccessTokens      Code = 41
	CodeCreatePersonalAccessToken    Code = 42
	CodeDeletePersonalAccessToken    Code = 43
	CodeLoginWithPersonalAccessToken Code = 44
	CodePollMessages                 Code = 100
	CodeSendMessages                 Code = 101
	CodeFlushUnsavedBuffer           Code = 102
	CodeGetConsumerOffset            Code = 120
	CodeStoreConsumerOffset          Code = 121
	CodeDeleteConsumerOffset         Code = 122
	CodeGetStream                    Code = 200
	CodeGetStreams                   Code = 201
	CodeCreateStream                 Code = 202
	CodeDeleteStream                 Code = 203
	CodeUpdateStream                 Code = 204
	CodePurgeStream                  Code = 205
	CodeGetTopic                     Code = 300
	CodeGetTopics                    Code = 301
	CodeCreateTopic                  Code = 302
	CodeDeleteTopic                  Code = 303
	CodeUpdateTopic                  Code = 304
	CodePurgeTopic                   Code = 305
	CodeCreatePartitions             Code = 402
	CodeDeletePartitions             Code = 403
	CodeDeleteSegments               Code = 503
	CodeGetConsumerGroup             Code = 600
	CodeGetConsumerGroups            Code = 601
	CodeCreateConsumerGroup          Code = 602
	CodeDeleteConsumerGroup          Code = 603
	CodeJoinConsumerGroup            Code = 604
	CodeLeaveConsumerGroup           Code = 605
)

// codeNames is sorted by code; Codes, String and Known read it.
var codeNames = [...]struct {
	code Code
	name string
}{
	{CodePing, "Ping"},
	{CodeGetStats, "GetStats"},
	{CodeGetSnapshot, "GetSnapshot"},
	{CodeGetClusterMetadata, "GetClusterMetadata"},
	{CodeGetMe, "GetMe"},
	{CodeGetClient, "GetClient"},
	{CodeGetClients, "GetClients"},
	{CodeGetUser, "GetUser"},
	{CodeGetUsers, "GetUsers"},
	{CodeCreateUser, "CreateUser"},
	{CodeDeleteUser, "DeleteUser"},
	{CodeUpdateUser, "UpdateUser"},
	{CodeUpdatePermissions, "UpdatePermissions"},
	{CodeChangePassword, "ChangePassword"},
	{CodeLoginUser, "LoginUser"},
	{CodeLogoutUser, "LogoutUser"},
	{CodeGetPersonalAccessTokens, "GetPersonalAccessTokens"},
	{CodeCreatePersonalAccessToken, "CreatePersonalAccessToken"},
	{CodeDeletePersonalAccessToken, "DeletePersonalAccessToken"},
	{CodeLoginWithPersonalAccessToken, "LoginWithPersonalAccessToken"},
	{CodePollMessages, "PollMessages"},
	{CodeSendMessages, "SendMessages"},
	{CodeFlushUnsavedBuffer, "FlushUnsavedBuffer"},
	{CodeGetConsumerOffset, "GetConsumerOffset"},
	{CodeStoreConsumerOffset, "StoreConsumerOffset"},
	{CodeDeleteConsumerOffset, "DeleteConsumerOffset"},
	{CodeGetStream, "GetStream"},
	{CodeGetStreams, "GetStreams"},
	{CodeCreateStream, "CreateStream"},
	{CodeDeleteStream, "DeleteStream"},
	{CodeUpdateStream, "UpdateStream"},
	{CodePurgeStream, "PurgeStream"},
	{CodeGetTopic, "GetTopic"},
	{CodeGetTopics, "GetTopics"},
	{CodeCreateTopic, "CreateTopic"},
	{CodeDeleteTopic, "DeleteTopic"},
	{CodeUpdateTopic, "UpdateTopic"},
	{CodePurgeTopic, "PurgeTopic"},
	{CodeCreatePartitions, "CreatePartitions"},
	{CodeDeletePartitions, "DeletePartitions"},
	{CodeDeleteSegments, "DeleteSegments"},
	{CodeGetConsumerGroup, "GetConsumerGroup"},
	{CodeGetConsumerGroups, "GetConsumerGroups"},
	{CodeCreateConsumerGroup, "CreateConsumerGroup"},
	{CodeDeleteConsumerGroup, "DeleteConsumerGroup"},
	{CodeJoinConsumerGroup, "JoinConsumerGroup"},
	{CodeLeaveConsumerGroup, "LeaveConsumerGroup"},
}

// Codes returns the 47 command codes of Iggy 0.8.0 in increasing order. The
// slice is a fresh copy.
func Codes() []Code {
	out := make([]Code, len(codeNames))
	for i, e := range codeNames {
		out[i] = e.code
	}
	return out
}

func (c Code) index() int {
	lo, hi := 0, len(codeNames)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if codeNames[m].code < c {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo < len(codeNames) && codeNames[lo].code == c {
		return lo
	}
	return -1
}

// Known reports whether c is one of the 47 codes of Iggy 0.8.0.
func (c Code) Known() bool { return c.index() >= 0 }

// String returns the command name, e.g. "SendMessages", or "Code(N)" for an
// unknown code.
func (c Code) String() string {
	if i := c.index(); i >= 0 {
		return codeNames[i].name
	}
	return "Code(" + strconv.FormatUint(uint64(c), 10) + ")"
}

// RequiresAuth reports whether the command needs a logged-in session
// (protocol doc §1.6). Only Ping, LoginUser and LoginWithPersonalAccessToken
// do not; unknown codes report true.
func (c Code) RequiresAuth() bool {
	switch c {
	case CodePing, CodeLoginUser, CodeLoginWithPersonalAccessToken:
		return false
	}
	return true
}
