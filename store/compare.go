package store

import "reflect"

// CloneUser returns a deep copy of the parts of u a writer may change.
func CloneUser(u *User) *User {
	c := *u
	if u.Active != nil {
		a := *u.Active
		c.Active = &a
	}
	c.Values = make(map[string][]Value, len(u.Values))
	for k, v := range u.Values {
		c.Values[k] = append([]Value(nil), v...)
	}
	c.Addresses = append([]Address(nil), u.Addresses...)
	return &c
}

// SameUser reports whether two users hold the same writable record: the
// attributes stored on the user's row and in its child rows, with empty
// and absent collections alike. Identity, bookkeeping and the parts read
// from elsewhere (groups, manager display name, domain) do not count.
func SameUser(a, b *User) bool {
	return reflect.DeepEqual(writable(a), writable(b))
}

func writable(u *User) User {
	c := *u
	c.ID, c.TenantID, c.Meta, c.Groups, c.Domain, c.LastLoginAt = "", "", Meta{}, nil, nil, nil
	c.Enterprise.ManagerDisplay = ""
	c.Values = map[string][]Value{}
	for k, v := range u.Values {
		if len(v) > 0 {
			c.Values[k] = v
		}
	}
	if len(c.Addresses) == 0 {
		c.Addresses = nil
	}
	return c
}

// SameValues reports whether two value lists hold the same values in the
// same order.
func SameValues(a, b []Value) bool {
	if len(a) == 0 && len(b) == 0 {
		return true
	}
	return reflect.DeepEqual(a, b)
}

// SameAddresses reports whether two address lists are the same.
func SameAddresses(a, b []Address) bool {
	if len(a) == 0 && len(b) == 0 {
		return true
	}
	return reflect.DeepEqual(a, b)
}
