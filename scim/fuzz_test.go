package scim

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/scimd/scimd/mapping"
	"github.com/scimd/scimd/store"
)

// FuzzParseFilter feeds arbitrary filters to the filter compiler: it must
// not panic, and every error must be a *filterError, which toError answers
// as 400 invalidFilter (never nil, i.e. a 500).
func FuzzParseFilter(f *testing.F) {
	for _, s := range []string{
		// What IdPs send (Okta, Entra ID) and RFC 7644 §3.4.2.2's examples.
		`userName eq "test.user@okta.local"`, `userName eq "Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee"`,
		`externalId eq "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"`, `displayName eq "Test SCIMv2"`, `emails[type eq "work"].value eq "a@b.c"`,
		`userName eq "bjensen"`, `name.familyName co "O'Malley"`, `userName sw "J"`, `urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J"`,
		`title pr`, `meta.lastModified gt "2011-05-13T04:42:34Z"`, `meta.lastModified ge "2011-05-13T04:42:34Z"`,
		`title pr and userType eq "Employee"`, `title pr or userType eq "Intern"`,
		`schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"`,
		`userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")`,
		`userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")`,
		`userType eq "Employee" and emails[type eq "work" and value co "@example.com"]`,
		`emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]`,
		`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "26118915-6090-4610-87e4-49d8ca9f808d"`,
		`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "701984"`,
		`active eq true`, `active eq "True"`, `members[value eq "x"]`, `groups.value eq "g"`, `addresses[postalCode eq "98052"]`,
		// Nasty ones.
		``, ` `, `userName eq`, `userName eq "`, `userName eq "a\"b"`, `userName eq "a\\"`, `userName eq "\u0000"`, "userName eq \"\xff\"",
		`(`, `)`, `((userName pr))`, `not(userName pr)`, `not userName pr`, `userName pr and`, `a eq "x" or b eq "y"`,
		`emails[emails[type eq "x"]]`, `emails[type eq "x"].value.sub eq "y"`, `name[givenName eq "x"]`, `userName[value eq "x"]`,
		`userName gt 1e400`, `userName eq 12345678901234567890123`, `meta.created gt "not a date"`, `meta.created co "2011"`,
		`active gt true`, `active eq 1`, `active eq null`, `userName eq null`, `userName gt null`, `name pr`, `name eq "x"`,
		`emails eq "x"`, `x509Certificates.value eq "x"`, `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager eq "x"`,
		`urn:x:y eq "z"`, `:eq "x"`, `userName.x eq "y"`, `USERNAME EQ "X"`, `userName Eq "x"`, `userName  eq  "x"`,
		`userName eq "x" and userName eq "y" and userName eq "z" or (title pr and not (active eq false))`,
		strings.Repeat("(", 70) + "title pr" + strings.Repeat(")", 70), strings.Repeat("not (", 30) + "title pr" + strings.Repeat(")", 30),
		`userName eq "` + strings.Repeat("(", 100) + `"`, strings.Repeat("title pr or ", 800) + "title pr",
	} {
		f.Add(s)
	}
	reg := mapping.NewRegistry()
	f.Fuzz(func(t *testing.T, s string) {
		for _, rt := range reg.ResourceTypes() {
			_, err := parseFilter(rt, s)
			if err == nil {
				continue
			}
			var fe *filterError
			if !errors.As(err, &fe) {
				t.Fatalf("%s filter %q: error %T %v is not a *filterError", rt.Name, s, err, err)
			}
			if e := toError(err); e == nil || e.Status != 400 || e.ScimType != typeInvalidFilter {
				t.Fatalf("%s filter %q: toError gives %+v, want 400 invalidFilter", rt.Name, s, e)
			}
		}
	})
}

