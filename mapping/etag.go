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
	h := fnv.New64a()
	derived := false
	for _, g := range u.Groups {
		fmt.Fprintf(h, "g\x00%s\x00%s\x00%t\x00", g.ID, g.Display, g.Direct)
		derived = true
	}
	if u.Enterprise.ManagerID != "" {
		fmt.Fprintf(h, "m\x00%s\x00", u.Enterprise.ManagerDisplay)
		derived = true
	}
	return etag(u.Meta.Version, derived, h.Sum64())
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
