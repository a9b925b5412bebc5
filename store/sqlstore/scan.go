package sqlstore

import (
	"fmt"
	"strconv"
	"strings"
)

// nullStr scans a nullable text column into a string ("" for NULL).
type nullStr struct{ p *string }

func (n nullStr) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*n.p = ""
	case string:
		*n.p = v
	case []byte:
		*n.p = string(v)
	default:
		return fmt.Errorf("cannot scan %T into a string", src)
	}
	return nil
}

// nullable stores "" as NULL: SCIM treats an empty string like an
// unassigned attribute (RFC 7643 §2.5).
func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// nullBool scans a nullable boolean (PostgreSQL bool, SQLite 0/1).
type nullBool struct{ p **bool }

func (n nullBool) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*n.p = nil
	case bool:
		*n.p = &v
	case int64:
		b := v != 0
		*n.p = &b
	default:
		return fmt.Errorf("cannot scan %T into a bool", src)
	}
	return nil
}

// placeholders returns "$from, $from+1, ..." for n parameters.
func placeholders(from, n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('$')
		b.WriteString(strconv.Itoa(from + i))
	}
	return b.String()
}

func itoa(i int) string { return strconv.Itoa(i) }

func joinCols(cols []string) string { return strings.Join(cols, ", ") }

// setList returns "a = $from, b = $from+1, ..." for an UPDATE.
func setList(cols []string, from int) string {
	var b strings.Builder
	for i, c := range cols {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(c)
		b.WriteString(" = $")
		b.WriteString(strconv.Itoa(from + i))
	}
	return b.String()
}