// FuzzPatch applies PATCH documents of two fuzzed operations to a user as
// patchUser does: no panic, and every error is a client error (*Error or
// *mapping.Error that toError answers with a 4xx).
func FuzzPatch(f *testing.F) {
	for _, s := range [][6]string{
		// Okta.
		{"replace", "", `{"active":false}`, "", "", ""},
		{"replace", "", `{"password":"1mz050nq"}`, "", "", ""},
		// Entra ID.
		{"Replace", "active", `"False"`, "Add", "nickName", `"Babs"`},
		{"Replace", `emails[type eq "work"].value`, `"updatedEmail@microsoft.com"`, "Replace", "name.familyName", `"updatedFamilyName"`},
		{"replace", "", `{"displayName":"Bjfe","name.givenName":"Kkom","name.familyName":"Unua","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber":"Aklq"}`, "", "", ""},
		{"Add", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager", `"26118915-6090-4610-87e4-49d8ca9f808d"`, "", "", ""},
		{"Replace", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager", `{"value":""}`, "", "", ""},
		{"Add", `emails[type eq "other"].value`, `"new@x"`, "Replace", `addresses[type eq "work"].streetAddress`, `"1 Main St"`},
		{"Remove", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager", "", "Remove", `phoneNumbers[type eq "fax"]`, ""},
		// RFC 7644 §3.5.2.
		{"add", "emails", `[{"value":"b@x","type":"home","primary":true}]`, "replace", `emails[type eq "home"].primary`, "true"},
		{"remove", `emails[type eq "work" and value ew "example.com"]`, "", "add", "", `{"emails":[{"value":"c@x"}],"nickName":"Babs"}`},
		{"replace", "name", `{"givenName":"G"}`, "remove", "name.givenName", ""},
		{"add", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", `{"department":"D","manager":{"value":"m"}}`, "", "", ""},
		// Nasty: empty values, wrong types, bad paths, read-only targets.
		{"add", "emails", `[""]`, "replace", `emails[type ne "work"].value`, `"x"`},
		{"add", "emails", `[null,{}]`, "remove", `emails[not (type eq "work")].display`, ""},
		{"replace", "emails", `"plain"`, "replace", "emails.value", `5`},
		{"replace", "active", `{"a":1}`, "add", "name", `[1,2]`},
		{"replace", `emails[type eq "work"`, `"x"`, "move", "userName", `"x"`},
		{"remove", "userName", "", "replace", "id", `"new"`},
		{"replace", "meta.created", `"2020-01-01T00:00:00Z"`, "add", "groups", `[{"value":"g"}]`},
		{"add", `name[givenName eq "x"]`, `"y"`, "add", `emails[type eq "a"][x]`, `"y"`},
		{"replace", `emails[value gt 5]`, `"y"`, "replace", `emails[primary eq "True"].value`, `"z"`},
		{"replace", `addresses[type eq "work" and primary eq true]`, `{"locality":"Oslo"}`, "add", `x509Certificates[value pr]`, `{"value":"y"}`},
		{"replace", "urn:ietf:params:scim:schemas:core:2.0:User:userName", `"u2"`, "replace", "urn:x:y", `"z"`},
		{"add", "", `{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":"x"}`, "add", "", `[1]`},
		{"replace", "password", `"` + string(bytes.Repeat([]byte("p"), 80)) + `"`, "add", "userName", "null"},
		{"replace", "title", `"a\u0000b"`, "replace", "emails[type eq \"\xff\"].value", `"x"`},
		{"remove", "emails[" + strings.Repeat("(", 70) + `type eq "work"` + strings.Repeat(")", 70) + "]", "", "", "", ""},
	} {
		f.Add(s[0], s[1], s[2], s[3], s[4], s[5])
	}
	reg := mapping.NewRegistry()
	active := true
	sample := &store.User{
		ID: "2819c223-7f76-453a-919d-413861904646", UserName: "bjensen@example.com", ExternalID: "bjensen",
		DisplayName: "Babs Jensen", Title: "Tour Guide", Active: &active,
		Name: store.Name{GivenName: "Barbara", FamilyName: "Jensen", Formatted: "Ms. Barbara J Jensen, III"},
		Values: map[string][]store.Value{
			"emails":       {{Value: "bjensen@example.com", Type: "work", Primary: true}, {Value: "babs@jensen.org", Type: "home"}},
			"phoneNumbers": {{Value: "555-555-5555", Type: "work"}, {Value: "555-555-4444", Type: "mobile"}},
		},
		Addresses: []store.Address{{Type: "work", StreetAddress: "100 Universal City Plaza", Locality: "Hollywood", Primary: true}},
		Enterprise: store.Enterprise{EmployeeNumber: "701984", Department: "Tour Operations", ManagerID: "26118915-6090-4610-87e4-49d8ca9f808d",
			ManagerDisplay: "John Smith"},
		Meta: store.Meta{Created: time.Unix(1e9, 0), LastModified: time.Unix(1e9, 0), Version: 3},
	}
	f.Fuzz(func(t *testing.T, op1, path1, value1, op2, path2, value2 string) {
		ops := []any{operation(op1, path1, value1)}
		if op2 != "" {
			ops = append(ops, operation(op2, path2, value2))
		}
		body := mapping.Doc{"schemas": []any{patchOpSchema}, "Operations": ops}
		parsed, err := parsePatch(body, DefaultMaxOperations)
		if err != nil {
			clientError(t, "parsePatch", body, err)
			return
		}
		steps, err := compilePatch(reg.User, parsed.ops)
		if err != nil {
			clientError(t, "compilePatch", body, err)
			return
		}
		doc := mapping.EncodeUser(sample, "")
		if err := applySteps(doc, steps, patchRules{maxValues: store.DefaultMaxValues, replaceCreates: parsed.capitalised}); err != nil {
			clientError(t, "applySteps", body, err)
			return
		}
		if _, err := mapping.DecodeUser(doc); err != nil {
			clientError(t, "DecodeUser", body, err)
		}
	})
}

// operation builds one PATCH operation; value is JSON when it parses as
// JSON, else a string, and left out when empty.
func operation(op, path, value string) map[string]any {
	o := map[string]any{"op": op}
	if path != "" {
		o["path"] = path
	}
	if value != "" {
		dec := json.NewDecoder(bytes.NewReader([]byte(value)))
		dec.UseNumber()
		var v any
		if dec.Decode(&v) == nil && !dec.More() {
			o["value"] = v
		} else {
			o["value"] = value
		}
	}
	return o
}

func clientError(t *testing.T, stage string, body mapping.Doc, err error) {
	t.Helper()
	var se *Error
	var me *mapping.Error
	if !errors.As(err, &se) && !errors.As(err, &me) {
		t.Fatalf("%s: error %T %v is not a client error\nbody: %v", stage, err, err, body)
	}
	if e := toError(err); e == nil || e.Status < 400 || e.Status > 499 {
		t.Fatalf("%s: toError gives %+v for %v\nbody: %v", stage, e, err, body)
	}
}
