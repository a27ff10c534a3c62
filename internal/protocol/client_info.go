// SPDX-License-Identifier: Apache-2.0

package protocol

import "strconv"

// Fixed sizes of the client response structures.
const (
	ClientInfoFixedSize = 17 // without the address bytes
	ClientGroupSize     = 12
)

// Transports of a client (protocol doc §2.11). The Go SDK v0.8.0 names only
// TCP and QUIC and shows others as "Unknown".
const (
	TransportTCP       uint8 = 1
	TransportQUIC      uint8 = 2
	TransportHTTP      uint8 = 3
	TransportWebSocket uint8 = 4
)

// NoUserID is the user_id of a client that is not logged in.
const NoUserID uint32 = 0xFFFF_FFFF

// ClientInfo is a connected client (protocol doc §3.3.7): an element of
// GetClients and the head of GetClient and GetMe.
//
//	client_id u32, user_id u32, transport u8, address [len u32]["ip:port"],
//	consumer_groups_count u32
type ClientInfo struct {
	ClientID            uint32
	UserID              uint32 // NoUserID when not logged in
	Transport           uint8
	Address             string
	ConsumerGroupsCount uint32
}

// Size returns the encoded size, 17 + len(Address).
func (c *ClientInfo) Size() int { return ClientInfoFixedSize + len(c.Address) }

// AppendTo appends the encoding of c.
func (c *ClientInfo) AppendTo(dst []byte) []byte {
	dst = appendU32(dst, c.ClientID)
	dst = appendU32(dst, c.UserID)
	dst = appendU8(dst, c.Transport)
	dst = appendLongString(dst, c.Address)
	return appendU32(dst, c.ConsumerGroupsCount)
}

func (r *Reader) clientInfo() ClientInfo {
	var c ClientInfo
	c.ClientID = r.U32()
	c.UserID = r.U32()
	c.Transport = r.U8()
	c.Address = r.LongString()
	c.ConsumerGroupsCount = r.U32()
	return c
}

// ClientList is the GetClients response: ClientInfo × N in server order.
type ClientList []ClientInfo

// AppendTo appends the concatenated encodings.
func (l ClientList) AppendTo(dst []byte) []byte {
	for i := range l {
		dst = l[i].AppendTo(dst)
	}
	return dst
}

// Decode reads ClientInfo records to the end of the payload.
func (l *ClientList) Decode(payload []byte) error {
	r := NewReader(payload)
	out := make(ClientList, 0, r.capacity(uint64(len(payload)), ClientInfoFixedSize))
	for r.Remaining() > 0 && !r.Failed() {
		out = append(out, r.clientInfo())
	}
	if err := r.Finish(); err != nil {
		return err
	}
	*l = out
	return nil
}

// ClientGroup is a consumer group a client has joined:
// [stream_id u32][topic_id u32][group_id u32].
type ClientGroup struct {
	StreamID uint32
	TopicID  uint32
	GroupID  uint32
}

// ClientDetails is the GetClient and GetMe response (protocol doc §3.3.8):
// ClientInfo followed by consumer_groups_count ClientGroup records.
// AppendTo writes len(Groups) as the count; Decode reads records to the end
// of the payload and rejects a count mismatch with StatusInvalidFormat.
type ClientDetails struct {
	Client ClientInfo
	Groups []ClientGroup
}

// AppendTo appends the encoding of d.
func (d *ClientDetails) AppendTo(dst []byte) []byte {
	c := d.Client
	c.ConsumerGroupsCount = uint32(len(d.Groups))
	dst = c.AppendTo(dst)
	for _, g := range d.Groups {
		dst = appendU32(dst, g.StreamID)
		dst = appendU32(dst, g.TopicID)
		dst = appendU32(dst, g.GroupID)
	}
	return dst
}

// Decode reads a GetClient or GetMe response; an empty payload (client not
// found) is ErrEmpty.
func (d *ClientDetails) Decode(payload []byte) error {
	if len(payload) == 0 {
		return ErrEmpty
	}
	r := NewReader(payload)
	c := r.clientInfo()
	groups := make([]ClientGroup, 0, r.capacity(uint64(c.ConsumerGroupsCount), ClientGroupSize))
	for r.Remaining() > 0 && !r.Failed() {
		groups = append(groups, ClientGroup{StreamID: r.U32(), TopicID: r.U32(), GroupID: r.U32()})
	}
	if !r.Failed() && uint64(len(groups)) != uint64(c.ConsumerGroupsCount) {
		r.Fail(StatusInvalidFormat, "consumer_groups_count "+strconv.FormatUint(uint64(c.ConsumerGroupsCount), 10)+
			", decoded "+strconv.Itoa(len(groups)))
	}
	if err := r.Finish(); err != nil {
		return err
	}
	d.Client, d.Groups = c, groups
	return nil
}
