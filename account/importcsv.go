package account

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// The CSV user import of seed 003: a fixed template, at most 1000 rows and
// 2 MB, validated whole (every problem with its row and column) before a
// job creates anybody.

// Template columns.
const (
	ColDisplayName  = "Display Name"
	ColEmail        = "Email Address"
	ColFirstName    = "First Name"
	ColLastName     = "Last Name"
	ColJobTitle     = "Job Title"
	ColDepartment   = "Department"
	ColOrgUnit      = "Organizational Unit"
	ColRoles        = "Roles"
	ColScope        = "Scope"
	ColTeams        = "Teams"
	ColAgentIDs     = "Agent IDs"
	ColPrimaryPhone = "Primary Phone Number"
	ColOtherPhones  = "Additional Phone Numbers"
	ColExtension    = "Extension"
	ColLocation     = "Voice Location"
)

// ImportColumns are the template's headers in its order. Display Name
// and Email Address are mandatory; the others may be empty or left out.
var ImportColumns = []string{ColDisplayName, ColEmail, ColFirstName, ColLastName, ColJobTitle, ColDepartment, ColOrgUnit,
	ColRoles, ColScope, ColTeams, ColAgentIDs, ColPrimaryPhone, ColOtherPhones, ColExtension, ColLocation}

var mandatoryColumns = []string{ColDisplayName, ColEmail}

// Limits of an import file (seed 003).
const (
	MaxImportRows  = 1000
	MaxImportBytes = 2 << 20
)

// ImportTemplate is the template to download: the headers and one example
// row.
func ImportTemplate() []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write(ImportColumns)
	w.Write([]string{"Ada Lovelace", "ada@example.com", "Ada", "Lovelace", "Engineer", "Research", "Analytics",
		"Agent;Team Leader", "", "Support", "voice:4711", "1 (555) 201-0001", "1-555-201-0002;1.555.201.0003", "2001", DefaultLocation})
	w.Flush()
	return b.Bytes()
}

// Problem is one thing wrong with an import file: its row (1 is the
// header; 0 is the file as a whole), the column, and what to fix.
type Problem struct {
	Row     int    `json:"row"`
	Column  string `json:"column,omitempty"`
	Message string `json:"message"`
}

// String is the problem as one line: "row 7, Email Address: ...".
func (p Problem) String() string {
	switch {
	case p.Row == 0:
		return p.Message
	case p.Column == "":
		return fmt.Sprintf("row %d: %s", p.Row, p.Message)
	}
	return fmt.Sprintf("row %d, %s: %s", p.Row, p.Column, p.Message)
}

// ImportFile is a parsed import file.
type ImportFile struct {
	Name string
	// Header holds the file's columns (template names) in its order.
	Header []string
	Rows   []ImportRecord
	index  map[string]int
}

// ImportRecord is one data row: its number in the file and its fields in
// the order of the file's header.
type ImportRecord struct {
	Row    int
	Values []string
}

// Get returns a row's field of a template column ("" when the file has no
// such column).
func (f *ImportFile) Get(r ImportRecord, col string) string {
	if i, ok := f.index[col]; ok && i < len(r.Values) {
		return strings.TrimSpace(r.Values[i])
	}
	return ""
}

