package sqlstore

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/scimd/scimd/store"
)

// listSpec is what differs between listing users and listing groups.
type listSpec[T any] struct {
	t table
	// selectList is the outer select list over the page's rows aliased t.alias.
	selectList string
	// scan reads one row of selectList plus the extra destinations.
	scan func(row interface{ Scan(...any) error }, extra ...any) (T, error)
	// load fills child parts that need another query (groups, members).
	load func(ctx context.Context, items []T) error
	// key returns an item's id and creation time for the keyset cursor.
	key func(T) (string, time.Time)
	// unique reports whether a filter matches at most one row of a
	// tenant (an equality on a unique key); nil when none does.
	unique func(store.Expr) bool
	// raw: scan reads its rows with queryEach (see pg_rows.go).
	raw bool
}

// ListUsers answers a query over a tenant's users.
func (s *Store) ListUsers(ctx context.Context, tenantID string, q store.Query) (*store.Page[*store.User], error) {
	return s.Reader().ListUsers(ctx, tenantID, q)
}

// ListUsers answers a query over a tenant's users.
func (r rd) ListUsers(ctx context.Context, tenantID string, q store.Query) (*store.Page[*store.User], error) {
	s := r.s
	var nested []*store.User // see loadGroupClosures
	p, err := list(ctx, s, r.q, tenantID, q, listSpec[*store.User]{
		t:          usersTable,
		selectList: s.userSelect(q.Load),
		scan: func(row interface{ Scan(...any) error }, extra ...any) (*store.User, error) {
			u, n, err := scanUser(row, extra...)
			if n {
				nested = append(nested, u)
			}
			return u, err
		},
		load:   func(ctx context.Context, _ []*store.User) error { return s.loadGroupClosures(ctx, r.q, nested) },
		key:    func(u *store.User) (string, time.Time) { return u.ID, u.Meta.Created },
		unique: uniqueUser,
		raw:    true,
	})
	return p, s.d.translate(err)
}

// ListGroups answers a query over a tenant's groups.
func (s *Store) ListGroups(ctx context.Context, tenantID string, q store.Query) (*store.Page[*store.Group], error) {
	r := rd{s: s, q: s.db.DB}
	p, err := list(ctx, s, r.q, tenantID, q, listSpec[*store.Group]{
		t:          groupsTable,
		selectList: groupSelect,
		scan:       scanGroup,
		load: func(ctx context.Context, groups []*store.Group) error {
			if q.Load&store.LoadMembers != 0 {
				if err := loadMembers(ctx, s.db.DB, groups); err != nil {
					return err
				}
			}
			if q.Load&store.LoadDomain != 0 {
				return r.loadGroupDomains(ctx, groups)
			}
			return nil
		},
		key: func(g *store.Group) (string, time.Time) { return g.ID, g.Meta.Created },
	})
	return p, s.d.translate(err)
}

// list runs a page query: the inner query picks the page's rows by filter,
// order and offset or keyset; the outer one reads their child parts, so the
// JSON aggregates run only for the rows returned.
func list[T any](ctx context.Context, s *Store, db querier, tenantID string, q store.Query, spec listSpec[T]) (*store.Page[T], error) {
	a := spec.t.alias
	b := &sqlBuilder{d: s.d}
	where := a + ".tenant_id = " + b.arg(tenantID)
	if q.Filter != nil {
		cond, err := b.expr(spec.t, nil, q.Filter)
		if err != nil {
			return nil, err
		}
		where += " AND " + cond
	}
	nCountArgs := len(b.args) // the count's arguments: the keyset's come after

	page := &store.Page[T]{Total: -1}
	// one: the page query reads the only row that can match.
	one := spec.unique != nil && spec.unique(q.Filter) && q.Offset == 0 && q.After == nil && q.Limit > 0
	if q.Limit > 0 {
		var query string
		if one {
			// At most one row matches: no order, limit or cursor can change
			// the answer (a keyset page of it has no next page, so its sort
			// key is never read). One scan of the row, where the page query
			// adds a subquery, a sort and a limit to every execution.
			query = oneRowQueries.get(spec.t, spec.selectList, where)
		} else {
			var err error
			if query, err = pageQuery(s, b, spec.t, spec.selectList, where, q); err != nil {
				return nil, err
			}
		}
		var keys []any
		each := func(row scanRow) error {
			var key any
			item, err := spec.scan(row, &key)
			if err != nil {
				return err
			}
			page.Items = append(page.Items, item)
			keys = append(keys, key)
			return nil
		}
		var err error
		if spec.raw {
			err = s.queryEach(ctx, db, query, b.args, each)
		} else {
			err = sqlQueryEach(ctx, db, query, b.args, each)
		}
		if err != nil {
			return nil, err
		}
		if q.Keyset && len(page.Items) > q.Limit {
			page.Items = page.Items[:q.Limit]
			last := page.Items[q.Limit-1]
			id, created := spec.key(last)
			page.Next = &store.Cursor{ID: id, Created: created.UnixMicro(), Value: sortValue(keys[q.Limit-1], q.Sort)}
		}
		if spec.load != nil { // nil: the select list read everything
			if err := spec.load(ctx, page.Items); err != nil {
				return nil, err
			}
		}
	}
	if q.Total {
		n := len(page.Items)
		switch {
		case one:
			page.Total = n
		case !q.Keyset && q.Limit > 0 && n > 0 && n < q.Limit:
			// A short page is the last one: the total needs no count.
			page.Total = q.Offset + n
		case !q.Keyset && q.Limit > 0 && n == 0 && q.Offset == 0:
			page.Total = 0
		default:
			countSQL := "SELECT count(*) FROM " + spec.t.name + " " + a + " WHERE " + where
			if err := db.QueryRowContext(ctx, countSQL, b.args[:nCountArgs]...).Scan(&page.Total); err != nil {
				return nil, err
			}
		}
	}
	return page, nil
}

