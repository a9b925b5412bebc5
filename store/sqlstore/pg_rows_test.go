package sqlstore_test

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/scimd/scimd/store/sqlstore"
	"github.com/scimd/scimd/store/sqlstore/sqltest"
)

// TestRawRowsScanAsDatabaseSQL holds the PostgreSQL reads that decode raw
// values to database/sql's results, value by value and error by error:
// every column type the user reads have, NULLs, every destination, and the
// columns they do not decode (read through database/sql instead).
func TestRawRowsScanAsDatabaseSQL(t *testing.T) {
	ctx := context.Background()
	for _, backend := range sqltest.Backends {
		t.Run(backend, func(t *testing.T) {
			s := sqltest.Open(t, backend)
			pg := backend == "postgres"
			cases := []struct {
				query string
				args  []any
				kinds []string
			}{
				{`SELECT $1, 'text', NULL, CAST(NULL AS text), 'Zoë "x" <&> 名前 🎉'`, []any{"arg"},
					[]string{"nullStr", "string", "nullStr", "nullStr", "string"}},
				{`SELECT true, false, CAST(NULL AS boolean)`, nil, []string{"nullBool", "nullBool", "nullBool"}},
				{`SELECT CAST(1 AS bigint), CAST(-9223372036854775808 AS bigint), CAST(42 AS bigint), CAST(7 AS bigint)`, nil,
					[]string{"int64", "int64", "any", "int64"}},
				{`SELECT '[["a", null, true, 1, "\"q\""], []]', NULL, '[]', '[["x"'`, nil,
					[]string{"json", "json", "json", "nullStr"}},
				{`SELECT 'one', NULL, 'three'`, nil, []string{"any", "any", "any"}},
				// Unsupported: NULL into a string.
				{`SELECT CAST(NULL AS text)`, nil, []string{"string"}},
				{`SELECT 'not a bool'`, nil, []string{"int64"}},
			}
			if pg {
				cases = append(cases, []struct {
					query string
					args  []any
					kinds []string
				}{
					{`SELECT CAST('2026-03-04 05:06:07.891234+01' AS timestamptz), CAST(NULL AS timestamptz),
						CAST('1999-12-31 23:59:59.999999+00' AS timestamptz), CAST('1900-01-01 00:00:00+00' AS timestamptz), CAST('2030-01-02 03:04:05.6+05:30' AS timestamptz)`, nil,
						[]string{"time", "time", "timePtr", "timePtr", "any"}},
					{`SELECT CAST('infinity' AS timestamptz), CAST('-infinity' AS timestamptz)`, nil, []string{"any", "any"}},
					{`SELECT CAST('infinity' AS timestamptz)`, nil, []string{"time"}},
					{`SELECT CAST(NULL AS timestamptz)`, nil, []string{"timePtr"}},
					{`SELECT json_build_array(1, 'a'), array_to_json(ARRAY(SELECT json_build_array(g, g::text, g % 2 = 0) FROM generate_series(1, 3) g))`,
						nil, []string{"any", "json"}},
					{`SELECT CAST(3 AS smallint), CAST(-5 AS integer), CAST('v' AS varchar), CAST('c' AS char(3)), CAST('n' AS name)`, nil,
						[]string{"int64", "int64", "string", "string", "string"}},
					// Types not decoded natively: read through database/sql.
					{`SELECT CAST(1.5 AS numeric), gen_random_uuid() IS NOT NULL, CAST('{"a":1}' AS jsonb)`, nil,
						[]string{"any", "nullBool", "any"}},
					{`SELECT CAST(2.5 AS float8)`, nil, []string{"any"}},
					{`SELECT x FROM generate_series(1, 3) x WHERE x > $1`, []any{int64(1)}, []string{"int64"}},
					{`SELECT * FROM (VALUES ('a'), ('b')) v(x) WHERE x = $1`, []any{"zzz"}, []string{"string"}},
					{`SELECT 1/0`, nil, []string{"int64"}},
				}...)
			}
			for _, c := range cases {
				native, viaSQL, errN, errS := sqlstore.ScanBothWays(ctx, s, c.query, c.args, c.kinds)
				if (errN != nil) != (errS != nil) {
					t.Errorf("%s: native error %v, database/sql error %v", c.query, errN, errS)
					continue
				}
				if errN != nil {
					// The same failure, worded by each reader.
					if strings.Contains(errS.Error(), "division by zero") != strings.Contains(errN.Error(), "division by zero") {
						t.Errorf("%s: native error %v, database/sql error %v", c.query, errN, errS)
					}
					continue
				}
				if !reflect.DeepEqual(native, viaSQL) {
					t.Errorf("%s:\n native %q\n    sql %q", c.query, native, viaSQL)
				}
			}
		})
	}
}
