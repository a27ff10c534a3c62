// SPDX-License-Identifier: Apache-2.0

package metadata_test

import (
	"errors"
	"reflect"
	"testing"

	"riffle/internal/metadata"
	"riffle/internal/protocol"
)

func TestPermissionsConvertToAndFromWire(t *testing.T) {
	wire := &protocol.Permissions{
		Global: protocol.GlobalPermissions{ReadServers: true, SendMessages: true},
		Streams: []protocol.StreamPermissions{
			{StreamID: 4, ManageTopics: true, Topics: []protocol.TopicPermissions{{TopicID: 2, ReadTopic: true}}},
			{StreamID: 1, PollMessages: true},
		},
	}
	p := metadata.PermissionsFromWire(wire)
	if !p.Global.ReadServers || !p.Global.SendMessages || len(p.Streams) != 2 || p.Streams[0].StreamID != 1 ||
		!p.Streams[1].ManageTopics || !p.Streams[1].Topics[0].ReadTopic {
		t.Fatalf("converted = %+v", p)
	}
	back := p.Wire()
	if back.Streams[0].StreamID != 1 || !reflect.DeepEqual(back.Streams[1], wire.Streams[0]) || back.Global != wire.Global {
		t.Fatalf("back to wire = %+v", back)
	}
	if metadata.PermissionsFromWire(nil) != nil || (*metadata.Permissions)(nil).Wire() != nil {
		t.Fatal("nil did not stay nil")
	}
	if got := metadata.IdentifierFromWire(protocol.NamedID("x")); got != metadata.NamedID("x") {
		t.Fatalf("identifier = %+v", got)
	}
	if got := metadata.IdentifierFromWire(protocol.NumericID(7)); got != metadata.NumericID(7) {
		t.Fatalf("identifier = %+v", got)
	}
}

func TestErrorsMapToProtocolStatus(t *testing.T) {
	err := errors.Join(errors.New("context"), metadata.ErrTopicNotFound)
	if got := protocol.StatusFromError(err); got != protocol.StatusTopicIDNotFound {
		t.Fatalf("StatusFromError = %v", got)
	}
	if !errors.Is(metadata.ErrStreamNotFound, protocol.StatusStreamIDNotFound) {
		t.Fatal("sentinel does not match its status")
	}
	if s, ok := metadata.StatusOf(errors.New("internal")); ok || s != protocol.StatusError {
		t.Fatalf("StatusOf(internal) = %v %v", s, ok)
	}
}
