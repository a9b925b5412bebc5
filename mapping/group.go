package mapping

import (
	"strings"

	"github.com/scimd/scimd/store"
)

// EncodeGroup renders a group as a SCIM document; members are included
// when they were loaded (g.Members not nil).
func EncodeGroup(g *store.Group, base string) Doc {
	doc := Doc{"schemas": []any{GroupSchema}, "id": g.ID, "displayName": g.DisplayName}
	putStr(doc, "externalId", g.ExternalID)
	if g.Members != nil {
		list := make([]any, len(g.Members))
		for i, m := range g.Members {
			ref := base + "/Users/" + m.ID
			if m.Type == store.MemberGroup {
				ref = base + "/Groups/" + m.ID
			}
			el := Doc{"value": m.ID, "$ref": ref, "type": m.Type}
			putStr(el, "display", m.Display)
			list[i] = el
		}
		doc["members"] = list
	}
	doc["meta"] = encodeMeta("Group", base+"/Groups/"+g.ID, g.Meta, GroupETag(g))
	return doc
}

// DecodeGroup reads a normalized Group document into a record. Members are
// taken by value (their id); type, display and $ref are ignored because the
// store knows them.
func DecodeGroup(doc Doc) (*store.Group, error) {
	g := &store.Group{}
	var err error
	if g.DisplayName, err = asString("displayName", doc["displayName"]); err != nil {
		return nil, err
	}
	if strings.TrimSpace(g.DisplayName) == "" {
		return nil, errorf(InvalidValue, "displayName is required and must not be empty")
	}
	if g.ExternalID, err = asString("externalId", doc["externalId"]); err != nil {
		return nil, err
	}
	if g.Members, err = DecodeMembers(doc["members"]); err != nil {
		return nil, err
	}
	return g, nil
}

// DecodeMembers reads a members value: a list of {"value": id, ...}.
func DecodeMembers(v any) ([]store.Member, error) {
	list, err := asList("members", v)
	if err != nil {
		return nil, err
	}
	out := make([]store.Member, 0, len(list))
	for i, el := range list {
		obj, err := asObject("members", el)
		if err != nil {
			return nil, err
		}
		raw, _ := lookup(obj, "value")
		id, err := asString("members.value", raw)
		if err != nil {
			return nil, err
		}
		if id == "" {
			return nil, errorf(InvalidValue, "members[%d] has no value: each member needs the id of a user or group", i)
		}
		out = append(out, store.Member{ID: id})
	}
	return out, nil
}
