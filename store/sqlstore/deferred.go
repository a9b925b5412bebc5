package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/scimd/scimd/store"
)

// On PostgreSQL a write transaction is lazy: it sends BEGIN only when a
// statement needs one, and holds back the writes whose callers need no
// answer before the commit (a new user and its values, an audit entry, the
// feed's events, a member added or removed, a group's version bump). They go
// to the database together, as one statement of data-modifying CTEs: at the
// commit, or before the first statement that must see them. A transaction
// that is only such writes, as creating a user or adding a member to a group
// is, costs one round trip and holds its row locks for one statement.
//
// Reads that lock nothing and come before any write go straight to the
// pool: under READ COMMITTED each statement of a transaction sees the rows
// committed when it starts, so such a read sees what it would have seen
// inside the transaction.

// errStrict says that a transaction's optimistic form (writes sent as one
// statement on the assumption that the checks between them hold) was
// refused whole: InTx runs it again statement by statement, where the
// check that failed reports what it found.
var errStrict = errors.New("sqlstore: run again statement by statement")

// Codes of scimd_check (migration 20261210000001) in a deferred statement.
const (
	checkNotFound = "notfound" // the resource is not the tenant's: ErrNotFound
	checkStrict   = "strict"   // the optimistic form does not apply: errStrict
)

// deferred is a write held back until the commit or the next statement.
type deferred struct {
	// sql is one INSERT, UPDATE or DELETE, with placeholders $1, $2, ...;
	// empty for a check alone.
	sql  string
	args []any
	// check, if set, is a boolean SQL expression that must hold when the
	// write is done; "{w}" in it names the write's RETURNING rows, and its
	// placeholders continue after those of sql. code says what a failure
	// means (checkNotFound, checkStrict).
	check     string
	checkArgs []any
	code      string
	// scan, if set, reads the write's RETURNING row (at most one row; nil
	// columns when the write touched none). One write per statement has it.
	scan func(row scanRow) error
	// fix translates the write's own errors (foreign keys and the like).
	fix func(error) error
}

// lazyTx is the querier of a PostgreSQL write transaction (see above).
type lazyTx struct {
	s       *Store
	tx      *sql.Tx
	pending []deferred
	events  []*store.Event // written after pending, in order
	// err is the first failure to begin or to send the held-back writes;
	// the transaction ends with it whatever its function returns.
	err error
}

// canceled makes the *sql.Row of a statement that could not be sent: its
// Scan fails at once (the transaction then ends with lazyTx.err).
var canceled = func() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}()

// direct reports whether a statement may go to the pool: a read that locks
// nothing, before the transaction began or held back any write (a check
// alone is no write: a read need not see it).
func (l *lazyTx) direct(query string) bool {
	if l.tx != nil || len(l.events) > 0 || l.err != nil {
		return false
	}
	for _, w := range l.pending {
		if w.sql != "" {
			return false
		}
	}
	q := strings.TrimSpace(query)
	switch {
	case hasPrefixFold(q, "SELECT"):
	case hasPrefixFold(q, "WITH"):
		// A CTE may write: only one that cannot is a read.
		for _, w := range []string{"INSERT ", "UPDATE ", "DELETE ", "MERGE "} {
			if containsFold(q, w) {
				return false
			}
		}
	default:
		return false
	}
	for _, lock := range []string{" FOR UPDATE", " FOR SHARE", " FOR NO KEY", " FOR KEY SHARE", "ADVISORY"} {
		if containsFold(q, lock) {
			return false
		}
	}
	return true
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// containsFold is strings.Contains ignoring ASCII case, without the copy
// strings.ToUpper makes of every read's text.
func containsFold(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(sub)], sub) {
			return true
		}
	}
	return false
}

