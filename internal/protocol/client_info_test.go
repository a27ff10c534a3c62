// SPDX-License-Identifier: Apache-2.0

package protocol

import (
	"errors"
	"testing"
)

const clientInfoHex = `
	0D0C0B0A                        # client_id
	FFFFFFFF                        # not logged in
	01                              # TCP
	0F000000 3132372E302E302E313A35343332 31 # "127.0.0.1:54321"
	01000000                        # one consumer group`

func sampleClientInfo() ClientInfo {
	return ClientInfo{ClientID: 0x0A0B0C0D, UserID: NoUserID, Transport: TransportTCP,
		Address: "127.0.0.1:54321", ConsumerGroupsCount: 1}
}

func TestClientListBytes(t *testing.T) {
	l := ClientList{sampleClientInfo()}
	checkResponseCodec(t, &l, new(ClientList), clientInfoHex)
}

func TestClientDetailsListsGroups(t *testing.T) {
	d := &ClientDetails{Client: sampleClientInfo(), Groups: []ClientGroup{{StreamID: 1, TopicID: 2, GroupID: 3}}}
	checkResponseCodec(t, d, new(ClientDetails), clientInfoHex+"\n01000000 02000000 03000000")
	if err := new(ClientDetails).Decode(nil); !errors.Is(err, ErrEmpty) {
		t.Fatalf("empty (not found): %v", err)
	}
	c := sampleClientInfo()
	wantStatus(t, new(ClientDetails).Decode(c.AppendTo(nil)), StatusInvalidFormat)
}
