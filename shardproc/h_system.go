// SPDX-License-Identifier: Apache-2.0

package shardproc

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"riffle/internal/control"
	"riffle/internal/metadata"
	"riffle/internal/protocol"
)

// System commands: GetStats (10), GetSnapshot (11), GetClusterMetadata (12),
// GetMe (20), GetClient (21), GetClients (22). Stats and the client list are
// aggregated by the supervisor over every shard.

func (c *conn) getStats(payload []byte) (protocol.Status, []byte) {
	if st := c.checkGlobal(protocol.CodeGetStats); st != protocol.StatusOK {
		return st, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	r, err := c.s.ctl.Call(ctx, control.TypeStats, nil, nil)
	if err != nil {
		return protocol.StatusShardCommunicationError, nil
	}
	return protocol.StatusOK, r.Body
}

// checkGlobal checks a permission that is not about a stream or topic.
func (c *conn) checkGlobal(code protocol.Code) protocol.Status {
	ok := false
	c.s.md.read(func(m *metadata.State) { ok = m.Permitted(c.sess.userID, code, nil, nil) })
	if !ok {
		return protocol.StatusUnauthorized
	}
	return protocol.StatusOK
}

// clientDetails describes this connection.
func (c *conn) clientDetails() protocol.ClientDetails {
	d := protocol.ClientDetails{Client: protocol.ClientInfo{ClientID: c.id, UserID: c.userID(), Transport: protocol.TransportTCP, Address: c.remote}}
	c.s.md.read(func(m *metadata.State) {
		for _, g := range m.ClientGroups(c.id) {
			d.Groups = append(d.Groups, protocol.ClientGroup{StreamID: g[0], TopicID: g[1], GroupID: g[2]})
		}
	})
	d.Client.ConsumerGroupsCount = uint32(len(d.Groups))
	return d
}

func (c *conn) getMe(payload []byte) (protocol.Status, []byte) {
	d := c.clientDetails()
	return protocol.StatusOK, d.AppendTo(nil)
}

func (c *conn) getClient(payload []byte) (protocol.Status, []byte) {
	var req protocol.GetClient
	if err := req.Decode(payload); err != nil {
		return protocol.StatusFromError(err), nil
	}
	if st := c.checkGlobal(protocol.CodeGetClient); st != protocol.StatusOK {
		return st, nil
	}
	if req.ClientID == 0 {
		return protocol.StatusInvalidClientID, nil
	}
	if local := c.s.connByID(req.ClientID); local != nil {
		d := local.clientDetails()
		return protocol.StatusOK, d.AppendTo(nil)
	}
	return c.askClients(control.ClientsRequest{V: 1, ClientID: req.ClientID})
}

func (c *conn) getClients(payload []byte) (protocol.Status, []byte) {
	if st := c.checkGlobal(protocol.CodeGetClients); st != protocol.StatusOK {
		return st, nil
	}
	return c.askClients(control.ClientsRequest{V: 1, All: true})
}

func (c *conn) askClients(req control.ClientsRequest) (protocol.Status, []byte) {
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	r, err := c.s.ctl.Call(ctx, control.TypeClients, req, nil)
	if err != nil {
		return protocol.StatusShardCommunicationError, nil
	}
	return protocol.StatusOK, r.Body
}

// connByID returns this shard's connection with client id, if any.
func (s *Shard) connByID(id uint32) *conn {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		if c.id == id {
			return c
		}
	}
	return nil
}

func (c *conn) getClusterMetadata(payload []byte) (protocol.Status, []byte) {
	host, tcpPort := splitHostPort(c.s.listeners["tcp"])
	if host == "" {
		host = "127.0.0.1"
	}
	node := protocol.ClusterNode{
		Name: "iggy-node", IP: host, TCPPort: tcpPort,
		QUICPort: c.s.enabledPort("quic"), HTTPPort: c.s.enabledPort("http"), WebSocketPort: c.s.enabledPort("ws"),
		Role: protocol.NodeRoleLeader, Status: protocol.NodeHealthy,
	}
	md := protocol.ClusterMetadata{Name: "single-node", Nodes: []protocol.ClusterNode{node}}
	return protocol.StatusOK, md.AppendTo(nil)
}

func (s *Shard) enabledPort(name string) uint16 {
	_, p := splitHostPort(s.listeners[name])
	return p
}

func splitHostPort(addr string) (string, uint16) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0
	}
	n, _ := strconv.ParseUint(port, 10, 16)
	return host, uint16(n)
}