// conn begins the transaction if it has not begun and sends what is held
// back, so that the next statement sees it. A failure ends the
// transaction.
func (l *lazyTx) conn(ctx context.Context) (*sql.Tx, error) {
	if l.err != nil {
		return nil, l.err
	}
	if err := l.sync(ctx); err != nil {
		l.err = err
		return nil, err
	}
	return l.tx, nil
}

// sync begins the transaction if it has not begun and sends what is held
// back, returning the error of those writes to the caller (Tx.Sync).
func (l *lazyTx) sync(ctx context.Context) error {
	if l.err != nil {
		return l.err
	}
	if l.tx == nil {
		tx, err := l.s.db.DB.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		l.tx = tx
	}
	return l.send(ctx, l.tx)
}

func (l *lazyTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	tx, err := l.conn(ctx)
	if err != nil {
		return nil, err
	}
	return tx.ExecContext(ctx, query, args...)
}

func (l *lazyTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if l.direct(query) {
		return l.s.db.DB.QueryContext(ctx, query, args...)
	}
	tx, err := l.conn(ctx)
	if err != nil {
		return nil, err
	}
	return tx.QueryContext(ctx, query, args...)
}

func (l *lazyTx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if l.direct(query) {
		return l.s.db.DB.QueryRowContext(ctx, query, args...)
	}
	tx, err := l.conn(ctx)
	if err != nil {
		return l.s.db.DB.QueryRowContext(canceled, "SELECT 1")
	}
	return tx.QueryRowContext(ctx, query, args...)
}

// later holds a write back.
func (l *lazyTx) later(w deferred) { l.pending = append(l.pending, w) }

// scanning reports whether a held-back write already wants its RETURNING
// row (one statement returns one).
func (l *lazyTx) scanning() bool {
	for _, w := range l.pending {
		if w.scan != nil {
			return true
		}
	}
	return false
}

// end finishes the transaction after its function returned fnErr: it
// rolls back on an error (its own first, if it had one), else sends what
// is held back and commits. A transaction that never began sends its
// held-back writes as one statement, which commits on its own.
func (l *lazyTx) end(ctx context.Context, fnErr error) error {
	if l.err != nil {
		fnErr = l.err
	}
	if fnErr != nil {
		if l.tx != nil {
			l.tx.Rollback()
		}
		return fnErr
	}
	if l.tx == nil && l.argCount() <= maxArgsPerStatement {
		return l.send(ctx, l.s.db.DB)
	}
	tx, err := l.conn(ctx)
	if err != nil {
		if l.tx != nil {
			l.tx.Rollback()
		}
		return err
	}
	return tx.Commit()
}

// maxArgsPerStatement keeps a combined statement well under PostgreSQL's
// 65,535 parameters; more held-back writes than that go in several
// statements, in a transaction.
const maxArgsPerStatement = 30_000

// argCount counts the parameters of what is held back.
func (l *lazyTx) argCount() int {
	n := 10 * len(l.events)
	for _, w := range l.pending {
		n += len(w.args) + len(w.checkArgs)
	}
	return n
}

// send sends the held-back writes through q, as one statement when their
// parameters allow.
func (l *lazyTx) send(ctx context.Context, q querier) error {
	ws := l.pending
	if len(l.events) > 0 {
		ws = append(ws, l.eventWrites()...)
	}
	l.pending, l.events = nil, nil
	for len(ws) > 0 {
		n, total := 0, 0
		for n < len(ws) && (n == 0 || total+len(ws[n].args)+len(ws[n].checkArgs) <= maxArgsPerStatement) {
			total += len(ws[n].args) + len(ws[n].checkArgs)
			n++
		}
		query, args, scan := combine(ws[:n])
		var err error
		if scan != nil {
			err = scan(q.QueryRowContext(ctx, query, args...))
		} else {
			_, err = q.ExecContext(ctx, query, args...)
		}
		if err != nil {
			return refusal(ws[:n], err)
		}
		ws = ws[n:]
	}
	return nil
}

