package mapping

import (
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"

	"github.com/scimd/scimd/store"
)

// A resource's entity tag (meta.version and the ETag header) has two parts:
// the version, which counts writes to the resource itself, and, when the
// representation carries attributes derived from other resources, a hash
// of those (a user's groups and manager.displayName, a group's member
// display names). Joining a group or renaming a manager changes what GET
// returns without writing the user: the hash makes If-None-Match see it.
// If-Match on a write compares only the version: derived attributes are
// read-only, so a write cannot lose them. Tags are weak (RFC 9110 §8.8.1):
// representations differ with attributes=... .

// UserETag is the entity tag of a user as loaded.
func UserETag(u *store.User) string {
	v, derived, sum := userTag(u)
	return etag(v, derived, sum)
}

// userTag is a user's entity tag in parts: the version and, when the user
// has derived attributes, the FNV-1a hash of them (of the bytes
// "g\x00<id>\x00<display>\x00<direct>\x00" per group, then
// "m\x00<manager display>\x00").
func userTag(u *store.User) (version int64, derived bool, sum uint64) {
	h := fnvOffset
	for _, g := range u.Groups {
		h = h.str("g\x00").str(g.ID).str("\x00").str(g.Display).str("\x00").str(strconv.FormatBool(g.Direct)).str("\x00")
		derived = true
	}
	if u.Enterprise.ManagerID != "" {
		h = h.str("m\x00").str(u.Enterprise.ManagerDisplay).str("\x00")
		derived = true
	}
	return u.Meta.Version, derived, uint64(h)
}

// fnv64 is FNV-1a (hash/fnv's New64a) over strings, without allocating.
type fnv64 uint64

const fnvOffset fnv64 = 14695981039346656037

func (h fnv64) str(s string) fnv64 {
	for i := 0; i < len(s); i++ {
		h ^= fnv64(s[i])
		h *= 1099511628211
	}
	return h
}

// appendUserTagJSON appends the user's entity tag as a JSON string.
func appendUserTagJSON(b []byte, u *store.User) []byte {
	v, derived, sum := userTag(u)
	b = append(b, `"W/\"`...)
	b = strconv.AppendInt(b, v, 10)
	if derived {
		b = append(b, '-')
		b = strconv.AppendUint(b, sum, 36)
	}
	return append(b, `\""`...)
}

// GroupETag is the entity tag of a group as loaded.
func GroupETag(g *store.Group) string {
	h := fnv.New64a()
	for _, m := range g.Members {
		fmt.Fprintf(h, "%s\x00%s\x00", m.ID, m.Display)
	}
	return etag(g.Meta.Version, len(g.Members) > 0, h.Sum64())
}

func etag(version int64, derived bool, sum uint64) string {
	v := strconv.FormatInt(version, 10)
	if derived {
		v += "-" + strconv.FormatUint(sum, 36)
	}
	return `W/"` + v + `"`
}

// TagVersion returns the version part of an entity tag (W/"12-ab" is 12).
func TagVersion(tag string) (int64, bool) {
	tag = strings.Trim(strings.TrimPrefix(strings.TrimSpace(tag), "W/"), `"`)
	v, _, _ := strings.Cut(tag, "-")
	n, err := strconv.ParseInt(v, 10, 64)
	return n, err == nil
}
