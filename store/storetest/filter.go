package storetest

import (
	"testing"

	"github.com/scimd/scimd/store"
)

// filterFixture creates the users the filter tests query, in this order
// (creation times increase), and two groups; it returns them by userName.
//
//	userName     title    active  externalId  displayName     emails (type value)
//	Alice.Smith  Engineer true    EXT-A       Alice Smith     work alice@example.com (primary), home alice@home.org
//	bob          Manager  false   ext-a       Bob Jones       home bob@example.org, work no-at-sign
//	carol        -        -       -           -               -  (an address in Paris)
//	dave_50%     50% off  true    -           O'Brien "Dave"  work dave@example.com
//	erin         500      true    -           back\slash      - ERIN@EXAMPLE.COM
//	frank        a_b      false   -           frank           work frank@x
//	Gina         axb      true    -           Gina            -
func filterFixture(t *testing.T, s store.Store, tenant string) (map[string]*store.User, map[string]*store.Group) {
	t.Helper()
	type v = store.Value
	specs := []store.User{
		{UserName: "Alice.Smith", Title: "Engineer", Active: ptr(true), ExternalID: "EXT-A", DisplayName: "Alice Smith",
			Name:   store.Name{FamilyName: "Smith", GivenName: "Alice"},
			Values: map[string][]store.Value{"emails": {{Type: "work", Value: "alice@example.com", Primary: true}, {Type: "home", Value: "alice@home.org"}}, "phoneNumbers": {{Value: "+1 555 0100", Type: "mobile"}}}},
		{UserName: "bob", Title: "Manager", Active: ptr(false), ExternalID: "ext-a", DisplayName: "Bob Jones",
			Name:   store.Name{FamilyName: "Jones"},
			Values: map[string][]store.Value{"emails": {{Type: "home", Value: "bob@example.org"}, {Type: "work", Value: "no-at-sign"}}}},
		{UserName: "carol", Addresses: []store.Address{{Locality: "Paris", Country: "FR", Type: "work"}}},
		{UserName: "dave_50%", Title: "50% off", Active: ptr(true), DisplayName: `O'Brien "Dave"`,
			Values: map[string][]store.Value{"emails": {{Type: "work", Value: "dave@example.com"}}}},
		{UserName: "erin", Title: "500", Active: ptr(true), DisplayName: `back\slash`,
			Values: map[string][]store.Value{"emails": {v{Value: "ERIN@EXAMPLE.COM"}}}},
		{UserName: "frank", Title: "a_b", Active: ptr(false), DisplayName: "frank",
			Values: map[string][]store.Value{"emails": {{Type: "work", Value: "frank@x"}}}},
		{UserName: "Gina", Title: "axb", Active: ptr(true), DisplayName: "Gina"},
	}
	users := map[string]*store.User{}
	for i := range specs {
		u := specs[i]
		u.TenantID = tenant
		if err := s.CreateUser(ctx(t), &u); err != nil {
			t.Fatalf("CreateUser %s: %v", u.UserName, err)
		}
		users[u.UserName] = &u
	}
	groups := map[string]*store.Group{}
	groups["Admins"] = mkGroup(t, s, tenant, "Admins", users["Alice.Smith"].ID, users["bob"].ID)
	updateGroup(t, s, tenant, groups["Admins"].ID, func(g *store.Group, m store.Members) error { g.ExternalID = "G-1"; return nil })
	groups["Staff"] = mkGroup(t, s, tenant, "Staff", users["carol"].ID, groups["Admins"].ID)
	groups["Empty"] = mkGroup(t, s, tenant, "Empty")
	return users, groups
}

type filterCase struct {
	name string
	expr store.Expr
	want []string
}

