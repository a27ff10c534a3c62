// SPDX-License-Identifier: Apache-2.0

// Package logging builds riffle's one logrus logger per process and holds the
// field-key constants. It is the only package that configures logrus; every
// component receives a *logrus.Entry that already carries role, pid and shard.
package logging

import (
	"io"
	"os"
	"strings"

	"github.com/sirupsen/logrus"
	"golang.org/x/term"
)

// Field keys. Messages are lowercase constant strings; variables go in fields.
const (
	Role      = "role"
	Shard     = "shard"
	PID       = "pid"
	Stream    = "stream"
	Topic     = "topic"
	Partition = "partition"
	Segment   = "segment"
	Offset    = "offset"
	Conn      = "conn"
	Remote    = "remote"
	FD        = "fd"
	Cmd       = "cmd"
	Code      = "code"
	Took      = "took"
	Phase     = "phase"
	Path      = "path"
)

// Options configure New.
type Options struct {
	Level  string    // trace, debug, info (default), warn, error
	Format string    // "json", "text" or "" (json unless Out is a terminal)
	Out    io.Writer // default os.Stderr
}

// New builds the process logger and returns an entry carrying role and pid.
func New(role string, opts Options) (*logrus.Entry, error) {
	out := opts.Out
	if out == nil {
		out = os.Stderr
	}
	l := logrus.New()
	l.SetOutput(out)
	lvl := logrus.InfoLevel
	if opts.Level != "" {
		var err error
		if lvl, err = logrus.ParseLevel(strings.ToLower(opts.Level)); err != nil {
			return nil, err
		}
	}
	l.SetLevel(lvl)
	format := opts.Format
	if format == "" {
		format = "json"
		if f, ok := out.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
			format = "text"
		}
	}
	if format == "json" {
		l.SetFormatter(&logrus.JSONFormatter{TimestampFormat: "2006-01-02T15:04:05.000000Z07:00"})
	} else {
		l.SetFormatter(&logrus.TextFormatter{FullTimestamp: true, TimestampFormat: "15:04:05.000000"})
	}
	return l.WithFields(logrus.Fields{Role: role, PID: os.Getpid()}), nil
}

// Discard returns an entry that drops everything, for tests and tools.
func Discard() *logrus.Entry {
	l := logrus.New()
	l.SetOutput(io.Discard)
	return logrus.NewEntry(l)
}
