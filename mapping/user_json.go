package mapping

import (
	"strconv"
	"unicode/utf8"

	"github.com/scimd/scimd/account"
	"github.com/scimd/scimd/store"
)

// AppendUserJSON appends a user's whole document, as EncodeUser (and, with
// a view, EncodeAccountUser without the computed access) builds it, in the
// bytes json.Marshal writes for that map: the same keys, in its sorted
// order, with its escaping (HTML characters, U+2028/U+2029, invalid UTF-8).
// It is the read paths' encoder when no projection is asked for; it
// builds no map. The tests hold it to json.Marshal(EncodeUser(...)).
func AppendUserJSON(b []byte, u *store.User, base string, view *account.UserView) []byte {
	b = append(b, '{')
	if u.Active != nil {
		b = appendKey(b, "active")
		b = strconv.AppendBool(b, *u.Active)
	}
	if len(u.Addresses) > 0 {
		b = appendKey(b, "addresses")
		b = append(b, '[')
		for i := range u.Addresses {
			a := &u.Addresses[i]
			b = appendComma(b)
			b = append(b, '{')
			b = appendStrField(b, "country", a.Country)
			b = appendStrField(b, "formatted", a.Formatted)
			b = appendStrField(b, "locality", a.Locality)
			b = appendStrField(b, "postalCode", a.PostalCode)
			if a.Primary {
				b = appendKey(b, "primary")
				b = append(b, "true"...)
			}
			b = appendStrField(b, "region", a.Region)
			b = appendStrField(b, "streetAddress", a.StreetAddress)
			b = appendStrField(b, "type", a.Type)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	b = appendStrField(b, "displayName", u.DisplayName)
	b = appendValues(b, u, "emails")
	b = appendValues(b, u, "entitlements")
	b = appendStrField(b, "externalId", u.ExternalID)
	if u.Groups != nil {
		b = appendKey(b, "groups")
		b = append(b, '[')
		for _, g := range u.Groups {
			b = appendComma(b)
			b = append(b, `{"$ref":`...)
			b = appendRef(b, base, "/Groups/", g.ID)
			b = appendKey(b, "display")
			b = AppendJSONString(b, g.Display)
			if g.Direct {
				b = append(b, `,"type":"direct"`...)
			} else {
				b = append(b, `,"type":"indirect"`...)
			}
			b = appendKey(b, "value")
			b = AppendJSONString(b, g.ID)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	b = appendKey(b, "id")
	b = AppendJSONString(b, u.ID)
	b = appendValues(b, u, "ims")
	b = appendStrField(b, "locale", u.Locale)
	b = appendKey(b, "meta")
	b = appendMeta(b, base, "/Users/", u)
	if !u.Name.IsZero() {
		n := &u.Name
		b = appendKey(b, "name")
		b = append(b, '{')
		b = appendStrField(b, "familyName", n.FamilyName)
		b = appendStrField(b, "formatted", n.Formatted)
		b = appendStrField(b, "givenName", n.GivenName)
		b = appendStrField(b, "honorificPrefix", n.HonorificPrefix)
		b = appendStrField(b, "honorificSuffix", n.HonorificSuffix)
		b = appendStrField(b, "middleName", n.MiddleName)
		b = append(b, '}')
	}
	b = appendStrField(b, "nickName", u.NickName)
	b = appendValues(b, u, "phoneNumbers")
	b = appendValues(b, u, "photos")
	b = appendStrField(b, "preferredLanguage", u.PreferredLanguage)
	b = appendStrField(b, "profileUrl", u.ProfileURL)
	b = appendValues(b, u, "roles")
	b = appendKey(b, "schemas")
	b = append(b, `["`+UserSchema+`"`...)
	enterprise := !u.Enterprise.IsZero()
	if enterprise {
		b = append(b, `,"`+EnterpriseSchema+`"`...)
	}
	if view != nil {
		b = append(b, `,"`+AccountUserSchema+`"`...)
	}
	b = append(b, ']')
	b = appendStrField(b, "timezone", u.Timezone)
	b = appendStrField(b, "title", u.Title)
	if enterprise {
		b = appendKey(b, EnterpriseSchema)
		b = appendEnterprise(b, &u.Enterprise, base)
	}
	if view != nil {
		b = appendKey(b, AccountUserSchema)
		b = appendAccountView(b, view)
	}
	b = appendStrField(b, "userName", u.UserName)
	b = appendStrField(b, "userType", u.UserType)
	b = appendValues(b, u, "x509Certificates")
	return append(b, '}')
}

// appendValues appends a multi-valued attribute of Values, when it has any.
func appendValues(b []byte, u *store.User, attr string) []byte {
	vals := u.Values[attr]
	if len(vals) == 0 {
		return b
	}
	b = appendKey(b, attr)
	b = append(b, '[')
	for i := range vals {
		v := &vals[i]
		b = appendComma(b)
		b = append(b, '{')
		b = appendStrField(b, "display", v.Display)
		if v.Primary {
			b = appendKey(b, "primary")
			b = append(b, "true"...)
		}
		b = appendStrField(b, "type", v.Type)
		b = appendStrField(b, "value", v.Value)
		b = append(b, '}')
	}
	return append(b, ']')
}

func appendEnterprise(b []byte, e *store.Enterprise, base string) []byte {
	b = append(b, '{')
	b = appendStrField(b, "costCenter", e.CostCenter)
	b = appendStrField(b, "department", e.Department)
	b = appendStrField(b, "division", e.Division)
	b = appendStrField(b, "employeeNumber", e.EmployeeNumber)
	if e.ManagerID != "" {
		b = appendKey(b, "manager")
		b = append(b, `{"$ref":`...)
		b = appendRef(b, base, "/Users/", e.ManagerID)
		b = appendStrField(b, "displayName", e.ManagerDisplay)
		b = appendKey(b, "value")
		b = AppendJSONString(b, e.ManagerID)
		b = append(b, '}')
	}
	b = appendStrField(b, "organization", e.Organization)
	return append(b, '}')
}

// appendAccountView appends the account extension as EncodeAccountUser
// builds it without the computed access.
func appendAccountView(b []byte, v *account.UserView) []byte {
	b = append(b, '{')
	if len(v.AgentIDs) > 0 {
		b = appendKey(b, "agentIds")
		b = append(b, '[')
		for _, a := range v.AgentIDs {
			b = appendComma(b)
			b = append(b, `{"system":`...)
			b = AppendJSONString(b, a.System)
			b = append(b, `,"value":`...)
			b = AppendJSONString(b, a.Value)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	if len(v.Grants) > 0 {
		b = appendKey(b, "grants")
		b = append(b, '[')
		for _, g := range v.Grants {
			b = appendComma(b)
			b = append(b, '{')
			b = appendStrField(b, "node", g.Node)
			b = appendKey(b, "role")
			b = AppendJSONString(b, g.Role)
			b = appendKey(b, "source")
			b = AppendJSONString(b, g.Source)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	b = appendKey(b, "owner")
	b = strconv.AppendBool(b, v.Owner)
	b = appendKey(b, "state")
	b = AppendJSONString(b, v.State)
	if len(v.Teams) > 0 {
		b = appendKey(b, "teams")
		b = append(b, '[')
		for _, t := range v.Teams {
			b = appendComma(b)
			b = append(b, `{"display":`...)
			b = AppendJSONString(b, t.TeamName)
			b = append(b, `,"leader":`...)
			b = strconv.AppendBool(b, t.Leader)
			b = append(b, `,"value":`...)
			b = AppendJSONString(b, t.TeamID)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	if len(v.Unmapped) > 0 {
		b = appendKey(b, "unmappedRoles")
		b = appendStrings(b, v.Unmapped)
	}
	if vo := v.Voice; vo != nil {
		b = appendKey(b, "voice")
		b = append(b, '{')
		if len(vo.AdditionalNumbers) > 0 {
			b = appendKey(b, "additionalNumbers")
			b = appendStrings(b, vo.AdditionalNumbers)
		}
		b = appendKey(b, "extension")
		b = AppendJSONString(b, vo.Extension)
		b = appendStrField(b, "location", vo.LocationName)
		b = appendStrField(b, "primaryNumber", vo.PrimaryNumber)
		b = append(b, '}')
	}
	return append(b, '}')
}

// appendMeta appends a user's meta as encodeMeta builds it.
func appendMeta(b []byte, base, endpoint string, u *store.User) []byte {
	b = append(b, `{"created":"`...)
	b = u.Meta.Created.UTC().AppendFormat(b, timeLayout)
	b = append(b, `","lastModified":"`...)
	b = u.Meta.LastModified.UTC().AppendFormat(b, timeLayout)
	b = append(b, `","location":`...)
	b = appendRef(b, base, endpoint, u.ID)
	b = append(b, `,"resourceType":"User","version":`...)
	b = appendUserTagJSON(b, u)
	return append(b, '}')
}

// appendRef appends the string base+endpoint+id without building it. JSON
// escaping works byte by byte on ASCII, so ASCII parts are escaped one by
// one; anything else (where a rune could straddle two parts) is joined
// first.
func appendRef(b []byte, base, endpoint, id string) []byte {
	if !isASCII(base) || !isASCII(id) {
		return AppendJSONString(b, base+endpoint+id)
	}
	b = append(b, '"')
	b = appendEscaped(b, base)
	b = append(b, endpoint...) // a literal path: nothing to escape
	b = appendEscaped(b, id)
	return append(b, '"')
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func appendStrings(b []byte, ss []string) []byte {
	b = append(b, '[')
	for _, s := range ss {
		b = appendComma(b)
		b = AppendJSONString(b, s)
	}
	return append(b, ']')
}

// appendComma separates a member or element from the one before it: none
// is needed right after the opening brace or bracket.
func appendComma(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] != '{' && b[n-1] != '[' {
		b = append(b, ',')
	}
	return b
}

// appendKey appends a member name (a literal that needs no escaping).
func appendKey(b []byte, k string) []byte {
	b = appendComma(b)
	b = append(b, '"')
	b = append(b, k...)
	return append(b, '"', ':')
}

// appendStrField appends a string member when it has a value, as putStr
// sets one.
func appendStrField(b []byte, k, v string) []byte {
	if v == "" {
		return b
	}
	b = appendKey(b, k)
	return AppendJSONString(b, v)
}

const hexDigits = "0123456789abcdef"

// timeLayout is how SCIM timestamps are written (see FormatTime).
const timeLayout = "2006-01-02T15:04:05.000Z07:00"

// AppendJSONString appends s as a JSON string exactly as encoding/json
// writes it by default (HTML-escaped, U+2028/U+2029 escaped, invalid
// UTF-8 replaced by U+FFFD).
func AppendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	b = appendEscaped(b, s)
	return append(b, '"')
}

// appendEscaped appends the inside of s's JSON string.
func appendEscaped(b []byte, s string) []byte {
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	return append(b, s[start:]...)
}
