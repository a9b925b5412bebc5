package mapping

import (
	"strings"

	"github.com/elimity-com/scim/schema"

	"github.com/scimd/scimd/store"
)

// userStrings pairs the User's singular string attributes with their
// fields; Encode and Decode both walk it.
var userStrings = []struct {
	name string
	get  func(u *store.User) *string
}{
	{"externalId", func(u *store.User) *string { return &u.ExternalID }},
	{"userName", func(u *store.User) *string { return &u.UserName }},
	{"displayName", func(u *store.User) *string { return &u.DisplayName }},
	{"nickName", func(u *store.User) *string { return &u.NickName }},
	{"profileUrl", func(u *store.User) *string { return &u.ProfileURL }},
	{"title", func(u *store.User) *string { return &u.Title }},
	{"userType", func(u *store.User) *string { return &u.UserType }},
	{"preferredLanguage", func(u *store.User) *string { return &u.PreferredLanguage }},
	{"locale", func(u *store.User) *string { return &u.Locale }},
	{"timezone", func(u *store.User) *string { return &u.Timezone }},
}

var nameParts = []struct {
	name string
	get  func(n *store.Name) *string
}{
	{"formatted", func(n *store.Name) *string { return &n.Formatted }},
	{"familyName", func(n *store.Name) *string { return &n.FamilyName }},
	{"givenName", func(n *store.Name) *string { return &n.GivenName }},
	{"middleName", func(n *store.Name) *string { return &n.MiddleName }},
	{"honorificPrefix", func(n *store.Name) *string { return &n.HonorificPrefix }},
	{"honorificSuffix", func(n *store.Name) *string { return &n.HonorificSuffix }},
}

var enterpriseStrings = []struct {
	name string
	get  func(e *store.Enterprise) *string
}{
	{"employeeNumber", func(e *store.Enterprise) *string { return &e.EmployeeNumber }},
	{"costCenter", func(e *store.Enterprise) *string { return &e.CostCenter }},
	{"organization", func(e *store.Enterprise) *string { return &e.Organization }},
	{"division", func(e *store.Enterprise) *string { return &e.Division }},
	{"department", func(e *store.Enterprise) *string { return &e.Department }},
}

var addressParts = []struct {
	name string
	get  func(a *store.Address) *string
}{
	{"formatted", func(a *store.Address) *string { return &a.Formatted }},
	{"streetAddress", func(a *store.Address) *string { return &a.StreetAddress }},
	{"locality", func(a *store.Address) *string { return &a.Locality }},
	{"region", func(a *store.Address) *string { return &a.Region }},
	{"postalCode", func(a *store.Address) *string { return &a.PostalCode }},
	{"country", func(a *store.Address) *string { return &a.Country }},
	{"type", func(a *store.Address) *string { return &a.Type }},
}