// oneRowQueries holds the SQL of one-row reads (see list) by select list
// and condition, which hold placeholders, never values: a GET by userName
// builds no 3 KB string. Bounded: past maxOneRowQueries it starts again.
var oneRowQueries = queryCache{m: map[[2]string]string{}}

const maxOneRowQueries = 1000

type queryCache struct {
	mu sync.RWMutex
	m  map[[2]string]string
}

func (c *queryCache) get(t table, selectList, where string) string {
	key := [2]string{selectList, where}
	c.mu.RLock()
	q, ok := c.m[key]
	c.mu.RUnlock()
	if ok {
		return q
	}
	q = "SELECT " + selectList + ", NULL FROM " + t.name + " " + t.alias + " WHERE " + where
	c.mu.Lock()
	if len(c.m) >= maxOneRowQueries {
		clear(c.m)
	}
	c.m[key] = q
	c.mu.Unlock()
	return q
}

// pageQuery is the SQL of a page: the inner query picks the page's rows by
// filter, order and offset or keyset; the outer one reads selectList for
// them.
func pageQuery(s *Store, b *sqlBuilder, t table, selectList, where string, q store.Query) (string, error) {
	a := t.alias
	sortKey := "NULL"
	if q.Sort != nil {
		var err error
		if sortKey, err = b.sortExpr(t, *q.Sort); err != nil {
			return "", err
		}
	}
	pageWhere := where
	if q.Keyset && q.After != nil {
		cond, err := b.keyset(a, sortKey, q)
		if err != nil {
			return "", err
		}
		pageWhere += " AND " + cond
	}
	limit := q.Limit
	if q.Keyset {
		limit++ // one more tells whether a next page exists
	}
	order := orderBy(a, sortKey, q)
	if q.Sort == nil && s.d.name == "postgres" && (selectiveChild(t, q.Filter) || selectiveText(t, q.Filter)) {
		order = strings.Replace(order, a+".created_at", "("+a+".created_at + interval '0 s')", 1)
	}
	inner := "SELECT " + a + ".*, " + sortKey + " AS sort_key FROM " + t.name + " " + a +
		" WHERE " + pageWhere + " ORDER BY " + order + " LIMIT " + itoa(limit)
	if !q.Keyset && q.Offset > 0 {
		inner += " OFFSET " + itoa(q.Offset)
	}
	return "SELECT " + selectList + ", " + a + ".sort_key FROM (" + inner + ") " + a +
		" ORDER BY " + orderBy(a, a+".sort_key", q), nil
}

// uniqueUser reports whether a filter can match at most one user of a
// tenant: it holds (under ANDs) an equality on id (the primary key) or on
// userName (unique per tenant, case aside: users_user_name_uq on
// tenant_id, user_name_ci).
func uniqueUser(e store.Expr) bool {
	switch e := e.(type) {
	case store.And:
		return uniqueUser(e.Left) || uniqueUser(e.Right)
	case store.Compare:
		if e.Op != store.OpEq || e.Value == nil || e.Field.Set != "" {
			return false
		}
		_, isString := e.Value.(string)
		return isString && (e.Field.Column == "id" || e.Field.Column == "user_name")
	}
	return false
}

// orderBy is the page order: the sort key (missing values last when
// ascending, first when descending, as RFC 7644 §3.4.2.3 asks), then id so
// that equal keys still page stably. Without a sort key, creation order.
func orderBy(alias, sortKey string, q store.Query) string {
	dir, nulls := "ASC", "NULLS LAST"
	if q.Desc {
		dir, nulls = "DESC", "NULLS FIRST"
	}
	if q.Sort == nil {
		return fmt.Sprintf("%s.created_at %s, %s.id %s", alias, dir, alias, dir)
	}
	return fmt.Sprintf("%s %s %s, %s.id %s", sortKey, dir, nulls, alias, dir)
}

