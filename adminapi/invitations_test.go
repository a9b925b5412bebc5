package adminapi_test

import (
	"encoding/json"
	"testing"
)

func TestInvitations(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		o := e.ownerc()
		team := o.post("/api/v1/teams", map[string]any{"name": "Night shift"}).want(201).obj()["id"].(string)
		r := o.post("/api/v1/invitations", []any{
			map[string]any{"name": "Lea Lead", "email": "lea@example.com", "roles": []string{"Team Leader"},
				"teams": []any{map[string]any{"name": "Night shift", "leader": true}}},
			map[string]any{"name": "Abe Agent", "email": "abe@example.com", "roles": []string{"Agent"},
				"agentIds": []any{map[string]any{"system": "chat", "value": "77"}}, "teams": []any{map[string]any{"id": team}}},
		}).want(201)
		var users []map[string]any
		if err := json.Unmarshal(r.body, &users); err != nil || len(users) != 2 {
			t.Fatalf("invitations answer %s: want an array of the two invited users", r.body)
		}
		lea, abe := users[0], users[1]
		if lea["state"] != "invited" || lea["email"] != "lea@example.com" || lea["name"] != "Lea Lead" ||
			!eqStrings(strs(t, lea["roles"]), []string{"Team Leader"}) || lea["teams"].([]any)[0].(map[string]any)["leader"] != true {
			t.Errorf("lea = %v", lea)
		}
		if abe["agentIds"].([]any)[0].(map[string]any)["value"] != "77" || abe["teams"].([]any)[0].(map[string]any)["id"] != team {
			t.Errorf("abe = %v", abe)
		}
		mails, err := e.st.Reader().Mails(t.Context(), e.tenant, 10)
		if err != nil || len(mails) != 2 {
			t.Fatalf("mails %v %v, want two invitations queued", mails, err)
		}

		leaID, abeID := lea["id"].(string), abe["id"].(string)
		o.post("/api/v1/invitations/"+leaID+"/resend", nil).want(204)
		if mails, _ := e.st.Reader().Mails(t.Context(), e.tenant, 10); len(mails) != 3 || mails[0].To != "lea@example.com" {
			t.Errorf("after resend: %d mails, newest to %q", len(mails), mails[0].To)
		}
		o.del("/api/v1/invitations/" + abeID).want(204)
		o.get("/api/v1/users/"+abeID).wantError(404, "not_found")
		o.del("/api/v1/invitations/"+abeID).wantError(404, "not_found")
		o.post("/api/v1/invitations/nobody/resend", nil).wantError(404, "not_found")

		// Active users have no invitation to resend or cancel.
		o.post("/api/v1/invitations/"+e.owner+"/resend", nil).wantError(400, "invalid", "accepted")
		o.del("/api/v1/invitations/"+e.owner).wantError(400, "invalid", "not invited")

		// All or nothing, and the message says which invitation failed.
		o.post("/api/v1/invitations", []any{map[string]any{"email": "new@example.com"}, map[string]any{"email": "lea@example.com"}}).
			wantError(409, "conflict", "invitation 2", "already a user")
		o.post("/api/v1/invitations", []any{map[string]any{"email": "x@example.com"}, map[string]any{"email": "X@example.com"}}).
			wantError(400, "invalid", "invited twice")
		o.post("/api/v1/invitations", []any{map[string]any{"email": "y@example.com", "roles": []string{"Wizard"}}}).
			wantError(400, "invalid", "Wizard")
		o.post("/api/v1/invitations", []any{map[string]any{"name": "no email"}}).wantError(400, "invalid", "[0].email is required")
		o.post("/api/v1/invitations", []any{map[string]any{"email": "z@example.com", "password": "x"}}).wantError(400, "invalid", `unknown field "password"`)
		o.post("/api/v1/invitations", map[string]any{"email": "z@example.com"}).wantError(400, "invalid", "JSON array")
		o.post("/api/v1/invitations", []any{}).wantError(400, "invalid", "at least one")
		if l := o.get("/api/v1/users?state=invited").want(200).items(); len(l) != 1 {
			t.Errorf("refused batches left invited users: %v", l)
		}
		// Only the Owner may grant Admin, also by invitation.
		_, cookie := e.admin("adam")
		e.as(cookie).post("/api/v1/invitations", []any{map[string]any{"email": "boss@example.com", "roles": []string{"Admin"}}}).
			wantError(403, "forbidden", "only the Owner")
	})
}

func TestTransferOwner(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		o := e.ownerc()
		next, nextCookie := e.admin("nina")
		std := e.user("stu", "Reports")
		e.as(nextCookie).post("/api/v1/owner", map[string]any{"userId": next, "formerOwner": map[string]any{"roles": []string{"Admin"}}}).
			wantError(403, "forbidden", "only the Owner")
		o.post("/api/v1/owner", map[string]any{"userId": next}).wantError(400, "invalid", "formerOwner is required")
		o.post("/api/v1/owner", map[string]any{"userId": next, "formerOwner": map[string]any{}}).wantError(400, "invalid", "formerOwner")
		o.post("/api/v1/owner", map[string]any{"userId": next, "formerOwner": map[string]any{"roles": []string{"Admin"}, "delete": true}}).
			wantError(400, "invalid", "not both")
		o.post("/api/v1/owner", map[string]any{"userId": "nobody", "formerOwner": map[string]any{"delete": true}}).wantError(404, "not_found")
		o.post("/api/v1/owner", map[string]any{"userId": e.owner, "formerOwner": map[string]any{"roles": []string{}}}).wantError(400, "invalid", "Owner already")

		u := o.post("/api/v1/owner", map[string]any{"userId": next, "formerOwner": map[string]any{"roles": []string{"Reports"}}}).want(200).obj()
		if u["id"] != next || u["owner"] != true {
			t.Fatalf("new owner = %v", u)
		}
		// The former Owner keeps Reports, which gives no portal access: its
		// session ends.
		o.get("/api/v1/me").wantError(401, "unauthenticated")
		no := e.as(nextCookie)
		if old := no.get("/api/v1/users/" + e.owner).want(200).obj(); old["owner"] != false || !eqStrings(strs(t, old["roles"]), []string{"Reports"}) {
			t.Errorf("former owner = %v", old)
		}
		// Passing it on again, deleting the former Owner.
		no.patch("/api/v1/users/"+std, map[string]any{"roles": []string{"Admin"}}).want(200)
		no.post("/api/v1/owner", map[string]any{"userId": std, "formerOwner": map[string]any{"delete": true}}).want(200)
		e.as(nextCookie).get("/api/v1/me").wantError(401, "unauthenticated")
		if _, err := e.st.Reader().GetUser(t.Context(), e.tenant, next, 0); err == nil {
			t.Error("the former Owner was not deleted")
		}
		owner, err := e.st.Reader().Owner(t.Context(), e.tenant)
		if err != nil || owner != std {
			t.Errorf("owner %q %v, want %s", owner, err, std)
		}
	})
}
