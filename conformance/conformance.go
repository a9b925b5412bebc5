// Package conformance is a black-box SCIM 2.0 conformance suite.
//
// It speaks plain HTTP to any SCIM service provider and checks its behaviour
// against RFC 7643, RFC 7644, RFC 9865 (cursor pagination) and the request
// sequences that Okta and Microsoft Entra ID send. It imports nothing from the
// server it tests.
//
// Use Run from Go tests, Execute from programs, or Main for a command line.
package conformance

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Profile selects which family of checks runs.
type Profile string

// Profiles.
const (
	ProfileRFC   Profile = "rfc"   // RFC 7643 / 7644 / 9865 behaviour
	ProfileOkta  Profile = "okta"  // the request sequences Okta sends
	ProfileEntra Profile = "entra" // the request sequences Entra ID sends
	ProfileAll   Profile = "all"   // everything (the default)
)

// Feature is a capability a check depends on. Features advertised in the
// ServiceProviderConfig are tested; features it denies are skipped with the
// reason "SPC says X unsupported".
type Feature string

// Features.
const (
	FeatPatch          Feature = "patch"
	FeatBulk           Feature = "bulk"
	FeatFilter         Feature = "filter"
	FeatSort           Feature = "sort"
	FeatETag           Feature = "etag"
	FeatChangePassword Feature = "changePassword"
	FeatCursor         Feature = "cursor"     // RFC 9865 pagination.cursor
	FeatEnterprise     Feature = "enterprise" // User resource type carries the enterprise extension
)

// Target describes the endpoint under test.
type Target struct {
	// URL is the SCIM base URL, e.g. http://127.0.0.1:8080/scim/v2.
	URL string
	// Token is the bearer token sent in the Authorization header.
	Token string
	// Profile selects checks: "rfc", "okta", "entra" or "all" (default).
	Profile Profile
	// ReadOnly skips every check that creates, changes or deletes data.
	ReadOnly bool
	// Run, when non-empty, is a regular expression; only checks whose ID or
	// title matches run (the others are not reported at all).
	Run string
	// HTTPClient is used for all requests; nil means a client with
	// RequestTimeout.
	HTTPClient *http.Client
	// Parallelism is the number of checks Execute runs at once (default 1).
	Parallelism int
	// CheckTimeout bounds one check including its cleanup (default 2m).
	CheckTimeout time.Duration
	// RequestTimeout bounds one HTTP request when HTTPClient is nil
	// (default 30s).
	RequestTimeout time.Duration
	// Evidence keeps every request and response of every check in its Result
	// (Result.Exchanges), e.g. to archive what a passing run saw.
	Evidence bool
	// OnResult, if set, is called after each check finishes (from the
	// goroutine that ran it, serialised).
	OnResult func(Result)
}

// Check is one conformance check.
type Check struct {
	ID       string    // stable identifier, e.g. "users-create-201"
	Title    string    // one-line description
	Section  string    // what it enforces, e.g. "RFC 7644 §3.3"
	Group    string    // topic, e.g. "users"
	Profiles []Profile // profiles the check belongs to
	Mutates  bool      // creates, changes or deletes data
	Requires []Feature // SPC features it needs
	run      func(*tc)
}

var (
	registry   []*Check
	registryID = map[string]bool{}
)

// register adds checks of one group; called from init functions.
func register(group string, checks ...Check) {
	for i := range checks {
		ch := checks[i]
		ch.Group = group
		if ch.ID == "" || ch.run == nil || ch.Title == "" || ch.Section == "" || len(ch.Profiles) == 0 {
			panic("conformance: incomplete check " + ch.ID)
		}
		if registryID[ch.ID] {
			panic("conformance: duplicate check id " + ch.ID)
		}
		registryID[ch.ID] = true
		registry = append(registry, &ch)
	}
}

var groupOrder = []string{"discovery", "auth", "media", "users", "groups", "uniqueness", "filters", "sort-paging", "cursor", "search", "projection", "patch", "mutability", "etag", "bulk", "errors", "existing-data", "okta", "entra", "concurrency"}

// Checks returns every registered check in report order.
func Checks() []Check {
	rank := map[string]int{}
	for i, g := range groupOrder {
		rank[g] = i
	}
	out := make([]Check, 0, len(registry))
	for _, c := range registry {
		out = append(out, *c)
	}
	sort.SliceStable(out, func(i, j int) bool {
		ri, ok := rank[out[i].Group]
		if !ok {
			ri = len(groupOrder)
		}
		rj, ok := rank[out[j].Group]
		if !ok {
			rj = len(groupOrder)
		}
		return ri < rj
	})
	return out
}

