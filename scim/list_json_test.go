package scim

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/scimd/scimd/account"
	"github.com/scimd/scimd/mapping"
	"github.com/scimd/scimd/store"
)

// TestListPageJSONMatchesMarshal holds writeList's hand-built envelope to
// json.Marshal of the ListResponse map, with resources encoded either way.
func TestListPageJSONMatchesMarshal(t *testing.T) {
	yes := true
	u := &store.User{ID: "u<1>", UserName: "Zoë & co", Active: &yes,
		Values: map[string][]store.Value{"emails": {{Value: "z@example.com", Primary: true}}},
		Groups: []store.GroupRef{{ID: "g1", Display: "G \"one\"", Direct: true}},
		Meta:   store.Meta{Created: time.Unix(1e9, 5e6), LastModified: time.Unix(2e9, 0), Version: 7}}
	base := "http://127.0.0.1:8080/scim/v2"
	view := &account.UserView{State: "active"}
	mapDoc := mapping.EncodeUser(u, base)
	mapping.EncodeAccountUser(mapDoc, *view, nil)
	raw := json.RawMessage(mapping.AppendUserJSON(nil, u, base, view))
	group := mapping.Doc{"id": "g1", "displayName": "<G>", "schemas": []any{mapping.GroupSchema}}

	for _, l := range []*listPage{
		{total: 0, startIndex: 1},
		{resources: []any{}, total: 0, startIndex: 1},
		{resources: []any{raw}, total: 1, startIndex: 1},
		{resources: []any{raw, mapDoc, group, raw}, total: 1234, startIndex: 901},
		{resources: []any{raw}, total: 5, cursorPaging: true},
		{resources: []any{raw, raw}, total: 5, cursorPaging: true, hasNext: true, nextCursor: "abc<&>\"=="},
		{resources: []any{group}, total: -1, cursorPaging: true, hasNext: true, nextCursor: ""},
	} {
		want, err := json.Marshal(l.doc())
		if err != nil {
			t.Fatal(err)
		}
		got, err := l.appendJSON(nil)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("ListResponse differs\n got: %s\nwant: %s", got, want)
		}
	}
	// The raw and map encodings of the user give the same page.
	a, _ := (&listPage{resources: []any{raw}, total: 1, startIndex: 1}).appendJSON(nil)
	b, _ := json.Marshal(listDoc([]any{mapDoc}, 1, 1))
	if !bytes.Equal(a, b) {
		t.Errorf("fast and map pages differ\n got: %s\nwant: %s", a, b)
	}
}
