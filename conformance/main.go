package conformance

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"
)

// Main is the command-line entry point (scimd conformance ...). It returns
// the process exit code: 0 when every check passed or was skipped, 1 when a
// check failed or the endpoint was unreachable, 2 on usage errors.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("conformance", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		urlFlag  = fs.String("url", "", "SCIM base URL, e.g. http://127.0.0.1:8080/scim/v2 (required)")
		token    = fs.String("token", "", "bearer token (default $SCIMD_TOKEN)")
		profile  = fs.String("profile", "all", "checks to run: rfc, okta, entra or all")
		readOnly = fs.Bool("read-only", false, "run only checks that change nothing")
		junit    = fs.String("junit", "", "also write a JUnit XML report to `FILE`")
		jsonOut  = fs.String("json", "", "also write a JSON report to `FILE`")
		run      = fs.String("run", "", "run only checks whose id or title matches `REGEXP`")
		timeout  = fs.Duration("timeout", 2*time.Minute, "time limit for one check, cleanup included")
		reqTO    = fs.Duration("request-timeout", 30*time.Second, "time limit for one HTTP request")
		parallel = fs.Int("parallel", 1, "number of checks run at once")
		verbose  = fs.Bool("v", false, "verbose: longer bodies in failure details")
		evidence = fs.Bool("evidence", false, "keep every request and response in the --json report, passing checks included")
		list     = fs.Bool("list", false, "list the checks (id, profiles, section, title) and exit")
	)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: conformance --url URL --token TOKEN [--profile rfc|okta|entra|all] [--read-only] [--junit FILE] [--json FILE] [--run REGEXP] [--timeout D] [-v] [-list]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "conformance: unexpected arguments: %s\n", strings.Join(fs.Args(), " "))
		fs.Usage()
		return 2
	}
	target := Target{
		URL:            *urlFlag,
		Token:          *token,
		Profile:        Profile(strings.ToLower(*profile)),
		ReadOnly:       *readOnly,
		Run:            *run,
		Parallelism:    *parallel,
		CheckTimeout:   *timeout,
		RequestTimeout: *reqTO,
		Evidence:       *evidence,
	}
	if target.Token == "" {
		target.Token = os.Getenv("SCIMD_TOKEN")
	}
	if *list {
		checks, err := Selected(target)
		if err != nil {
			fmt.Fprintf(stderr, "conformance: %v\n", err)
			return 2
		}
		tw := tabwriter.NewWriter(stdout, 2, 8, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tPROFILES\tMUTATES\tREQUIRES\tSECTION\tTITLE")
		for _, ch := range checks {
			var ps, rs []string
			for _, p := range ch.Profiles {
				ps = append(ps, string(p))
			}
			for _, f := range ch.Requires {
				rs = append(rs, string(f))
			}
			req := strings.Join(rs, ",")
			if req == "" {
				req = "-"
			}
			fmt.Fprintf(tw, "%s\t%s\t%v\t%s\t%s\t%s\n", ch.ID, strings.Join(ps, ","), ch.Mutates, req, ch.Section, ch.Title)
		}
		tw.Flush()
		fmt.Fprintf(stdout, "%d checks\n", len(checks))
		return 0
	}
	if target.URL == "" {
		fmt.Fprintln(stderr, "conformance: --url is required")
		fs.Usage()
		return 2
	}
	if *parallel < 1 {
		fmt.Fprintln(stderr, "conformance: --parallel must be at least 1")
		return 2
	}
	if _, err := newEnv(target); err != nil {
		fmt.Fprintf(stderr, "conformance: %v\n", err)
		return 2
	}
	if target.Token == "" {
		fmt.Fprintln(stderr, "conformance: warning: no --token and no SCIMD_TOKEN; authenticated checks will likely fail")
	}
	target.OnResult = func(r Result) { _ = WriteResultText(stdout, r, *verbose) }
	rep, err := Execute(ctx, target)
	if err != nil {
		fmt.Fprintf(stderr, "conformance: %v\n", err)
		if errors.Is(err, ErrUnreachable) {
			return 1
		}
		return 2
	}
	rep.verbose = *verbose
	fmt.Fprintln(stdout, rep.Summary())
	for _, out := range []struct {
		file  string
		write func(io.Writer) error
	}{{*junit, rep.WriteJUnit}, {*jsonOut, rep.WriteJSON}} {
		if out.file == "" {
			continue
		}
		if err := writeFile(out.file, out.write); err != nil {
			fmt.Fprintf(stderr, "conformance: %v\n", err)
			return 1
		}
	}
	if rep.Failed > 0 {
		return 1
	}
	return 0
}

func writeFile(name string, write func(io.Writer) error) error {
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
