package storetest

import (
	"context"
	"fmt"
	"reflect"
	"testing"

	"github.com/scimd/scimd/store"
)

func mkLocation(t *testing.T, s store.Store, tenant, name string, def bool) store.Location {
	t.Helper()
	l := store.Location{TenantID: tenant, Name: name, Address: name + " street 1", Default: def}
	inTx(t, s, func(c context.Context, tx store.Tx) error { return tx.InsertLocation(c, &l) })
	return l
}

// parkNumbers parks numbers on a tenant; a "tf:" prefix parks a toll-free one.
func parkNumbers(t *testing.T, s store.Store, tenant string, numbers ...string) {
	t.Helper()
	inTx(t, s, func(c context.Context, tx store.Tx) error {
		for _, n := range numbers {
			num := store.Number{TenantID: tenant, Number: n}
			if len(n) > 3 && n[:3] == "tf:" {
				num.Number, num.TollFree = n[3:], true
			}
			if err := tx.InsertNumber(c, &num); err != nil {
				return err
			}
		}
		return nil
	})
}

func setVoice(t *testing.T, s store.Store, tenant, user string, v *store.Voice, primary string, additional ...string) error {
	return txErr(t, s, func(c context.Context, tx store.Tx) error {
		return tx.SetVoice(c, tenant, user, v, primary, additional)
	})
}

func getNumber(t *testing.T, s store.Store, tenant, number string) store.Number {
	t.Helper()
	n, err := s.Reader().GetNumber(ctx(t), tenant, number)
	if err != nil {
		t.Fatalf("GetNumber %s: %v", number, err)
	}
	return n
}

