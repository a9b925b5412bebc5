package sqlstore

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// cell is one value of a JSON row that userSelect's aggregates build
// (json_build_array / json_array): a string, a boolean (true/false from
// PostgreSQL) or a number (SQLite's 0/1 for booleans), or null.
type cell struct {
	str   string
	isStr bool
	// truth is a boolean's value, or whether a number is not zero.
	truth bool
}

// jsonRows scans a JSON array of arrays (built by json_agg/json_group_array
// or array_to_json(ARRAY(...))) into rows of cells. NULL means no rows (nil);
// an empty array, none (empty, not nil).
type jsonRows struct{ p *[][]cell }

func (j jsonRows) Scan(src any) error {
	var text string
	switch v := src.(type) {
	case nil:
		*j.p = nil
		return nil
	case string:
		text = v
	case []byte:
		text = string(v) // the cells' strings share it
	default:
		return fmt.Errorf("cannot scan %T into JSON rows", src)
	}
	return j.read(text)
}

// read reads the rows of a non-NULL column.
func (j jsonRows) read(text string) error {
	rows, ok := parseJSONRows(text)
	if !ok {
		// Anything the fast reader does not take (it takes what the
		// databases write) is read as it always was.
		var err error
		if rows, err = decodeJSONRows([]byte(text)); err != nil {
			return err
		}
	}
	*j.p = rows
	return nil
}

// decodeJSONRows reads rows with encoding/json.
func decodeJSONRows(b []byte) ([][]cell, error) {
	var raw [][]any
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, err
	}
	rows := make([][]cell, len(raw))
	for i, r := range raw {
		rows[i] = make([]cell, len(r))
		for k, v := range r {
			switch x := v.(type) {
			case string:
				rows[i][k] = cell{str: x, isStr: true}
			case bool:
				rows[i][k] = cell{truth: x}
			case float64:
				rows[i][k] = cell{truth: x != 0}
			}
		}
	}
	return rows, nil
}

// parseJSONRows reads an array of arrays of strings, booleans, numbers and
// nulls as decodeJSONRows would, without reflection or boxing: one slice of
// cells for all rows, strings sharing b's memory. It reports false for
// anything else (objects, nesting deeper, bad syntax), and for strings with
// escapes or invalid UTF-8, which encoding/json decodes.
func parseJSONRows(b string) ([][]cell, bool) {
	p := jsonParser{b: b}
	if !p.consume('[') {
		return nil, false
	}
	// Every cell ends at a comma or a bracket, and every row starts at a
	// bracket: upper bounds that size the slices once.
	type span struct{ from, to int }
	var (
		cells   []cell
		spanBuf [16]span
		spans   = spanBuf[:0]
	)
	if n := strings.Count(b, ",") + strings.Count(b, "]") - 1; n > 0 {
		cells = make([]cell, 0, n)
	}
	if !p.consume(']') {
		for {
			if !p.consume('[') {
				return nil, false
			}
			from := len(cells)
			if !p.consume(']') {
				for {
					c, ok := p.value()
					if !ok {
						return nil, false
					}
					cells = append(cells, c)
					if p.consume(',') {
						continue
					}
					if !p.consume(']') {
						return nil, false
					}
					break
				}
			}
			spans = append(spans, span{from, len(cells)})
			if p.consume(',') {
				continue
			}
			if !p.consume(']') {
				return nil, false
			}
			break
		}
	}
	p.space()
	if p.i != len(p.b) {
		return nil, false
	}
	if len(spans) == 0 {
		return [][]cell{}, true
	}
	rows := make([][]cell, len(spans))
	for i, s := range spans {
		if s.from == s.to {
			rows[i] = []cell{}
		} else {
			rows[i] = cells[s.from:s.to:s.to]
		}
	}
	return rows, true
}

type jsonParser struct {
	b string
	i int
}

func (p *jsonParser) space() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// consume skips white space and then c, if c is next.
func (p *jsonParser) consume(c byte) bool {
	p.space()
	if p.i < len(p.b) && p.b[p.i] == c {
		p.i++
		return true
	}
	return false
}

func (p *jsonParser) literal(s string) bool {
	if len(p.b)-p.i >= len(s) && p.b[p.i:p.i+len(s)] == s {
		p.i += len(s)
		return true
	}
	return false
}

// value reads one scalar.
func (p *jsonParser) value() (cell, bool) {
	p.space()
	if p.i >= len(p.b) {
		return cell{}, false
	}
	switch c := p.b[p.i]; {
	case c == '"':
		start := p.i + 1
		for k := start; k < len(p.b); k++ {
			switch p.b[k] {
			case '\\':
				return cell{}, false
			case '"':
				s := p.b[start:k]
				if !utf8.ValidString(s) {
					return cell{}, false
				}
				for i := 0; i < len(s); i++ {
					if s[i] < 0x20 { // invalid in JSON; let encoding/json refuse it
						return cell{}, false
					}
				}
				p.i = k + 1
				return cell{str: s, isStr: true}, true
			}
		}
		return cell{}, false
	case c == 't':
		return cell{truth: true}, p.literal("true")
	case c == 'f':
		return cell{}, p.literal("false")
	case c == 'n':
		return cell{}, p.literal("null")
	case c == '-' || c >= '0' && c <= '9':
		start := p.i
		for p.i < len(p.b) && numberByte(p.b[p.i]) {
			p.i++
		}
		tok := p.b[start:p.i]
		if !validNumber(tok) {
			return cell{}, false
		}
		f, err := strconv.ParseFloat(tok, 64)
		if err != nil {
			return cell{}, false
		}
		return cell{truth: f != 0}, true
	}
	return cell{}, false
}

func numberByte(c byte) bool {
	return c >= '0' && c <= '9' || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E'
}

// validNumber checks JSON's number grammar, which strconv.ParseFloat is
// more lenient than (it takes "01", "+1", "1.", "0x1p1", "inf").
func validNumber(s string) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && s[i] >= '1' && s[i] <= '9':
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
	default:
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		if i >= len(s) || s[i] < '0' || s[i] > '9' {
			return false
		}
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if i >= len(s) || s[i] < '0' || s[i] > '9' {
			return false
		}
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
	}
	return i == len(s)
}

// cellStr reads a text cell of a JSON row.
func cellStr(row []cell, i int) string {
	if i >= len(row) {
		return ""
	}
	return row[i].str
}

// cellBool reads a boolean cell: true/false from PostgreSQL, 1/0 from SQLite.
func cellBool(row []cell, i int) bool {
	if i >= len(row) {
		return false
	}
	return row[i].truth
}
