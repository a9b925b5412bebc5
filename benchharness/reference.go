package benchharness

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
)

// db is the driver the ceilings and the reference handler use: a pgx pool
// (cached prepared statements) on PostgreSQL, database/sql on SQLite.
type db struct {
	pg  *pgxpool.Pool
	sql *sql.DB
	// jsonAgg/jsonArray are the dialect's JSON aggregate functions.
	jsonAgg, jsonArray string
}

type scanner interface{ Scan(dest ...any) error }

func (d *db) queryRow(ctx context.Context, q string, args ...any) scanner {
	if d.pg != nil {
		return d.pg.QueryRow(ctx, q, args...)
	}
	return d.sql.QueryRowContext(ctx, q, args...)
}

func (d *db) exec(ctx context.Context, q string, args ...any) error {
	if d.pg != nil {
		_, err := d.pg.Exec(ctx, q, args...)
		return err
	}
	_, err := d.sql.ExecContext(ctx, q, args...)
	return err
}

// refSQL is the reference handler's lookup: the columns a seeded user has,
// its emails and its direct groups, in one query.
func (d *db) refSQL() string {
	return `SELECT u.id, u.external_id, u.user_name, u.name_given_name, u.name_family_name, u.display_name, u.active,
		u.created_at, u.last_modified, u.version,
		(SELECT ` + d.jsonAgg + `(` + d.jsonArray + `(v.value, v.type, v.is_primary)) FROM user_values v WHERE v.user_id = u.id AND v.attr = 'emails'),
		(SELECT ` + d.jsonAgg + `(` + d.jsonArray + `(g.id, g.display_name)) FROM group_members gm JOIN groups g ON g.id = gm.group_id WHERE gm.member_user_id = u.id)
		FROM users u WHERE u.tenant_id = $1 AND u.user_name_ci = $2`
}

// pointSelect is the ceiling of reads: the reference lookup straight
// through the driver, without HTTP.
func pointSelect(d *db, tenantID string, n int) func(ctx context.Context, w int) error {
	q := d.refSQL()
	return func(ctx context.Context, w int) error {
		var r refRow
		return r.scan(d.queryRow(ctx, q, tenantID, userName(randUser(n))))
	}
}

// insertCeiling is the ceiling of writes: one single-row INSERT of a user,
// autocommit.
func insertCeiling(d *db, tenantID string, timeArg func(time.Time) any) func(ctx context.Context, w int) error {
	var seq atomic.Int64
	run := uuid.NewString()[:8]
	return func(ctx context.Context, w int) error {
		un := fmt.Sprintf("ceiling-%s-%d@example.com", run, seq.Add(1))
		now := timeArg(time.Now())
		return d.exec(ctx, `INSERT INTO users (id, tenant_id, user_name, user_name_ci, name_given_name, name_family_name,
			display_name, active, state, source, created_at, last_modified, version)
			VALUES ($1, $2, $3, $3, 'New', 'User', 'New User', true, 'active', 'scim', $4, $4, 1)`,
			uuid.NewString(), tenantID, un, now)
	}
}

type refRow struct {
	id, userName                       string
	externalID, given, family, display sql.NullString
	active                             sql.NullBool
	created, modified                  any
	version                            int64
	emails, groups                     []byte
}

func (r *refRow) scan(s scanner) error {
	return s.Scan(&r.id, &r.externalID, &r.userName, &r.given, &r.family, &r.display, &r.active,
		&r.created, &r.modified, &r.version, &r.emails, &r.groups)
}

