package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/scimd/scimd/store"
)

// InsertUser inserts a user with its child rows.
func (t *wtx) InsertUser(ctx context.Context, u *store.User) (err error) {
	defer func() { err = t.translate(err) }()
	s := t.s
	now := s.now()
	u.ID = uuid.NewString()
	u.Meta = store.Meta{Created: now, LastModified: now, Version: 1}
	u.State = orDefault(u.State, store.StateActive)
	u.Source = orDefault(u.Source, store.SourceSCIM)
	cols := append([]string{"id", "tenant_id", "created_at"}, userWriteCols...)
	args := append([]any{u.ID, u.TenantID, s.d.timeArg(now)}, s.userWriteArgs(u)...)
	if u.Enterprise.ManagerID != "" {
		display, err := managerDisplay(ctx, t.q, u.TenantID, u.Enterprise.ManagerID)
		if err != nil {
			return err
		}
		u.Enterprise.ManagerDisplay = display
	}
	insert := `INSERT INTO users (` + joinCols(cols) + `) VALUES (` + placeholders(1, len(cols)) + `)`
	if t.lazy != nil {
		if ws, ok := userInserts(insert, args, u); ok {
			// The user and its child rows in one statement of
			// data-modifying CTEs (their foreign keys are checked at its
			// end, when the user's row is there), held back to go with
			// the transaction's other writes.
			for _, w := range ws {
				t.lazy.later(w)
			}
			return nil
		}
	}
	if _, err := t.q.ExecContext(ctx, insert, args...); err != nil {
		return tenantGone(err)
	}
	if err := insertValues(ctx, t.q, u.ID, u.Values, store.ValueAttrs); err != nil {
		return err
	}
	return insertAddresses(ctx, t.q, u.ID, u.Addresses)
}

// userInserts are the INSERTs of a user (insert, with args), its values and
// its addresses, as writes held back to go in one statement, when they fit
// in one INSERT each (PostgreSQL).
func userInserts(insert string, args []any, u *store.User) ([]deferred, bool) {
	values := valueRows(u.ID, u.Values, store.ValueAttrs)
	if len(values) > maxRowsPerInsert || len(u.Addresses) > maxRowsPerInsert {
		return nil, false
	}
	ws := []deferred{{sql: insert, args: args, fix: tenantGone}}
	add := func(head string, rows [][]any) {
		if len(rows) == 0 {
			return
		}
		var b strings.Builder
		var all []any
		b.WriteString(head)
		for i, r := range rows {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(" + placeholders(len(all)+1, len(r)) + ")")
			all = append(all, r...)
		}
		ws = append(ws, deferred{sql: b.String(), args: all})
	}
	add(`INSERT INTO user_values (user_id, attr, ord, value, display, type, is_primary) VALUES `, values)
	add(`INSERT INTO user_addresses (user_id, ord, formatted, street_address, locality, region, postal_code, country, type, is_primary) VALUES `,
		addressRows(u.ID, u.Addresses))
	return ws, true
}

// managerDisplay checks that the manager is a user of the tenant and
// returns its display name: a manager of another tenant, or one that
// exists nowhere, is refused.
func managerDisplay(ctx context.Context, q querier, tenantID, managerID string) (string, error) {
	var display sql.NullString
	err := q.QueryRowContext(ctx, `SELECT coalesce(display_name, user_name) FROM users WHERE tenant_id = $1 AND id = $2`,
		tenantID, managerID).Scan(&display)
	if errors.Is(err, sql.ErrNoRows) {
		return "", store.Invalidf("manager %q is not a user of this tenant", managerID)
	}
	return display.String, err
}

// GetUser loads one user of a tenant.
func (r rd) GetUser(ctx context.Context, tenantID, id string, load store.Load) (*store.User, error) {
	u, err := r.s.getUser(ctx, r.q, tenantID, id, load, false)
	return u, r.translate(err)
}

