package mapping_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/scimd/scimd/account"
	"github.com/scimd/scimd/mapping"
	"github.com/scimd/scimd/store"
)

// mapJSON is what the map-based path writes for a user: EncodeUser, the
// account extension when there is a view, json.Marshal.
func mapJSON(t testing.TB, u *store.User, base string, v *account.UserView) []byte {
	t.Helper()
	doc := mapping.EncodeUser(u, base)
	if v != nil {
		mapping.EncodeAccountUser(doc, *v, nil)
	}
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func checkSameJSON(t *testing.T, name string, u *store.User, base string, v *account.UserView) {
	t.Helper()
	want := mapJSON(t, u, base, v)
	got := mapping.AppendUserJSON(nil, u, base, v)
	if !bytes.Equal(got, want) {
		t.Errorf("%s: AppendUserJSON differs from json.Marshal(EncodeUser)\n got: %s\nwant: %s", name, got, want)
	}
	if !json.Valid(got) {
		t.Errorf("%s: not valid JSON: %s", name, got)
	}
	// Appending after other bytes must not depend on what came before
	// (the comma logic looks at the previous byte).
	for _, prefix := range []string{"[", `{"a":1,"Resources":[`, `[{"x":"y"},`} {
		got := mapping.AppendUserJSON([]byte(prefix), u, base, v)
		if !bytes.Equal(got[len(prefix):], want) {
			t.Errorf("%s: after %q: got %s", name, prefix, got[len(prefix):])
		}
	}
}

// trickyStrings cover every escaping rule of encoding/json: quotes and
// backslashes, control characters (short and \u forms), HTML characters,
// DEL, multi-byte UTF-8, U+2028/U+2029, and invalid UTF-8.
var trickyStrings = []string{
	"", "plain", `quo"te`, `back\slash`, "tab\tnew\nline\rcr", "\b\f", "nul\x00x", "\x01\x1f", "\x7f",
	"<script>alert('x')</script>", "R&D", "a>b", "Zoë Ünïcødé", "名前", "emoji 🎉👩‍💻", "line\u2028sep\u2029para",
	"bad\xffutf8", "\xc3", "trunc\xe2\x82", "e\u0301", "€", "\u00a0nbsp", "ok\U0010FFFF",
}

func TestAppendUserJSONMatchesMapEncoding(t *testing.T) {
	yes, no := true, false
	created := time.Date(2026, 3, 4, 5, 6, 7, 891_234_000, time.FixedZone("x", 3600))
	full := &store.User{
		TenantID: "t1", ID: "2819c223-7f76-453a-919d-413861904646", ExternalID: "ext<1>&", UserName: "Bjensen@Example.com",
		Name: store.Name{Formatted: "Ms. Barbara J Jensen, III", FamilyName: "Jensen", GivenName: "Barbara",
			MiddleName: "Jane", HonorificPrefix: "Ms.", HonorificSuffix: "III"},
		DisplayName: "Babs \"BJ\" Jensen", NickName: "Babs", ProfileURL: "https://login.example.com/bjensen?a=1&b=<2>",
		Title: "Tour Guide", UserType: "Employee", PreferredLanguage: "en-US", Locale: "en-US", Timezone: "America/Los_Angeles",
		Active:       &yes,
		PasswordHash: "$2a$10$secret",
		Values: map[string][]store.Value{
			"emails":           {{Value: "bjensen@example.com", Type: "work", Primary: true}, {Value: "babs@jensen.org", Type: "home"}},
			"phoneNumbers":     {{Value: "555-555-5555", Type: "work"}, {Value: "+1 (555) 555-4444", Display: "mobile", Type: "mobile"}},
			"ims":              {{Value: "someaimhandle", Type: "aim"}},
			"photos":           {{Value: "https://photos.example.com/profilephoto/72930000000Ccne/F", Type: "photo"}},
			"entitlements":     {{Value: "full access", Display: "Full"}},
			"roles":            {{Value: "Agent", Primary: true}, {Value: "not a role"}},
			"x509Certificates": {{Value: "MIIDQzCCAqygAwIBAgICEAAwDQYJKoZIhvcNAQEFBQAwTjEL"}},
		},
		Addresses: []store.Address{
			{Formatted: "100 Universal City Plaza\nHollywood, CA 91608 USA", StreetAddress: "100 Universal City Plaza",
				Locality: "Hollywood", Region: "CA", PostalCode: "91608", Country: "USA", Type: "work", Primary: true},
			{StreetAddress: "456 Hollywood Blvd", Type: "home"},
		},
		Enterprise: store.Enterprise{EmployeeNumber: "701984", CostCenter: "4130", Organization: "Universal Studios",
			Division: "Theme Park", Department: "Tour Operations", ManagerID: "26118915-6090-4610-87e4-49d8ca9f808d",
			ManagerDisplay: "John Smith"},
		Groups: []store.GroupRef{{ID: "e9e30dba-f08f-4109-8486-d5c6a331660a", Display: "Tour Guides", Direct: true},
			{ID: "fc348aa8-3835-40eb-a20b-c726e15c55b5", Display: "Employees & <Staff>"}},
		State: "active", Source: "scim",
		Meta: store.Meta{Created: created, LastModified: created.Add(36*time.Hour + time.Millisecond), Version: 42},
	}
	view := &account.UserView{
		State: "active", Owner: true,
		Grants: []account.GrantView{{Role: "Owner", RoleKey: "owner", Source: "direct"},
			{Role: "Team Leader", RoleKey: "tl", Node: "node-1", Source: "roles"}},
		AgentIDs: []store.AgentID{{System: "genesys", Value: "A-1"}, {System: "five9", Value: ""}},
		Teams:    []store.TeamSeat{{TeamID: "team-1", TeamName: "Support <EU>", Leader: true}, {TeamID: "team-2", TeamName: ""}},
		Voice: &store.VoiceView{Extension: "1234", LocationName: "Berlin", LocationID: "loc-1", PrimaryNumber: "+49 30 1234",
			AdditionalNumbers: []string{"+49 30 1", "+49 30 2"}},
		Unmapped: []string{"not a role"},
	}
	base := "https://scim.example.com/scim/v2"

	cases := []struct {
		name string
		u    *store.User
		v    *account.UserView
		base string
	}{
		{"everything, no account extension", full, nil, base},
		{"everything with the account extension", full, view, base},
		{"minimal", &store.User{ID: "u1", UserName: "min", Meta: store.Meta{Version: 1}}, nil, base},
		{"minimal, empty view", &store.User{ID: "u1", UserName: "min"}, &account.UserView{}, base},
		{"inactive, no groups loaded", &store.User{ID: "u2", UserName: "x", Active: &no}, nil, ""},
		{"groups loaded but none", &store.User{ID: "u3", UserName: "x", Groups: []store.GroupRef{}}, nil, base},
		{"empty value elements", &store.User{ID: "u4", UserName: "x", Values: map[string][]store.Value{
			"emails": {{}, {Display: "only display"}, {Primary: true}}, "roles": {}}}, nil, base},
		{"empty address", &store.User{ID: "u5", UserName: "x", Addresses: []store.Address{{}, {Primary: true}}}, nil, base},
		{"only part of the name", &store.User{ID: "u6", UserName: "x", Name: store.Name{MiddleName: "M"}}, nil, base},
		{"enterprise without manager", &store.User{ID: "u7", UserName: "x", Enterprise: store.Enterprise{Department: "R&D"}}, nil, base},
		{"manager without display name", &store.User{ID: "u8", UserName: "x", Enterprise: store.Enterprise{ManagerID: "m1"}}, nil, base},
		{"manager display only (not shown)", &store.User{ID: "u9", UserName: "x", Enterprise: store.Enterprise{ManagerDisplay: "ghost"}}, nil, base},
		{"voice with extension only", &store.User{ID: "u10", UserName: "x"}, &account.UserView{State: "invited", Voice: &store.VoiceView{}}, base},
		{"non-ASCII base URL", &store.User{ID: "idé", UserName: "x", Groups: []store.GroupRef{{ID: "g\xff", Display: "d"}},
			Enterprise: store.Enterprise{ManagerID: "m\u2028"}}, nil, "http://h\xc3/scim/v2"},
		{"base URL with escapes", &store.User{ID: "i\"d", UserName: "x", Groups: []store.GroupRef{{ID: "<g>"}}}, nil, `http://a&b<c>"d\e/scim/v2`},
	}
	for _, c := range cases {
		checkSameJSON(t, c.name, c.u, c.base, c.v)
	}
	for i, s := range trickyStrings {
		u := &store.User{ID: s, UserName: s, DisplayName: s, ExternalID: s, Name: store.Name{GivenName: s},
			Values:     map[string][]store.Value{"emails": {{Value: s, Display: s, Type: s}}},
			Addresses:  []store.Address{{Locality: s, Country: s}},
			Enterprise: store.Enterprise{Department: s, ManagerID: s, ManagerDisplay: s},
			Groups:     []store.GroupRef{{ID: s, Display: s, Direct: i%2 == 0}}}
		v := &account.UserView{State: s, Grants: []account.GrantView{{Role: s, Node: s, Source: s}},
			AgentIDs: []store.AgentID{{System: s, Value: s}}, Teams: []store.TeamSeat{{TeamID: s, TeamName: s}},
			Voice: &store.VoiceView{Extension: s, LocationName: s, PrimaryNumber: s, AdditionalNumbers: []string{s}}, Unmapped: []string{s}}
		checkSameJSON(t, "tricky "+s, u, base, v)
		checkSameJSON(t, "tricky base "+s, u, base+s, nil)
	}
}

// TestAppendUserJSONRandomUsers compares the encoders on many users built
// at random from the tricky strings, with every part present or absent.
func TestAppendUserJSONRandomUsers(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	str := func() string {
		if r.IntN(3) == 0 {
			return ""
		}
		return trickyStrings[r.IntN(len(trickyStrings))]
	}
	strs := func() []string {
		var out []string
		for range r.IntN(3) {
			out = append(out, str())
		}
		return out
	}
	for i := range 3000 {
		u := &store.User{ID: str(), UserName: str(), ExternalID: str(), DisplayName: str(), NickName: str(),
			ProfileURL: str(), Title: str(), UserType: str(), PreferredLanguage: str(), Locale: str(), Timezone: str(),
			Name: store.Name{Formatted: str(), FamilyName: str(), GivenName: str(), MiddleName: str(),
				HonorificPrefix: str(), HonorificSuffix: str()},
			Enterprise: store.Enterprise{EmployeeNumber: str(), CostCenter: str(), Organization: str(),
				Division: str(), Department: str(), ManagerID: str(), ManagerDisplay: str()},
			Meta: store.Meta{Created: time.UnixMicro(r.Int64N(4e15)), LastModified: time.UnixMicro(r.Int64N(4e15)),
				Version: r.Int64N(1e6)}}
		if r.IntN(3) > 0 {
			b := r.IntN(2) == 0
			u.Active = &b
		}
		for _, attr := range store.ValueAttrs {
			for range r.IntN(3) {
				if u.Values == nil {
					u.Values = map[string][]store.Value{}
				}
				u.Values[attr] = append(u.Values[attr], store.Value{Value: str(), Display: str(), Type: str(), Primary: r.IntN(2) == 0})
			}
		}
		for range r.IntN(3) {
			u.Addresses = append(u.Addresses, store.Address{Formatted: str(), StreetAddress: str(), Locality: str(),
				Region: str(), PostalCode: str(), Country: str(), Type: str(), Primary: r.IntN(2) == 0})
		}
		if r.IntN(3) > 0 {
			u.Groups = []store.GroupRef{}
			for range r.IntN(4) {
				u.Groups = append(u.Groups, store.GroupRef{ID: str(), Display: str(), Direct: r.IntN(2) == 0})
			}
		}
		var v *account.UserView
		if r.IntN(3) > 0 {
			v = &account.UserView{State: str(), Owner: r.IntN(2) == 0, Unmapped: strs()}
			for range r.IntN(3) {
				v.Grants = append(v.Grants, account.GrantView{Role: str(), Node: str(), Source: str()})
			}
			for range r.IntN(3) {
				v.AgentIDs = append(v.AgentIDs, store.AgentID{System: str(), Value: str()})
			}
			for range r.IntN(3) {
				v.Teams = append(v.Teams, store.TeamSeat{TeamID: str(), TeamName: str(), Leader: r.IntN(2) == 0})
			}
			if r.IntN(2) == 0 {
				v.Voice = &store.VoiceView{Extension: str(), LocationName: str(), PrimaryNumber: str(), AdditionalNumbers: strs()}
			}
		}
		base := "https://scim.example.com/scim/v2"
		if i%10 == 0 {
			base = str()
		}
		want := mapJSON(t, u, base, v)
		if got := mapping.AppendUserJSON(nil, u, base, v); !bytes.Equal(got, want) {
			t.Fatalf("user %d: AppendUserJSON differs\n got: %s\nwant: %s", i, got, want)
		}
	}
}

func TestAppendJSONStringMatchesEncodingJSON(t *testing.T) {
	all := make([]byte, 0, 256)
	for c := range 256 {
		all = append(all, byte(c))
	}
	for _, s := range append(trickyStrings, string(all), "\xed\xa0\x80", "\xf4\x90\x80\x80") {
		want, _ := json.Marshal(s)
		if got := mapping.AppendJSONString(nil, s); !bytes.Equal(got, want) {
			t.Errorf("%q: got %s, want %s", s, got, want)
		}
	}
}

func BenchmarkEncodeUser(b *testing.B) {
	yes := true
	u := &store.User{ID: "2819c223-7f76-453a-919d-413861904646", UserName: "user1@example.com", ExternalID: "ext-1",
		Name: store.Name{GivenName: "Given", FamilyName: "Family"}, DisplayName: "User 1", Active: &yes,
		Values: map[string][]store.Value{"emails": {{Value: "user1@example.com", Type: "work", Primary: true}}},
		Groups: []store.GroupRef{{ID: "e9e30dba-f08f-4109-8486-d5c6a331660a", Display: "Everyone", Direct: true}},
		Meta:   store.Meta{Created: time.Now(), LastModified: time.Now(), Version: 3}}
	v := &account.UserView{State: "active"}
	base := "http://127.0.0.1:8080/scim/v2"
	b.Run("map", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			mapJSON(b, u, base, v)
		}
	})
	b.Run("append", func(b *testing.B) {
		b.ReportAllocs()
		buf := make([]byte, 0, 2048)
		for b.Loop() {
			buf = mapping.AppendUserJSON(buf[:0], u, base, v)
		}
	})
}