func (ch *Check) inProfile(p Profile) bool {
	if p == "" || p == ProfileAll {
		return true
	}
	for _, q := range ch.Profiles {
		if q == p {
			return true
		}
	}
	return false
}

// Selected returns the checks a target would run (profile and Run filter).
func Selected(target Target) ([]Check, error) {
	var re *regexp.Regexp
	if target.Run != "" {
		var err error
		re, err = regexp.Compile(target.Run)
		if err != nil {
			return nil, fmt.Errorf("invalid run expression: %w", err)
		}
	}
	switch target.Profile {
	case "", ProfileAll, ProfileRFC, ProfileOkta, ProfileEntra:
	default:
		return nil, fmt.Errorf("unknown profile %q (want rfc, okta, entra or all)", target.Profile)
	}
	var out []Check
	for _, ch := range Checks() {
		if !ch.inProfile(target.Profile) {
			continue
		}
		if re != nil && !re.MatchString(ch.ID) && !re.MatchString(ch.Title) {
			continue
		}
		out = append(out, ch)
	}
	return out, nil
}

// Status of a check result.
type Status string

// Result statuses.
const (
	Pass Status = "PASS"
	Fail Status = "FAIL"
	Skip Status = "SKIP"
)

// Result is the outcome of one check.
type Result struct {
	ID         string    `json:"id"`
	Title      string    `json:"title"`
	Section    string    `json:"section"`
	Group      string    `json:"group"`
	Profiles   []Profile `json:"profiles"`
	Mutates    bool      `json:"mutates"`
	Requires   []Feature `json:"requires,omitempty"`
	Status     Status    `json:"status"`
	SkipReason string    `json:"skipReason,omitempty"`
	Failures   []Failure `json:"failures,omitempty"`
	// CleanupProblems lists resources that could not be deleted afterwards.
	CleanupProblems []string `json:"cleanupProblems,omitempty"`
	// Exchanges holds every request/response of the check when
	// Target.Evidence is set.
	Exchanges []*Exchange   `json:"exchanges,omitempty"`
	Duration  time.Duration `json:"durationNs"`
}

// Failure is one failed assertion with the HTTP exchange it concerns.
type Failure struct {
	Message  string    `json:"message"`
	Exchange *Exchange `json:"exchange,omitempty"`
}

// Exchange is a recorded request and response. The bearer token is redacted.
type Exchange struct {
	Method          string              `json:"method"`
	URL             string              `json:"url"`
	RequestHeaders  map[string][]string `json:"requestHeaders,omitempty"`
	RequestBody     string              `json:"requestBody,omitempty"`
	Status          int                 `json:"status,omitempty"`
	ResponseHeaders map[string][]string `json:"responseHeaders,omitempty"`
	ResponseBody    string              `json:"responseBody,omitempty"`
	Error           string              `json:"error,omitempty"`
	Duration        time.Duration       `json:"durationNs"`
}

// Report is the outcome of a run.
type Report struct {
	URL      string        `json:"url"`
	Profile  Profile       `json:"profile"`
	ReadOnly bool          `json:"readOnly"`
	Started  time.Time     `json:"started"`
	Duration time.Duration `json:"durationNs"`
	Passed   int           `json:"passed"`
	Failed   int           `json:"failed"`
	Skipped  int           `json:"skipped"`
	Results  []Result      `json:"results"`
	verbose  bool
}

// ErrUnreachable is wrapped by Execute when the target cannot be contacted.
var ErrUnreachable = errors.New("SCIM endpoint unreachable")

type env struct {
	target  Target
	base    string
	client  *http.Client
	prefix  string
	seq     atomic.Int64
	spcOnce sync.Once
	spc     map[string]any
	spcErr  error
	rtOnce  sync.Once
	rts     []map[string]any
	rtErr   error
	schOnce sync.Once
	schemas []map[string]any
	schErr  error
}

func newEnv(target Target) (*env, error) {
	u, err := url.Parse(strings.TrimSpace(target.URL))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("invalid URL %q: want an absolute http(s) SCIM base URL such as http://127.0.0.1:8080/scim/v2", target.URL)
	}
	if _, err := Selected(target); err != nil {
		return nil, err
	}
	e := &env{target: target, base: strings.TrimRight(u.String(), "/")}
	e.client = target.HTTPClient
	if e.client == nil {
		to := target.RequestTimeout
		if to <= 0 {
			to = 30 * time.Second
		}
		e.client = &http.Client{Timeout: to}
	}
	var b [3]byte
	_, _ = rand.Read(b[:])
	e.prefix = "scimconf-" + hex.EncodeToString(b[:]) + "-"
	return e, nil
}

