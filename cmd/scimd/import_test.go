package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scimd/scimd/store/sqlstore/sqltest"
)

// TestImportCommand: --validate-only prints every problem with its row and
// exits 1, or says the file is valid; an import exits 0 when every row was
// created and 1, naming the rows, when one was not.
func TestImportCommand(t *testing.T) {
	for _, backend := range sqltest.Backends {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			db := sqltest.URL(t, backend)
			if _, errOut, code := scimd(t, "tenant", "create", "acme", "--db", db); code != 0 {
				t.Fatalf("tenant create: %s", errOut)
			}
			dir := t.TempDir()
			write := func(name, body string) string {
				p := filepath.Join(dir, name)
				if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
					t.Fatal(err)
				}
				return p
			}
			bad := write("bad.csv", "Display Name,Email Address\nAda,ada@\n,bob@example.com\n")
			_, errOut, code := scimd(t, "import", "--db", db, "--tenant", "acme", "--file", bad, "--validate-only")
			if code != 1 || !strings.Contains(errOut, "row 2, Email Address") || !strings.Contains(errOut, "row 3, Display Name") {
				t.Errorf("validate-only of a bad file: status %d\n%s", code, errOut)
			}
			good := write("good.csv", "Display Name,Email Address\nAda,ada@example.com\nBob,bob@example.com\n")
			out, errOut, code := scimd(t, "import", "--db", db, "--tenant", "acme", "--file", good, "--validate-only")
			if code != 0 || !strings.Contains(out, "valid: 2 users") {
				t.Errorf("validate-only of a good file: %d %s %s", code, out, errOut)
			}
			out, errOut, code = scimd(t, "import", "--db", db, "--tenant", "acme", "--file", good, "--passwords", "none")
			if code != 0 || !strings.Contains(out, "2 of 2 users created") {
				t.Errorf("import: %d %s %s", code, out, errOut)
			}
			out, errOut, code = scimd(t, "import", "--db", db, "--tenant", "acme", "--file", good)
			if code != 1 || !strings.Contains(errOut, "row 2 (ada@example.com): not created: the user exists already") || !strings.Contains(out, "0 of 2") {
				t.Errorf("import again: %d %s %s", code, out, errOut)
			}
			if _, errOut, code := scimd(t, "import", "--db", db, "--tenant", "nope", "--file", good); code != 1 || !strings.Contains(errOut, "does not exist") {
				t.Errorf("unknown tenant: %d %s", code, errOut)
			}
		})
	}
}
