package conformance

// Filter, projection and PATCH for the test-only reference server.

import (
	"encoding/json"
	"fmt"
	"net/url"
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

func project(r map[string]any, qv url.Values) map[string]any {
	if r == nil {
		return nil
	}
	if a := qv.Get("attributes"); a != "" {
		out := map[string]any{"id": r["id"], "schemas": r["schemas"]}
		for _, attr := range strings.Split(a, ",") {
			path := splitPath(strings.TrimSpace(attr))
			top, ok := fieldKey(r, path[0])
			if !ok || (top == "password" && !refBugs["leakPassword"]) {
				continue
			}
			if len(path) == 1 {
				out[top] = r[top]
				continue
			}
			sub, ok := fieldKey(obj(r, top), path[1])
			if !ok {
				continue
			}
			m, _ := out[top].(map[string]any)
			if m == nil {
				m = map[string]any{}
				out[top] = m
			}
			m[sub] = obj(r, top)[sub]
		}
		return out
	}
	out := map[string]any{}
	for k, v := range r {
		out[k] = v
	}
	if e := qv.Get("excludedAttributes"); e != "" && !refBugs["ignoreExcluded"] {
		for _, attr := range strings.Split(e, ",") {
			path := splitPath(strings.TrimSpace(attr))
			if k, ok := fieldKey(out, path[0]); ok && k != "id" && k != "schemas" && len(path) == 1 {
				delete(out, k)
			}
		}
	}
	return out
}

func fieldKey(m map[string]any, k string) (string, bool) {
	for key := range m {
		if strings.EqualFold(key, k) {
			return key, true
		}
	}
	return "", false
}

// ---- PATCH

func clone(v map[string]any) map[string]any {
	b, _ := json.Marshal(v)
	var out map[string]any
	_ = json.Unmarshal(b, &out)
	return out
}

func (rf *ref) patch(typ, id string, cur, body map[string]any, qv url.Values) (int, map[string]any, *scimError) {
	ops := objs(body, "Operations")
	if !containsString(arr(body, "schemas"), msgPatch) || len(ops) == 0 {
		return 0, nil, fail(400, "invalidSyntax", "not a PatchOp")
	}
	r := clone(cur)
	for _, o := range ops {
		v := get(o, "value")
		if rf.bugs["noStringBooleans"] && strings.EqualFold(str(o, "path"), "active") {
			if _, isStr := v.(string); isStr {
				return 0, nil, fail(400, "invalidValue", "active must be boolean")
			}
		}
		if rf.bugs["removeAllMembers"] && strings.EqualFold(str(o, "path"), "members") {
			v = nil
		}
		if e := applyOp(typ, id, r, strings.ToLower(str(o, "op")), str(o, "path"), v); e != nil {
			return 0, nil, e
		}
	}
	in, e := normalize(typ, r)
	if e != nil {
		return 0, nil, e
	}
	if e := rf.validate(typ, in, id); e != nil {
		return 0, nil, e
	}
	return 200, project(rf.view(typ, rf.store(typ, id, in, str(cur, "meta", "created"))), qv), nil
}

func coerce(key string, v any) any {
	if strings.EqualFold(key, "active") {
		if s, ok := v.(string); ok {
			return strings.EqualFold(s, "true")
		}
	}
	if strings.EqualFold(key, "manager") {
		if s, ok := v.(string); ok {
			return map[string]any{"value": s}
		}
	}
	return v
}

func applyOp(typ, id string, r map[string]any, op, path string, value any) *scimError {
	if op != "add" && op != "replace" && op != "remove" {
		return fail(400, "invalidSyntax", "bad op %q", op)
	}
	if path == "" {
		if op == "remove" {
			return fail(400, "noTarget", "remove needs a path")
		}
		m, ok := value.(map[string]any)
		if !ok {
			return fail(400, "invalidValue", "value must be an object")
		}
		for k, v := range m {
			if strings.EqualFold(k, "id") && v == id {
				continue
			}
			if e := applyOp(typ, id, r, op, k, v); e != nil {
				return e
			}
		}
		return nil
	}
	open := strings.Index(path, "[")
	var filter node
	var attr, sub string
	if open >= 0 {
		closeIdx := strings.LastIndex(path, "]")
		if closeIdx < open {
			return fail(400, "invalidPath", "bad path %q", path)
		}
		f, err := parseFilter(path[open+1 : closeIdx])
		if err != nil {
			return fail(400, "invalidPath", "bad filter: %v", err)
		}
		filter, attr, sub = f, path[:open], strings.TrimPrefix(path[closeIdx+1:], ".")
	} else {
		attr = path
	}
	keys := splitPath(attr)
	if sub != "" {
		keys = append(keys, sub)
	}
	if !knownPath(typ, keys) && !(len(keys) == 1 && strings.EqualFold(keys[0], "password")) {
		return fail(400, "invalidPath", "unknown attribute %q", path)
	}
	top := canon(refAttrs[typ], keys[0])
	if top == "" {
		top = "password"
	}
	switch top {
	case "id", "meta", "groups", "schemas":
		return fail(400, "mutability", "%s is readOnly", top)
	}
	if op == "remove" && len(keys) == 1 && filter == nil && (top == "userName" || (typ == "Groups" && top == "displayName")) {
		return fail(400, "mutability", "%s is required", top)
	}
	value = coerce(keys[len(keys)-1], value)
	if filter != nil {
		list, _ := r[top].([]any)
		matched := false
		var keep []any
		for _, el := range list {
			if !filter.eval(el) {
				keep = append(keep, el)
				continue
			}
			matched = true
			m, _ := el.(map[string]any)
			switch {
			case op == "remove" && sub == "":
			case op == "remove":
				delete(m, sub)
				keep = append(keep, m)
			case sub != "":
				m[sub] = value
				keep = append(keep, m)
			default:
				if vm, ok := value.(map[string]any); ok {
					for k, v := range vm {
						m[k] = v
					}
				}
				keep = append(keep, m)
			}
		}
		if !matched {
			if op == "remove" {
				return fail(400, "noTarget", "filter matched nothing")
			}
			el := map[string]any{}
			if c, ok := filter.(cmp); ok && c.op == "eq" && len(c.path) == 1 {
				el[c.path[0]] = c.val
			}
			if sub != "" {
				el[sub] = value
			}
			keep = append(keep, el)
		}
		r[top] = keep
		return nil
	}
	if len(keys) == 1 {
		switch {
		case op == "remove" && top == "members" && value != nil:
			drop := map[string]bool{}
			for _, x := range objs(map[string]any{"v": value}, "v") {
				drop[str(x, "value")] = true
			}
			var keep []any
			for _, m := range objs(r, "members") {
				if !drop[str(m, "value")] {
					keep = append(keep, m)
				}
			}
			r[top] = keep
		case op == "remove":
			delete(r, top)
		case refMulti[top] && op == "add":
			existing, _ := r[top].([]any)
			if a, ok := value.([]any); ok {
				r[top] = append(existing, a...)
			} else {
				r[top] = append(existing, value)
			}
		case refSub[top] != nil && !refMulti[top]:
			m, _ := r[top].(map[string]any)
			if m == nil {
				m = map[string]any{}
			}
			vm, ok := value.(map[string]any)
			if !ok {
				return fail(400, "invalidValue", "%s needs an object", top)
			}
			for k, v := range vm {
				m[k] = coerce(k, v)
			}
			r[top] = m
		default:
			r[top] = value
		}
		return nil
	}
	m, _ := r[top].(map[string]any)
	if m == nil {
		m = map[string]any{}
		r[top] = m
	}
	leaf := canon(refSub[top], keys[1])
	if op == "remove" || (leaf == "manager" && str(value, "value") == "") {
		delete(m, leaf)
		return nil
	}
	m[leaf] = value
	return nil
}