// Snapshot types and compression methods of GetSnapshot (protocol doc §2.11).
const (
	snapFilesystem = 1
	snapProcesses  = 2
	snapResources  = 3
	snapTest       = 4
	snapLogs       = 5
	snapConfig     = 6
	snapAll        = 100

	compressStored   = 1
	compressDeflated = 2
)

// getSnapshot returns a ZIP of diagnostics. Stored and deflated archives are
// supported; Iggy's other methods (bzip2, zstd, lzma, xz) answer
// FeatureUnavailable.
func (c *conn) getSnapshot(payload []byte) (protocol.Status, []byte) {
	var req protocol.GetSnapshot
	if err := req.Decode(payload); err != nil {
		return protocol.StatusFromError(err), nil
	}
	if req.Compression < 1 || req.Compression > 6 || len(req.Types) == 0 {
		return protocol.StatusInvalidCommand, nil
	}
	types := map[uint8]bool{}
	for _, t := range req.Types {
		if (t < snapFilesystem || t > snapConfig) && t != snapAll {
			return protocol.StatusInvalidCommand, nil
		}
		types[t] = true
	}
	if types[snapAll] {
		if len(req.Types) > 1 {
			return protocol.StatusInvalidCommand, nil // "all" must be alone
		}
		types = map[uint8]bool{snapFilesystem: true, snapProcesses: true, snapResources: true, snapTest: true, snapLogs: true, snapConfig: true}
	}
	method := zip.Store
	switch req.Compression {
	case compressStored:
	case compressDeflated:
		method = zip.Deflate
	default:
		return protocol.StatusFeatureUnavailable, nil
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) { return flate.NewWriter(w, flate.DefaultCompression) })
	add := func(name string, data []byte) error {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: method, Modified: time.Now()})
		if err != nil {
			return err
		}
		_, err = w.Write(data)
		return err
	}
	keys := make([]int, 0, len(types))
	for t := range types {
		keys = append(keys, int(t))
	}
	sort.Ints(keys)
	for _, t := range keys {
		name, data := c.s.snapshotPart(uint8(t))
		if err := add(name, data); err != nil {
			return protocol.StatusSnapshotFileCompletionFailed, nil
		}
	}
	if err := zw.Close(); err != nil {
		return protocol.StatusSnapshotFileCompletionFailed, nil
	}
	return protocol.StatusOK, buf.Bytes()
}

// snapshotPart renders one diagnostics file of a snapshot.
func (s *Shard) snapshotPart(t uint8) (string, []byte) {
	switch t {
	case snapFilesystem:
		var b strings.Builder
		filepath.Walk(s.cfg.Server.DataDir, func(path string, info os.FileInfo, err error) error {
			if err == nil {
				fmt.Fprintf(&b, "%12d  %s  %s\n", info.Size(), info.ModTime().UTC().Format(time.RFC3339), path)
			}
			return nil
		})
		return "filesystem_overview.txt", []byte(b.String())
	case snapProcesses:
		// This server's processes only: the supervisor and its children.
		var b strings.Builder
		sup := os.Getppid()
		ents, _ := os.ReadDir("/proc")
		for _, e := range ents {
			pid, err := strconv.Atoi(e.Name())
			if err != nil || (pid != sup && parentOf(pid) != sup) {
				continue
			}
			cmd, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
			if err == nil {
				fmt.Fprintf(&b, "%s\t%s\n", e.Name(), strings.ReplaceAll(strings.TrimRight(string(cmd), "\x00"), "\x00", " "))
			}
		}
		return "process_list.txt", []byte(b.String())
	case snapResources:
		status, _ := os.ReadFile("/proc/self/status")
		mem, _ := os.ReadFile("/proc/meminfo")
		load, _ := os.ReadFile("/proc/loadavg")
		return "resource_usage.txt", []byte(fmt.Sprintf("shard %d\n\n%s\n%s\nloadavg %s", s.id, status, mem, load))
	case snapTest:
		return "test.txt", []byte("test\n")
	case snapLogs:
		return "server_logs.txt", []byte("riffled logs to stderr (the journal under systemd: journalctl -u riffled)\n")
	case snapConfig:
		b, _ := json.MarshalIndent(s.cfg, "", "  ")
		return "server_config.txt", b // Iggy names every entry <type>.txt
	}
	return "unknown.txt", nil
}

// parentOf returns the parent pid of pid from /proc, or -1.
func parentOf(pid int) int {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return -1
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return -1
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 2 {
		return -1
	}
	ppid, err := strconv.Atoi(f[1])
	if err != nil {
		return -1
	}
	return ppid
}
