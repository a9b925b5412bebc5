package scim

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strings"
	"sync"
	"time"

	"github.com/scimd/scimd/store"
)

// cursorCodec turns keyset positions into opaque RFC 9865 cursors and back.
// A cursor is base64url(JSON) "." base64url(HMAC): only URL-unreserved
// characters, tamper-evident, bound to the query it came from, and
// expiring after the advertised cursorTimeout. The HMAC key is kept in the
// database so cursors survive restarts and work across replicas.
type cursorCodec struct {
	store   store.Store
	timeout time.Duration
	now     func() time.Time

	mu     sync.Mutex
	secret []byte
}

type cursorData struct {
	Kind    string  `json:"k,omitempty"` // "s" string, "b" bool, "t" time, "i" int, "f" float; "" nil
	Str     string  `json:"s,omitempty"`
	Bool    bool    `json:"b,omitempty"`
	Int     int64   `json:"i,omitempty"`
	Float   float64 `json:"f,omitempty"`
	Created int64   `json:"c"`
	Total   int     `json:"n"`
	ID      string  `json:"id"`
	Query   string  `json:"q"`
	Issued  int64   `json:"x"`
}

func (c *cursorCodec) key(ctx context.Context) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.secret == nil {
		s, err := c.store.Secret(ctx, "cursor-hmac")
		if err != nil {
			return nil, err
		}
		c.secret = s
	}
	return c.secret, nil
}

// querySignature binds a cursor to the search it pages through.
func querySignature(parts ...string) string {
	h := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return base64.RawURLEncoding.EncodeToString(h[:9])
}

// encode makes a cursor for the position cur; total is the result count
// the first page computed, carried along so later pages need not count.
func (c *cursorCodec) encode(ctx context.Context, cur *store.Cursor, total int, query string) (string, error) {
	key, err := c.key(ctx)
	if err != nil {
		return "", err
	}
	d := cursorData{Created: cur.Created, ID: cur.ID, Total: total, Query: query, Issued: c.now().Unix()}
	switch v := cur.Value.(type) {
	case string:
		d.Kind, d.Str = "s", v
	case bool:
		d.Kind, d.Bool = "b", v
	case time.Time:
		d.Kind, d.Int = "t", v.UnixMicro()
	case int64:
		d.Kind, d.Int = "i", v
	case float64:
		d.Kind, d.Float = "f", v
	}
	payload, err := json.Marshal(d)
	if err != nil {
		return "", err
	}
	p := base64.RawURLEncoding.EncodeToString(payload)
	return p + "." + sign(key, p), nil
}

func sign(key []byte, payload string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(payload))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16])
}

func (c *cursorCodec) decode(ctx context.Context, s, query string) (*store.Cursor, int, error) {
	key, err := c.key(ctx)
	if err != nil {
		return nil, 0, err
	}
	invalid := badRequest(typeInvalidCursor, "the cursor is not one this server issued for this query: start again without a cursor value (cursor=)")
	p, sig, ok := strings.Cut(s, ".")
	if !ok || !hmac.Equal([]byte(sig), []byte(sign(key, p))) {
		return nil, 0, invalid
	}
	raw, err := base64.RawURLEncoding.DecodeString(p)
	if err != nil {
		return nil, 0, invalid
	}
	var d cursorData
	if err := json.Unmarshal(raw, &d); err != nil || d.Query != query {
		return nil, 0, invalid
	}
	if c.now().Sub(time.Unix(d.Issued, 0)) > c.timeout {
		return nil, 0, badRequest(typeExpiredCursor, "the cursor has expired (cursors last %d seconds): start again with cursor=", int(c.timeout.Seconds()))
	}
	cur := &store.Cursor{Created: d.Created, ID: d.ID}
	switch d.Kind {
	case "s":
		cur.Value = d.Str
	case "b":
		cur.Value = d.Bool
	case "t":
		cur.Value = time.UnixMicro(d.Int).UTC()
	case "i":
		cur.Value = d.Int
	case "f":
		cur.Value = d.Float
	}
	return cur, d.Total, nil
}
