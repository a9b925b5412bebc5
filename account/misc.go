package account

import (
	"context"
	"strings"
	"time"

	"github.com/scimd/scimd/store"
)

// Stats counts a tenant's users as seed 004's admin dashboard shows them:
// active, invited, and of those not inactive, administrators (Owner and
// Admins) and standard users.
func (s *Service) Stats(ctx context.Context, a Actor, tenantID string) (store.Stats, error) {
	if err := checkTenant(a, tenantID); err != nil {
		return store.Stats{}, err
	}
	return s.st.Reader().Stats(ctx, tenantID, adminRoles)
}

// AuditQuery selects audit entries.
type AuditQuery = store.AuditQuery

// Audit reads a tenant's audit log (newest first); it needs audit.read.
func (s *Service) Audit(ctx context.Context, a Actor, tenantID string, q AuditQuery) ([]store.AuditEntry, error) {
	if err := s.requireRead(ctx, a, tenantID, PermAuditRead, "reading the audit log"); err != nil {
		return nil, err
	}
	if q.Limit <= 0 || q.Limit > 1000 {
		q.Limit = 100
	}
	return s.st.Reader().Audit(ctx, tenantID, q)
}

// requireRead checks a read that needs a permission (for members).
func (s *Service) requireRead(ctx context.Context, a Actor, tenantID, perm, what string) error {
	if err := checkTenant(a, tenantID); err != nil {
		return err
	}
	if !a.isMember() {
		return nil
	}
	_, cat, err := s.tenant(ctx, tenantID)
	if err != nil {
		return err
	}
	au, err := s.authorityOf(ctx, s.st.Reader(), a, tenantID, cat)
	if err != nil {
		return err
	}
	return au.require(perm, "", what)
}

// Settings returns a tenant's settings; the OIDC client secret is left out.
func (s *Service) Settings(ctx context.Context, a Actor, tenantID string) (store.TenantSettings, error) {
	if err := checkTenant(a, tenantID); err != nil {
		return store.TenantSettings{}, err
	}
	t, err := s.st.Reader().GetTenant(ctx, tenantID)
	if err != nil {
		return store.TenantSettings{}, err
	}
	st := t.Settings
	if st.OIDC != nil {
		o := *st.OIDC
		o.ClientSecret = ""
		st.OIDC = &o
	}
	return st, nil
}

// tenantOIDC returns a tenant's OpenID settings with the secret.
func (s *Service) TenantOIDC(ctx context.Context, tenantID string) (*store.OIDCSettings, error) {
	t, err := s.st.Reader().GetTenant(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	return t.Settings.OIDC, nil
}

// UpdateSettings changes a tenant's settings with change; the OIDC
// provider only the Owner (or the operator) may set.
func (s *Service) UpdateSettings(ctx context.Context, a Actor, tenantID string, edit func(*store.TenantSettings) error) error {
	return s.administer(ctx, a, tenantID, PermSettingsManage, "", "changing settings", func(tx store.Tx, au authority) (string, string, string, any, error) {
		t, err := tx.GetTenant(ctx, tenantID)
		if err != nil {
			return "", "", "", nil, err
		}
		st := t.Settings
		if err := edit(&st); err != nil {
			return "", "", "", nil, err
		}
		for i, e := range st.DefaultEntitlements {
			st.DefaultEntitlements[i] = strings.TrimSpace(e)
		}
		oidcChanged := (st.OIDC == nil) != (t.Settings.OIDC == nil) || (st.OIDC != nil && *st.OIDC != *t.Settings.OIDC)
		if oidcChanged && au.level < levelOwner {
			return "", "", "", nil, forbidden("only the Owner sets the tenant's OpenID Connect provider")
		}
		if err := tx.SetTenantSettings(ctx, tenantID, st); err != nil {
			return "", "", "", nil, err
		}
		c := changes{}
		c.set("enforceScimPasswordPolicy", t.Settings.EnforceSCIMPasswordPolicy, st.EnforceSCIMPasswordPolicy)
		c.set("defaultEntitlements", t.Settings.DefaultEntitlements, st.DefaultEntitlements)
		c.set("passwordSignIn", t.Settings.PasswordSignIn, st.PasswordSignIn)
		if oidcChanged {
			c["oidc"] = change{After: redacted}
		}
		return "settings.updated", "Tenant", tenantID, c, nil
	})
}

// UserQuery selects users for the admin API and the portal.
type UserQuery struct {
	State string // "" for all, or a store.State*
	Q     string // text in the name, userName or email
	Limit int
	After *store.Cursor
}

// ListUsers lists a tenant's users by creation, keyset-paged, with their
// values and domain.
func (s *Service) ListUsers(ctx context.Context, a Actor, tenantID string, q UserQuery) (*store.Page[*store.User], error) {
	if err := s.requireRead(ctx, a, tenantID, PermUsersManage, "listing users"); err != nil {
		return nil, err
	}
	if q.Limit <= 0 || q.Limit > 1000 {
		q.Limit = 100
	}
	sq := store.Query{Limit: q.Limit, Keyset: true, After: q.After, Total: true, Load: store.LoadValues | store.LoadDomain}
	var filter store.Expr
	and := func(e store.Expr) {
		if filter == nil {
			filter = e
		} else {
			filter = store.And{Left: filter, Right: e}
		}
	}
	if q.State != "" {
		if q.State != store.StateActive && q.State != store.StateInvited && q.State != store.StateInactive {
			return nil, invalid("state", "state must be invited, active or inactive, not %q", q.State)
		}
		and(store.Compare{Field: store.Field{Column: "state", CaseExact: true}, Op: store.OpEq, Value: q.State})
	}
	if text := strings.TrimSpace(q.Q); text != "" {
		if len(text) > store.MaxIndexedText {
			return nil, invalid("q", "the search text is longer than %d characters", store.MaxIndexedText)
		}
		and(store.Or{
			Left: store.Or{
				Left:  store.Compare{Field: store.Field{Column: "user_name"}, Op: store.OpCo, Value: text},
				Right: store.Compare{Field: store.Field{Column: "display_name"}, Op: store.OpCo, Value: text},
			},
			Right: store.Has{Set: "emails", Where: store.Compare{Field: store.Field{Set: "emails", Column: "value"}, Op: store.OpCo, Value: text}},
		})
	}
	sq.Filter = filter
	return s.st.Reader().ListUsers(ctx, tenantID, sq)
}

// GetUser reads one user with its values and domain.
func (s *Service) GetUser(ctx context.Context, a Actor, tenantID, id string) (*store.User, error) {
	if err := checkTenant(a, tenantID); err != nil {
		return nil, err
	}
	return s.st.Reader().GetUser(ctx, tenantID, id, store.LoadValues|store.LoadAddresses|store.LoadGroups|store.LoadDomain)
}

// PurgeAudit deletes audit entries older than the retention.
func (s *Service) PurgeAudit(ctx context.Context, retention time.Duration) (int, error) {
	return s.st.PurgeAudit(ctx, s.now().Add(-retention))
}
