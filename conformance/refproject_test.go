package conformance

import (
	"encoding/json"
	"net/url"
	"strings"
)

// Projection and PATCH of the reference server.

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
