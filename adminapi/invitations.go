package adminapi

import (
	"net/http"

	"github.com/scimd/scimd/account"
)

// maxInvitations bounds one POST /invitations: all of them are written in
// one transaction.
const maxInvitations = 500

// invite is POST /api/v1/invitations: a JSON array of people, answered 201
// with the invited users (a JSON array in the same order). All or nothing:
// one refused invitation refuses the batch, and the message says which.
func (a *API) invite(w http.ResponseWriter, r *http.Request, s *session) error {
	raw, err := readBody(r)
	if err != nil {
		return err
	}
	els, err := array(raw, "")
	if err != nil {
		return invalid("", "the request body must be a JSON array of invitations, each {\"name\",\"email\",\"roles\",\"teams\",\"agentIds\"}")
	}
	if len(els) > maxInvitations {
		return invalid("", "%d invitations in one request: at most %d are allowed", len(els), maxInvitations)
	}
	invites := make([]account.Invite, 0, len(els))
	for i, el := range els {
		o, err := object(el, itemPath("", i), []string{"name", "email", "roles", "teams", "agentIds"}, nil)
		if err != nil {
			return err
		}
		var inv account.Invite
		name, err := o.str("name")
		if err != nil {
			return err
		}
		inv.Name = name.V
		if inv.Email, err = o.required("email"); err != nil {
			return err
		}
		roles, err := o.strs("roles")
		if err != nil {
			return err
		}
		inv.Roles = roles.V
		d := &account.DomainInput{}
		teams, err := seatsField(o, "teams")
		if err != nil {
			return err
		}
		if len(teams.V) > 0 {
			d.Teams = &teams.V
		}
		ids, err := agentIDsField(o, "agentIds")
		if err != nil {
			return err
		}
		if len(ids.V) > 0 {
			d.AgentIDs = &ids.V
		}
		inv.Domain = d
		invites = append(invites, inv)
	}
	users, err := a.acct.InviteUsers(r.Context(), s.actor, s.tenant(), invites)
	if err != nil {
		return err
	}
	docs, err := a.userDocs(r.Context(), s, users)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, docs)
	return nil
}

func (a *API) resendInvitation(w http.ResponseWriter, r *http.Request, s *session) error {
	id := r.PathValue("id")
	if err := a.acct.ResendInvitation(r.Context(), s.actor, s.tenant(), id); err != nil {
		return notFoundAs(err, "user", id)
	}
	return noContent(w)
}

func (a *API) cancelInvitation(w http.ResponseWriter, r *http.Request, s *session) error {
	id := r.PathValue("id")
	if err := a.acct.CancelInvitation(r.Context(), s.actor, s.tenant(), id); err != nil {
		return notFoundAs(err, "user", id)
	}
	return noContent(w)
}

// transferOwner is POST /api/v1/owner: {"userId":ID,"formerOwner":{"roles":
// [...]}} keeps the former Owner with those roles, {"formerOwner":
// {"delete":true}} deletes it, in the transfer's transaction. It answers
// with the new Owner.
func (a *API) transferOwner(w http.ResponseWriter, r *http.Request, s *session) error {
	o, err := readObject(r, []string{"userId", "formerOwner"}, nil)
	if err != nil {
		return err
	}
	to, err := o.required("userId")
	if err != nil {
		return err
	}
	f, err := o.child("formerOwner", []string{"roles", "delete"})
	if err != nil {
		return err
	}
	if !f.Set || f.Null {
		return invalid("formerOwner", "formerOwner is required: {\"roles\":[...]} for the roles the former Owner keeps, or {\"delete\":true}")
	}
	roles, err := f.V.strs("roles")
	if err != nil {
		return err
	}
	del, err := f.V.boolean("delete")
	if err != nil {
		return err
	}
	if del.V && len(roles.V) > 0 {
		return invalid("formerOwner", "formerOwner either keeps roles or is deleted, not both")
	}
	if !del.V && !roles.Set {
		return invalid("formerOwner", "formerOwner needs \"roles\" (the roles the former Owner keeps, [] for none) or \"delete\": true")
	}
	// The new Owner is named in the body; another tenant's user (or none)
	// is a 404 like everywhere else, not a hint that it exists.
	if _, err := a.acct.GetUser(r.Context(), s.actor, s.tenant(), to); err != nil {
		return notFoundAs(err, "user", to)
	}
	if err := a.acct.TransferOwner(r.Context(), s.actor, s.tenant(), to, account.FormerOwner{Roles: roles.V, Delete: del.V}); err != nil {
		return err
	}
	return a.respondUser(w, r, s, http.StatusOK, to)
}
