// SPDX-License-Identifier: Apache-2.0

package itest

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"riffle/ipc"
)

// TestCLIContextsSupplyAddressAndCredentials creates, uses, lists and
// deletes contexts, and checks the order flags, active context, environment.
func TestCLIContextsSupplyAddressAndCredentials(t *testing.T) {
	s := Start(t, Options{Shards: 2})
	root := newCLIRunner(t, s)
	root.ok("user", "create", "ops", "ops-secret-pw", "-g", "r_str,m_str")
	r := root.bare() // no --addr, no credentials
	path := filepath.Join(r.cfg, "riffle", "contexts.toml")

	var ctxs []cliContext
	r.json(&ctxs, "context", "list")
	if len(ctxs) != 0 {
		t.Fatalf("contexts before any: %+v", ctxs)
	}
	r.fails(2, []string{"no credentials", "riffle context create"}, "stream", "list")

	var c cliContext
	r.json(&c, "context", "create", "local", "--addr", s.Addr, "-u", "ops", "-p", "ops-secret-pw", "--ctl", s.CtlPath())
	if c != (cliContext{Name: "local", Addr: s.Addr, Username: "ops", HasPassword: true, Ctl: s.CtlPath()}) {
		t.Fatalf("created %+v", c)
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("contexts file %s: %v, mode %v; want 0600", path, err, st.Mode())
	}
	// Created but not active: still no credentials.
	r.fails(2, []string{"no credentials"}, "stream", "list")

	r.ok("context", "use", "local")
	r.ok("stream", "create", "ctx-made")
	var streams []cliStream
	r.json(&streams, "stream", "list")
	if len(streams) != 1 || streams[0].Name != "ctx-made" {
		t.Fatalf("streams through the context: %+v", streams)
	}
	// The context's ctl.sock serves the shard admin commands.
	var shards ipc.ShardList
	r.json(&shards, "shard", "list")
	if len(shards.Shards) != 2 {
		t.Fatalf("shard list through the context: %+v", shards)
	}
	out := r.ok("context", "list")
	if !strings.Contains(out, "*") || !strings.Contains(out, "local") || strings.Contains(out, "ops-secret-pw") {
		t.Fatalf("context list:\n%s", out)
	}
	b, _ := os.ReadFile(path)
	if !strings.Contains(string(b), `active = "local"`) {
		t.Fatalf("contexts file:\n%s", b)
	}

	// Flags beat the context: root can create users, ops cannot.
	r.fails(1, []string{"riffle: unauthorized (41)"}, "user", "create", "x-user", "x-user-pw")
	r.ok("-u", "iggy", "-p", "iggy", "user", "create", "x-user", "x-user-pw")
	r.fails(2, []string{"--username and --password go together"}, "-u", "iggy", "stream", "list")

	// A context with a wrong password says where the credentials came from.
	r.ok("context", "create", "stale", "--addr", s.Addr, "-u", "ops", "-p", "wrong-password")
	r.ok("context", "use", "stale")
	r.fails(1, []string{"login with credentials from context stale: invalid_credentials (42)"}, "stream", "list")

	// A context with an address only takes credentials from the environment;
	// --addr beats its address.
	dead := deadAddr(t)
	r.ok("context", "create", "addr-only", "--addr", dead)
	r.ok("context", "use", "addr-only")
	env := r.bare("RIFFLE_USERNAME=ops", "RIFFLE_PASSWORD=ops-secret-pw")
	env.fails(3, []string{"riffle: dial " + dead}, "stream", "list")
	env.ok("--addr", s.Addr, "stream", "list")
	r.fails(2, []string{"no credentials"}, "--addr", s.Addr, "stream", "list")

	// A token in a context.
	token := strings.TrimSpace(root.ok("pat", "create", "ctx-token", "never"))
	r.ok("context", "create", "tok", "--addr", s.Addr, "--token", token)
	r.ok("context", "use", "tok")
	var me cliClient
	r.json(&me, "me")
	if me.UserID == nil || *me.UserID != 0 {
		t.Fatalf("me through a token context: %+v", me)
	}

	r.fails(2, []string{`context "tok" exists`}, "context", "create", "tok", "--addr", s.Addr)
	r.fails(2, []string{`context "nope" is not defined`}, "context", "use", "nope")
	r.fails(2, []string{`context "nope" is not defined`}, "context", "delete", "nope")

	r.ok("context", "delete", "tok")
	r.json(&ctxs, "context", "list")
	names := []string{}
	for _, c := range ctxs {
		if c.Active {
			t.Fatalf("%s is still active after deleting the active context", c.Name)
		}
		names = append(names, c.Name)
	}
	if strings.Join(names, ",") != "addr-only,local,stale" {
		t.Fatalf("contexts after delete: %v", names)
	}

	// Without a context, RIFFLE_ADDR and the credentials come from the
	// environment.
	r.bare("RIFFLE_ADDR="+s.Addr, "RIFFLE_USERNAME=iggy", "RIFFLE_PASSWORD=iggy").ok("stream", "get", "ctx-made")
	r.bare("RIFFLE_ADDR="+dead).fails(2, []string{"no credentials"}, "stream", "list")
}

