package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/scimd/scimd/store"
)

// userText pairs each nullable text column of users with its field. Insert,
// update and select all walk this one list, so adding a column is one line
// here (plus the migration).
var userText = []struct {
	col string
	get func(u *store.User) *string
}{
	{"external_id", func(u *store.User) *string { return &u.ExternalID }},
	{"name_formatted", func(u *store.User) *string { return &u.Name.Formatted }},
	{"name_family_name", func(u *store.User) *string { return &u.Name.FamilyName }},
	{"name_given_name", func(u *store.User) *string { return &u.Name.GivenName }},
	{"name_middle_name", func(u *store.User) *string { return &u.Name.MiddleName }},
	{"name_honorific_prefix", func(u *store.User) *string { return &u.Name.HonorificPrefix }},
	{"name_honorific_suffix", func(u *store.User) *string { return &u.Name.HonorificSuffix }},
	{"display_name", func(u *store.User) *string { return &u.DisplayName }},
	{"nick_name", func(u *store.User) *string { return &u.NickName }},
	{"profile_url", func(u *store.User) *string { return &u.ProfileURL }},
	{"title", func(u *store.User) *string { return &u.Title }},
	{"user_type", func(u *store.User) *string { return &u.UserType }},
	{"preferred_language", func(u *store.User) *string { return &u.PreferredLanguage }},
	{"locale", func(u *store.User) *string { return &u.Locale }},
	{"timezone", func(u *store.User) *string { return &u.Timezone }},
	{"password_hash", func(u *store.User) *string { return &u.PasswordHash }},
	{"ent_employee_number", func(u *store.User) *string { return &u.Enterprise.EmployeeNumber }},
	{"ent_cost_center", func(u *store.User) *string { return &u.Enterprise.CostCenter }},
	{"ent_organization", func(u *store.User) *string { return &u.Enterprise.Organization }},
	{"ent_division", func(u *store.User) *string { return &u.Enterprise.Division }},
	{"ent_department", func(u *store.User) *string { return &u.Enterprise.Department }},
	{"ent_manager_id", func(u *store.User) *string { return &u.Enterprise.ManagerID }},
	{"oidc_subject", func(u *store.User) *string { return &u.OIDCSubject }},
}

// userWriteCols lists the columns written on insert and update, after id
// and tenant_id, in the order userWriteArgs returns their values.
var userWriteCols = func() []string {
	cols := []string{"user_name", "user_name_ci"}
	for _, c := range userText {
		cols = append(cols, c.col)
	}
	return append(cols, "active", "state", "source", "last_modified", "version")
}()