// selectiveChild reports whether a filter must hold a value-set equality
// such as emails[value eq "x"], which matches a handful of rows. For
// those the page order is made one no index provides (see list), so that
// PostgreSQL reads the matches from the value index and sorts them. Left
// free, with a generic plan's estimate of thousands of matches, it walked
// the tenant's users in creation order probing each one's values: a
// million probes at a million users, past the database timeout.
func selectiveChild(t table, e store.Expr) bool {
	switch e := e.(type) {
	case store.And:
		return selectiveChild(t, e.Left) || selectiveChild(t, e.Right)
	case store.Has:
		set, ok := t.sets[e.Set]
		return ok && set.uncorrelated != nil && valueEq(e.Where)
	}
	return false
}

// trigramColumns are the case-insensitive text columns of a table, and of
// its value sets, with a trigram index (migration 20261209000001) on the
// expression a filter compares.
var trigramColumns = map[string]map[string]bool{
	"users":  {"user_name": true, "display_name": true, "name_family_name": true, "name_given_name": true},
	"emails": {"value": true},
}

// selectiveText reports whether a filter must hold a substring match
// (co, sw, ew) of at least three characters on a trigram-indexed column,
// or an OR of such: PostgreSQL then reads the matches from the trigram
// indexes and sorts them, which the page order must let it do (see
// selectiveChild); walking the tenant in creation order, the plan it
// picks when it expects many matches, tests every user. Shorter text has
// no trigram to look up.
func selectiveText(t table, e store.Expr) bool {
	return textMatch(t.name, t, e)
}

func textMatch(cols string, t table, e store.Expr) bool {
	switch e := e.(type) {
	case store.And:
		return textMatch(cols, t, e.Left) || textMatch(cols, t, e.Right)
	case store.Or:
		return textMatch(cols, t, e.Left) && textMatch(cols, t, e.Right)
	case store.Has:
		_, ok := t.sets[e.Set]
		return ok && cols == t.name && trigramColumns[e.Set] != nil && textMatch(e.Set, t, e.Where)
	case store.Compare:
		s, ok := e.Value.(string)
		return ok && (e.Op == store.OpCo || e.Op == store.OpSw || e.Op == store.OpEw) &&
			e.Field.Type == store.TypeString && !e.Field.CaseExact &&
			trigramColumns[cols][e.Field.Column] && utf8.RuneCountInString(fold(s)) >= 3
	}
	return false
}

// valueEq reports whether a condition inside a value set must hold an
// equality on the value.
func valueEq(e store.Expr) bool {
	switch e := e.(type) {
	case store.And:
		return valueEq(e.Left) || valueEq(e.Right)
	case store.Compare:
		return e.Op == store.OpEq && e.Field.Column == "value"
	}
	return false
}

// keyset returns the condition for rows after the cursor in page order.
// It is a row comparison, (key, id) > (cursor key, cursor id), which both
// databases match against the index on (tenant_id, key, id) as a range
// start: a page a million rows deep reads the rows of the page, where the
// equivalent "key > k OR (key = k AND id > i)" made PostgreSQL read and
// discard every row before the cursor.
func (b *sqlBuilder) keyset(alias, sortKey string, q store.Query) (string, error) {
	c := q.After
	cmp := ">"
	if q.Desc {
		cmp = "<"
	}
	idArg := b.arg(c.ID)
	if q.Sort == nil {
		created := b.d.timeArg(time.UnixMicro(c.Created).UTC())
		return fmt.Sprintf("(%s.created_at, %s.id) %s (%s, %s)", alias, alias, cmp, b.arg(created), idArg), nil
	}
	id := alias + ".id " + cmp + " " + idArg
	if c.Value == nil {
		if q.Desc {
			// NULLs come first when descending: after a NULL come the other
			// NULLs with smaller ids, then every non-NULL.
			return fmt.Sprintf("((%s IS NULL AND %s) OR %s IS NOT NULL)", sortKey, id, sortKey), nil
		}
		return fmt.Sprintf("(%s IS NULL AND %s)", sortKey, id), nil
	}
	v := c.Value
	if t, ok := v.(time.Time); ok {
		v = b.d.timeArg(t)
	}
	// A NULL key makes the row comparison NULL (not after): NULLs come
	// last when ascending, so they are added back; when descending they
	// came first and are behind the cursor.
	cond := fmt.Sprintf("(%s, %s.id) %s (%s, %s)", sortKey, alias, cmp, b.arg(v), idArg)
	if !q.Desc {
		cond = "(" + cond + " OR " + sortKey + " IS NULL)"
	}
	return cond, nil
}

// sortValue normalises a scanned sort key for the cursor.
func sortValue(v any, f *store.Field) any {
	if f == nil || v == nil {
		return nil
	}
	switch x := v.(type) {
	case []byte:
		return string(x)
	case int64:
		switch f.Type {
		case store.TypeTime:
			return time.UnixMicro(x).UTC()
		case store.TypeBool:
			return x != 0
		}
	case time.Time:
		return x.UTC()
	}
	return v
}
