package storetest

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/scimd/scimd/store"
)

// sortFixture creates users whose sort keys have ties (also ties only
// under case folding) and missing values.
//
//	userName  title  active  emails (primary marked *)
//	bob       b      true    z@b, a@b*
//	Alice     -      false   M@a
//	carol     A      -       -
//	Dave      b      true    c@d, b@d
//	erin      -      true    B@E*
//	frank     c      false   -
//	Gina      b      -       a@b
//	hank      -      true    -
//	ivy       B      false   y@i
func sortFixture(t *testing.T, s store.Store, tenant string) []*store.User {
	t.Helper()
	type spec struct {
		name, title string
		active      *bool
		emails      []store.Value
	}
	specs := []spec{
		{"bob", "b", ptr(true), []store.Value{{Value: "z@b"}, {Value: "a@b", Primary: true}}},
		{"Alice", "", ptr(false), []store.Value{{Value: "M@a"}}},
		{"carol", "A", nil, nil},
		{"Dave", "b", ptr(true), []store.Value{{Value: "c@d"}, {Value: "b@d"}}},
		{"erin", "", ptr(true), []store.Value{{Value: "B@E", Primary: true}}},
		{"frank", "c", ptr(false), nil},
		{"Gina", "b", nil, []store.Value{{Value: "a@b"}}},
		{"hank", "", ptr(true), nil},
		{"ivy", "B", ptr(false), []store.Value{{Value: "y@i"}}},
	}
	var users []*store.User
	for _, sp := range specs {
		users = append(users, mkUser(t, s, tenant, sp.name, func(u *store.User) {
			u.Title, u.Active = sp.title, sp.active
			// Phones are a decoy: a primary phone must not be a sort key for emails.
			u.Values = map[string][]store.Value{"emails": sp.emails, "phoneNumbers": {{Value: "0", Primary: true}}}
		}))
	}
	return users
}

// sortKeys extract the key a sort uses, nil when the user has none.
var sortKeys = map[string]func(u *store.User) *string{
	"user_name": func(u *store.User) *string { return ptr(strings.ToLower(u.UserName)) },
	"title": func(u *store.User) *string {
		if u.Title == "" {
			return nil
		}
		return ptr(strings.ToLower(u.Title))
	},
	"emails": func(u *store.User) *string {
		vs := u.Values["emails"]
		if len(vs) == 0 {
			return nil
		}
		v := vs[0]
		for _, x := range vs {
			if x.Primary {
				v = x
				break
			}
		}
		return ptr(strings.ToLower(v.Value))
	},
	"active": func(u *store.User) *string {
		if u.Active == nil {
			return nil
		}
		return ptr(fmt.Sprint(*u.Active)) // "false" < "true"
	},
	"created_at": func(u *store.User) *string { return ptr(fmt.Sprintf("%020d", u.Meta.Created.UnixMicro())) },
}

var sortFields = map[string]store.Field{
	"user_name":  strField("user_name"),
	"title":      strField("title"),
	"emails":     setField("emails", "value"),
	"active":     boolField("active"),
	"created_at": timeField("created_at"),
}

// expectedOrder sorts users as RFC 7644 §3.4.2.3 asks: by key, missing
// keys last ascending and first descending, ties by id in the same direction.
func expectedOrder(users []*store.User, key func(*store.User) *string, desc bool) []string {
	us := slices.Clone(users)
	sort.SliceStable(us, func(i, j int) bool {
		ki, kj := key(us[i]), key(us[j])
		c := 0
		switch {
		case ki == nil && kj == nil:
		case ki == nil:
			c = 1 // nulls after values, ascending
		case kj == nil:
			c = -1
		default:
			c = strings.Compare(*ki, *kj)
		}
		if c == 0 {
			c = strings.Compare(us[i].ID, us[j].ID)
		}
		if desc {
			return c > 0
		}
		return c < 0
	})
	ids := make([]string, len(us))
	for i, u := range us {
		ids[i] = u.ID
	}
	return ids
}

func ids(users []*store.User) []string {
	out := make([]string, len(users))
	for i, u := range users {
		out[i] = u.ID
	}
	return out
}

// namesOf maps ids back to userNames for readable failures.
func namesOf(users []*store.User, idList []string) string {
	byID := map[string]string{}
	for _, u := range users {
		byID[u.ID] = u.UserName
	}
	names := make([]string, len(idList))
	for i, id := range idList {
		names[i] = byID[id]
		if names[i] == "" {
			names[i] = "?" + id
		}
	}
	return strings.Join(names, " ")
}

