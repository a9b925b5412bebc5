package conformance

// Filter, projection and PATCH for the test-only reference server.

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// refBugs holds defects injected for TestChecksDetectDefects.
var refBugs map[string]bool

// likeMatch emulates an unescaped SQL LIKE pattern (the defect).
func likeMatch(s, pattern string) bool {
	re := "^" + regexp.QuoteMeta(pattern) + "$"
	re = strings.ReplaceAll(strings.ReplaceAll(re, "%", ".*"), "_", ".")
	ok, _ := regexp.MatchString(re, s)
	return ok
}

// ---- filters

type node interface{ eval(v any) bool }

type logical struct {
	and  bool
	l, r node
}
type notNode struct{ n node }
type valuePath struct {
	path []string
	f    node
}
type cmp struct {
	path []string
	op   string
	val  any
}

func (n logical) eval(v any) bool {
	if n.and {
		return n.l.eval(v) && n.r.eval(v)
	}
	return n.l.eval(v) || n.r.eval(v)
}
func (n notNode) eval(v any) bool { return !n.n.eval(v) }
func (n valuePath) eval(v any) bool {
	for _, el := range values(v, n.path) {
		if n.f.eval(el) {
			return true
		}
	}
	return false
}

// values collects the values at path, flattening multi-valued attributes.
func values(v any, path []string) []any {
	cur := []any{v}
	for _, k := range path {
		var next []any
		for _, c := range cur {
			m, ok := c.(map[string]any)
			if !ok {
				continue
			}
			x, _ := field(m, k)
			if a, ok := x.([]any); ok {
				next = append(next, a...)
			} else if x != nil {
				next = append(next, x)
			}
		}
		cur = next
	}
	return cur
}

func (n cmp) eval(v any) bool {
	vals := values(v, n.path)
	if n.op == "pr" {
		for _, x := range vals {
			if x != nil && x != "" {
				return true
			}
		}
		return false
	}
	if n.op == "ne" {
		return !cmp{n.path, "eq", n.val}.eval(v)
	}
	exact := len(n.path) == 1 && (strings.EqualFold(n.path[0], "id") || strings.EqualFold(n.path[0], "externalId")) || refBugs["caseSensitiveFilter"]
	for _, x := range vals {
		if b, ok := x.(bool); ok {
			if nb, ok := n.val.(bool); ok && n.op == "eq" && b == nb {
				return true
			}
			continue
		}
		xs, ok1 := x.(string)
		vs, ok2 := n.val.(string)
		if !ok1 || !ok2 {
			continue
		}
		if t1, err := time.Parse(time.RFC3339Nano, xs); err == nil && len(n.path) == 2 && strings.EqualFold(n.path[0], "meta") {
			if t2, err := time.Parse(time.RFC3339Nano, vs); err == nil {
				xs, vs = fmt.Sprint(t1.UnixNano()), fmt.Sprint(t2.UnixNano())
				xs, vs = fmt.Sprintf("%030s", xs), fmt.Sprintf("%030s", vs)
			}
		}
		if !exact {
			xs, vs = strings.ToLower(xs), strings.ToLower(vs)
		}
		var ok bool
		if refBugs["likeWildcards"] {
			switch n.op {
			case "co":
				return likeMatch(xs, "%"+vs+"%")
			case "sw":
				return likeMatch(xs, vs+"%")
			}
		}
		switch n.op {
		case "eq":
			ok = xs == vs
		case "co":
			ok = strings.Contains(xs, vs)
		case "sw":
			ok = strings.HasPrefix(xs, vs)
		case "ew":
			ok = strings.HasSuffix(xs, vs)
		case "gt":
			ok = xs > vs
		case "ge":
			ok = xs >= vs
		case "lt":
			ok = xs < vs
		case "le":
			ok = xs <= vs
		}
		if ok {
			return true
		}
	}
	return false
}

type parser struct {
	toks []string
	pos  int
}

func tokenize(s string) ([]string, error) {
	var toks []string
	for i := 0; i < len(s); {
		switch ch := s[i]; {
		case ch == ' ':
			i++
		case strings.ContainsRune("()[]", rune(ch)):
			toks = append(toks, string(ch))
			i++
		case ch == '"':
			j := i + 1
			for ; j < len(s) && s[j] != '"'; j++ {
				if s[j] == '\\' {
					j++
				}
			}
			if j >= len(s) {
				return nil, fmt.Errorf("unterminated string")
			}
			toks = append(toks, s[i:j+1])
			i = j + 1
		default:
			j := i
			for j < len(s) && !strings.ContainsRune(" ()[]\"", rune(s[j])) {
				j++
			}
			toks = append(toks, s[i:j])
			i = j
		}
	}
	return toks, nil
}