// FindUser finds the one user whose userName or an email equals login.
func (r rd) FindUser(ctx context.Context, tenantID, login string) (*store.User, error) {
	users, err := r.s.selectUsers(ctx, r.q, `SELECT `+r.s.userSelect(store.LoadValues)+` FROM users u
		WHERE u.tenant_id = $1 AND (u.user_name_ci = $2 OR u.id IN (
			SELECT v.user_id FROM user_values v WHERE v.attr = 'emails' AND `+r.s.d.lower+`(v.value) = $2))
		LIMIT 2`, tenantID, fold(login))
	if err != nil {
		return nil, r.translate(err)
	}
	if len(users) != 1 {
		return nil, store.ErrNotFound
	}
	return users[0], nil
}

// FindUserBySubject finds the user linked to an OpenID Connect subject.
func (r rd) FindUserBySubject(ctx context.Context, tenantID, subject string) (*store.User, error) {
	users, err := r.s.selectUsers(ctx, r.q, `SELECT `+r.s.userSelect(store.LoadValues)+` FROM users u
		WHERE u.tenant_id = $1 AND u.oidc_subject = $2`, tenantID, subject)
	if err != nil {
		return nil, r.translate(err)
	}
	if len(users) != 1 {
		return nil, store.ErrNotFound
	}
	return users[0], nil
}

// LockUser locks the user's row and returns its version. SQLite needs no
// row lock: its write transactions start with BEGIN IMMEDIATE.
func (t *wtx) LockUser(ctx context.Context, tenantID, id string) (r0 int64, err error) {
	defer func() { err = t.translate(err) }()
	var v int64
	err = t.q.QueryRowContext(ctx, `SELECT version FROM users WHERE tenant_id = $1 AND id = $2`+t.s.d.forUpdate,
		tenantID, id).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, store.ErrNotFound
	}
	return v, err
}

// WriteUser writes the difference between old and u, with a new version.
func (t *wtx) WriteUser(ctx context.Context, old, u *store.User) (err error) {
	defer func() { err = t.translate(err) }()
	s, q := t.s, t.q
	tenantID, id := old.TenantID, old.ID
	u.ID, u.TenantID, u.Groups = id, tenantID, old.Groups
	u.Meta = old.Meta
	u.Meta.LastModified = s.now()
	u.Meta.Version = old.Meta.Version + 1
	u.State = orDefault(u.State, orDefault(old.State, store.StateActive))
	u.Source = orDefault(u.Source, orDefault(old.Source, store.SourceSCIM))
	u.Enterprise.ManagerDisplay = old.Enterprise.ManagerDisplay
	if u.Enterprise.ManagerID != old.Enterprise.ManagerID {
		u.Enterprise.ManagerDisplay = ""
		if u.Enterprise.ManagerID != "" {
			display, err := managerDisplay(ctx, q, tenantID, u.Enterprise.ManagerID)
			if err != nil {
				return err
			}
			u.Enterprise.ManagerDisplay = display
		}
	}
	args := append(s.userWriteArgs(u), tenantID, id)
	res, err := q.ExecContext(ctx, `UPDATE users SET `+setList(userWriteCols, 1)+
		` WHERE tenant_id = $`+itoa(len(userWriteCols)+1)+` AND id = $`+itoa(len(userWriteCols)+2), args...)
	if err != nil {
		return err
	}
	if ok, err := affected(res); err != nil || !ok {
		if err == nil {
			err = store.ErrNotFound
		}
		return err
	}
	var changed []string
	for _, attr := range store.ValueAttrs {
		if !store.SameValues(u.Values[attr], old.Values[attr]) {
			changed = append(changed, attr)
		}
	}
	for _, attr := range changed {
		if _, err := q.ExecContext(ctx, `DELETE FROM user_values WHERE user_id = $1 AND attr = $2`, id, attr); err != nil {
			return err
		}
	}
	if err := insertValues(ctx, q, id, u.Values, changed); err != nil {
		return err
	}
	if !store.SameAddresses(u.Addresses, old.Addresses) {
		if _, err := q.ExecContext(ctx, `DELETE FROM user_addresses WHERE user_id = $1`, id); err != nil {
			return err
		}
		if err := insertAddresses(ctx, q, id, u.Addresses); err != nil {
			return err
		}
	}
	return nil
}

