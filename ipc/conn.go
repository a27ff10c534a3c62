// SPDX-License-Identifier: Apache-2.0

package ipc

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"

	"github.com/vmihailenco/msgpack/v5"
	"golang.org/x/sys/unix"

	"riffle/internal/mpack"
)

// Version is the frame header version this build writes. Readers accept any
// version: unknown fields are ignored, missing ones are zero.
const Version = 1

// MaxFrame bounds a frame's declared size; a larger one is a protocol error and
// the connection is unusable afterwards.
const MaxFrame = 256 << 20

// MaxHeader bounds a frame's msgpack header; the body carries bulk data.
const MaxHeader = 1 << 20

// maxFDsPerRead bounds the descriptors one read can carry.
const maxFDsPerRead = 64

// ErrFrameTooLarge is returned by ReadFrame and WriteFrame for frames over MaxFrame.
var ErrFrameTooLarge = errors.New("ipc: frame too large")

// ErrTruncatedFDs is returned when the kernel dropped descriptors (MSG_CTRUNC).
var ErrTruncatedFDs = errors.New("ipc: descriptors truncated")

// Frame is one message on a channel.
type Frame struct {
	V     int                `msgpack:"v"`
	Type  string             `msgpack:"t"`
	ID    uint64             `msgpack:"id,omitempty"`  // request id; 0 for a notification
	Reply bool               `msgpack:"re,omitempty"`  // a reply to the request with ID
	Err   string             `msgpack:"err,omitempty"` // a failed reply's error text
	NFD   int                `msgpack:"nfd,omitempty"` // descriptors carried
	Meta  msgpack.RawMessage `msgpack:"m,omitempty"`   // the typed message

	Body  []byte     `msgpack:"-"`
	Files []*os.File `msgpack:"-"`
}

// Decode unpacks Meta into v.
func (f *Frame) Decode(v any) error {
	if len(f.Meta) == 0 {
		return nil
	}
	if err := mpack.Unmarshal(f.Meta, v); err != nil {
		return fmt.Errorf("decode %s: %w", f.Type, err)
	}
	return nil
}

// CloseFiles closes every descriptor the frame still holds.
func (f *Frame) CloseFiles() {
	for _, file := range f.Files {
		if file != nil {
			file.Close()
		}
	}
	f.Files = nil
}

// NewFrame builds a frame of type typ whose Meta is the msgpack encoding of meta
// (nil for none).
func NewFrame(typ string, meta any) (*Frame, error) {
	f := &Frame{V: Version, Type: typ}
	if meta != nil {
		b, err := msgpack.Marshal(meta)
		if err != nil {
			return nil, fmt.Errorf("encode %s: %w", typ, err)
		}
		f.Meta = b
	}
	return f, nil
}

// Conn is a framed channel over a Unix stream socket.
type Conn struct {
	uc *net.UnixConn

	wmu sync.Mutex

	// read side, used by one goroutine
	buf []byte // buffered bytes not yet consumed: buf[r:w]
	r   int
	w   int
	oob []byte

	fdmu   sync.Mutex // guards fds and closed: Close may come from any goroutine
	fds    []*os.File // received descriptors not yet handed to a frame
	closed bool
}

// NewConn wraps an established Unix stream connection.
func NewConn(uc *net.UnixConn) *Conn {
	return &Conn{uc: uc, buf: make([]byte, 64<<10), oob: make([]byte, unix.CmsgSpace(4*maxFDsPerRead))}
}

// FileConn wraps a socket inherited or received as a file. The Conn owns a
// duplicate; f is closed here.
func FileConn(f *os.File) (*Conn, error) {
	defer f.Close()
	c, err := net.FileConn(f)
	if err != nil {
		return nil, fmt.Errorf("ipc conn from %s: %w", f.Name(), err)
	}
	uc, ok := c.(*net.UnixConn)
	if !ok {
		c.Close()
		return nil, fmt.Errorf("ipc conn from %s: not a unix socket", f.Name())
	}
	return NewConn(uc), nil
}

// Dial connects to a listening socket at path (ctl.sock).
func Dial(path string) (*Conn, error) {
	uc, err := net.DialUnix("unix", nil, &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		return nil, err
	}
	return NewConn(uc), nil
}

// Close closes the connection and any queued descriptors.
// Close may be called more than once and from any goroutine.
func (c *Conn) Close() error {
	c.fdmu.Lock()
	fds := c.fds
	c.fds, c.closed = nil, true
	c.fdmu.Unlock()
	for _, f := range fds {
		f.Close()
	}
	return c.uc.Close()
}

// CloseWrite shuts down the sending side; the peer reads EOF.
func (c *Conn) CloseWrite() error { return c.uc.CloseWrite() }

