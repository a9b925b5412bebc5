package scim

import (
	"cmp"
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/scimd/scimd/account"
	"github.com/scimd/scimd/store"
)

// NewToken returns a fresh bearer token and the hash to store for it (see
// account.NewToken).
func NewToken() (token string, hash []byte) { return account.NewToken() }

// HashToken is the stored form of a token (see account.HashToken).
func HashToken(token string) []byte { return account.HashToken(token) }

// maxCachedTokens bounds each of the token caches.
const maxCachedTokens = 10000

// tokenCache remembers verified tokens for a short time so that the hot
// path does not ask the database on every request, and unknown tokens for
// a shorter time so that a flood of guesses does not cost a lookup each.
// When the store's auth generation moves (a token was revoked or a tenant
// deleted, by this process or another), everything cached is dropped.
type tokenCache struct {
	ttl, missTTL time.Duration
	mu           sync.Mutex
	m            map[string]cachedToken
	misses       map[string]time.Time
	gen          int64
	genChecked   time.Time
}

type cachedToken struct {
	tok   store.Token
	until time.Time
}

// genInterval is how often the auth generation is read: a revoked token or
// deleted tenant stops working on every instance within about this long.
const genInterval = time.Second

func newTokenCache(ttl time.Duration) *tokenCache {
	return &tokenCache{ttl: ttl, missTTL: min(ttl, 2*time.Second),
		m: map[string]cachedToken{}, misses: map[string]time.Time{}}
}

// get returns a cached token; miss reports a recently unknown token.
func (c *tokenCache) get(hash string, now time.Time) (tok store.Token, hit, miss bool) {
	if c.ttl <= 0 {
		return tok, false, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if until, ok := c.misses[hash]; ok {
		if now.Before(until) {
			return tok, false, true
		}
		delete(c.misses, hash)
	}
	t, ok := c.m[hash]
	if !ok || now.After(t.until) {
		delete(c.m, hash)
		return tok, false, false
	}
	return t.tok, true, false
}

func (c *tokenCache) put(hash string, tok store.Token, until time.Time) {
	if c.ttl <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= maxCachedTokens {
		clear(c.m) // bounded: a flood of distinct valid tokens only costs lookups
	}
	c.m[hash] = cachedToken{tok: tok, until: until}
}

func (c *tokenCache) putMiss(hash string, now time.Time) {
	if c.ttl <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.misses) >= maxCachedTokens {
		clear(c.misses)
	}
	c.misses[hash] = now.Add(c.missTTL)
}

// dropTenant forgets every cached token of a tenant.
func (c *tokenCache) dropTenant(tenantID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, t := range c.m {
		if t.tok.TenantID == tenantID {
			delete(c.m, k)
		}
	}
}

// sync reads the auth generation at most once per genInterval and drops
// every cached token when it moved. A failed read keeps the cache: the
// request then fails on its own database call.
func (c *tokenCache) sync(ctx context.Context, st store.Store, now time.Time) {
	c.mu.Lock()
	if now.Sub(c.genChecked) < genInterval {
		c.mu.Unlock()
		return
	}
	c.genChecked = now
	c.mu.Unlock()
	gen, err := st.AuthGeneration(ctx)
	if err != nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		c.gen = gen
		clear(c.m)
		clear(c.misses)
	}
}

// auth authenticates the bearer token, puts its connection in the context
// and applies the per-token rate limit. Failed authentications are limited
// per client address, so guessing tokens is slow and cheap to refuse.
func (s *Server) auth(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, ok := bearer(r)
		if !ok {
			s.authFailed(w, r, &Error{Status: http.StatusUnauthorized,
				Detail: "missing bearer token: send Authorization: Bearer <token>"})
			return
		}
		// Every database call of the request, the token lookup included,
		// shares one deadline.
		ctx, cancel := context.WithTimeout(r.Context(), s.cfg.DBTimeout)
		defer cancel()
		tok, err := s.tokenOf(ctx, token, clientAddr(r))
		var over *Error
		if errors.As(err, &over) && over.Status == http.StatusTooManyRequests {
			writeError(w, r, err)
			return
		}
		if err != nil {
			if errors.Is(err, store.ErrNotFound) {
				s.authFailed(w, r, &Error{Status: http.StatusUnauthorized,
					Detail: "the bearer token is not valid (unknown, revoked or expired)"})
				return
			}
			writeError(w, r, err)
			return
		}
		if s.limiters != nil {
			if ok, wait := s.limiters.allow(token); !ok {
				writeError(w, r, &Error{Status: http.StatusTooManyRequests, RetryAfter: wait,
					Detail: "too many requests for this token: retry after " + strconv.Itoa(wait) + "s"})
				return
			}
		}
		r = r.WithContext(context.WithValue(ctx, principalKey, &principal{token: tok}))
		var status int
		if sw, ok := w.(*statusWriter); ok && sw.status == 0 {
			// logRequests' writer, not yet written to: it records the
			// handler's status.
			next.ServeHTTP(w, r)
			status = sw.status
		} else {
			sw := &statusWriter{ResponseWriter: w}
			next.ServeHTTP(sw, r)
			status = sw.status
		}
		if s.acct != nil {
			s.acct.TokenUsed(tok, cmp.Or(status, http.StatusOK)) // the portal's connection health
		}
	})
}

