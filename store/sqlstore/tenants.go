package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/scimd/scimd/store"
)

// CreateTenant creates a tenant with its master account node (whose id is
// the tenant's); ErrConflict if the name is taken.
func (s *Store) CreateTenant(ctx context.Context, name string) (store.Tenant, error) {
	t := store.Tenant{ID: uuid.NewString(), Name: name, CreatedAt: s.now()}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO tenants (id, name, created_at) VALUES ($1, $2, $3)`,
			t.ID, t.Name, s.d.timeArg(t.CreatedAt)); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO nodes (id, tenant_id, parent_id, name, name_ci, kind, path, created_at)
			VALUES ($1, $1, NULL, $2, $3, 'master', $4, $5)`, t.ID, t.Name, fold(t.Name), "/"+t.ID+"/", s.d.timeArg(t.CreatedAt))
		return err
	})
	return t, err
}

const tenantColumns = `id, name, created_at, settings`

func scanTenant(row interface{ Scan(...any) error }) (store.Tenant, error) {
	var t store.Tenant
	var settings string
	if err := row.Scan(&t.ID, &t.Name, timeScan{&t.CreatedAt}, &settings); err != nil {
		return t, err
	}
	if err := json.Unmarshal([]byte(settings), &t.Settings); err != nil {
		return t, fmt.Errorf("tenant %s settings: %w", t.ID, err)
	}
	return t, nil
}

// TenantByName finds a tenant by name.
func (s *Store) TenantByName(ctx context.Context, name string) (store.Tenant, error) {
	t, err := scanTenant(s.db.DB.QueryRowContext(ctx, `SELECT `+tenantColumns+` FROM tenants WHERE name = $1`, name))
	if errors.Is(err, sql.ErrNoRows) {
		return t, store.ErrNotFound
	}
	return t, s.d.translate(err)
}

// GetTenant finds a tenant by id.
func (r rd) GetTenant(ctx context.Context, tenantID string) (store.Tenant, error) {
	t, err := scanTenant(r.q.QueryRowContext(ctx, `SELECT `+tenantColumns+` FROM tenants WHERE id = $1`, tenantID))
	if errors.Is(err, sql.ErrNoRows) {
		return t, store.ErrNotFound
	}
	return t, r.translate(err)
}

// LockTenant locks the tenant's row for the rest of the transaction.
func (t *wtx) LockTenant(ctx context.Context, tenantID string) (err error) {
	defer func() { err = t.translate(err) }()
	var id string
	err = t.q.QueryRowContext(ctx, `SELECT id FROM tenants WHERE id = $1`+t.s.d.forUpdate, tenantID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return store.ErrTenantGone
	}
	return err
}

// SetTenantSettings replaces a tenant's settings.
func (t *wtx) SetTenantSettings(ctx context.Context, tenantID string, st store.TenantSettings) (err error) {
	defer func() { err = t.translate(err) }()
	b, err := json.Marshal(st)
	if err != nil {
		return err
	}
	res, err := t.q.ExecContext(ctx, `UPDATE tenants SET settings = $1 WHERE id = $2`, string(b), tenantID)
	if err != nil {
		return err
	}
	if ok, err := affected(res); err != nil || !ok {
		if err == nil {
			err = store.ErrNotFound
		}
		return err
	}
	return nil
}

