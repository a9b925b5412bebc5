package account

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/scimd/scimd/store"
)

// tokenUseStore is the part of a store that records IdP connections' use
// (sqlstore has it). A store without it records nothing, and the portal
// shows what this instance saw since it started.
type tokenUseStore interface {
	RecordTokenUse(ctx context.Context, tenantID, tokenID string, u store.TokenUse) error
	TokenHealth(ctx context.Context, tenantID string) (map[string]store.TokenHealth, error)
}

// tokenUseEvery is how often one token's use is written: a busy IdP makes
// hundreds of requests a second, each of which must not cost a write.
const tokenUseEvery = 30 * time.Second

// tokenUses gathers IdP connections' requests in memory between writes.
type tokenUses struct {
	mu sync.Mutex
	m  map[string]*tokenUseEntry
}

type tokenUseEntry struct {
	tenantID string
	pending  store.TokenUse
	seen     store.TokenUse // everything this instance saw, for reads
	written  time.Time
	writing  bool
}

// failedStatus says whether a SCIM answer is a failure worth showing as
// the connection's health: 404 (a lookup before a create) and 409 or 412
// (the IdP retrying) are a normal part of provisioning.
func failedStatus(status int) bool {
	switch status {
	case http.StatusNotFound, http.StatusConflict, http.StatusPreconditionFailed:
		return false
	}
	return status >= 400
}

// TokenUsed records that an IdP connection made a request answered with
// status, for the portal's connection health. It costs a map update; the
// record is written at most every 30 seconds per token, off the request.
func (s *Service) TokenUsed(tok store.Token, status int) {
	if tok.ID == "" {
		return
	}
	now := s.now()
	s.uses.mu.Lock()
	if s.uses.m == nil || len(s.uses.m) > 100000 {
		s.uses.m = map[string]*tokenUseEntry{}
	}
	e, ok := s.uses.m[tok.ID]
	if !ok {
		e = &tokenUseEntry{tenantID: tok.TenantID, written: now}
		s.uses.m[tok.ID] = e
	}
	for _, u := range []*store.TokenUse{&e.pending, &e.seen} {
		u.LastAt = now
		u.Requests++
		if failedStatus(status) {
			u.LastErrorAt, u.LastErrorStatus = now, status
			u.Errors++
		}
	}
	st, canWrite := s.st.(tokenUseStore)
	flush := canWrite && !e.writing && (now.Sub(e.written) >= tokenUseEvery || !ok)
	var batch store.TokenUse
	if flush {
		batch, e.pending, e.writing = e.pending, store.TokenUse{}, true
	}
	s.uses.mu.Unlock()
	if flush {
		go s.writeTokenUse(st, tok.TenantID, tok.ID, batch)
	}
}

func (s *Service) writeTokenUse(st tokenUseStore, tenantID, tokenID string, u store.TokenUse) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := st.RecordTokenUse(ctx, tenantID, tokenID, u)
	s.uses.mu.Lock()
	defer s.uses.mu.Unlock()
	e := s.uses.m[tokenID]
	if e == nil {
		return
	}
	e.writing, e.written = false, s.now()
	if err != nil {
		// Keep the batch for the next write.
		s.log.Warn("recording an IdP connection's use", "token", tokenID, "err", err)
		e.pending.Requests += u.Requests
		e.pending.Errors += u.Errors
		if e.pending.LastErrorAt.IsZero() {
			e.pending.LastErrorAt, e.pending.LastErrorStatus = u.LastErrorAt, u.LastErrorStatus
		}
		if e.pending.LastAt.IsZero() {
			e.pending.LastAt = u.LastAt
		}
	}
}

// TokenHealth is an IdP connection with how its requests have gone.
type TokenHealth struct {
	Token store.Token
	store.TokenHealth
}

// TokenHealth lists a tenant's IdP connections with their recorded use
// and what this instance saw since its last write; it needs tokens.manage.
func (s *Service) TokenHealth(ctx context.Context, a Actor, tenantID string) ([]TokenHealth, error) {
	toks, err := s.Tokens(ctx, a, tenantID)
	if err != nil {
		return nil, err
	}
	var recorded map[string]store.TokenHealth
	if st, ok := s.st.(tokenUseStore); ok {
		if recorded, err = st.TokenHealth(ctx, tenantID); err != nil {
			return nil, err
		}
	}
	s.uses.mu.Lock()
	defer s.uses.mu.Unlock()
	out := make([]TokenHealth, 0, len(toks))
	for _, t := range toks {
		h := recorded[t.ID]
		if h.LastUsedAt == nil {
			h.LastUsedAt = t.LastUsedAt
		}
		if e := s.uses.m[t.ID]; e != nil {
			if h.LastUsedAt == nil || h.LastUsedAt.Before(e.seen.LastAt) {
				at := e.seen.LastAt
				h.LastUsedAt = &at
			}
			if !e.seen.LastErrorAt.IsZero() && (h.LastErrorAt == nil || h.LastErrorAt.Before(e.seen.LastErrorAt)) {
				at := e.seen.LastErrorAt
				h.LastErrorAt, h.LastErrorStatus = &at, e.seen.LastErrorStatus
			}
			if recorded == nil {
				h.Requests, h.Errors = e.seen.Requests, e.seen.Errors
			} else {
				h.Requests += e.pending.Requests
				h.Errors += e.pending.Errors
			}
		}
		out = append(out, TokenHealth{Token: t, TokenHealth: h})
	}
	return out, nil
}
