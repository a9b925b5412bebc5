package scim

import (
	"net/http"
	"strings"

	"github.com/scimd/scimd/account"
	"github.com/scimd/scimd/mapping"
)

// splitTags splits an If-Match / If-None-Match header into its tags.
func splitTags(header string) []string {
	var tags []string
	for _, t := range strings.Split(header, ",") {
		if t = strings.TrimSpace(t); t != "" {
			tags = append(tags, t)
		}
	}
	return tags
}

// expect reads If-Match (RFC 7644 §3.14) as the versions a write may apply
// to: a tag of a stale version makes the account layer answer 412 and
// write nothing. Only the version part of a tag counts (see
// mapping.UserETag); "*" or no header matches any version.
func expect(r *http.Request) account.Expect {
	h := r.Header.Get("If-Match")
	if h == "" {
		return account.AnyVersion
	}
	e := account.Expect{}
	for _, tag := range splitTags(h) {
		if tag == "*" {
			return account.AnyVersion
		}
		if v, ok := mapping.TagVersion(tag); ok {
			e = append(e, v)
		}
	}
	return e
}

// notModified answers 304 when If-None-Match names the current tag
// (compared weakly, RFC 9110 §13.1.2).
func notModified(w http.ResponseWriter, r *http.Request, etag string) bool {
	h := r.Header.Get("If-None-Match")
	if h == "" {
		return false
	}
	want := strings.TrimPrefix(etag, "W/")
	for _, tag := range splitTags(h) {
		if tag == "*" || strings.TrimPrefix(tag, "W/") == want {
			w.Header().Set("ETag", etag)
			w.WriteHeader(http.StatusNotModified)
			return true
		}
	}
	return false
}

// writeResource answers with one resource, its ETag and Location.
func writeResource(w http.ResponseWriter, status int, doc any, location, etag string) {
	w.Header().Set("ETag", etag)
	w.Header().Set("Location", location)
	writeJSON(w, status, doc)
}
