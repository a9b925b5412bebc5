package scim

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/scimd/scimd/account"
	"github.com/scimd/scimd/mapping"
	"github.com/scimd/scimd/store"
)

// readUser reads and decodes a User document from a POST or PUT body.
func (s *Server) readUser(r *http.Request) (account.UserInput, mapping.Doc, error) {
	rt := s.reg.User
	body, err := s.readJSON(r)
	if err != nil {
		return account.UserInput{}, nil, err
	}
	if err := rt.CheckSchemas(body); err != nil {
		return account.UserInput{}, nil, err
	}
	if err := s.checkValueCounts(body); err != nil {
		return account.UserInput{}, nil, err
	}
	doc, err := rt.Normalize(body)
	if err != nil {
		return account.UserInput{}, nil, err
	}
	in, err := decodeUser(doc)
	return in, doc, err
}

// decodeUser turns a normalized User document into the account layer's
// input: the record, the password and the account extension.
func decodeUser(doc mapping.Doc) (account.UserInput, error) {
	mu, err := mapping.DecodeUser(doc)
	if err != nil {
		return account.UserInput{}, err
	}
	d, err := mapping.DecodeAccountUser(doc)
	if err != nil {
		return account.UserInput{}, err
	}
	return account.UserInput{User: mu.User, Password: mu.Password, Domain: d}, nil
}

