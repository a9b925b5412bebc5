package benchharness

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"slices"
	"sync"
	"syscall"
	"time"
)

// Result is one scenario's measurement.
type Result struct {
	Name     string  `json:"name"`
	Kind     string  `json:"kind"` // "ceiling", "reference", "read", "write"
	Clients  int     `json:"clients"`
	Requests int     `json:"requests"`
	Errors   int     `json:"errors"`
	Seconds  float64 `json:"seconds"`
	PerSec   float64 `json:"per_second"`
	P50ms    float64 `json:"p50_ms"`
	P95ms    float64 `json:"p95_ms"`
	P99ms    float64 `json:"p99_ms"`
	// OfCeiling is PerSec as a share of the database ceiling of its kind
	// (point select for reads, single-row INSERT for writes).
	OfCeiling float64 `json:"of_ceiling,omitempty"`
	// OfReference is PerSec as a share of the reference handler (the
	// GET by userName scenario only).
	OfReference float64 `json:"of_reference,omitempty"`
	// AllocsPerReq and CPUusPerReq are the harness process's (server
	// and clients together) heap allocations and CPU time per request.
	AllocsPerReq float64 `json:"allocs_per_request"`
	CPUusPerReq  float64 `json:"cpu_us_per_request"`
	FirstError   string  `json:"first_error,omitempty"`
	Note         string  `json:"note,omitempty"`
}

// errStop ends a worker early without counting as an error (a pool of
// users to add ran out).
var errStop = errors.New("stop")

// drive runs op with clients concurrent workers for d and measures it. op
// gets the worker number; it returns errStop when it has nothing left.
func drive(ctx context.Context, name, kind string, clients int, d time.Duration, op func(ctx context.Context, worker int) error) Result {
	type part struct {
		took     []time.Duration
		errors   int
		firstErr error
	}
	parts := make([]part, clients)
	m0, cpu0 := mallocs(), cpuTime()
	deadline := time.Now().Add(d)
	start := time.Now()
	var wg sync.WaitGroup
	for w := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := &parts[w]
			// Every worker runs op at least once, however short d.
			for first := true; first || time.Now().Before(deadline) && ctx.Err() == nil; first = false {
				t0 := time.Now()
				err := op(ctx, w)
				if errors.Is(err, errStop) {
					return
				}
				if err != nil {
					p.errors++
					if p.firstErr == nil {
						p.firstErr = err
					}
					continue
				}
				p.took = append(p.took, time.Since(t0))
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	m1, cpu1 := mallocs(), cpuTime()
	r := Result{Name: name, Kind: kind, Clients: clients, Seconds: elapsed.Seconds()}
	var all []time.Duration
	for _, p := range parts {
		all = append(all, p.took...)
		r.Errors += p.errors
		if p.firstErr != nil && r.FirstError == "" {
			r.FirstError = p.firstErr.Error()
		}
	}
	r.Requests = len(all)
	if n := len(all) + r.Errors; n > 0 {
		r.AllocsPerReq = float64(m1-m0) / float64(n)
		r.CPUusPerReq = float64((cpu1 - cpu0).Microseconds()) / float64(n)
	}
	r.PerSec = float64(len(all)) / elapsed.Seconds()
	slices.Sort(all)
	r.P50ms, r.P95ms, r.P99ms = pct(all, 0.50), pct(all, 0.95), pct(all, 0.99)
	return r
}

func pct(sorted []time.Duration, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := min(len(sorted)-1, int(float64(len(sorted))*p))
	return float64(sorted[i].Microseconds()) / 1000
}

// client talks to one server over keep-alive HTTP.
type client struct {
	base   string
	hc     *http.Client
	header http.Header
}

func newClient(base string, clients int, header http.Header) *client {
	return &client{base: base, header: header, hc: &http.Client{Timeout: 2 * time.Minute,
		Transport: &http.Transport{MaxIdleConnsPerHost: clients + 4, MaxIdleConns: clients + 4, DisableCompression: true}}}
}

// do sends a request and reads the whole answer; a status other than want
// is an error. into, if not nil, receives the body.
func (c *client) do(ctx context.Context, method, path string, body []byte, want int, into *[]byte) error {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return err
	}
	for k, v := range c.header {
		req.Header[k] = v
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/scim+json")
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if into != nil {
		*into, err = io.ReadAll(resp.Body)
	} else {
		_, err = io.Copy(io.Discard, resp.Body)
	}
	if err != nil {
		return err
	}
	if resp.StatusCode != want {
		detail := ""
		if into != nil {
			detail = string((*into)[:min(len(*into), 300)])
		}
		return fmt.Errorf("%s %s: status %d, want %d %s", method, path, resp.StatusCode, want, detail)
	}
	return nil
}

func mallocs() uint64 {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.Mallocs
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
