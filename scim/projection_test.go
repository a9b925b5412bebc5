package scim_test

import (
	"net/http"
	"slices"
	"testing"

	"github.com/scimd/scimd/scim"
)

func keys(m map[string]any) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// TestUserProjection checks attributes and excludedAttributes (RFC 7644
// §3.4.2.5, §3.9) on reads, lists, searches and writes.
func TestUserProjection(t *testing.T) {
	t.Parallel()
	eachBackend(t, scim.Config{}, func(t *testing.T, e *env) {
		e.secret("Pr0jection-Secret")
		body := map[string]any{
			"schemas":  []any{userSchema, enterpriseSchema},
			"userName": "proj@example.com", "displayName": "Pro Jection", "password": "Pr0jection-Secret",
			"name":           map[string]any{"givenName": "Pro", "familyName": "Jection"},
			"emails":         []any{map[string]any{"value": "proj@example.com", "type": "work", "primary": true}},
			enterpriseSchema: map[string]any{"employeeNumber": "42", "department": "QA"},
		}
		id := e.do("POST", "/Users?attributes=userName", body).want(t, http.StatusCreated).Body
		if got := keys(id); !slices.Equal(got, []string{"id", "schemas", "userName"}) {
			t.Errorf("POST ?attributes=userName returned %v", got)
		}
		uid, _ := id["id"].(string)
		one := "/Users/" + uid

		cases := []struct {
			query string
			check func(t *testing.T, doc map[string]any)
		}{
			{"attributes=userName", func(t *testing.T, doc map[string]any) {
				if got := keys(doc); !slices.Equal(got, []string{"id", "schemas", "userName"}) {
					t.Errorf("keys %v", got)
				}
			}},
			{"attributes=name.givenName,emails.value", func(t *testing.T, doc map[string]any) {
				eq(t, "name", doc, map[string]any{"givenName": "Pro"}, "name")
				eq(t, "emails", doc, []any{map[string]any{"value": "proj@example.com"}}, "emails")
				eq(t, "userName", doc, nil, "userName")
			}},
			{"attributes=" + enterpriseSchema + ":employeeNumber", func(t *testing.T, doc map[string]any) {
				eq(t, "extension", doc, map[string]any{"employeeNumber": "42"}, enterpriseSchema)
			}},
			{"attributes=" + enterpriseSchema, func(t *testing.T, doc map[string]any) {
				eq(t, "extension", doc, "QA", enterpriseSchema, "department")
				eq(t, "userName", doc, nil, "userName")
			}},
			{"excludedAttributes=emails,name,meta", func(t *testing.T, doc map[string]any) {
				for _, k := range []string{"emails", "name", "meta"} {
					if _, ok := doc[k]; ok {
						t.Errorf("%s returned", k)
					}
				}
				eq(t, "userName", doc, "proj@example.com", "userName")
			}},
			{"excludedAttributes=id,schemas,userName", func(t *testing.T, doc map[string]any) {
				eq(t, "id (returned always)", doc, uid, "id")
				eq(t, "userName", doc, nil, "userName")
			}},
			{"excludedAttributes=" + enterpriseSchema, func(t *testing.T, doc map[string]any) {
				eq(t, "extension", doc, nil, enterpriseSchema)
				eq(t, "displayName", doc, "Pro Jection", "displayName")
			}},
			{"attributes=password", func(t *testing.T, doc map[string]any) {
				if got := keys(doc); !slices.Equal(got, []string{"id", "schemas"}) {
					t.Errorf("keys %v", got)
				}
			}},
		}
		for _, c := range cases {
			t.Run(c.query, func(t *testing.T) {
				c.check(t, e.doT(t, "GET", one+"?"+c.query, nil).want(t, http.StatusOK).Body)
				res := e.doT(t, "GET", "/Users?"+c.query, nil).resources(t)
				if len(res) != 1 {
					t.Fatalf("list: %d resources", len(res))
				}
				c.check(t, res[0])
				c.check(t, e.doT(t, "PATCH", one+"?"+c.query, patch(op("replace", "title", c.query))).want(t, http.StatusOK).Body)
			})
		}
		// A search body takes the lists as arrays.
		res := e.do("POST", "/Users/.search", map[string]any{
			"schemas":            []any{"urn:ietf:params:scim:api:messages:2.0:SearchRequest"},
			"excludedAttributes": []any{"emails", "name"},
		}).resources(t)
		if len(res) != 1 || res[0]["emails"] != nil || res[0]["name"] != nil || res[0]["userName"] == nil {
			t.Errorf("POST .search excludedAttributes [emails, name]: %v", res)
		}
	})
}

// TestExcludedMembers: excludedAttributes=members never returns members,
// whichever endpoint answers with a group.
func TestExcludedMembers(t *testing.T) {
	t.Parallel()
	eachBackend(t, scim.Config{}, func(t *testing.T, e *env) {
		uid := e.createUser(t, "m@example.com", nil)
		ex := "?excludedAttributes=members"
		g := e.do("POST", "/Groups"+ex, map[string]any{"schemas": []any{groupSchema}, "displayName": "crew",
			"members": []any{map[string]any{"value": uid}}}).want(t, http.StatusCreated)
		gid := g.id(t)
		docs := map[string]map[string]any{"POST": g.Body}
		docs["GET one"] = e.do("GET", "/Groups/"+gid+ex, nil).want(t, http.StatusOK).Body
		docs["PUT"] = e.do("PUT", "/Groups/"+gid+ex, map[string]any{"schemas": []any{groupSchema}, "displayName": "crew",
			"members": []any{map[string]any{"value": uid}}}).want(t, http.StatusOK).Body
		docs["PATCH"] = e.do("PATCH", "/Groups/"+gid+ex, patch(op("add", "members", []any{map[string]any{"value": uid}}))).
			want(t, http.StatusOK).Body
		docs["attributes=displayName"] = e.do("GET", "/Groups/"+gid+"?attributes=displayName", nil).want(t, http.StatusOK).Body
		docs["list"] = e.do("GET", "/Groups"+ex+"&filter=displayName%20eq%20%22crew%22", nil).resources(t)[0]
		docs["cursor list"] = e.do("GET", "/Groups"+ex+"&count=5&cursor=", nil).resources(t)[0]
		search := map[string]any{"schemas": []any{"urn:ietf:params:scim:api:messages:2.0:SearchRequest"}, "excludedAttributes": []any{"members"}}
		docs["POST .search"] = e.do("POST", "/Groups/.search", search).resources(t)[0]
		for _, r := range e.do("POST", "/.search", search).resources(t) {
			if r["displayName"] == "crew" {
				docs["POST /.search"] = r
			}
		}
		for name, doc := range docs {
			if doc == nil {
				t.Errorf("%s: the group is missing", name)
				continue
			}
			if _, ok := doc["members"]; ok {
				t.Errorf("%s returned members: %v", name, doc["members"])
			}
			if doc["id"] != gid {
				t.Errorf("%s: id %v, want %s", name, doc["id"], gid)
			}
		}
		// Without the exclusion the members are there.
		if got := memberIDs(e.do("GET", "/Groups/"+gid, nil).want(t, http.StatusOK).Body); !slices.Equal(got, []string{uid}) {
			t.Errorf("GET without exclusion: members %v", got)
		}
	})
}
