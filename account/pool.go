package account

import (
	"context"

	"github.com/scimd/scimd/store"
)

// Numbers lists the tenant's pool of parked numbers.
func (s *Service) Numbers(ctx context.Context, a Actor, tenantID string) ([]store.Number, error) {
	if err := checkTenant(a, tenantID); err != nil {
		return nil, err
	}
	return s.st.Reader().Numbers(ctx, tenantID)
}

// ParkNumber parks a number on the tenant (in any format, with the leading
// 1 of NANP numbers); toll-free numbers are flagged.
func (s *Service) ParkNumber(ctx context.Context, a Actor, tenantID, raw string) (store.Number, error) {
	e164, err := NormalizeNumber(raw)
	if err != nil {
		return store.Number{}, err
	}
	n := store.Number{TenantID: tenantID, Number: e164, TollFree: TollFree(e164)}
	err = s.administer(ctx, a, tenantID, PermSettingsManage, "", "parking numbers", func(tx store.Tx, _ authority) (string, string, string, any, error) {
		if err := tx.InsertNumber(ctx, &n); err != nil {
			if KindOf(err) == Conflict {
				return "", "", "", nil, conflict("number", "", "%s is already parked on this account", e164)
			}
			return "", "", "", nil, err
		}
		return "number.parked", "Number", e164, nil, nil
	})
	return n, err
}

// UnparkNumber removes an unassigned number from the pool.
func (s *Service) UnparkNumber(ctx context.Context, a Actor, tenantID, raw string) error {
	e164, err := NormalizeNumber(raw)
	if err != nil {
		return err
	}
	return s.administer(ctx, a, tenantID, PermSettingsManage, "", "removing numbers", func(tx store.Tx, _ authority) (string, string, string, any, error) {
		if err := tx.DeleteNumber(ctx, tenantID, e164); err != nil {
			if KindOf(err) == Conflict {
				_, _, holder := Describe(err)
				return "", "", "", nil, conflict("number", holder, "%s is assigned to user %s: change that user's voice settings first", e164, holder)
			}
			return "", "", "", nil, err
		}
		return "number.unparked", "Number", e164, nil, nil
	})
}

// Locations lists the tenant's voice locations.
func (s *Service) Locations(ctx context.Context, a Actor, tenantID string) ([]store.Location, error) {
	if err := checkTenant(a, tenantID); err != nil {
		return nil, err
	}
	return s.st.Reader().Locations(ctx, tenantID)
}

// CreateLocation creates a voice location.
func (s *Service) CreateLocation(ctx context.Context, a Actor, tenantID string, l store.Location) (store.Location, error) {
	l.TenantID = tenantID
	var err error
	if l.Name, err = checkName("location", l.Name); err != nil {
		return l, err
	}
	err = s.administer(ctx, a, tenantID, PermSettingsManage, "", "creating locations", func(tx store.Tx, _ authority) (string, string, string, any, error) {
		if err := tx.InsertLocation(ctx, &l); err != nil {
			if KindOf(err) == Conflict {
				return "", "", "", nil, conflict("name", "", "a location named %q already exists", l.Name)
			}
			return "", "", "", nil, err
		}
		return "location.created", "Location", l.ID, changes{"name": {After: l.Name}}, nil
	})
	return l, err
}

// UpdateLocation renames a location or changes its address.
func (s *Service) UpdateLocation(ctx context.Context, a Actor, tenantID string, l store.Location) error {
	l.TenantID = tenantID
	var err error
	if l.Name, err = checkName("location", l.Name); err != nil {
		return err
	}
	return s.administer(ctx, a, tenantID, PermSettingsManage, "", "changing locations", func(tx store.Tx, _ authority) (string, string, string, any, error) {
		if err := tx.UpdateLocation(ctx, l); err != nil {
			if KindOf(err) == Conflict {
				return "", "", "", nil, conflict("name", "", "a location named %q already exists", l.Name)
			}
			return "", "", "", nil, err
		}
		return "location.updated", "Location", l.ID, changes{"name": {After: l.Name}}, nil
	})
}

// DeleteLocation deletes a location no user's voice settings use.
func (s *Service) DeleteLocation(ctx context.Context, a Actor, tenantID, id string) error {
	return s.administer(ctx, a, tenantID, PermSettingsManage, "", "deleting locations", func(tx store.Tx, _ authority) (string, string, string, any, error) {
		if err := tx.DeleteLocation(ctx, tenantID, id); err != nil {
			if KindOf(err) == Conflict {
				return "", "", "", nil, conflict("location", "", "the location is used by users' voice settings: move them first")
			}
			return "", "", "", nil, err
		}
		return "location.deleted", "Location", id, nil, nil
	})
}
