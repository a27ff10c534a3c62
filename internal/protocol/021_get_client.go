// SPDX-License-Identifier: Apache-2.0

// GetClient (21): [client_id u32]; the response is a ClientDetails
// (client_info.go), or an empty OK when the client does not exist. Client ID 0
// is InvalidClientId (101), the server's check. Fully supported.

package protocol

// GetClient is the request payload of GetClient (21).
type GetClient struct {
	ClientID uint32
}

// Code returns CodeGetClient.
func (*GetClient) Code() Code { return CodeGetClient }

// Size returns the encoded payload size.
func (q *GetClient) Size() int { return 4 }

// AppendTo appends the payload encoding.
func (q *GetClient) AppendTo(dst []byte) []byte {
	return appendU32(dst, q.ClientID)
}

// Decode reads the payload; trailing bytes are accepted.
func (q *GetClient) Decode(payload []byte) error {
	r := NewReader(payload)
	var v GetClient
	v.ClientID = r.U32()
	if err := r.Finish(); err != nil {
		return err
	}
	*q = v
	return nil
}
