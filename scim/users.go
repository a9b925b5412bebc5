package scim

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"golang.org/x/crypto/bcrypt"

	"github.com/scimd/scimd/mapping"
	"github.com/scimd/scimd/store"
)

// readUser reads and decodes a User document from a POST or PUT body.
func (s *Server) readUser(r *http.Request) (mapping.UserInput, mapping.Doc, error) {
	rt := s.reg.User
	body, err := s.readJSON(r)
	if err != nil {
		return mapping.UserInput{}, nil, err
	}
	if err := rt.CheckSchemas(body); err != nil {
		return mapping.UserInput{}, nil, err
	}
	if err := s.checkValueCounts(body); err != nil {
		return mapping.UserInput{}, nil, err
	}
	doc, err := rt.Normalize(body)
	if err != nil {
		return mapping.UserInput{}, nil, err
	}
	in, err := mapping.DecodeUser(doc)
	if err == nil {
		err = s.limits.CheckUser(in.User)
	}
	return in, doc, err
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

func (s *Server) hashPassword(pw string) (string, error) {
	if len(pw) > 72 {
		// bcrypt reads 72 bytes at most; refusing is better than ignoring the rest.
		return "", badRequest(typeInvalidValue, "password is longer than 72 bytes")
	}
	if pw == "" {
		return "", nil
	}
	h, err := bcrypt.GenerateFromPassword([]byte(pw), s.cfg.PasswordCost)
	return string(h), err
}

// userProjection reads attributes/excludedAttributes from the URL.
func (s *Server) userProjection(r *http.Request) mapping.Projection {
	q := r.URL.Query()
	return s.reg.User.ParseProjection(q.Get("attributes"), q.Get("excludedAttributes"))
}

// respondUser answers with a user as the request's projection asks.
func (s *Server) respondUser(w http.ResponseWriter, r *http.Request, status int, u *store.User) {
	base := baseURL(r)
	doc := mapping.EncodeUser(u, base)
	writeResource(w, status, s.userProjection(r).Apply(s.reg.User, doc), base+"/Users/"+u.ID, mapping.UserETag(u))
}

func (s *Server) createUser(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	in, _, err := s.readUser(r)
	if err == nil && in.Password != nil {
		in.User.PasswordHash, err = s.hashPassword(*in.Password)
	}
	if err == nil {
		in.User.TenantID = tenantID(ctx)
		err = s.store.CreateUser(ctx, in.User)
	}
	if err != nil {
		writeError(w, r, err)
		return
	}
	u := in.User
	if u.Enterprise.ManagerID != "" {
		// The manager's displayName is read from the manager.
		if full, err := s.store.GetUser(ctx, u.TenantID, u.ID, store.LoadAll); err == nil {
			u = full
		}
	}
	s.respondUser(w, r, http.StatusCreated, u)
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
	if errors.Is(err, store.ErrNotFound) {
		return notFound("%s %q does not exist", kind, id)
	}
	return err
}

// replaceUser is PUT (RFC 7644 §3.5.1): the body replaces every attribute
// the client may write; read-only ones are ignored; the password is kept
// unless the body sets one.
func (s *Server) replaceUser(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	in, doc, err := s.readUser(r)
	var hash string
	if err == nil && in.Password != nil {
		hash, err = s.hashPassword(*in.Password)
	}
	if err != nil {
		writeError(w, r, err)
		return
	}
	id := r.PathValue("id")
	u, err := s.store.UpdateUser(ctx, tenantID(ctx), id, func(u *store.User) error {
		if err := checkIfMatch(r, u.Meta.Version); err != nil {
			return err
		}
		if err := s.reg.User.CheckImmutable(mapping.EncodeUser(u, ""), doc); err != nil {
			return err
		}
		keep := u.PasswordHash
		*u = *in.User
		u.PasswordHash = keep
		if in.Password != nil {
			u.PasswordHash = hash
		}
		return nil
	})
	if err != nil {
		writeError(w, r, notFoundAs(err, "User", id))
		return
	}
	s.respondWithGroups(w, r, u)
}

// respondWithGroups answers a write with the whole user, groups included.
func (s *Server) respondWithGroups(w http.ResponseWriter, r *http.Request, u *store.User) {
	load := s.userProjection(r).UserLoad(s.reg.User)
	if load&store.LoadGroups != 0 {
		if full, err := s.store.GetUser(r.Context(), u.TenantID, u.ID, load); err == nil && full.Meta.Version == u.Meta.Version {
			u = full
		}
	}
	s.respondUser(w, r, http.StatusOK, u)
}

// patchUser is PATCH (RFC 7644 §3.5.2). The operations are parsed,
// resolved against the schema and any password in them hashed first; the
// store then applies them to the user's document (outside its write lock,
// see store.Users.UpdateUser), and the result is decoded and checked like
// a PUT body.
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
	hashes, removes, err := s.passwordHashes(steps)
	if err != nil {
		writeError(w, r, err)
		return
	}
	rules := s.patchRules(ctx, req)
	id := r.PathValue("id")
	u, err := s.store.UpdateUser(ctx, tenantID(ctx), id, func(u *store.User) error {
		if err := checkIfMatch(r, u.Meta.Version); err != nil {
			return err
		}
		before := mapping.EncodeUser(u, "")
		doc := mapping.EncodeUser(u, "")
		if err := applySteps(doc, steps, rules); err != nil {
			return err
		}
		if err := rt.CheckImmutable(before, doc); err != nil {
			return err
		}
		in, err := mapping.DecodeUser(doc)
		if err != nil {
			return err
		}
		if err := s.limits.CheckUser(in.User); err != nil {
			return err
		}
		hash := u.PasswordHash
		if removes {
			hash = ""
		}
		if in.Password != nil {
			if hash = hashes[*in.Password]; hash == "" && *in.Password != "" {
				return fmt.Errorf("patch: password set by no operation")
			}
		}
		*u = *in.User
		u.PasswordHash = hash
		return nil
	})
	if err != nil {
		writeError(w, r, notFoundAs(err, "User", id))
		return
	}
	s.respondWithGroups(w, r, u)
}

// patchRules are the rules a request's PATCH is applied by: its client's
// dialect and the server's limits.
func (s *Server) patchRules(ctx context.Context, req patchRequest) patchRules {
	d := dialectOf(ctx, req.capitalised)
	return patchRules{replaceCreates: d.replaceCreates, maxValues: s.cfg.MaxValues}
}

// passwordHashes hashes every password the steps may set, before anything
// is locked (bcrypt takes tens of milliseconds); removes reports a step
// that removes the password.
func (s *Server) passwordHashes(steps []step) (hashes map[string]string, removes bool, err error) {
	for _, st := range steps {
		if st.t.attr == nil || st.t.attr.Name != "password" || st.t.attr.Schema != mapping.UserSchema {
			continue
		}
		if st.op == "remove" {
			removes = true
			continue
		}
		pw, ok := st.value.(string)
		if !ok || hashes[pw] != "" {
			continue // not a string: DecodeUser refuses it
		}
		h, err := s.hashPassword(pw)
		if err != nil {
			return nil, false, err
		}
		if hashes == nil {
			hashes = map[string]string{}
		}
		hashes[pw] = h
	}
	return hashes, removes, nil
}

func (s *Server) deleteUser(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	err := s.store.DeleteUser(r.Context(), tenantID(r.Context()), id, func(u *store.User) error {
		return checkIfMatch(r, u.Meta.Version)
	})
	if err != nil {
		writeError(w, r, notFoundAs(err, "User", id))
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
