// SPDX-License-Identifier: Apache-2.0

package main

import (
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/spf13/cobra"
)

func pingCmd(g *globals) *cobra.Command {
	var count int
	var interval time.Duration
	cmd := &cobra.Command{
		Use:   "ping",
		Short: "Send Ping (code 1) to the server and print the round-trip time",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			c, err := net.DialTimeout("tcp", g.addr, 5*time.Second)
			if err != nil {
				return err
			}
			defer c.Close()
			req := binary.LittleEndian.AppendUint32(binary.LittleEndian.AppendUint32(nil, 4), 1)
			var resp [8]byte
			for i := 0; i < count; i++ {
				if i > 0 {
					time.Sleep(interval)
				}
				start := time.Now()
				if _, err := c.Write(req); err != nil {
					return err
				}
				if _, err := io.ReadFull(c, resp[:]); err != nil {
					return err
				}
				if st := binary.LittleEndian.Uint32(resp[:]); st != 0 {
					return fmt.Errorf("ping: status %d", st)
				}
				fmt.Printf("pong from %s: time=%v\n", g.addr, time.Since(start).Round(time.Microsecond))
			}
			return nil
		},
	}
	cmd.Flags().IntVarP(&count, "count", "c", 1, "number of pings")
	cmd.Flags().DurationVarP(&interval, "interval", "i", time.Second, "time between pings")
	return cmd
}
