package sqlstore_test

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/scimd/scimd/account"
	"github.com/scimd/scimd/store"
	"github.com/scimd/scimd/store/sqlstore"
	"github.com/scimd/scimd/store/sqlstore/sqltest"
)

// counter records the statements the store sends while on (BEGIN and
// COMMIT are statements too).
type counter struct {
	mu   sync.Mutex
	on   bool
	sent []string
}

func (c *counter) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.on {
		c.sent = append(c.sent, d.SQL)
	}
	return ctx
}

func (c *counter) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// during returns the statements sent while fn ran.
func (c *counter) during(t *testing.T, what string, fn func() error) []string {
	t.Helper()
	c.mu.Lock()
	c.on, c.sent = true, nil
	c.mu.Unlock()
	err := fn()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.on = false
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return c.sent
}

// TestWriteRoundTrips counts the statements of the writes IdPs send most,
// through the account layer as the SCIM handlers call it, with the audit
// entry and the feed's events they carry: creating a user is one
// statement, and so is adding or removing a member of a group that grants
// no role, whatever the group's size (the statement checks that it grants
// none; one that does is changed statement by statement).
func TestWriteRoundTrips(t *testing.T) {
	ctx := context.Background()
	cnt := &counter{}
	st, err := sqlstore.OpenTraced(ctx, sqltest.URL(t, "postgres"), cnt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	svc := account.New(account.Config{Store: st, PasswordCost: 4})
	tn, err := st.CreateTenant(ctx, "roundtrips")
	if err != nil {
		t.Fatal(err)
	}
	idp := account.IdP(store.Token{ID: "tok", Label: "okta", TenantID: tn.ID, Authority: store.AuthorityAdmin}, "req")
	user := func(i int) *store.User {
		return &store.User{UserName: "u" + strconv.Itoa(i) + "@example.com", ExternalID: "ext-" + strconv.Itoa(i), DisplayName: "U " + strconv.Itoa(i),
			Name:   store.Name{GivenName: "U", FamilyName: strconv.Itoa(i)},
			Values: map[string][]store.Value{"emails": {{Value: "u" + strconv.Itoa(i) + "@example.com", Type: "work", Primary: true}}}}
	}
	// The first of each shape prepares its statements; the counts are of
	// the second.
	var ids []string
	for i := range 3 {
		var u *store.User
		sent := cnt.during(t, "create", func() (err error) {
			u, err = svc.CreateUser(ctx, idp, tn.ID, account.UserInput{User: user(i)})
			return err
		})
		ids = append(ids, u.ID)
		if i > 0 && len(sent) != 1 {
			t.Fatalf("creating a user sent %d statements:\n%s", len(sent), strings.Join(sent, "\n"))
		}
	}
	got, err := st.Reader().GetUser(ctx, tn.ID, ids[1], store.LoadAll)
	if err != nil || got.UserName != "u1@example.com" || len(got.Values["emails"]) != 1 {
		t.Fatalf("the user created in one statement reads back as %+v, %v", got, err)
	}
	entries, err := st.Reader().Audit(ctx, tn.ID, store.AuditQuery{ResourceID: ids[1]})
	if err != nil || len(entries) != 1 || entries[0].Action != account.ActUserCreated {
		t.Fatalf("its audit: %+v, %v", entries, err)
	}

	big := make([]store.Member, 0, 200)
	for i := 3; i < 203; i++ {
		u, err := svc.CreateUser(ctx, idp, tn.ID, account.UserInput{User: user(i)})
		if err != nil {
			t.Fatal(err)
		}
		big = append(big, store.Member{ID: u.ID})
	}
	for _, members := range [][]store.Member{nil, big} {
		g, err := svc.CreateGroup(ctx, idp, tn.ID, account.GroupInput{Group: &store.Group{DisplayName: "g" + strconv.Itoa(len(members)), Members: members}})
		if err != nil {
			t.Fatal(err)
		}
		for round := range 2 {
			var res *store.Group
			sent := cnt.during(t, "add", func() (err error) {
				res, err = svc.EditMembers(ctx, idp, tn.ID, g.ID, []account.MemberOp{{Add: []string{ids[round]}}})
				return err
			})
			if round > 0 && len(sent) != 1 {
				t.Fatalf("adding a member to a group of %d sent %d statements:\n%s", len(members), len(sent), strings.Join(sent, "\n"))
			}
			if res.Meta.Version != g.Meta.Version+int64(2*round+1) {
				t.Fatalf("after the add the group is at version %d", res.Meta.Version)
			}
			sent = cnt.during(t, "remove", func() (err error) {
				res, err = svc.EditMembers(ctx, idp, tn.ID, g.ID, []account.MemberOp{{Remove: []string{ids[round]}}})
				return err
			})
			if round > 0 && len(sent) != 1 {
				t.Fatalf("removing a member of a group of %d sent %d statements:\n%s", len(members), len(sent), strings.Join(sent, "\n"))
			}
			if res.Meta.Version != g.Meta.Version+int64(2*round+2) {
				t.Fatalf("after the remove the group is at version %d", res.Meta.Version)
			}
		}
		full, err := st.Reader().GetGroup(ctx, tn.ID, g.ID, store.LoadMembers)
		if err != nil || len(full.Members) != len(members) {
			t.Fatalf("the group has %d members after adding and removing; want %d (%v)", len(full.Members), len(members), err)
		}
		es, err := st.Events(ctx, tn.ID, 0, 10_000)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, e := range es {
			if e.ResourceID == g.ID && (e.Type == account.ActMemberAdded || e.Type == account.ActMemberRemoved) {
				n++
			}
		}
		if n != len(members)+4 {
			t.Fatalf("the group's feed has %d member events; want %d", n, len(members)+4)
		}
	}
}