// ListTenants lists all tenants by name.
func (s *Store) ListTenants(ctx context.Context) ([]store.Tenant, error) {
	rows, err := s.db.DB.QueryContext(ctx, `SELECT `+tenantColumns+` FROM tenants ORDER BY name`)
	if err != nil {
		return nil, s.d.translate(err)
	}
	defer rows.Close()
	var out []store.Tenant
	for rows.Next() {
		t, err := scanTenant(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, s.d.translate(rows.Err())
}

const tokenColumns = `id, tenant_id, label, idp, authority, created_by, hash, created_at, expires_at, revoked_at, last_used_at`

func scanToken(row interface{ Scan(...any) error }) (store.Token, error) {
	var t store.Token
	err := row.Scan(&t.ID, &t.TenantID, &t.Label, &t.IdP, &t.Authority, nullStr{&t.CreatedBy}, &t.Hash, timeScan{&t.CreatedAt},
		timePtrScan{&t.ExpiresAt}, timePtrScan{&t.RevokedAt}, timePtrScan{&t.LastUsedAt})
	return t, err
}

func (s *Store) nullTime(t *time.Time) any {
	if t == nil {
		return nil
	}
	return s.d.timeArg(*t)
}

// CreateToken stores a token (its hash only).
func (s *Store) CreateToken(ctx context.Context, tok store.Token) (store.Token, error) {
	tok.ID = uuid.NewString()
	tok.CreatedAt = s.now()
	tok.IdP = orDefault(tok.IdP, store.IdPAuto)
	tok.Authority = orDefault(tok.Authority, store.AuthorityOperator)
	_, err := s.db.DB.ExecContext(ctx,
		`INSERT INTO tokens (`+tokenColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, NULL, NULL)`,
		tok.ID, tok.TenantID, tok.Label, tok.IdP, tok.Authority, nullable(tok.CreatedBy), tok.Hash,
		s.d.timeArg(tok.CreatedAt), s.nullTime(tok.ExpiresAt))
	return tok, s.d.translate(err)
}

// TokenByHash finds a live token by its hash.
func (s *Store) TokenByHash(ctx context.Context, hash []byte, now time.Time) (store.Token, error) {
	t, err := scanToken(s.db.DB.QueryRowContext(ctx,
		`SELECT `+tokenColumns+` FROM tokens
		 WHERE hash = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $2)`,
		hash, s.d.timeArg(now)))
	if errors.Is(err, sql.ErrNoRows) {
		return t, store.ErrNotFound
	}
	return t, s.d.translate(err)
}

// ListTokens lists a tenant's tokens, newest first.
func (s *Store) ListTokens(ctx context.Context, tenantID string) ([]store.Token, error) {
	rows, err := s.db.DB.QueryContext(ctx,
		`SELECT `+tokenColumns+` FROM tokens WHERE tenant_id = $1 ORDER BY created_at DESC, id`, tenantID)
	if err != nil {
		return nil, s.d.translate(err)
	}
	defer rows.Close()
	var out []store.Token
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, s.d.translate(rows.Err())
}

// RevokeToken marks a token revoked and bumps the auth generation.
func (s *Store) RevokeToken(ctx context.Context, tenantID, tokenID string, at time.Time) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx,
			`UPDATE tokens SET revoked_at = $1 WHERE tenant_id = $2 AND id = $3 AND revoked_at IS NULL`,
			s.d.timeArg(at), tenantID, tokenID)
		if err != nil {
			return err
		}
		if ok, err := affected(res); err != nil || !ok {
			if err == nil {
				err = store.ErrNotFound
			}
			return err
		}
		return bumpAuthGeneration(ctx, tx)
	})
}

// bumpAuthGeneration tells running servers that cached credentials may
// have become invalid.
func bumpAuthGeneration(ctx context.Context, q querier) error {
	_, err := q.ExecContext(ctx, `UPDATE auth_state SET generation = generation + 1 WHERE id = 1`)
	return err
}

// AuthGeneration returns the auth generation counter.
func (s *Store) AuthGeneration(ctx context.Context) (int64, error) {
	var g int64
	err := s.db.DB.QueryRowContext(ctx, `SELECT generation FROM auth_state WHERE id = 1`).Scan(&g)
	return g, s.d.translate(err)
}

// CountTenant counts a tenant's users, groups and tokens.
func (s *Store) CountTenant(ctx context.Context, tenantID string) (store.TenantCounts, error) {
	return s.countTenant(ctx, s.db.DB, tenantID)
}

func (s *Store) countTenant(ctx context.Context, q querier, tenantID string) (store.TenantCounts, error) {
	var c store.TenantCounts
	var found int
	err := q.QueryRowContext(ctx, `SELECT
		(SELECT count(*) FROM tenants WHERE id = $1),
		(SELECT count(*) FROM users WHERE tenant_id = $1),
		(SELECT count(*) FROM groups WHERE tenant_id = $1),
		(SELECT count(*) FROM tokens WHERE tenant_id = $1)`, tenantID).Scan(&found, &c.Users, &c.Groups, &c.Tokens)
	if err == nil && found == 0 {
		err = store.ErrNotFound
	}
	return c, s.d.translate(err)
}

// DeleteTenant deletes a tenant and everything it holds in one
// transaction (foreign keys cascade from tenants), bumping the auth
// generation so that running servers stop accepting its tokens.
func (s *Store) DeleteTenant(ctx context.Context, tenantID string) (store.TenantCounts, error) {
	var counts store.TenantCounts
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		if s.d.forUpdate != "" {
			var id string
			if err := tx.QueryRowContext(ctx, `SELECT id FROM tenants WHERE id = $1`+s.d.forUpdate, tenantID).Scan(&id); err != nil {
				if errors.Is(err, sql.ErrNoRows) {
					return store.ErrNotFound
				}
				return err
			}
		}
		if counts, err = s.countTenant(ctx, tx, tenantID); err != nil {
			return err
		}
		// Memberships first: a group_members row points at users and groups
		// of the same tenant, and deleting them up front keeps the cascade
		// from locking each group row by row.
		if _, err := tx.ExecContext(ctx, `DELETE FROM group_members WHERE group_id IN (SELECT id FROM groups WHERE tenant_id = $1)`, tenantID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM tenants WHERE id = $1`, tenantID); err != nil {
			return err
		}
		return bumpAuthGeneration(ctx, tx)
	})
	return counts, err
}

// Secret returns the named secret, creating 32 random bytes on first use.
func (s *Store) Secret(ctx context.Context, name string) ([]byte, error) {
	fresh := make([]byte, 32)
	rand.Read(fresh)
	// Insert-if-absent then read: two processes racing on first use agree.
	if _, err := s.db.DB.ExecContext(ctx,
		`INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`, name, fresh); err != nil {
		return nil, s.d.translate(err)
	}
	var v []byte
	err := s.db.DB.QueryRowContext(ctx, `SELECT value FROM settings WHERE name = $1`, name).Scan(&v)
	return v, s.d.translate(err)
}

// Setting reads a server-wide setting ("" when unset).
func (s *Store) Setting(ctx context.Context, name string) (string, error) {
	var v []byte
	err := s.db.DB.QueryRowContext(ctx, `SELECT value FROM settings WHERE name = $1`, name).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return string(v), s.d.translate(err)
}

// PutSetting writes a server-wide setting.
func (s *Store) PutSetting(ctx context.Context, name, value string) error {
	_, err := s.db.DB.ExecContext(ctx, `INSERT INTO settings (name, value) VALUES ($1, $2)
		ON CONFLICT (name) DO UPDATE SET value = excluded.value`, name, []byte(value))
	return s.d.translate(err)
}
