// SPDX-License-Identifier: Apache-2.0

package main

import (
	"context"
	"strings"

	"github.com/spf13/cobra"

	"riffle/internal/client"
	"riffle/internal/protocol"
)

// userView is a user in JSON.
type userView struct {
	ID        uint32 `json:"id"`
	Username  string `json:"username"`
	Status    string `json:"status"`
	CreatedAt uint64 `json:"created_at_us"`
}

func viewUser(u protocol.UserInfo) userView {
	return userView{ID: u.ID, Username: u.Username, Status: userStatusName(u.Status), CreatedAt: u.CreatedAt}
}

// userDetailsView is `user get` and `user create`: the user and its
// permissions (null when it has none).
type userDetailsView struct {
	userView
	Permissions *permsView `json:"permissions"`
}

func viewUserDetails(d protocol.UserDetails) userDetailsView {
	return userDetailsView{userView: viewUser(d.User), Permissions: viewPerms(d.Permissions)}
}

func printUserDetails(d protocol.UserDetails) {
	u := d.User
	fields("ID", u.ID, "Username", u.Username, "Status", userStatusName(u.Status), "Created", timeText(u.CreatedAt),
		"Permissions", strings.Join(permsLines(d.Permissions), "; "))
}

// permFlags are --global-permissions and --stream-permissions.
type permFlags struct {
	global  string
	streams []string
}

func (p *permFlags) add(cmd *cobra.Command) {
	cmd.Flags().StringVarP(&p.global, "global-permissions", "g", "",
		"comma-separated global permissions: manage_servers (m_srv), read_servers (r_srv), manage_users (m_usr), read_users (r_usr), "+
			"manage_streams (m_str), read_streams (r_str), manage_topics (m_top), read_topics (r_top), poll_messages (p_msg), send_messages (s_msg)")
	cmd.Flags().StringArrayVarP(&p.streams, "stream-permissions", "s", nil,
		"stream permissions STREAM_ID[:PERMS][#TOPIC_ID[:PERMS]]... (repeatable); stream perms: manage_stream (m_str), read_stream (r_str), "+
			"manage_topics (m_top), read_topics (r_top), poll_messages (p_msg), send_messages (s_msg); topic perms: manage_topic (m_top), "+
			"read_topic (r_top), poll_messages (p_msg), send_messages (s_msg)")
}

func userCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "user", Aliases: []string{"u"}, Short: "Create, inspect, update and delete users"}

	var perms permFlags
	var status string
	create := &cobra.Command{
		Use:     "create USERNAME PASSWORD",
		Aliases: []string{"c"},
		Short:   "Create a user",
		Example: "  riffle user create reader s3cret -g r_str,r_top,p_msg\n  riffle user create sender s3cret -s 1#0:s_msg",
		Args:    exactArgs(2),
		RunE: func(_ *cobra.Command, args []string) error {
			st, err := parseUserStatus(status)
			if err != nil {
				return err
			}
			p, err := parsePermissions(perms.global, perms.streams)
			if err != nil {
				return err
			}
			return g.withClient(0, func(ctx context.Context, c *client.Client) error {
				d, err := c.CreateUser(ctx, protocol.CreateUser{Username: args[0], Password: args[1], Status: st, Permissions: p})
				if err != nil {
					return err
				}
				return g.done(viewUserDetails(d), "user %s created with ID %d", d.User.Username, d.User.ID)
			})
		},
	}
	create.Flags().StringVar(&status, "status", "active", "user status: active or inactive")
	perms.add(create)
	cmd.AddCommand(create)

	cmd.AddCommand(&cobra.Command{
		Use:     "get USER",
		Aliases: []string{"g"},
		Short:   "Show a user and its permissions",
		Args:    exactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			id, err := parseID("user", args[0])
			if err != nil {
				return err
			}
			return g.withClient(0, func(ctx context.Context, c *client.Client) error {
				d, err := c.GetUser(ctx, id)
				if err != nil {
					return notFound(err, "user", id)
				}
				return g.emit(viewUserDetails(d), func() { printUserDetails(d) })
			})
		},
	})
	cmd.AddCommand(&cobra.Command{
		Use:     "list",
		Aliases: []string{"l"},
		Short:   "List users",
		Args:    exactArgs(0),
		RunE: func(*cobra.Command, []string) error {
			return g.withClient(0, func(ctx context.Context, c *client.Client) error {
				l, err := c.GetUsers(ctx)
				if err != nil {
					return err
				}
				views := []userView{}
				for _, u := range l {
					views = append(views, viewUser(u))
				}
				return g.emit(views, func() {
					t := newTable("ID", "USERNAME", "STATUS", "CREATED")
					for _, u := range l {
						t.row(u.ID, u.Username, userStatusName(u.Status), timeText(u.CreatedAt))
					}
					t.flush()
				})
			})
		},
	})

	var newName, newStatus string
	update := &cobra.Command{
		Use:     "update USER",
		Aliases: []string{"u"},
		Short:   "Rename a user (--name) and/or change its status (--status)",
		Args:    exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := parseID("user", args[0])
			if err != nil {
				return err
			}
			q := protocol.UpdateUser{User: id, Username: newName}
			if cmd.Flags().Changed("status") {
				if q.Status, err = parseUserStatus(newStatus); err != nil {
					return err
				}
				q.HasStatus = true
			}
			if q.Username == "" && !q.HasStatus {
				return usageErrorf("user update: give --name and/or --status")
			}
			return g.withClient(0, func(ctx context.Context, c *client.Client) error {
				if err := c.UpdateUser(ctx, q); err != nil {
					return err
				}
				return g.done(map[string]any{"user": id.String(), "result": "updated"}, "user %s updated", id)
			})
		},
	}
	update.Flags().StringVar(&newName, "name", "", "new username")
	update.Flags().StringVar(&newStatus, "status", "", "new status: active or inactive")
	cmd.AddCommand(update)

	cmd.AddCommand(&cobra.Command{
		Use:     "password USER CURRENT_PASSWORD NEW_PASSWORD",
		Aliases: []string{"pwd"},
		Short:   "Change a user's password",
		Args:    exactArgs(3),
		RunE: func(_ *cobra.Command, args []string) error {
			id, err := parseID("user", args[0])
			if err != nil {
				return err
			}
			return g.withClient(0, func(ctx context.Context, c *client.Client) error {
				if err := c.ChangePassword(ctx, id, args[1], args[2]); err != nil {
					return err
				}
				return g.done(map[string]any{"user": id.String(), "result": "password changed"}, "password of user %s changed", id)
			})
		},
	})

	var setPerms permFlags
	permissions := &cobra.Command{
		Use:     "permissions USER",
		Aliases: []string{"p"},
		Short:   "Replace a user's permissions (no flags removes them all)",
		Args:    exactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			id, err := parseID("user", args[0])
			if err != nil {
				return err
			}
			p, err := parsePermissions(setPerms.global, setPerms.streams)
			if err != nil {
				return err
			}
			return g.withClient(0, func(ctx context.Context, c *client.Client) error {
				if err := c.UpdatePermissions(ctx, id, p); err != nil {
					return err
				}
				return g.done(map[string]any{"user": id.String(), "permissions": viewPerms(p)}, "permissions of user %s replaced", id)
			})
		},
	}
	setPerms.add(permissions)
	cmd.AddCommand(permissions)

	cmd.AddCommand(&cobra.Command{
		Use:     "delete USER",
		Aliases: []string{"d"},
		Short:   "Delete a user",
		Args:    exactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			id, err := parseID("user", args[0])
			if err != nil {
				return err
			}
			return g.withClient(0, func(ctx context.Context, c *client.Client) error {
				if err := c.DeleteUser(ctx, id); err != nil {
					return err
				}
				return g.done(map[string]any{"user": id.String(), "result": "deleted"}, "user %s deleted", id)
			})
		},
	})
	return cmd
}