// WriteFrame sends f as one frame. It closes f.Files after they are sent, and
// also when sending fails: the descriptors are gone either way.
func (c *Conn) WriteFrame(f *Frame) error {
	defer f.CloseFiles()
	f.V = Version
	f.NFD = len(f.Files)
	hdr, err := msgpack.Marshal(f)
	if err != nil {
		return fmt.Errorf("encode frame %s: %w", f.Type, err)
	}
	size := 4 + len(hdr) + len(f.Body)
	if size > MaxFrame {
		return ErrFrameTooLarge
	}
	head := make([]byte, 8, 8+len(hdr))
	binary.LittleEndian.PutUint32(head[0:], uint32(size))
	binary.LittleEndian.PutUint32(head[4:], uint32(len(hdr)))
	head = append(head, hdr...)

	c.wmu.Lock()
	defer c.wmu.Unlock()
	if len(f.Files) > 0 {
		fds := make([]int, len(f.Files))
		for i, file := range f.Files {
			fds[i] = int(file.Fd())
		}
		n, _, err := c.uc.WriteMsgUnix(head, unix.UnixRights(fds...), nil)
		if err != nil {
			return fmt.Errorf("send frame %s: %w", f.Type, err)
		}
		head = head[n:]
	}
	if len(head) > 0 {
		if _, err := c.uc.Write(head); err != nil {
			return fmt.Errorf("send frame %s: %w", f.Type, err)
		}
	}
	if len(f.Body) > 0 {
		if _, err := c.uc.Write(f.Body); err != nil {
			return fmt.Errorf("send frame %s: %w", f.Type, err)
		}
	}
	return nil
}

// ReadFrame reads the next frame. It returns io.EOF when the peer closed the
// channel between frames. The caller owns the returned frame's Files.
func (c *Conn) ReadFrame() (*Frame, error) {
	if err := c.fill(8); err != nil {
		return nil, err
	}
	size := int(binary.LittleEndian.Uint32(c.buf[c.r:]))
	hsize := int(binary.LittleEndian.Uint32(c.buf[c.r+4:]))
	if size > MaxFrame || size < 4 || hsize > size-4 || hsize > MaxHeader {
		return nil, ErrFrameTooLarge
	}
	c.r += 8
	total := size - 4
	if err := c.fill(hsize); err != nil {
		return nil, unexpected(err)
	}
	f := &Frame{}
	if err := mpack.Unmarshal(c.buf[c.r:c.r+hsize], f); err != nil {
		return nil, fmt.Errorf("decode frame header: %w", err)
	}
	c.r += hsize
	if bodyLen := total - hsize; bodyLen > 0 {
		// Grow the body as its bytes arrive: a declared size alone never
		// makes us allocate more than a megabyte.
		f.Body = make([]byte, 0, min(bodyLen, 1<<20))
		n := copy(f.Body[:min(bodyLen, c.w-c.r, cap(f.Body))], c.buf[c.r:c.w])
		f.Body = f.Body[:n]
		c.r += n
		for n < bodyLen {
			if n == cap(f.Body) {
				f.Body = append(f.Body[:n], make([]byte, min(bodyLen, 2*n)-n)...)[:n]
			}
			m, err := c.readSome(f.Body[n:min(bodyLen, cap(f.Body))])
			if err != nil {
				return nil, unexpected(err)
			}
			n += m
			f.Body = f.Body[:n]
		}
	}
	if f.NFD < 0 {
		return nil, fmt.Errorf("frame %s declares %d descriptors", f.Type, f.NFD)
	}
	if f.NFD > 0 {
		c.fdmu.Lock()
		if f.NFD > len(c.fds) {
			n := len(c.fds)
			c.fdmu.Unlock()
			return nil, fmt.Errorf("frame %s declares %d descriptors, %d received", f.Type, f.NFD, n)
		}
		f.Files = append([]*os.File(nil), c.fds[:f.NFD]...)
		c.fds = c.fds[f.NFD:]
		c.fdmu.Unlock()
	}
	return f, nil
}

// fill makes at least n unread bytes available in buf.
func (c *Conn) fill(n int) error {
	if c.w-c.r >= n {
		return nil
	}
	if n > len(c.buf) {
		nb := make([]byte, n)
		c.w = copy(nb, c.buf[c.r:c.w])
		c.r, c.buf = 0, nb
	} else if c.r > 0 {
		c.w = copy(c.buf, c.buf[c.r:c.w])
		c.r = 0
	}
	for c.w-c.r < n {
		m, err := c.readSome(c.buf[c.w:])
		if err != nil {
			if err == io.EOF && c.w > c.r {
				return io.ErrUnexpectedEOF
			}
			return err
		}
		c.w += m
	}
	return nil
}

// readSome reads into p, collecting any descriptors that arrive.
func (c *Conn) readSome(p []byte) (int, error) {
	n, oobn, flags, _, err := c.uc.ReadMsgUnix(p, c.oob)
	if oobn > 0 {
		if perr := c.collectFDs(c.oob[:oobn]); perr != nil && err == nil {
			err = perr
		}
	}
	if errors.Is(err, io.EOF) {
		err = io.EOF
	}
	if err == nil && flags&unix.MSG_CTRUNC != 0 {
		err = ErrTruncatedFDs
	}
	if err == nil && n == 0 {
		err = io.EOF
	}
	return n, err
}

func (c *Conn) collectFDs(oob []byte) error {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return fmt.Errorf("parse control message: %w", err)
	}
	for i := range msgs {
		fds, err := unix.ParseUnixRights(&msgs[i])
		if err != nil {
			continue
		}
		c.fdmu.Lock()
		for _, fd := range fds {
			f := os.NewFile(uintptr(fd), "ipc-received")
			if c.closed {
				f.Close() // nobody will take it
				continue
			}
			c.fds = append(c.fds, f)
		}
		c.fdmu.Unlock()
	}
	return nil
}

func unexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}
