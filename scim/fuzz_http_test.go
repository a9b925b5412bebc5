package scim_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/scimd/scimd/scim"
)

// FuzzHTTPHandlers drives the real handlers with hostile text: NUL
// characters, invalid UTF-8, very long strings and keys repeated in other
// cases, as bodies of POST, PUT and PATCH and as filters. Whatever comes
// in, the answer is never a 5xx, and every error is a SCIM error (the
// response checks of env.do).
func FuzzHTTPHandlers(f *testing.F) {
	long := strings.Repeat("x", 3000)
	for _, s := range []struct{ key, value, filter string }{
		{"userName", `"a\u0000b"`, `userName eq "a\u0000"`},
		{"UserName", `"dup"`, `userName eq "` + "\xff\xfe" + `"`},
		{"displayName", `"` + long + `"`, `title co "` + long + `"`},
		{"emails", `[{"value":"a@b"},{"VALUE":"c@d"}]`, `emails[value eq "x"] and USERNAME pr`},
		{"name.givenName", `"x\ud800y"`, `name.givenName sw "\ud800"`},
		{"active", `"False"`, `active eq "maybe"`},
		{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager", `"nobody"`, `userName gt 5`},
		{"password", `"` + strings.Repeat("p", 100) + `"`, `meta.created gt "not a date"`},
		{"members", `[{"value":"\u0000"}]`, `members[value eq "\u0000"]`},
		{"x509Certificates", `[{"value":"` + long + `"}]`, `x509Certificates.value eq "` + long + `"`},
	} {
		f.Add(s.key, s.value, s.filter)
	}
	// One server per fuzzing process, on SQLite (the fuzz engine runs the
	// body thousands of times a second).
	e := newEnv(f, "sqlite", scim.Config{AuthFailLimit: -1})
	uid := e.createUser(f, "fuzz-target@example.com", nil)
	gid := e.createGroup(f, "fuzz-group", uid)
	f.Fuzz(func(t *testing.T, key, value, filter string) {
		keyJSON := jsonString(key)
		user := `{"schemas":["` + userSchema + `"],"userName":"fuzz",` + keyJSON + `:` + value + `}`
		group := `{"schemas":["` + groupSchema + `"],"displayName":"fuzz",` + keyJSON + `:` + value + `}`
		patchBody := `{"schemas":["` + patchOpSchema + `"],"Operations":[{"op":"replace","path":` + keyJSON + `,"value":` + value + `},` +
			`{"op":"add","value":{` + keyJSON + `:` + value + `}},{"op":"remove","path":` + jsonString(filter) + `}]}`
		for _, r := range []*response{
			e.doT(t, "POST", "/Users", user),
			e.doT(t, "PUT", "/Users/"+uid, user),
			e.doT(t, "PATCH", "/Users/"+uid, patchBody),
			e.doT(t, "POST", "/Groups", group),
			e.doT(t, "PATCH", "/Groups/"+gid, patchBody),
			e.doT(t, "GET", "/Users?filter="+url.QueryEscape(filter), nil),
			e.doT(t, "GET", "/Groups?filter="+url.QueryEscape(filter), nil),
			e.doT(t, "POST", "/Users/.search", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],"filter":`+jsonString(filter)+`}`),
		} {
			if r.Status >= 500 || r.Status == 0 {
				t.Fatalf("%s: status %d\n%s", r.what, r.Status, r.Raw)
			}
			if r.Status == 201 {
				if id, _ := r.Body["id"].(string); id != "" && strings.HasPrefix(r.what, "POST /Users") {
					e.doT(t, "DELETE", "/Users/"+id, nil)
				} else if id != "" {
					e.doT(t, "DELETE", "/Groups/"+id, nil)
				}
			}
		}
		// The target user stays readable and well-formed.
		e.doT(t, "GET", "/Users/"+uid, nil).want(t, 200)
		e.doT(t, "PUT", "/Users/"+uid, map[string]any{"schemas": []any{userSchema}, "userName": "fuzz-target@example.com"}).want(t, 200)
	})
}

// jsonString quotes s as a JSON string, keeping invalid UTF-8 bytes as they
// are (encoding/json would replace them): the server must cope with them.
func jsonString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20:
			b.WriteString(`\u00`)
			b.WriteByte("0123456789abcdef"[c>>4])
			b.WriteByte("0123456789abcdef"[c&15])
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}