// deadAddr returns a local address nothing listens on.
func deadAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// TestCLIExitCodesAndErrorNames checks the documented exit statuses: 1 with
// the server's error name, 2 for usage, 3 when nothing answers; and that the
// shard admin commands still work.
func TestCLIExitCodesAndErrorNames(t *testing.T) {
	s := Start(t, Options{Shards: 2})
	r := newCLIRunner(t, s)

	help := r.bare().ok("--help")
	for _, w := range []string{"Exit status", "1  the server answered with an error", "2  usage error", "3  connection error", "contexts.toml"} {
		if !strings.Contains(help, w) {
			t.Fatalf("riffle --help lacks %q:\n%s", w, help)
		}
	}

	tests := []struct {
		name string
		code int
		want string
		args []string
	}{
		{"missing stream", 1, "riffle: stream_id_not_found (1009)\n", []string{"stream", "delete", "4000000000"}},
		{"missing topic", 1, "riffle: stream_id_not_found (1009)\n", []string{"topic", "delete", "nosuch", "t"}},
		{"unknown command", 2, `unknown command "frobnicate"`, []string{"frobnicate"}},
		{"unknown subcommand", 2, `unknown command "frobnicate" for "riffle stream"`, []string{"stream", "frobnicate"}},
		{"missing argument", 2, "want 1 argument (STREAM)", []string{"stream", "get"}},
		{"extra argument", 2, "takes no arguments", []string{"stream", "list", "x"}},
		{"unknown flag", 2, "unknown flag: --frobnicate", []string{"stream", "list", "--frobnicate"}},
		{"bad output format", 2, `--output "yaml"`, []string{"-o", "yaml", "stream", "list"}},
		{"bad number", 2, `partition count "many"`, []string{"partition", "create", "s", "t", "many"}},
		{"bad shard number", 2, `shard "x"`, []string{"--ctl", s.CtlPath(), "shard", "restart", "x"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := r.fails(tc.code, []string{tc.want}, tc.args...)
			if !strings.HasPrefix(res.stderr, "riffle: ") {
				t.Fatalf("stderr %q does not start with riffle:", res.stderr)
			}
		})
	}

	t.Run("wrong password", func(t *testing.T) {
		r.as("iggy", "not-the-password").fails(1, []string{"invalid_credentials (42)"}, "stream", "list")
	})
	t.Run("nothing listens", func(t *testing.T) {
		dead := deadAddr(t)
		r.bare().fails(3, []string{"riffle: dial " + dead, "connection refused"}, "--addr", dead, "-u", "iggy", "-p", "iggy", "stream", "list")
	})
	t.Run("no ctl.sock", func(t *testing.T) {
		r.fails(3, []string{"is riffled running?"}, "--ctl", filepath.Join(t.TempDir(), "ctl.sock"), "shard", "list")
	})
	t.Run("shard and server admin", func(t *testing.T) {
		var shards ipc.ShardList
		r.json(&shards, "--ctl", s.CtlPath(), "shard", "list")
		if len(shards.Shards) != 2 {
			t.Fatalf("shards %+v", shards)
		}
		var status map[string]any
		r.json(&status, "--ctl", s.CtlPath(), "server", "status")
		if status["State"] == nil && status["state"] == nil {
			t.Fatalf("server status %v", status)
		}
		if out := r.ok("--ctl", s.CtlPath(), "shard", "list"); !strings.Contains(out, "SHARD") {
			t.Fatalf("shard list table:\n%s", out)
		}
	})
	t.Run("ping uses the address", func(t *testing.T) {
		if out := r.bare().ok("--addr", s.Addr, "ping"); !strings.Contains(out, "pong from "+s.Addr) {
			t.Fatalf("ping printed %q", out)
		}
	})
}
