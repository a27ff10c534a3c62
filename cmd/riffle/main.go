// SPDX-License-Identifier: Apache-2.0

// Command riffle is riffle's command-line client: Iggy-CLI-like management
// and messaging over the binary protocol, shard and server administration over
// the supervisor's ctl.sock, and `riffle bench`. It never imports a server
// package.
package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"
)

// globals are the flags every command shares.
type globals struct {
	addr     string
	username string
	password string
	token    string
	ctl      string
	output   string
}

func main() {
	g := &globals{}
	root := &cobra.Command{
		Use:           "riffle",
		Short:         "Command-line client for the riffle streaming server (Iggy 0.8 protocol)",
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(*cobra.Command, []string) error {
			if g.output != "table" && g.output != "json" {
				return fmt.Errorf("--output %q: want table or json", g.output)
			}
			return nil
		},
	}
	pf := root.PersistentFlags()
	pf.StringVar(&g.addr, "addr", envOr("RIFFLE_ADDR", "127.0.0.1:8090"), "server TCP address")
	pf.StringVarP(&g.username, "username", "u", os.Getenv("RIFFLE_USERNAME"), "username")
	pf.StringVarP(&g.password, "password", "p", os.Getenv("RIFFLE_PASSWORD"), "password")
	pf.StringVar(&g.token, "token", os.Getenv("RIFFLE_TOKEN"), "personal access token")
	pf.StringVar(&g.ctl, "ctl", "", "supervisor control socket (default: $RUNTIME_DIRECTORY/ctl.sock, /run/riffle/ctl.sock, ./local_data/run/ctl.sock)")
	pf.StringVarP(&g.output, "output", "o", "table", "output format: table or json")

	root.AddCommand(pingCmd(g), shardCmd(g), serverCmd(g))
	if err := root.Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "riffle:", err)
		var ce *exitError
		if errors.As(err, &ce) {
			os.Exit(ce.code)
		}
		os.Exit(1)
	}
}

// exitError carries a specific exit status.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