// authFailed answers a failed authentication and counts it against the
// client's address.
func (s *Server) authFailed(w http.ResponseWriter, r *http.Request, e *Error) {
	if wait, limited := s.authFailures.fail(clientAddr(r)); limited {
		s.tooManyFailures(w, r, wait)
		return
	}
	writeError(w, r, e)
}

func (s *Server) tooManyFailures(w http.ResponseWriter, r *http.Request, wait int) {
	writeError(w, r, tooManyFailures(wait))
}

func tooManyFailures(wait int) *Error {
	return &Error{Status: http.StatusTooManyRequests, RetryAfter: wait,
		Detail: "too many failed authentications from this address: retry after " + strconv.Itoa(wait) + "s"}
}

func bearer(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	scheme, token, ok := strings.Cut(strings.TrimSpace(h), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

// tokenOf finds the live token, from the cache when it can. A token the
// cache does not know costs a database lookup, which a client address that
// has used up its failed authentications does not get: it is answered 429
// at once (a token verified recently still works from there).
func (s *Server) tokenOf(ctx context.Context, token, addr string) (store.Token, error) {
	hash := HashToken(token)
	key := string(hash)
	now := s.now()
	s.tokens.sync(ctx, s.store, now)
	if tok, hit, miss := s.tokens.get(key, now); hit {
		return tok, nil
	} else if miss {
		return store.Token{}, store.ErrNotFound
	}
	if wait, limited := s.authFailures.limited(addr); limited {
		return store.Token{}, tooManyFailures(wait)
	}
	t, err := s.store.TokenByHash(ctx, hash, now)
	if errors.Is(err, store.ErrNotFound) {
		s.tokens.putMiss(key, now)
	}
	if err != nil {
		return store.Token{}, err
	}
	t.Hash = nil
	until := now.Add(s.cfg.TokenCacheTTL)
	if t.ExpiresAt != nil && t.ExpiresAt.Before(until) {
		until = *t.ExpiresAt
	}
	s.tokens.put(key, t, until)
	return t, nil
}

// limiters holds one token bucket per key (a bearer token's hash or a
// client address), bounded in number.
type limiters struct {
	limit rate.Limit
	burst int
	mu    sync.Mutex
	m     map[string]*rate.Limiter
}

func newLimiters(limit rate.Limit, burst int) *limiters {
	return &limiters{limit: limit, burst: burst, m: map[string]*rate.Limiter{}}
}

func (l *limiters) get(key string) *rate.Limiter {
	l.mu.Lock()
	defer l.mu.Unlock()
	lim, ok := l.m[key]
	if !ok {
		if len(l.m) >= maxCachedTokens {
			clear(l.m)
		}
		lim = rate.NewLimiter(l.limit, l.burst)
		l.m[key] = lim
	}
	return lim
}

// allow reports whether the token may make a request now, and if not, how
// many seconds to wait.
func (l *limiters) allow(token string) (bool, int) {
	return take(l.get(string(HashToken(token))))
}

func take(lim *rate.Limiter) (bool, int) {
	res := lim.Reserve()
	if d := res.Delay(); d > 0 {
		res.Cancel()
		return false, int(d/time.Second) + 1
	}
	return true, 0
}

// failureLimiter limits failed authentications per client address.
type failureLimiter struct{ l *limiters }

// limited reports whether the address has used up its failures, without
// counting this request. An address that never failed has no limiter.
func (f failureLimiter) limited(addr string) (int, bool) {
	if f.l == nil {
		return 0, false
	}
	f.l.mu.Lock()
	lim := f.l.m[addr]
	f.l.mu.Unlock()
	if lim == nil {
		return 0, false
	}
	t := lim.Tokens()
	if t >= 1 {
		return 0, false
	}
	return int((1-t)/float64(f.l.limit)) + 1, true
}

// fail counts one failed authentication; it reports whether the address is
// over its limit with this one.
func (f failureLimiter) fail(addr string) (int, bool) {
	if f.l == nil {
		return 0, false
	}
	ok, wait := take(f.l.get(addr))
	return wait, !ok
}
