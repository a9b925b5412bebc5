package mapping_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/scimd/scimd/mapping"
	"github.com/scimd/scimd/store"
)

var reg = mapping.NewRegistry()

func doc(t *testing.T, s string) mapping.Doc {
	t.Helper()
	var d mapping.Doc
	if err := json.Unmarshal([]byte(s), &d); err != nil {
		t.Fatal(err)
	}
	return d
}

func TestNormalize(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"canonical case", `{"USERNAME":"a","Name":{"GIVENNAME":"x"}}`, `{"userName":"a","name":{"givenName":"x"}}`},
		{"dotted keys merge into the object (Entra)", `{"name":{"familyName":"f"},"name.givenName":"g"}`,
			`{"name":{"familyName":"f","givenName":"g"}}`},
		{"URN-prefixed extension key (Entra)", `{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department":"d"}`,
			`{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"d"}}`},
		{"manager as a plain id (Entra)", `{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":"m1"}}`,
			`{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":{"value":"m1"}}}`},
		{"core URN prefix", `{"urn:ietf:params:scim:schemas:core:2.0:User:userName":"a"}`, `{"userName":"a"}`},
		{"unknown attributes dropped", `{"userName":"a","shoeSize":44,"emails":[{"value":"e","colour":"red"}]}`,
			`{"userName":"a","emails":[{"value":"e"}]}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := reg.User.Normalize(doc(t, tc.in))
			if err != nil {
				t.Fatal(err)
			}
			want := doc(t, tc.want)
			g, _ := json.Marshal(got)
			w, _ := json.Marshal(want)
			if string(g) != string(w) {
				t.Errorf("Normalize(%s)\n got %s\nwant %s", tc.in, g, w)
			}
		})
	}
}

func TestNormalizeRefusesSubPathOfMultiValued(t *testing.T) {
	_, err := reg.User.Normalize(doc(t, `{"emails.value":"x"}`))
	var me *mapping.Error
	if err == nil || !errorsAs(err, &me) || me.ScimType != mapping.InvalidPath {
		t.Fatalf("err = %v, want invalidPath", err)
	}
}

func errorsAs(err error, me **mapping.Error) bool {
	e, ok := err.(*mapping.Error)
	*me = e
	return ok
}

func TestCheckSchemas(t *testing.T) {
	for _, tc := range []struct {
		in string
		ok bool
	}{
		{`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"]}`, true},
		{`{"schemas":["URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]}`, true},
		{`{}`, false},
		{`{"schemas":"urn:ietf:params:scim:schemas:core:2.0:User"}`, false},
		{`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"]}`, false},
		// Unknown but empty: tolerated; unknown with data: refused.
		{`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:example:x"]}`, true},
		{`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:example:x"],"urn:example:x":{"a":1}}`, false},
	} {
		err := reg.User.CheckSchemas(doc(t, tc.in))
		if (err == nil) != tc.ok {
			t.Errorf("CheckSchemas(%s) = %v, want ok=%v", tc.in, err, tc.ok)
		}
	}
}

func TestDecodeUserErrorsNameTheAttribute(t *testing.T) {
	for _, tc := range []struct{ in, mention string }{
		{`{"userName":""}`, "userName"},
		{`{"userName":12}`, "userName"},
		{`{"userName":"a","active":"maybe"}`, "active"},
		{`{"userName":"a","emails":"x@y"}`, "emails"},
		{`{"userName":"a","emails":[{"value":"a","primary":true},{"value":"b","primary":true}]}`, "primary"},
		{`{"userName":"a","name":{"givenName":["x"]}}`, "name.givenName"},
		{`{"userName":"a","emails":[{"type":"work"}]}`, "no value"},
	} {
		n, err := reg.User.Normalize(doc(t, tc.in))
		if err == nil {
			_, err = mapping.DecodeUser(n)
		}
		if err == nil || !strings.Contains(err.Error(), tc.mention) {
			t.Errorf("decode %s: err = %v, want a detail mentioning %q", tc.in, err, tc.mention)
		}
	}
}

func TestDecodeUserStringBooleans(t *testing.T) {
	n, _ := reg.User.Normalize(doc(t, `{"userName":"a","active":"False","emails":[{"value":"e","primary":"True"}]}`))
	in, err := mapping.DecodeUser(n)
	if err != nil {
		t.Fatal(err)
	}
	if in.User.Active == nil || *in.User.Active || !in.User.Values["emails"][0].Primary {
		t.Errorf("string booleans not read: active=%v emails=%v", in.User.Active, in.User.Values["emails"])
	}
}

