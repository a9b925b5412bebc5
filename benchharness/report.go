package benchharness

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
)

// WriteTable prints the report as a Markdown table: throughput, latency,
// and each scenario's share of its ceiling (reads: the point select;
// writes: the single-row INSERT) and, for GET by userName, of the
// reference handler.
func (r *Report) WriteTable(w io.Writer) {
	fmt.Fprintf(w, "%s, %d users (+%d outside groups), group of %d members, %d clients, %s per scenario, GOMAXPROCS %d, seeded in %.1f s\n\n",
		r.Dialect, r.Users, r.PoolUsers, r.GroupMembers, r.Clients, r.Duration, r.GOMAXPROCS, r.SeedSeconds)
	fmt.Fprintln(w, "| scenario | req/s | p50 ms | p95 ms | p99 ms | of ceiling | of reference | allocs/req | CPU µs/req | errors |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	var notes []string
	for _, x := range r.Results {
		of, ref := "", ""
		if x.OfCeiling > 0 {
			of = fmt.Sprintf("%.1f%%", 100*x.OfCeiling)
		}
		if x.OfReference > 0 {
			ref = fmt.Sprintf("%.0f%%", 100*x.OfReference)
		}
		name := x.Name
		if x.Note != "" {
			notes = append(notes, fmt.Sprintf("[%d] %s: %s", len(notes)+1, x.Name, x.Note))
			name += fmt.Sprintf(" [%d]", len(notes))
		}
		fmt.Fprintf(w, "| %s | %.0f | %.2f | %.2f | %.2f | %s | %s | %.0f | %.0f | %d |\n", name, x.PerSec, x.P50ms, x.P95ms, x.P99ms,
			of, ref, x.AllocsPerReq, x.CPUusPerReq, x.Errors)
	}
	if len(notes) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintln(w, strings.Join(notes, "\n"))
	}
	for _, x := range r.Results {
		if x.FirstError != "" {
			fmt.Fprintf(w, "\nfirst error of %s: %s", x.Name, x.FirstError)
		}
	}
	fmt.Fprintln(w)
}

// WriteJSON writes the report to a file.
func (r *Report) WriteJSON(path string) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}