// EncodeUser renders a user as a SCIM document. base is the SCIM base URL
// (e.g. https://host/scim/v2) for meta.location and $ref.
func EncodeUser(u *store.User, base string) Doc {
	schemas := []any{UserSchema}
	doc := Doc{"id": u.ID}
	for _, s := range userStrings {
		putStr(doc, s.name, *s.get(u))
	}
	if !u.Name.IsZero() {
		name := Doc{}
		for _, p := range nameParts {
			putStr(name, p.name, *p.get(&u.Name))
		}
		doc["name"] = name
	}
	if u.Active != nil {
		doc["active"] = *u.Active
	}
	for _, attr := range store.ValueAttrs {
		vals := u.Values[attr]
		if len(vals) == 0 {
			continue
		}
		list := make([]any, len(vals))
		for i, v := range vals {
			el := Doc{}
			putStr(el, "value", v.Value)
			putStr(el, "display", v.Display)
			putStr(el, "type", v.Type)
			if v.Primary {
				el["primary"] = true
			}
			list[i] = el
		}
		doc[attr] = list
	}
	if len(u.Addresses) > 0 {
		list := make([]any, len(u.Addresses))
		for i := range u.Addresses {
			el := Doc{}
			for _, p := range addressParts {
				putStr(el, p.name, *p.get(&u.Addresses[i]))
			}
			if u.Addresses[i].Primary {
				el["primary"] = true
			}
			list[i] = el
		}
		doc["addresses"] = list
	}
	if u.Groups != nil {
		list := make([]any, len(u.Groups))
		for i, g := range u.Groups {
			typ := "direct"
			if !g.Direct {
				typ = "indirect"
			}
			list[i] = Doc{"value": g.ID, "$ref": base + "/Groups/" + g.ID, "display": g.Display, "type": typ}
		}
		doc["groups"] = list
	}
	if !u.Enterprise.IsZero() {
		ext := Doc{}
		for _, s := range enterpriseStrings {
			putStr(ext, s.name, *s.get(&u.Enterprise))
		}
		if id := u.Enterprise.ManagerID; id != "" {
			m := Doc{"value": id, "$ref": base + "/Users/" + id}
			putStr(m, "displayName", u.Enterprise.ManagerDisplay)
			ext["manager"] = m
		}
		doc[EnterpriseSchema] = ext
		schemas = append(schemas, EnterpriseSchema)
	}
	doc["schemas"] = schemas
	doc["meta"] = encodeMeta("User", base+"/Users/"+u.ID, u.Meta, UserETag(u))
	return doc
}

func encodeMeta(resourceType, location string, m store.Meta, etag string) Doc {
	return Doc{
		"resourceType": resourceType,
		"created":      FormatTime(m.Created),
		"lastModified": FormatTime(m.LastModified),
		"location":     location,
		"version":      etag,
	}
}

// UserInput is a decoded User document: the record to store and the
// cleartext password, if one was given (it is hashed before storing).
type UserInput struct {
	User     *store.User
	Password *string
}

// DecodeUser reads a normalized User document (see Normalize) into a
// record. Read-only attributes (id, meta, groups, manager.displayName) are
// ignored, as RFC 7644 §3.3 and §3.5.1 ask.
func DecodeUser(doc Doc) (UserInput, error) {
	u := &store.User{Values: map[string][]store.Value{}}
	in := UserInput{User: u}
	for _, s := range userStrings {
		v, err := asString(s.name, doc[s.name])
		if err != nil {
			return in, err
		}
		*s.get(u) = v
	}
	if strings.TrimSpace(u.UserName) == "" {
		return in, errorf(InvalidValue, "userName is required and must not be empty")
	}
	name, err := asObject("name", doc["name"])
	if err != nil {
		return in, err
	}
	for _, p := range nameParts {
		if *p.get(&u.Name), err = asString("name."+p.name, name[p.name]); err != nil {
			return in, err
		}
	}
	if u.Active, err = asBool("active", doc["active"]); err != nil {
		return in, err
	}
	if pw, ok := doc["password"]; ok && pw != nil {
		s, err := asString("password", pw)
		if err != nil {
			return in, err
		}
		in.Password = &s
	}
	for _, attr := range store.ValueAttrs {
		vals, err := decodeValues(attr, doc[attr])
		if err != nil {
			return in, err
		}
		if len(vals) > 0 {
			u.Values[attr] = vals
		}
	}
	if u.Addresses, err = decodeAddresses(doc["addresses"]); err != nil {
		return in, err
	}
	ext, err := asObject(EnterpriseSchema, doc[EnterpriseSchema])
	if err != nil {
		return in, err
	}
	for _, s := range enterpriseStrings {
		if *s.get(&u.Enterprise), err = asString(EnterpriseSchema+":"+s.name, ext[s.name]); err != nil {
			return in, err
		}
	}
	manager, err := asObject(EnterpriseSchema+":manager", ext["manager"])
	if err != nil {
		return in, err
	}
	if u.Enterprise.ManagerID, err = asString(EnterpriseSchema+":manager.value", manager["value"]); err != nil {
		return in, err
	}
	return in, nil
}