var sortTests = map[string]func(t *testing.T, s store.Store){
	"Users": func(t *testing.T, s store.Store) {
		tenant := newTenant(t, s)
		users := sortFixture(t, s, tenant)
		for _, name := range []string{"user_name", "title", "emails", "active", "created_at"} {
			for _, desc := range []bool{false, true} {
				f := sortFields[name]
				got := ids(listAllUsers(t, s, tenant, store.Query{Sort: &f, Desc: desc}))
				want := expectedOrder(users, sortKeys[name], desc)
				if !slices.Equal(got, want) {
					t.Errorf("sort by %s desc=%v:\n got %s\nwant %s", name, desc, namesOf(users, got), namesOf(users, want))
				}
			}
		}
		// Without Sort: creation order (then id), reversed by Desc.
		for _, desc := range []bool{false, true} {
			got := ids(listAllUsers(t, s, tenant, store.Query{Desc: desc}))
			want := ids(users)
			if desc {
				slices.Reverse(want)
			}
			if !slices.Equal(got, want) {
				t.Errorf("no sort, desc=%v:\n got %s\nwant %s", desc, namesOf(users, got), namesOf(users, want))
			}
		}
		// Sort and filter together.
		f := strField("user_name")
		got := userNames(listAllUsers(t, s, tenant, store.Query{Sort: &f, Desc: true, Filter: cmp(strField("title"), store.OpEq, "b")}))
		if want := []string{"ivy", "Gina", "Dave", "bob"}; !slices.Equal(got, want) {
			t.Errorf("filtered sort = %v, want %v", got, want)
		}
	},
	"Groups": func(t *testing.T, s store.Store) {
		tenant := newTenant(t, s)
		for _, n := range []string{"beta", "Alpha", "gamma", "Delta"} {
			mkGroup(t, s, tenant, n)
		}
		f := strField("display_name")
		for _, desc := range []bool{false, true} {
			p, err := s.ListGroups(ctx(t), tenant, store.Query{Sort: &f, Desc: desc, Limit: 10})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, g := range p.Items {
				got = append(got, g.DisplayName)
			}
			want := []string{"Alpha", "beta", "Delta", "gamma"}
			if desc {
				slices.Reverse(want)
			}
			if !slices.Equal(got, want) {
				t.Errorf("groups by displayName desc=%v = %v, want %v", desc, got, want)
			}
		}
	},
	"Refused": func(t *testing.T, s store.Store) {
		tenant := newTenant(t, s)
		mkUser(t, s, tenant, "u")
		for _, f := range []store.Field{strField("password_hash"), strField("nope"), setField("nope", "value")} {
			if _, err := s.ListUsers(ctx(t), tenant, store.Query{Sort: &f, Limit: 10}); err == nil {
				t.Errorf("sort by %+v accepted", f)
			}
		}
	},
}

