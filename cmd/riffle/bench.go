// SPDX-License-Identifier: Apache-2.0

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"riffle/internal/bench"
	"riffle/internal/protocol"
)

const benchLong = `Run one of iggy-bench's scenarios against a running server and report
throughput and batch latency.

Every actor (producer, consumer or producing consumer) has its own connection
and one batch in flight. Latency is the round trip of one batch (send → ack,
poll → response; for end-to-end, send → poll of the same batch back), kept in
an HDR histogram. Throughput counts payload bytes; MB = 10^6 bytes.

Scenarios (iggy-bench aliases in brackets); streams are named bench-stream-N,
each with the topic topic-1:
  pinned-producer (pp)       each producer sends to its own stream, partition 0
                             (balanced over the partitions if --partitions > 1)
  pinned-consumer (pc)       each consumer reads partition 0 of its stream from
                             offset 0 by offset, without committing
  pinned-producer-and-consumer (ppc)
                             both at once; consumers follow the producers
  balanced-producer (bp)     producers send balanced over --partitions
  balanced-consumer-group (bcg)
                             the consumers of a stream join one fresh group and
                             poll next with auto-commit until the stream's share
                             (consumers × batches × messages per batch) is read
  end-to-end-producing-consumer (e2e)
                             each of --producers actors sends a batch to its own
                             stream, then polls it back

Producing scenarios delete and recreate their streams unless --reuse-streams.
The consumer-only scenarios read what an earlier run wrote (e.g. pc after pp
with the same --streams, bcg after bp); a missing stream, or one holding fewer
messages than the consumers read, is first seeded with the shortfall (not
measured; the report says how many messages were seeded).

Counts: --message-batches is per actor (a consumer reads message-batches ×
messages-per-batch messages); --total-data instead splits that much payload
over the actors. --rate-limit caps the payload rate of the whole run, split
over the producing actors (over the consumers when there are none).

Output: a table (or the JSON report with -o json) on stdout, a progress bar
on stderr when it is a terminal, --output-json FILE for the JSON report (totals
at the top level, then "roles" and "actors"), and --chart FILE for throughput
and latency over time (.html: a self-contained page; .svg).

iggy-bench's -p (producers) is not available: -p is riffle's --password.`

// benchFlags are the options of `riffle bench`.
type benchFlags struct {
	cfg        bench.Config
	totalData  string
	rateLimit  string
	outputJSON string
	chart      string
}

func benchCmd(g *globals) *cobra.Command {
	f := &benchFlags{}
	cmd := &cobra.Command{
		Use:   "bench SCENARIO",
		Short: "Benchmark a server with iggy-bench's scenarios",
		Long:  benchLong,
		Example: `  riffle bench pinned-producer --producers 2 --message-size 1024 --message-batches 1000
  riffle bench pc --consumers 2 --output-json pc.json --chart pc.html
  riffle bench bcg --consumers 4 --partitions 8 --total-data 1GB`,
		Args:      exactArgs(1),
		ValidArgs: scenarioNames(),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runBench(g, f, args[0])
		},
	}
	fl := cmd.Flags()
	c := &f.cfg
	fl.IntVar(&c.Producers, "producers", 0, "producers (producing consumers for end-to-end) (default 8)")
	fl.IntVarP(&c.Consumers, "consumers", "c", 0, "consumers (default 8)")
	fl.IntVarP(&c.Streams, "streams", "s", 0, "streams (default: one per producer, per consumer for pinned-consumer, 1 for balanced)")
	fl.IntVarP(&c.Partitions, "partitions", "a", 0, "partitions per topic (default 1, 24 for balanced)")
	fl.IntVarP(&c.MessageSize, "message-size", "m", 0, "payload bytes per message (default 1000)")
	fl.IntVarP(&c.MessagesPerBatch, "messages-per-batch", "P", 0, "messages per batch (default 1000)")
	fl.IntVarP(&c.MessageBatches, "message-batches", "b", 0, "batches per actor (default 1000)")
	fl.StringVarP(&f.totalData, "total-data", "T", "", "payload of the whole run instead of --message-batches, e.g. 1GB")
	fl.StringVarP(&f.rateLimit, "rate-limit", "r", "", "payload bytes per second of the whole run, e.g. 100MB")
	fl.BoolVar(&c.ReuseStreams, "reuse-streams", false, "append to existing bench streams instead of recreating them")
	fl.DurationVar(&c.StallTimeout, "stall-timeout", bench.DefaultStallTimeout, "fail a consumer that sees no new message for this long")
	fl.StringVar(&f.outputJSON, "output-json", "", "write the JSON report to `FILE`")
	fl.StringVar(&f.chart, "chart", "", "write throughput and latency over time to `FILE` (.html or .svg)")
	return cmd
}