var voiceTests = map[string]func(t *testing.T, s store.Store){
	"Locations": func(t *testing.T, s store.Store) {
		c := ctx(t)
		tenant := newTenant(t, s)
		u := mkUser(t, s, tenant, "alice")
		other, _, _ := otherTenant(t, s)
		main := mkLocation(t, s, tenant, "Main Company Address", true)
		branch := mkLocation(t, s, tenant, "Branch", false)
		if main.ID == "" || main.CreatedAt.IsZero() {
			t.Fatalf("InsertLocation set %+v", main)
		}
		r := s.Reader()
		ls, err := r.Locations(c, tenant)
		if err != nil || len(ls) != 2 || !reflect.DeepEqual(ls[0], branch) || !reflect.DeepEqual(ls[1], main) {
			t.Fatalf("Locations = %+v, %v; want Branch, Main", ls, err)
		}
		// A new default takes the default from the old one.
		annex := mkLocation(t, s, tenant, "Annex", true)
		defaults := func() []string {
			ls, _ := r.Locations(c, tenant)
			var out []string
			for _, l := range ls {
				if l.Default {
					out = append(out, l.ID)
				}
			}
			return out
		}
		if d := defaults(); !reflect.DeepEqual(d, []string{annex.ID}) {
			t.Fatalf("defaults after inserting a new default = %v, want [%s]", d, annex.ID)
		}
		branch.Name, branch.Address, branch.Default = "Harbour", "Quay 2", true
		inTx(t, s, func(c context.Context, tx store.Tx) error { return tx.UpdateLocation(c, branch) })
		if d := defaults(); !reflect.DeepEqual(d, []string{branch.ID}) {
			t.Fatalf("defaults after UpdateLocation = %v, want [%s]", d, branch.ID)
		}
		err = txErr(t, s, func(c context.Context, tx store.Tx) error {
			return tx.InsertLocation(c, &store.Location{TenantID: tenant, Name: "harbour"})
		})
		wantConflict(t, "a location of the same name", err, "name")
		mkLocation(t, s, other, "Harbour", true)
		stolen := branch
		stolen.TenantID = other
		err = txErr(t, s, func(c context.Context, tx store.Tx) error { return tx.UpdateLocation(c, stolen) })
		wantErr(t, "UpdateLocation through another tenant", err, store.ErrNotFound)

		if err := setVoice(t, s, tenant, u.ID, &store.Voice{Extension: "101", LocationID: main.ID}, ""); err != nil {
			t.Fatal(err)
		}
		del := func(tenantID, id string) error {
			return txErr(t, s, func(c context.Context, tx store.Tx) error { return tx.DeleteLocation(c, tenantID, id) })
		}
		wantHolder(t, "deleting a location in use", del(tenant, main.ID), "location", u.ID)
		wantErr(t, "DeleteLocation through another tenant", del(other, annex.ID), store.ErrNotFound)
		if err := del(tenant, annex.ID); err != nil {
			t.Fatal(err)
		}
		wantErr(t, "second DeleteLocation", del(tenant, annex.ID), store.ErrNotFound)
		if ls, _ := r.Locations(c, tenant); len(ls) != 2 {
			t.Fatalf("Locations after the delete = %+v", ls)
		}
	},
	"Numbers": func(t *testing.T, s store.Store) {
		c := ctx(t)
		tenant := newTenant(t, s)
		u := mkUser(t, s, tenant, "alice")
		other, _, _ := otherTenant(t, s)
		parkNumbers(t, s, tenant, "+15550000002", "tf:+18005550100", "+15550000001")
		parkNumbers(t, s, other, "+15550000001")
		err := txErr(t, s, func(c context.Context, tx store.Tx) error {
			return tx.InsertNumber(c, &store.Number{TenantID: tenant, Number: "+15550000001"})
		})
		wantConflict(t, "parking a number twice", err, "number")
		r := s.Reader()
		ns, err := r.Numbers(c, tenant)
		if err != nil || len(ns) != 3 || ns[0].Number != "+15550000001" || ns[1].Number != "+15550000002" || ns[2].Number != "+18005550100" {
			t.Fatalf("Numbers = %+v, %v; want the three by number", ns, err)
		}
		if n := ns[2]; !n.TollFree || n.UserID != "" || n.Primary || n.TenantID != tenant || n.CreatedAt.IsZero() {
			t.Fatalf("toll-free number = %+v", n)
		}
		if n := getNumber(t, s, tenant, "+15550000002"); n.TollFree || n.UserID != "" {
			t.Fatalf("GetNumber = %+v", n)
		}
		_, err = r.GetNumber(c, tenant, "+19999999999")
		wantErr(t, "GetNumber of an unparked number", err, store.ErrNotFound)

		if err := setVoice(t, s, tenant, u.ID, &store.Voice{Extension: "101"}, "+15550000001"); err != nil {
			t.Fatal(err)
		}
		del := func(tenantID, number string) error {
			return txErr(t, s, func(c context.Context, tx store.Tx) error { return tx.DeleteNumber(c, tenantID, number) })
		}
		wantHolder(t, "deleting an assigned number", del(tenant, "+15550000001"), "number", u.ID)
		wantErr(t, "deleting an unparked number", del(tenant, "+19999999999"), store.ErrNotFound)
		if err := del(tenant, "+15550000002"); err != nil {
			t.Fatal(err)
		}
		_, err = r.GetNumber(c, tenant, "+15550000002")
		wantErr(t, "GetNumber after DeleteNumber", err, store.ErrNotFound)
		// The other tenant's copy of +15550000001 is its own, and free.
		if n := getNumber(t, s, other, "+15550000001"); n.UserID != "" {
			t.Fatalf("the other tenant's number is assigned to %q", n.UserID)
		}
		if err := del(other, "+15550000001"); err != nil {
			t.Fatalf("deleting the other tenant's free number: %v", err)
		}
		if n := getNumber(t, s, tenant, "+15550000001"); n.UserID != u.ID {
			t.Fatalf("deleting the other tenant's number touched this one: %+v", n)
		}
	},
	"SetVoice": func(t *testing.T, s store.Store) {
		c := ctx(t)
		tenant := newTenant(t, s)
		ids := mkUsers(t, s, tenant, 2)
		u1, u2 := ids[0], ids[1]
		other, otherUser, _ := otherTenant(t, s)
		main := mkLocation(t, s, tenant, "Main Company Address", true)
		theirLoc := mkLocation(t, s, other, "Theirs", true)
		parkNumbers(t, s, tenant, "+15550000001", "+15550000002", "+15550000003", "+15550000004", "tf:+18005550100")
		parkNumbers(t, s, other, "+15559999999")

		err := setVoice(t, s, tenant, u1, &store.Voice{Extension: "101", LocationID: main.ID}, "+15550000001",
			"+18005550100", "+15550000002", "+15550000002")
		if err != nil {
			t.Fatal(err)
		}
		want := &store.VoiceView{Extension: "101", LocationID: main.ID, LocationName: main.Name, PrimaryNumber: "+15550000001",
			AdditionalNumbers: []string{"+15550000002", "+18005550100"}}
		if got := getUser(t, s, tenant, u1, store.LoadDomain).Domain.Voice; !reflect.DeepEqual(got, want) {
			t.Fatalf("voice = %+v, want %+v", got, want)
		}
		if n := getNumber(t, s, tenant, "+15550000001"); n.UserID != u1 || !n.Primary {
			t.Fatalf("primary number = %+v", n)
		}
		if n := getNumber(t, s, tenant, "+18005550100"); n.UserID != u1 || n.Primary {
			t.Fatalf("additional toll-free number = %+v", n)
		}
		r := s.Reader()
		if h, err := r.ExtensionHolder(c, tenant, "101"); err != nil || h != u1 {
			t.Fatalf("ExtensionHolder = %q, %v", h, err)
		}
		if h, _ := r.ExtensionHolder(c, other, "101"); h != "" {
			t.Fatalf("another tenant sees extension 101 held by %q", h)
		}

		for _, tc := range []struct {
			what       string
			v          *store.Voice
			primary    string
			additional []string
			check      func(err error)
		}{
			{"a held extension", &store.Voice{Extension: "101"}, "", nil,
				func(err error) { wantHolder(t, "a held extension", err, "extension", u1) }},
			{"a held primary", &store.Voice{Extension: "102"}, "+15550000001", nil,
				func(err error) { wantHolder(t, "a held primary", err, "number", u1) }},
			{"a held additional", &store.Voice{Extension: "102"}, "+15550000003", []string{"+15550000002"},
				func(err error) { wantHolder(t, "a held additional", err, "number", u1) }},
			{"an unparked primary", &store.Voice{Extension: "102"}, "+15551234567", nil,
				func(err error) { wantInvalid(t, "an unparked primary", err) }},
			{"another tenant's number", &store.Voice{Extension: "102"}, "", []string{"+15559999999"},
				func(err error) { wantInvalid(t, "another tenant's number", err) }},
			{"the primary twice", &store.Voice{Extension: "102"}, "+15550000003", []string{"+15550000003"},
				func(err error) { wantInvalid(t, "the primary twice", err) }},
			{"another tenant's location", &store.Voice{Extension: "102", LocationID: theirLoc.ID}, "", nil,
				func(err error) { wantInvalid(t, "another tenant's location", err) }},
			{"no extension", &store.Voice{}, "", nil,
				func(err error) { wantInvalid(t, "no extension", err) }},
			{"numbers without settings", nil, "+15550000003", nil,
				func(err error) { wantInvalid(t, "numbers without settings", err) }},
		} {
			tc.check(setVoice(t, s, tenant, u2, tc.v, tc.primary, tc.additional...))
		}
		// A toll-free primary is refused even when it is free.
		if err := setVoice(t, s, tenant, u1, &store.Voice{Extension: "101"}, ""); err != nil {
			t.Fatal(err)
		}
		wantInvalid(t, "a toll-free primary", setVoice(t, s, tenant, u2, &store.Voice{Extension: "102"}, "+18005550100"))
		if d := getUser(t, s, tenant, u2, store.LoadDomain).Domain; d.Voice != nil {
			t.Fatalf("the refused SetVoice calls left %+v", d.Voice)
		}
		// u1 lost its numbers by setting voice without them.
		for _, n := range []string{"+15550000001", "+15550000002", "+18005550100"} {
			if got := getNumber(t, s, tenant, n); got.UserID != "" || got.Primary {
				t.Fatalf("number %s still assigned: %+v", n, got)
			}
		}
		if err := setVoice(t, s, tenant, u2, &store.Voice{Extension: "102"}, "+15550000001", "+15550000004"); err != nil {
			t.Fatal(err)
		}
		if err := setVoice(t, s, tenant, u1, &store.Voice{Extension: "103"}, "+15550000002"); err != nil {
			t.Fatal(err)
		}
		if exts, err := r.Extensions(c, tenant); err != nil || !reflect.DeepEqual(exts, []string{"102", "103"}) {
			t.Fatalf("Extensions = %v, %v", exts, err)
		}
		// Removing the settings returns the numbers and the extension.
		if err := setVoice(t, s, tenant, u2, nil, ""); err != nil {
			t.Fatal(err)
		}
		if d := getUser(t, s, tenant, u2, store.LoadDomain).Domain; d.Voice != nil {
			t.Fatalf("after removing, voice = %+v", d.Voice)
		}
		for _, n := range []string{"+15550000001", "+15550000004"} {
			if got := getNumber(t, s, tenant, n); got.UserID != "" {
				t.Fatalf("number %s still assigned after removing the settings", n)
			}
		}
		if h, _ := r.ExtensionHolder(c, tenant, "102"); h != "" {
			t.Fatalf("extension 102 still held by %q", h)
		}
		wantErr(t, "SetVoice of another tenant's user", setVoice(t, s, tenant, otherUser, &store.Voice{Extension: "1"}, ""), store.ErrNotFound)
	},
}

