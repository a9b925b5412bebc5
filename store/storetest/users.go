package storetest

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/scimd/scimd/store"
)

// fullUser returns a user with every attribute set, distinct values
// everywhere so that a column mix-up shows.
func fullUser(tenant, userName, managerID string) *store.User {
	u := &store.User{
		TenantID:   tenant,
		UserName:   userName,
		ExternalID: "ext-" + userName,
		Name: store.Name{
			Formatted: "Ms. Barbara J Jensen, III", FamilyName: "Jensen", GivenName: "Barbara",
			MiddleName: "Jane", HonorificPrefix: "Ms.", HonorificSuffix: "III",
		},
		DisplayName:       "Babs Jensen",
		NickName:          "Babs",
		ProfileURL:        "https://login.example.com/bjensen",
		Title:             "Tour Guide",
		UserType:          "Employee",
		PreferredLanguage: "en-US",
		Locale:            "en-US-x",
		Timezone:          "America/Los_Angeles",
		Active:            ptr(true),
		PasswordHash:      "$2a$10$abcdefghijklmnopqrstuu5Hj1bTWFkq5eS3uhx1jZq1V2Ow9rS8G",
		Values:            map[string][]store.Value{},
		Addresses: []store.Address{
			{Formatted: "100 Universal City Plaza\nHollywood, CA 91608 USA", StreetAddress: "100 Universal City Plaza",
				Locality: "Hollywood", Region: "CA", PostalCode: "91608", Country: "USA", Type: "work", Primary: true},
			{StreetAddress: "456 Hollywood Blvd", Locality: "Hollywood", Region: "CA", PostalCode: "91608",
				Country: "USA", Type: "home"},
		},
		Enterprise: store.Enterprise{
			EmployeeNumber: "701984", CostCenter: "4130", Organization: "Universal Studios",
			Division: "Theme Park", Department: "Tour Operations", ManagerID: managerID,
		},
	}
	for i, attr := range store.ValueAttrs {
		// The primary element is not first, and the types differ, so that
		// a backend that reorders or drops flags is caught.
		u.Values[attr] = []store.Value{
			{Value: fmt.Sprintf("%s-%s-1@example.com", userName, attr), Type: "work", Display: "first " + attr},
			{Value: fmt.Sprintf("%s-%s-2", userName, attr), Type: "home", Primary: true},
			{Value: fmt.Sprintf("v%d", i)},
		}
	}
	return u
}

// checkUser compares a loaded user with what was written, field by field.
func checkUser(t *testing.T, what string, got, want *store.User) {
	t.Helper()
	g, w := *got, *want
	if !g.Meta.Created.Equal(w.Meta.Created) || !g.Meta.LastModified.Equal(w.Meta.LastModified) || g.Meta.Version != w.Meta.Version {
		t.Errorf("%s: Meta = %+v, want %+v", what, g.Meta, w.Meta)
	}
	g.Meta, w.Meta = store.Meta{}, store.Meta{}
	// A user written without a state or source is active and from SCIM.
	if w.State == "" {
		w.State = store.StateActive
	}
	if w.Source == "" {
		w.Source = store.SourceSCIM
	}
	if (g.Active == nil) != (w.Active == nil) || (g.Active != nil && *g.Active != *w.Active) {
		t.Errorf("%s: Active = %v, want %v", what, fmtBool(g.Active), fmtBool(w.Active))
	}
	g.Active, w.Active = nil, nil
	checkValues(t, what, g.Values, w.Values)
	g.Values, w.Values = nil, nil
	if len(g.Addresses) != 0 || len(w.Addresses) != 0 {
		if !reflect.DeepEqual(g.Addresses, w.Addresses) {
			t.Errorf("%s: Addresses\n got %+v\nwant %+v", what, g.Addresses, w.Addresses)
		}
	}
	g.Addresses, w.Addresses = nil, nil
	if len(g.Groups) != 0 || len(w.Groups) != 0 {
		if !reflect.DeepEqual(g.Groups, w.Groups) {
			t.Errorf("%s: Groups\n got %+v\nwant %+v", what, g.Groups, w.Groups)
		}
	}
	g.Groups, w.Groups = nil, nil
	// LoadDomain (in LoadAll) gives every user a Domain; a user written
	// without domain parts has an empty one.
	if w.Domain == nil && g.Domain != nil && reflect.DeepEqual(*g.Domain, store.Domain{}) {
		g.Domain = nil
	}
	if g.Enterprise != w.Enterprise {
		t.Errorf("%s: Enterprise\n got %+v\nwant %+v", what, g.Enterprise, w.Enterprise)
	}
	if g.Name != w.Name {
		t.Errorf("%s: Name\n got %+v\nwant %+v", what, g.Name, w.Name)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("%s: user\n got %+v\nwant %+v", what, g, w)
	}
}

