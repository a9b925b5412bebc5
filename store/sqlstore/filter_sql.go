package sqlstore

import (
	"fmt"
	"strings"
	"time"

	"github.com/scimd/scimd/store"
)

// column is how one logical column reads in SQL.
type column struct {
	expr string
	// folded, when set, is a column holding lower(expr) kept by the store,
	// used for case-insensitive comparison so that an index serves it.
	folded string
}

// childSet is a multi-valued attribute stored as child rows, aliased c.
type childSet struct {
	// from returns "FROM ... WHERE <rows of the parent>" for an EXISTS.
	from    func(b *sqlBuilder, set string) string
	columns map[string]column
	// ordered sets can yield the primary (else first) element for sorting.
	ordered bool
	// uncorrelated, when set, returns the parent key, the child's key
	// column and "FROM ... WHERE ..." without the correlation, so that
	// SQLite can answer the filter as "key IN (SELECT ...)" from the
	// child's index instead of probing the children of every parent row
	// (SQLite does not turn EXISTS into a semi-join as PostgreSQL does).
	uncorrelated func(set string) (parentKey, childKey, from string)
}

// table describes a resource table for the filter and sort compiler. The
// column names it accepts come from the mapping package; anything else is a
// programming error, reported rather than written into SQL.
type table struct {
	name, alias string
	columns     map[string]column
	sets        map[string]childSet
}

var valueColumns = map[string]column{
	"value":      {expr: "c.value"},
	"display":    {expr: "c.display"},
	"type":       {expr: "c.type"},
	"is_primary": {expr: "c.is_primary"},
}

var usersTable = func() table {
	t := table{name: "users", alias: "u", columns: map[string]column{
		"id":            {expr: "u.id"},
		"user_name":     {expr: "u.user_name", folded: "u.user_name_ci"},
		"active":        {expr: "u.active"},
		"state":         {expr: "u.state"},
		"source":        {expr: "u.source"},
		"created_at":    {expr: "u.created_at"},
		"last_modified": {expr: "u.last_modified"},
	}, sets: map[string]childSet{}}
	for _, c := range userText {
		if c.col != "password_hash" && c.col != "oidc_subject" {
			t.columns[c.col] = column{expr: "u." + c.col}
		}
	}
	for _, attr := range store.ValueAttrs {
		t.sets[attr] = childSet{
			// The attribute name is a literal, not a parameter: it comes
			// from store.ValueAttrs (never from a client), and the planner
			// can only use the partial index on user_values when it sees it.
			from: func(_ *sqlBuilder, set string) string {
				return "FROM user_values c WHERE c.user_id = u.id AND c.attr = '" + set + "'"
			},
			columns: valueColumns,
			ordered: true,
			uncorrelated: func(set string) (string, string, string) {
				return "u.id", "c.user_id", "FROM user_values c WHERE c.attr = '" + set + "'"
			},
		}
	}
	t.sets["addresses"] = childSet{
		from: func(*sqlBuilder, string) string { return "FROM user_addresses c WHERE c.user_id = u.id" },
		columns: map[string]column{
			"formatted": {expr: "c.formatted"}, "street_address": {expr: "c.street_address"},
			"locality": {expr: "c.locality"}, "region": {expr: "c.region"}, "postal_code": {expr: "c.postal_code"},
			"country": {expr: "c.country"}, "type": {expr: "c.type"}, "is_primary": {expr: "c.is_primary"},
		},
		ordered: true,
	}
	// The account domain's parts of a user (the account extension).
	t.sets["agentIds"] = childSet{
		from:    func(*sqlBuilder, string) string { return "FROM agent_ids c WHERE c.user_id = u.id" },
		columns: map[string]column{"value": {expr: "c.value"}, "system": {expr: "c.system"}},
	}
	t.sets["teams"] = childSet{
		from:    func(*sqlBuilder, string) string { return "FROM team_members c WHERE c.user_id = u.id" },
		columns: map[string]column{"value": {expr: "c.team_id"}, "leader": {expr: "c.leader"}},
	}
	t.sets["grants"] = childSet{
		from:    func(*sqlBuilder, string) string { return "FROM grants c WHERE c.user_id = u.id" },
		columns: map[string]column{"node": {expr: "c.node_id"}, "role": {expr: "c.role"}},
	}
	t.sets["voice"] = childSet{
		from:    func(*sqlBuilder, string) string { return "FROM voice c WHERE c.user_id = u.id" },
		columns: map[string]column{"extension": {expr: "c.extension"}},
	}
	t.sets["groups"] = childSet{
		from: func(*sqlBuilder, string) string {
			return "FROM group_members c JOIN groups cg ON cg.id = c.group_id WHERE c.member_user_id = u.id"
		},
		columns: map[string]column{"value": {expr: "c.group_id"}, "display": {expr: "cg.display_name"}},
	}
	return t
}()

