package scim

import (
	"maps"
	"reflect"
	"slices"
	"strings"

	filter "github.com/scim2/filter-parser/v2"

	"github.com/scimd/scimd/mapping"
)

const patchOpSchema = "urn:ietf:params:scim:api:messages:2.0:PatchOp"

// patchOp is one operation of a PATCH request (RFC 7644 §3.5.2).
type patchOp struct {
	n        int    // position, for error details
	op       string // "add", "remove" or "replace"
	path     string
	value    any
	hasValue bool
}

// patchRequest is a parsed PatchOp request.
type patchRequest struct {
	ops []patchOp
	// capitalised reports an operation name not in lower case ("Replace"):
	// Microsoft Entra ID writes them so, and no other client does.
	capitalised bool
}

// parsePatch reads a PatchOp request of at most maxOps operations.
// Operation names are matched without regard to case: Microsoft Entra ID
// sends "Replace", "Add", "Remove".
func parsePatch(doc mapping.Doc, maxOps int) (patchRequest, error) {
	var req patchRequest
	ok := false
	if list, isList := lookupKey(doc, "schemas").([]any); isList {
		for _, s := range list {
			if str, _ := s.(string); strings.EqualFold(str, patchOpSchema) {
				ok = true
			}
		}
	}
	if !ok {
		return req, badRequest(typeInvalidValue, "a PATCH request must have \"schemas\": [%q]", patchOpSchema)
	}
	raw, isList := lookupKey(doc, "Operations").([]any)
	if !isList || len(raw) == 0 {
		return req, badRequest(typeInvalidValue, "a PATCH request needs \"Operations\": a non-empty array of {op, path, value}")
	}
	if len(raw) > maxOps {
		return req, badRequest(typeInvalidValue, "the PATCH request has %d operations: at most %d are allowed in one request", len(raw), maxOps)
	}
	ops := make([]patchOp, 0, len(raw))
	for i, el := range raw {
		obj, ok := el.(map[string]any)
		if !ok {
			return req, badRequest(typeInvalidSyntax, "Operations[%d] must be an object {op, path, value}", i)
		}
		op := patchOp{n: i}
		name, _ := lookupKey(obj, "op").(string)
		op.op = strings.ToLower(name)
		if op.op != "add" && op.op != "remove" && op.op != "replace" {
			return req, badRequest(typeInvalidSyntax, "Operations[%d].op is %q: it must be add, remove or replace", i, name)
		}
		if name != op.op {
			req.capitalised = true
		}
		if p := lookupKey(obj, "path"); p != nil {
			s, ok := p.(string)
			if !ok {
				return req, badRequest(typeInvalidPath, "Operations[%d].path must be a string", i)
			}
			op.path = strings.TrimSpace(s)
		}
		for k, v := range obj {
			if strings.EqualFold(k, "value") {
				op.value, op.hasValue = v, true
			}
		}
		switch {
		case op.op == "remove" && op.path == "":
			return req, badRequest(typeNoTarget, "Operations[%d]: remove needs a path naming what to remove", i)
		case op.op != "remove" && (!op.hasValue || op.value == nil):
			return req, badRequest(typeInvalidValue, "Operations[%d]: %s needs a value", i, op.op)
		}
		ops = append(ops, op)
	}
	req.ops = ops
	return req, nil
}

func lookupKey(doc map[string]any, key string) any {
	if v, ok := doc[key]; ok {
		return v
	}
	for k, v := range doc {
		if strings.EqualFold(k, key) {
			return v
		}
	}
	return nil
}

// target is where an operation with a path applies.
type target struct {
	attr   *mapping.Attr     // top-level attribute
	filter filter.Expression // value filter on a multi-valued attr, or nil
	sub    *mapping.Attr     // sub-attribute, or nil
}

