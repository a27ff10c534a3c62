// SPDX-License-Identifier: Apache-2.0

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"riffle/ipc"
)

// ctlPath resolves the supervisor control socket.
func (g *globals) ctlPath() string {
	if g.ctl != "" {
		return g.ctl
	}
	if v := os.Getenv("RIFFLE_CTL"); v != "" {
		return v
	}
	if v := os.Getenv("RUNTIME_DIRECTORY"); v != "" {
		first, _, _ := strings.Cut(v, ":")
		return filepath.Join(first, "ctl.sock")
	}
	if _, err := os.Stat("/run/riffle/ctl.sock"); err == nil {
		return "/run/riffle/ctl.sock"
	}
	return filepath.Join("local_data", "run", "ctl.sock")
}

// ctlCall sends one request to the supervisor and decodes the reply into out.
func (g *globals) ctlCall(typ string, req, out any, timeout time.Duration) error {
	path := g.ctlPath()
	conn, err := ipc.Dial(path)
	if err != nil {
		return &ctlError{fmt.Errorf("connect to %s (is riffled running? --ctl sets the path): %w", path, err)}
	}
	p := ipc.NewPeer(conn, nil)
	go p.Run()
	defer p.Close()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	r, err := p.Call(ctx, typ, req, nil)
	if err != nil {
		return err
	}
	return r.Decode(out)
}

func (g *globals) printJSON(v any) error {
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func shardCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "shard", Short: "Inspect and restart shard processes"}
	cmd.AddCommand(&cobra.Command{
		Use:   "list",
		Short: "List shard processes",
		Args:  exactArgs(0),
		RunE: func(*cobra.Command, []string) error {
			var l ipc.ShardList
			if err := g.ctlCall(ipc.TypeShardList, nil, &l, 10*time.Second); err != nil {
				return err
			}
			if g.output == "json" {
				return g.printJSON(l)
			}
			printShards(l.Shards)
			return nil
		},
	})
	cmd.AddCommand(&cobra.Command{
		Use:   "restart N",
		Short: "Drain shard N, stop it gracefully and start a new one on the same CPU",
		Args:  exactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			n, err := strconv.Atoi(args[0])
			if err != nil || n < 0 {
				return usageErrorf("shard %q: want a shard number", args[0])
			}
			var res ipc.ShardRestartResult
			if err := g.ctlCall(ipc.TypeShardRestart, ipc.ShardRestart{V: 1, Shard: n}, &res, 2*time.Minute); err != nil {
				return err
			}
			if g.output == "json" {
				return g.printJSON(res)
			}
			fmt.Printf("shard %d restarted on CPU %d: pid %d -> %d in %v\n", res.Shard, res.CPU, res.OldPID, res.NewPID, time.Duration(res.TookNS).Round(time.Millisecond))
			return nil
		},
	})
	return cmd
}

func printShards(shards []ipc.ShardInfo) {
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "SHARD\tPID\tCPU\tSTATE\tCONNS\tRESTARTS\tUPTIME\tVERSION\tLAST ERROR")
	for _, s := range shards {
		up := "-"
		if s.StartedAt > 0 {
			up = time.Since(time.Unix(0, s.StartedAt)).Round(time.Second).String()
		}
		fmt.Fprintf(w, "%d\t%d\t%d\t%s\t%d\t%d\t%s\t%s\t%s\n", s.ID, s.PID, s.CPU, s.State, s.Conns, s.Restarts, up, s.Version, s.LastError)
	}
	w.Flush()
}

func serverCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "server", Short: "Inspect and reload the server"}
	cmd.AddCommand(&cobra.Command{
		Use:   "status",
		Short: "Show the supervisor, front and shards",
		Args:  exactArgs(0),
		RunE: func(*cobra.Command, []string) error {
			var st ipc.Status
			if err := g.ctlCall(ipc.TypeStatus, nil, &st, 10*time.Second); err != nil {
				return err
			}
			if g.output == "json" {
				return g.printJSON(st)
			}
			fmt.Printf("riffled %s  pid %d  state %s  up %v\n", st.Version, st.PID, st.State, time.Since(time.Unix(0, st.StartedAt)).Round(time.Second))
			fmt.Printf("front    pid %d  version %s\n", st.FrontPID, st.FrontVersion)
			fmt.Printf("data     %s  (durability %s, io %s)\n", st.DataDir, st.Durability, st.IO)
			for name, addr := range st.Listeners {
				fmt.Printf("listen   %s %s\n", name, addr)
			}
			for _, p := range st.Problems {
				fmt.Printf("PROBLEM  %s\n", p)
			}
			for _, f := range st.Fenced {
				fmt.Printf("FENCED   %s\n", f)
			}
			printShards(st.Shards)
			return nil
		},
	})
	cmd.AddCommand(&cobra.Command{
		Use:   "reload",
		Short: "Rolling restart of every shard and then the front with the binary and config on disk; returns when done",
		Args:  exactArgs(0),
		RunE: func(*cobra.Command, []string) error {
			var res ipc.ReloadResult
			if err := g.ctlCall(ipc.TypeReload, nil, &res, 10*time.Minute); err != nil {
				return err
			}
			if g.output == "json" {
				return g.printJSON(res)
			}
			for _, s := range res.Shards {
				fmt.Printf("shard %d: pid %d -> %d\n", s.Shard, s.OldPID, s.NewPID)
			}
			fmt.Printf("front: pid %d -> %d\nreload complete in %v (version %s)\n", res.FrontOld, res.FrontNew, time.Duration(res.TookNS).Round(time.Millisecond), res.Version)
			return nil
		},
	})
	return cmd
}