// numberRace: two transactions assign one parked number to two users at
// once; exactly one gets it, the other's conflict names the winner.
func numberRace(t *testing.T, s store.Store) {
	tenant := newTenant(t, s)
	ids := mkUsers(t, s, tenant, 2)
	for round := range 5 {
		number := fmt.Sprintf("+1555000010%d", round)
		parkNumbers(t, s, tenant, number)
		errs := make([]error, 2)
		start := make(chan struct{})
		done := make(chan struct{}, 2)
		for i := range 2 {
			go func() {
				<-start
				errs[i] = setVoice(t, s, tenant, ids[i], &store.Voice{Extension: fmt.Sprintf("%d%d", round, i)}, number)
				done <- struct{}{}
			}()
		}
		close(start)
		<-done
		<-done
		holder := getNumber(t, s, tenant, number).UserID
		won := 0
		for i, err := range errs {
			if err == nil {
				won++
				if holder != ids[i] {
					t.Fatalf("round %d: user %d won but the number is assigned to %q", round, i, holder)
				}
				continue
			}
			wantHolder(t, fmt.Sprintf("round %d, loser %d", round, i), err, "number", holder)
		}
		if won != 1 {
			t.Fatalf("round %d: %d assignments succeeded, want 1 (errors %v)", round, won, errs)
		}
	}
}
