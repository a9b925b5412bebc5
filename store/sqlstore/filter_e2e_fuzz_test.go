package sqlstore_test

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/scimd/scimd/mapping"
	"github.com/scimd/scimd/scim"
	"github.com/scimd/scimd/store"
	"github.com/scimd/scimd/store/sqlstore"
	"github.com/scimd/scimd/store/sqlstore/sqltest"
)

var e2eReg = mapping.NewRegistry()

// sqlLiterals are the only quoted strings the compiler writes itself: the
// LIKE escape, member types and the names of the multi-valued attributes
// (from store.ValueAttrs).
var sqlLiterals = func() *strings.Replacer {
	pairs := []string{`'\'`, "", `'User'`, "", `'Group'`, ""}
	for _, a := range store.ValueAttrs {
		pairs = append(pairs, "'"+a+"'", "")
	}
	return strings.NewReplacer(pairs...)
}()

var placeholder = regexp.MustCompile(`\$(\d+)`)

// FuzzFilterEndToEnd drives the whole filter compiler: a client's filter
// text through the SCIM parser and the SQL compiler. For every filter the
// parser accepts, the SQL must hold no client text (no quoted literal the
// compiler did not write itself, every value a numbered parameter), and it
// must run on a real database.
func FuzzFilterEndToEnd(f *testing.F) {
	for _, s := range []string{
		`userName eq "bjensen"`,
		`userName eq "O'Brien" or title co "'; DROP TABLE users; --"`,
		`emails[type eq "work" and value co "@example.com"] and not (active eq false)`,
		`name.familyName sw "J" and meta.lastModified gt "2011-05-13T04:42:34Z"`,
		`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "x\"y"`,
		`displayName co "50%" or displayName ew "a_b" or nickName eq "\\"`,
		`(title pr) and (addresses[locality eq "Oslo"] or phoneNumbers pr)`,
		`groups.value eq "g1" and externalId ne "$1"`,
	} {
		f.Add(s)
	}
	// Each fuzzing process runs this body once: one database per process.
	e2eStore := sqltest.Open(f, "sqlite")
	f.Fuzz(func(t *testing.T, text string) {
		expr, err := scim.ParseFilter(e2eReg.User, text)
		if err != nil {
			return // refused as 400 invalidFilter: covered by the scim fuzzers
		}
		sql, args, err := sqlstore.CompileFilter(e2eStore, "users", expr)
		if err != nil {
			t.Fatalf("the parser accepted %q but the compiler refused it: %v", text, err)
		}
		if rest := sqlLiterals.Replace(sql); strings.ContainsAny(rest, `'"`) || strings.Contains(rest, "--") || strings.Contains(rest, ";") {
			t.Fatalf("client text reached the SQL for %q:\n%s", text, sql)
		}
		seen := map[int]bool{}
		for _, m := range placeholder.FindAllStringSubmatch(sql, -1) {
			n, _ := strconv.Atoi(m[1])
			if n < 1 || n > len(args) {
				t.Fatalf("placeholder $%d with %d args for %q:\n%s", n, len(args), text, sql)
			}
			seen[n] = true
		}
		if len(seen) != len(args) {
			t.Fatalf("%d args but %d placeholders used for %q:\n%s", len(args), len(seen), text, sql)
		}
		rows, err := e2eStore.DB().DB.QueryContext(context.Background(),
			"SELECT count(*) FROM users u WHERE u.tenant_id = 'none' AND ("+sql+")", args...)
		if err != nil {
			t.Fatalf("the SQL for %q does not run: %v\n%s", text, err, sql)
		}
		rows.Close()
	})
}
