package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"

	"github.com/scimd/scimd/store"
)

// setAgentIDs runs SetAgentIDs in a transaction of its own.
func setAgentIDs(t *testing.T, s store.Store, tenant, user string, ids ...store.AgentID) error {
	return txErr(t, s, func(c context.Context, tx store.Tx) error { return tx.SetAgentIDs(c, tenant, user, ids) })
}

// agentIDsOf returns a user's agent IDs as "system:value", sorted.
func agentIDsOf(t *testing.T, s store.Store, tenant, user string) []string {
	t.Helper()
	var out []string
	for _, a := range getUser(t, s, tenant, user, store.LoadDomain).Domain.AgentIDs {
		if a.UserID != user {
			t.Errorf("agent ID %+v loaded for user %s", a, user)
		}
		out = append(out, a.System+":"+a.Value)
	}
	return sorted(out...)
}

func holderOf(t *testing.T, s store.Store, tenant, system, value string) string {
	t.Helper()
	h, err := s.Reader().AgentIDHolder(ctx(t), tenant, system, value)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

var agentTests = map[string]func(t *testing.T, s store.Store){
	"SetAndHolder": func(t *testing.T, s store.Store) {
		tenant := newTenant(t, s)
		ids := mkUsers(t, s, tenant, 2)
		u1, u2 := ids[0], ids[1]
		other, otherUser, _ := otherTenant(t, s)
		voice := func(v string) store.AgentID { return store.AgentID{System: "voice", Value: v} }
		chat := func(v string) store.AgentID { return store.AgentID{System: "chat", Value: v} }

		if err := setAgentIDs(t, s, tenant, u1, voice("A17"), chat("77"), voice("A17")); err != nil {
			t.Fatal(err)
		}
		if got := agentIDsOf(t, s, tenant, u1); !reflect.DeepEqual(got, []string{"chat:77", "voice:A17"}) {
			t.Fatalf("agent IDs = %v", got)
		}
		if h := holderOf(t, s, tenant, "voice", "A17"); h != u1 {
			t.Fatalf("AgentIDHolder = %q, want %s", h, u1)
		}
		if h := holderOf(t, s, tenant, "chat", "A17"); h != "" {
			t.Fatalf("a pair of another system has holder %q", h)
		}
		// Another user cannot take a held pair; the conflict names the holder.
		err := setAgentIDs(t, s, tenant, u2, chat("78"), voice("A17"))
		wantHolder(t, "taking a held agent ID", err, "agentIds", u1)
		var ce *store.ConflictError
		if errors.As(err, &ce); ce.Value != "voice:A17" {
			t.Errorf("conflict value %q, want voice:A17", ce.Value)
		}
		if got := agentIDsOf(t, s, tenant, u2); len(got) != 0 {
			t.Fatalf("the failed SetAgentIDs left %v", got)
		}
		// Replacing keeps chat:77, drops voice:A17 and adds voice:A18.
		if err := setAgentIDs(t, s, tenant, u1, chat("77"), voice("A18")); err != nil {
			t.Fatal(err)
		}
		if got := agentIDsOf(t, s, tenant, u1); !reflect.DeepEqual(got, []string{"chat:77", "voice:A18"}) {
			t.Fatalf("after replacing, agent IDs = %v", got)
		}
		if err := setAgentIDs(t, s, tenant, u2, voice("A17")); err != nil {
			t.Fatalf("taking a released agent ID: %v", err)
		}
		// Another tenant has pairs of its own.
		if h := holderOf(t, s, other, "voice", "A17"); h != "" {
			t.Fatalf("the other tenant sees holder %q", h)
		}
		if err := setAgentIDs(t, s, other, otherUser, voice("A17")); err != nil {
			t.Fatalf("the same pair in another tenant: %v", err)
		}
		wantErr(t, "SetAgentIDs of another tenant's user", setAgentIDs(t, s, tenant, otherUser, voice("X")), store.ErrNotFound)
		wantInvalid(t, "an agent ID without a system", setAgentIDs(t, s, tenant, u1, store.AgentID{Value: "1"}))
		wantInvalid(t, "an agent ID without a value", setAgentIDs(t, s, tenant, u1, store.AgentID{System: "voice"}))
		if err := setAgentIDs(t, s, tenant, u1); err != nil {
			t.Fatal(err)
		}
		if got := agentIDsOf(t, s, tenant, u1); len(got) != 0 {
			t.Fatalf("after clearing, agent IDs = %v", got)
		}
		if h := holderOf(t, s, tenant, "voice", "A17"); h != u2 {
			t.Fatalf("clearing u1 moved voice:A17 to %q", h)
		}
	},
}

// agentIDRace: two transactions give one agent ID to two users at once;
// exactly one succeeds and the other's conflict names the winner.
func agentIDRace(t *testing.T, s store.Store) {
	tenant := newTenant(t, s)
	ids := mkUsers(t, s, tenant, 2)
	for round := range 10 {
		pair := store.AgentID{System: "voice", Value: fmt.Sprintf("A%d", round)}
		errs := make([]error, 2)
		start := make(chan struct{})
		done := make(chan struct{}, 2)
		for i := range 2 {
			go func() {
				<-start
				errs[i] = setAgentIDs(t, s, tenant, ids[i], pair)
				done <- struct{}{}
			}()
		}
		close(start)
		<-done
		<-done
		holder := holderOf(t, s, tenant, pair.System, pair.Value)
		won := 0
		for i, err := range errs {
			if err == nil {
				won++
				if holder != ids[i] {
					t.Fatalf("round %d: user %d won but the holder is %q", round, i, holder)
				}
				continue
			}
			wantHolder(t, fmt.Sprintf("round %d, loser %d", round, i), err, "agentIds", holder)
		}
		if won != 1 {
			t.Fatalf("round %d: %d assignments succeeded, want 1 (errors %v)", round, won, errs)
		}
		// Free both users for the next round.
		for _, id := range ids {
			if err := setAgentIDs(t, s, tenant, id); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func mkTeam(t *testing.T, s store.Store, tenant, name, group string) store.Team {
	t.Helper()
	tm := store.Team{TenantID: tenant, Name: name, GroupID: group}
	inTx(t, s, func(c context.Context, tx store.Tx) error { return tx.InsertTeam(c, &tm) })
	return tm
}

func teamMembers(t *testing.T, s store.Store, tenant, team string) []store.TeamMember {
	t.Helper()
	ms, err := s.Reader().TeamMembers(ctx(t), tenant, team)
	if err != nil {
		t.Fatalf("TeamMembers: %v", err)
	}
	return ms
}

func seat(team, user string, leader bool) store.TeamMember {
	return store.TeamMember{TeamID: team, UserID: user, Leader: leader}
}

var teamTests = map[string]func(t *testing.T, s store.Store){
	"CRUD": func(t *testing.T, s store.Store) {
		c := ctx(t)
		tenant := newTenant(t, s)
		other, _, _ := otherTenant(t, s)
		b := mkTeam(t, s, tenant, "Billing", "")
		a := mkTeam(t, s, tenant, "Accounts", "")
		if b.ID == "" || b.CreatedAt.IsZero() {
			t.Fatalf("InsertTeam set %+v", b)
		}
		r := s.Reader()
		if got, err := r.GetTeam(c, tenant, b.ID); err != nil || !reflect.DeepEqual(got, b) {
			t.Fatalf("GetTeam = %+v, %v; want %+v", got, err, b)
		}
		if ts, err := r.Teams(c, tenant); err != nil || len(ts) != 2 || ts[0].ID != a.ID || ts[1].ID != b.ID {
			t.Fatalf("Teams = %+v, %v; want Accounts, Billing", ts, err)
		}
		err := txErr(t, s, func(c context.Context, tx store.Tx) error {
			return tx.InsertTeam(c, &store.Team{TenantID: tenant, Name: "billing"})
		})
		wantConflict(t, "a team of the same name", err, "name")
		err = txErr(t, s, func(c context.Context, tx store.Tx) error { return tx.InsertTeam(c, &store.Team{TenantID: tenant}) })
		wantInvalid(t, "a team without a name", err)
		mkTeam(t, s, other, "Billing", "")

		b.Name = "Invoicing"
		inTx(t, s, func(c context.Context, tx store.Tx) error { return tx.UpdateTeam(c, b) })
		if got, _ := r.GetTeam(c, tenant, b.ID); got.Name != "Invoicing" {
			t.Fatalf("after UpdateTeam the name is %q", got.Name)
		}
		a.Name = "INVOICING"
		err = txErr(t, s, func(c context.Context, tx store.Tx) error { return tx.UpdateTeam(c, a) })
		wantConflict(t, "rename onto another team's name", err, "name")
		stolen := b
		stolen.TenantID = other
		err = txErr(t, s, func(c context.Context, tx store.Tx) error { return tx.UpdateTeam(c, stolen) })
		wantErr(t, "UpdateTeam through another tenant", err, store.ErrNotFound)
		_, err = r.GetTeam(c, other, b.ID)
		wantErr(t, "GetTeam through another tenant", err, store.ErrNotFound)
		_, err = r.TeamMembers(c, other, b.ID)
		wantErr(t, "TeamMembers through another tenant", err, store.ErrNotFound)
		err = txErr(t, s, func(c context.Context, tx store.Tx) error { return tx.DeleteTeam(c, other, b.ID) })
		wantErr(t, "DeleteTeam through another tenant", err, store.ErrNotFound)
		inTx(t, s, func(c context.Context, tx store.Tx) error { return tx.DeleteTeam(c, tenant, b.ID) })
		_, err = r.GetTeam(c, tenant, b.ID)
		wantErr(t, "GetTeam after DeleteTeam", err, store.ErrNotFound)
	},
	"LinkedGroup": func(t *testing.T, s store.Store) {
		c := ctx(t)
		tenant := newTenant(t, s)
		other, _, otherGroup := otherTenant(t, s)
		g := mkGroup(t, s, tenant, "idp-support")
		linked := mkTeam(t, s, tenant, "Support", g.ID)
		if got, _ := s.Reader().GetTeam(c, tenant, linked.ID); got.GroupID != g.ID {
			t.Fatalf("GetTeam GroupID = %q, want %s", got.GroupID, g.ID)
		}
		err := txErr(t, s, func(c context.Context, tx store.Tx) error {
			return tx.InsertTeam(c, &store.Team{TenantID: tenant, Name: "Support 2", GroupID: g.ID})
		})
		wantHolder(t, "a second team on one group", err, "group", linked.ID)
		plain := mkTeam(t, s, tenant, "Plain", "")
		plain.GroupID = g.ID
		err = txErr(t, s, func(c context.Context, tx store.Tx) error { return tx.UpdateTeam(c, plain) })
		wantHolder(t, "linking a second team to the group", err, "group", linked.ID)
		// Saving the linked team itself is no conflict.
		linked.Name = "Support desk"
		inTx(t, s, func(c context.Context, tx store.Tx) error { return tx.UpdateTeam(c, linked) })
		err = txErr(t, s, func(c context.Context, tx store.Tx) error {
			return tx.InsertTeam(c, &store.Team{TenantID: tenant, Name: "Theirs", GroupID: otherGroup})
		})
		wantInvalid(t, "linking another tenant's group", err)
		mkTeam(t, s, other, "Theirs", otherGroup)
		// Deleting the group unlinks the team.
		if err := s.DeleteGroup(c, tenant, g.ID, nil); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.Reader().GetTeam(c, tenant, linked.ID); got.GroupID != "" {
			t.Fatalf("after its group was deleted the team links %q", got.GroupID)
		}
	},
	"Seats": func(t *testing.T, s store.Store) {
		c := ctx(t)
		tenant := newTenant(t, s)
		other, otherUser, _ := otherTenant(t, s)
		theirs := mkTeam(t, s, other, "Theirs", "")
		ids := mkUsers(t, s, tenant, 3)
		t1 := mkTeam(t, s, tenant, "One", "")
		t2 := mkTeam(t, s, tenant, "Two", "")
		member := func(m store.TeamMember, remove bool) error {
			return txErr(t, s, func(c context.Context, tx store.Tx) error { return tx.SetTeamMember(c, tenant, m, remove) })
		}
		for _, m := range []store.TeamMember{seat(t1.ID, ids[1], false), seat(t1.ID, ids[0], true)} {
			if err := member(m, false); err != nil {
				t.Fatal(err)
			}
		}
		want := []store.TeamMember{seat(t1.ID, ids[0], true), seat(t1.ID, ids[1], false)}
		if got := teamMembers(t, s, tenant, t1.ID); !reflect.DeepEqual(got, want) {
			t.Fatalf("TeamMembers = %+v, want %+v", got, want)
		}
		// Seating again changes the leader flag only.
		if err := member(seat(t1.ID, ids[0], false), false); err != nil {
			t.Fatal(err)
		}
		if err := member(seat(t1.ID, ids[1], true), false); err != nil {
			t.Fatal(err)
		}
		want = []store.TeamMember{seat(t1.ID, ids[0], false), seat(t1.ID, ids[1], true)}
		if got := teamMembers(t, s, tenant, t1.ID); !reflect.DeepEqual(got, want) {
			t.Fatalf("after re-seating TeamMembers = %+v, want %+v", got, want)
		}
		if err := member(seat(t1.ID, ids[0], false), true); err != nil {
			t.Fatal(err)
		}
		if got := teamMembers(t, s, tenant, t1.ID); len(got) != 1 || got[0].UserID != ids[1] {
			t.Fatalf("after unseating TeamMembers = %+v", got)
		}
		wantErr(t, "seating another tenant's user", member(seat(t1.ID, otherUser, false), false), store.ErrNotFound)
		wantErr(t, "seating on another tenant's team", member(seat(theirs.ID, ids[0], false), false), store.ErrNotFound)

		seats := func(user string, ms ...store.TeamMember) error {
			return txErr(t, s, func(c context.Context, tx store.Tx) error { return tx.SetTeamSeats(c, tenant, user, ms) })
		}
		if err := seats(ids[2], seat(t1.ID, "", true), seat(t2.ID, "", false)); err != nil {
			t.Fatal(err)
		}
		led, err := s.Reader().LedTeams(c, tenant, ids[2])
		if err != nil || len(led) != 1 || led[0].ID != t1.ID {
			t.Fatalf("LedTeams = %+v, %v; want One", led, err)
		}
		if err := seats(ids[2], seat(t2.ID, "", true)); err != nil {
			t.Fatal(err)
		}
		if got := teamMembers(t, s, tenant, t1.ID); len(got) != 1 || got[0].UserID != ids[1] {
			t.Fatalf("SetTeamSeats left the user on team One: %+v", got)
		}
		if got := teamMembers(t, s, tenant, t2.ID); !reflect.DeepEqual(got, []store.TeamMember{seat(t2.ID, ids[2], true)}) {
			t.Fatalf("team Two = %+v", got)
		}
		wantInvalid(t, "a seat on another tenant's team", seats(ids[2], seat(theirs.ID, "", false)))
		if got := teamMembers(t, s, tenant, t2.ID); len(got) != 1 {
			t.Fatalf("the refused SetTeamSeats changed team Two: %+v", got)
		}
		err = txErr(t, s, func(c context.Context, tx store.Tx) error { return tx.SetTeamSeats(c, tenant, otherUser, nil) })
		wantErr(t, "SetTeamSeats of another tenant's user", err, store.ErrNotFound)
		if led, _ := s.Reader().LedTeams(c, other, ids[2]); len(led) != 0 {
			t.Fatalf("LedTeams through another tenant = %+v", led)
		}
		if err := seats(ids[2]); err != nil {
			t.Fatal(err)
		}
		if led, _ := s.Reader().LedTeams(c, tenant, ids[2]); len(led) != 0 {
			t.Fatalf("after clearing the seats LedTeams = %+v", led)
		}
	},
	// A team linked to a group has the group's direct user members, with
	// leaders as seated; seats of non-members do not count.
	"LinkedMembers": func(t *testing.T, s store.Store) {
		c := ctx(t)
		tenant := newTenant(t, s)
		ids := mkUsers(t, s, tenant, 4)
		nested := mkGroup(t, s, tenant, "nested", ids[2])
		g := mkGroup(t, s, tenant, "idp-team", ids[1], ids[0], nested.ID)
		tm := mkTeam(t, s, tenant, "Linked", g.ID)
		inTx(t, s, func(c context.Context, tx store.Tx) error {
			if err := tx.SetTeamMember(c, tenant, seat(tm.ID, ids[0], true), false); err != nil {
				return err
			}
			return tx.SetTeamMember(c, tenant, seat(tm.ID, ids[3], true), false)
		})
		want := []store.TeamMember{seat(tm.ID, ids[0], true), seat(tm.ID, ids[1], false)}
		if got := teamMembers(t, s, tenant, tm.ID); !reflect.DeepEqual(got, want) {
			t.Fatalf("TeamMembers of a linked team = %+v, want %+v", got, want)
		}
		led, err := s.Reader().LedTeams(c, tenant, ids[0])
		if err != nil || len(led) != 1 || led[0].ID != tm.ID {
			t.Fatalf("LedTeams = %+v, %v", led, err)
		}
	},
}
