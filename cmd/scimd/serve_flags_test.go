package main

import (
	"strings"
	"testing"
)

// TestServeRefusesNonsenseFlags: limits of zero or below, and a page size
// above the largest page, end serve with a message naming the flag
// instead of being replaced by defaults silently (issue 11, item 18).
func TestServeRefusesNonsenseFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--page-size", "0"}, "--page-size"},
		{[]string{"--max-results", "-1"}, "--max-results"},
		{[]string{"--page-size", "0", "--max-results", "-1"}, "--max-"},
		{[]string{"--max-results", "10", "--page-size", "20"}, "page-size"},
		{[]string{"--max-values", "0"}, "--max-values"},
		{[]string{"--db-timeout", "0s"}, "--db-timeout"},
		{[]string{"--max-inflight-bytes", "10"}, "max-inflight-bytes"},
		{[]string{"--trusted-proxies", "10.0.0.0/99"}, "--trusted-proxies"},
		{[]string{"--public-url", "ftp://scim.example.com"}, "--public-url"},
		{[]string{"--public-url", "scim.example.com"}, "--public-url"},
		{[]string{"--smtp-url", "http://mail.example.com"}, "--smtp-url"},
		{[]string{"--mail-from", "not an address"}, "--mail-from"},
		{[]string{"--audit-retention", "-1h"}, "--audit-retention"},
		{[]string{"--events-retention", "0"}, "--events-retention"},
	} {
		args := append([]string{"serve", "--addr", "127.0.0.1:0", "--db", "sqlite://" + t.TempDir() + "/x.db"}, tc.args...)
		_, stderr, code := scimd(t, args...)
		if code == 0 || !strings.Contains(stderr, tc.want) {
			t.Errorf("scimd %v: exit %d, stderr %q; want a non-zero exit naming %s", tc.args, code, stderr, tc.want)
		}
	}
}