var pagingTests = map[string]func(t *testing.T, s store.Store){
	"Index": func(t *testing.T, s store.Store) {
		tenant := newTenant(t, s)
		users := sortFixture(t, s, tenant)
		other := newTenant(t, s)
		sortFixture(t, s, other)
		n := len(users)
		f := strField("user_name")
		want := expectedOrder(users, sortKeys["user_name"], false)
		for _, limit := range []int{1, 2, 4, n, n + 5} {
			var got []string
			for offset := 0; offset < n+2*limit; offset += limit {
				p, err := s.ListUsers(ctx(t), tenant, store.Query{Sort: &f, Offset: offset, Limit: limit, Total: true})
				if err != nil {
					t.Fatalf("offset %d limit %d: %v", offset, limit, err)
				}
				if p.Total != n {
					t.Errorf("offset %d limit %d: Total = %d, want %d", offset, limit, p.Total, n)
				}
				if wantLen := max(0, min(limit, n-offset)); len(p.Items) != wantLen {
					t.Errorf("offset %d limit %d: %d items, want %d", offset, limit, len(p.Items), wantLen)
				}
				if p.Next != nil {
					t.Errorf("index paging returned a cursor")
				}
				got = append(got, ids(p.Items)...)
			}
			if !slices.Equal(got, want) {
				t.Errorf("limit %d pages:\n got %s\nwant %s", limit, namesOf(users, got), namesOf(users, want))
			}
		}
		// Limit 0 counts only; without Total nothing is counted.
		for _, offset := range []int{0, 3, 100} {
			p, err := s.ListUsers(ctx(t), tenant, store.Query{Offset: offset, Limit: 0, Total: true})
			if err != nil || len(p.Items) != 0 || p.Total != n {
				t.Errorf("Limit 0 offset %d = %d items, total %d, %v; want 0, %d", offset, len(p.Items), p.Total, err, n)
			}
		}
		p, err := s.ListUsers(ctx(t), tenant, store.Query{Limit: 3})
		if err != nil || len(p.Items) != 3 || p.Total != -1 {
			t.Errorf("without Total: %d items, Total %d, %v", len(p.Items), p.Total, err)
		}
		// Totals of a filter, also on a page past the end and an empty result.
		for _, q := range []store.Query{
			{Filter: cmp(strField("title"), store.OpEq, "b"), Limit: 2, Total: true},
			{Filter: cmp(strField("title"), store.OpEq, "b"), Offset: 2, Limit: 2, Total: true},
			{Filter: cmp(strField("title"), store.OpEq, "b"), Offset: 9, Limit: 2, Total: true},
			{Filter: cmp(strField("title"), store.OpEq, "b"), Offset: 1, Limit: 0, Total: true},
		} {
			p, err := s.ListUsers(ctx(t), tenant, q)
			if err != nil || p.Total != 4 {
				t.Errorf("filtered total at offset %d limit %d = %+v, %v; want 4", q.Offset, q.Limit, p, err)
			}
		}
		p, err = s.ListUsers(ctx(t), tenant, store.Query{Filter: cmp(strField("title"), store.OpEq, "zzz"), Limit: 5, Total: true})
		if err != nil || p.Total != 0 || len(p.Items) != 0 {
			t.Errorf("empty result = %+v, %v", p, err)
		}
	},
	"Keyset": func(t *testing.T, s store.Store) {
		tenant := newTenant(t, s)
		users := sortFixture(t, s, tenant)
		other := newTenant(t, s)
		sortFixture(t, s, other)
		for _, name := range []string{"", "user_name", "title", "emails", "active", "created_at"} {
			for _, desc := range []bool{false, true} {
				var sortField *store.Field
				var want []string
				if name == "" {
					want = ids(users)
					if desc {
						slices.Reverse(want)
					}
				} else {
					sortField = ptr(sortFields[name])
					want = expectedOrder(users, sortKeys[name], desc)
				}
				for _, limit := range []int{1, 2, 3, len(users), len(users) + 1} {
					got := walkKeyset(t, s, tenant, store.Query{Sort: sortField, Desc: desc, Limit: limit, Offset: 4, Total: true}, len(users))
					if !slices.Equal(got, want) {
						t.Errorf("keyset by %q desc=%v limit %d:\n got %s\nwant %s", name, desc, limit, namesOf(users, got), namesOf(users, want))
					}
				}
			}
		}
		// With a filter.
		want := expectedOrder(users, sortKeys["emails"], false)
		want = slices.DeleteFunc(want, func(id string) bool {
			for _, u := range users {
				if u.ID == id {
					return len(u.Values["emails"]) == 0
				}
			}
			return true
		})
		got := walkKeyset(t, s, tenant, store.Query{Sort: ptr(sortFields["emails"]), Limit: 2, Filter: store.Has{Set: "emails"}, Total: true}, len(want))
		if !slices.Equal(got, want) {
			t.Errorf("filtered keyset:\n got %s\nwant %s", namesOf(users, got), namesOf(users, want))
		}
	},
	"KeysetGroups": func(t *testing.T, s store.Store) {
		tenant := newTenant(t, s)
		var want []string
		for i := range 5 {
			want = append(want, mkGroup(t, s, tenant, fmt.Sprintf("g%d", i)).ID)
		}
		var got []string
		q := store.Query{Keyset: true, Limit: 2, Sort: ptr(strField("display_name"))}
		for i := 0; ; i++ {
			p, err := s.ListGroups(ctx(t), tenant, q)
			if err != nil || i > 5 {
				t.Fatalf("page %d: %+v, %v", i, p, err)
			}
			for _, g := range p.Items {
				got = append(got, g.ID)
			}
			if p.Next == nil {
				break
			}
			q.After = p.Next
		}
		if !slices.Equal(got, want) {
			t.Errorf("group keyset walk = %v, want %v", got, want)
		}
	},
}

// walkKeyset pages through q by cursor and returns the ids in page order,
// checking page sizes, totals and that Next is nil exactly on the last page.
func walkKeyset(t *testing.T, s store.Store, tenant string, q store.Query, total int) []string {
	t.Helper()
	q.Keyset, q.After = true, nil
	var got []string
	for page := 0; ; page++ {
		if page > total+1 {
			t.Fatalf("keyset walk does not end (sort %+v desc=%v limit %d)", q.Sort, q.Desc, q.Limit)
		}
		p, err := s.ListUsers(ctx(t), tenant, q)
		if err != nil {
			t.Fatalf("keyset page %d (sort %+v desc=%v limit %d): %v", page, q.Sort, q.Desc, q.Limit, err)
		}
		got = append(got, ids(p.Items)...)
		if q.Total && p.Total != total {
			t.Errorf("keyset page %d: Total = %d, want %d", page, p.Total, total)
		}
		if len(p.Items) > q.Limit {
			t.Fatalf("keyset page %d has %d items, limit %d", page, len(p.Items), q.Limit)
		}
		if p.Next == nil {
			if len(got) < total {
				t.Errorf("Next is nil after %d of %d items (sort %+v desc=%v limit %d)", len(got), total, q.Sort, q.Desc, q.Limit)
			}
			return got
		}
		if len(p.Items) != q.Limit {
			t.Errorf("keyset page %d has %d items and a Next, want a full page of %d", page, len(p.Items), q.Limit)
		}
		if last := p.Items[len(p.Items)-1]; p.Next.ID != last.ID {
			t.Errorf("Next.ID = %s, want the last item's id %s", p.Next.ID, last.ID)
		}
		q.After = p.Next
	}
}