// probe makes sure something answers HTTP at the base URL.
func (e *env) probe(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, e.base+"/ServiceProviderConfig", nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", mediaSCIM)
	if e.target.Token != "" {
		req.Header.Set("Authorization", "Bearer "+e.target.Token)
	}
	resp, err := e.client.Do(req)
	if err != nil {
		return fmt.Errorf("%w: %s: %v", ErrUnreachable, e.base, err)
	}
	resp.Body.Close()
	return nil
}

// Execute runs the selected checks against target and returns the report.
// It returns an error, and no report, when the target is invalid or the
// endpoint cannot be reached at all.
func Execute(ctx context.Context, target Target) (*Report, error) {
	e, err := newEnv(target)
	if err != nil {
		return nil, err
	}
	checks, _ := Selected(target)
	if err := e.probe(ctx); err != nil {
		return nil, err
	}
	rep := &Report{URL: e.base, Profile: target.Profile, ReadOnly: target.ReadOnly, Started: time.Now()}
	if rep.Profile == "" {
		rep.Profile = ProfileAll
	}
	rep.Results = make([]Result, len(checks))
	par := target.Parallelism
	if par <= 0 {
		par = 1
	}
	var (
		wg   sync.WaitGroup
		next atomic.Int64
		cbMu sync.Mutex
	)
	for w := 0; w < par; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(checks) {
					return
				}
				res := e.runCheck(ctx, &checks[i])
				rep.Results[i] = res
				if target.OnResult != nil {
					cbMu.Lock()
					target.OnResult(res)
					cbMu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	rep.Duration = time.Since(rep.Started)
	for _, r := range rep.Results {
		switch r.Status {
		case Pass:
			rep.Passed++
		case Fail:
			rep.Failed++
		case Skip:
			rep.Skipped++
		}
	}
	return rep, nil
}

// Run runs the selected checks as subtests of t: one t.Run(check.ID) per
// check, t.Skip for skipped checks and t.Error (with the request and the
// response) for each failed assertion. Checks run one after another
// (Target.Parallelism applies to Execute only).
func Run(t *testing.T, target Target) {
	t.Helper()
	e, err := newEnv(target)
	if err != nil {
		t.Fatalf("conformance: %v", err)
	}
	if err := e.probe(t.Context()); err != nil {
		t.Fatalf("conformance: %v", err)
	}
	checks, _ := Selected(target)
	for i := range checks {
		ch := &checks[i]
		t.Run(ch.ID, func(t *testing.T) {
			res := e.runCheck(t.Context(), ch)
			if target.OnResult != nil {
				target.OnResult(res)
			}
			switch res.Status {
			case Skip:
				t.Skip(res.SkipReason)
			case Fail:
				for _, f := range res.Failures {
					t.Errorf("%s [%s]\n%s", ch.Title, ch.Section, formatFailure(f, 4096))
				}
			}
		})
	}
}

// abort is the panic value used to stop a check early (fatal or skip).
type abort struct{}

func (e *env) runCheck(parent context.Context, ch *Check) (res Result) {
	start := time.Now()
	res = Result{ID: ch.ID, Title: ch.Title, Section: ch.Section, Group: ch.Group, Profiles: ch.Profiles, Mutates: ch.Mutates, Requires: ch.Requires}
	defer func() { res.Duration = time.Since(start) }()
	if ch.Mutates && e.target.ReadOnly {
		res.Status, res.SkipReason = Skip, "read-only mode: this check creates or changes data"
		return res
	}
	for _, f := range ch.Requires {
		if ok, why := e.feature(parent, f); !ok {
			res.Status, res.SkipReason = Skip, why
			return res
		}
	}
	to := e.target.CheckTimeout
	if to <= 0 {
		to = 2 * time.Minute
	}
	ctx, cancel := context.WithTimeout(parent, to)
	defer cancel()
	c := &tc{ctx: ctx, env: e, check: ch, n: e.seq.Add(1)}
	func() {
		defer func() {
			if r := recover(); r != nil {
				if _, ok := r.(abort); !ok {
					c.addFailure(fmt.Sprintf("check panicked: %v", r), c.lastExchange())
				}
			}
		}()
		ch.run(c)
	}()
	res.CleanupProblems = c.runCleanups()
	if e.target.Evidence {
		res.Exchanges = c.exchanges
	}
	switch {
	case len(c.failures) > 0:
		res.Status, res.Failures = Fail, c.failures
	case c.skipReason != "":
		res.Status, res.SkipReason = Skip, c.skipReason
	case c.asserts == 0:
		res.Status = Fail
		res.Failures = []Failure{{Message: "internal: check made no assertion"}}
	default:
		res.Status = Pass
	}
	return res
}
