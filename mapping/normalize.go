package mapping

import (
	"reflect"
	"strings"
)

// Normalize rewrites a client's resource document into canonical form:
// attribute names in their schema's spelling, extension attributes nested
// under their schema URN, dotted keys ("name.givenName", which Microsoft
// Entra ID sends) expanded into nested objects, and a string given for a
// complex attribute taken as its "value" (Entra sends manager as a plain
// id). Attributes no schema defines are dropped, as are unknown
// sub-attributes; "schemas" is kept as it is.
func (rt *ResourceType) Normalize(doc Doc) (Doc, error) {
	out := Doc{}
	// seen maps each attribute (or sub-attribute) set so far to the key that
	// set it: "userName" and "urn:...:User:userName", or "name.givenName"
	// and "name": {"givenName"}, in one document name the same thing, and
	// which would win would depend on map order.
	seen := map[*Attr]string{}
	for k, v := range doc {
		if strings.EqualFold(k, "schemas") {
			out["schemas"] = v
			continue
		}
		if ext := rt.Extension(k); ext != nil {
			obj, err := asObject(ext.ID, v)
			if err != nil {
				return nil, err
			}
			for ek, ev := range obj {
				if err := rt.putPath(out, seen, k, ext.ID, ek, ev); err != nil {
					return nil, err
				}
			}
			continue
		}
		uri, rest := rt.SplitURN(k)
		if strings.EqualFold(uri, rt.Schema.ID) {
			uri = ""
		}
		if err := rt.putPath(out, seen, k, uri, rest, v); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// claim records that key sets attribute a, refusing a second key for it.
func claim(seen map[*Attr]string, a *Attr, key string) error {
	if prev, ok := seen[a]; ok {
		first, second := min(prev, key), max(prev, key)
		if first == second {
			return errorf(InvalidSyntax, "%s is given twice in %q", a.Path(), key)
		}
		return errorf(InvalidSyntax, "%s is given twice, as %q and as %q: send it once", a.Path(), first, second)
	}
	seen[a] = key
	return nil
}

// claimValue claims a whole attribute: a singular complex value claims
// each sub-attribute it holds, so that "name" and "name.familyName" may
// stand side by side as long as they set different parts.
func claimValue(seen map[*Attr]string, a *Attr, key string, v Doc) error {
	if a.Type != Complex || a.MultiValued {
		return claim(seen, a, key)
	}
	for _, s := range a.Sub {
		// null clears every part, so it clashes with any part set elsewhere.
		if _, set := v[s.Name]; set || v == nil {
			if err := claim(seen, s, key); err != nil {
				return err
			}
		}
	}
	return nil
}

// putPath stores v at a path (attr or attr.sub) of the schema uri ("" for
// the core schema) in canonical form; key is the document key it came from.
func (rt *ResourceType) putPath(out Doc, seen map[*Attr]string, key, uri, path string, v any) error {
	name, sub, hasSub := strings.Cut(path, ".")
	a := rt.Attr(uri, name)
	if a == nil {
		return nil // not ours: ignored
	}
	target := out
	if a.Schema != rt.Schema.ID && a.Schema != "" {
		obj, _ := out[a.Schema].(Doc)
		if obj == nil {
			obj = Doc{}
			out[a.Schema] = obj
		}
		target = obj
	}
	if !hasSub {
		nv, err := normalizeValue(a, v)
		if err != nil {
			return err
		}
		obj, _ := nv.(Doc)
		if err := claimValue(seen, a, key, obj); err != nil {
			return err
		}
		if prev, ok := target[a.Name].(Doc); ok && !a.MultiValued {
			if next, ok := nv.(Doc); ok {
				// "name" and "name.givenName" in one document: merge.
				for k, x := range next {
					prev[k] = x
				}
				return nil
			}
		}
		target[a.Name] = nv
		return nil
	}
	s := a.SubAttr(sub)
	if s == nil || a.MultiValued {
		// "emails.value" as a key has no element to go to.
		if s == nil {
			return nil
		}
		return errorf(InvalidPath, "%q names a sub-attribute of the multi-valued %q: use a value filter such as %s[type eq \"work\"].%s", path, a.Name, a.Name, s.Name)
	}
	if err := claim(seen, s, key); err != nil {
		return err
	}
	obj, _ := target[a.Name].(Doc)
	if obj == nil {
		obj = Doc{}
		target[a.Name] = obj
	}
	nv, err := normalizeValue(s, v)
	if err != nil {
		return err
	}
	obj[s.Name] = nv
	return nil
}

// normalizeValue canonicalises the sub-attribute names of a complex value.
func normalizeValue(a *Attr, v any) (any, error) {
	if a.Type != Complex || v == nil {
		return v, nil
	}
	if a.MultiValued {
		list, err := asList(a.Path(), v)
		if err != nil {
			return nil, err
		}
		out := make([]any, 0, len(list))
		for _, el := range list {
			n, err := normalizeComplex(a, el)
			if err != nil {
				return nil, err
			}
			out = append(out, n)
		}
		return out, nil
	}
	return normalizeComplex(a, v)
}

func normalizeComplex(a *Attr, v any) (any, error) {
	if s, ok := v.(string); ok && a.SubAttr("value") != nil {
		if s == "" {
			return nil, nil
		}
		return Doc{"value": s}, nil
	}
	obj, err := asObject(a.Path(), v)
	if err != nil {
		return nil, err
	}
	out := Doc{}
	for k, x := range obj {
		if s := a.SubAttr(k); s != nil {
			out[s.Name] = x
		}
	}
	return out, nil
}

// CheckSchemas verifies a resource's "schemas": it must list the resource
// type's core schema. Other URNs are the type's extensions, or schemas
// scimd does not know: those are tolerated as long as the document holds no
// data under them (Entra's older jobs list an ADSCIM Group schema with no
// attributes of its own), and refused otherwise, so data is never dropped
// silently.
func (rt *ResourceType) CheckSchemas(doc Doc) error {
	raw, ok := lookup(doc, "schemas")
	if !ok || raw == nil {
		return errorf(InvalidValue, "the resource has no \"schemas\" attribute: it must list %q", rt.Schema.ID)
	}
	list, ok := raw.([]any)
	if !ok {
		return errorf(InvalidValue, "\"schemas\" must be an array of schema URNs")
	}
	core := false
	for _, v := range list {
		s, ok := v.(string)
		if !ok {
			return errorf(InvalidValue, "\"schemas\" must be an array of schema URNs")
		}
		switch {
		case strings.EqualFold(s, rt.Schema.ID):
			core = true
		case rt.Extension(s) != nil:
		default:
			if _, has := lookup(doc, s); has {
				return errorf(InvalidValue, "schema %q is not supported for %s: its attributes cannot be stored", s, rt.Name)
			}
		}
	}
	if !core {
		return errorf(InvalidValue, "\"schemas\" must list %q", rt.Schema.ID)
	}
	return nil
}

// NormalizeValue canonicalises a value given for attribute a (as in a
// PATCH operation with a path): sub-attribute names of complex values, and
// a string for a complex attribute taken as its "value".
func NormalizeValue(a *Attr, v any) (any, error) { return normalizeValue(a, v) }

// CheckImmutable refuses a change to an immutable attribute that already
// has a value (RFC 7643 §2.2): before is the stored resource's document,
// after the normalized document that would replace it.
func (rt *ResourceType) CheckImmutable(before, after Doc) error {
	check := func(a *Attr, b, c Doc) error {
		if a.Mutability == Immutable {
			old, had := b[a.Name]
			nv, has := c[a.Name]
			if had && old != nil && has && !reflect.DeepEqual(old, nv) {
				return errorf(Mutability, "%s is immutable: it cannot change once set", a.Path())
			}
		}
		if a.Type == Complex && !a.MultiValued {
			bo, _ := b[a.Name].(Doc)
			co, _ := c[a.Name].(Doc)
			for _, s := range a.Sub {
				if s.Mutability == Immutable && bo != nil && co != nil && bo[s.Name] != nil {
					if nv, ok := co[s.Name]; ok && !reflect.DeepEqual(bo[s.Name], nv) {
						return errorf(Mutability, "%s is immutable: it cannot change once set", s.Path())
					}
				}
			}
		}
		return nil
	}
	for _, sc := range append([]*Schema{rt.Schema, rt.Common}, rt.Extensions...) {
		b, c := before, after
		if sc != rt.Schema && sc != rt.Common {
			b, _ = before[sc.ID].(Doc)
			c, _ = after[sc.ID].(Doc)
			if b == nil || c == nil {
				continue
			}
		}
		for _, a := range sc.Attrs {
			if err := check(a, b, c); err != nil {
				return err
			}
		}
	}
	return nil
}