// decodeValues reads a multi-valued attribute of value/display/type/primary
// elements. Elements without any content are dropped, and so are repeats
// of an element already given (the same value and type, compared as the
// sub-attributes' caseExact says, RFC 7643 §2.4): the first is kept, primary
// if any of its repeats was. More than one primary is refused.
func decodeValues(attr string, v any) ([]store.Value, error) {
	list, err := asList(attr, v)
	if err != nil {
		return nil, err
	}
	var out []store.Value
	seen := map[[2]string]int{}
	valueExact := valueCaseExact[attr]
	for i, el := range list {
		obj, err := asObject(attr, el)
		if err != nil {
			return nil, err
		}
		var val store.Value
		for _, f := range []struct {
			name string
			p    *string
		}{{"value", &val.Value}, {"display", &val.Display}, {"type", &val.Type}} {
			if *f.p, err = asString(attr+"."+f.name, obj[f.name]); err != nil {
				return nil, err
			}
		}
		p, err := asBool(attr+".primary", obj["primary"])
		if err != nil {
			return nil, err
		}
		val.Primary = p != nil && *p
		if val == (store.Value{}) {
			continue
		}
		if val.Value == "" {
			return nil, errorf(InvalidValue, "%s[%d] has no value", attr, i)
		}
		key := [2]string{val.Value, strings.ToLower(val.Type)}
		if !valueExact {
			key[0] = strings.ToLower(key[0])
		}
		if j, dup := seen[key]; dup {
			out[j].Primary = out[j].Primary || val.Primary
			if out[j].Display == "" {
				out[j].Display = val.Display
			}
			continue
		}
		seen[key] = len(out)
		out = append(out, val)
	}
	primaries := 0
	for _, v := range out {
		if v.Primary {
			primaries++
		}
	}
	if primaries > 1 {
		return nil, errorf(InvalidValue, "only one of %s may be primary, %d are", attr, primaries)
	}
	return out, nil
}

// valueCaseExact says, per multi-valued attribute, whether its values
// compare case-sensitively (photos' URLs and certificates do; emails,
// phone numbers and the rest do not).
var valueCaseExact = func() map[string]bool {
	m := map[string]bool{}
	for _, a := range newSchema(schema.CoreUserSchema()).Attrs {
		if v := a.SubAttr("value"); a.MultiValued && v != nil {
			m[a.Name] = v.CaseExact
		}
	}
	return m
}()

func decodeAddresses(v any) ([]store.Address, error) {
	list, err := asList("addresses", v)
	if err != nil {
		return nil, err
	}
	var out []store.Address
	seen := map[string]int{}
	primaries := 0
	for _, el := range list {
		obj, err := asObject("addresses", el)
		if err != nil {
			return nil, err
		}
		var a store.Address
		for _, p := range addressParts {
			if *p.get(&a), err = asString("addresses."+p.name, obj[p.name]); err != nil {
				return nil, err
			}
		}
		pr, err := asBool("addresses.primary", obj["primary"])
		if err != nil {
			return nil, err
		}
		a.Primary = pr != nil && *pr
		if a == (store.Address{}) {
			continue
		}
		// A repeat of an address already given (every part equal, case
		// aside) is dropped, as for the other multi-valued attributes.
		key := addressKey(a)
		if j, dup := seen[key]; dup {
			if a.Primary && !out[j].Primary {
				out[j].Primary = true
				primaries++
			}
			continue
		}
		seen[key] = len(out)
		if a.Primary {
			primaries++
		}
		out = append(out, a)
	}
	if primaries > 1 {
		return nil, errorf(InvalidValue, "only one of addresses may be primary, %d are", primaries)
	}
	return out, nil
}

// addressKey identifies an address by its parts, case aside.
func addressKey(a store.Address) string {
	var b strings.Builder
	for _, p := range addressParts {
		b.WriteString(strings.ToLower(*p.get(&a)))
		b.WriteByte(0)
	}
	return b.String()
}