// resolvePath reads a PATCH path. A bare extension URN returns ext.
func resolvePath(rt *mapping.ResourceType, n int, path string) (t target, ext *mapping.Schema, err error) {
	if ext := rt.Extension(path); ext != nil {
		return t, ext, nil
	}
	if why := tooComplex(path); why != "" {
		return t, nil, badRequest(typeInvalidPath, "Operations[%d].path: %s", n, strings.Replace(why, "filter", "path", 1))
	}
	p, simple := simplePath(path)
	if !simple {
		var perr error
		if p, perr = filter.ParsePathNumber([]byte(spaceBeforeValues(path))); perr != nil {
			return t, nil, badRequest(typeInvalidPath, "Operations[%d].path %q is not a valid attribute path (RFC 7644 §3.5.2), e.g. emails[type eq \"work\"].value", n, path)
		}
	}
	t.attr = rt.Attr(p.AttributePath.URI(), p.AttributePath.AttributeName)
	if t.attr == nil {
		return t, nil, badRequest(typeInvalidPath, "Operations[%d].path %q: %s has no attribute %q", n, path, rt.Name, p.AttributePath.AttributeName)
	}
	sub := p.AttributePath.SubAttributeName()
	if sub == "" {
		sub = p.SubAttributeName()
	}
	if sub != "" {
		if t.sub = t.attr.SubAttr(sub); t.sub == nil {
			return t, nil, badRequest(typeInvalidPath, "Operations[%d].path %q: %s has no sub-attribute %q", n, path, t.attr.Name, sub)
		}
	}
	if p.ValueExpression != nil {
		if !t.attr.MultiValued || t.attr.Type != mapping.Complex {
			return t, nil, badRequest(typeInvalidPath, "Operations[%d].path %q: a value filter needs a multi-valued complex attribute", n, path)
		}
		if !simple && !unescapeValues(p.ValueExpression) || simple && !validText(p.ValueExpression.(*filter.AttributeExpression).CompareValue.(string)) {
			return t, nil, badRequest(typeInvalidPath, "Operations[%d].path: the filter's values must not contain the NUL character (\\u0000)", n)
		}
		t.filter = p.ValueExpression
	}
	return t, nil, nil
}

// step is one operation resolved against the schema: its target found,
// its value normalized and its mutability checked. A PATCH is compiled
// into steps before anything is read or locked, so that applying them to
// the stored resource only moves values.
type step struct {
	patchOp
	t target
	// ext, for a remove of a whole extension, is that extension.
	ext *mapping.Schema
}

// compilePatch resolves every operation of a PATCH into steps.
func compilePatch(rt *mapping.ResourceType, ops []patchOp) ([]step, error) {
	var steps []step
	for _, op := range ops {
		var err error
		if steps, err = compileOp(rt, steps, op); err != nil {
			return nil, err
		}
	}
	return steps, nil
}

func compileOp(rt *mapping.ResourceType, steps []step, op patchOp) ([]step, error) {
	if op.path == "" {
		return compileNoPath(rt, steps, op, op.value)
	}
	t, ext, err := resolvePath(rt, op.n, op.path)
	if err != nil {
		return nil, err
	}
	if ext != nil {
		if op.op == "remove" {
			return append(steps, step{patchOp: op, ext: ext}), nil
		}
		return compileNoPath(rt, steps, op, map[string]any{ext.ID: op.value})
	}
	leaf := t.attr
	if t.sub != nil {
		leaf = t.sub
	}
	if t.attr.Mutability == mapping.ReadOnly || leaf.Mutability == mapping.ReadOnly {
		return nil, badRequest(typeMutability, "Operations[%d]: %s is read-only", op.n, leaf.Path())
	}
	if op.op == "remove" && t.filter == nil && !op.hasValue && leaf.Required && (t.sub == nil || !t.attr.MultiValued) {
		return nil, badRequest(typeMutability, "Operations[%d]: %s is required and cannot be removed", op.n, leaf.Path())
	}
	if op.hasValue && op.value != nil {
		nv, err := mapping.NormalizeValue(leaf, op.value)
		if err != nil {
			return nil, err
		}
		op.value = nv
	}
	return append(steps, step{patchOp: op, t: t}), nil
}

// compileNoPath compiles an operation whose value holds attributes (RFC
// 7644 §3.5.2.1, §3.5.2.3 with no path). Read-only attributes in the value
// are skipped: Okta sends the group's id along when renaming it. Keys are
// taken in sorted order, so the outcome never depends on map order.
func compileNoPath(rt *mapping.ResourceType, steps []step, op patchOp, value any) ([]step, error) {
	obj, ok := value.(map[string]any)
	if !ok {
		return nil, badRequest(typeInvalidValue, "Operations[%d]: without a path, the value must be an object of attributes", op.n)
	}
	// A key holding a value filter, such as "emails[type eq \"work\"].value",
	// is a path: it becomes an operation of its own.
	plain := obj
	for _, k := range slices.Sorted(maps.Keys(obj)) {
		if !strings.Contains(k, "[") {
			continue
		}
		if len(plain) == len(obj) {
			plain = maps.Clone(obj)
		}
		delete(plain, k)
		var err error
		if steps, err = compileOp(rt, steps, patchOp{n: op.n, op: op.op, path: k, value: obj[k], hasValue: true}); err != nil {
			return nil, err
		}
	}
	norm, err := rt.Normalize(plain)
	if err != nil {
		return nil, err
	}
	add := func(a *mapping.Attr, v any) {
		if a == nil || a.Mutability == mapping.ReadOnly {
			return
		}
		steps = append(steps, step{patchOp: patchOp{n: op.n, op: op.op, value: v, hasValue: true}, t: target{attr: a}})
	}
	for _, k := range slices.Sorted(maps.Keys(norm)) {
		if k == "schemas" {
			continue
		}
		if ext := rt.Extension(k); ext != nil {
			extDoc := norm[k].(mapping.Doc)
			for _, ek := range slices.Sorted(maps.Keys(extDoc)) {
				add(ext.Attr(ek), extDoc[ek])
			}
			continue
		}
		add(rt.Attr("", k), norm[k])
	}
	return steps, nil
}

