// SPDX-License-Identifier: Apache-2.0

package main

import (
	"context"
	"errors"
	"os"
	"os/signal"
	"syscall"
	"time"

	"riffle/internal/client"
)

// callTimeout bounds one command's whole conversation with the server unless
// the command sets its own.
const callTimeout = 60 * time.Second

// changed reports whether the global flag name was given on the command line.
func (g *globals) changed(name string) bool {
	return g.cmd != nil && g.cmd.Flags().Changed(name)
}

// resolveAddr fills g.addr and g.ctl when their flags are absent: from the
// active context, then the environment, then the defaults.
func (g *globals) resolveAddr() error {
	if g.changed("addr") && g.changed("ctl") {
		return nil
	}
	ctx, _, err := activeContext()
	if err != nil {
		return err
	}
	if !g.changed("addr") {
		switch {
		case ctx != nil && ctx.Addr != "":
			g.addr = ctx.Addr
		default:
			g.addr = envOr("RIFFLE_ADDR", defaultAddr)
		}
	}
	if !g.changed("ctl") && ctx != nil && ctx.Ctl != "" {
		g.ctl = ctx.Ctl
	}
	return nil
}

// credentials are how a command logs in: a token, or a username and password.
type credentials struct {
	username, password, token string
	source                    string // "flags", "context NAME" or "environment"
}

// resolveCredentials picks credentials from the flags, else the active
// context, else RIFFLE_TOKEN or RIFFLE_USERNAME/RIFFLE_PASSWORD. It never
// prompts.
func (g *globals) resolveCredentials() (credentials, error) {
	switch {
	case g.changed("token") && g.token != "":
		return credentials{token: g.token, source: "flags"}, nil
	case g.changed("username") || g.changed("password"):
		if g.username == "" || g.password == "" {
			return credentials{}, usageErrorf("--username and --password go together (or use --token)")
		}
		return credentials{username: g.username, password: g.password, source: "flags"}, nil
	}
	ctx, name, err := activeContext()
	if err != nil {
		return credentials{}, err
	}
	if ctx != nil {
		switch {
		case ctx.Token != "":
			return credentials{token: ctx.Token, source: "context " + name}, nil
		case ctx.Username != "" && ctx.Password != "":
			return credentials{username: ctx.Username, password: ctx.Password, source: "context " + name}, nil
		}
	}
	if t := os.Getenv("RIFFLE_TOKEN"); t != "" {
		return credentials{token: t, source: "environment"}, nil
	}
	u, p := os.Getenv("RIFFLE_USERNAME"), os.Getenv("RIFFLE_PASSWORD")
	if u != "" && p != "" {
		return credentials{username: u, password: p, source: "environment"}, nil
	}
	return credentials{}, usageErrorf("no credentials: pass --username and --password (or --token), " +
		"set RIFFLE_USERNAME and RIFFLE_PASSWORD (or RIFFLE_TOKEN), or create and use a context " +
		"('riffle context create NAME --addr ADDR -u USER -p PASS', 'riffle context use NAME')")
}

// withClient connects, logs in and runs fn with a context that ends on
// SIGINT/SIGTERM or after timeout (callTimeout when 0, no limit when
// negative).
func (g *globals) withClient(timeout time.Duration, fn func(ctx context.Context, c *client.Client) error) error {
	creds, err := g.resolveCredentials()
	if err != nil {
		return err
	}
	if timeout == 0 {
		timeout = callTimeout
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	c, err := client.Dial(ctx, g.addr, client.Options{})
	if err != nil {
		return err
	}
	defer c.Close()
	if creds.token != "" {
		_, err = c.LoginWithToken(ctx, creds.token)
	} else {
		_, err = c.Login(ctx, creds.username, creds.password)
	}
	if err != nil {
		var se *client.ServerError
		if errors.As(err, &se) {
			return &loginError{source: creds.source, err: se}
		}
		return err
	}
	return fn(ctx, c)
}

// loginError is a login the server refused; it reads
// "login with credentials from flags: invalid_credentials (42)".
type loginError struct {
	source string
	err    *client.ServerError
}

func (e *loginError) Error() string {
	return "login with credentials from " + e.source + ": " + e.err.Status.Error()
}

func (e *loginError) Unwrap() error { return e.err }
