package scim

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"

	"github.com/scimd/scimd/account"
	"github.com/scimd/scimd/store"
)

// principal is who a request acts for: the IdP connection its bearer token
// belongs to.
type principal struct {
	token store.Token
}

// tenantID is the tenant the request's token belongs to.
func tenantID(ctx context.Context) string {
	if p, ok := ctx.Value(principalKey).(*principal); ok {
		return p.token.TenantID
	}
	return ""
}

// actor is who the request acts for, for the account layer.
func actor(ctx context.Context) account.Actor {
	return account.IdP(connection(ctx), requestID(ctx))
}

// connection is the IdP connection (token) the request authenticated with.
func connection(ctx context.Context) store.Token {
	if p, ok := ctx.Value(principalKey).(*principal); ok {
		return p.token
	}
	return store.Token{}
}

// origin is how the client reached the server: the scheme and host for
// absolute URLs and the client's address for per-address limits. Behind a
// proxy the operator trusts, they come from X-Forwarded-Proto,
// X-Forwarded-Host and X-Forwarded-For; from anyone else those headers are
// ignored.
type origin struct {
	scheme, host, addr string
}

func originOf(r *http.Request) origin {
	if rq := requestOf(r.Context()); rq != nil && rq.hasOrigin {
		return rq.origin
	}
	if o, ok := r.Context().Value(originKey).(origin); ok {
		return o
	}
	return directOrigin(r)
}

func directOrigin(r *http.Request) origin {
	o := origin{scheme: "http", host: r.Host, addr: remoteIP(r.RemoteAddr)}
	if r.TLS != nil {
		o.scheme = "https"
	}
	return o
}

func remoteIP(hostport string) string {
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		return h
	}
	return hostport
}

// clientAddr is the address per-address limits count against.
func clientAddr(r *http.Request) string { return originOf(r).addr }

// ParseTrustedProxies reads --trusted-proxies: comma-separated CIDRs or
// single addresses.
func ParseTrustedProxies(list string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, part := range strings.Split(list, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if !strings.Contains(part, "/") {
			a, err := netip.ParseAddr(part)
			if err != nil {
				return nil, fmt.Errorf("trusted proxy %q: not an address or CIDR", part)
			}
			out = append(out, netip.PrefixFrom(a, a.BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(part)
		if err != nil {
			return nil, fmt.Errorf("trusted proxy %q: not an address or CIDR", part)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// withOrigin works out the request's origin once, believing forwarded
// headers only from a trusted proxy.
func (s *Server) withOrigin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		o := directOrigin(r)
		if s.trusted(o.addr) {
			if p := strings.ToLower(strings.TrimSpace(lastValue(r.Header.Get("X-Forwarded-Proto")))); p == "https" || p == "http" {
				o.scheme = p
			}
			if h := strings.TrimSpace(lastValue(r.Header.Get("X-Forwarded-Host"))); validHost(h) {
				o.host = h
			}
			if a := s.forwardedFor(r.Header.Values("X-Forwarded-For")); a != "" {
				o.addr = a
			}
		}
		if rq := requestOf(r.Context()); rq != nil && !rq.hasOrigin {
			// Kept in the request's state, without a context of its own.
			rq.origin, rq.hasOrigin = o, true
			next.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), originKey, o)))
	})
}

func (s *Server) trusted(addr string) bool {
	if len(s.cfg.TrustedProxies) == 0 {
		return false
	}
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return false
	}
	a = a.Unmap()
	for _, p := range s.cfg.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// forwardedFor returns the client address from X-Forwarded-For: the
// right-most entry that is not itself a trusted proxy.
func (s *Server) forwardedFor(values []string) string {
	var hops []string
	for _, v := range values {
		hops = append(hops, strings.Split(v, ",")...)
	}
	for i := len(hops) - 1; i >= 0; i-- {
		h := strings.TrimSpace(hops[i])
		a, err := netip.ParseAddr(h)
		if err != nil {
			return ""
		}
		if !s.trusted(a.String()) {
			return a.Unmap().String()
		}
	}
	return ""
}

// lastValue is the last entry of a comma-separated header: the one the
// proxy nearest to scimd set.
func lastValue(v string) string {
	if i := strings.LastIndexByte(v, ','); i >= 0 {
		return v[i+1:]
	}
	return v
}

// validHost accepts host[:port] made of the characters a host name or
// address literal can hold, so that a forwarded host cannot inject a path
// or another URL into meta.location.
func validHost(h string) bool {
	if h == "" || len(h) > 255 {
		return false
	}
	for _, c := range h {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune(".-:[]", c)) {
			return false
		}
	}
	return true
}
