package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/scimd/scimd/store"
)

func putInvitation(t *testing.T, s store.Store, inv *store.Invitation) error {
	return txErr(t, s, func(c context.Context, tx store.Tx) error { return tx.PutInvitation(c, inv) })
}

func takeInvitation(t *testing.T, s store.Store, hash []byte, at time.Time) (store.Invitation, error) {
	var inv store.Invitation
	err := txErr(t, s, func(c context.Context, tx store.Tx) error {
		var err error
		inv, err = tx.TakeInvitation(c, hash, at)
		return err
	})
	return inv, err
}

var invitationTests = map[string]func(t *testing.T, s store.Store){
	"Invitations": func(t *testing.T, s store.Store) {
		c := ctx(t)
		tenant := newTenant(t, s)
		u := mkUser(t, s, tenant, "invitee", func(u *store.User) { u.State = store.StateInvited })
		other, otherUser, _ := otherTenant(t, s)
		t0 := now()
		inv := store.Invitation{TenantID: tenant, UserID: u.ID, TokenHash: hashOf("one"), ExpiresAt: t0.Add(7 * 24 * time.Hour)}
		if err := putInvitation(t, s, &inv); err != nil {
			t.Fatal(err)
		}
		if inv.CreatedAt.IsZero() || inv.SentCount != 1 {
			t.Fatalf("PutInvitation set %+v", inv)
		}
		r := s.Reader()
		if got, err := r.GetInvitation(c, tenant, u.ID); err != nil || !reflect.DeepEqual(got, inv) {
			t.Fatalf("GetInvitation = %+v, %v; want %+v", got, err, inv)
		}
		if got, err := r.InvitationByHash(c, hashOf("one"), t0); err != nil || got.UserID != u.ID || got.TenantID != tenant {
			t.Fatalf("InvitationByHash = %+v, %v", got, err)
		}
		_, err := r.InvitationByHash(c, hashOf("one"), inv.ExpiresAt)
		wantErr(t, "InvitationByHash when it expires", err, store.ErrNotFound)
		_, err = r.GetInvitation(c, other, u.ID)
		wantErr(t, "GetInvitation through another tenant", err, store.ErrNotFound)

		// Resending replaces the link: the old hash no longer finds it.
		resent := store.Invitation{TenantID: tenant, UserID: u.ID, TokenHash: hashOf("two"), ExpiresAt: t0.Add(time.Hour), SentCount: 2}
		if err := putInvitation(t, s, &resent); err != nil {
			t.Fatal(err)
		}
		if got, _ := r.GetInvitation(c, tenant, u.ID); !reflect.DeepEqual(got, resent) {
			t.Fatalf("after resending GetInvitation = %+v, want %+v", got, resent)
		}
		_, err = r.InvitationByHash(c, hashOf("one"), t0)
		wantErr(t, "the old link after resending", err, store.ErrNotFound)

		_, err = takeInvitation(t, s, hashOf("two"), resent.ExpiresAt.Add(time.Second))
		wantErr(t, "TakeInvitation of an expired link", err, store.ErrNotFound)
		got, err := takeInvitation(t, s, hashOf("two"), t0)
		if err != nil || !reflect.DeepEqual(got, resent) {
			t.Fatalf("TakeInvitation = %+v, %v; want %+v", got, err, resent)
		}
		_, err = takeInvitation(t, s, hashOf("two"), t0)
		wantErr(t, "second TakeInvitation", err, store.ErrNotFound)
		_, err = r.GetInvitation(c, tenant, u.ID)
		wantErr(t, "GetInvitation after TakeInvitation", err, store.ErrNotFound)

		if err := putInvitation(t, s, &store.Invitation{TenantID: tenant, UserID: u.ID, TokenHash: hashOf("three"), ExpiresAt: t0.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		del := func(tenantID string) error {
			return txErr(t, s, func(c context.Context, tx store.Tx) error { return tx.DeleteInvitation(c, tenantID, u.ID) })
		}
		wantErr(t, "DeleteInvitation through another tenant", del(other), store.ErrNotFound)
		if err := del(tenant); err != nil {
			t.Fatal(err)
		}
		wantErr(t, "second DeleteInvitation", del(tenant), store.ErrNotFound)
		err = putInvitation(t, s, &store.Invitation{TenantID: tenant, UserID: otherUser, TokenHash: hashOf("x"), ExpiresAt: t0.Add(time.Hour)})
		wantErr(t, "inviting another tenant's user", err, store.ErrNotFound)
		wantInvalid(t, "an invitation without a hash", putInvitation(t, s, &store.Invitation{TenantID: tenant, UserID: u.ID}))
	},
	"LoginLinks": func(t *testing.T, s store.Store) {
		tenant := newTenant(t, s)
		u := mkUser(t, s, tenant, "admin")
		_, otherUser, _ := otherTenant(t, s)
		t0 := now()
		insert := func(l store.LoginLink) error {
			return txErr(t, s, func(c context.Context, tx store.Tx) error { return tx.InsertLoginLink(c, &l) })
		}
		use := func(hash []byte, at time.Time) (store.LoginLink, error) {
			var l store.LoginLink
			err := txErr(t, s, func(c context.Context, tx store.Tx) error {
				var err error
				l, err = tx.UseLoginLink(c, hash, at)
				return err
			})
			return l, err
		}
		if err := insert(store.LoginLink{TokenHash: hashOf("live"), TenantID: tenant, UserID: u.ID, ExpiresAt: t0.Add(15 * time.Minute)}); err != nil {
			t.Fatal(err)
		}
		if err := insert(store.LoginLink{TokenHash: hashOf("old"), TenantID: tenant, UserID: u.ID, ExpiresAt: t0.Add(-time.Minute)}); err != nil {
			t.Fatal(err)
		}
		l, err := use(hashOf("live"), t0)
		if err != nil || l.UserID != u.ID || l.TenantID != tenant || l.UsedAt == nil || !l.UsedAt.Equal(t0) ||
			!bytes.Equal(l.TokenHash, hashOf("live")) || l.CreatedAt.IsZero() {
			t.Fatalf("UseLoginLink = %+v, %v", l, err)
		}
		_, err = use(hashOf("live"), t0)
		wantErr(t, "second UseLoginLink", err, store.ErrNotFound)
		_, err = use(hashOf("old"), t0)
		wantErr(t, "UseLoginLink of an expired link", err, store.ErrNotFound)
		_, err = use(hashOf("never"), t0)
		wantErr(t, "UseLoginLink of an unknown link", err, store.ErrNotFound)
		err = insert(store.LoginLink{TokenHash: hashOf("x"), TenantID: tenant, UserID: otherUser, ExpiresAt: t0.Add(time.Hour)})
		wantErr(t, "a link for another tenant's user", err, store.ErrNotFound)
	},
	"Sessions": func(t *testing.T, s store.Store) {
		c := ctx(t)
		tenant := newTenant(t, s)
		ids := mkUsers(t, s, tenant, 2)
		other, otherUser, _ := otherTenant(t, s)
		t0 := now()
		insert := func(name, user string, tenantID string, expires time.Time) error {
			return txErr(t, s, func(c context.Context, tx store.Tx) error {
				return tx.InsertSession(c, &store.Session{IDHash: hashOf(name), TenantID: tenantID, UserID: user, ExpiresAt: expires})
			})
		}
		for i, name := range []string{"a1", "a2", "b1"} {
			if err := insert(name, ids[i/2], tenant, t0.Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
		}
		if err := insert("old", ids[0], tenant, t0.Add(-time.Second)); err != nil {
			t.Fatal(err)
		}
		if err := insert("theirs", otherUser, other, t0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		wantErr(t, "a session for another tenant's user", insert("x", otherUser, tenant, t0.Add(time.Hour)), store.ErrNotFound)
		r := s.Reader()
		sess, err := r.SessionByHash(c, hashOf("a1"), t0)
		if err != nil || sess.UserID != ids[0] || sess.TenantID != tenant || sess.CreatedAt.IsZero() ||
			!sess.LastSeenAt.Equal(sess.CreatedAt) || !sess.ExpiresAt.Equal(t0.Add(time.Hour)) {
			t.Fatalf("SessionByHash = %+v, %v", sess, err)
		}
		_, err = r.SessionByHash(c, hashOf("old"), t0)
		wantErr(t, "SessionByHash of an expired session", err, store.ErrNotFound)

		seen := t0.Add(time.Minute)
		inTx(t, s, func(c context.Context, tx store.Tx) error { return tx.TouchSession(c, hashOf("a1"), seen) })
		if sess, _ := r.SessionByHash(c, hashOf("a1"), t0); !sess.LastSeenAt.Equal(seen) {
			t.Fatalf("after TouchSession LastSeenAt = %v, want %v", sess.LastSeenAt, seen)
		}
		err = txErr(t, s, func(c context.Context, tx store.Tx) error { return tx.TouchSession(c, hashOf("never"), seen) })
		wantErr(t, "TouchSession of an unknown session", err, store.ErrNotFound)

		inTx(t, s, func(c context.Context, tx store.Tx) error { return tx.DeleteSession(c, hashOf("b1")) })
		_, err = r.SessionByHash(c, hashOf("b1"), t0)
		wantErr(t, "SessionByHash after DeleteSession", err, store.ErrNotFound)
		err = txErr(t, s, func(c context.Context, tx store.Tx) error { return tx.DeleteSession(c, hashOf("b1")) })
		wantErr(t, "second DeleteSession", err, store.ErrNotFound)

		// Through another tenant nothing goes; then all of the user's go.
		inTx(t, s, func(c context.Context, tx store.Tx) error { return tx.DeleteUserSessions(c, other, ids[0]) })
		if _, err := r.SessionByHash(c, hashOf("a2"), t0); err != nil {
			t.Fatalf("DeleteUserSessions through another tenant removed a session: %v", err)
		}
		inTx(t, s, func(c context.Context, tx store.Tx) error { return tx.DeleteUserSessions(c, tenant, ids[0]) })
		for _, name := range []string{"a1", "a2"} {
			_, err := r.SessionByHash(c, hashOf(name), t0)
			wantErr(t, "SessionByHash after DeleteUserSessions", err, store.ErrNotFound)
		}
		if _, err := r.SessionByHash(c, hashOf("theirs"), t0); err != nil {
			t.Fatalf("the other tenant's session: %v", err)
		}
	},
}

// invitationRace: several transactions take one invitation at once;
// exactly one gets it.
func invitationRace(t *testing.T, s store.Store) {
	tenant := newTenant(t, s)
	u := mkUser(t, s, tenant, "invitee")
	for round := range 5 {
		hash := hashOf(fmt.Sprint("race", round))
		if err := putInvitation(t, s, &store.Invitation{TenantID: tenant, UserID: u.ID, TokenHash: hash, ExpiresAt: now().Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		const n = 4
		errs := make([]error, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			wg.Go(func() {
				<-start
				_, errs[i] = takeInvitation(t, s, hash, now())
			})
		}
		close(start)
		wg.Wait()
		won := 0
		for i, err := range errs {
			switch {
			case err == nil:
				won++
			case !errors.Is(err, store.ErrNotFound):
				t.Fatalf("round %d: taker %d: %v", round, i, err)
			}
		}
		if won != 1 {
			t.Fatalf("round %d: %d takers got the invitation, want 1", round, won)
		}
	}
}
