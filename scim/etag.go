package scim

import (
	"net/http"
	"strings"

	"github.com/scimd/scimd/mapping"
	"github.com/scimd/scimd/store"
)

// etagMatches reports whether an If-Match / If-None-Match header names the
// version. Comparison is weak (RFC 9110 §8.8.3.2): W/"3" matches "3".
func etagMatches(header string, version int64) bool {
	want := strings.TrimPrefix(mapping.ETag(version), "W/")
	for _, tag := range strings.Split(header, ",") {
		tag = strings.TrimSpace(tag)
		if tag == "*" || strings.TrimPrefix(tag, "W/") == want {
			return true
		}
	}
	return false
}

// checkIfMatch enforces If-Match on a write (RFC 7644 §3.14): a stale
// version is a 412 and nothing is written.
func checkIfMatch(r *http.Request, version int64) error {
	if h := r.Header.Get("If-Match"); h != "" && !etagMatches(h, version) {
		return store.ErrPrecondition
	}
	return nil
}

// notModified answers 304 when If-None-Match names the current version.
func notModified(w http.ResponseWriter, r *http.Request, version int64) bool {
	h := r.Header.Get("If-None-Match")
	if h == "" || !etagMatches(h, version) {
		return false
	}
	w.Header().Set("ETag", mapping.ETag(version))
	w.WriteHeader(http.StatusNotModified)
	return true
}

// writeResource answers with one resource, its ETag and Location.
func writeResource(w http.ResponseWriter, status int, doc mapping.Doc, location string, version int64) {
	w.Header().Set("ETag", mapping.ETag(version))
	w.Header().Set("Location", location)
	writeJSON(w, status, doc)
}
