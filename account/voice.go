package account

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/scimd/scimd/store"
)

// DefaultLocation is the voice location a user gets when none is named
// (seed 003).
const DefaultLocation = "Main Company Address"

// tollFreeCodes are the NANP toll-free area codes.
var tollFreeCodes = []string{"800", "833", "844", "855", "866", "877", "888"}

// NormalizeNumber returns the E.164 form of a phone number written in any
// format (spaces, dashes, dots, parentheses, a leading +). A NANP number
// needs its leading 1 (seed 003: "full number with 1 at the front");
// other countries' numbers are written with + and their country code.
func NormalizeNumber(s string) (string, error) {
	raw := strings.TrimSpace(s)
	plus := strings.HasPrefix(raw, "+")
	var digits strings.Builder
	for _, r := range strings.TrimPrefix(raw, "+") {
		switch {
		case r >= '0' && r <= '9':
			digits.WriteRune(r)
		case strings.ContainsRune(" -.()/", r):
		default:
			return "", invalid("number", "%q is not a phone number: only digits, spaces and - . ( ) / may appear", s)
		}
	}
	d := digits.String()
	switch {
	case len(d) == 11 && d[0] == '1':
		if d[1] < '2' || d[4] < '2' {
			return "", invalid("number", "%q is not a valid North American number", s)
		}
		return "+" + d, nil
	case len(d) == 10 && !plus:
		return "", invalid("number", "%q needs the full number with the leading 1 (e.g. 1 %s)", s, d)
	case plus && len(d) >= 8 && len(d) <= 15 && d[0] != '0':
		return "+" + d, nil
	}
	return "", invalid("number", "%q is not a full phone number (with the leading 1 for North America)", s)
}

// TollFree reports whether an E.164 number is a NANP toll-free number.
func TollFree(e164 string) bool {
	return strings.HasPrefix(e164, "+1") && len(e164) == 12 && slices.Contains(tollFreeCodes, e164[2:5])
}

// setVoice writes a user's voice settings: the primary number must be
// parked, unassigned and not toll-free; additional numbers parked and
// unassigned; the extension unique (generated when none is given); the
// location the default one unless named.
func (s *Service) setVoice(ctx context.Context, tx store.Tx, c userChange, in *VoiceInput) (bool, error) {
	var have *store.VoiceView
	if c.old != nil {
		have = c.old.Voice
	}
	if in == nil {
		if have == nil {
			return false, nil
		}
		return true, tx.SetVoice(ctx, c.tenantID, c.user.ID, nil, "", nil)
	}
	primary := ""
	if in.Primary != "" {
		n, err := s.parkedNumber(ctx, tx, c.tenantID, in.Primary)
		if err != nil {
			return false, err
		}
		if n.TollFree {
			return false, invalid("primaryNumber", "%s is toll-free: a toll-free number cannot be a user's primary number", n.Number)
		}
		primary = n.Number
	}
	var additional []string
	for _, a := range in.Additional {
		n, err := s.parkedNumber(ctx, tx, c.tenantID, a)
		if err != nil {
			return false, err
		}
		if n.Number != primary && !slices.Contains(additional, n.Number) {
			additional = append(additional, n.Number)
		}
	}
	loc, err := s.location(ctx, tx, c.tenantID, in.Location)
	if err != nil {
		return false, err
	}
	ext := strings.TrimSpace(in.Extension)
	if ext == "" && have != nil {
		ext = have.Extension
	}
	if have != nil && have.Extension == ext && have.LocationID == loc.ID && have.PrimaryNumber == primary &&
		sameSet(have.AdditionalNumbers, additional, func(s string) string { return s }) {
		return false, nil
	}
	if ext == "" {
		if ext, err = freeExtension(ctx, tx, c.tenantID); err != nil {
			return false, err
		}
	} else if !validExtension(ext) {
		return false, invalid("extension", "extension %q must be 2 to 8 digits", ext)
	}
	err = tx.SetVoice(ctx, c.tenantID, c.user.ID, &store.Voice{UserID: c.user.ID, Extension: ext, LocationID: loc.ID}, primary, additional)
	if KindOf(err) == Conflict {
		msg, field, holder := Describe(err)
		return false, &Error{Kind: Conflict, Field: field, Holder: holder, Message: msg, Err: err}
	}
	return err == nil, err
}

// parkedNumber finds a number of the tenant's pool, in any format.
func (s *Service) parkedNumber(ctx context.Context, r store.Reader, tenantID, raw string) (store.Number, error) {
	e164, err := NormalizeNumber(raw)
	if err != nil {
		return store.Number{}, err
	}
	n, err := r.GetNumber(ctx, tenantID, e164)
	if KindOf(err) == NotFound {
		return n, invalid("number", "%s is not parked on this account: park it first", e164)
	}
	return n, err
}

func validExtension(s string) bool {
	if len(s) < 2 || len(s) > 8 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// firstExtension is where generated extensions start.
const firstExtension = 1001

// freeExtension generates the smallest unused extension from 1001, under
// the tenant's lock so that two generations do not pick the same one.
func freeExtension(ctx context.Context, tx store.Tx, tenantID string) (string, error) {
	if err := tx.LockTenant(ctx, tenantID); err != nil {
		return "", err
	}
	used, err := tx.Extensions(ctx, tenantID)
	if err != nil {
		return "", err
	}
	taken := map[int]bool{}
	for _, e := range used {
		if n, err := strconv.Atoi(e); err == nil {
			taken[n] = true
		}
	}
	for n := firstExtension; ; n++ {
		if !taken[n] {
			return strconv.Itoa(n), nil
		}
	}
}

// location finds a location by id or name, or the default one (made on
// first use) for "".
func (s *Service) location(ctx context.Context, tx store.Tx, tenantID, name string) (store.Location, error) {
	locs, err := tx.Locations(ctx, tenantID)
	if err != nil {
		return store.Location{}, err
	}
	for _, l := range locs {
		if (name == "" && l.Default) || (name != "" && (l.ID == name || strings.EqualFold(l.Name, name))) {
			return l, nil
		}
	}
	if name != "" {
		return store.Location{}, invalid("location", "%q is not a location of this tenant: create it first", name)
	}
	l := store.Location{TenantID: tenantID, Name: DefaultLocation, Default: true}
	if err := tx.InsertLocation(ctx, &l); err != nil {
		return l, fmt.Errorf("default location: %w", err)
	}
	return l, nil
}
