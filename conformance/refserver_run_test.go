package conformance

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
)

// Discovery documents of the reference server, and the tests that run the
// suite against it.

func refSPC() map[string]any {
	s := fakeSPC(true, false)
	s["bulk"] = map[string]any{"supported": false, "maxOperations": 0, "maxPayloadSize": refMaxPayload}
	s["filter"] = map[string]any{"supported": true, "maxResults": 200}
	s["sort"] = map[string]any{"supported": true}
	s["etag"] = map[string]any{"supported": true}
	s["changePassword"] = map[string]any{"supported": true}
	s["pagination"] = map[string]any{"cursor": true, "index": true, "defaultPaginationMethod": "index", "defaultPageSize": 100, "maxPageSize": 200, "cursorTimeout": 3600}
	return s
}

func attrDef(name, typ string, multi bool, extra ...string) map[string]any {
	a := map[string]any{"name": name, "type": typ, "multiValued": multi, "required": false, "mutability": "readWrite", "returned": "default", "uniqueness": "none", "caseExact": false}
	for i := 0; i+1 < len(extra); i += 2 {
		if extra[i+1] == "true" {
			a[extra[i]] = true
		} else {
			a[extra[i]] = extra[i+1]
		}
	}
	return a
}

func refSchemas() []map[string]any {
	sch := func(id, name string, attrs ...map[string]any) map[string]any {
		list := make([]any, len(attrs))
		for i, a := range attrs {
			list[i] = a
		}
		return map[string]any{"schemas": []any{schemaSchema}, "id": id, "name": name, "attributes": list}
	}
	return []map[string]any{
		sch(schemaUser, "User", attrDef("userName", "string", false, "required", "true", "uniqueness", "server"), attrDef("name", "complex", false),
			attrDef("password", "string", false, "mutability", "writeOnly", "returned", "never"), attrDef("groups", "complex", true, "mutability", "readOnly"),
			attrDef("emails", "complex", true), attrDef("active", "boolean", false)),
		sch(schemaGroup, "Group", attrDef("displayName", "string", false, "required", "true"), attrDef("members", "complex", true)),
		sch(schemaEnt, "EnterpriseUser", attrDef("employeeNumber", "string", false), attrDef("manager", "complex", false)),
	}
}

func refResourceTypes() []map[string]any {
	return []map[string]any{
		{"schemas": []any{schemaRT}, "id": "User", "name": "User", "endpoint": "/Users", "schema": schemaUser, "schemaExtensions": []any{map[string]any{"schema": schemaEnt, "required": false}}},
		{"schemas": []any{schemaRT}, "id": "Group", "name": "Group", "endpoint": "/Groups", "schema": schemaGroup},
	}
}

func TestSuitePassesAgainstReference(t *testing.T) {
	rep, rf := runRef(t, nil, "")
	if r := resultByID(rep, "ro-user-get-by-id"); r == nil || r.Status != Skip {
		t.Errorf("ro-user-get-by-id must skip on an empty endpoint: %+v", r)
	}
	for _, r := range rep.Results {
		switch r.Status {
		case Fail:
			for _, f := range r.Failures {
				t.Errorf("%s: %s", r.ID, formatFailure(f, 1500))
			}
		case Skip:
			t.Logf("skip %s: %s", r.ID, r.SkipReason)
		}
	}
	t.Log(rep.Summary())
	left := len(rf.res["Users"]) + len(rf.res["Groups"])
	if left != 0 {
		t.Errorf("%d resources left behind after cleanup", left)
	}
}

func TestReadOnlyAgainstReferenceWithData(t *testing.T) {
	rf := newRef("ref-token")
	srv := httptest.NewServer(rf)
	defer srv.Close()
	rf.base = srv.URL + "/scim/v2"
	for i := 0; i < 7; i++ {
		rf.store("Users", fmt.Sprintf("seed-%d", i), map[string]any{"userName": fmt.Sprintf("Existing.User%d@corp.example", i), "active": true, "name": map[string]any{"givenName": "E"}}, "")
	}
	rf.store("Groups", "seed-g", map[string]any{"displayName": "Existing Group", "members": []any{map[string]any{"value": "seed-1"}}}, "")
	rep, err := Execute(context.Background(), Target{URL: rf.base, Token: "ref-token", ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rep.Results {
		if r.Status == Fail {
			t.Errorf("%s: %v", r.ID, r.Failures)
		}
		if strings.HasPrefix(r.ID, "ro-") && r.Status != Pass {
			t.Errorf("%s should pass with data present: %s %s", r.ID, r.Status, r.SkipReason)
		}
	}
	if len(rf.res["Users"]) != 7 || len(rf.res["Groups"]) != 1 {
		t.Errorf("read-only run changed data")
	}
}

func runRef(t *testing.T, bugs map[string]bool, run string) (*Report, *ref) {
	rf := newRef("ref-token")
	rf.bugs = bugs
	refBugs = bugs
	t.Cleanup(func() { refBugs = nil })
	srv := httptest.NewServer(rf)
	t.Cleanup(srv.Close)
	rf.base = srv.URL + "/scim/v2"
	rep, err := Execute(context.Background(), Target{URL: rf.base, Token: "ref-token", Parallelism: 4, Run: run})
	if err != nil {
		t.Fatal(err)
	}
	return rep, rf
}

// TestChecksDetectDefects injects known defects into the reference server and
// requires the checks aimed at them to fail.
func TestChecksDetectDefects(t *testing.T) {
	cases := map[string][]string{
		"caseSensitiveUserName": {"uniq-username-case-409"},
		"caseSensitiveFilter":   {"uniq-username-filter-case", "okta-lookup-existing", "filter-subattr-case", "filter-co-case"},
		"no304":                 {"etag-if-none-match-304"},
		"likeWildcards":         {"filter-literal-percent", "filter-literal-underscore", "filter-literal-sw-percent"},
		"removeAllMembers":      {"entra-group-remove-members"},
		"noStringBooleans":      {"entra-patch-active-string-false", "entra-patch-active-string-true"},
		"leakPassword":          {"mut-password-not-returned-get", "mut-password-not-returned-list", "proj-password-never"},
		"ignoreExcluded":        {"proj-groups-excluded-members", "proj-excluded", "okta-group-lookup"},
		"statusAsNumber":        {"err-404-format", "users-get-404", "auth-no-token-scim-error"},
	}
	for bug, ids := range cases {
		rep, _ := runRef(t, map[string]bool{bug: true}, "^("+strings.Join(ids, "|")+")$")
		if len(rep.Results) != len(ids) {
			t.Errorf("%s: ran %d checks, want %d", bug, len(rep.Results), len(ids))
		}
		for _, r := range rep.Results {
			if r.Status != Fail {
				t.Errorf("defect %s: check %s should fail, got %s", bug, r.ID, r.Status)
			}
		}
	}
}
