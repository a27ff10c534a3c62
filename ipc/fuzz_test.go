// SPDX-License-Identifier: Apache-2.0

package ipc_test

import (
	"encoding/binary"
	"io"
	"net"
	"runtime"
	"testing"
	"time"

	"riffle/ipc"
)

// socketConns returns both ends of a socketpair: a Conn to read with and
// the raw peer to write arbitrary bytes into.
func socketConns(t testing.TB) (*ipc.Conn, *net.UnixConn) {
	t.Helper()
	a, b, err := ipc.Pair("fuzz")
	if err != nil {
		t.Fatal(err)
	}
	c, err := ipc.FileConn(a)
	if err != nil {
		t.Fatal(err)
	}
	fc, err := net.FileConn(b)
	b.Close()
	if err != nil {
		t.Fatal(err)
	}
	return c, fc.(*net.UnixConn)
}

// wireBytes returns the bytes WriteFrame puts on the wire for frames.
func wireBytes(t testing.TB, frames ...*ipc.Frame) []byte {
	t.Helper()
	a, b, err := ipc.Pair("seed")
	if err != nil {
		t.Fatal(err)
	}
	wc, err := ipc.FileConn(a)
	if err != nil {
		t.Fatal(err)
	}
	rc, err := net.FileConn(b)
	b.Close()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	go func() {
		for _, f := range frames {
			wc.WriteFrame(f)
		}
		wc.Close()
	}()
	out, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func mustFrame(t testing.TB, typ string, meta any, body []byte) *ipc.Frame {
	t.Helper()
	f, err := ipc.NewFrame(typ, meta)
	if err != nil {
		t.Fatal(err)
	}
	f.ID, f.Body = 7, body
	return f
}

func header(size, hsize uint32) []byte {
	b := binary.LittleEndian.AppendUint32(nil, size)
	return binary.LittleEndian.AppendUint32(b, hsize)
}

// FuzzReadFrame feeds arbitrary bytes to Conn.ReadFrame over a socketpair:
// it never panics or hangs, returns only frames whose descriptors arrived,
// and never allocates more than one MaxFrame beyond what the input holds;
// decoding a frame's message into each ipc type never panics.
func FuzzReadFrame(f *testing.F) {
	ping := wireBytes(f, mustFrame(f, "ping", nil, nil))
	withMeta := wireBytes(f, mustFrame(f, "status", map[string]any{"v": 1, "pid": 42, "state": "ready"}, []byte("body")))
	f.Add(ping)
	f.Add(withMeta)
	f.Add(append(append([]byte{}, ping...), withMeta...))
	f.Add(withMeta[:len(withMeta)-3])
	f.Add(wireBytes(f, mustFrame(f, "shard-list", ipc.ShardList{Shards: []ipc.ShardInfo{{ID: 1, PID: 2, State: ipc.StateReady}}}, nil)))
	f.Add(header(4, 0))
	f.Add(header(3, 0))
	f.Add(header(4, 1))
	f.Add(append(header(12, 8), []byte{0x81, 0xA1, 't', 0xA4, 'p', 'i', 'n', 'g'}...))
	f.Add(append(header(16, 8), []byte{0x81, 0xA1, 't', 0xA4, 'p', 'i', 'n', 'g', 1, 2, 3, 4}...))
	f.Add(append(header(12, 8), []byte{0x82, 0xA3, 'n', 'f', 'd', 0x01, 0xA1, 't'}...))
	f.Add(header(ipc.MaxFrame+1, 0))
	f.Add(header(ipc.MaxFrame, ipc.MaxFrame-4))
	f.Add(append(header(12, 8), 0xC1, 0xC1, 0xC1))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, w := socketConns(t)
		defer c.Close()
		defer w.Close()
		go func() {
			w.Write(data)
			w.CloseWrite()
		}()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		frames := 0
		deadline := time.AfterFunc(10*time.Second, func() { panic("ReadFrame hangs on a closed peer") })
		defer deadline.Stop()
		for {
			fr, err := c.ReadFrame()
			if err != nil {
				break // any error ends the channel
			}
			frames++
			if fr.NFD != 0 || len(fr.Files) != 0 {
				t.Fatalf("frame %d claims %d descriptors, %d files, none were sent", frames, fr.NFD, len(fr.Files))
			}
			if 8*frames > len(data) {
				t.Fatalf("%d frames out of %d bytes", frames, len(data))
			}
			// The typed messages decode or fail; they never panic.
			for _, v := range []any{&ipc.Hello{}, &ipc.Ready{}, &ipc.Shutdown{}, &ipc.ShutdownAck{}, &ipc.ShardState{},
				&ipc.Handoff{}, &ipc.Heartbeat{}, &ipc.Status{}, &ipc.ShardList{}, &ipc.ShardRestartResult{}, &ipc.ReloadResult{}} {
				_ = fr.Decode(v)
			}
		}
		runtime.ReadMemStats(&after)
		if got, limit := after.TotalAlloc-before.TotalAlloc, uint64(ipc.MaxFrame+8*len(data)+1<<20); got > limit {
			t.Fatalf("reading %d bytes allocated %d bytes (limit %d)", len(data), got, limit)
		}
	})
}
