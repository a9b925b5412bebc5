package scim

import (
	"context"
	"net/http"
	"slices"
	"strings"

	filter "github.com/scim2/filter-parser/v2"

	"github.com/scimd/scimd/mapping"
	"github.com/scimd/scimd/store"
)

func (s *Server) readGroup(r *http.Request) (*store.Group, mapping.Doc, error) {
	rt := s.reg.Group
	body, err := s.readJSON(r)
	if err != nil {
		return nil, nil, err
	}
	if err := rt.CheckSchemas(body); err != nil {
		return nil, nil, err
	}
	doc, err := rt.Normalize(body)
	if err != nil {
		return nil, nil, err
	}
	g, err := mapping.DecodeGroup(doc)
	if err == nil {
		err = s.limits.CheckGroup(g)
	}
	return g, doc, err
}

func (s *Server) groupProjection(r *http.Request) mapping.Projection {
	q := r.URL.Query()
	return s.reg.Group.ParseProjection(q.Get("attributes"), q.Get("excludedAttributes"))
}

func (s *Server) respondGroup(w http.ResponseWriter, r *http.Request, status int, g *store.Group) {
	base := baseURL(r)
	doc := mapping.EncodeGroup(g, base)
	writeResource(w, status, s.groupProjection(r).Apply(s.reg.Group, doc), base+"/Groups/"+g.ID, mapping.GroupETag(g))
}

func (s *Server) createGroup(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	g, _, err := s.readGroup(r)
	if err == nil {
		g.TenantID = tenantID(ctx)
		err = s.store.CreateGroup(ctx, g)
	}
	if err != nil {
		writeError(w, r, err)
		return
	}
	if g.Members == nil {
		g.Members = []store.Member{}
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
	id := r.PathValue("id")
	g, err := s.store.UpdateGroup(ctx, tenantID(ctx), id, func(g *store.Group, m store.Members) error {
		if err := checkIfMatch(r, g.Meta.Version); err != nil {
			return err
		}
		if err := s.reg.Group.CheckImmutable(mapping.EncodeGroup(g, ""), doc); err != nil {
			return err
		}
		g.DisplayName, g.ExternalID = in.DisplayName, in.ExternalID
		current, err := m.List(ctx)
		if err != nil {
			return err
		}
		want := map[string]bool{}
		for _, mem := range in.Members {
			want[mem.ID] = true
		}
		var drop []string
		for _, mem := range current {
			if !want[mem.ID] {
				drop = append(drop, mem.ID)
			}
			delete(want, mem.ID)
		}
		var add []string
		for _, mem := range in.Members {
			if want[mem.ID] {
				add = append(add, mem.ID)
			}
		}
		if err := m.Remove(ctx, drop); err != nil {
			return err
		}
		return m.Add(ctx, add)
	})
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
	if p.GroupLoad(s.reg.Group) != 0 {
		full, err := s.store.GetGroup(r.Context(), g.TenantID, g.ID, store.LoadMembers)
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

// applyMemberOp carries out one members operation with row changes.
func (s *Server) applyMemberOp(ctx context.Context, m store.Members, mo memberOp) error {
	ids := mo.ids
	switch {
	case mo.filter != nil:
		return s.removeMatching(ctx, m, mo)
	case mo.op.op == "add":
		return m.Add(ctx, ids)
	case mo.op.op == "replace":
		if err := m.RemoveAll(ctx); err != nil {
			return err
		}
		return m.Add(ctx, ids)
	case mo.value != nil:
		// Entra ID: {"op":"Remove","path":"members","value":[{"value":id}]}
		// removes only the listed members.
		return m.Remove(ctx, ids)
	default:
		return m.RemoveAll(ctx)
	}
}

// removeMatching removes the members a filter selects. The filter IdPs
// send, value eq "id" (possibly or-ed), is a row delete; anything else is
// evaluated over the member list. Removing a member that is already gone
// succeeds, so that an IdP's retry does not fail.
func (s *Server) removeMatching(ctx context.Context, m store.Members, mo memberOp) error {
	if ids, ok := valueEqualities(mo.filter); ok {
		return m.Remove(ctx, ids)
	}
	current, err := m.List(ctx)
	if err != nil {
		return err
	}
	members := s.reg.Group.Schema.Attr("members")
	var drop []string
	for _, mem := range current {
		el := map[string]any{"value": mem.ID, "type": mem.Type, "display": mem.Display}
		ok, err := matchElement(members, el, mo.filter)
		if err != nil {
			return err
		}
		if ok {
			drop = append(drop, mem.ID)
		}
	}
	return m.Remove(ctx, drop)
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
	var g *store.Group
	if len(rest) == 0 && r.Header.Get("If-Match") == "" {
		// Only members change: row inserts and deletes that need not hold
		// the group's lock (Okta and Entra send these most of all).
		g, err = s.store.EditMembers(ctx, tenantID(ctx), id, func(m store.Members) error {
			for _, mo := range memberOps {
				if err := s.applyMemberOp(ctx, m, mo); err != nil {
					return err
				}
			}
			return nil
		})
	} else {
		g, err = s.updateGroupPatch(ctx, r, id, rest, rules, memberOps)
	}
	if err != nil {
		writeError(w, r, notFoundAs(err, "Group", id))
		return
	}
	s.respondGroupAfterWrite(w, r, g)
}

// updateGroupPatch applies a PATCH that changes attributes or carries
// If-Match, holding the group's row lock throughout.
func (s *Server) updateGroupPatch(ctx context.Context, r *http.Request, id string, rest []step, rules patchRules, memberOps []memberOp) (*store.Group, error) {
	rt := s.reg.Group
	return s.store.UpdateGroup(ctx, tenantID(ctx), id, func(g *store.Group, m store.Members) error {
		if err := checkIfMatch(r, g.Meta.Version); err != nil {
			return err
		}
		if len(rest) > 0 {
			before := mapping.EncodeGroup(g, "")
			doc := mapping.EncodeGroup(g, "")
			if err := applySteps(doc, rest, rules); err != nil {
				return err
			}
			if err := rt.CheckImmutable(before, doc); err != nil {
				return err
			}
			in, err := mapping.DecodeGroup(doc)
			if err == nil {
				err = s.limits.CheckGroup(in)
			}
			if err != nil {
				return err
			}
			g.DisplayName, g.ExternalID = in.DisplayName, in.ExternalID
		}
		for _, mo := range memberOps {
			if err := s.applyMemberOp(ctx, m, mo); err != nil {
				return err
			}
		}
		return nil
	})
}

func (s *Server) deleteGroup(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	err := s.store.DeleteGroup(r.Context(), tenantID(r.Context()), id, func(g *store.Group) error {
		return checkIfMatch(r, g.Meta.Version)
	})
	if err != nil {
		writeError(w, r, notFoundAs(err, "Group", id))
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
