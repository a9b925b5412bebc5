package scim

import (
	"context"
	"net/http"
	"slices"
	"strings"

	filter "github.com/scim2/filter-parser/v2"

	"github.com/scimd/scimd/account"
	"github.com/scimd/scimd/mapping"
	"github.com/scimd/scimd/store"
)

func (s *Server) readGroup(r *http.Request) (account.GroupInput, mapping.Doc, error) {
	rt := s.reg.Group
	body, err := s.readJSON(r)
	if err != nil {
		return account.GroupInput{}, nil, err
	}
	if err := rt.CheckSchemas(body); err != nil {
		return account.GroupInput{}, nil, err
	}
	doc, err := rt.Normalize(body)
	if err != nil {
		return account.GroupInput{}, nil, err
	}
	in, err := decodeGroup(doc)
	return in, doc, err
}

// decodeGroup turns a normalized Group document into the account layer's
// input.
func decodeGroup(doc mapping.Doc) (account.GroupInput, error) {
	g, err := mapping.DecodeGroup(doc)
	if err != nil {
		return account.GroupInput{}, err
	}
	d, err := mapping.DecodeAccountGroup(doc)
	if err != nil {
		return account.GroupInput{}, err
	}
	return account.GroupInput{Group: g, Domain: d}, nil
}

// encodeGroup renders a group with its account extension when loaded.
func (s *Server) encodeGroup(ctx context.Context, g *store.Group, base string) (mapping.Doc, error) {
	doc := mapping.EncodeGroup(g, base)
	if g.Domain != nil {
		v, err := s.acct.GroupView(ctx, g.TenantID, g)
		if err != nil {
			return nil, err
		}
		mapping.EncodeAccountGroup(doc, v)
	}
	return doc, nil
}

func (s *Server) groupProjection(r *http.Request) mapping.Projection {
	q := r.URL.Query()
	return s.reg.Group.ParseProjection(q.Get("attributes"), q.Get("excludedAttributes"))
}

func (s *Server) respondGroup(w http.ResponseWriter, r *http.Request, status int, g *store.Group) {
	base := baseURL(r)
	doc, err := s.encodeGroup(r.Context(), g, base)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeResource(w, status, s.groupProjection(r).Apply(s.reg.Group, doc), base+"/Groups/"+g.ID, mapping.GroupETag(g))
}

func (s *Server) createGroup(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	in, _, err := s.readGroup(r)
	var g *store.Group
	if err == nil {
		g, err = s.acct.CreateGroup(ctx, actor(ctx), tenantID(ctx), in)
	}
	if err != nil {
		writeError(w, r, err)
		return
	}
	if g.Members == nil {
		g.Members = []store.Member{}
	}
	if in.Domain != nil {
		if full, err := s.store.GetGroup(ctx, g.TenantID, g.ID, store.LoadMembers|store.LoadDomain); err == nil {
			g = full
		}
	}
	s.respondGroup(w, r, http.StatusCreated, g)
}

func (s *Server) getGroup(w http.ResponseWriter, r *http.Request) {
	load := s.groupProjection(r).GroupLoad(s.reg.Group)
	g, err := s.store.GetGroup(r.Context(), tenantID(r.Context()), r.PathValue("id"), load)
	if err != nil {
		writeError(w, r, notFoundAs(err, "Group", r.PathValue("id")))
		return
	}
	if notModified(w, r, mapping.GroupETag(g)) {
		return
	}
	s.respondGroup(w, r, http.StatusOK, g)
}

