// SPDX-License-Identifier: Apache-2.0

package main

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"

	"github.com/BurntSushi/toml"
	"github.com/spf13/cobra"
)

// contextEntry is one named connection profile.
type contextEntry struct {
	Addr     string `toml:"addr,omitempty"`
	Username string `toml:"username,omitempty"`
	Password string `toml:"password,omitempty"`
	Token    string `toml:"token,omitempty"`
	Ctl      string `toml:"ctl,omitempty"`
}

// contextFile is contexts.toml: the active context's name and every context.
type contextFile struct {
	Active   string                  `toml:"active,omitempty"`
	Contexts map[string]contextEntry `toml:"contexts,omitempty"`
}

// contextsPath is $XDG_CONFIG_HOME/riffle/contexts.toml (~/.config when
// XDG_CONFIG_HOME is unset).
func contextsPath() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", usageErrorf("locate the contexts file: %v", err)
	}
	return filepath.Join(dir, "riffle", "contexts.toml"), nil
}

// loadContexts reads the contexts file; a missing file is an empty one.
func loadContexts() (*contextFile, string, error) {
	path, err := contextsPath()
	if err != nil {
		return nil, "", err
	}
	f := &contextFile{}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return f, path, nil
	}
	if err != nil {
		return nil, path, fmt.Errorf("read contexts %s: %w", path, err)
	}
	if err := toml.Unmarshal(b, f); err != nil {
		return nil, path, usageErrorf("read contexts %s: %v", path, err)
	}
	return f, path, nil
}

// save writes the file atomically with mode 0600 in a 0700 directory.
func (f *contextFile) save(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("write contexts %s: %w", path, err)
	}
	var buf bytes.Buffer
	buf.WriteString("# riffle CLI contexts; holds credentials, keep it private (mode 0600).\n")
	if err := toml.NewEncoder(&buf).Encode(f); err != nil {
		return fmt.Errorf("encode contexts: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".contexts-*.toml")
	if err != nil {
		return fmt.Errorf("write contexts %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("write contexts %s: %w", path, err)
	}
	if _, err := tmp.Write(buf.Bytes()); err != nil {
		tmp.Close()
		return fmt.Errorf("write contexts %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("write contexts %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write contexts %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write contexts %s: %w", path, err)
	}
	return nil
}

// activeContext returns the active context and its name, or nil when none is
// active. An active name without an entry is a usage error.
// With no place for a contexts file (no $HOME, as for a service), there is no
// active context: commands run from their flags and environment alone.
func activeContext() (*contextEntry, string, error) {
	if _, err := os.UserConfigDir(); err != nil {
		return nil, "", nil
	}
	f, path, err := loadContexts()
	if err != nil || f.Active == "" {
		return nil, "", err
	}
	e, ok := f.Contexts[f.Active]
	if !ok {
		return nil, "", usageErrorf("active context %q is not defined in %s ('riffle context use NAME' picks another)", f.Active, path)
	}
	return &e, f.Active, nil
}

// contextView is one context in `context list -o json`; secrets are never
// printed.
type contextView struct {
	Name        string `json:"name"`
	Active      bool   `json:"active"`
	Addr        string `json:"addr"`
	Username    string `json:"username"`
	HasPassword bool   `json:"has_password"`
	HasToken    bool   `json:"has_token"`
	Ctl         string `json:"ctl"`
}

func contextCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "context",
		Aliases: []string{"ctx"},
		Short:   "Manage connection contexts (address and credentials kept in a file)",
		Long: `A context is a named address and credentials, kept in
$XDG_CONFIG_HOME/riffle/contexts.toml (mode 0600). The active context
supplies --addr, the credentials and --ctl when those flags are absent.`,
	}
	cmd.AddCommand(&cobra.Command{
		Use:     "create NAME",
		Aliases: []string{"c"},
		Short:   "Create a context from --addr, --username/--password or --token, and --ctl",
		Example: "  riffle context create prod --addr 10.0.0.5:8090 -u admin -p secret\n  riffle context use prod",
		Args:    exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := args[0]
			f, path, err := loadContexts()
			if err != nil {
				return err
			}
			if _, ok := f.Contexts[name]; ok {
				return usageErrorf("context %q exists in %s; delete it first", name, path)
			}
			if g.changed("username") != g.changed("password") {
				return usageErrorf("context %q: --username and --password go together", name)
			}
			e := contextEntry{Addr: g.addr, Username: g.username, Password: g.password, Token: g.token, Ctl: g.ctl}
			if f.Contexts == nil {
				f.Contexts = map[string]contextEntry{}
			}
			f.Contexts[name] = e
			if err := f.save(path); err != nil {
				return err
			}
			return g.emit(viewContext(name, e, f.Active == name), func() { say("context %s created in %s", name, path) })
		},
	})
	cmd.AddCommand(&cobra.Command{
		Use:     "use NAME",
		Aliases: []string{"u"},
		Short:   "Make a context the active one",
		Args:    exactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			f, path, err := loadContexts()
			if err != nil {
				return err
			}
			e, ok := f.Contexts[args[0]]
			if !ok {
				return usageErrorf("context %q is not defined in %s", args[0], path)
			}
			f.Active = args[0]
			if err := f.save(path); err != nil {
				return err
			}
			return g.emit(viewContext(args[0], e, true), func() { say("context %s is active", args[0]) })
		},
	})
	cmd.AddCommand(&cobra.Command{
		Use:     "list",
		Aliases: []string{"l"},
		Short:   "List contexts; the active one is marked",
		Args:    exactArgs(0),
		RunE: func(*cobra.Command, []string) error {
			f, _, err := loadContexts()
			if err != nil {
				return err
			}
			names := make([]string, 0, len(f.Contexts))
			for n := range f.Contexts {
				names = append(names, n)
			}
			sort.Strings(names)
			views := []contextView{}
			for _, n := range names {
				views = append(views, viewContext(n, f.Contexts[n], n == f.Active))
			}
			return g.emit(views, func() {
				t := newTable("ACTIVE", "NAME", "ADDR", "USERNAME", "AUTH", "CTL")
				for _, v := range views {
					active, auth := "", "-"
					if v.Active {
						active = "*"
					}
					switch {
					case v.HasToken:
						auth = "token"
					case v.HasPassword:
						auth = "password"
					}
					t.row(active, v.Name, dash(v.Addr), dash(v.Username), auth, dash(v.Ctl))
				}
				t.flush()
			})
		},
	})
	cmd.AddCommand(&cobra.Command{
		Use:     "delete NAME",
		Aliases: []string{"d"},
		Short:   "Delete a context (deleting the active one leaves none active)",
		Args:    exactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			f, path, err := loadContexts()
			if err != nil {
				return err
			}
			if _, ok := f.Contexts[args[0]]; !ok {
				return usageErrorf("context %q is not defined in %s", args[0], path)
			}
			delete(f.Contexts, args[0])
			if f.Active == args[0] {
				f.Active = ""
			}
			if err := f.save(path); err != nil {
				return err
			}
			return g.emit(map[string]string{"deleted": args[0]}, func() { say("context %s deleted", args[0]) })
		},
	})
	return cmd
}

func viewContext(name string, e contextEntry, active bool) contextView {
	return contextView{Name: name, Active: active, Addr: e.Addr, Username: e.Username,
		HasPassword: e.Password != "", HasToken: e.Token != "", Ctl: e.Ctl}
}

// dash shows an empty string as "-".
func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
