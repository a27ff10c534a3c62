// SPDX-License-Identifier: Apache-2.0

package main

import (
	"errors"
	"fmt"
	"testing"

	"riffle/internal/client"
	"riffle/internal/protocol"
)

func TestExitCodeFollowsTheErrorKind(t *testing.T) {
	server := &client.ServerError{Code: protocol.CodeGetStream, Status: protocol.StatusStreamIDNotFound}
	tests := []struct {
		name string
		ran  bool
		err  error
		want int
		text string
	}{
		{name: "server status", ran: true, err: server, want: exitServer, text: "stream_id_not_found (1009)"},
		{name: "login refused", ran: true, err: &loginError{source: "flags", err: server}, want: exitServer,
			text: "login with credentials from flags: stream_id_not_found (1009)"},
		{name: "not found", ran: true, err: fmt.Errorf("stream 7: %w", client.ErrNotFound), want: exitServer, text: "stream 7: not found"},
		{name: "usage", ran: true, err: usageErrorf("bad"), want: exitUsage, text: "bad"},
		{name: "cobra error before the command ran", ran: false, err: errors.New(`unknown command "x"`), want: exitUsage},
		{name: "connection", ran: true, err: &client.ConnError{Op: "dial", Addr: "a", Err: errors.New("refused")}, want: exitConn},
		{name: "ctl.sock", ran: true, err: &ctlError{errors.New("no socket")}, want: exitConn},
		{name: "explicit", ran: true, err: &exitError{code: 1, err: errors.New("ping")}, want: 1},
		{name: "other error after the command ran", ran: true, err: errors.New("disk full"), want: exitServer},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := &globals{ran: tc.ran}
			if got := exitCode(g, tc.err); got != tc.want {
				t.Fatalf("exit code %d, want %d", got, tc.want)
			}
			if tc.text != "" {
				if got := errorText(tc.err); got != tc.text {
					t.Fatalf("text %q, want %q", got, tc.text)
				}
			}
		})
	}
}