// eventWrites renders the held-back events as INSERTs, in order. The
// feed's order is the order the rows are inserted in, and the CTEs of one
// statement run in no order: an INSERT takes as many events as a
// statement's parameters allow, so that two of them never share one.
func (l *lazyTx) eventWrites() []deferred {
	const per = maxArgsPerStatement / 10
	var out []deferred
	for start := 0; start < len(l.events); start += per {
		values, args := eventValues(l.s, l.events[start:min(start+per, len(l.events))], 0)
		out = append(out, deferred{sql: `INSERT INTO events (` + insertColumns + `) VALUES ` + values, args: args,
			fix: tenantGone})
	}
	return out
}

// combine joins writes into one statement: each a CTE, their checks and
// the one RETURNING row wanted in the final SELECT. A single write with no
// check is sent as it is.
func combine(ws []deferred) (query string, args []any, scan func(scanRow) error) {
	if len(ws) == 1 && ws[0].check == "" && ws[0].scan == nil && ws[0].sql != "" {
		return ws[0].sql, ws[0].args, nil
	}
	var b strings.Builder
	var checks []string
	from := " FROM (SELECT 1) AS one"
	sel := ""
	ctes := 0
	for i, w := range ws {
		name := "w" + itoa(i)
		if w.sql != "" {
			if ctes == 0 {
				b.WriteString("WITH ")
			} else {
				b.WriteString(", ")
			}
			ctes++
			b.WriteString(name + " AS (" + renumber(w.sql, len(args)) + ")")
			args = append(args, w.args...)
		}
		if w.check != "" {
			expr := renumber(strings.ReplaceAll(w.check, "{w}", name), len(args))
			args = append(args, w.checkArgs...)
			checks = append(checks, "scimd_check("+expr+", '"+w.code+"')")
		}
		if w.scan != nil && scan == nil {
			from += " LEFT JOIN " + name + " AS r ON true"
			sel = "r.*"
			scan = w.scan
		}
	}
	list := append(checks, sel)
	if sel == "" {
		list = checks
	}
	if len(list) == 0 {
		list = []string{"1"}
	}
	b.WriteString(" SELECT " + strings.Join(list, ", ") + from)
	if scan != nil {
		inner, skip := scan, len(checks)
		scan = func(row scanRow) error { return inner(skipRow{row: row, skip: skip}) }
	}
	return b.String(), args, scan
}

// skipRow scans a row whose first columns (the checks) are not wanted.
type skipRow struct {
	row  scanRow
	skip int
}

func (r skipRow) Scan(dest ...any) error {
	all := make([]any, r.skip, r.skip+len(dest))
	for i := range all {
		all[i] = new(any)
	}
	return r.row.Scan(append(all, dest...)...)
}

// refusal translates the error of a combined statement: a failed check
// to what its code means, the rest by each write's own fix.
func refusal(ws []deferred, err error) error {
	if err == nil {
		return nil
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "SD001" {
		switch pgErr.Message {
		case checkNotFound:
			return store.ErrNotFound
		case checkStrict:
			return errStrict
		}
	}
	// Each write's fix knows its own constraints; the first that knows
	// the error says what it is.
	for _, w := range ws {
		if w.fix != nil {
			if fixed := w.fix(err); fixed != err {
				return fixed
			}
		}
	}
	return err
}

// renumber shifts the placeholders of a statement ($1 becomes $1+by),
// leaving quoted literals and identifiers alone.
func renumber(query string, by int) string {
	if by == 0 || !strings.Contains(query, "$") {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 16)
	var quote byte
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '$' && i+1 < len(query) && query[i+1] >= '0' && query[i+1] <= '9':
			j := i + 1
			n := 0
			for j < len(query) && query[j] >= '0' && query[j] <= '9' {
				n = n*10 + int(query[j]-'0')
				j++
			}
			b.WriteByte('$')
			b.WriteString(itoa(n + by))
			i = j - 1
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}
