package scim_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/scimd/scimd/scim"
)

// TestDeviationsDocumented: the README's table of IdP dialects is
// scim.Deviations, row for row, and every test a row names exists.
func TestDeviationsDocumented(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	s := string(readme)
	start, end := strings.Index(s, "<!-- deviations -->"), strings.Index(s, "<!-- /deviations -->")
	if start < 0 || end < start {
		t.Fatal("README.md has no <!-- deviations --> table")
	}
	var rows []string
	for _, l := range strings.Split(s[start:end], "\n") {
		if strings.HasPrefix(l, "| ") && !strings.HasPrefix(l, "| IdP ") {
			rows = append(rows, l)
		}
	}
	if len(rows) != len(scim.Deviations) {
		t.Fatalf("README lists %d deviations, scim.Deviations has %d", len(rows), len(scim.Deviations))
	}
	var sources strings.Builder
	files, _ := filepath.Glob("*_test.go")
	for _, f := range files {
		b, _ := os.ReadFile(f)
		sources.Write(b)
	}
	for i, d := range scim.Deviations {
		esc := func(x string) string { return strings.ReplaceAll(x, "|", `\|`) }
		want := "| " + strings.Join([]string{d.IdP, esc(d.Sends), esc(d.Rule), esc(d.Behaviour), d.Test}, " | ") + " |"
		if rows[i] != want {
			t.Errorf("README row %d:\n got %s\nwant %s", i+1, rows[i], want)
		}
		for _, name := range strings.Split(d.Test, ", ") {
			if !regexp.MustCompile(`func ` + name + `\(t \*testing\.T\)`).MatchString(sources.String()) {
				t.Errorf("deviation %q names test %s, which does not exist", d.Sends, name)
			}
		}
	}
}