func checkValues(t *testing.T, what string, got, want map[string][]store.Value) {
	t.Helper()
	for _, attr := range store.ValueAttrs {
		g, w := got[attr], want[attr]
		if len(g) == 0 && len(w) == 0 {
			continue
		}
		if !reflect.DeepEqual(g, w) {
			t.Errorf("%s: %s\n got %+v\nwant %+v", what, attr, g, w)
		}
	}
	for attr, v := range got {
		if len(v) > 0 && !isValueAttr(attr) {
			t.Errorf("%s: unexpected Values[%q] = %+v", what, attr, v)
		}
	}
}

func isValueAttr(attr string) bool {
	for _, a := range store.ValueAttrs {
		if a == attr {
			return true
		}
	}
	return false
}

func fmtBool(b *bool) string {
	if b == nil {
		return "nil"
	}
	return fmt.Sprint(*b)
}

var userTests = map[string]func(t *testing.T, s store.Store){
	"RoundTrip": func(t *testing.T, s store.Store) {
		c := ctx(t)
		tenant := newTenant(t, s)
		manager := mkUser(t, s, tenant, "boss", func(u *store.User) { u.DisplayName = "The Boss" })
		plainManager := mkUser(t, s, tenant, "plainboss")

		before := time.Now().Add(-time.Second)
		u := fullUser(tenant, "bjensen", manager.ID)
		want := fullUser(tenant, "bjensen", manager.ID)
		if err := s.CreateUser(c, u); err != nil {
			t.Fatalf("CreateUser: %v", err)
		}
		if u.ID == "" || u.ID == manager.ID {
			t.Fatalf("CreateUser set ID %q", u.ID)
		}
		if u.Meta.Version != 1 || u.Meta.Created.Before(before) || !u.Meta.LastModified.Equal(u.Meta.Created) {
			t.Fatalf("CreateUser set Meta %+v", u.Meta)
		}
		want.ID, want.Meta = u.ID, u.Meta
		want.Enterprise.ManagerDisplay = "The Boss"
		got := getUser(t, s, tenant, u.ID, store.LoadAll)
		checkUser(t, "GetUser(LoadAll)", got, want)

		// Without the child parts only the row comes back.
		row := getUser(t, s, tenant, u.ID, 0)
		if len(row.Values) != 0 || len(row.Addresses) != 0 || len(row.Groups) != 0 {
			t.Errorf("GetUser(0) loaded child parts: %+v %+v %+v", row.Values, row.Addresses, row.Groups)
		}
		if row.UserName != "bjensen" || row.Name != want.Name || row.PasswordHash != want.PasswordHash ||
			row.Enterprise != want.Enterprise {
			t.Errorf("GetUser(0) = %+v", row)
		}
		vals := getUser(t, s, tenant, u.ID, store.LoadValues)
		checkValues(t, "GetUser(LoadValues)", vals.Values, want.Values)
		if len(vals.Addresses) != 0 {
			t.Errorf("GetUser(LoadValues) loaded addresses")
		}
		addrs := getUser(t, s, tenant, u.ID, store.LoadAddresses)
		if !reflect.DeepEqual(addrs.Addresses, want.Addresses) || len(addrs.Values) != 0 {
			t.Errorf("GetUser(LoadAddresses) = %+v / %+v", addrs.Addresses, addrs.Values)
		}

		// The manager's display falls back to its userName.
		u2 := mkUser(t, s, tenant, "minion", func(u *store.User) { u.Enterprise.ManagerID = plainManager.ID })
		if got := getUser(t, s, tenant, u2.ID, 0).Enterprise; got.ManagerID != plainManager.ID || got.ManagerDisplay != "plainboss" {
			t.Errorf("manager without displayName: Enterprise = %+v, want display %q", got, "plainboss")
		}
	},
	"Minimal": func(t *testing.T, s store.Store) {
		tenant := newTenant(t, s)
		u := mkUser(t, s, tenant, "min")
		got := getUser(t, s, tenant, u.ID, store.LoadAll)
		checkUser(t, "minimal user", got, &store.User{TenantID: tenant, ID: u.ID, UserName: "min", Meta: u.Meta})
		if got.Active != nil {
			t.Errorf("Active = %v, want nil", *got.Active)
		}
	},
	"Active": func(t *testing.T, s store.Store) {
		tenant := newTenant(t, s)
		for _, active := range []*bool{ptr(true), ptr(false), nil} {
			u := mkUser(t, s, tenant, "u-"+fmtBool(active), func(u *store.User) { u.Active = active })
			got := getUser(t, s, tenant, u.ID, 0)
			if fmtBool(got.Active) != fmtBool(active) {
				t.Errorf("Active written %s, read %s", fmtBool(active), fmtBool(got.Active))
			}
		}
	},
	"DuplicateUserName": func(t *testing.T, s store.Store) {
		c := ctx(t)
		tenant := newTenant(t, s)
		first := mkUser(t, s, tenant, "Alice")
		for _, name := range []string{"Alice", "alice", "ALICE", "aLiCe"} {
			err := s.CreateUser(c, &store.User{TenantID: tenant, UserName: name, Values: map[string][]store.Value{
				"emails": {{Value: "x@example.com"}}}})
			wantConflict(t, "CreateUser "+name, err, "userName")
		}
		// Case folding goes beyond ASCII.
		mkUser(t, s, tenant, "Émile")
		err := s.CreateUser(c, &store.User{TenantID: tenant, UserName: "éMILE"})
		wantConflict(t, "CreateUser éMILE", err, "userName")
		// Nothing of the refused users was written.
		all := listAllUsers(t, s, tenant, store.Query{Load: store.LoadValues})
		if len(all) != 2 {
			t.Fatalf("after conflicts the tenant has users %v", userNames(all))
		}
		if with := listAllUsers(t, s, tenant, store.Query{Filter: store.Has{Set: "emails"}}); len(with) != 0 {
			t.Fatalf("a refused user's emails were written: %v", userNames(with))
		}
		if got := getUser(t, s, tenant, first.ID, 0); got.UserName != "Alice" || got.Meta.Version != 1 {
			t.Fatalf("the first user changed: %+v", got)
		}
	},
	"DuplicateExternalID": func(t *testing.T, s store.Store) {
		c := ctx(t)
		tenant := newTenant(t, s)
		mkUser(t, s, tenant, "a", func(u *store.User) { u.ExternalID = "EXT-1" })
		err := s.CreateUser(c, &store.User{TenantID: tenant, UserName: "b", ExternalID: "EXT-1"})
		wantConflict(t, "CreateUser with a taken externalId", err, "externalId")
		// externalId is case-exact.
		mkUser(t, s, tenant, "c", func(u *store.User) { u.ExternalID = "ext-1" })
		// Many users without externalId are fine.
		mkUser(t, s, tenant, "d")
		mkUser(t, s, tenant, "e")
	},
	"SameNamesInOtherTenant": func(t *testing.T, s store.Store) {
		a, b := newTenant(t, s), newTenant(t, s)
		ua := mkUser(t, s, a, "alice", func(u *store.User) { u.ExternalID = "X" })
		ub := mkUser(t, s, b, "ALICE", func(u *store.User) { u.ExternalID = "X" })
		if ua.ID == ub.ID {
			t.Fatalf("two tenants' users share id %s", ua.ID)
		}
		if got := getUser(t, s, b, ub.ID, 0); got.UserName != "ALICE" || got.TenantID != b {
			t.Fatalf("tenant b's user = %+v", got)
		}
	},
	"TenantIsolation": func(t *testing.T, s store.Store) {
		c := ctx(t)
		a, b := newTenant(t, s), newTenant(t, s)
		ua := mkUser(t, s, a, "alice")
		bob := mkUser(t, s, b, "bob")
		_, err := s.GetUser(c, b, ua.ID, store.LoadAll)
		wantErr(t, "GetUser through another tenant", err, store.ErrNotFound)
		called := false
		_, err = s.UpdateUser(c, b, ua.ID, func(u *store.User) error {
			called = true
			u.DisplayName = "hijacked"
			return nil
		})
		wantErr(t, "UpdateUser through another tenant", err, store.ErrNotFound)
		if called {
			t.Errorf("UpdateUser called update for another tenant's user")
		}
		err = s.DeleteUser(c, b, ua.ID, nil)
		wantErr(t, "DeleteUser through another tenant", err, store.ErrNotFound)
		if got := getUser(t, s, a, ua.ID, 0); got.DisplayName != "" || got.Meta.Version != 1 {
			t.Fatalf("another tenant changed the user: %+v", got)
		}
		if names := userNames(listAllUsers(t, s, b, store.Query{Total: true})); !sameStrings(names, []string{"bob"}) {
			t.Fatalf("tenant b lists %v", names)
		}
		p, err := s.ListUsers(c, a, store.Query{Total: true, Limit: 0})
		if err != nil || p.Total != 1 {
			t.Fatalf("tenant a total = %+v, %v", p, err)
		}
		// Another tenant's user cannot be a manager, on create or update,
		// and neither can an id that exists nowhere.
		for _, mgr := range []string{ua.ID, "00000000-0000-0000-0000-000000000000"} {
			err := s.CreateUser(c, &store.User{TenantID: b, UserName: "carl", Enterprise: store.Enterprise{ManagerID: mgr}})
			wantErr(t, "CreateUser with a manager of another tenant", err, store.ErrInvalid)
			_, err = s.UpdateUser(c, b, bob.ID, func(u *store.User) error { u.Enterprise.ManagerID = mgr; return nil })
			wantErr(t, "UpdateUser with a manager of another tenant", err, store.ErrInvalid)
		}
		if names := userNames(listAllUsers(t, s, b, store.Query{Total: true})); !sameStrings(names, []string{"bob"}) {
			t.Fatalf("a refused create left a user: tenant b lists %v", names)
		}
	},
	"GetUnknown": func(t *testing.T, s store.Store) {
		tenant := newTenant(t, s)
		_, err := s.GetUser(ctx(t), tenant, "00000000-0000-0000-0000-000000000000", store.LoadAll)
		wantErr(t, "GetUser unknown", err, store.ErrNotFound)
		_, err = s.GetUser(ctx(t), tenant, "not-a-uuid", 0)
		wantErr(t, "GetUser malformed id", err, store.ErrNotFound)
	},
}