func scenarioNames() []string {
	var out []string
	for _, s := range bench.Scenarios() {
		out = append(out, string(s))
	}
	return out
}

// runBench resolves the configuration, runs the scenario and writes the
// report where the flags say.
func runBench(g *globals, f *benchFlags, name string) error {
	cfg := f.cfg
	var err error
	if cfg.Scenario, err = bench.ParseScenario(name); err != nil {
		return &usageError{err}
	}
	if cfg.TotalData, err = benchSize("--total-data", f.totalData); err != nil {
		return err
	}
	if cfg.RateLimit, err = benchSize("--rate-limit", f.rateLimit); err != nil {
		return err
	}
	chartKind := ""
	if f.chart != "" {
		switch ext := strings.ToLower(filepath.Ext(f.chart)); ext {
		case ".html", ".htm", ".svg":
			chartKind = ext
		default:
			return usageErrorf("--chart %s: want a .html or .svg file", f.chart)
		}
	}
	creds, err := g.resolveCredentials()
	if err != nil {
		return err
	}
	cfg.Addr, cfg.Username, cfg.Password, cfg.Token = g.addr, creds.username, creds.password, creds.token
	var progress atomic.Int64
	cfg.Progress = &progress
	plan, err := cfg.Plan()
	if err != nil {
		return &usageError{err}
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	done := showProgress(string(cfg.Scenario), plan.Messages(), &progress)
	report, err := bench.Run(ctx, plan)
	done()
	if err != nil {
		if errors.Is(err, bench.ErrConfig) {
			return &usageError{err}
		}
		return err
	}

	if f.outputJSON != "" {
		if err := writeFile(f.outputJSON, report.WriteJSON); err != nil {
			return err
		}
	}
	switch chartKind {
	case ".svg":
		err = writeFile(f.chart, report.WriteChartSVG)
	case ".html", ".htm":
		err = writeFile(f.chart, report.WriteChartHTML)
	}
	if err != nil {
		return err
	}
	if g.output == "json" {
		return report.WriteJSON(stdout)
	}
	return report.WriteTable(stdout)
}

// benchSize parses a byte count such as "1GB" or "512MiB"; "" is 0.
func benchSize(flag, s string) (uint64, error) {
	if s == "" {
		return 0, nil
	}
	n, err := parseSize(s)
	if err != nil {
		return 0, err
	}
	if n == protocol.TopicSizeDefault || n == protocol.TopicSizeUnlimited {
		return 0, usageErrorf("%s %q: want a positive byte count such as 100MB", flag, s)
	}
	return n, nil
}

// writeFile writes a file through fn, replacing it whole.
func writeFile(path string, fn func(io.Writer) error) error {
	tmp := path + ".tmp"
	out, err := os.Create(tmp)
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	if err := fn(out); err != nil {
		out.Close()
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := out.Close(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// showProgress draws a progress bar of messages on stderr while a run works,
// when stderr is a terminal; the returned function stops it.
func showProgress(desc string, total int64, progress *atomic.Int64) func() {
	if !term.IsTerminal(int(os.Stderr.Fd())) || total <= 0 {
		return func() {}
	}
	bar := progressbar.NewOptions64(total,
		progressbar.OptionSetWriter(os.Stderr),
		progressbar.OptionSetDescription(desc),
		progressbar.OptionShowCount(),
		progressbar.OptionSetItsString("msg"),
		progressbar.OptionShowIts(),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish(),
	)
	stop := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				bar.Set64(progress.Load())
			case <-stop:
				bar.Set64(progress.Load())
				bar.Finish()
				return
			}
		}
	}()
	return func() {
		close(stop)
		<-finished
		fmt.Fprintln(os.Stderr)
	}
}