// fmtUserETag is UserETag as it was written first, with hash/fnv and fmt:
// the allocation-free one must give the same tags, or every client's
// If-None-Match would miss once.
func fmtUserETag(u *store.User) string {
	h := fnv.New64a()
	derived := false
	for _, g := range u.Groups {
		fmt.Fprintf(h, "g\x00%s\x00%s\x00%t\x00", g.ID, g.Display, g.Direct)
		derived = true
	}
	if u.Enterprise.ManagerID != "" {
		fmt.Fprintf(h, "m\x00%s\x00", u.Enterprise.ManagerDisplay)
		derived = true
	}
	v := strconv.FormatInt(u.Meta.Version, 10)
	if derived {
		v += "-" + strconv.FormatUint(h.Sum64(), 36)
	}
	return `W/"` + v + `"`
}

func TestUserETagUnchanged(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for i := range 2000 {
		u := &store.User{Meta: store.Meta{Version: r.Int64N(1e9)}}
		for range r.IntN(4) {
			u.Groups = append(u.Groups, store.GroupRef{ID: trickyStrings[r.IntN(len(trickyStrings))],
				Display: trickyStrings[r.IntN(len(trickyStrings))], Direct: r.IntN(2) == 0})
		}
		if r.IntN(2) == 0 {
			u.Enterprise.ManagerID = "m"
			u.Enterprise.ManagerDisplay = trickyStrings[r.IntN(len(trickyStrings))]
		}
		if got, want := mapping.UserETag(u), fmtUserETag(u); got != want {
			t.Fatalf("user %d: UserETag %s, want %s", i, got, want)
		}
	}
}
