package conformance

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
)

const textBodyLimit = 2048

// formatResultLine renders "PASS id  title  [section]".
func formatResultLine(r Result) string {
	line := fmt.Sprintf("%s  %s  %s  [%s]", r.Status, r.ID, r.Title, r.Section)
	if r.Status == Skip && r.SkipReason != "" {
		line += "  (" + r.SkipReason + ")"
	}
	return line
}

func indent(s, pfx string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = pfx + l
	}
	return strings.Join(lines, "\n")
}

func truncate(s string, limit int) string {
	if limit > 0 && len(s) > limit {
		return s[:limit] + fmt.Sprintf("…[truncated, %d bytes total]", len(s))
	}
	return s
}

func formatHeaders(h map[string][]string) string {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		for _, v := range h[k] {
			fmt.Fprintf(&b, "%s: %s\n", k, v)
		}
	}
	return b.String()
}

// formatExchange renders a recorded request and response.
func formatExchange(ex *Exchange, limit int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "request:\n  %s %s\n", ex.Method, ex.URL)
	if h := formatHeaders(ex.RequestHeaders); h != "" {
		b.WriteString(indent(h, "  ") + "\n")
	}
	if ex.RequestBody != "" {
		b.WriteString(indent(truncate(ex.RequestBody, limit), "  ") + "\n")
	}
	if ex.Error != "" {
		fmt.Fprintf(&b, "response:\n  (none: %s)\n", ex.Error)
		return b.String()
	}
	fmt.Fprintf(&b, "response:\n  HTTP %d\n", ex.Status)
	if h := formatHeaders(ex.ResponseHeaders); h != "" {
		b.WriteString(indent(h, "  ") + "\n")
	}
	if ex.ResponseBody != "" {
		b.WriteString(indent(truncate(ex.ResponseBody, limit), "  ") + "\n")
	}
	return b.String()
}

func formatFailure(f Failure, limit int) string {
	s := f.Message + "\n"
	if f.Exchange != nil {
		s += formatExchange(f.Exchange, limit)
	}
	return s
}

// Summary returns the closing line "N passed, M failed, K skipped".
func (r *Report) Summary() string {
	return fmt.Sprintf("%d passed, %d failed, %d skipped", r.Passed, r.Failed, r.Skipped)
}

// WriteResultText writes one result as the text report does.
func WriteResultText(w io.Writer, r Result, verbose bool) error {
	limit := textBodyLimit
	if verbose {
		limit = 64 << 10
	}
	if _, err := fmt.Fprintln(w, formatResultLine(r)); err != nil {
		return err
	}
	for _, f := range r.Failures {
		if _, err := fmt.Fprintln(w, indent(formatFailure(f, limit), "      ")); err != nil {
			return err
		}
	}
	for _, p := range r.CleanupProblems {
		if _, err := fmt.Fprintln(w, "      warning: "+p); err != nil {
			return err
		}
	}
	return nil
}

// WriteText writes the human-readable report: one line per check with
// PASS/FAIL/SKIP, id, title and section, failure details with the request and
// response, and the closing line "N passed, M failed, K skipped".
func (r *Report) WriteText(w io.Writer) error {
	for _, res := range r.Results {
		if err := WriteResultText(w, res, r.verbose); err != nil {
			return err
		}
	}
	_, err := fmt.Fprintln(w, r.Summary())
	return err
}

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

type junitSuite struct {
	XMLName    xml.Name        `xml:"testsuite"`
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Timestamp  string          `xml:"timestamp,attr"`
	Properties []junitProperty `xml:"properties>property"`
	Cases      []junitCase     `xml:"testcase"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Classname string        `xml:"classname,attr"`
	Name      string        `xml:"name,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitMessage `xml:"failure,omitempty"`
	Skipped   *junitMessage `xml:"skipped,omitempty"`
}

type junitMessage struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",cdata"`
}

// xmlSafe replaces characters XML 1.0 cannot carry (CDATA is not escaped).
func xmlSafe(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\t' || r == '\n' || r == '\r':
			return r
		case r < 0x20, r == 0xFFFE, r == 0xFFFF, r >= 0xD800 && r <= 0xDFFF:
			return '\uFFFD'
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
}

func seconds(d time.Duration) string { return fmt.Sprintf("%.3f", d.Seconds()) }

// WriteJUnit writes the report as JUnit XML: one <testsuite>, one <testcase>
// per check (classname = group, name = "ID title").
func (r *Report) WriteJUnit(w io.Writer) error {
	s := junitSuite{
		Name:      "scim-conformance",
		Tests:     len(r.Results),
		Failures:  r.Failed,
		Skipped:   r.Skipped,
		Time:      seconds(r.Duration),
		Timestamp: r.Started.UTC().Format("2006-01-02T15:04:05"),
		Properties: []junitProperty{
			{Name: "url", Value: r.URL},
			{Name: "profile", Value: string(r.Profile)},
			{Name: "readOnly", Value: fmt.Sprint(r.ReadOnly)},
		},
	}
	for _, res := range r.Results {
		jc := junitCase{Classname: res.Group, Name: res.ID + " " + res.Title, Time: seconds(res.Duration)}
		switch res.Status {
		case Fail:
			var text strings.Builder
			fmt.Fprintf(&text, "%s\n", res.Section)
			for _, f := range res.Failures {
				text.WriteString(formatFailure(f, 16<<10))
				text.WriteString("\n")
			}
			msg := ""
			if len(res.Failures) > 0 {
				msg = res.Failures[0].Message
			}
			jc.Failure = &junitMessage{Message: msg, Type: "conformance", Text: xmlSafe(text.String())}
		case Skip:
			jc.Skipped = &junitMessage{Message: res.SkipReason}
		}
		s.Cases = append(s.Cases, jc)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(s); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
