// SPDX-License-Identifier: Apache-2.0

package ipc_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"github.com/vmihailenco/msgpack/v5"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"testing"
	"time"

	"riffle/ipc"
)

// The test binary re-executes itself as a child process for the cross-process
// cases (tableflip's upgrader_test does the same).
const childEnv = "RIFFLE_IPC_TEST_CHILD"

func TestMain(m *testing.M) {
	if mode := os.Getenv(childEnv); mode != "" {
		os.Exit(runChild(mode))
	}
	os.Exit(m.Run())
}

// runChild serves the inherited channel on fd 3: it answers "echo" requests
// with their body, and for "file" requests writes the body into the received
// descriptor and closes it.
func runChild(mode string) int {
	conn, err := ipc.FileConn(os.NewFile(3, "parent"))
	if err != nil {
		return 2
	}
	p := ipc.NewPeer(conn, func(p *ipc.Peer, f *ipc.Frame) {
		switch f.Type {
		case "echo":
			p.Reply(f, nil, f.Body)
		case "file":
			if len(f.Files) != 1 {
				p.ReplyError(f, errors.New("want one file, got "+strconv.Itoa(len(f.Files))))
				return
			}
			_, err := f.Files[0].Write(f.Body)
			f.CloseFiles()
			if err != nil {
				p.ReplyError(f, err)
				return
			}
			p.Reply(f, nil, nil)
		}
	})
	if err := p.Run(); err != io.EOF {
		return 3
	}
	return 0
}

func pair(t *testing.T) (*ipc.Conn, *ipc.Conn) {
	t.Helper()
	a, b, err := ipc.Pair("test")
	if err != nil {
		t.Fatal(err)
	}
	ca, err := ipc.FileConn(a)
	if err != nil {
		t.Fatal(err)
	}
	cb, err := ipc.FileConn(b)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ca.Close(); cb.Close() })
	return ca, cb
}

func TestFrameRoundTripKeepsMetaAndBody(t *testing.T) {
	a, b := pair(t)
	type meta struct {
		Shard int    `msgpack:"shard"`
		Name  string `msgpack:"name"`
	}
	bodies := [][]byte{nil, []byte("x"), bytes.Repeat([]byte{7}, 3<<20)} // 3 MiB exceeds the read buffer
	go func() {
		for i, body := range bodies {
			f, _ := ipc.NewFrame("t", meta{Shard: i, Name: "n" + strconv.Itoa(i)})
			f.Body = body
			if err := a.WriteFrame(f); err != nil {
				t.Error(err)
			}
		}
		a.CloseWrite()
	}()
	for i, want := range bodies {
		f, err := b.ReadFrame()
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		var m meta
		if err := f.Decode(&m); err != nil {
			t.Fatal(err)
		}
		if m.Shard != i || m.Name != "n"+strconv.Itoa(i) || f.Type != "t" || f.V != ipc.Version {
			t.Fatalf("frame %d: got %+v %+v", i, f, m)
		}
		if !bytes.Equal(f.Body, want) {
			t.Fatalf("frame %d: body of %d bytes differs (want %d)", i, len(f.Body), len(want))
		}
	}
	if _, err := b.ReadFrame(); err != io.EOF {
		t.Fatalf("after last frame: %v, want EOF", err)
	}
}