// patchRules are what applying steps depends on besides the steps.
type patchRules struct {
	// replaceCreates: a replace through a value filter that matches no
	// element creates the element the filter describes (Entra ID relies on
	// it) instead of failing with noTarget (RFC 7644 §3.5.2.3).
	replaceCreates bool
	// maxValues caps each multi-valued attribute as the steps grow it.
	maxValues int
}

// applySteps applies compiled steps in order to a resource document. Each
// step costs at most the length of one attribute's values, which maxValues
// bounds, so a PATCH costs time linear in its operations.
func applySteps(doc mapping.Doc, steps []step, rules patchRules) error {
	for _, st := range steps {
		if st.ext != nil {
			delete(doc, st.ext.ID)
			continue
		}
		c := containerOf(doc, st.t.attr, st.op != "remove")
		if err := apply(c, st.t, st.patchOp, st.value, rules); err != nil {
			return err
		}
		if list, ok := c[st.t.attr.Name].([]any); ok && st.t.attr.MultiValued && rules.maxValues > 0 && len(list) > rules.maxValues {
			return badRequest(typeInvalidValue, "Operations[%d]: %s would have %d values: at most %d are allowed",
				st.n, st.t.attr.Path(), len(list), rules.maxValues)
		}
	}
	return nil
}

// containerOf returns the object holding a top-level attribute: the
// document, or the attribute's extension object (created if asked).
func containerOf(doc mapping.Doc, a *mapping.Attr, create bool) mapping.Doc {
	if a.Schema == "" || a.Schema == mapping.UserSchema || a.Schema == mapping.GroupSchema {
		return doc
	}
	ext, _ := doc[a.Schema].(map[string]any)
	if ext == nil {
		ext = mapping.Doc{}
		if create {
			doc[a.Schema] = ext
		}
	}
	return ext
}

// apply carries out one operation on attribute t.attr of container c. When
// it makes a value of a multi-valued attribute primary, the others stop
// being primary (RFC 7644 §3.5.2).
func apply(c mapping.Doc, t target, op patchOp, v any, rules patchRules) error {
	a := t.attr
	if !a.MultiValued || a.SubAttr("primary") == nil || op.op == "remove" {
		return applyTarget(c, t, op, v, rules)
	}
	// Elements are changed in place, so an element is known by its map.
	was := map[uintptr]bool{}
	before, _ := c[a.Name].([]any)
	for _, el := range before {
		if isPrimary(el) {
			was[reflect.ValueOf(el).Pointer()] = true
		}
	}
	if err := applyTarget(c, t, op, v, rules); err != nil {
		return err
	}
	list, _ := c[a.Name].([]any)
	n := 0
	for _, el := range list {
		if isPrimary(el) {
			n++
		}
	}
	if n > 1 {
		for _, el := range list {
			if isPrimary(el) && was[reflect.ValueOf(el).Pointer()] {
				el.(map[string]any)["primary"] = false
			}
		}
	}
	return nil
}

// isPrimary reports whether an element of a multi-valued attribute is
// primary ("True" too: Entra ID sends booleans as strings).
func isPrimary(el any) bool {
	obj, _ := el.(map[string]any)
	switch p := obj["primary"].(type) {
	case bool:
		return p
	case string:
		return strings.EqualFold(strings.TrimSpace(p), "true")
	}
	return false
}

