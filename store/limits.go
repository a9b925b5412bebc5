package store

import (
	"unicode/utf8"
)

// MaxIndexedText is the most characters a string the database indexes may
// hold: userName, externalId, a group's displayName and the values of
// multi-valued attributes. 512 characters are at most 2,048 bytes of UTF-8,
// inside PostgreSQL's limit for one btree entry (about 2,700 bytes); both
// stores enforce the same limit so that they accept the same data.
const MaxIndexedText = 512

// DefaultMaxValues is the default cap on the values of one multi-valued
// attribute (emails, phoneNumbers, addresses, ...) of one user.
const DefaultMaxValues = 100

// unindexedValues are the multi-valued attributes whose values the
// database does not index (long certificates and photo URLs), so they are
// not held to MaxIndexedText.
var unindexedValues = map[string]bool{"photos": true, "x509Certificates": true}

// Limits bounds what one record may hold, so that every backend stores
// what it accepts and no write grows without bound.
type Limits struct {
	// MaxValues caps the values of each multi-valued attribute of a user;
	// 0 means DefaultMaxValues.
	MaxValues int
}

func (l Limits) maxValues() int {
	if l.MaxValues <= 0 {
		return DefaultMaxValues
	}
	return l.MaxValues
}

// CheckUser refuses a user that exceeds a limit, naming the attribute.
func (l Limits) CheckUser(u *User) error {
	for _, f := range []struct {
		attr, v string
	}{{"userName", u.UserName}, {"externalId", u.ExternalID}} {
		if err := checkIndexed(f.attr, f.v); err != nil {
			return err
		}
	}
	for _, attr := range ValueAttrs {
		vals := u.Values[attr]
		if len(vals) > l.maxValues() {
			return Invalidf("%s has %d values: at most %d are allowed", attr, len(vals), l.maxValues())
		}
		if unindexedValues[attr] {
			continue
		}
		for _, v := range vals {
			if err := checkIndexed(attr+".value", v.Value); err != nil {
				return err
			}
		}
	}
	if len(u.Addresses) > l.maxValues() {
		return Invalidf("addresses has %d values: at most %d are allowed", len(u.Addresses), l.maxValues())
	}
	return nil
}

// CheckGroup refuses a group whose indexed attributes are too long.
func (l Limits) CheckGroup(g *Group) error {
	if err := checkIndexed("displayName", g.DisplayName); err != nil {
		return err
	}
	return checkIndexed("externalId", g.ExternalID)
}

func checkIndexed(attr, v string) error {
	if len(v) > MaxIndexedText && utf8.RuneCountInString(v) > MaxIndexedText {
		return Invalidf("%s is longer than %d characters", attr, MaxIndexedText)
	}
	return nil
}