func TestEncodeDecodeRoundTrip(t *testing.T) {
	active := true
	u := &store.User{
		ID: "u1", UserName: "bjensen", ExternalID: "e1", Active: &active, Title: "Boss",
		Name:       store.Name{GivenName: "Barbara", FamilyName: "Jensen"},
		Values:     map[string][]store.Value{"emails": {{Value: "b@x", Type: "work", Primary: true}}, "roles": {{Value: "admin"}}},
		Addresses:  []store.Address{{Locality: "Oslo", Type: "work"}},
		Enterprise: store.Enterprise{Department: "R&D", ManagerID: "m1", ManagerDisplay: "Boss"},
		Groups:     []store.GroupRef{{ID: "g1", Display: "G", Direct: true}},
		Meta:       store.Meta{Version: 3},
	}
	d := mapping.EncodeUser(u, "https://h/scim/v2")
	if d["password"] != nil {
		t.Error("password encoded")
	}
	b, _ := json.Marshal(d)
	var back mapping.Doc
	json.Unmarshal(b, &back)
	n, err := reg.User.Normalize(back)
	if err != nil {
		t.Fatal(err)
	}
	in, err := mapping.DecodeUser(n)
	if err != nil {
		t.Fatal(err)
	}
	want := *u
	want.ID, want.Groups, want.Meta, want.Enterprise.ManagerDisplay = "", nil, store.Meta{}, ""
	if !reflect.DeepEqual(*in.User, want) {
		t.Errorf("round trip:\n got %+v\nwant %+v", *in.User, want)
	}
}

func TestProjection(t *testing.T) {
	u := &store.User{ID: "u1", UserName: "a", Title: "t", Name: store.Name{GivenName: "g", FamilyName: "f"},
		Values:     map[string][]store.Value{"emails": {{Value: "e", Type: "work"}}},
		Enterprise: store.Enterprise{Department: "d", EmployeeNumber: "1"}}
	full := mapping.EncodeUser(u, "")
	for _, tc := range []struct{ attrs, excluded, want string }{
		{"userName", "", `{"id":"u1","schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],"userName":"a"}`},
		{"name.givenName,emails.type", "", `{"emails":[{"type":"work"}],"id":"u1","name":{"givenName":"g"},"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]}`},
		{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", "", `{"id":"u1","schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"d"}}`},
	} {
		got := reg.User.ParseProjection(tc.attrs, tc.excluded).Apply(reg.User, full)
		b, _ := json.Marshal(got)
		if string(b) != tc.want {
			t.Errorf("attributes=%q excluded=%q\n got %s\nwant %s", tc.attrs, tc.excluded, b, tc.want)
		}
	}
	ex := reg.User.ParseProjection("", "title,name.familyName,id").Apply(reg.User, full)
	if ex["title"] != nil || ex["id"] != "u1" || ex["name"].(mapping.Doc)["familyName"] != nil || ex["name"].(mapping.Doc)["givenName"] != "g" {
		t.Errorf("excludedAttributes: %v", ex)
	}
	if full["title"] != "t" || full["name"].(mapping.Doc)["familyName"] != "f" {
		t.Error("Apply changed the document it was given")
	}
	if l := reg.User.ParseProjection("", "groups,emails,phoneNumbers,ims,photos,entitlements,roles,x509Certificates").UserLoad(reg.User); l&(store.LoadGroups|store.LoadValues) != 0 || l&store.LoadAddresses == 0 {
		t.Errorf("UserLoad = %b: excluded parts must not be loaded", l)
	}
	if reg.Group.ParseProjection("", "members").GroupLoad(reg.Group)&store.LoadMembers != 0 {
		t.Error("excludedAttributes=members still loads members")
	}
}

func TestETags(t *testing.T) {
	u := &store.User{Meta: store.Meta{Version: 7}}
	plain := mapping.UserETag(u)
	if plain != `W/"7"` {
		t.Errorf("UserETag = %s", plain)
	}
	u.Groups = []store.GroupRef{{ID: "g", Display: "G", Direct: true}}
	withGroup := mapping.UserETag(u)
	u.Groups[0].Display = "G2"
	renamed := mapping.UserETag(u)
	if withGroup == plain || renamed == withGroup {
		t.Errorf("derived attributes do not change the tag: %s %s %s", plain, withGroup, renamed)
	}
	for _, tag := range []string{plain, withGroup, renamed} {
		if v, ok := mapping.TagVersion(tag); !ok || v != 7 {
			t.Errorf("TagVersion(%s) = %d, %v", tag, v, ok)
		}
	}
	if _, ok := mapping.TagVersion(`"abc"`); ok {
		t.Error("TagVersion accepted a foreign tag")
	}
}
