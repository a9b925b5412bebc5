package scim

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/scimd/scimd/store"
)

// tokenPrefix marks scimd tokens so they are recognisable in secret scanners.
const tokenPrefix = "scimd_"

// NewToken returns a fresh bearer token and the hash to store for it.
func NewToken() (token string, hash []byte) {
	b := make([]byte, 32)
	rand.Read(b)
	token = tokenPrefix + base64.RawURLEncoding.EncodeToString(b)
	return token, HashToken(token)
}

// HashToken is the stored form of a token. Tokens are 256 random bits, so
// a fast hash is enough: there is nothing to brute-force.
func HashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// tokenCache remembers verified tokens for a short time so that the hot
// path does not ask the database on every request.
type tokenCache struct {
	ttl time.Duration
	mu  sync.Mutex
	m   map[string]cachedToken
}

type cachedToken struct {
	tenantID string
	until    time.Time
}

func newTokenCache(ttl time.Duration) *tokenCache {
	return &tokenCache{ttl: ttl, m: map[string]cachedToken{}}
}

func (c *tokenCache) get(hash string, now time.Time) (string, bool) {
	if c.ttl <= 0 {
		return "", false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	t, ok := c.m[hash]
	if !ok || now.After(t.until) {
		delete(c.m, hash)
		return "", false
	}
	return t.tenantID, true
}

func (c *tokenCache) put(hash, tenantID string, until time.Time) {
	if c.ttl <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) > 10000 {
		clear(c.m) // bounded: a flood of distinct valid tokens only costs lookups
	}
	c.m[hash] = cachedToken{tenantID: tenantID, until: until}
}

// auth authenticates the bearer token, puts its tenant in the context and
// applies the per-token rate limit.
func (s *Server) auth(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, ok := bearer(r)
		if !ok {
			writeError(w, r, &Error{Status: http.StatusUnauthorized,
				Detail: "missing bearer token: send Authorization: Bearer <token>"})
			return
		}
		tenant, err := s.tenantOf(r.Context(), token)
		if err != nil {
			if errors.Is(err, store.ErrNotFound) {
				err = &Error{Status: http.StatusUnauthorized, Detail: "the bearer token is not valid (unknown, revoked or expired)"}
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
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), tenantKey, tenant)))
	})
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

func (s *Server) tenantOf(ctx context.Context, token string) (string, error) {
	hash := HashToken(token)
	key := string(hash)
	now := s.now()
	if id, ok := s.tokens.get(key, now); ok {
		return id, nil
	}
	t, err := s.store.TokenByHash(ctx, hash, now)
	if err != nil {
		return "", err
	}
	until := now.Add(s.cfg.TokenCacheTTL)
	if t.ExpiresAt != nil && t.ExpiresAt.Before(until) {
		until = *t.ExpiresAt
	}
	s.tokens.put(key, t.TenantID, until)
	return t.TenantID, nil
}

// limiters holds one token bucket per bearer token.
type limiters struct {
	limit rate.Limit
	burst int
	mu    sync.Mutex
	m     map[string]*rate.Limiter
}

func newLimiters(limit rate.Limit, burst int) *limiters {
	return &limiters{limit: limit, burst: burst, m: map[string]*rate.Limiter{}}
}

// allow reports whether the token may make a request now, and if not, how
// many seconds to wait.
func (l *limiters) allow(token string) (bool, int) {
	key := string(HashToken(token))
	l.mu.Lock()
	lim, ok := l.m[key]
	if !ok {
		if len(l.m) > 10000 {
			clear(l.m)
		}
		lim = rate.NewLimiter(l.limit, l.burst)
		l.m[key] = lim
	}
	l.mu.Unlock()
	res := lim.Reserve()
	if d := res.Delay(); d > 0 {
		res.Cancel()
		return false, int(d/time.Second) + 1
	}
	return true, 0
}