func (s *Store) userWriteArgs(u *store.User) []any {
	args := []any{u.UserName, fold(u.UserName)}
	for _, c := range userText {
		args = append(args, nullable(*c.get(u)))
	}
	var active any
	if u.Active != nil {
		active = *u.Active
	}
	return append(args, active, orDefault(u.State, store.StateActive), orDefault(u.Source, store.SourceSCIM),
		s.d.timeArg(u.Meta.LastModified), u.Meta.Version)
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// fold is the case folding of caseExact=false columns kept beside the
// original (user_name_ci, display_name_ci).
func fold(s string) string { return strings.ToLower(s) }

// userSelect returns the select list for users aliased u, reading the child
// parts named in load (the account domain too) in the same query as JSON
// aggregates. The lists are built once per dialect and load.
func (s *Store) userSelect(load store.Load) string {
	return userSelects[s.d.name][load&store.LoadAll]
}

// userSelects holds userSelect's lists by dialect name and load.
var userSelects = func() map[string]*[store.LoadAll + 1]string {
	m := map[string]*[store.LoadAll + 1]string{}
	for _, d := range []dialect{pgDialect, sqliteDialect} {
		var lists [store.LoadAll + 1]string
		for l := range lists {
			lists[l] = buildUserSelect(d, store.Load(l))
		}
		m[d.name] = &lists
	}
	return m
}()

func buildUserSelect(d dialect, load store.Load) string {
	s := &Store{d: d}
	var b strings.Builder
	b.WriteString("u.id, u.tenant_id, u.user_name")
	for _, c := range userText {
		b.WriteString(", u.")
		b.WriteString(c.col)
	}
	b.WriteString(", u.active, u.state, u.source, u.last_login_at, u.created_at, u.last_modified, u.version")
	b.WriteString(", (SELECT coalesce(m.display_name, m.user_name) FROM users m WHERE m.id = u.ent_manager_id AND m.tenant_id = u.tenant_id)")
	if load&store.LoadValues != 0 {
		b.WriteString(s.childRows("v.attr, v.value, v.display, v.type, v.is_primary", "user_values v WHERE v.user_id = u.id", "v.attr, v.ord"))
	} else {
		b.WriteString(", NULL")
	}
	if load&store.LoadAddresses != 0 {
		b.WriteString(s.childRows("a.formatted, a.street_address, a.locality, a.region, a.postal_code, a.country, a.type, a.is_primary",
			"user_addresses a WHERE a.user_id = u.id", "a.ord"))
	} else {
		b.WriteString(", NULL")
	}
	if load&store.LoadGroups != 0 {
		if d.name == pgDialect.name {
			b.WriteString(pgDirectGroups) // see user_groups.go
		} else {
			b.WriteString(s.userGroupsClosure())
		}
	} else {
		b.WriteString(", NULL")
	}
	if load&store.LoadDomain != 0 {
		b.WriteString(s.userDomainSelect())
	} else {
		b.WriteString(", NULL")
	}
	return b.String()
}

// childRows is a column of userSelect holding a user's child rows of one
// kind (from "table alias WHERE ...") as a JSON array of arrays of cols, in
// the given order. On PostgreSQL it is ARRAY(SELECT ... ORDER BY ...):
// the order is the primary key's, so the plan is one index scan, where an
// aggregate with ORDER BY costs an Agg node and a sort on every execution
// (the executor sets up every node of a plan, run or not, for every row).
// No rows read as [] there and as NULL on SQLite; both scan as none.
func (s *Store) childRows(cols, from, order string) string {
	if s.d.name == pgDialect.name {
		return ", array_to_json(ARRAY(SELECT json_build_array(" + cols + ") FROM " + from + " ORDER BY " + order + "))"
	}
	return ", (SELECT " + s.d.jsonAgg + "(" + s.d.jsonArray + "(" + cols + ") ORDER BY " + order + ") FROM " + from + ")"
}

// groupsJoin joins the groups a user is in to their rows. On PostgreSQL it
// is a lateral lookup by primary key that the planner cannot turn into a
// join of whole tables: with statistics that say groups is tiny (stale,
// or a table of few groups with many dead row versions after thousands of
// version bumps) it would otherwise pick a merge join that walks the
// groups index once per user (10 ms a user at 100,000 members).
func (s *Store) groupsJoin() string {
	if s.d.name == pgDialect.name {
		return `CROSS JOIN LATERAL (SELECT g.id, g.display_name FROM groups g WHERE g.id = x.group_id LIMIT 1) g`
	}
	return `JOIN groups g ON g.id = x.group_id`
}

// scanUser scans one row of userSelect, plus extra destinations after it.
// nested reports that the user's groups were read without those reached
// through nested groups, which loadGroupClosures must then add.
func scanUser(rows interface{ Scan(...any) error }, extra ...any) (u *store.User, nested bool, err error) {
	u = &store.User{}
	var values, addrs, groups, domain [][]cell
	dest := make([]any, 0, 3+len(userText)+11+len(extra))
	dest = append(dest, &u.ID, &u.TenantID, &u.UserName)
	for _, c := range userText {
		dest = append(dest, nullStr{c.get(u)})
	}
	dest = append(dest, nullBool{&u.Active}, &u.State, &u.Source, timePtrScan{&u.LastLoginAt},
		timeScan{&u.Meta.Created}, timeScan{&u.Meta.LastModified},
		&u.Meta.Version, nullStr{&u.Enterprise.ManagerDisplay}, jsonRows{&values}, jsonRows{&addrs}, jsonRows{&groups}, jsonRows{&domain})
	if err := rows.Scan(append(dest, extra...)...); err != nil {
		return nil, false, err
	}
	fillDomain(u, domain)
	for _, r := range values {
		if u.Values == nil {
			u.Values = map[string][]store.Value{}
		}
		attr := cellStr(r, 0)
		u.Values[attr] = append(u.Values[attr], store.Value{
			Value: cellStr(r, 1), Display: cellStr(r, 2), Type: cellStr(r, 3), Primary: cellBool(r, 4),
		})
	}
	nested = fillGroups(u, groups)
	for _, r := range addrs {
		u.Addresses = append(u.Addresses, store.Address{
			Formatted: cellStr(r, 0), StreetAddress: cellStr(r, 1), Locality: cellStr(r, 2), Region: cellStr(r, 3),
			PostalCode: cellStr(r, 4), Country: cellStr(r, 5), Type: cellStr(r, 6), Primary: cellBool(r, 7),
		})
	}
	return u, nested, nil
}

// maxRowsPerInsert bounds the rows of one multi-row INSERT, keeping its
// bound parameters far below both drivers' limits (SQLite: 32,766;
// PostgreSQL: 65,535), whatever a client sends.
const maxRowsPerInsert = 500

// insertRows writes rows of n columns each into table, maxRowsPerInsert
// rows per statement; row(i) returns the arguments of row i.
func insertRows(ctx context.Context, q querier, head string, n, count int, row func(i int) []any) error {
	for from := 0; from < count; from += maxRowsPerInsert {
		to := min(count, from+maxRowsPerInsert)
		args := make([]any, 0, (to-from)*n)
		var b strings.Builder
		b.WriteString(head)
		for i := from; i < to; i++ {
			if i > from {
				b.WriteString(", ")
			}
			b.WriteString("(" + placeholders(len(args)+1, n) + ")")
			args = append(args, row(i)...)
		}
		if _, err := q.ExecContext(ctx, b.String(), args...); err != nil {
			return err
		}
	}
	return nil
}

// valueRows returns the user_values rows of the given multi-valued
// attributes, in the column order of insertValues.
func valueRows(userID string, values map[string][]store.Value, attrs []string) [][]any {
	var rows [][]any
	for _, attr := range attrs {
		for i, v := range values[attr] {
			rows = append(rows, []any{userID, attr, i, nullable(v.Value), nullable(v.Display), nullable(v.Type), v.Primary})
		}
	}
	return rows
}

// insertValues writes the rows of the given multi-valued attributes.
func insertValues(ctx context.Context, q querier, userID string, values map[string][]store.Value, attrs []string) error {
	rows := valueRows(userID, values, attrs)
	return insertRows(ctx, q, `INSERT INTO user_values (user_id, attr, ord, value, display, type, is_primary) VALUES `, 7, len(rows),
		func(i int) []any { return rows[i] })
}

// addressRows returns the user_addresses rows of a user's addresses.
func addressRows(userID string, addrs []store.Address) [][]any {
	rows := make([][]any, len(addrs))
	for i, a := range addrs {
		rows[i] = []any{userID, i, nullable(a.Formatted), nullable(a.StreetAddress), nullable(a.Locality),
			nullable(a.Region), nullable(a.PostalCode), nullable(a.Country), nullable(a.Type), a.Primary}
	}
	return rows
}

// insertAddresses writes a user's addresses.
func insertAddresses(ctx context.Context, q querier, userID string, addrs []store.Address) error {
	rows := addressRows(userID, addrs)
	return insertRows(ctx, q, `INSERT INTO user_addresses (user_id, ord, formatted, street_address, locality, region, postal_code, country, type, is_primary) VALUES `, 10, len(rows),
		func(i int) []any { return rows[i] })
}

// selectUsers runs a query over userSelect.
func (s *Store) selectUsers(ctx context.Context, q querier, query string, args ...any) ([]*store.User, error) {
	var out, nested []*store.User
	err := s.queryEach(ctx, q, query, args, func(row scanRow) error {
		u, n, err := scanUser(row)
		if err == nil {
			out = append(out, u)
		}
		if n {
			nested = append(nested, u)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, s.loadGroupClosures(ctx, q, nested)
}

// getUser loads one user of a tenant, optionally locking its row.
func (s *Store) getUser(ctx context.Context, q querier, tenantID, id string, load store.Load, lock bool) (*store.User, error) {
	if lock && s.d.forUpdate != "" {
		// Lock in a statement of its own: in READ COMMITTED a SELECT ... FOR
		// UPDATE that waited for the lock returns the new row but evaluates
		// its subqueries (the child rows) in the snapshot taken before the
		// wait, so a concurrent update's child rows would be lost. The
		// statement below, run after the lock is held, sees them.
		var found string
		err := q.QueryRowContext(ctx, `SELECT id FROM users WHERE tenant_id = $1 AND id = $2`+s.d.forUpdate, tenantID, id).Scan(&found)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, store.ErrNotFound
		}
		if err != nil {
			return nil, err
		}
	}
	query := `SELECT ` + s.userSelect(load) + ` FROM users u WHERE u.tenant_id = $1 AND u.id = $2`
	users, err := s.selectUsers(ctx, q, query, tenantID, id)
	if err != nil {
		return nil, err
	}
	if len(users) == 0 {
		return nil, store.ErrNotFound
	}
	return users[0], nil
}