var groupsTable = table{name: "groups", alias: "g",
	columns: map[string]column{
		"id":            {expr: "g.id"},
		"external_id":   {expr: "g.external_id"},
		"display_name":  {expr: "g.display_name", folded: "g.display_name_ci"},
		"created_at":    {expr: "g.created_at"},
		"last_modified": {expr: "g.last_modified"},
	},
	sets: map[string]childSet{
		"members": {
			from: func(*sqlBuilder, string) string { return "FROM group_members c WHERE c.group_id = g.id" },
			columns: map[string]column{
				"value": {expr: "coalesce(c.member_user_id, c.member_group_id)"},
				"type":  {expr: "CASE WHEN c.member_user_id IS NULL THEN 'Group' ELSE 'User' END"},
			},
		},
	},
}

// sqlBuilder collects SQL text and its bound parameters. Client values only
// ever reach the database as parameters.
type sqlBuilder struct {
	d    dialect
	args []any
	// ors counts the ORs around the expression being compiled.
	ors int
}

func (b *sqlBuilder) arg(v any) string {
	if b.args == nil {
		b.args = make([]any, 0, 4)
	}
	b.args = append(b.args, v)
	if n := len(b.args); n < len(placeholderNames) {
		return placeholderNames[n]
	}
	return "$" + itoa(len(b.args))
}

// placeholderNames are "$0".."$15", for arg to not build them.
var placeholderNames = func() []string {
	out := make([]string, 16)
	for i := range out {
		out[i] = "$" + itoa(i)
	}
	return out
}()

// expr compiles a filter expression over table t (or over child set cs when
// inside a Has).
func (b *sqlBuilder) expr(t table, cs *childSet, e store.Expr) (string, error) {
	switch e := e.(type) {
	case store.And:
		return b.binary(t, cs, "AND", e.Left, e.Right)
	case store.Or:
		return b.binary(t, cs, "OR", e.Left, e.Right)
	case store.Not:
		x, err := b.expr(t, cs, e.X)
		if err != nil {
			return "", err
		}
		// IS NOT TRUE, not NOT: a comparison with an unassigned (NULL)
		// attribute is false, so its negation must be true, as "ne" is.
		return "(" + x + ") IS NOT TRUE", nil
	case store.Has:
		if cs != nil {
			return "", fmt.Errorf("filter: nested multi-valued attribute %q", e.Set)
		}
		set, ok := t.sets[e.Set]
		if !ok {
			return "", fmt.Errorf("filter: %s has no child set %q", t.name, e.Set)
		}
		w := ""
		if e.Where != nil {
			cond, err := b.expr(t, &set, e.Where)
			if err != nil {
				return "", err
			}
			w = " AND (" + cond + ")"
		}
		if set.uncorrelated != nil && b.d.childIn {
			parent, child, from := set.uncorrelated(e.Set)
			return parent + " IN (SELECT " + child + " " + from + w + ")", nil
		}
		if set.uncorrelated != nil && b.ors > 0 {
			// Under an OR PostgreSQL cannot turn EXISTS (or IN) into a
			// join, and runs it as a filter on every row of the tenant.
			// As "key = ANY (ARRAY(SELECT ...))" the matching keys are one
			// uncorrelated InitPlan (read from the value index) and the
			// condition an index condition on the parent's primary key,
			// so the OR becomes a BitmapOr of the branches' indexes (the
			// admin search: userName, displayName and emails co).
			parent, child, from := set.uncorrelated(e.Set)
			return parent + " = ANY (ARRAY(SELECT " + child + " " + from + w + "))", nil
		}
		return "EXISTS (SELECT 1 " + set.from(b, e.Set) + w + ")", nil
	case store.Compare:
		cols := t.columns
		if cs != nil {
			cols = cs.columns
		}
		if e.Field.Set != "" && cs == nil {
			return "", fmt.Errorf("filter: column %s.%s outside its set", e.Field.Set, e.Field.Column)
		}
		col, ok := cols[e.Field.Column]
		if !ok {
			return "", fmt.Errorf("filter: unknown column %q", e.Field.Column)
		}
		return b.compare(col, e)
	}
	return "", fmt.Errorf("filter: unknown expression %T", e)
}

