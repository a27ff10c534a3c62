// SPDX-License-Identifier: Apache-2.0

package shardproc

const (
	codePing         uint32 = 1
	codeSendMessages uint32 = 101
)

// dispatch runs one command and returns its status and response payload.
func (c *conn) dispatch(code uint32, payload []byte) (uint32, []byte) {
	switch code {
	case codePing:
		return statusOK, nil
	default:
		return statusInvalidCommand, nil
	}
}