// applyTarget carries out one operation on attribute t.attr of container c.
func applyTarget(c mapping.Doc, t target, op patchOp, v any, rules patchRules) error {
	a := t.attr
	if t.filter == nil {
		switch {
		case t.sub == nil:
			return applyWhole(c, a, op, v)
		case !a.MultiValued:
			obj, _ := c[a.Name].(map[string]any)
			if op.op == "remove" {
				if obj != nil {
					delete(obj, t.sub.Name)
				}
				return nil
			}
			if obj == nil {
				obj = mapping.Doc{}
				c[a.Name] = obj
			}
			obj[t.sub.Name] = v
			return nil
		default:
			// "emails.value" without a filter: every element.
			list, _ := c[a.Name].([]any)
			for _, el := range list {
				if obj, ok := el.(map[string]any); ok {
					if op.op == "remove" {
						delete(obj, t.sub.Name)
					} else {
						obj[t.sub.Name] = v
					}
				}
			}
			return nil
		}
	}
	list, _ := c[a.Name].([]any)
	var matched []int
	for i, el := range list {
		obj, isObj := el.(map[string]any)
		if !isObj {
			continue // e.g. an empty value an earlier operation added
		}
		ok, err := matchElement(a, obj, t.filter)
		if err != nil {
			return err
		}
		if ok {
			matched = append(matched, i)
		}
	}
	if len(matched) == 0 {
		// RFC 7644: remove (§3.5.2.2) and replace (§3.5.2.3) through a
		// filter that matches nothing fail with noTarget; add creates
		// (§3.5.2.1: "if the target location does not exist, the attribute
		// and value are added"). Entra ID also replaces
		// emails[type eq "work"].value on a user with no work email yet,
		// expecting it created: its dialect allows that.
		if op.op == "remove" || (op.op == "replace" && !rules.replaceCreates) {
			return badRequest(typeNoTarget, "Operations[%d]: no value of %s matches %s", op.n, a.Path(), t.filter)
		}
		el, ok := elementFromFilter(a, t.filter)
		if !ok {
			return badRequest(typeNoTarget, "Operations[%d]: no value of %s matches %s", op.n, a.Path(), t.filter)
		}
		if err := setOnElement(el, t.sub, v, op.n); err != nil {
			return err
		}
		c[a.Name] = append(list, el)
		return nil
	}
	if op.op == "remove" {
		if t.sub != nil {
			for _, i := range matched {
				delete(list[i].(map[string]any), t.sub.Name)
			}
			return nil
		}
		keep := list[:0:0]
		for i, el := range list {
			if !contains(matched, i) {
				keep = append(keep, el)
			}
		}
		setList(c, a.Name, keep)
		return nil
	}
	for _, i := range matched {
		if err := setOnElement(list[i].(map[string]any), t.sub, v, op.n); err != nil {
			return err
		}
	}
	return nil
}

// applyWhole adds, replaces or removes a whole attribute.
func applyWhole(c mapping.Doc, a *mapping.Attr, op patchOp, v any) error {
	switch {
	case op.op == "remove" && a.MultiValued && op.hasValue && v != nil:
		// Remove only the listed values (Entra removes members this way).
		drop, _ := v.([]any)
		list, _ := c[a.Name].([]any)
		keep := list[:0:0]
		for _, el := range list {
			if !containsValue(drop, el) {
				keep = append(keep, el)
			}
		}
		setList(c, a.Name, keep)
	case op.op == "remove":
		delete(c, a.Name)
	case a.MultiValued && op.op == "add":
		list, _ := c[a.Name].([]any)
		items, _ := v.([]any)
		for _, it := range items {
			if !containsEqual(list, it) {
				list = append(list, it)
			}
		}
		c[a.Name] = list
	case a.MultiValued:
		c[a.Name] = v
	case a.Type == mapping.Complex:
		// Sub-attributes not named in the value stay as they are
		// (RFC 7644 §3.5.2.1 and §3.5.2.3).
		obj, _ := c[a.Name].(map[string]any)
		in, _ := v.(map[string]any)
		if obj == nil || in == nil {
			c[a.Name] = v
			return nil
		}
		merged := mapping.Doc{}
		for k, x := range obj {
			merged[k] = x
		}
		for k, x := range in {
			merged[k] = x
		}
		c[a.Name] = merged
	default:
		c[a.Name] = v
	}
	return nil
}

func setOnElement(el map[string]any, sub *mapping.Attr, v any, n int) error {
	if sub != nil {
		el[sub.Name] = v
		return nil
	}
	in, ok := v.(map[string]any)
	if !ok {
		return badRequest(typeInvalidValue, "Operations[%d]: the value for a filtered path must be an object of sub-attributes", n)
	}
	for k, x := range in {
		el[k] = x
	}
	return nil
}

func setList(c mapping.Doc, name string, list []any) {
	if len(list) == 0 {
		delete(c, name)
		return
	}
	c[name] = list
}

func contains(xs []int, x int) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// containsEqual reports whether list holds an element equal to x, so that
// add does not duplicate a value (RFC 7644 §3.5.2.1).
func containsEqual(list []any, x any) bool {
	for _, el := range list {
		if reflect.DeepEqual(el, x) {
			return true
		}
	}
	return false
}

// containsValue reports whether el's "value" is among the values in drop.
func containsValue(drop []any, el any) bool {
	obj, _ := el.(map[string]any)
	for _, d := range drop {
		dobj, _ := d.(map[string]any)
		if obj != nil && dobj != nil && obj["value"] != nil && reflect.DeepEqual(obj["value"], dobj["value"]) {
			return true
		}
		if reflect.DeepEqual(d, el) {
			return true
		}
	}
	return false
}