func (b *sqlBuilder) binary(t table, cs *childSet, op string, l, r store.Expr) (string, error) {
	if op == "OR" {
		b.ors++
		defer func() { b.ors-- }()
	}
	ls, err := b.expr(t, cs, l)
	if err != nil {
		return "", err
	}
	rs, err := b.expr(t, cs, r)
	if err != nil {
		return "", err
	}
	return "(" + ls + " " + op + " " + rs + ")", nil
}

// likeEscaper escapes LIKE's wildcards so a value matches literally.
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

func (b *sqlBuilder) compare(col column, c store.Compare) (string, error) {
	expr := col.expr
	value := c.Value
	ci := c.Field.Type == store.TypeString && !c.Field.CaseExact
	if ci {
		if col.folded != "" {
			expr = col.folded
		} else {
			expr = b.d.lower + "(" + expr + ")"
		}
	}
	if c.Op == store.OpPr {
		return expr + " IS NOT NULL", nil
	}
	if value == nil {
		switch c.Op {
		case store.OpEq:
			return expr + " IS NULL", nil
		case store.OpNe:
			return expr + " IS NOT NULL", nil
		}
		return "", fmt.Errorf("filter: %s null", c.Op)
	}
	switch v := value.(type) {
	case string:
		if c.Field.Type != store.TypeString {
			return "", fmt.Errorf("filter: string value for non-string column")
		}
		if ci {
			value = fold(v)
		}
	case bool:
		if c.Field.Type != store.TypeBool {
			return "", fmt.Errorf("filter: boolean value for non-boolean column")
		}
		if c.Op != store.OpEq && c.Op != store.OpNe {
			return "", fmt.Errorf("filter: %s on a boolean", c.Op)
		}
	case time.Time:
		if c.Field.Type != store.TypeTime {
			return "", fmt.Errorf("filter: time value for non-time column")
		}
		value = b.d.timeArg(v)
	case int64, float64:
	default:
		return "", fmt.Errorf("filter: unsupported value %T", value)
	}
	switch c.Op {
	case store.OpEq:
		return expr + " = " + b.arg(value), nil
	case store.OpNe:
		return "(" + expr + " IS NULL OR " + expr + " <> " + b.arg(value) + ")", nil
	case store.OpGt:
		return expr + " > " + b.arg(value), nil
	case store.OpGe:
		return expr + " >= " + b.arg(value), nil
	case store.OpLt:
		return expr + " < " + b.arg(value), nil
	case store.OpLe:
		return expr + " <= " + b.arg(value), nil
	case store.OpCo, store.OpSw, store.OpEw:
		s, ok := value.(string)
		if !ok {
			return "", fmt.Errorf("filter: %s needs a string", c.Op)
		}
		pattern := likeEscaper.Replace(s)
		switch c.Op {
		case store.OpCo:
			pattern = "%" + pattern + "%"
		case store.OpSw:
			pattern += "%"
		case store.OpEw:
			pattern = "%" + pattern
		}
		return expr + ` LIKE ` + b.arg(pattern) + ` ESCAPE '\'`, nil
	}
	return "", fmt.Errorf("filter: unknown operator %q", c.Op)
}

// sortExpr returns the SQL of a sort key: a column of the row, or the
// primary (else first) element of a child set.
func (b *sqlBuilder) sortExpr(t table, f store.Field) (string, error) {
	cols := t.columns
	var set childSet
	if f.Set != "" {
		var ok bool
		if set, ok = t.sets[f.Set]; !ok || !set.ordered {
			return "", fmt.Errorf("sort: cannot sort by set %q", f.Set)
		}
		cols = set.columns
	}
	col, ok := cols[f.Column]
	if !ok {
		return "", fmt.Errorf("sort: unknown column %q", f.Column)
	}
	expr := col.expr
	if f.Type == store.TypeString && !f.CaseExact {
		if col.folded != "" {
			expr = col.folded
		} else {
			expr = b.d.lower + "(" + expr + ")"
		}
	}
	if f.Set != "" {
		expr = "(SELECT " + expr + " " + set.from(b, f.Set) + " ORDER BY c.is_primary DESC, c.ord LIMIT 1)"
	}
	return expr, nil
}
