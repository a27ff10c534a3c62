// SPDX-License-Identifier: Apache-2.0

package metadata

import "riffle/internal/protocol"

// IdentifierFromWire converts a decoded protocol identifier.
func IdentifierFromWire(id protocol.Identifier) Identifier {
	if id.Kind == protocol.IDString {
		return NamedID(id.Name)
	}
	return NumericID(id.Numeric)
}

// PermissionsFromWire converts decoded protocol permissions (nil stays nil);
// the result is normalized (NormalizePermissions).
func PermissionsFromWire(p *protocol.Permissions) *Permissions {
	if p == nil {
		return nil
	}
	out := &Permissions{Global: GlobalPermissions(p.Global)}
	for _, s := range p.Streams {
		sp := StreamPermissions{
			StreamID: s.StreamID, ManageStream: s.ManageStream, ReadStream: s.ReadStream,
			ManageTopics: s.ManageTopics, ReadTopics: s.ReadTopics,
			PollMessages: s.PollMessages, SendMessages: s.SendMessages,
		}
		for _, t := range s.Topics {
			sp.Topics = append(sp.Topics, TopicPermissions(t))
		}
		out.Streams = append(out.Streams, sp)
	}
	return NormalizePermissions(out)
}

// Wire converts p for encoding in a protocol response (nil stays nil).
func (p *Permissions) Wire() *protocol.Permissions {
	if p == nil {
		return nil
	}
	out := &protocol.Permissions{Global: protocol.GlobalPermissions(p.Global)}
	for _, s := range p.Streams {
		sp := protocol.StreamPermissions{
			StreamID: s.StreamID, ManageStream: s.ManageStream, ReadStream: s.ReadStream,
			ManageTopics: s.ManageTopics, ReadTopics: s.ReadTopics,
			PollMessages: s.PollMessages, SendMessages: s.SendMessages,
		}
		for _, t := range s.Topics {
			sp.Topics = append(sp.Topics, protocol.TopicPermissions(t))
		}
		out.Streams = append(out.Streams, sp)
	}
	return out
}
