// SPDX-License-Identifier: Apache-2.0

package bench

import (
	"bufio"
	"fmt"
	"html"
	"io"
	"math"
	"slices"
	"strings"
	"time"
)

// Point is one interval of a run's time series: the batches that completed
// in [T-Width, T).
type Point struct {
	T                  float64 // seconds since the start, end of the interval
	MessagesPerSecond  float64
	MegabytesPerSecond float64
	// Latencies of the batches completed in the interval, in ms; NaN when
	// none completed.
	P50, P99, Max float64
}

// Series cuts the run into intervals of at least 10 ms holding about five
// completed batches each (between 10 and 200 intervals) and returns the
// interval width and the points, for charts.
func (r *Report) Series() (time.Duration, []Point) {
	var batches int
	var end time.Duration
	for _, ss := range r.samples {
		batches += len(ss)
		if len(ss) > 0 {
			end = max(end, ss[len(ss)-1].at)
		}
	}
	if batches == 0 || end <= 0 {
		return 0, nil
	}
	n := min(max(batches/5, 10), 200)
	width := max(end/time.Duration(n), 10*time.Millisecond)
	n = int(end/width) + 1
	msgs := make([]float64, n)
	bytes := make([]float64, n)
	lats := make([][]float64, n)
	for _, ss := range r.samples {
		for _, s := range ss {
			i := min(int(s.at/width), n-1)
			msgs[i] += float64(s.msgs)
			bytes[i] += float64(s.bytes)
			lats[i] = append(lats[i], float64(s.lat)/1e6)
		}
	}
	pts := make([]Point, n)
	sec := width.Seconds()
	for i := range pts {
		p := Point{T: float64(i+1) * sec, MessagesPerSecond: msgs[i] / sec, MegabytesPerSecond: bytes[i] / 1e6 / sec,
			P50: math.NaN(), P99: math.NaN(), Max: math.NaN()}
		if l := lats[i]; len(l) > 0 {
			slices.Sort(l)
			p.P50, p.P99, p.Max = l[(len(l)-1)/2], l[int(math.Ceil(0.99*float64(len(l))))-1], l[len(l)-1]
		}
		pts[i] = p
	}
	return width, pts
}

// line is one named series of a chart.
type line struct {
	name, color string
	ys          []float64 // NaN = no value
}

// Chart geometry.
const (
	chartW, chartH         = 960, 320
	marginL, marginR       = 70, 20
	marginT, marginB       = 30, 40
	plotW, plotH           = chartW - marginL - marginR, chartH - marginT - marginB
	chartFont              = `font-family="sans-serif" font-size="12"`
	throughputColor        = "#1f77b4"
	p50Color, p99Color     = "#2ca02c", "#ff7f0e"
	maxColor               = "#d62728"
	legendStep, legendWide = 16, 110
)

// writeSVG draws lines over xs as one SVG chart.
func writeSVG(w io.Writer, title, yLabel string, xs []float64, lines []line) {
	xMax := xs[len(xs)-1]
	yMax := 0.0
	for _, l := range lines {
		for _, y := range l.ys {
			if !math.IsNaN(y) {
				yMax = max(yMax, y)
			}
		}
	}
	yStep := niceStep(yMax)
	yTop := math.Max(yStep, math.Ceil(yMax/yStep)*yStep)
	xStep := niceStep(xMax)
	px := func(x float64) float64 { return marginL + x/xMax*plotW }
	py := func(y float64) float64 { return marginT + plotH - y/yTop*plotH }

	fmt.Fprintf(w, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" %s>`+"\n", chartW, chartH, chartW, chartH, chartFont)
	fmt.Fprintf(w, `<text x="%d" y="18" font-weight="bold">%s</text>`+"\n", marginL, html.EscapeString(title))
	for y := 0.0; y <= yTop+yStep/2; y += yStep {
		fmt.Fprintf(w, `<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#ddd"/><text x="%d" y="%.1f" text-anchor="end">%s</text>`+"\n",
			marginL, marginL+plotW, py(y), py(y), marginL-6, py(y)+4, tickText(y))
	}
	for x := 0.0; x <= xMax+xStep/1e6; x += xStep {
		fmt.Fprintf(w, `<line x1="%.1f" x2="%.1f" y1="%d" y2="%d" stroke="#eee"/><text x="%.1f" y="%d" text-anchor="middle">%s</text>`+"\n",
			px(x), px(x), marginT, marginT+plotH, px(x), marginT+plotH+16, tickText(x))
	}
	fmt.Fprintf(w, `<text x="%d" y="%d" text-anchor="middle">time (s)</text>`+"\n", marginL+plotW/2, chartH-4)
	fmt.Fprintf(w, `<text transform="translate(14 %d) rotate(-90)" text-anchor="middle">%s</text>`+"\n", marginT+plotH/2, html.EscapeString(yLabel))
	fmt.Fprintf(w, `<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="#888"/>`+"\n", marginL, marginT, plotW, plotH)
	for i, l := range lines {
		var d strings.Builder
		pen := "M"
		for j, y := range l.ys {
			if math.IsNaN(y) {
				pen = "M"
				continue
			}
			fmt.Fprintf(&d, "%s%.1f %.1f ", pen, px(xs[j]), py(y))
			pen = "L"
		}
		fmt.Fprintf(w, `<path d="%s" fill="none" stroke="%s" stroke-width="1.5"/>`+"\n", strings.TrimSpace(d.String()), l.color)
		lx := marginL + plotW - legendWide*(len(lines)-i)
		fmt.Fprintf(w, `<rect x="%d" y="%d" width="10" height="10" fill="%s"/><text x="%d" y="%d">%s</text>`+"\n",
			lx, marginT+6, l.color, lx+14, marginT+15, html.EscapeString(l.name))
	}
	io.WriteString(w, "</svg>\n")
}

// niceStep returns a tick step of 1, 2 or 5 × 10^k giving about five ticks
// up to v.
func niceStep(v float64) float64 {
	if v <= 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return 1
	}
	raw := v / 5
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if raw <= m*mag {
			return m * mag
		}
	}
	return 10 * mag
}

