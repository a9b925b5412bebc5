package portal_test

import (
	"net/http"
	"net/url"

	"github.com/scimd/scimd/account"
)

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}

func ownerActor(e *env) account.Actor {
	return account.Member(e.tenant.ID, e.owner, "owner", "")
}

func auditQuery() account.AuditQuery { return account.AuditQuery{Limit: 1000} }

func sessionCookie(c *http.Client, e *env) string {
	for _, ck := range c.Jar.Cookies(mustURL(e.srv.URL + "/portal/")) {
		if ck.Name == "scimd_session" {
			return ck.Value
		}
	}
	return ""
}
