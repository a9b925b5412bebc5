package sqlstore

import (
	"bytes"
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/stdlib"
)

// The user reads on PostgreSQL (a page of users, a user by id) go to the
// pgx connection under database/sql and decode the columns' wire bytes
// themselves. Through database/sql the driver's wrapper builds a decoder
// per column for every query (two allocations a column, 37 columns) and
// boxes every value; here the row's raw values are read straight into the
// same destinations, as the same Go values: text as string, json as bytes,
// bool, int2/4/8 as int64, timestamptz as time.Time, NULL as nil. The
// query is sent with the wrapper's result formats, so the wire bytes are
// the same too. A column of another type makes the query run again
// through database/sql.

// pgResultFormats is what pgx's database/sql wrapper asks for: binary for
// the types it decodes itself, text for the others.
var pgResultFormats = pgx.QueryResultFormatsByOID{
	pgtype.BoolOID: 1, pgtype.ByteaOID: 1, pgtype.CIDOID: 1, pgtype.DateOID: 1, pgtype.Float4OID: 1,
	pgtype.Float8OID: 1, pgtype.Int2OID: 1, pgtype.Int4OID: 1, pgtype.Int8OID: 1, pgtype.OIDOID: 1,
	pgtype.TimestampOID: 1, pgtype.TimestamptzOID: 1, pgtype.XIDOID: 1,
}

// rawFormat is the result format pgRow decodes for a type it takes (text
// 0, binary 1); false for the others.
func rawFormat(oid uint32) (int16, bool) {
	switch oid {
	case pgtype.TextOID, pgtype.VarcharOID, pgtype.BPCharOID, pgtype.NameOID, pgtype.UnknownOID, pgtype.JSONOID:
		return 0, true
	case pgtype.BoolOID, pgtype.Int2OID, pgtype.Int4OID, pgtype.Int8OID, pgtype.TimestamptzOID:
		return 1, true
	}
	return 0, false
}

// errNotRaw says a result has a column pgRow does not decode.
var errNotRaw = errors.New("sqlstore: column type not decoded natively")

// queryEach runs a query on q and calls each with every row. On
// PostgreSQL, when q is the store's pool, the row decodes the raw values
// (see above); otherwise it is database/sql's.
func (s *Store) queryEach(ctx context.Context, q querier, query string, args []any, each func(scanRow) error) error {
	if db, ok := q.(*sql.DB); ok && s.d.name == pgDialect.name {
		err := pgQueryEach(ctx, db, query, args, each)
		var retry *retryViaSQL
		if !errors.As(err, &retry) {
			return err
		}
	}
	return sqlQueryEach(ctx, q, query, args, each)
}

// sqlQueryEach runs a query through database/sql.
func sqlQueryEach(ctx context.Context, q querier, query string, args []any, each func(scanRow) error) error {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := each(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// retryViaSQL marks a query that read no row and is to run through
// database/sql instead: its columns are not all decoded natively, or the
// connection failed before the query was sent (database/sql retries that
// on another connection).
type retryViaSQL struct{ err error }

func (e *retryViaSQL) Error() string { return e.err.Error() }

func pgQueryEach(ctx context.Context, db *sql.DB, query string, args []any, each func(scanRow) error) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		sc, ok := dc.(*stdlib.Conn)
		if !ok {
			return &retryViaSQL{fmt.Errorf("sqlstore: driver connection %T", dc)}
		}
		c := sc.Conn()
		if c.IsClosed() {
			return driver.ErrBadConn
		}
		all := make([]any, 0, 1+len(args))
		all = append(append(all, pgResultFormats), args...)
		rows, err := c.Query(ctx, query, all...)
		if err != nil {
			if pgconn.SafeToRetry(err) {
				return &retryViaSQL{err}
			}
			return err
		}
		defer rows.Close()
		r := pgRow{fields: rows.FieldDescriptions()}
		for _, f := range r.fields {
			if format, ok := rawFormat(f.DataTypeOID); !ok || format != f.Format {
				rows.Close()
				return &retryViaSQL{errNotRaw}
			}
		}
		for rows.Next() {
			r.values = rows.RawValues()
			if err := each(&r); err != nil {
				return err
			}
		}
		return rows.Err()
	})
}

// pgRow is one row of raw values, scanned as database/sql would scan the
// values pgx's wrapper makes of them.
type pgRow struct {
	fields []pgconn.FieldDescription
	values [][]byte
	// text holds the row's text and JSON values in one string, from which
	// the strings scanned are cut: one allocation a row, not one a value.
	text string
	// at is where each value starts in text (for text and JSON columns).
	at []int
}

func (r *pgRow) Scan(dest ...any) error {
	if len(dest) != len(r.values) {
		return fmt.Errorf("sqlstore: %d destinations for %d columns", len(dest), len(r.values))
	}
	n := 0
	for i, raw := range r.values {
		if textOID(r.fields[i].DataTypeOID) || r.fields[i].DataTypeOID == pgtype.JSONOID {
			n += len(raw)
		}
	}
	var b strings.Builder
	b.Grow(n)
	if cap(r.at) < len(r.values) {
		r.at = make([]int, len(r.values))
	}
	r.at = r.at[:len(r.values)]
	for i, raw := range r.values {
		if textOID(r.fields[i].DataTypeOID) || r.fields[i].DataTypeOID == pgtype.JSONOID {
			r.at[i] = b.Len()
			b.Write(raw)
		}
	}
	r.text = b.String()
	for i, d := range dest {
		if err := r.scan(i, d); err != nil {
			return fmt.Errorf("sqlstore: column %s: %w", r.fields[i].Name, err)
		}
	}
	return nil
}

