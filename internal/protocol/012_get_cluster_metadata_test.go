// SPDX-License-Identifier: Apache-2.0

package protocol

import "testing"

func TestGetClusterMetadataPayloadIsEmpty(t *testing.T) {
	checkRequestCodec(t, &GetClusterMetadata{}, "")
}

func TestClusterMetadataSingleNode(t *testing.T) {
	// §3.2: a single healthy leader, as the 0.8.0 server answers with
	// clustering disabled.
	m := &ClusterMetadata{Name: "single-node", Nodes: []ClusterNode{{
		Name: "iggy-node", IP: "127.0.0.1", TCPPort: 8090, QUICPort: 8080, HTTPPort: 3000, WebSocketPort: 8092,
		Role: NodeRoleLeader, Status: NodeHealthy,
	}}}
	checkResponseCodec(t, m, new(ClusterMetadata), `
		0B000000 73696E676C652D6E6F6465   # "single-node"
		01000000                          # one node
		09000000 696767792D6E6F6465       # "iggy-node"
		09000000 3132372E302E302E31       # "127.0.0.1"
		9A1F 901F B80B 9C1F               # 8090 8080 3000 8092
		00 00                             # leader, healthy`)
	b := append(appendLongString(nil, "c"), 0xFF, 0xFF, 0xFF, 0xFF)
	wantStatus(t, new(ClusterMetadata).Decode(b), StatusInvalidCommand)
}
