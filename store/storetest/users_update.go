package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/scimd/scimd/store"
)

var errVeto = errors.New("vetoed by the caller")

var updateUserTests = map[string]func(t *testing.T, s store.Store){
	"Persists": func(t *testing.T, s store.Store) {
		c := ctx(t)
		tenant := newTenant(t, s)
		manager := mkUser(t, s, tenant, "boss", func(u *store.User) { u.DisplayName = "Boss" })
		u := fullUser(tenant, "bjensen", "")
		if err := s.CreateUser(c, u); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Millisecond)
		var want *store.User
		got, err := s.UpdateUser(c, tenant, u.ID, func(x *store.User) error {
			if x.ID != u.ID || x.UserName != "bjensen" || len(x.Values["emails"]) != 3 || len(x.Addresses) != 2 {
				t.Errorf("update sees %+v, want the stored user", x)
			}
			x.UserName = "BJensen2"
			x.DisplayName = "Barbara"
			x.Name.MiddleName = ""
			x.Title = "Chief"
			x.Active = ptr(false)
			x.PasswordHash = "new-hash"
			// Remove one email, add a phone, replace the addresses.
			x.Values["emails"] = append(x.Values["emails"][:1:1], x.Values["emails"][2])
			x.Values["phoneNumbers"] = append(x.Values["phoneNumbers"], store.Value{Value: "+1 555 0100", Type: "mobile"})
			delete(x.Values, "ims")
			x.Addresses = []store.Address{{Locality: "Berlin", Country: "DE", Type: "other", Primary: true}}
			x.Enterprise.ManagerID = manager.ID
			x.Enterprise.Department = ""
			want = cloneForTest(x)
			return nil
		})
		if err != nil {
			t.Fatalf("UpdateUser: %v", err)
		}
		if got.Meta.Version != 2 {
			t.Errorf("Version = %d, want 2", got.Meta.Version)
		}
		if !got.Meta.Created.Equal(u.Meta.Created) || !got.Meta.LastModified.After(u.Meta.LastModified) {
			t.Errorf("Meta after update = %+v, created with %+v", got.Meta, u.Meta)
		}
		want.Meta = got.Meta
		want.Enterprise.ManagerDisplay = "Boss"
		checkUser(t, "UpdateUser result", got, want)
		checkUser(t, "GetUser after update", getUser(t, s, tenant, u.ID, store.LoadValues|store.LoadAddresses), want)

		// Clearing the manager and all child rows.
		got, err = s.UpdateUser(c, tenant, u.ID, func(x *store.User) error {
			x.Enterprise.ManagerID = ""
			x.Values = nil
			x.Addresses = nil
			x.Active = nil
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		want.Enterprise.ManagerID, want.Enterprise.ManagerDisplay = "", ""
		want.Values, want.Addresses, want.Active = nil, nil, nil
		want.Meta = got.Meta
		if got.Meta.Version != 3 {
			t.Errorf("Version = %d, want 3", got.Meta.Version)
		}
		checkUser(t, "after clearing", getUser(t, s, tenant, u.ID, store.LoadAll), want)
	},
	"NoChangeKeepsVersion": func(t *testing.T, s store.Store) {
		c := ctx(t)
		tenant := newTenant(t, s)
		u := fullUser(tenant, "same", "")
		if err := s.CreateUser(c, u); err != nil {
			t.Fatal(err)
		}
		for name, fn := range map[string]func(x *store.User){
			"nothing":     func(x *store.User) {},
			"same values": func(x *store.User) { x.Title = "Tour Guide"; x.Active = ptr(true) },
			"empty vs nil": func(x *store.User) {
				x.Values["groups-none"] = nil
				x.Values["x509Certificates"] = x.Values["x509Certificates"][:3]
			},
			"meta ignored": func(x *store.User) { x.Meta.Version = 99; x.Groups = []store.GroupRef{{ID: "g"}} },
		} {
			got, err := s.UpdateUser(c, tenant, u.ID, func(x *store.User) error { fn(x); return nil })
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if got.Meta.Version != 1 || !got.Meta.LastModified.Equal(u.Meta.LastModified) {
				t.Errorf("%s: Meta = %+v, want unchanged %+v", name, got.Meta, u.Meta)
			}
		}
		if got := getUser(t, s, tenant, u.ID, 0); got.Meta.Version != 1 {
			t.Fatalf("stored version = %d after no-op updates", got.Meta.Version)
		}
	},
	"ErrorAborts": func(t *testing.T, s store.Store) {
		c := ctx(t)
		tenant := newTenant(t, s)
		u := fullUser(tenant, "keep", "")
		if err := s.CreateUser(c, u); err != nil {
			t.Fatal(err)
		}
		before := getUser(t, s, tenant, u.ID, store.LoadAll)
		_, err := s.UpdateUser(c, tenant, u.ID, func(x *store.User) error {
			x.DisplayName = "changed"
			x.Values["emails"] = nil
			x.Addresses = nil
			return store.ErrPrecondition
		})
		wantErr(t, "UpdateUser with a failing update", err, store.ErrPrecondition)
		checkUser(t, "after aborted update", getUser(t, s, tenant, u.ID, store.LoadAll), before)
	},
	"UserNameConflict": func(t *testing.T, s store.Store) {
		c := ctx(t)
		tenant := newTenant(t, s)
		mkUser(t, s, tenant, "Taken", func(u *store.User) { u.ExternalID = "ext-taken" })
		u := fullUser(tenant, "mine", "")
		if err := s.CreateUser(c, u); err != nil {
			t.Fatal(err)
		}
		before := getUser(t, s, tenant, u.ID, store.LoadAll)
		_, err := s.UpdateUser(c, tenant, u.ID, func(x *store.User) error {
			x.UserName = "tAKEN"
			x.DisplayName = "changed"
			x.Values["emails"] = x.Values["emails"][:1]
			x.Addresses = nil
			return nil
		})
		wantConflict(t, "rename to a taken userName", err, "userName")
		checkUser(t, "after refused rename", getUser(t, s, tenant, u.ID, store.LoadAll), before)

		_, err = s.UpdateUser(c, tenant, u.ID, func(x *store.User) error { x.ExternalID = "ext-taken"; return nil })
		wantConflict(t, "taking another user's externalId", err, "externalId")

		// Changing only the case of one's own userName is allowed.
		got, err := s.UpdateUser(c, tenant, u.ID, func(x *store.User) error { x.UserName = "MINE"; return nil })
		if err != nil || got.UserName != "MINE" || got.Meta.Version != 2 {
			t.Fatalf("case-only rename = %+v, %v", got, err)
		}
	},
	"Unknown": func(t *testing.T, s store.Store) {
		tenant := newTenant(t, s)
		_, err := s.UpdateUser(ctx(t), tenant, "00000000-0000-0000-0000-000000000000", func(*store.User) error {
			t.Error("update called for an unknown user")
			return nil
		})
		wantErr(t, "UpdateUser unknown", err, store.ErrNotFound)
	},
}

var deleteUserTests = map[string]func(t *testing.T, s store.Store){
	"Cascades": func(t *testing.T, s store.Store) {
		c := ctx(t)
		tenant := newTenant(t, s)
		boss := fullUser(tenant, "boss", "")
		if err := s.CreateUser(c, boss); err != nil {
			t.Fatal(err)
		}
		worker := mkUser(t, s, tenant, "worker", func(u *store.User) { u.Enterprise.ManagerID = boss.ID })
		other := mkUser(t, s, tenant, "other")
		g := mkGroup(t, s, tenant, "team", boss.ID, worker.ID)
		h := mkGroup(t, s, tenant, "unrelated", other.ID)
		var seen *store.User
		if err := s.DeleteUser(c, tenant, boss.ID, func(u *store.User) error { seen = u; return nil }); err != nil {
			t.Fatalf("DeleteUser: %v", err)
		}
		if seen == nil || seen.ID != boss.ID || seen.UserName != "boss" {
			t.Fatalf("check saw %+v", seen)
		}
		_, err := s.GetUser(c, tenant, boss.ID, store.LoadAll)
		wantErr(t, "GetUser after delete", err, store.ErrNotFound)
		if ids := memberIDs(t, s, tenant, g.ID); !sameStrings(ids, []string{worker.ID}) {
			t.Errorf("group members after delete = %v, want only %s", ids, worker.ID)
		}
		if got := getGroup(t, s, tenant, g.ID, 0); got.Meta.Version != 2 {
			t.Errorf("group version after its member was deleted = %d, want 2", got.Meta.Version)
		}
		if got := getGroup(t, s, tenant, h.ID, 0); got.Meta.Version != 1 {
			t.Errorf("unrelated group version = %d, want 1", got.Meta.Version)
		}
		if got := getUser(t, s, tenant, worker.ID, 0); got.Enterprise.ManagerID != "" || got.Enterprise.ManagerDisplay != "" {
			t.Errorf("managed user still has manager %+v", got.Enterprise)
		}
		// The deleted user's child rows are gone: no one has its email.
		users := listAllUsers(t, s, tenant, store.Query{Filter: store.Has{Set: "emails"}})
		if len(users) != 0 {
			t.Errorf("users with emails after delete: %v", userNames(users))
		}
		// Its userName and externalId are free again.
		mkUser(t, s, tenant, "boss", func(u *store.User) { u.ExternalID = "ext-boss" })
		err = s.DeleteUser(c, tenant, boss.ID, nil)
		wantErr(t, "second DeleteUser", err, store.ErrNotFound)
	},
	"SelfManaged": func(t *testing.T, s store.Store) {
		c := ctx(t)
		tenant := newTenant(t, s)
		u := mkUser(t, s, tenant, "self")
		if _, err := s.UpdateUser(c, tenant, u.ID, func(x *store.User) error { x.Enterprise.ManagerID = u.ID; return nil }); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteUser(c, tenant, u.ID, nil); err != nil {
			t.Fatalf("DeleteUser of a user managing itself: %v", err)
		}
		_, err := s.GetUser(c, tenant, u.ID, 0)
		wantErr(t, "GetUser after delete", err, store.ErrNotFound)
	},
	"Veto": func(t *testing.T, s store.Store) {
		c := ctx(t)
		tenant := newTenant(t, s)
		boss := mkUser(t, s, tenant, "boss")
		worker := mkUser(t, s, tenant, "worker", func(u *store.User) { u.Enterprise.ManagerID = boss.ID })
		g := mkGroup(t, s, tenant, "team", boss.ID)
		err := s.DeleteUser(c, tenant, boss.ID, func(*store.User) error { return errVeto })
		wantErr(t, "vetoed DeleteUser", err, errVeto)
		getUser(t, s, tenant, boss.ID, 0)
		if got := getGroup(t, s, tenant, g.ID, store.LoadMembers); got.Meta.Version != 1 || len(got.Members) != 1 {
			t.Errorf("vetoed delete changed the group: %+v", got)
		}
		if got := getUser(t, s, tenant, worker.ID, 0); got.Enterprise.ManagerID != boss.ID || got.Meta.Version != 1 {
			t.Errorf("vetoed delete changed the managed user: %+v", got)
		}
	},
	"Unknown": func(t *testing.T, s store.Store) {
		tenant := newTenant(t, s)
		err := s.DeleteUser(ctx(t), tenant, "00000000-0000-0000-0000-000000000000", func(*store.User) error {
			t.Error("check called for an unknown user")
			return nil
		})
		wantErr(t, "DeleteUser unknown", err, store.ErrNotFound)
	},
}

func cloneForTest(u *store.User) *store.User {
	c := *u
	if u.Active != nil {
		c.Active = ptr(*u.Active)
	}
	c.Values = map[string][]store.Value{}
	for k, v := range u.Values {
		c.Values[k] = append([]store.Value(nil), v...)
	}
	c.Addresses = append([]store.Address(nil), u.Addresses...)
	return &c
}
