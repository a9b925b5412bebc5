package benchharness_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/scimd/scimd/benchharness"
	"github.com/scimd/scimd/store/sqlstore/sqltest"
)

// TestSmoke runs the whole harness on a tiny tenant on both backends:
// every scenario answers as it should (no errors, some requests), the
// ratios are filled in and the table names each scenario. It measures
// nothing; `scimd bench` does.
func TestSmoke(t *testing.T) {
	for _, backend := range sqltest.Backends {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			var log bytes.Buffer
			rep, err := benchharness.Run(t.Context(), benchharness.Config{DB: sqltest.URL(t, backend), Users: 300,
				GroupMembers: 100, Clients: 2, Duration: 150 * time.Millisecond, Log: &log})
			if err != nil {
				t.Fatalf("run: %v\n%s", err, log.String())
			}
			if len(rep.Results) < 20 {
				t.Errorf("%d results, want every scenario", len(rep.Results))
			}
			for _, r := range rep.Results {
				if r.Errors > 0 || r.Requests == 0 {
					t.Errorf("%s: %d requests, %d errors: %s", r.Name, r.Requests, r.Errors, r.FirstError)
				}
				if (r.Kind == "read" || r.Kind == "write") && r.OfCeiling <= 0 {
					t.Errorf("%s: no ratio to the ceiling", r.Name)
				}
			}
			var out bytes.Buffer
			rep.WriteTable(&out)
			for _, want := range []string{"ceiling: point select", "reference handler", "userName eq", "POST /Users",
				"excludedAttributes=members", "cursor page at", "admin API", "of reference"} {
				if !strings.Contains(out.String(), want) {
					t.Errorf("the table lacks %q:\n%s", want, out.String())
				}
			}
			if t.Failed() {
				t.Log(log.String())
			}
		})
	}
}