// TouchUser gives a user a new version.
func (t *wtx) TouchUser(ctx context.Context, tenantID, id string) (err error) {
	defer func() { err = t.translate(err) }()
	res, err := t.q.ExecContext(ctx, `UPDATE users SET version = version + 1, last_modified = $1 WHERE tenant_id = $2 AND id = $3`,
		t.s.d.timeArg(t.s.now()), tenantID, id)
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

// SetLastLogin records a sign-in, and links the OpenID subject if given.
func (t *wtx) SetLastLogin(ctx context.Context, tenantID, id string, at time.Time, subject string) (err error) {
	defer func() { err = t.translate(err) }()
	_, err = t.q.ExecContext(ctx, `UPDATE users SET last_login_at = $1, oidc_subject = coalesce($2, oidc_subject)
		WHERE tenant_id = $3 AND id = $4`, t.s.d.timeArg(at), nullable(subject), tenantID, id)
	return err
}

// DeleteUser deletes a user; its child rows, memberships and domain rows go
// with it (foreign keys cascade), its numbers return to the pool, groups
// it was a member of get a new version, and users it managed lose their
// manager.
func (t *wtx) DeleteUser(ctx context.Context, tenantID, id string) (err error) {
	defer func() { err = t.translate(err) }()
	q := t.q
	now := t.s.d.timeArg(t.s.now())
	if _, err := q.ExecContext(ctx, `UPDATE groups SET version = version + 1, last_modified = $1
		WHERE id IN (SELECT group_id FROM group_members WHERE member_user_id = $2)`, now, id); err != nil {
		return err
	}
	// Not the user itself (a user may be its own manager).
	if _, err := q.ExecContext(ctx, `UPDATE users SET ent_manager_id = NULL, version = version + 1, last_modified = $1
		WHERE tenant_id = $2 AND ent_manager_id = $3 AND id <> $3`, now, tenantID, id); err != nil {
		return err
	}
	if _, err := q.ExecContext(ctx, `UPDATE numbers SET user_id = NULL, is_primary = $1 WHERE tenant_id = $2 AND user_id = $3`,
		false, tenantID, id); err != nil {
		return err
	}
	res, err := q.ExecContext(ctx, `DELETE FROM users WHERE tenant_id = $1 AND id = $2`, tenantID, id)
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

// CreateUser inserts a user with its child rows in one transaction.
func (s *Store) CreateUser(ctx context.Context, u *store.User) error {
	return s.InTx(ctx, func(tx store.Tx) error { return tx.InsertUser(ctx, u) })
}

// GetUser loads one user.
func (s *Store) GetUser(ctx context.Context, tenantID, id string, load store.Load) (*store.User, error) {
	return s.Reader().GetUser(ctx, tenantID, id, load)
}

// UpdateUser runs update on the user and stores what changed, with the
// update outside the write transaction (see store.UpdateUser). A change
// that leaves the user as it was writes nothing and keeps the version.
func (s *Store) UpdateUser(ctx context.Context, tenantID, id string, update func(u *store.User) error) (*store.User, error) {
	var result *store.User
	err := store.UpdateUser(ctx, s, tenantID, id, store.Update{
		Load: store.LoadValues | store.LoadAddresses,
		Compute: func(old *store.User) (bool, error) {
			u := store.CloneUser(old)
			if err := update(u); err != nil {
				return false, err
			}
			if store.SameUser(u, old) {
				result = old
				return false, nil
			}
			result = u
			return true, nil
		},
		Write: func(ctx context.Context, tx store.Tx, old *store.User) error {
			return tx.WriteUser(ctx, old, result)
		},
	})
	if err != nil {
		return nil, err
	}
	return result, nil
}

// DeleteUser deletes a user after check, if not nil, saw it.
func (s *Store) DeleteUser(ctx context.Context, tenantID, id string, check func(u *store.User) error) error {
	return s.InTx(ctx, func(tx store.Tx) error {
		// The row lock makes concurrent deletes queue: the first deletes,
		// the others then find nothing (404). A deadlock with a concurrent
		// membership change (which locks group then user) is retried.
		if _, err := tx.LockUser(ctx, tenantID, id); err != nil {
			return err
		}
		u, err := tx.GetUser(ctx, tenantID, id, 0)
		if err != nil {
			return err
		}
		if check != nil {
			if err := check(u); err != nil {
				return err
			}
		}
		return tx.DeleteUser(ctx, tenantID, id)
	})
}
