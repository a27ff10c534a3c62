// SPDX-License-Identifier: Apache-2.0

package protocol

// Request is the payload codec of one command; every command of Iggy 0.8.0
// has one (the pointer to its struct implements Request).
//
// Decode fills the receiver from a payload (server side); on error the
// receiver is unchanged. Bytes after a complete payload are accepted. Fields
// documented as aliasing keep pointing into payload; everything else is
// copied. AppendTo appends the payload encoding (client side), which for a
// canonical payload equals the decoded bytes; Size is its length. Request
// values are not safe for concurrent mutation.
type Request interface {
	Code() Code
	Size() int
	AppendTo(dst []byte) []byte
	Decode(payload []byte) error
}

// NewRequest returns a new zero request for code, or false for an unknown
// code.
func NewRequest(code Code) (Request, bool) {
	var r Request
	switch code {
	case CodePing:
		r = new(Ping)
	case CodeGetStats:
		r = new(GetStats)
	case CodeGetSnapshot:
		r = new(GetSnapshot)
	case CodeGetClusterMetadata:
		r = new(GetClusterMetadata)
	case CodeGetMe:
		r = new(GetMe)
	case CodeGetClient:
		r = new(GetClient)
	case CodeGetClients:
		r = new(GetClients)
	case CodeGetUser:
		r = new(GetUser)
	case CodeGetUsers:
		r = new(GetUsers)
	case CodeCreateUser:
		r = new(CreateUser)
	case CodeDeleteUser:
		r = new(DeleteUser)
	case CodeUpdateUser:
		r = new(UpdateUser)
	case CodeUpdatePermissions:
		r = new(UpdatePermissions)
	case CodeChangePassword:
		r = new(ChangePassword)
	case CodeLoginUser:
		r = new(LoginUser)
	case CodeLogoutUser:
		r = new(LogoutUser)
	case CodeGetPersonalAccessTokens:
		r = new(GetPersonalAccessTokens)
	case CodeCreatePersonalAccessToken:
		r = new(CreatePersonalAccessToken)
	case CodeDeletePersonalAccessToken:
		r = new(DeletePersonalAccessToken)
	case CodeLoginWithPersonalAccessToken:
		r = new(LoginWithPersonalAccessToken)
	case CodePollMessages:
		r = new(PollMessages)
	case CodeSendMessages:
		r = new(SendMessages)
	case CodeFlushUnsavedBuffer:
		r = new(FlushUnsavedBuffer)
	case CodeGetConsumerOffset:
		r = new(GetConsumerOffset)
	case CodeStoreConsumerOffset:
		r = new(StoreConsumerOffset)
	case CodeDeleteConsumerOffset:
		r = new(DeleteConsumerOffset)
	case CodeGetStream:
		r = new(GetStream)
	case CodeGetStreams:
		r = new(GetStreams)
	case CodeCreateStream:
		r = new(CreateStream)
	case CodeDeleteStream:
		r = new(DeleteStream)
	case CodeUpdateStream:
		r = new(UpdateStream)
	case CodePurgeStream:
		r = new(PurgeStream)
	case CodeGetTopic:
		r = new(GetTopic)
	case CodeGetTopics:
		r = new(GetTopics)
	case CodeCreateTopic:
		r = new(CreateTopic)
	case CodeDeleteTopic:
		r = new(DeleteTopic)
	case CodeUpdateTopic:
		r = new(UpdateTopic)
	case CodePurgeTopic:
		r = new(PurgeTopic)
	case CodeCreatePartitions:
		r = new(CreatePartitions)
	case CodeDeletePartitions:
		r = new(DeletePartitions)
	case CodeDeleteSegments:
		r = new(DeleteSegments)
	case CodeGetConsumerGroup:
		r = new(GetConsumerGroup)
	case CodeGetConsumerGroups:
		r = new(GetConsumerGroups)
	case CodeCreateConsumerGroup:
		r = new(CreateConsumerGroup)
	case CodeDeleteConsumerGroup:
		r = new(DeleteConsumerGroup)
	case CodeJoinConsumerGroup:
		r = new(JoinConsumerGroup)
	case CodeLeaveConsumerGroup:
		r = new(LeaveConsumerGroup)
	default:
		return nil, false
	}
	return r, true
}

// DecodeRequest decodes the payload of a request with the given code. An
// unknown code is StatusInvalidCommand (the server must still have consumed
// the payload). Errors wrap a *DecodeError (or the Status itself) and read
// "decode <Command> request: …".
func DecodeRequest(code Code, payload []byte) (Request, error) {
	r, ok := NewRequest(code)
	if !ok {
		return nil, StatusInvalidCommand
	}
	if err := r.Decode(payload); err != nil {
		return nil, &requestError{code: code, err: err}
	}
	return r, nil
}

// requestError adds the command name to a decode failure without fmt.
type requestError struct {
	code Code
	err  error
}

func (e *requestError) Error() string {
	return "decode " + e.code.String() + " request: " + e.err.Error()
}
func (e *requestError) Unwrap() error { return e.err }
