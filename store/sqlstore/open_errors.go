package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/scimd/scimd/store"
)

// Open's errors are one line for the person who started scimd: they name
// the problem (the database that does not exist, the host that does not
// resolve), never a password, and not the driver's chain of wrapped
// errors, which stays reachable through errors.As.
//
// An error that waiting may cure (the server refuses connections, does not
// answer in time, is starting up or out of connection slots) wraps
// store.ErrUnavailable, and scimd serve retries it. Anything else is
// permanent: retrying a wrong database name forever, while /healthz says
// 200, hides the mistake.

// openError is a permanent failure to open the database.
type openError struct {
	problem string
	err     error
}

func (e *openError) Error() string { return e.problem }
func (e *openError) Unwrap() error { return e.err }

// notAnswering is a failure to open the database that retrying may cure.
func notAnswering(format string, args ...any) error {
	return fmt.Errorf("%w: %s", store.ErrUnavailable, fmt.Sprintf(format, args...))
}

// permanent reports errors that no retry will cure: a URL that does not
// parse, a host name that does not resolve, a database or role that does
// not exist or credentials the server refuses, a SQLite file that cannot
// be opened. unavailable excludes them even where they arrive wrapped in
// what otherwise means "unreachable" (a *pgconn.ConnectError, a
// net.Error).
func permanent(err error) bool {
	var parseErr *pgconn.ParseConfigError
	if errors.As(err, &parseErr) {
		return true
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) && dnsErr.IsNotFound {
		return true
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		// Class 28: invalid authorization (unknown role, wrong password,
		// no pg_hba.conf entry); 3D000: invalid catalog name, the
		// database does not exist.
		return strings.HasPrefix(pgErr.Code, "28") || pgErr.Code == "3D000"
	}
	var sqErr *sqlite.Error
	return errors.As(err, &sqErr) && sqErr.Code()&0xff == sqlite3.SQLITE_CANTOPEN
}

// pgOpenError explains a failed first connection to PostgreSQL.
func pgOpenError(ctx context.Context, cfg *pgx.ConnConfig, err error) error {
	at := pgServer(cfg)
	if ctx.Err() != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return notAnswering("PostgreSQL at %s did not answer in time", at)
		}
		return ctx.Err()
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		if dnsErr.IsNotFound {
			return &openError{fmt.Sprintf("database host %q does not resolve (no such host)", dnsErr.Name), err}
		}
		return notAnswering("cannot resolve database host %q: %s", dnsErr.Name, dnsErr.Err)
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch {
		case pgErr.Code == "3D000":
			return &openError{fmt.Sprintf("PostgreSQL at %s has no database %q", at, cfg.Database), err}
		case pgErr.Code == "28P01":
			return &openError{fmt.Sprintf("PostgreSQL at %s refused the password of user %q", at, cfg.User), err}
		case strings.HasPrefix(pgErr.Code, "28"):
			return &openError{fmt.Sprintf("PostgreSQL at %s refused user %q: %s", at, cfg.User, pgErr.Message), err}
		case unavailable(err):
			return notAnswering("PostgreSQL at %s is not accepting connections: %s", at, pgErr.Message)
		}
		return &openError{fmt.Sprintf("PostgreSQL at %s refused the connection: %s (SQLSTATE %s)", at, pgErr.Message, pgErr.Code), err}
	}
	if !unavailable(err) {
		return &openError{fmt.Sprintf("cannot connect to PostgreSQL at %s: %s", at, connectCause(err)), err}
	}
	var errno syscall.Errno
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return notAnswering("PostgreSQL at %s did not answer in time", at)
	case errors.As(err, &errno):
		return notAnswering("PostgreSQL at %s is not answering: %s", at, errno)
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return notAnswering("PostgreSQL at %s closed the connection", at)
	}
	return notAnswering("PostgreSQL at %s is not answering: %s", at, connectCause(err))
}

// pgURLError explains a PostgreSQL URL that does not parse. It repeats
// pgx's reason, which quotes at most the offending escape, but not the
// URL, which may hold a password where it fails to parse.
func pgURLError(err error) error {
	reason := "it cannot be parsed"
	if inner := errors.Unwrap(err); inner != nil {
		reason = inner.Error()
	}
	return &openError{"invalid PostgreSQL URL: " + reason, err}
}

// pgServer names the server a configuration connects to.
func pgServer(cfg *pgx.ConnConfig) string {
	if strings.HasPrefix(cfg.Host, "/") {
		return cfg.Host // a Unix socket directory
	}
	return net.JoinHostPort(cfg.Host, strconv.Itoa(int(cfg.Port)))
}

// connectCause is the text of a connection error without pgx's prefix,
// on one line: pgx joins the error of each address it tried (with and
// without TLS) on lines of their own, often the same line twice.
func connectCause(err error) string {
	var connErr *pgconn.ConnectError
	if errors.As(err, &connErr) && connErr.Unwrap() != nil {
		err = connErr.Unwrap()
	}
	var lines []string
	for _, l := range strings.Split(err.Error(), "\n") {
		if l = strings.TrimSpace(l); l != "" && !slices.Contains(lines, l) {
			lines = append(lines, l)
		}
	}
	return strings.Join(lines, "; ")
}

// sqliteOpenError explains a failure to open the SQLite file at path.
func sqliteOpenError(ctx context.Context, path string, err error) error {
	if ctx.Err() != nil && !errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return ctx.Err()
	}
	if !permanent(err) {
		return notAnswering("SQLite database %s: %v", path, err)
	}
	problem := fmt.Sprintf("cannot open SQLite database %s: check that it is a file scimd may read and write", path)
	dir := filepath.Dir(path)
	if fi, serr := os.Stat(dir); errors.Is(serr, fs.ErrNotExist) {
		problem = fmt.Sprintf("cannot open SQLite database %s: directory %s does not exist", path, dir)
	} else if serr == nil && !fi.IsDir() {
		problem = fmt.Sprintf("cannot open SQLite database %s: %s is not a directory", path, dir)
	} else if fi, serr := os.Stat(path); serr == nil && fi.IsDir() {
		problem = fmt.Sprintf("cannot open SQLite database %s: it is a directory", path)
	} else if errors.Is(serr, fs.ErrNotExist) {
		problem = fmt.Sprintf("cannot create SQLite database %s: check that scimd may write in %s", path, dir)
	}
	return &openError{problem, err}
}