// str is the text of value i, cut from the row's text.
func (r *pgRow) str(i int) string { return r.text[r.at[i] : r.at[i]+len(r.values[i])] }

func (r *pgRow) scan(i int, dest any) error {
	raw, oid := r.values[i], r.fields[i].DataTypeOID
	// The common destinations of text, without boxing the string.
	if textOID(oid) {
		switch d := dest.(type) {
		case nullStr:
			*d.p = r.str(i) // "" for NULL, as nullStr.Scan(nil)
			return nil
		case *string:
			if raw == nil {
				break // database/sql's error below
			}
			*d = r.str(i)
			return nil
		}
	}
	// Times and JSON straight into scimd's own destinations, likewise.
	switch d := dest.(type) {
	case timeScan:
		if oid == pgtype.TimestamptzOID && raw != nil && len(raw) == 8 {
			if t, ok := rawTime(raw); ok {
				*d.t = t.UTC() // as timeScan.Scan(t)
				return nil
			}
		}
	case timePtrScan:
		if oid == pgtype.TimestamptzOID && raw != nil && len(raw) == 8 {
			if t, ok := rawTime(raw); ok {
				t = t.UTC() // as timePtrScan.Scan(t)
				*d.t = &t
				return nil
			}
		}
	case jsonRows:
		if oid == pgtype.JSONOID && raw != nil {
			return d.read(r.str(i))
		}
	}
	v, err := rawValue(oid, raw)
	if err != nil {
		return err
	}
	switch d := dest.(type) {
	case sql.Scanner:
		return d.Scan(v)
	case *any:
		if b, ok := v.([]byte); ok {
			v = bytes.Clone(b) // database/sql copies bytes into an any
		}
		*d = v
		return nil
	case *string:
		switch x := v.(type) {
		case string:
			*d = x
			return nil
		case []byte:
			*d = string(x)
			return nil
		}
	case *int64:
		if x, ok := v.(int64); ok {
			*d = x
			return nil
		}
	case *bool:
		if x, ok := v.(bool); ok {
			*d = x
			return nil
		}
	}
	if v == nil {
		return fmt.Errorf("converting NULL to %T is unsupported", dest)
	}
	return fmt.Errorf("unsupported Scan, storing driver.Value type %T into type %T", v, dest)
}

func textOID(oid uint32) bool {
	switch oid {
	case pgtype.TextOID, pgtype.VarcharOID, pgtype.BPCharOID, pgtype.NameOID, pgtype.UnknownOID:
		return true
	}
	return false
}

// rawValue is the value pgx's database/sql wrapper makes of a raw value of
// a type in rawFormat.
func rawValue(oid uint32, raw []byte) (driver.Value, error) {
	if raw == nil {
		return nil, nil
	}
	switch oid {
	case pgtype.JSONOID:
		return raw, nil
	case pgtype.BoolOID:
		if len(raw) != 1 {
			return nil, fmt.Errorf("invalid length for bool: %d", len(raw))
		}
		return raw[0] == 1, nil
	case pgtype.Int2OID:
		if len(raw) != 2 {
			return nil, fmt.Errorf("invalid length for int2: %d", len(raw))
		}
		return int64(int16(binary.BigEndian.Uint16(raw))), nil
	case pgtype.Int4OID:
		if len(raw) != 4 {
			return nil, fmt.Errorf("invalid length for int4: %d", len(raw))
		}
		return int64(int32(binary.BigEndian.Uint32(raw))), nil
	case pgtype.Int8OID:
		if len(raw) != 8 {
			return nil, fmt.Errorf("invalid length for int8: %d", len(raw))
		}
		return int64(binary.BigEndian.Uint64(raw)), nil
	case pgtype.TimestamptzOID:
		if len(raw) != 8 {
			return nil, fmt.Errorf("invalid length for timestamptz: %d", len(raw))
		}
		if t, ok := rawTime(raw); ok {
			return t, nil
		}
		if int64(binary.BigEndian.Uint64(raw)) == math.MaxInt64 {
			return "infinity", nil
		}
		return "-infinity", nil
	}
	if textOID(oid) {
		return string(raw), nil
	}
	return nil, errNotRaw
}

// rawTime decodes a binary timestamptz as pgx does (in time.Local); false
// for infinity and -infinity.
func rawTime(raw []byte) (time.Time, bool) {
	us := int64(binary.BigEndian.Uint64(raw))
	if us == math.MaxInt64 || us == math.MinInt64 {
		return time.Time{}, false
	}
	const y2k = 946_684_800 * 1_000_000 // µs from 1970 to 2000
	return time.Unix(y2k/1_000_000+us/1_000_000, (y2k%1_000_000*1_000)+(us%1_000_000*1_000)), true
}
