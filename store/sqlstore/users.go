package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"reflect"

	"github.com/google/uuid"

	"github.com/scimd/scimd/store"
)

// CreateUser inserts a user with its child rows in one transaction.
func (s *Store) CreateUser(ctx context.Context, u *store.User) error {
	now := s.now()
	u.ID = uuid.NewString()
	u.Meta = store.Meta{Created: now, LastModified: now, Version: 1}
	cols := append([]string{"id", "tenant_id", "created_at"}, userWriteCols...)
	args := append([]any{u.ID, u.TenantID, s.d.timeArg(now)}, s.userWriteArgs(u)...)
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if u.Enterprise.ManagerID != "" {
			if _, err := managerDisplay(ctx, tx, u.TenantID, u.Enterprise.ManagerID); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO users (`+joinCols(cols)+`) VALUES (`+placeholders(1, len(cols))+`)`, args...); err != nil {
			return tenantGone(err)
		}
		if err := insertValues(ctx, tx, u.ID, u.Values, store.ValueAttrs); err != nil {
			return err
		}
		return insertAddresses(ctx, tx, u.ID, u.Addresses)
	})
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

// GetUser loads one user.
func (s *Store) GetUser(ctx context.Context, tenantID, id string, load store.Load) (*store.User, error) {
	u, err := s.getUser(ctx, s.db.DB, tenantID, id, load, false)
	return u, s.d.translate(err)
}

// errStale says a user changed between reading it and writing the update.
var errStale = errors.New("stale read")

// optimisticTries is how often UpdateUser reads, updates and writes
// without a lock before it falls back to holding the row lock throughout.
const optimisticTries = 3

// UpdateUser runs update on the user and stores what changed. A change
// that leaves the user as it was writes nothing and keeps the version.
//
// update runs outside the write transaction: the user is read without a
// lock, updated, and written only if its version is still the one read
// (else all of it runs again). So the caller's decoding, checks and
// hashing never hold the row lock, or SQLite's one write lock, that other
// writers wait for. After a few lost races it runs update under the lock,
// so that a hot row still makes progress.
func (s *Store) UpdateUser(ctx context.Context, tenantID, id string, update func(u *store.User) error) (*store.User, error) {
	for try := 1; ; try++ {
		locked := try > optimisticTries
		var result *store.User
		var old *store.User
		if !locked {
			var err error
			if old, err = s.getUser(ctx, s.db.DB, tenantID, id, store.LoadValues|store.LoadAddresses, false); err != nil {
				return nil, s.d.translate(err)
			}
			var unchanged bool
			if result, unchanged, err = applyUpdate(old, update); err != nil || unchanged {
				return result, err
			}
		}
		err := s.inTx(ctx, func(tx *sql.Tx) error {
			cur, err := s.lockUser(ctx, tx, tenantID, id, locked)
			if err != nil {
				return err
			}
			if locked {
				old = cur
				var unchanged bool
				if result, unchanged, err = applyUpdate(old, update); err != nil || unchanged {
					return err
				}
			} else if cur.Meta.Version != old.Meta.Version {
				return errStale
			}
			return s.writeUser(ctx, tx, old, result)
		})
		if errors.Is(err, errStale) {
			continue
		}
		if err != nil {
			return nil, err
		}
		return result, nil
	}
}

// applyUpdate runs update on a copy of old; unchanged reports an update
// that changed nothing (result is then old).
func applyUpdate(old *store.User, update func(u *store.User) error) (result *store.User, unchanged bool, err error) {
	u := cloneUser(old)
	if err := update(u); err != nil {
		return nil, false, err
	}
	// What the caller may not change.
	u.ID, u.TenantID, u.Meta, u.Groups = old.ID, old.TenantID, old.Meta, nil
	u.Enterprise.ManagerDisplay = old.Enterprise.ManagerDisplay
	if reflect.DeepEqual(normalize(u), normalize(old)) {
		return old, true, nil
	}
	return u, false, nil
}

// lockUser locks the user's row in the transaction; with full it reads the
// whole user (for an update run under the lock), else only its version.
func (s *Store) lockUser(ctx context.Context, tx *sql.Tx, tenantID, id string, full bool) (*store.User, error) {
	if full {
		return s.getUser(ctx, tx, tenantID, id, store.LoadValues|store.LoadAddresses, true)
	}
	u := &store.User{}
	err := tx.QueryRowContext(ctx, `SELECT version FROM users WHERE tenant_id = $1 AND id = $2`+s.d.forUpdate,
		tenantID, id).Scan(&u.Meta.Version)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, store.ErrNotFound
	}
	return u, err
}

// writeUser writes the difference between old and u, with a new version.
func (s *Store) writeUser(ctx context.Context, tx *sql.Tx, old, u *store.User) error {
	tenantID, id := old.TenantID, old.ID
	u.Meta.LastModified = s.now()
	u.Meta.Version = old.Meta.Version + 1
	if u.Enterprise.ManagerID != old.Enterprise.ManagerID {
		u.Enterprise.ManagerDisplay = ""
		if u.Enterprise.ManagerID != "" {
			display, err := managerDisplay(ctx, tx, tenantID, u.Enterprise.ManagerID)
			if err != nil {
				return err
			}
			u.Enterprise.ManagerDisplay = display
		}
	}
	args := append(s.userWriteArgs(u), tenantID, id)
	if _, err := tx.ExecContext(ctx, `UPDATE users SET `+setList(userWriteCols, 1)+
		` WHERE tenant_id = $`+itoa(len(userWriteCols)+1)+` AND id = $`+itoa(len(userWriteCols)+2), args...); err != nil {
		return err
	}
	var changed []string
	for _, attr := range store.ValueAttrs {
		if !reflect.DeepEqual(normalizeValues(u.Values[attr]), normalizeValues(old.Values[attr])) {
			changed = append(changed, attr)
		}
	}
	for _, attr := range changed {
		if _, err := tx.ExecContext(ctx, `DELETE FROM user_values WHERE user_id = $1 AND attr = $2`, id, attr); err != nil {
			return err
		}
	}
	if err := insertValues(ctx, tx, id, u.Values, changed); err != nil {
		return err
	}
	if !reflect.DeepEqual(normalizeAddresses(u.Addresses), normalizeAddresses(old.Addresses)) {
		if _, err := tx.ExecContext(ctx, `DELETE FROM user_addresses WHERE user_id = $1`, id); err != nil {
			return err
		}
		if err := insertAddresses(ctx, tx, id, u.Addresses); err != nil {
			return err
		}
	}
	return nil
}

// DeleteUser deletes a user; its child rows and memberships go with it
// (foreign keys cascade). Groups it was a member of get a new version, and
// users it managed lose their manager.
func (s *Store) DeleteUser(ctx context.Context, tenantID, id string, check func(u *store.User) error) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		// The row lock makes concurrent deletes queue: the first deletes,
		// the others then find nothing (404). A deadlock with a concurrent
		// membership change (which locks group then user) is retried by inTx.
		u, err := s.getUser(ctx, tx, tenantID, id, 0, true)
		if err != nil {
			return err
		}
		if check != nil {
			if err := check(u); err != nil {
				return err
			}
		}
		now := s.d.timeArg(s.now())
		if _, err := tx.ExecContext(ctx, `UPDATE groups SET version = version + 1, last_modified = $1
			WHERE id IN (SELECT group_id FROM group_members WHERE member_user_id = $2)`, now, id); err != nil {
			return err
		}
		// Not the user itself (a user may be its own manager): its version
		// must stay what check saw for the delete below to match.
		if _, err := tx.ExecContext(ctx, `UPDATE users SET ent_manager_id = NULL, version = version + 1, last_modified = $1
			WHERE tenant_id = $2 AND ent_manager_id = $3 AND id <> $3`, now, tenantID, id); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM users WHERE tenant_id = $1 AND id = $2`, tenantID, id)
		return err
	})
}

func cloneUser(u *store.User) *store.User {
	c := *u
	if u.Active != nil {
		a := *u.Active
		c.Active = &a
	}
	c.Values = make(map[string][]store.Value, len(u.Values))
	for k, v := range u.Values {
		c.Values[k] = append([]store.Value(nil), v...)
	}
	c.Addresses = append([]store.Address(nil), u.Addresses...)
	return &c
}

// normalize makes empty and nil collections compare equal.
func normalize(u *store.User) store.User {
	c := *u
	c.Values = map[string][]store.Value{}
	for k, v := range u.Values {
		if len(v) > 0 {
			c.Values[k] = v
		}
	}
	c.Addresses = normalizeAddresses(u.Addresses)
	return c
}

func normalizeValues(v []store.Value) []store.Value {
	if len(v) == 0 {
		return nil
	}
	return v
}

func normalizeAddresses(a []store.Address) []store.Address {
	if len(a) == 0 {
		return nil
	}
	return a
}