func userFilterCases(users map[string]*store.User, groups map[string]*store.Group) []filterCase {
	all := []string{"Alice.Smith", "bob", "carol", "dave_50%", "erin", "frank", "Gina"}
	except := func(names ...string) []string {
		var out []string
		for _, n := range all {
			skip := false
			for _, x := range names {
				skip = skip || x == n
			}
			if !skip {
				out = append(out, n)
			}
		}
		return out
	}
	un, dn, title, ext := strField("user_name"), strField("display_name"), strField("title"), exactField("external_id")
	active := boolField("active")
	created := timeField("created_at")
	email := func(col string) store.Field { return setField("emails", col) }
	return []filterCase{
		// Case-insensitive strings.
		{"eq ci", cmp(un, store.OpEq, "ALICE.SMITH"), []string{"Alice.Smith"}},
		{"eq ci lower", cmp(un, store.OpEq, "gina"), []string{"Gina"}},
		{"ne", cmp(un, store.OpNe, "BOB"), except("bob")},
		{"co", cmp(dn, store.OpCo, "SMITH"), []string{"Alice.Smith"}},
		{"sw", cmp(dn, store.OpSw, "bob"), []string{"bob"}},
		{"ew", cmp(dn, store.OpEw, "JONES"), []string{"bob"}},
		{"pr", cmp(title, store.OpPr, nil), except("carol")},
		{"gt", cmp(un, store.OpGt, "DAVE"), []string{"dave_50%", "erin", "frank", "Gina"}},
		{"ge", cmp(un, store.OpGe, "Erin"), []string{"erin", "frank", "Gina"}},
		{"lt", cmp(un, store.OpLt, "BOB"), []string{"Alice.Smith"}},
		{"le", cmp(un, store.OpLe, "BOB"), []string{"Alice.Smith", "bob"}},
		{"ne includes unassigned", cmp(title, store.OpNe, "engineer"), except("Alice.Smith")},
		{"family name", cmp(strField("name_family_name"), store.OpEq, "smith"), []string{"Alice.Smith"}},
		// Case-exact strings.
		{"exact eq", cmp(ext, store.OpEq, "EXT-A"), []string{"Alice.Smith"}},
		{"exact eq other case", cmp(ext, store.OpEq, "ext-a"), []string{"bob"}},
		{"exact sw", cmp(ext, store.OpSw, "EXT"), []string{"Alice.Smith"}},
		{"exact co", cmp(exactField("title"), store.OpCo, "ngin"), []string{"Alice.Smith"}},
		{"exact co wrong case", cmp(exactField("title"), store.OpCo, "ENGIN"), nil},
		{"ci on externalId", cmp(strField("external_id"), store.OpEq, "Ext-A"), []string{"Alice.Smith", "bob"}},
		// Booleans and times.
		{"active true", cmp(active, store.OpEq, true), []string{"Alice.Smith", "dave_50%", "erin", "Gina"}},
		{"active false", cmp(active, store.OpEq, false), []string{"bob", "frank"}},
		{"active ne true", cmp(active, store.OpNe, true), []string{"bob", "carol", "frank"}},
		{"active pr", cmp(active, store.OpPr, nil), except("carol")},
		{"created gt", cmp(created, store.OpGt, users["erin"].Meta.Created), []string{"frank", "Gina"}},
		{"created ge", cmp(created, store.OpGe, users["erin"].Meta.Created), []string{"erin", "frank", "Gina"}},
		{"created lt", cmp(created, store.OpLt, users["carol"].Meta.Created), []string{"Alice.Smith", "bob"}},
		{"created le", cmp(created, store.OpLe, users["carol"].Meta.Created), []string{"Alice.Smith", "bob", "carol"}},
		{"last_modified ge", cmp(timeField("last_modified"), store.OpGe, users["Gina"].Meta.LastModified), []string{"Gina"}},
		// Values match literally.
		{"co percent", cmp(title, store.OpCo, "50%"), []string{"dave_50%"}},
		{"co lone percent", cmp(title, store.OpCo, "%"), []string{"dave_50%"}},
		{"sw digits", cmp(title, store.OpSw, "50"), []string{"dave_50%", "erin"}},
		{"co underscore", cmp(title, store.OpCo, "_"), []string{"frank"}},
		{"eq underscore", cmp(title, store.OpEq, "A_B"), []string{"frank"}},
		{"ew underscore percent", cmp(un, store.OpEw, "_50%"), []string{"dave_50%"}},
		{"co backslash", cmp(dn, store.OpCo, `\`), []string{"erin"}},
		{"eq backslash", cmp(dn, store.OpEq, `BACK\SLASH`), []string{"erin"}},
		{"sw backslash escape", cmp(dn, store.OpSw, `back\s`), []string{"erin"}},
		{"co quote", cmp(dn, store.OpCo, `'`), []string{"dave_50%"}},
		{"eq quotes", cmp(dn, store.OpEq, `o'brien "dave"`), []string{"dave_50%"}},
		{"co sql", cmp(dn, store.OpCo, `' OR '1'='1`), nil},
		// Logic.
		{"or and", store.Or{Left: cmp(title, store.OpEq, "engineer"),
			Right: store.And{Left: cmp(active, store.OpEq, false), Right: cmp(un, store.OpEq, "frank")}},
			[]string{"Alice.Smith", "frank"}},
		{"and or", store.And{Left: store.Or{Left: cmp(title, store.OpEq, "engineer"), Right: cmp(active, store.OpEq, false)},
			Right: cmp(un, store.OpEq, "frank")}, []string{"frank"}},
		{"not or", store.Not{X: store.Or{Left: cmp(active, store.OpEq, true), Right: cmp(title, store.OpPr, nil)}}, []string{"carol"}},
		{"or not", store.Or{Left: store.Not{X: cmp(active, store.OpEq, true)}, Right: cmp(title, store.OpEq, "500")},
			[]string{"bob", "carol", "erin", "frank"}},
		{"not eq includes unassigned", store.Not{X: cmp(title, store.OpEq, "engineer")}, except("Alice.Smith")},
		{"not and includes unassigned", store.Not{X: store.And{Left: cmp(active, store.OpEq, true), Right: cmp(title, store.OpSw, "50")}},
			except("dave_50%", "erin")},
		{"not not", store.Not{X: store.Not{X: cmp(title, store.OpEq, "engineer")}}, []string{"Alice.Smith"}},
		{"not gt", store.Not{X: cmp(un, store.OpGt, "c")}, []string{"Alice.Smith", "bob"}},
		// Multi-valued attributes.
		{"has work email with @", store.Has{Set: "emails", Where: store.And{Left: cmp(email("type"), store.OpEq, "work"),
			Right: cmp(email("value"), store.OpCo, "@")}}, []string{"Alice.Smith", "dave_50%", "frank"}},
		{"has emails", store.Has{Set: "emails"}, except("carol", "Gina")},
		{"not has emails", store.Not{X: store.Has{Set: "emails"}}, []string{"carol", "Gina"}},
		{"has email ci", store.Has{Set: "emails", Where: cmp(email("value"), store.OpEq, "erin@example.com")}, []string{"erin"}},
		{"has primary email", store.Has{Set: "emails", Where: cmp(store.Field{Set: "emails", Column: "is_primary", Type: store.TypeBool}, store.OpEq, true)},
			[]string{"Alice.Smith"}},
		{"has email or", store.Has{Set: "emails", Where: store.Or{Left: cmp(email("type"), store.OpEq, "HOME"),
			Right: cmp(email("value"), store.OpEw, "@x")}}, []string{"Alice.Smith", "bob", "frank"}},
		{"has email not", store.Has{Set: "emails", Where: store.Not{X: cmp(email("value"), store.OpCo, "example")}},
			[]string{"Alice.Smith", "bob", "frank"}},
		{"has phone", store.Has{Set: "phoneNumbers"}, []string{"Alice.Smith"}},
		{"emails are not phones", store.Has{Set: "phoneNumbers", Where: cmp(setField("phoneNumbers", "value"), store.OpCo, "@")}, nil},
		{"has address", store.Has{Set: "addresses", Where: cmp(setField("addresses", "locality"), store.OpEq, "PARIS")}, []string{"carol"}},
		{"has group value", store.Has{Set: "groups", Where: cmp(store.Field{Set: "groups", Column: "value", CaseExact: true}, store.OpEq, groups["Admins"].ID)}, []string{"Alice.Smith", "bob"}},
		{"has group display", store.Has{Set: "groups", Where: cmp(setField("groups", "display"), store.OpEq, "staff")}, []string{"carol"}},
		// A value set under an OR (PostgreSQL: key = ANY (ARRAY(SELECT ...)), the admin search's shape).
		{"or has email", store.Or{Left: cmp(un, store.OpEq, "carol"),
			Right: store.Has{Set: "emails", Where: cmp(email("value"), store.OpEq, "ERIN@example.com")}}, []string{"carol", "erin"}},
		{"not or has emails", store.Not{X: store.Or{Left: store.Has{Set: "emails"}, Right: cmp(un, store.OpEq, "carol")}}, []string{"Gina"}},
		{"admin search", store.Or{Left: store.Or{Left: cmp(un, store.OpCo, "ERI"), Right: cmp(dn, store.OpCo, "eri")},
			Right: store.Has{Set: "emails", Where: cmp(email("value"), store.OpCo, "erin@")}}, []string{"erin"}},
		{"has and not", store.And{Left: store.Has{Set: "emails", Where: cmp(email("type"), store.OpEq, "work")},
			Right: store.Not{X: cmp(active, store.OpEq, false)}}, []string{"Alice.Smith", "dave_50%"}},
	}
}

func groupFilterCases(users map[string]*store.User, groups map[string]*store.Group) []filterCase {
	dn := strField("display_name")
	member := func(col string) store.Field { return setField("members", col) }
	return []filterCase{
		{"eq ci", cmp(dn, store.OpEq, "ADMINS"), []string{"Admins"}},
		{"sw", cmp(dn, store.OpSw, "adm"), []string{"Admins"}},
		{"ne", cmp(dn, store.OpNe, "admins"), []string{"Staff", "Empty"}},
		{"externalId exact", cmp(exactField("external_id"), store.OpEq, "G-1"), []string{"Admins"}},
		{"externalId exact other case", cmp(exactField("external_id"), store.OpEq, "g-1"), nil},
		{"externalId pr", cmp(exactField("external_id"), store.OpPr, nil), []string{"Admins"}},
		{"member user", store.Has{Set: "members", Where: cmp(store.Field{Set: "members", Column: "value", CaseExact: true}, store.OpEq, users["Alice.Smith"].ID)}, []string{"Admins"}},
		{"member group", store.Has{Set: "members", Where: cmp(member("value"), store.OpEq, groups["Admins"].ID)}, []string{"Staff"}},
		{"member type", store.Has{Set: "members", Where: cmp(member("type"), store.OpEq, "group")}, []string{"Staff"}},
		{"has members", store.Has{Set: "members"}, []string{"Admins", "Staff"}},
		{"no members", store.Not{X: store.Has{Set: "members"}}, []string{"Empty"}},
		{"or", store.Or{Left: store.Has{Set: "members", Where: cmp(member("value"), store.OpEq, users["carol"].ID)},
			Right: cmp(dn, store.OpEq, "empty")}, []string{"Staff", "Empty"}},
		{"created gt", cmp(timeField("created_at"), store.OpGt, groups["Admins"].Meta.Created), []string{"Staff", "Empty"}},
		{"member of other tenant", store.Has{Set: "members", Where: cmp(member("value"), store.OpEq, "x")}, nil},
	}
}

var filterTests = map[string]func(t *testing.T, s store.Store){
	"Users": func(t *testing.T, s store.Store) {
		a, b := newTenant(t, s), newTenant(t, s)
		ua, ga := filterFixture(t, s, a)
		ub, gb := filterFixture(t, s, b)
		byTenant := map[string]map[string]*store.User{a: ua, b: ub}
		for tenant, cases := range map[string][]filterCase{a: userFilterCases(ua, ga), b: userFilterCases(ub, gb)} {
			for _, fc := range cases {
				p, err := s.ListUsers(ctx(t), tenant, store.Query{Filter: fc.expr, Limit: 100, Total: true})
				if err != nil {
					t.Errorf("%s (%s): %v", fc.name, describe(fc.expr), err)
					continue
				}
				var got []string
				for _, u := range p.Items {
					got = append(got, u.UserName)
					if u.TenantID != tenant || byTenant[tenant][u.UserName] == nil || byTenant[tenant][u.UserName].ID != u.ID {
						t.Errorf("%s: returned %s (%s) of tenant %s, querying tenant %s", fc.name, u.UserName, u.ID, u.TenantID, tenant)
					}
				}
				if !sameStrings(got, fc.want) {
					t.Errorf("%s (%s):\n got %s\nwant %s", fc.name, describe(fc.expr), quoteAll(sorted(got...)), quoteAll(sorted(fc.want...)))
				}
				if p.Total != len(fc.want) {
					t.Errorf("%s: Total = %d, want %d", fc.name, p.Total, len(fc.want))
				}
			}
		}
	},
	"Groups": func(t *testing.T, s store.Store) {
		a, b := newTenant(t, s), newTenant(t, s)
		ua, ga := filterFixture(t, s, a)
		ub, gb := filterFixture(t, s, b)
		byTenant := map[string]map[string]*store.Group{a: ga, b: gb}
		for tenant, cases := range map[string][]filterCase{a: groupFilterCases(ua, ga), b: groupFilterCases(ub, gb)} {
			for _, fc := range cases {
				p, err := s.ListGroups(ctx(t), tenant, store.Query{Filter: fc.expr, Limit: 100, Total: true})
				if err != nil {
					t.Errorf("%s (%s): %v", fc.name, describe(fc.expr), err)
					continue
				}
				var got []string
				for _, g := range p.Items {
					got = append(got, g.DisplayName)
					if g.TenantID != tenant || byTenant[tenant][g.DisplayName] == nil || byTenant[tenant][g.DisplayName].ID != g.ID {
						t.Errorf("%s: returned %s (%s) of tenant %s, querying tenant %s", fc.name, g.DisplayName, g.ID, g.TenantID, tenant)
					}
				}
				if !sameStrings(got, fc.want) || p.Total != len(fc.want) {
					t.Errorf("%s (%s):\n got %s (total %d)\nwant %s", fc.name, describe(fc.expr), quoteAll(sorted(got...)), p.Total, quoteAll(sorted(fc.want...)))
				}
			}
		}
	},
	"Unicode": func(t *testing.T, s store.Store) {
		// Case-insensitive means beyond ASCII, for every column alike.
		tenant := newTenant(t, s)
		mkUser(t, s, tenant, "Émile", func(u *store.User) {
			u.DisplayName, u.Title = "Émile Zola", "ÉCRIVAIN"
			u.Values = map[string][]store.Value{"emails": {{Value: "ÉMILE@EXAMPLE.COM"}}}
		})
		mkUser(t, s, tenant, "emile", func(u *store.User) { u.DisplayName, u.Title = "emile", "ecrivain" })
		for _, fc := range []filterCase{
			{"userName", cmp(strField("user_name"), store.OpEq, "éMILE"), []string{"Émile"}},
			{"displayName eq", cmp(strField("display_name"), store.OpEq, "ÉMILE ZOLA"), []string{"Émile"}},
			{"displayName sw", cmp(strField("display_name"), store.OpSw, "éMILE"), []string{"Émile"}},
			{"title co", cmp(strField("title"), store.OpCo, "écri"), []string{"Émile"}},
			{"email", store.Has{Set: "emails", Where: cmp(setField("emails", "value"), store.OpEq, "émile@example.com")}, []string{"Émile"}},
			{"exact", cmp(exactField("title"), store.OpEq, "écrivain"), nil},
		} {
			got := userNames(listAllUsers(t, s, tenant, store.Query{Filter: fc.expr}))
			if !sameStrings(got, fc.want) {
				t.Errorf("%s (%s) = %v, want %v", fc.name, describe(fc.expr), got, fc.want)
			}
		}
	},
	"CrossTenantMembership": func(t *testing.T, s store.Store) {
		// A filter on another tenant's ids finds nothing.
		a, b := newTenant(t, s), newTenant(t, s)
		ua, ga := filterFixture(t, s, a)
		filterFixture(t, s, b)
		for _, e := range []store.Expr{
			store.Has{Set: "members", Where: cmp(exactField("value"), store.OpEq, ua["bob"].ID)},
			cmp(exactField("id"), store.OpEq, ga["Admins"].ID),
		} {
			p, err := s.ListGroups(ctx(t), b, store.Query{Filter: e, Limit: 10, Total: true})
			if err != nil || len(p.Items) != 0 || p.Total != 0 {
				t.Errorf("%s in tenant b = %+v, %v", describe(e), p, err)
			}
		}
		p, err := s.ListUsers(ctx(t), b, store.Query{Filter: cmp(exactField("id"), store.OpEq, ua["bob"].ID), Limit: 10, Total: true})
		if err != nil || len(p.Items) != 0 || p.Total != 0 {
			t.Errorf("id eq in tenant b = %+v, %v", p, err)
		}
	},
	"Refused": func(t *testing.T, s store.Store) {
		// Columns outside the mapping are refused, not guessed at.
		tenant := newTenant(t, s)
		mkUser(t, s, tenant, "u", func(u *store.User) { u.PasswordHash = "secret" })
		for _, e := range []store.Expr{
			cmp(strField("password_hash"), store.OpPr, nil),
			cmp(strField("no_such_column"), store.OpEq, "x"),
			store.Has{Set: "no_such_set"},
			cmp(boolField("active"), store.OpCo, true),
		} {
			if p, err := s.ListUsers(ctx(t), tenant, store.Query{Filter: e, Limit: 10}); err == nil {
				t.Errorf("%s: accepted, returned %d users", describe(e), len(p.Items))
			}
		}
	},
}
