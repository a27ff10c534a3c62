// SPDX-License-Identifier: Apache-2.0

package ipc

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// Pair makes a connected pair of Unix stream sockets, close-on-exec, as files.
// One end usually goes to a child (ExtraFiles, or a frame's Files); the maker
// closes its copy of that end once it is handed over.
func Pair(name string) (a, b *os.File, err error) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("socketpair %s: %w", name, err)
	}
	return os.NewFile(uintptr(fds[0]), name+"-a"), os.NewFile(uintptr(fds[1]), name+"-b"), nil
}

// ConnPair makes a socketpair and wraps one end as a Conn; the other end is
// returned as a file to hand over.
func ConnPair(name string) (*Conn, *os.File, error) {
	a, b, err := Pair(name)
	if err != nil {
		return nil, nil, err
	}
	c, err := FileConn(a)
	if err != nil {
		b.Close()
		return nil, nil, err
	}
	return c, b, nil
}

// InheritedFD is the descriptor number of the channel to the supervisor in
// every child: the first of cmd.ExtraFiles.
const InheritedFD = 3

// Inherited wraps the channel to the supervisor that a child inherited as
// descriptor InheritedFD.
func Inherited() (*Conn, error) {
	return FileConn(os.NewFile(InheritedFD, "supervisor"))
}
