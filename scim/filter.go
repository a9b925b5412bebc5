package scim

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	filter "github.com/scim2/filter-parser/v2"

	"github.com/scimd/scimd/mapping"
	"github.com/scimd/scimd/store"
)

// errUnknownAttr marks a filter naming an attribute the resource type does
// not have: an error for a typed search, "matches nothing" at the root.
var errUnknownAttr = errors.New("unknown attribute")

// filterError is a 400 invalidFilter; unknown marks unknown attributes.
type filterError struct {
	detail  string
	unknown bool
}

func (e *filterError) Error() string { return e.detail }

func (e *filterError) Is(target error) bool { return e.unknown && target == errUnknownAttr }

func invalidFilter(format string, args ...any) *filterError {
	return &filterError{detail: fmt.Sprintf(format, args...)}
}

// parseFilter turns a SCIM filter (RFC 7644 §3.4.2.2) into a store
// expression. The single `attr eq "value"` that IdPs send almost always is
// read by a fast path; everything else goes through scim2/filter-parser.
func parseFilter(rt *mapping.ResourceType, text string) (store.Expr, error) {
	if strings.TrimSpace(text) == "" {
		return nil, invalidFilter("the filter is empty")
	}
	if !validText(text) {
		return nil, invalidFilter("the filter must be UTF-8 text without NUL characters")
	}
	if why := tooComplex(text); why != "" {
		return nil, invalidFilter("%s", why)
	}
	text = spaceBeforeValues(text)
	if attr, value, ok := simpleEq(text); ok {
		if !validText(value) {
			return nil, errFilterText
		}
		return compileFilter(rt, nil, &filter.AttributeExpression{
			AttributePath: attrPath(attr), Operator: filter.EQ, CompareValue: value,
		})
	}
	if p, ok := simplePath(text); ok && p.ValueExpression != nil && p.SubAttribute == nil {
		// emails[value eq "..."]: a value path of one comparison.
		if !validText(p.ValueExpression.(*filter.AttributeExpression).CompareValue.(string)) {
			return nil, errFilterText
		}
		return compileFilter(rt, nil, &filter.ValuePath{AttributePath: p.AttributePath, ValueFilter: p.ValueExpression})
	}
	expr, err := filter.ParseFilterNumber([]byte(text))
	if err != nil {
		return nil, invalidFilter("the filter %q is not valid SCIM filter syntax (RFC 7644 §3.4.2.2), e.g. userName eq \"bjensen\"", text)
	}
	if !unescapeValues(expr) {
		return nil, errFilterText
	}
	return compileFilter(rt, nil, expr)
}

// errFilterText refuses a filter whose values, once their escapes are
// decoded, hold NUL (\u0000): no backend can compare such text (PostgreSQL
// refuses it with an error).
var errFilterText = invalidFilter("the filter's values must not contain the NUL character (\\u0000)")

// Bounds on what reaches filter-parser. It recurses once per nesting level
// and per and/or term, at about 0.1 ms each: some 100,000 levels of
// parentheses overflow the goroutine stack, which kills the process.
const (
	maxFilterLen   = 8 << 10
	maxFilterDepth = 64
)

// tooComplex says why a filter (or PATCH path) is too long or too deeply
// nested to parse, or returns "".
func tooComplex(text string) string {
	if len(text) > maxFilterLen {
		return fmt.Sprintf("the filter is longer than %d bytes", maxFilterLen)
	}
	depth, quoted := 0, false
	for i := 0; i < len(text); i++ {
		switch c := text[i]; {
		case quoted && c == '\\':
			i++
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == '(' || c == '[':
			if depth++; depth > maxFilterDepth {
				return fmt.Sprintf("the filter nests parentheses or brackets deeper than %d levels", maxFilterDepth)
			}
		case c == ')' || c == ']':
			depth--
		}
	}
	return ""
}