// replaceGroup is PUT: attributes and the member list are replaced. Only
// the difference between the old and new member lists is written.
func (s *Server) replaceGroup(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	in, doc, err := s.readGroup(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	ids := make([]string, len(in.Group.Members))
	for i, m := range in.Group.Members {
		ids[i] = m.ID
	}
	id := r.PathValue("id")
	g, err := s.acct.UpdateGroup(ctx, actor(ctx), tenantID(ctx), id, expect(r), func(old *store.Group) (account.GroupInput, error) {
		if err := s.reg.Group.CheckImmutable(mapping.EncodeGroup(old, ""), doc); err != nil {
			return account.GroupInput{}, err
		}
		return in, nil
	}, []account.MemberOp{{Replace: &ids}})
	if err != nil {
		writeError(w, r, notFoundAs(err, "Group", id))
		return
	}
	s.respondGroupAfterWrite(w, r, g)
}

// respondGroupAfterWrite answers PUT and PATCH. A group's members can be
// many, so PATCH answers 204 unless the request asks for attributes
// (RFC 7644 §3.5.2 allows either); PUT returns the group.
func (s *Server) respondGroupAfterWrite(w http.ResponseWriter, r *http.Request, g *store.Group) {
	p := s.groupProjection(r)
	if r.Method == http.MethodPatch && p.IsZero() {
		w.Header().Set("ETag", mapping.GroupETag(g))
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if load := p.GroupLoad(s.reg.Group); load != 0 {
		full, err := s.store.GetGroup(r.Context(), g.TenantID, g.ID, load)
		if err != nil {
			writeError(w, r, err)
			return
		}
		g = full
	}
	s.respondGroup(w, r, http.StatusOK, g)
}

// memberOp is a PATCH operation on members, carried out as row changes.
// Its member ids are decoded when the request is read, before anything is
// locked.
type memberOp struct {
	op     patchOp
	filter filter.Expression
	value  any
	ids    []string
}

// splitGroupPatch separates operations on members from the others.
func (s *Server) splitGroupPatch(ops []patchOp) (members []memberOp, rest []patchOp, err error) {
	rt := s.reg.Group
	for _, op := range ops {
		if op.path == "" {
			obj, ok := op.value.(map[string]any)
			if !ok {
				return nil, nil, badRequest(typeInvalidValue, "Operations[%d]: without a path, the value must be an object of attributes", op.n)
			}
			other := map[string]any{}
			for k, v := range obj {
				if strings.EqualFold(k, "members") {
					members = append(members, memberOp{op: op, value: v})
				} else {
					other[k] = v
				}
			}
			if len(other) > 0 {
				op.value = other
				rest = append(rest, op)
			}
			continue
		}
		t, _, err := resolvePath(rt, op.n, op.path)
		if err != nil {
			return nil, nil, err
		}
		if t.attr == nil || t.attr.Name != "members" {
			rest = append(rest, op)
			continue
		}
		if t.sub != nil {
			return nil, nil, badRequest(typeMutability, "Operations[%d]: members' sub-attributes cannot be changed; add or remove the member instead", op.n)
		}
		if t.filter != nil && op.op != "remove" {
			return nil, nil, badRequest(typeInvalidPath, "Operations[%d]: a members filter can only be used to remove members", op.n)
		}
		members = append(members, memberOp{op: op, filter: t.filter, value: op.value})
	}
	for i := range members {
		if members[i].value == nil {
			continue
		}
		list, err := mapping.DecodeMembers(members[i].value)
		if err != nil {
			return nil, nil, err
		}
		for _, mem := range list {
			members[i].ids = append(members[i].ids, mem.ID)
		}
	}
	return coalesce(members), rest, nil
}

// coalesce merges runs of operations that add members, or that remove
// listed members, into one operation each, so that a PATCH of many small
// operations costs a few statements, not one per operation.
func coalesce(ops []memberOp) []memberOp {
	kind := func(mo memberOp) string {
		switch {
		case mo.filter != nil:
			return ""
		case mo.op.op == "add":
			return "add"
		case mo.op.op == "remove" && mo.value != nil:
			return "remove"
		}
		return ""
	}
	var out []memberOp
	for _, mo := range ops {
		if n := len(out); n > 0 && kind(mo) != "" && kind(out[n-1]) == kind(mo) {
			out[n-1].ids = append(out[n-1].ids, mo.ids...)
			continue
		}
		mo.ids = slices.Clone(mo.ids)
		out = append(out, mo)
	}
	return out
}

// accountOps turns PATCH member operations into the account layer's. The
// filter IdPs send to remove members, value eq "id" (possibly or-ed), is a
// row delete; any other filter is evaluated over the member list. Removing
// a member that is already gone succeeds, so that an IdP's retry does not
// fail.
func (s *Server) accountOps(mos []memberOp) []account.MemberOp {
	members := s.reg.Group.Schema.Attr("members")
	ops := make([]account.MemberOp, 0, len(mos))
	for _, mo := range mos {
		switch {
		case mo.filter != nil:
			if ids, ok := valueEqualities(mo.filter); ok {
				ops = append(ops, account.MemberOp{Remove: ids})
				continue
			}
			f := mo.filter
			ops = append(ops, account.MemberOp{RemoveWhere: func(m store.Member) (bool, error) {
				return matchElement(members, map[string]any{"value": m.ID, "type": m.Type, "display": m.Display}, f)
			}})
		case mo.op.op == "add":
			ops = append(ops, account.MemberOp{Add: mo.ids})
		case mo.op.op == "replace":
			ids := mo.ids
			ops = append(ops, account.MemberOp{Replace: &ids})
		case mo.value != nil:
			// Entra ID: {"op":"Remove","path":"members","value":[{"value":id}]}
			// removes only the listed members.
			ops = append(ops, account.MemberOp{Remove: mo.ids})
		default:
			ops = append(ops, account.MemberOp{RemoveAll: true})
		}
	}
	return ops
}

// valueEqualities recognises value eq "a" [or value eq "b" ...].
func valueEqualities(f filter.Expression) ([]string, bool) {
	switch f := f.(type) {
	case *filter.AttributeExpression:
		v, ok := f.CompareValue.(string)
		if f.Operator != filter.EQ || !ok || !strings.EqualFold(f.AttributePath.AttributeName, "value") || f.AttributePath.SubAttribute != nil {
			return nil, false
		}
		return []string{v}, true
	case *filter.LogicalExpression:
		if f.Operator != filter.OR {
			return nil, false
		}
		l, ok1 := valueEqualities(f.Left)
		r, ok2 := valueEqualities(f.Right)
		return append(l, r...), ok1 && ok2
	}
	return nil, false
}

// patchGroup is PATCH on a group: member operations are row inserts and
// deletes; other operations go through the document engine.
func (s *Server) patchGroup(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	body, err := s.readJSON(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	req, err := parsePatch(body, s.cfg.MaxOperations)
	if err != nil {
		writeError(w, r, err)
		return
	}
	memberOps, restOps, err := s.splitGroupPatch(req.ops)
	if err != nil {
		writeError(w, r, err)
		return
	}
	rest, err := compilePatch(s.reg.Group, restOps)
	if err != nil {
		writeError(w, r, err)
		return
	}
	rules := s.patchRules(ctx, req)
	id := r.PathValue("id")
	ops := s.accountOps(memberOps)
	var g *store.Group
	if len(rest) == 0 && r.Header.Get("If-Match") == "" {
		// Only members change: row inserts and deletes that need not hold
		// the group's lock (Okta and Entra send these most of all).
		g, err = s.acct.EditMembers(ctx, actor(ctx), tenantID(ctx), id, ops)
	} else {
		g, err = s.acct.UpdateGroup(ctx, actor(ctx), tenantID(ctx), id, expect(r), s.groupCompute(ctx, rest, rules), ops)
	}
	if err != nil {
		writeError(w, r, notFoundAs(err, "Group", id))
		return
	}
	s.respondGroupAfterWrite(w, r, g)
}

// groupCompute applies a PATCH's attribute steps to a group (nil when there
// are none): the account layer runs it under the group's lock.
func (s *Server) groupCompute(ctx context.Context, rest []step, rules patchRules) func(*store.Group) (account.GroupInput, error) {
	if len(rest) == 0 {
		return nil
	}
	rt := s.reg.Group
	return func(g *store.Group) (account.GroupInput, error) {
		before := mapping.EncodeGroup(g, "")
		doc, err := s.encodeGroup(ctx, g, "")
		if err != nil {
			return account.GroupInput{}, err
		}
		if err := applySteps(doc, rest, rules); err != nil {
			return account.GroupInput{}, err
		}
		if err := rt.CheckImmutable(before, doc); err != nil {
			return account.GroupInput{}, err
		}
		return decodeGroup(doc)
	}
}

func (s *Server) deleteGroup(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id := r.PathValue("id")
	if err := s.acct.DeleteGroup(ctx, actor(ctx), tenantID(ctx), id, expect(r)); err != nil {
		writeError(w, r, notFoundAs(err, "Group", id))
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