func TestFramePassesDescriptorsInOrder(t *testing.T) {
	a, b := pair(t)
	dir := t.TempDir()
	const n = 5
	go func() {
		for i := 0; i < n; i++ {
			file, err := os.Create(dir + "/f" + strconv.Itoa(i))
			if err != nil {
				t.Error(err)
				return
			}
			f, _ := ipc.NewFrame("fd", nil)
			f.Body = []byte(strconv.Itoa(i))
			f.Files = []*os.File{file}
			if err := a.WriteFrame(f); err != nil {
				t.Error(err)
			}
			if file.Fd() != ^uintptr(0) {
				t.Error("WriteFrame did not close the sender's copy")
			}
		}
	}()
	for i := 0; i < n; i++ {
		f, err := b.ReadFrame()
		if err != nil {
			t.Fatal(err)
		}
		if len(f.Files) != 1 {
			t.Fatalf("frame %d: %d files", i, len(f.Files))
		}
		if _, err := f.Files[0].WriteString("hello"); err != nil {
			t.Fatal(err)
		}
		f.CloseFiles()
		got, err := os.ReadFile(dir + "/f" + string(f.Body))
		if err != nil || string(got) != "hello" {
			t.Fatalf("frame %d wrote to the wrong file: %q %v", i, got, err)
		}
	}
}

func TestReadFrameRejectsOversizedDeclaration(t *testing.T) {
	a, b, err := ipc.Pair("raw")
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	cb, err := ipc.FileConn(b)
	if err != nil {
		t.Fatal(err)
	}
	defer cb.Close()
	a.Write([]byte{0xff, 0xff, 0xff, 0x7f, 0, 0, 0, 0})
	if _, err := cb.ReadFrame(); !errors.Is(err, ipc.ErrFrameTooLarge) {
		t.Fatalf("got %v, want ErrFrameTooLarge", err)
	}
}

func TestPeerCallAcrossProcessesWithDescriptor(t *testing.T) {
	parentEnd, childEnd, err := ipc.Pair("child")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"=serve")
	cmd.ExtraFiles = []*os.File{childEnd}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	childEnd.Close()
	conn, err := ipc.FileConn(parentEnd)
	if err != nil {
		t.Fatal(err)
	}
	peer := ipc.NewPeer(conn, nil)
	go peer.Run()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	r, err := peer.Call(ctx, "echo", nil, []byte("ping"))
	if err != nil || string(r.Body) != "ping" {
		t.Fatalf("echo: %q %v", r.Body, err)
	}
	path := t.TempDir() + "/out"
	file, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := peer.Call(ctx, "file", nil, []byte("written by the child"), file); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(path); string(got) != "written by the child" {
		t.Fatalf("file holds %q", got)
	}
	if _, err := peer.Call(ctx, "file", nil, nil); err == nil {
		t.Fatal("a request without the descriptor succeeded")
	} else if re := (*ipc.RemoteError)(nil); !errors.As(err, &re) {
		t.Fatalf("got %T %v, want a RemoteError", err, err)
	}
	peer.CloseWrite()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("child did not exit cleanly on EOF: %v", err)
	}
	<-peer.Done()
	if _, err := peer.Call(ctx, "echo", nil, nil); !errors.Is(err, ipc.ErrPeerClosed) {
		t.Fatalf("call after close: %v", err)
	}
}

func TestReadFrameDoesNotAllocateTheDeclaredSize(t *testing.T) {
	a, b, err := ipc.Pair("raw")
	if err != nil {
		t.Fatal(err)
	}
	cb, err := ipc.FileConn(b)
	if err != nil {
		t.Fatal(err)
	}
	defer cb.Close()
	// A frame with a valid header declaring a 200 MiB body, then only the
	// body's first bytes and EOF.
	meta, err := msgpack.Marshal(&ipc.Frame{V: ipc.Version, Type: "t"})
	if err != nil {
		t.Fatal(err)
	}
	hdr := binary.LittleEndian.AppendUint32(nil, 200<<20)
	hdr = binary.LittleEndian.AppendUint32(hdr, uint32(len(meta)))
	hdr = append(hdr, meta...)
	a.Write(append(hdr, make([]byte, 2048)...))
	a.Close()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	if _, err := cb.ReadFrame(); err == nil {
		t.Fatal("a truncated frame was read")
	}
	runtime.ReadMemStats(&after)
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 8<<20 {
		t.Fatalf("reading a truncated 200 MiB frame allocated %d bytes", grew)
	}
}