// spaceBeforeValues puts a space between an operator and the string that
// follows it when a client left it out: RFC 7644's own PATCH example reads
// members[value eq"2819c223-..."], which filter-parser refuses. Outside
// quoted strings a quote never follows a letter in a valid filter, so the
// change cannot alter one that parses already.
func spaceBeforeValues(text string) string {
	if !needsSpaceBeforeValue(text) {
		return text
	}
	var b strings.Builder
	quoted := false
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case quoted && c == '\\' && i+1 < len(text):
			b.WriteByte(c)
			i++
			c = text[i]
		case c == '"':
			if !quoted && i > 0 && isLetter(text[i-1]) {
				b.WriteByte(' ')
			}
			quoted = !quoted
		}
		b.WriteByte(c)
	}
	return b.String()
}

// needsSpaceBeforeValue reports whether spaceBeforeValues would change
// text: whether an opening quote follows a letter outside quoted strings.
func needsSpaceBeforeValue(text string) bool {
	quoted := false
	for i := 0; i < len(text); i++ {
		switch c := text[i]; {
		case quoted && c == '\\' && i+1 < len(text):
			i++
		case c == '"':
			if !quoted && i > 0 && isLetter(text[i-1]) {
				return true
			}
			quoted = !quoted
		}
	}
	return false
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// unescapeValues decodes the JSON escapes (\" \\ \n ...) in the string
// values of a parsed filter: filter-parser leaves them as written. It
// reports false when a decoded value is not valid text (NUL).
func unescapeValues(e filter.Expression) bool {
	switch e := e.(type) {
	case *filter.LogicalExpression:
		return unescapeValues(e.Left) && unescapeValues(e.Right)
	case *filter.NotExpression:
		return unescapeValues(e.Expression)
	case *filter.ValuePath:
		return unescapeValues(e.ValueFilter)
	case *filter.AttributeExpression:
		s, ok := e.CompareValue.(string)
		if !ok {
			return true
		}
		if strings.ContainsRune(s, '\\') {
			var v string
			if json.Unmarshal([]byte(`"`+s+`"`), &v) == nil {
				e.CompareValue, s = v, v
			}
		}
		return validText(s)
	}
	return true
}

// simpleEq recognises `attrPath eq "string"` with nothing else around it.
func simpleEq(s string) (attr, value string, ok bool) {
	s = strings.TrimSpace(s)
	sp := strings.IndexByte(s, ' ')
	if sp <= 0 {
		return "", "", false
	}
	attr = s[:sp]
	if !attrPathText(attr) {
		return "", "", false
	}
	rest := strings.TrimLeft(s[sp:], " ")
	if len(rest) < 4 || !strings.EqualFold(rest[:2], "eq") || rest[2] != ' ' {
		return "", "", false
	}
	lit := strings.TrimLeft(rest[3:], " ")
	if len(lit) < 2 || lit[0] != '"' || lit[len(lit)-1] != '"' {
		return "", "", false
	}
	inner := lit[1 : len(lit)-1]
	if !strings.ContainsAny(inner, `"\`) {
		return attr, inner, true
	}
	// Escapes: let JSON decide, and make sure the literal is one string
	// (`a eq "x" or b eq "y"` also starts and ends with a quote).
	if err := json.Unmarshal([]byte(lit), &value); err != nil {
		return "", "", false
	}
	return attr, value, true
}

// attrPathText reports whether s is made only of the characters of an
// attribute path (RFC 7644's ATTRNAME, "." and a schema URN's ":").
func attrPathText(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == ':' || c == '_' || c == '-' || c == '$') {
			return false
		}
	}
	return true
}

// attrPath splits "urn:...:User:name.givenName" the way filter-parser does.
func attrPath(s string) filter.AttributePath {
	var p filter.AttributePath
	if i := strings.LastIndexByte(s, ':'); i >= 0 {
		uri := s[:i]
		p.URIPrefix = &uri
		s = s[i+1:]
	}
	name, sub, ok := strings.Cut(s, ".")
	p.AttributeName = name
	if ok {
		p.SubAttribute = &sub
	}
	return p
}

// compileFilter compiles a filter expression. ctx is the multi-valued or
// complex attribute inside whose brackets the expression stands, or nil.
func compileFilter(rt *mapping.ResourceType, ctx *mapping.Attr, e filter.Expression) (store.Expr, error) {
	switch e := e.(type) {
	case *filter.LogicalExpression:
		l, err := compileFilter(rt, ctx, e.Left)
		if err != nil {
			return nil, err
		}
		r, err := compileFilter(rt, ctx, e.Right)
		if err != nil {
			return nil, err
		}
		if e.Operator == filter.AND {
			return store.And{Left: l, Right: r}, nil
		}
		return store.Or{Left: l, Right: r}, nil
	case *filter.NotExpression:
		x, err := compileFilter(rt, ctx, e.Expression)
		if err != nil {
			return nil, err
		}
		return store.Not{X: x}, nil
	case *filter.ValuePath:
		if ctx != nil {
			return nil, invalidFilter("value filters cannot be nested: %s", e)
		}
		a, err := resolveFilterAttr(rt, nil, e.AttributePath.URI(), e.AttributePath.AttributeName, "")
		if err != nil {
			return nil, err
		}
		if a.Type != mapping.Complex {
			return nil, invalidFilter("%s is not a complex attribute: brackets need sub-attributes to filter on", a.Path())
		}
		inner, err := compileFilter(rt, a, e.ValueFilter)
		if err != nil {
			return nil, err
		}
		if !a.MultiValued && !inTable(a) {
			return inner, nil
		}
		return store.Has{Set: setOf(a), Where: inner}, nil
	case *filter.AttributeExpression:
		return compileCompare(rt, ctx, e)
	}
	return nil, invalidFilter("unsupported filter expression")
}

func resolveFilterAttr(rt *mapping.ResourceType, ctx *mapping.Attr, uri, name, sub string) (*mapping.Attr, error) {
	var a *mapping.Attr
	if ctx != nil && uri == "" {
		a = ctx.SubAttr(name)
	} else {
		a = rt.Attr(uri, name)
	}
	full := name
	if uri != "" {
		full = uri + ":" + name
	}
	if a == nil {
		return nil, &filterError{unknown: true, detail: fmt.Sprintf("%q is not an attribute of %s", full, rt.Name)}
	}
	if sub != "" {
		s := a.SubAttr(sub)
		if s == nil {
			return nil, &filterError{unknown: true, detail: fmt.Sprintf("%q is not an attribute of %s", full+"."+sub, rt.Name)}
		}
		return s, nil
	}
	return a, nil
}

// inTable reports whether a complex attribute's sub-attributes are kept in
// a child table (not as columns of the resource's row).
func inTable(a *mapping.Attr) bool {
	for _, s := range a.Sub {
		if s.Field != nil && s.Field.Set != "" {
			return true
		}
	}
	return false
}

// setOf names the child set a multi-valued attribute is stored in.
func setOf(a *mapping.Attr) string {
	for _, s := range a.Sub {
		if s.Field != nil && s.Field.Set != "" {
			return s.Field.Set
		}
	}
	return a.Name
}

func compileCompare(rt *mapping.ResourceType, ctx *mapping.Attr, e *filter.AttributeExpression) (store.Expr, error) {
	p := e.AttributePath
	a, err := resolveFilterAttr(rt, ctx, p.URI(), p.AttributeName, p.SubAttributeName())
	if err != nil {
		return nil, err
	}
	if a.Type == mapping.Complex {
		// `emails eq "x"` means emails.value; `name pr` any part of name.
		if v := a.SubAttr("value"); v != nil && v.Field != nil {
			a = v
		} else if e.Operator == filter.PR && !a.MultiValued {
			var or store.Expr
			for _, s := range a.Sub {
				if s.Field == nil {
					continue
				}
				c := store.Compare{Field: *s.Field, Op: store.OpPr}
				if or == nil {
					or = c
				} else {
					or = store.Or{Left: or, Right: c}
				}
			}
			if or != nil {
				return or, nil
			}
		}
		if a.Type == mapping.Complex {
			return nil, invalidFilter("%s is complex: filter on one of its sub-attributes, e.g. %s.%s", a.Path(), a.Path(), a.Sub[0].Name)
		}
	}
	if a.Field == nil {
		return nil, invalidFilter("%s cannot be used in a filter", a.Path())
	}
	// Outside brackets, a sub-attribute of a multi-valued attribute matches
	// when any element matches; so does one of a singular complex attribute
	// kept in a table of its own (the account extension's voice).
	multi := ctx == nil && a.Parent != nil && (a.Parent.MultiValued || a.Field.Set != "")
	op := store.Op(strings.ToLower(string(e.Operator)))
	cmp := store.Compare{Field: *a.Field, Op: op}
	if op != store.OpPr {
		if cmp.Value, err = filterValue(a, op, e.CompareValue); err != nil {
			return nil, err
		}
	}
	var out store.Expr = cmp
	if cmp.Value == nil && op == store.OpEq {
		out = store.Not{X: store.Compare{Field: *a.Field, Op: store.OpPr}} // eq null: unassigned
	}
	if cmp.Value == nil && op == store.OpNe {
		out = store.Compare{Field: *a.Field, Op: store.OpPr}
	}
	if multi {
		return store.Has{Set: a.Field.Set, Where: out}, nil
	}
	return out, nil
}

// filterValue checks a comparison value against the attribute's type
// (RFC 7644 §3.4.2.2) and converts it.
func filterValue(a *mapping.Attr, op store.Op, v any) (any, error) {
	if v == nil {
		if op == store.OpEq || op == store.OpNe {
			return nil, nil
		}
		return nil, invalidFilter("%s %s null is not a valid comparison", a.Path(), op)
	}
	switch a.Type {
	case mapping.Boolean:
		b, ok := v.(bool)
		if !ok {
			if s, isStr := v.(string); isStr && (strings.EqualFold(s, "true") || strings.EqualFold(s, "false")) {
				b, ok = strings.EqualFold(s, "true"), true
			}
		}
		if !ok {
			return nil, invalidFilter("%s is a boolean: compare it with true or false", a.Path())
		}
		if op != store.OpEq && op != store.OpNe {
			return nil, invalidFilter("%s is a boolean: only eq, ne and pr apply", a.Path())
		}
		return b, nil
	case mapping.DateTime:
		s, ok := v.(string)
		if !ok {
			return nil, invalidFilter("%s is a dateTime: compare it with a quoted xsd:dateTime such as \"2026-01-02T15:04:05Z\"", a.Path())
		}
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return nil, invalidFilter("%q is not a dateTime (want e.g. \"2026-01-02T15:04:05Z\")", s)
		}
		if op == store.OpCo || op == store.OpSw || op == store.OpEw {
			return nil, invalidFilter("%s is a dateTime: %s does not apply", a.Path(), op)
		}
		return t.UTC(), nil
	case mapping.Integer, mapping.Decimal:
		n, ok := v.(json.Number)
		if !ok {
			return nil, invalidFilter("%s is a number: compare it with a number", a.Path())
		}
		if a.Type == mapping.Integer {
			i, err := n.Int64()
			if err != nil {
				return nil, invalidFilter("%s is an integer", a.Path())
			}
			return i, nil
		}
		f, _ := n.Float64()
		return f, nil
	}
	// A number or boolean against a string attribute is a type mismatch
	// (RFC 7644 §3.4.2.2), not a comparison of their text: userName gt 5
	// must not match every user.
	if x, ok := v.(string); ok {
		return x, nil
	}
	return nil, invalidFilter("%s is a string: compare it with a quoted string, not %v", a.Path(), v)
}

// ParseFilter parses a SCIM filter over resource type rt into a store
// expression, as GET and .search do; its errors answer 400 invalidFilter.
func ParseFilter(rt *mapping.ResourceType, text string) (store.Expr, error) {
	return parseFilter(rt, text)
}
