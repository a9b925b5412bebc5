package mapping

import (
	"strings"

	"github.com/scimd/scimd/store"
)

// Projection is a request's attributes / excludedAttributes (RFC 7644
// §3.4.2.5, §3.9): which attributes to return.
type Projection struct {
	include []*Attr
	exclude []*Attr
	// includeExt and excludeExt name whole extensions (a bare URN).
	includeExt, excludeExt []string
}

// ParseProjection reads the comma-separated attribute lists. Names no
// schema defines are ignored, as they select nothing.
func (rt *ResourceType) ParseProjection(attributes, excluded string) Projection {
	var p Projection
	p.include, p.includeExt = rt.parseAttrList(attributes)
	p.exclude, p.excludeExt = rt.parseAttrList(excluded)
	return p
}

func (rt *ResourceType) parseAttrList(list string) (attrs []*Attr, exts []string) {
	for _, name := range strings.Split(list, ",") {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		if ext := rt.Extension(name); ext != nil {
			exts = append(exts, ext.ID)
			continue
		}
		if a, err := rt.ResolvePath(name); err == nil {
			attrs = append(attrs, a)
		}
	}
	return attrs, exts
}

// IsZero reports whether the projection returns the default attributes.
func (p Projection) IsZero() bool {
	return len(p.include) == 0 && len(p.exclude) == 0 && len(p.includeExt) == 0 && len(p.excludeExt) == 0
}

// Wants reports whether the top-level attribute name (of the core schema or
// common attributes) will be returned, so the store can skip loading it.
func (p Projection) Wants(rt *ResourceType, name string) bool {
	a := rt.Attr("", name)
	if a == nil {
		return false
	}
	if len(p.include) > 0 || len(p.includeExt) > 0 {
		for _, in := range p.include {
			if top(in) == a {
				return true
			}
		}
		return a.Returned == ReturnAlways
	}
	for _, ex := range p.exclude {
		if ex == a && a.Returned != ReturnAlways {
			return false
		}
	}
	return a.Returned != ReturnRequest && a.Returned != ReturnNever
}

// WantsExtension reports whether any attribute of the extension urn will
// be returned.
func (p Projection) WantsExtension(urn string) bool {
	if len(p.include) > 0 || len(p.includeExt) > 0 {
		for _, e := range p.includeExt {
			if e == urn {
				return true
			}
		}
		for _, a := range p.include {
			if top(a).Schema == urn {
				return true
			}
		}
		return false
	}
	for _, e := range p.excludeExt {
		if e == urn {
			return false
		}
	}
	return true
}

// Requests reports whether the client asked for an attribute returned only
// on request (RFC 7643 §2.2), by its path.
func (p Projection) Requests(rt *ResourceType, path string) bool {
	a, err := rt.ResolvePath(path)
	if err != nil {
		return false
	}
	for _, in := range p.include {
		if in == a || top(in) == a {
			return true
		}
	}
	return false
}

// UserLoad is what the store must read to answer with this projection.
func (p Projection) UserLoad(rt *ResourceType) store.Load {
	var l store.Load
	if p.WantsExtension(AccountUserSchema) {
		l |= store.LoadDomain
	}
	for _, attr := range store.ValueAttrs {
		if p.Wants(rt, attr) {
			l |= store.LoadValues
		}
	}
	if p.Wants(rt, "addresses") {
		l |= store.LoadAddresses
	}
	if p.Wants(rt, "groups") {
		l |= store.LoadGroups
	}
	return l
}

// GroupLoad is what the store must read for groups.
func (p Projection) GroupLoad(rt *ResourceType) store.Load {
	var l store.Load
	if p.Wants(rt, "members") {
		l |= store.LoadMembers
	}
	if p.WantsExtension(AccountGroupSchema) {
		l |= store.LoadDomain
	}
	return l
}

func top(a *Attr) *Attr {
	for a.Parent != nil {
		a = a.Parent
	}
	return a
}

// Apply trims doc (an encoded resource) to the projection. id and schemas
// are always returned; attributes with returned "never" never are.
func (p Projection) Apply(rt *ResourceType, doc Doc) Doc {
	if p.IsZero() {
		return doc
	}
	if len(p.include) > 0 || len(p.includeExt) > 0 {
		out := Doc{"schemas": doc["schemas"], "id": doc["id"]}
		for _, ext := range p.includeExt {
			if v, ok := doc[ext]; ok {
				out[ext] = v
			}
		}
		for _, a := range p.include {
			copyAttr(out, doc, a)
		}
		return out
	}
	out := make(Doc, len(doc))
	for k, v := range doc {
		out[k] = v
	}
	for _, ext := range p.excludeExt {
		delete(out, ext)
	}
	for _, a := range p.exclude {
		removeAttr(out, a)
	}
	return out
}

// container returns the object holding a top-level attribute: the document
// itself, or its extension object.
func container(doc Doc, a *Attr, create bool) Doc {
	t := top(a)
	if t.Schema == "" || t.Schema == UserSchema || t.Schema == GroupSchema {
		return doc
	}
	ext, _ := doc[t.Schema].(Doc)
	if ext == nil && create {
		ext = Doc{}
		doc[t.Schema] = ext
	}
	return ext
}

// copyAttr copies attribute a (top-level or sub-attribute) from src to dst.
func copyAttr(dst, src Doc, a *Attr) {
	from := container(src, a, false)
	if from == nil {
		return
	}
	if a.Parent == nil {
		if v, ok := from[a.Name]; ok {
			container(dst, a, true)[a.Name] = v
		}
		return
	}
	parent := a.Parent
	v, ok := from[parent.Name]
	if !ok {
		return
	}
	to := container(dst, a, true)
	switch x := v.(type) {
	case Doc:
		sub, ok := x[a.Name]
		if !ok {
			return
		}
		obj, _ := to[parent.Name].(Doc)
		if obj == nil {
			obj = Doc{}
			to[parent.Name] = obj
		}
		obj[a.Name] = sub
	case []any:
		prev, _ := to[parent.Name].([]any)
		list := make([]any, len(x))
		for i, el := range x {
			var obj Doc
			if i < len(prev) {
				obj, _ = prev[i].(Doc)
			}
			if obj == nil {
				obj = Doc{}
			}
			if e, ok := el.(Doc); ok {
				if sub, ok := e[a.Name]; ok {
					obj[a.Name] = sub
				}
			}
			list[i] = obj
		}
		to[parent.Name] = list
	}
}

// removeAttr removes attribute a from doc, copying what it changes so that
// the original document is left alone.
func removeAttr(doc Doc, a *Attr) {
	if a.Returned == ReturnAlways {
		return
	}
	in := container(doc, a, false)
	if in == nil {
		return
	}
	if t := top(a); t.Schema != "" && t.Schema != UserSchema && t.Schema != GroupSchema {
		cp := make(Doc, len(in))
		for k, v := range in {
			cp[k] = v
		}
		doc[t.Schema] = cp
		in = cp
	}
	if a.Parent == nil {
		delete(in, a.Name)
		return
	}
	switch x := in[a.Parent.Name].(type) {
	case Doc:
		cp := make(Doc, len(x))
		for k, v := range x {
			if k != a.Name {
				cp[k] = v
			}
		}
		in[a.Parent.Name] = cp
	case []any:
		list := make([]any, len(x))
		for i, el := range x {
			e, _ := el.(Doc)
			cp := make(Doc, len(e))
			for k, v := range e {
				if k != a.Name {
					cp[k] = v
				}
			}
			list[i] = cp
		}
		in[a.Parent.Name] = list
	}
}