func parseFilter(s string) (node, error) {
	toks, err := tokenize(s)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	n, err := p.or()
	if err != nil {
		return nil, err
	}
	if p.pos != len(p.toks) {
		return nil, fmt.Errorf("unexpected %q", p.toks[p.pos])
	}
	return n, nil
}

func (p *parser) peek() string {
	if p.pos < len(p.toks) {
		return p.toks[p.pos]
	}
	return ""
}

func (p *parser) or() (node, error) {
	l, err := p.and()
	for err == nil && strings.EqualFold(p.peek(), "or") {
		p.pos++
		var r node
		if r, err = p.and(); err == nil {
			l = logical{false, l, r}
		}
	}
	return l, err
}

func (p *parser) and() (node, error) {
	l, err := p.unary()
	for err == nil && strings.EqualFold(p.peek(), "and") {
		p.pos++
		var r node
		if r, err = p.unary(); err == nil {
			l = logical{true, l, r}
		}
	}
	return l, err
}

func (p *parser) expect(t string) error {
	if p.peek() != t {
		return fmt.Errorf("want %q at %d", t, p.pos)
	}
	p.pos++
	return nil
}

func (p *parser) unary() (node, error) {
	t := p.peek()
	if strings.EqualFold(t, "not") {
		p.pos++
		if err := p.expect("("); err != nil {
			return nil, err
		}
		n, err := p.or()
		if err == nil {
			err = p.expect(")")
		}
		return notNode{n}, err
	}
	if t == "(" {
		p.pos++
		n, err := p.or()
		if err == nil {
			err = p.expect(")")
		}
		return n, err
	}
	if t == "" || strings.ContainsAny(t[:1], `"[])`) {
		return nil, fmt.Errorf("want attribute at %d", p.pos)
	}
	p.pos++
	path := splitPath(t)
	if p.peek() == "[" {
		p.pos++
		f, err := p.or()
		if err == nil {
			err = p.expect("]")
		}
		return valuePath{path, f}, err
	}
	op := strings.ToLower(p.peek())
	p.pos++
	if op == "pr" {
		return cmp{path, op, nil}, nil
	}
	switch op {
	case "eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le":
	default:
		return nil, fmt.Errorf("unknown operator %q", op)
	}
	lit := p.peek()
	p.pos++
	var v any
	switch {
	case strings.EqualFold(lit, "true"):
		v = true
	case strings.EqualFold(lit, "false"):
		v = false
	case strings.HasPrefix(lit, `"`):
		if err := json.Unmarshal([]byte(lit), &v); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("bad value %q", lit)
	}
	if _, isBool := v.(bool); isBool && op != "eq" && op != "ne" {
		return nil, fmt.Errorf("%s on a boolean", op)
	}
	return cmp{path, op, v}, nil
}

// splitPath turns an attribute path (possibly URN-qualified) into keys.
func splitPath(s string) []string {
	for _, urn := range []string{schemaUser, schemaGroup} {
		if len(s) > len(urn) && strings.EqualFold(s[:len(urn)+1], urn+":") {
			s = s[len(urn)+1:]
		}
	}
	if len(s) > len(schemaEnt) && strings.EqualFold(s[:len(schemaEnt)+1], schemaEnt+":") {
		return append([]string{schemaEnt}, strings.Split(s[len(schemaEnt)+1:], ".")...)
	}
	return strings.Split(s, ".")
}

func knownPath(typ string, path []string) bool {
	n := canon(refAttrs[typ], path[0])
	if n == "" || n == "password" {
		return false
	}
	for _, sub := range path[1:] {
		if n = canon(refSub[n], sub); n == "" {
			return false
		}
	}
	return true
}

func checkAttrs(typ string, n node) error {
	switch x := n.(type) {
	case logical:
		if err := checkAttrs(typ, x.l); err != nil {
			return err
		}
		return checkAttrs(typ, x.r)
	case notNode:
		return checkAttrs(typ, x.n)
	case valuePath:
		if !knownPath(typ, x.path) {
			return fmt.Errorf("unknown attribute %v", x.path)
		}
		return nil
	case cmp:
		if !knownPath(typ, x.path) {
			return fmt.Errorf("unknown attribute %v", x.path)
		}
		if strings.EqualFold(x.path[0], "active") && x.op != "eq" && x.op != "ne" && x.op != "pr" {
			return fmt.Errorf("%s on a boolean", x.op)
		}
	}
	return nil
}

// ---- projection