func tickText(v float64) string {
	s := fmt.Sprintf("%.3f", v)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	if s == "-0" {
		return "0"
	}
	return s
}

// WriteChartSVG writes the throughput and latency charts as one SVG
// document (the two charts stacked).
func (r *Report) WriteChartSVG(w io.Writer) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d">`+"\n", chartW, 2*chartH)
	r.writeCharts(bw, func(i int) string { return fmt.Sprintf(`<g transform="translate(0 %d)">`, i*chartH) }, "</g>\n")
	bw.WriteString("</svg>\n")
	return bw.Flush()
}

// WriteChartHTML writes a self-contained HTML page (inline SVG, no script,
// nothing fetched) with the run's title, totals and the throughput and
// latency charts over time.
func (r *Report) WriteChartHTML(w io.Writer) error {
	bw := bufio.NewWriter(w)
	title := "riffle bench " + r.Title()
	fmt.Fprintf(bw, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>%s</title>\n", html.EscapeString(title))
	bw.WriteString("<style>body{font-family:sans-serif;margin:20px}table{border-collapse:collapse}" +
		"td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}th:first-child,td:first-child{text-align:left}</style></head><body>\n")
	fmt.Fprintf(bw, "<h2>%s</h2>\n<p>server %s, started %s</p>\n", html.EscapeString(title),
		html.EscapeString(r.Server), r.StartedAt.Format(time.RFC3339))
	bw.WriteString("<table><tr><th></th><th>messages</th><th>msg/s</th><th>MB/s</th><th>p50 ms</th><th>p90 ms</th><th>p99 ms</th><th>p999 ms</th><th>p9999 ms</th><th>max ms</th></tr>\n")
	row := func(name string, s *Stats) {
		l := s.LatencyMs
		fmt.Fprintf(bw, "<tr><td>%s</td><td>%d</td><td>%.0f</td><td>%.2f</td><td>%.3f</td><td>%.3f</td><td>%.3f</td><td>%.3f</td><td>%.3f</td><td>%.3f</td></tr>\n",
			html.EscapeString(name), s.Messages, s.MessagesPerSecond, s.MegabytesPerSecond, l.P50, l.P90, l.P99, l.P999, l.P9999, l.Max)
	}
	for i := range r.Roles {
		row("all "+r.Roles[i].Role+"s", &r.Roles[i].Stats)
	}
	row("total", &r.Stats)
	bw.WriteString("</table>\n")
	r.writeCharts(bw, func(int) string { return "<div>" }, "</div>\n")
	bw.WriteString("</body></html>\n")
	return bw.Flush()
}

// writeCharts writes the two charts, each between open(i) and closeTag.
func (r *Report) writeCharts(w *bufio.Writer, open func(i int) string, closeTag string) {
	width, pts := r.Series()
	if len(pts) == 0 {
		w.WriteString(open(0) + "<p>no batch completed: nothing to chart</p>" + closeTag)
		return
	}
	xs := make([]float64, len(pts))
	mbps := make([]float64, len(pts))
	p50 := make([]float64, len(pts))
	p99 := make([]float64, len(pts))
	mx := make([]float64, len(pts))
	for i, p := range pts {
		xs[i], mbps[i], p50[i], p99[i], mx[i] = p.T, p.MegabytesPerSecond, p.P50, p.P99, p.Max
	}
	w.WriteString(open(0))
	writeSVG(w, fmt.Sprintf("Throughput, all actors (per %v)", width), "MB/s", xs, []line{{"MB/s", throughputColor, mbps}})
	w.WriteString(closeTag + open(1))
	writeSVG(w, fmt.Sprintf("Batch latency (batches completed per %v)", width), "ms", xs, []line{
		{"p50", p50Color, p50}, {"p99", p99Color, p99}, {"max", maxColor, mx},
	})
	w.WriteString(closeTag)
}
