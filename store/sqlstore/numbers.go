package sqlstore

import (
	"context"
	"strings"

	"github.com/scimd/scimd/store"
)

// The tenant's pool of parked phone numbers. A number is assigned by
// setting its user_id with a conditional UPDATE (WHERE user_id IS NULL),
// so that of two transactions assigning one number only one does.

const numberColumns = `n.tenant_id, n.number, n.toll_free, n.user_id, n.is_primary, n.created_at`

func scanNumber(row scanRow) (store.Number, error) {
	var n store.Number
	err := row.Scan(&n.TenantID, &n.Number, &n.TollFree, nullStr{&n.UserID}, &n.Primary, timeScan{&n.CreatedAt})
	return n, err
}

// Numbers lists the tenant's pool by number.
func (r rd) Numbers(ctx context.Context, tenantID string) ([]store.Number, error) {
	out, err := collect(ctx, r.q, scanNumber, `SELECT `+numberColumns+` FROM numbers n WHERE n.tenant_id = $1 ORDER BY n.number`, tenantID)
	return out, r.translate(err)
}

// GetNumber loads one number of the pool.
func (r rd) GetNumber(ctx context.Context, tenantID, number string) (store.Number, error) {
	n, err := collectOne(ctx, r.q, scanNumber, `SELECT `+numberColumns+` FROM numbers n WHERE n.tenant_id = $1 AND n.number = $2`,
		tenantID, number)
	return n, r.translate(err)
}

// InsertNumber parks a number on the tenant, unassigned (n.UserID and
// n.Primary are cleared, n.CreatedAt set). A number already parked is a
// ConflictError on "number".
func (t *wtx) InsertNumber(ctx context.Context, n *store.Number) (err error) {
	defer func() { err = t.translateInTx(err) }()
	if strings.TrimSpace(n.Number) == "" {
		return store.Invalidf("a number is needed")
	}
	n.UserID, n.Primary = "", false
	n.CreatedAt = t.s.now()
	res, err := t.q.ExecContext(ctx, `INSERT INTO numbers (tenant_id, number, toll_free, user_id, is_primary, created_at)
		VALUES ($1, $2, $3, NULL, $4, $5) ON CONFLICT DO NOTHING`,
		n.TenantID, n.Number, n.TollFree, false, t.s.d.timeArg(n.CreatedAt))
	if err != nil {
		return tenantGone(err)
	}
	if ok, err := affected(res); err != nil || ok {
		return err
	}
	return &store.ConflictError{Field: "number", Value: n.Number}
}

// DeleteNumber removes an unassigned number from the pool; an assigned one
// is a ConflictError on "number" naming its user.
func (t *wtx) DeleteNumber(ctx context.Context, tenantID, number string) (err error) {
	defer func() { err = t.translateInTx(err) }()
	res, err := t.q.ExecContext(ctx, `DELETE FROM numbers WHERE tenant_id = $1 AND number = $2 AND user_id IS NULL`, tenantID, number)
	if err != nil {
		return err
	}
	if ok, err := affected(res); err != nil || ok {
		return err
	}
	n, err := t.GetNumber(ctx, tenantID, number)
	if err != nil {
		return err
	}
	return &store.ConflictError{Field: "number", Holder: n.UserID, Value: number}
}

// releaseNumbers returns a user's numbers to the pool.
func (t *wtx) releaseNumbers(ctx context.Context, tenantID, userID string) error {
	_, err := t.q.ExecContext(ctx, `UPDATE numbers SET user_id = NULL, is_primary = $1 WHERE user_id = $2 AND tenant_id = $3`,
		false, userID, tenantID)
	return err
}

// assignNumber assigns a parked, unassigned number to a user. The UPDATE
// decides races (on PostgreSQL a second assigner waits for the first and
// then finds the number taken); when it assigns nothing, the number is
// read again to say why.
func (t *wtx) assignNumber(ctx context.Context, tenantID, userID, number string, primary bool) error {
	q := `UPDATE numbers SET user_id = $1, is_primary = $2 WHERE tenant_id = $3 AND number = $4 AND user_id IS NULL`
	if primary {
		q += ` AND NOT toll_free`
	}
	res, err := t.q.ExecContext(ctx, q, userID, primary, tenantID, number)
	if err != nil {
		return err
	}
	if ok, err := affected(res); err != nil || ok {
		return err
	}
	n, err := t.GetNumber(ctx, tenantID, number)
	switch {
	case err == store.ErrNotFound:
		return store.Invalidf("number %s is not parked on this account: park it first", number)
	case err != nil:
		return err
	case n.UserID == userID:
		return store.Invalidf("number %s is given twice", number)
	case n.UserID != "":
		return &store.ConflictError{Field: "number", Holder: n.UserID, Value: number}
	case primary && n.TollFree:
		return store.Invalidf("number %s is toll-free: a toll-free number cannot be a primary number", number)
	}
	return &store.ConflictError{Field: "number", Value: number}
}
