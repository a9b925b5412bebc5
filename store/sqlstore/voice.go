package sqlstore

import (
	"context"
	"strings"

	"github.com/google/uuid"

	"github.com/scimd/scimd/store"
)

const locationColumns = `l.id, l.tenant_id, l.name, l.address, l.is_default, l.created_at`

func scanLocation(row scanRow) (store.Location, error) {
	var l store.Location
	err := row.Scan(&l.ID, &l.TenantID, &l.Name, &l.Address, &l.Default, timeScan{&l.CreatedAt})
	return l, err
}

// Locations lists the tenant's voice locations by name.
func (r rd) Locations(ctx context.Context, tenantID string) ([]store.Location, error) {
	out, err := collect(ctx, r.q, scanLocation, `SELECT `+locationColumns+` FROM locations l WHERE l.tenant_id = $1
		ORDER BY l.name_ci, l.id`, tenantID)
	return out, r.translate(err)
}

func locationConflict(err error, l *store.Location) error {
	switch {
	case violates(err, "locations_name_uq", "locations.tenant_id, locations.name_ci"):
		return &store.ConflictError{Field: "name", Value: l.Name}
	case violates(err, "locations_default_uq", "locations.tenant_id"):
		return &store.ConflictError{Field: "default", Value: l.Name}
	}
	return err
}

// clearDefault unsets the default flag of every location of the tenant
// but except.
func (t *wtx) clearDefault(ctx context.Context, tenantID, except string) error {
	_, err := t.q.ExecContext(ctx, `UPDATE locations SET is_default = $1 WHERE tenant_id = $2 AND is_default AND id <> $3`,
		false, tenantID, except)
	return err
}

// InsertLocation inserts a location (l.ID and l.CreatedAt are set). A
// default location takes the default from the tenant's previous one.
// Another location of that name is a ConflictError on "name".
func (t *wtx) InsertLocation(ctx context.Context, l *store.Location) (err error) {
	defer func() { err = t.translateInTx(err) }()
	if strings.TrimSpace(l.Name) == "" {
		return store.Invalidf("a location needs a name")
	}
	l.ID = uuid.NewString()
	l.CreatedAt = t.s.now()
	if l.Default {
		if err := t.clearDefault(ctx, l.TenantID, l.ID); err != nil {
			return err
		}
	}
	_, err = t.q.ExecContext(ctx, `INSERT INTO locations (id, tenant_id, name, name_ci, address, is_default, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, l.ID, l.TenantID, l.Name, fold(l.Name), l.Address, l.Default, t.s.d.timeArg(l.CreatedAt))
	return locationConflict(tenantGone(err), l)
}

// UpdateLocation writes a location's name, address and default flag.
func (t *wtx) UpdateLocation(ctx context.Context, l store.Location) (err error) {
	defer func() { err = t.translateInTx(err) }()
	if strings.TrimSpace(l.Name) == "" {
		return store.Invalidf("a location needs a name")
	}
	if err := mustExist(ctx, t.q, tblLocations, l.TenantID, l.ID); err != nil {
		return err
	}
	if l.Default {
		if err := t.clearDefault(ctx, l.TenantID, l.ID); err != nil {
			return err
		}
	}
	err = changedOne(t.q.ExecContext(ctx, `UPDATE locations SET name = $1, name_ci = $2, address = $3, is_default = $4
		WHERE tenant_id = $5 AND id = $6`, l.Name, fold(l.Name), l.Address, l.Default, l.TenantID, l.ID))
	return locationConflict(err, &l)
}

// DeleteLocation deletes a location no user's voice settings use; one in
// use is a ConflictError on "location" naming a user that uses it.
func (t *wtx) DeleteLocation(ctx context.Context, tenantID, id string) (err error) {
	defer func() { err = t.translateInTx(err) }()
	if err := mustExist(ctx, t.q, tblLocations, tenantID, id); err != nil {
		return err
	}
	user, err := collectOne(ctx, t.q, scanString, `SELECT user_id FROM voice WHERE location_id = $1 AND tenant_id = $2 LIMIT 1`, id, tenantID)
	if err == nil {
		return &store.ConflictError{Field: "location", Holder: user, Value: id}
	}
	if err != store.ErrNotFound {
		return err
	}
	return changedOne(t.q.ExecContext(ctx, `DELETE FROM locations WHERE tenant_id = $1 AND id = $2`, tenantID, id))
}

// ExtensionHolder returns the user holding an extension, "" if nobody.
func (r rd) ExtensionHolder(ctx context.Context, tenantID, extension string) (string, error) {
	id, err := collectOne(ctx, r.q, scanString, `SELECT user_id FROM voice WHERE tenant_id = $1 AND extension = $2`, tenantID, extension)
	if err == store.ErrNotFound {
		return "", nil
	}
	return id, r.translate(err)
}

// Extensions returns the extensions in use in the tenant, sorted.
func (r rd) Extensions(ctx context.Context, tenantID string) ([]string, error) {
	out, err := collect(ctx, r.q, scanString, `SELECT extension FROM voice WHERE tenant_id = $1 ORDER BY extension`, tenantID)
	return out, r.translate(err)
}

// SetVoice replaces a user's voice settings and numbers. The user's
// numbers are released first; then the voice row is written (an extension
// another user holds is a ConflictError on "extension" naming it), and
// primary and each additional number assigned (see assignNumber). The
// voice row is deleted and inserted rather than updated so that the
// insert can skip a conflict (ON CONFLICT DO NOTHING) and then name the
// holder: on PostgreSQL a failed statement would end the transaction.
func (t *wtx) SetVoice(ctx context.Context, tenantID, userID string, v *store.Voice, primary string, additional []string) (err error) {
	defer func() { err = t.translateInTx(err) }()
	if err := mustExist(ctx, t.q, tblUsers, tenantID, userID); err != nil {
		return err
	}
	if v == nil && (primary != "" || len(additional) > 0) {
		return store.Invalidf("numbers are assigned with voice settings: give an extension too")
	}
	var ext string
	if v != nil {
		if ext = strings.TrimSpace(v.Extension); ext == "" {
			return store.Invalidf("voice settings need an extension")
		}
		if v.LocationID != "" {
			if ok, err := exists(ctx, t.q, tblLocations, tenantID, v.LocationID); err != nil || !ok {
				if err == nil {
					err = store.Invalidf("location %q is not a location of this tenant", v.LocationID)
				}
				return err
			}
		}
	}
	if err := t.releaseNumbers(ctx, tenantID, userID); err != nil {
		return err
	}
	if _, err := t.q.ExecContext(ctx, `DELETE FROM voice WHERE user_id = $1 AND tenant_id = $2`, userID, tenantID); err != nil {
		return err
	}
	if v == nil {
		return nil
	}
	res, err := t.q.ExecContext(ctx, `INSERT INTO voice (user_id, tenant_id, extension, location_id) VALUES ($1, $2, $3, $4)
		ON CONFLICT DO NOTHING`, userID, tenantID, ext, nullable(v.LocationID))
	if err != nil {
		return err
	}
	if ok, err := affected(res); err != nil || !ok {
		if err != nil {
			return err
		}
		holder, err := t.ExtensionHolder(ctx, tenantID, ext)
		if err != nil {
			return err
		}
		return &store.ConflictError{Field: "extension", Holder: holder, Value: ext}
	}
	if primary != "" {
		if err := t.assignNumber(ctx, tenantID, userID, primary, true); err != nil {
			return err
		}
	}
	for _, n := range dedupe(additional) {
		if err := t.assignNumber(ctx, tenantID, userID, n, false); err != nil {
			return err
		}
	}
	return nil
}
