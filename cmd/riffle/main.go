// SPDX-License-Identifier: Apache-2.0

// Command riffle is riffle's command-line client: Iggy-CLI-like management
// and messaging over the binary protocol (through internal/client), shard and
// server administration over the supervisor's ctl.sock, and `riffle bench`.
// It never imports a server package.
package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"riffle/internal/client"
	"riffle/internal/version"
)

// Exit statuses, documented in `riffle --help`.
const (
	exitServer = 1 // the server answered with an error (or a ping went unanswered)
	exitUsage  = 2 // bad flags or arguments, missing credentials, unknown context
	exitConn   = 3 // the server or ctl.sock could not be reached, or the connection broke
)

// defaultAddr is the server address used when neither --addr, the active
// context nor RIFFLE_ADDR name one (Iggy's TCP default).
const defaultAddr = "127.0.0.1:8090"

// globals are the flags every command shares, and what was resolved from them.
type globals struct {
	addr     string
	username string
	password string
	token    string
	ctl      string
	output   string

	cmd *cobra.Command // the command being run, for Flags().Changed
	ran bool           // PersistentPreRunE passed: later errors come from the command itself
}

const rootLong = `riffle is the command-line client of the riffle streaming server, which speaks
the Apache Iggy 0.8 binary protocol. Commands follow Iggy's CLI: identifiers of
streams, topics, groups and users are numeric IDs when they parse as an unsigned
32-bit number, and names otherwise.

Connection and credentials, first match wins:
  address      --addr, the active context, $RIFFLE_ADDR, 127.0.0.1:8090
  credentials  --token or --username with --password, the active context,
               $RIFFLE_TOKEN or $RIFFLE_USERNAME with $RIFFLE_PASSWORD;
               riffle never prompts and fails when none is given
Contexts are kept in $XDG_CONFIG_HOME/riffle/contexts.toml (mode 0600); see
'riffle context --help'.

Output is a table for people, or JSON with snake_case fields (-o json) for
scripts. Timestamps in JSON are microseconds since the epoch (fields *_us).

Exit status:
  0  success
  1  the server answered with an error; it is printed as its Iggy name and
     code, e.g. "riffle: stream_id_not_found (1009)"; a getter that finds
     nothing prints "riffle: stream 7: not found"; ping: a ping went
     unanswered
  2  usage error: bad flags or arguments, missing credentials
  3  connection error: the server or ctl.sock could not be reached, or the
     connection broke`

func main() {
	g := &globals{}
	root := newRoot(g)
	err := root.Execute()
	if err == nil {
		return
	}
	code := exitCode(g, err)
	fmt.Fprintln(os.Stderr, "riffle:", errorText(err))
	if code == exitUsage {
		fmt.Fprintln(os.Stderr, "Run 'riffle --help' or add --help to the command for usage.")
	}
	os.Exit(code)
}

func newRoot(g *globals) *cobra.Command {
	root := &cobra.Command{
		Use:           "riffle",
		Short:         "Command-line client for the riffle streaming server (Iggy 0.8 protocol)",
		Long:          rootLong,
		Version:       version.Version,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			g.cmd = cmd
			if g.output != "table" && g.output != "json" {
				return usageErrorf("--output %q: want table or json", g.output)
			}
			if !isContextCommand(cmd) {
				if err := g.resolveAddr(); err != nil {
					return err
				}
			}
			g.ran = true
			return nil
		},
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &usageError{err} })
	pf := root.PersistentFlags()
	pf.StringVar(&g.addr, "addr", "", "server TCP address (default: active context, $RIFFLE_ADDR, "+defaultAddr+")")
	pf.StringVarP(&g.username, "username", "u", "", "username (default: active context, $RIFFLE_USERNAME)")
	pf.StringVarP(&g.password, "password", "p", "", "password (default: active context, $RIFFLE_PASSWORD)")
	pf.StringVar(&g.token, "token", "", "personal access token (default: active context, $RIFFLE_TOKEN)")
	pf.StringVar(&g.ctl, "ctl", "", "supervisor control socket (default: active context, $RIFFLE_CTL, $RUNTIME_DIRECTORY/ctl.sock, /run/riffle/ctl.sock, ./local_data/run/ctl.sock)")
	pf.StringVarP(&g.output, "output", "o", "table", "output format: table or json")

	root.AddGroup(
		&cobra.Group{ID: "data", Title: "Streams, topics and messages:"},
		&cobra.Group{ID: "access", Title: "Users, tokens and clients:"},
		&cobra.Group{ID: "admin", Title: "Server and shard administration:"},
	)
	add := func(group string, cmds ...*cobra.Command) {
		for _, c := range cmds {
			c.GroupID = group
			root.AddCommand(c)
		}
	}
	add("data", streamCmd(g), topicCmd(g), partitionCmd(g), segmentCmd(g), messageCmd(g), offsetCmd(g), groupCmd(g))
	add("access", userCmd(g), patCmd(g), clientCmd(g), meCmd(g), contextCmd(g))
	add("admin", pingCmd(g), statsCmd(g), shardCmd(g), serverCmd(g))
	root.AddCommand(benchCmd(g))
	for _, c := range root.Commands() {
		guardGroup(c)
	}
	return root
}

// guardGroup makes a command that only holds subcommands print its help when
// called alone and fail with a usage error on an unknown subcommand (cobra
// checks that for the root only).
func guardGroup(c *cobra.Command) {
	if !c.HasSubCommands() {
		return
	}
	if c.Run == nil && c.RunE == nil {
		c.RunE = func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return cmd.Help()
			}
			return usageErrorf("unknown command %q for %q", args[0], cmd.CommandPath())
		}
	}
	for _, sub := range c.Commands() {
		guardGroup(sub)
	}
}

// exitCode maps an error to the documented exit status.
func exitCode(g *globals, err error) int {
	var ee *exitError
	var ue *usageError
	var ce *client.ConnError
	var se *client.ServerError
	var cte *ctlError
	switch {
	case errors.As(err, &ee):
		return ee.code
	case errors.As(err, &ue):
		return exitUsage
	case errors.As(err, &ce), errors.As(err, &cte):
		return exitConn
	case errors.As(err, &se), errors.Is(err, client.ErrNotFound), errors.Is(err, client.ErrProtocol):
		return exitServer
	case !g.ran:
		// cobra's own errors: unknown command, wrong number of arguments.
		return exitUsage
	}
	return exitServer
}

// errorText is what riffle prints after "riffle: ". A server status is
// printed alone, as its Iggy name and code.
func errorText(err error) string {
	if se, ok := err.(*client.ServerError); ok {
		return se.Status.Error()
	}
	return err.Error()
}

// exitError carries a specific exit status.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// usageError marks a mistake on the command line (exit status 2).
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

func usageErrorf(format string, args ...any) error {
	return &usageError{fmt.Errorf(format, args...)}
}

// ctlError marks a failure to reach the supervisor's ctl.sock (exit status 3).
type ctlError struct{ err error }

func (e *ctlError) Error() string { return e.err.Error() }
func (e *ctlError) Unwrap() error { return e.err }

// isContextCommand reports whether cmd is `riffle context …`, which manages
// the contexts file and connects to nothing.
func isContextCommand(cmd *cobra.Command) bool {
	for c := cmd; c != nil; c = c.Parent() {
		if c.Name() == "context" && c.Parent() != nil && !c.Parent().HasParent() {
			return true
		}
	}
	return false
}

// envOr returns the environment variable name, or def when it is empty.
func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// plural returns "1 message" or "n messages".
func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %s", n, word) + "s"
}