// patView is a personal access token in JSON (never the token itself, except
// in the reply of `pat create`). ExpiryAt is null for a token that never
// expires.
type patView struct {
	Name     string  `json:"name"`
	ExpiryAt *uint64 `json:"expiry_at_us"`
	Token    string  `json:"token,omitempty"`
}

func patCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "pat", Short: "Create, list and delete personal access tokens of the logged-in user"}
	cmd.AddCommand(&cobra.Command{
		Use:     "create NAME [EXPIRY...]",
		Aliases: []string{"c"},
		Short:   "Create a token and print it (it is shown only once)",
		Long: `Create a personal access token. EXPIRY is a duration such as "30days" or
"1h 30min", never, or server_default (the default).`,
		Args: rangeArgs(1, -1),
		RunE: func(_ *cobra.Command, args []string) error {
			expiry, err := parseExpiry(args[1:])
			if err != nil {
				return err
			}
			return g.withClient(0, func(ctx context.Context, c *client.Client) error {
				tok, err := c.CreatePersonalAccessToken(ctx, args[0], expiry)
				if err != nil {
					return err
				}
				return g.emit(patView{Name: args[0], Token: tok}, func() { say("%s", tok) })
			})
		},
	})
	cmd.AddCommand(&cobra.Command{
		Use:     "list",
		Aliases: []string{"l"},
		Short:   "List tokens",
		Args:    exactArgs(0),
		RunE: func(*cobra.Command, []string) error {
			return g.withClient(0, func(ctx context.Context, c *client.Client) error {
				l, err := c.GetPersonalAccessTokens(ctx)
				if err != nil {
					return err
				}
				views := []patView{}
				for _, p := range l {
					v := patView{Name: p.Name}
					if p.ExpiryAt != 0 {
						e := p.ExpiryAt
						v.ExpiryAt = &e
					}
					views = append(views, v)
				}
				return g.emit(views, func() {
					t := newTable("NAME", "EXPIRES")
					for _, p := range l {
						exp := "never"
						if p.ExpiryAt != 0 {
							exp = timeText(p.ExpiryAt)
						}
						t.row(p.Name, exp)
					}
					t.flush()
				})
			})
		},
	})
	cmd.AddCommand(&cobra.Command{
		Use:     "delete NAME",
		Aliases: []string{"d"},
		Short:   "Delete a token",
		Args:    exactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			return g.withClient(0, func(ctx context.Context, c *client.Client) error {
				if err := c.DeletePersonalAccessToken(ctx, args[0]); err != nil {
					return err
				}
				return g.done(map[string]string{"name": args[0], "result": "deleted"}, "token %s deleted", args[0])
			})
		},
	})
	return cmd
}
