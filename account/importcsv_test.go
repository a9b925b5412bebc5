package account_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/scimd/scimd/account"
)

func hasProblem(ps []account.Problem, row int, col, fragment string) bool {
	for _, p := range ps {
		if p.Row == row && (col == "" || p.Column == col) && strings.Contains(p.Message, fragment) {
			return true
		}
	}
	return false
}

// TestParseImportFormats: the formats a spreadsheet saves CSV in all read
// the same: BOM or not, CRLF or LF, quoted fields with commas, quotes and
// line breaks, optional columns left out, headers in any order and case,
// with seed 003's "(Mandatory)" suffixes.
func TestParseImportFormats(t *testing.T) {
	t.Parallel()
	for name, file := range map[string]string{
		"plain LF":   "Display Name,Email Address,Job Title\n\"Lovelace, Ada\",ada@example.com,\"Says \"\"hi\"\"\nand bye\"\n",
		"BOM CRLF":   "\xef\xbb\xbfDisplay Name,Email Address,Job Title\r\n\"Lovelace, Ada\",ada@example.com,\"Says \"\"hi\"\"\nand bye\"\r\n\r\n",
		"seed names": "Email Address (Mandatory),job title (optional),DISPLAY NAME (Mandatory)\nada@example.com,\"Says \"\"hi\"\"\nand bye\",\"Lovelace, Ada\"\n",
	} {
		f, ps := account.ParseImport("users.csv", []byte(file))
		if len(ps) > 0 || f == nil {
			t.Errorf("%s: problems %v", name, ps)
			continue
		}
		if len(f.Rows) != 1 {
			t.Errorf("%s: %d rows, want 1", name, len(f.Rows))
			continue
		}
		r := f.Rows[0]
		if got := f.Get(r, account.ColDisplayName); got != "Lovelace, Ada" {
			t.Errorf("%s: Display Name %q", name, got)
		}
		if got := f.Get(r, account.ColJobTitle); got != "Says \"hi\"\nand bye" {
			t.Errorf("%s: Job Title %q", name, got)
		}
		if got := f.Get(r, account.ColTeams); got != "" {
			t.Errorf("%s: a column left out reads %q", name, got)
		}
	}
	f, ps := account.ParseImport("t.csv", account.ImportTemplate())
	if len(ps) > 0 || len(f.Header) != len(account.ImportColumns) || strings.Join(f.Header, ",") != strings.Join(account.ImportColumns, ",") {
		t.Errorf("the template does not read back: %v %v", f, ps)
	}
	if !bytes.HasPrefix(account.ImportTemplate(), []byte("Display Name,Email Address,First Name,Last Name,Job Title,Department,Organizational Unit,Roles,Scope,Teams,Agent IDs,Primary Phone Number,Additional Phone Numbers,Extension,Voice Location\n")) {
		t.Errorf("template header: %s", account.ImportTemplate())
	}
}

// TestParseImportRefusals: each limit and format rule refuses with a
// message saying what to do.
func TestParseImportRefusals(t *testing.T) {
	t.Parallel()
	rows := func(n int) string {
		var b strings.Builder
		b.WriteString("Display Name,Email Address\n")
		for i := range n {
			fmt.Fprintf(&b, "U %d,u%d@example.com\n", i, i)
		}
		return b.String()
	}
	for _, c := range []struct {
		name, file string
		row        int
		col, frag  string
	}{
		{"xlsx", "PK\x03\x04\x14\x00\x06\x00rest of a workbook", 0, "", "XLSX"},
		{"xls", "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", 0, "", "XLS"},
		{"binary", "Display Name\x00\x01\x02", 0, "", "binary"},
		{"latin-1", "Display Name,Email Address\nJos\xe9,jose@example.com\n", 0, "", "UTF-8"},
		{"too big", "Display Name,Email Address\n" + strings.Repeat("x", account.MaxImportBytes), 0, "", "2 MB"},
		{"too many rows", rows(account.MaxImportRows + 1), 0, "", "at most 1000"},
		{"empty", "  \n", 0, "", "empty"},
		{"no rows", "Display Name,Email Address\n", 0, "", "no users"},
		{"renamed header", "Display Name,E-mail\nA,a@example.com\n", 1, "E-mail", "not a column of the template"},
		{"missing mandatory", "Display Name,Job Title\nA,x\n", 1, account.ColEmail, "mandatory column is missing"},
		{"duplicate column", "Display Name,Email Address,Display Name\nA,a@example.com,B\n", 1, account.ColDisplayName, "twice"},
		{"bad quoting", "Display Name,Email Address\n\"A\"x,a@example.com\n", 2, "", "malformed"},
		{"too many fields", "Display Name,Email Address\nLovelace, Ada,ada@example.com\n", 2, "", "quote fields"},
	} {
		_, ps := account.ParseImport("f.csv", []byte(c.file))
		if !hasProblem(ps, c.row, c.col, c.frag) {
			t.Errorf("%s: problems %v, want row %d %s %q", c.name, ps, c.row, c.col, c.frag)
		}
	}
	if f, ps := account.ParseImport("f.csv", []byte(rows(account.MaxImportRows))); len(ps) > 0 || len(f.Rows) != account.MaxImportRows {
		t.Errorf("1000 rows: %v", ps)
	}
}

// FuzzParseImport: no file makes the parser panic, and a file it accepts
// has at most MaxImportRows rows, each no wider than its header.
func FuzzParseImport(f *testing.F) {
	f.Add(account.ImportTemplate())
	f.Add([]byte("\xef\xbb\xbfDisplay Name,Email Address\r\n\"a,\"\"b\",c@d\r\n"))
	f.Add([]byte("Display Name (Mandatory),Email Address\n\"unterminated\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		file, ps := account.ParseImport("f.csv", data)
		if file == nil {
			if len(ps) == 0 {
				t.Fatal("no file and no problem")
			}
			return
		}
		if len(file.Rows) > account.MaxImportRows {
			t.Fatalf("%d rows", len(file.Rows))
		}
		for _, r := range file.Rows {
			if len(r.Values) > len(file.Header) {
				t.Fatalf("row %d wider than the header", r.Row)
			}
			file.Get(r, account.ColEmail)
		}
	})
}