// The reference handler's documents: plain structs for encoding/json.
type refName struct {
	GivenName  string `json:"givenName,omitempty"`
	FamilyName string `json:"familyName,omitempty"`
}
type refEmail struct {
	Value   string `json:"value"`
	Type    string `json:"type,omitempty"`
	Primary bool   `json:"primary,omitempty"`
}
type refGroup struct {
	Value   string `json:"value"`
	Ref     string `json:"$ref"`
	Display string `json:"display"`
	Type    string `json:"type"`
}
type refMeta struct {
	ResourceType string `json:"resourceType"`
	Created      string `json:"created"`
	LastModified string `json:"lastModified"`
	Location     string `json:"location"`
	Version      string `json:"version"`
}
type refUser struct {
	Schemas     []string   `json:"schemas"`
	ID          string     `json:"id"`
	ExternalID  string     `json:"externalId,omitempty"`
	UserName    string     `json:"userName"`
	Name        *refName   `json:"name,omitempty"`
	DisplayName string     `json:"displayName,omitempty"`
	Active      *bool      `json:"active,omitempty"`
	Emails      []refEmail `json:"emails,omitempty"`
	Groups      []refGroup `json:"groups"`
	Meta        refMeta    `json:"meta"`
}
type refList struct {
	Schemas      []string  `json:"schemas"`
	TotalResults int       `json:"totalResults"`
	StartIndex   int       `json:"startIndex"`
	ItemsPerPage int       `json:"itemsPerPage"`
	Resources    []refUser `json:"Resources"`
}

func refTime(v any) string {
	switch t := v.(type) {
	case time.Time:
		return t.UTC().Format(time.RFC3339Nano)
	case int64:
		return time.UnixMicro(t).UTC().Format(time.RFC3339Nano)
	}
	return ""
}

// reference is the minimal server the issue measures scimd against:
// net/http, the driver's pool and encoding/json, answering GET
// /scim/v2/Users?filter=userName eq "x" with the same lookup and a SCIM
// ListResponse of the same attributes. It authenticates nothing.
func startReference(d *db, tenantID string) (base string, stop func(), err error) {
	q := d.refSQL()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /scim/v2/Users", func(w http.ResponseWriter, r *http.Request) {
		f := r.URL.Query().Get("filter")
		attr, val, ok := strings.Cut(f, " eq ")
		if !ok || !strings.EqualFold(attr, "userName") || len(val) < 2 {
			http.Error(w, "bad filter", http.StatusBadRequest)
			return
		}
		val = strings.ToLower(strings.Trim(val, `"`))
		var row refRow
		list := refList{Schemas: []string{"urn:ietf:params:scim:api:messages:2.0:ListResponse"}, StartIndex: 1, Resources: []refUser{}}
		err := row.scan(d.queryRow(r.Context(), q, tenantID, val))
		if err != nil && err.Error() != "no rows in result set" && err != sql.ErrNoRows {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		if err == nil {
			loc := "http://" + r.Host + "/scim/v2/Users/" + row.id
			u := refUser{Schemas: []string{"urn:ietf:params:scim:schemas:core:2.0:User"}, ID: row.id,
				ExternalID: row.externalID.String, UserName: row.userName, DisplayName: row.display.String, Groups: []refGroup{},
				Meta: refMeta{ResourceType: "User", Created: refTime(row.created), LastModified: refTime(row.modified),
					Location: loc, Version: `W/"` + strconv.FormatInt(row.version, 10) + `"`}}
			if row.given.Valid || row.family.Valid {
				u.Name = &refName{GivenName: row.given.String, FamilyName: row.family.String}
			}
			if row.active.Valid {
				u.Active = &row.active.Bool
			}
			var emails [][]any
			json.Unmarshal(row.emails, &emails)
			for _, e := range emails {
				v, _ := e[0].(string)
				t, _ := e[1].(string)
				p, _ := e[2].(bool)
				if f, ok := e[2].(float64); ok {
					p = f != 0
				}
				u.Emails = append(u.Emails, refEmail{Value: v, Type: t, Primary: p})
			}
			var groups [][]string
			json.Unmarshal(row.groups, &groups)
			for _, g := range groups {
				u.Groups = append(u.Groups, refGroup{Value: g[0], Ref: "http://" + r.Host + "/scim/v2/Groups/" + g[0], Display: g[1], Type: "direct"})
			}
			list.Resources = append(list.Resources, u)
			list.TotalResults, list.ItemsPerPage = 1, 1
		}
		w.Header().Set("Content-Type", "application/scim+json")
		json.NewEncoder(w).Encode(list)
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	return "http://" + ln.Addr().String(), func() { srv.Close() }, nil
}
