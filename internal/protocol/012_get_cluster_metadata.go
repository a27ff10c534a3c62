// SPDX-License-Identifier: Apache-2.0

// GetClusterMetadata (12): empty request; the response is ClusterMetadata
// (protocol doc §3.3.11). Both SDKs call it after login and tolerate an error
// (FeatureUnavailable 5); a single healthy leader node is the clean answer.
// The Go SDK v0.8.0 rejects more than 64 nodes. Fully supported.

package protocol

import "strconv"

// GetClusterMetadata is the request payload of GetClusterMetadata (12).
type GetClusterMetadata struct{}

// Code returns CodeGetClusterMetadata.
func (*GetClusterMetadata) Code() Code { return CodeGetClusterMetadata }

// Size returns the encoded payload size.
func (*GetClusterMetadata) Size() int { return 0 }

// AppendTo appends the payload encoding.
func (*GetClusterMetadata) AppendTo(dst []byte) []byte { return dst }

// Decode accepts any payload: the 0.8.0 server does not read it.
func (*GetClusterMetadata) Decode([]byte) error { return nil }

// Cluster node roles and statuses (protocol doc §2.11).
const (
	NodeRoleLeader   uint8 = 0
	NodeRoleFollower uint8 = 1

	NodeHealthy     uint8 = 0
	NodeStarting    uint8 = 1
	NodeStopping    uint8 = 2
	NodeUnreachable uint8 = 3
	NodeMaintenance uint8 = 4
	NodeUnknown     uint8 = 5
)

// clusterNodeMinSize is a node with empty name and IP.
const clusterNodeMinSize = 4 + 4 + 8 + 1 + 1

// ClusterMetadata is the GetClusterMetadata response:
// [name u32-len str][nodes_count u32] ClusterNode × count.
type ClusterMetadata struct {
	Name  string
	Nodes []ClusterNode
}

// ClusterNode is one node: [name u32-len str][ip u32-len str]
// [tcp u16][quic u16][http u16][websocket u16][role u8][status u8].
type ClusterNode struct {
	Name          string
	IP            string
	TCPPort       uint16
	QUICPort      uint16
	HTTPPort      uint16
	WebSocketPort uint16
	Role          uint8
	Status        uint8
}

// AppendTo appends the encoding of m.
func (m *ClusterMetadata) AppendTo(dst []byte) []byte {
	dst = appendLongString(dst, m.Name)
	dst = appendU32(dst, uint32(len(m.Nodes)))
	for i := range m.Nodes {
		n := &m.Nodes[i]
		dst = appendLongString(dst, n.Name)
		dst = appendLongString(dst, n.IP)
		dst = appendU16(dst, n.TCPPort)
		dst = appendU16(dst, n.QUICPort)
		dst = appendU16(dst, n.HTTPPort)
		dst = appendU16(dst, n.WebSocketPort)
		dst = appendU8(dst, n.Role)
		dst = appendU8(dst, n.Status)
	}
	return dst
}

// Decode reads a GetClusterMetadata response; trailing bytes are accepted.
func (m *ClusterMetadata) Decode(payload []byte) error {
	r := NewReader(payload)
	var v ClusterMetadata
	v.Name = r.LongString()
	count := r.U32()
	if !r.Failed() && uint64(count)*clusterNodeMinSize > uint64(r.Remaining()) {
		r.Fail(StatusInvalidCommand, "nodes_count "+strconv.FormatUint(uint64(count), 10)+" beyond payload")
	}
	if !r.Failed() {
		v.Nodes = make([]ClusterNode, 0, count)
	}
	for i := uint32(0); i < count && !r.Failed(); i++ {
		var n ClusterNode
		n.Name = r.LongString()
		n.IP = r.LongString()
		n.TCPPort = r.U16()
		n.QUICPort = r.U16()
		n.HTTPPort = r.U16()
		n.WebSocketPort = r.U16()
		n.Role = r.U8()
		n.Status = r.U8()
		v.Nodes = append(v.Nodes, n)
	}
	if err := r.Finish(); err != nil {
		return err
	}
	*m = v
	return nil
}