// checkValueCounts refuses a user body with more values in one array than
// MaxValues before any work is spent on them (duplicates count: a body of
// 20,000 copies of one email is hostile, not a user).
func (s *Server) checkValueCounts(body mapping.Doc) error {
	for k, v := range body {
		switch x := v.(type) {
		case []any:
			if len(x) > s.cfg.MaxValues && !strings.EqualFold(k, "schemas") {
				return badRequest(typeInvalidValue, "%s has %d values: at most %d are allowed", k, len(x), s.cfg.MaxValues)
			}
		case map[string]any:
			if strings.HasPrefix(strings.ToLower(k), "urn:") {
				if err := s.checkValueCounts(x); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// userProjection reads attributes/excludedAttributes from the URL.
func (s *Server) userProjection(r *http.Request) mapping.Projection {
	q := r.URL.Query()
	return s.reg.User.ParseProjection(q.Get("attributes"), q.Get("excludedAttributes"))
}

// encodeUser renders a user as the projection asks, with the account
// extension when it was loaded (and the effective access when asked).
func (s *Server) encodeUser(ctx context.Context, u *store.User, base string, p mapping.Projection) (mapping.Doc, error) {
	doc := mapping.EncodeUser(u, base)
	if u.Domain != nil {
		v, err := s.acct.View(ctx, u.TenantID, u)
		if err != nil {
			return nil, err
		}
		var acc *account.Access
		if s.wantsAccess(p) {
			a, err := s.acct.Access(ctx, account.Operator(), u.TenantID, u.ID)
			if err != nil {
				return nil, err
			}
			acc = &a
		}
		mapping.EncodeAccountUser(doc, v, acc)
	}
	return p.Apply(s.reg.User, doc), nil
}

// renderUser is encodeUser for the read paths: with no projection asked
// for, the user's whole document is encoded straight to JSON, as
// json.Marshal would write encodeUser's map (mapping.AppendUserJSON).
func (s *Server) renderUser(ctx context.Context, u *store.User, base string, p mapping.Projection) (any, error) {
	if !p.IsZero() {
		return s.encodeUser(ctx, u, base, p)
	}
	var view *account.UserView
	if u.Domain != nil {
		v, err := s.acct.View(ctx, u.TenantID, u)
		if err != nil {
			return nil, err
		}
		view = &v
	}
	return json.RawMessage(mapping.AppendUserJSON(make([]byte, 0, 1536), u, base, view)), nil
}

// wantsAccess reports whether the client asked for the computed access
// attributes of the account extension (returned only on request).
func (s *Server) wantsAccess(p mapping.Projection) bool {
	for _, a := range []string{"effectiveRoles", "permissions", "accessNodes"} {
		if p.Requests(s.reg.User, mapping.AccountUserSchema+":"+a) {
			return true
		}
	}
	return false
}

// respondUser answers with a user as the request's projection asks.
func (s *Server) respondUser(w http.ResponseWriter, r *http.Request, status int, u *store.User) {
	base := baseURL(r)
	doc, err := s.renderUser(r.Context(), u, base, s.userProjection(r))
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeResource(w, status, doc, base+"/Users/"+u.ID, mapping.UserETag(u))
}

func (s *Server) createUser(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	in, _, err := s.readUser(r)
	var u *store.User
	if err == nil {
		u, err = s.acct.CreateUser(ctx, actor(ctx), tenantID(ctx), in)
	}
	if err != nil {
		writeError(w, r, err)
		return
	}
	if u.Domain != nil {
		// The account layer returned all of the new user (it is in no
		// group yet): no need to read it back.
		s.respondUser(w, r, http.StatusCreated, u)
		return
	}
	s.respondAfterWrite(w, r, http.StatusCreated, u)
}

func (s *Server) getUser(w http.ResponseWriter, r *http.Request) {
	load := s.userProjection(r).UserLoad(s.reg.User)
	u, err := s.store.GetUser(r.Context(), tenantID(r.Context()), r.PathValue("id"), load)
	if err != nil {
		writeError(w, r, notFoundAs(err, "User", r.PathValue("id")))
		return
	}
	if notModified(w, r, mapping.UserETag(u)) {
		return
	}
	s.respondUser(w, r, http.StatusOK, u)
}

// notFoundAs names the missing resource in a 404's detail.
func notFoundAs(err error, kind, id string) error {
	if errors.Is(err, store.ErrNotFound) || account.KindOf(err) == account.NotFound && !isAccountError(err) {
		return notFound("%s %q does not exist", kind, id)
	}
	return err
}

func isAccountError(err error) bool {
	var e *account.Error
	return errors.As(err, &e)
}

// replaceUser is PUT (RFC 7644 §3.5.1): the body replaces every attribute
// the client may write; read-only ones are ignored; the password is kept
// unless the body sets one; the account extension is left alone unless the
// body carries it.
func (s *Server) replaceUser(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	in, doc, err := s.readUser(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	id := r.PathValue("id")
	u, err := s.acct.UpdateUser(ctx, actor(ctx), tenantID(ctx), id, expect(r), func(old *store.User) (account.UserInput, error) {
		if err := s.reg.User.CheckImmutable(mapping.EncodeUser(old, ""), doc); err != nil {
			return account.UserInput{}, err
		}
		// The input is reused when the account layer runs this again.
		cp := in
		cp.User = store.CloneUser(in.User)
		return cp, nil
	})
	if err != nil {
		writeError(w, r, notFoundAs(err, "User", id))
		return
	}
	s.respondAfterWrite(w, r, http.StatusOK, u)
}

// respondAfterWrite answers a write with the whole user as stored: groups,
// manager display name and the account extension are read again.
func (s *Server) respondAfterWrite(w http.ResponseWriter, r *http.Request, status int, u *store.User) {
	load := s.userProjection(r).UserLoad(s.reg.User) | store.LoadValues | store.LoadAddresses
	if full, err := s.store.GetUser(r.Context(), u.TenantID, u.ID, load); err == nil && full.Meta.Version == u.Meta.Version {
		u = full
	}
	s.respondUser(w, r, status, u)
}

// patchUser is PATCH (RFC 7644 §3.5.2). The operations are parsed and
// resolved against the schema first; the account layer then applies them
// to the user's document (outside any write lock) and checks the result
// like a PUT body.
func (s *Server) patchUser(w http.ResponseWriter, r *http.Request) {
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
	rt := s.reg.User
	steps, err := compilePatch(rt, req.ops)
	if err != nil {
		writeError(w, r, err)
		return
	}
	removes := removesPassword(steps)
	rules := s.patchRules(ctx, req)
	id := r.PathValue("id")
	u, err := s.acct.UpdateUser(ctx, actor(ctx), tenantID(ctx), id, expect(r), func(old *store.User) (account.UserInput, error) {
		before := mapping.EncodeUser(old, "")
		doc := mapping.EncodeUser(old, "")
		if old.Domain != nil {
			v, err := s.acct.View(ctx, old.TenantID, old)
			if err != nil {
				return account.UserInput{}, err
			}
			mapping.EncodeAccountUser(doc, v, nil)
		}
		if err := applySteps(doc, steps, rules); err != nil {
			return account.UserInput{}, err
		}
		if err := rt.CheckImmutable(before, doc); err != nil {
			return account.UserInput{}, err
		}
		in, err := decodeUser(doc)
		if err != nil {
			return account.UserInput{}, err
		}
		if in.Password == nil && removes {
			empty := ""
			in.Password = &empty
		}
		return in, nil
	})
	if err != nil {
		writeError(w, r, notFoundAs(err, "User", id))
		return
	}
	s.respondAfterWrite(w, r, http.StatusOK, u)
}

// patchRules are the rules a request's PATCH is applied by: its client's
// dialect and the server's limits.
func (s *Server) patchRules(ctx context.Context, req patchRequest) patchRules {
	d := dialectOf(ctx, req.capitalised)
	return patchRules{replaceCreates: d.replaceCreates, maxValues: s.cfg.MaxValues}
}

// removesPassword reports whether a step removes the password.
func removesPassword(steps []step) bool {
	for _, st := range steps {
		if st.op == "remove" && st.t.attr != nil && st.t.attr.Name == "password" && st.t.attr.Schema == mapping.UserSchema {
			return true
		}
	}
	return false
}

func (s *Server) deleteUser(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id := r.PathValue("id")
	if err := s.acct.DeleteUser(ctx, actor(ctx), tenantID(ctx), id, expect(r)); err != nil {
		writeError(w, r, notFoundAs(err, "User", id))
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
