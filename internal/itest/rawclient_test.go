// SPDX-License-Identifier: Apache-2.0

package itest

import (
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"strconv"
	"testing"
	"time"

	"riffle/internal/testutil"
)

// rawConn speaks Iggy frames over a plain TCP connection.
type rawConn struct {
	net.Conn
}

func dialRaw(t testing.TB, addr string) *rawConn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, testutil.Scale(5*time.Second))
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	t.Cleanup(func() { c.Close() })
	return &rawConn{c}
}

// request builds a request frame.
func request(code uint32, payload []byte) []byte {
	b := binary.LittleEndian.AppendUint32(nil, uint32(4+len(payload)))
	b = binary.LittleEndian.AppendUint32(b, code)
	return append(b, payload...)
}

// readResponse reads one response frame.
func (c *rawConn) readResponse() (status uint32, payload []byte, err error) {
	c.SetReadDeadline(time.Now().Add(testutil.Scale(10 * time.Second)))
	var hdr [8]byte
	if _, err := io.ReadFull(c, hdr[:]); err != nil {
		return 0, nil, err
	}
	status = binary.LittleEndian.Uint32(hdr[:])
	n := binary.LittleEndian.Uint32(hdr[4:])
	payload = make([]byte, n)
	_, err = io.ReadFull(c, payload)
	return status, payload, err
}

// call sends one request and reads its response.
func (c *rawConn) call(code uint32, payload []byte) (uint32, []byte, error) {
	if _, err := c.Write(request(code, payload)); err != nil {
		return 0, nil, err
	}
	return c.readResponse()
}

// ping sends Ping and checks the empty OK.
func (c *rawConn) ping() error {
	st, p, err := c.call(1, nil)
	if err != nil {
		return err
	}
	if st != 0 || len(p) != 0 {
		return fmt.Errorf("ping: status %d, %d payload bytes", st, len(p))
	}
	return nil
}

// localPort is the client side port of the connection.
func (c *rawConn) localPort() int {
	_, p, _ := net.SplitHostPort(c.LocalAddr().String())
	n, _ := strconv.Atoi(p)
	return n
}

// ownerShard returns the id of the shard serving c (by socket inode).
func (s *Server) ownerShard(t testing.TB, c *rawConn) int {
	t.Helper()
	pids := s.ShardPIDs()
	var owner int
	testutil.Eventually(t, 5*time.Second, func() error {
		var err error
		owner, err = testutil.SocketOwner(pids, s.Port, c.localPort())
		return err
	})
	for id, pid := range pids {
		if pid == owner {
			return id
		}
	}
	t.Fatalf("socket owner %d is not a shard", owner)
	return -1
}