// list splits a semicolon-separated field.
func list(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ";") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// ParseImport reads an import file: the format (CSV in UTF-8, with or
// without a byte-order mark, CRLF or LF, quoted fields), the limits and
// the header. Problems it finds stop the reading; the rows are checked by
// CheckImport.
func ParseImport(name string, data []byte) (*ImportFile, []Problem) {
	fail := func(row int, format string, args ...any) (*ImportFile, []Problem) {
		return nil, []Problem{{Row: row, Message: fmt.Sprintf(format, args...)}}
	}
	if len(data) > MaxImportBytes {
		return fail(0, "the file is %d bytes: an import file may be at most 2 MB (%d bytes); split it", len(data), MaxImportBytes)
	}
	if kind := binaryKind(data); kind != "" {
		return fail(0, "the file is %s, not CSV: XLS, XLSX and other binary files are not accepted; save it as \"CSV UTF-8 (comma delimited)\" and upload that", kind)
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(data) {
		return fail(0, "the file is not UTF-8 text: save it as \"CSV UTF-8 (comma delimited)\"")
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return fail(0, "the file is empty: download the template and fill it in")
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	f := &ImportFile{Name: name, index: map[string]int{}}
	var problems []Problem
	for row := 1; ; row++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return fail(row, "the CSV is malformed at line %d: %s (a field holding commas, quotes or line breaks must be in double quotes, with quotes inside doubled)", pe.Line, pe.Err)
			}
			return fail(row, "the file cannot be read as CSV")
		}
		if row == 1 {
			if problems = f.readHeader(rec); len(problems) > 0 {
				return nil, problems
			}
			continue
		}
		if blank(rec) {
			continue
		}
		if len(rec) > len(f.Header) {
			problems = append(problems, Problem{Row: row, Message: fmt.Sprintf("the row has %d fields but the header %d: quote fields that hold commas", len(rec), len(f.Header))})
			continue
		}
		if len(f.Rows) == MaxImportRows {
			return fail(0, "the file has more than %d users: an import may hold at most %d; split it", MaxImportRows, MaxImportRows)
		}
		f.Rows = append(f.Rows, ImportRecord{Row: row, Values: rec})
	}
	if len(f.Rows) == 0 && len(problems) == 0 {
		return fail(0, "the file has a header but no users")
	}
	return f, problems
}

// readHeader maps the header to template columns: a column the template
// does not have, a duplicate, or a missing mandatory column is a problem.
// The names seed 003's template shows ("Display Name (Mandatory)") and any
// case are accepted.
func (f *ImportFile) readHeader(rec []string) []Problem {
	var problems []Problem
	for i, h := range rec {
		name := strings.TrimSpace(h)
		for _, suffix := range []string{"(Mandatory)", "(Optional)"} {
			if len(name) > len(suffix) && strings.EqualFold(name[len(name)-len(suffix):], suffix) {
				name = strings.TrimSpace(name[:len(name)-len(suffix)])
			}
		}
		col := ""
		for _, c := range ImportColumns {
			if strings.EqualFold(c, name) {
				col = c
			}
		}
		switch {
		case col == "":
			problems = append(problems, Problem{Row: 1, Column: h, Message: fmt.Sprintf("%q is not a column of the template (do not rename the headers); the columns are: %s",
				h, strings.Join(ImportColumns, ", "))})
		case f.has(col):
			problems = append(problems, Problem{Row: 1, Column: col, Message: "the column appears twice"})
		default:
			f.index[col] = i
		}
		f.Header = append(f.Header, col)
	}
	for _, c := range mandatoryColumns {
		if !f.has(c) {
			problems = append(problems, Problem{Row: 1, Column: c, Message: "the mandatory column is missing: download the template and keep its headers"})
		}
	}
	return problems
}

func (f *ImportFile) has(col string) bool { _, ok := f.index[col]; return ok }

func blank(rec []string) bool {
	for _, v := range rec {
		if strings.TrimSpace(v) != "" {
			return false
		}
	}
	return true
}

// binaryKind names what a file that is not text is, "" for text.
func binaryKind(data []byte) string {
	switch {
	case bytes.HasPrefix(data, []byte("PK\x03\x04")):
		return "a ZIP archive (an XLSX workbook)"
	case bytes.HasPrefix(data, []byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")):
		return "an XLS workbook"
	case bytes.HasPrefix(data, []byte("%PDF")):
		return "a PDF document"
	case bytes.IndexByte(data[:min(len(data), 8192)], 0) >= 0:
		return "a binary file"
	}
	return ""
}
