package conformance

// A small in-memory SCIM service provider used only to test the suite
// itself: the suite must pass against it. It is written for this purpose and
// is not a production server.

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

type ref struct {
	mu    sync.Mutex
	bugs  map[string]bool // deliberate defects, to prove checks can fail
	token string
	base  string
	next  int
	res   map[string]map[string]map[string]any // type -> id -> resource
}

func newRef(token string) *ref {
	return &ref{token: token, res: map[string]map[string]map[string]any{"Users": {}, "Groups": {}}}
}

type scimError struct {
	status   int
	scimType string
	detail   string
}

func fail(status int, scimType, format string, a ...any) *scimError {
	return &scimError{status, scimType, fmt.Sprintf(format, a...)}
}

func (rf *ref) writeErr(w http.ResponseWriter, e *scimError) {
	if e.status == 401 {
		w.Header().Set("WWW-Authenticate", `Bearer realm="scim"`)
	}
	body := map[string]any{"schemas": []any{msgError}, "status": strconv.Itoa(e.status), "detail": e.detail}
	if rf.bugs["statusAsNumber"] {
		body["status"] = e.status
	}
	if e.scimType != "" {
		body["scimType"] = e.scimType
	}
	writeJSON(w, e.status, body)
}

// canonical attribute names per resource type (lower-case key -> name).
var refAttrs = map[string][]string{
	"Users":  {"id", "externalId", "meta", "schemas", "userName", "name", "displayName", "nickName", "title", "active", "emails", "phoneNumbers", "addresses", "password", "locale", "preferredLanguage", "groups", schemaEnt},
	"Groups": {"id", "externalId", "meta", "schemas", "displayName", "members"},
}

var refSub = map[string][]string{
	"name": {"givenName", "familyName", "formatted", "middleName"}, "emails": {"value", "type", "primary", "display"},
	"phoneNumbers": {"value", "type", "primary"}, "addresses": {"type", "formatted", "streetAddress", "locality", "region", "postalCode", "country", "primary"},
	"members": {"value", "display", "type", "$ref"}, "groups": {"value", "display", "type", "$ref"}, "meta": {"resourceType", "created", "lastModified", "location", "version"},
	schemaEnt: {"employeeNumber", "department", "costCenter", "manager"}, "manager": {"value", "displayName", "$ref"},
}

var refMulti = map[string]bool{"emails": true, "phoneNumbers": true, "addresses": true, "members": true, "groups": true, "schemas": true}

func canon(list []string, name string) string {
	for _, n := range list {
		if strings.EqualFold(n, name) {
			return n
		}
	}
	return ""
}

// normalize canonicalises attribute names of an incoming resource.
func normalize(typ string, in map[string]any) (map[string]any, *scimError) {
	out := map[string]any{}
	for k, v := range in {
		n := canon(refAttrs[typ], k)
		if n == "" {
			continue
		}
		if m, ok := v.(map[string]any); ok && refSub[n] != nil {
			sub := map[string]any{}
			for sk, sv := range m {
				if sn := canon(refSub[n], sk); sn != "" {
					if sn == "manager" {
						if s, ok := sv.(string); ok {
							sv = map[string]any{"value": s}
						}
					}
					sub[sn] = sv
				}
			}
			v = sub
		}
		if a, ok := v.([]any); ok && refSub[n] != nil {
			var list []any
			for _, x := range a {
				if m, ok := x.(map[string]any); ok {
					sub := map[string]any{}
					for sk, sv := range m {
						if sn := canon(refSub[n], sk); sn != "" {
							sub[sn] = sv
						}
					}
					list = append(list, sub)
				}
			}
			v = list
		}
		out[n] = v
	}
	if _, ok := out["userName"]; typ == "Users" && ok {
		if _, isStr := out["userName"].(string); !isStr {
			return nil, fail(400, "invalidValue", "userName must be a string")
		}
	}
	return out, nil
}

func (rf *ref) validate(typ string, r map[string]any, selfID string) *scimError {
	switch typ {
	case "Users":
		un, _ := r["userName"].(string)
		if un == "" {
			return fail(400, "invalidValue", "userName is required")
		}
		for id, o := range rf.res["Users"] {
			same := strings.EqualFold(str(o, "userName"), un)
			if rf.bugs["caseSensitiveUserName"] {
				same = str(o, "userName") == un
			}
			if id != selfID && same {
				return fail(409, "uniqueness", "userName taken")
			}
		}
		primaries := 0
		for _, e := range objs(r, "emails") {
			if p, _ := boolean(e, "primary"); p {
				primaries++
			}
		}
		if primaries > 1 {
			return fail(400, "invalidValue", "more than one primary email")
		}
	case "Groups":
		if s, _ := r["displayName"].(string); s == "" {
			return fail(400, "invalidValue", "displayName is required")
		}
		for _, m := range objs(r, "members") {
			v := str(m, "value")
			if rf.res["Users"][v] == nil && rf.res["Groups"][v] == nil {
				return fail(400, "invalidValue", "unknown member %s", v)
			}
		}
	}
	if b, ok := r["active"]; ok {
		if _, isBool := b.(bool); !isBool {
			return fail(400, "invalidValue", "active must be boolean")
		}
	}
	return nil
}

func (rf *ref) store(typ, id string, r map[string]any, created string) map[string]any {
	now := time.Now().UTC().Format(time.RFC3339Nano)
	if created == "" {
		created = now
	}
	delete(r, "groups")
	delete(r, "id")
	r["id"] = id
	rf.next++
	rt := strings.TrimSuffix(typ, "s")
	schemas := []any{schemaUser}
	if typ == "Groups" {
		schemas = []any{schemaGroup}
	}
	if _, ok := r[schemaEnt]; ok {
		schemas = append(schemas, schemaEnt)
	}
	r["schemas"] = schemas
	if ms, ok := r["members"].([]any); ok {
		seen := map[string]bool{}
		var out []any
		for _, m := range ms {
			v := str(m, "value")
			if seen[v] {
				continue
			}
			seen[v] = true
			t := "User"
			if rf.res["Groups"][v] != nil {
				t = "Group"
			}
			out = append(out, map[string]any{"value": v, "type": t, "$ref": rf.base + "/" + t + "s/" + v})
		}
		r["members"] = out
	}
	r["meta"] = map[string]any{"resourceType": rt, "created": created, "lastModified": now, "location": rf.base + "/" + typ + "/" + id, "version": fmt.Sprintf(`W/"%d"`, rf.next)}
	rf.res[typ][id] = r
	return r
}

// view is the representation returned to clients: password removed and
// User.groups computed.
func (rf *ref) view(typ string, r map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range r {
		if k != "password" || rf.bugs["leakPassword"] {
			out[k] = v
		}
	}
	if typ == "Users" {
		var groups []any
		direct := map[string]bool{}
		for gid, g := range rf.res["Groups"] {
			if memberIDs(g)[str(r, "id")] > 0 {
				direct[gid] = true
				groups = append(groups, map[string]any{"value": gid, "display": str(g, "displayName"), "type": "direct"})
			}
		}
		for gid, g := range rf.res["Groups"] {
			if direct[gid] {
				continue
			}
			for m := range memberIDs(g) {
				if direct[m] {
					groups = append(groups, map[string]any{"value": gid, "display": str(g, "displayName"), "type": "indirect"})
					break
				}
			}
		}
		if groups != nil {
			out["groups"] = groups
		}
	}
	return out
}

func (rf *ref) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rf.mu.Lock()
	defer rf.mu.Unlock()
	path := strings.TrimPrefix(r.URL.Path, "/scim/v2")
	if !strings.HasPrefix(path, "/ServiceProviderConfig") && !strings.HasPrefix(path, "/Schemas") && !strings.HasPrefix(path, "/ResourceTypes") {
		h := r.Header.Get("Authorization")
		if len(h) < 7 || !strings.EqualFold(h[:7], "bearer ") || h[7:] != rf.token {
			rf.writeErr(w, fail(401, "", "authentication required"))
			return
		}
	}
	raw, _ := io.ReadAll(io.LimitReader(r.Body, refMaxPayload+1))
	if len(raw) > refMaxPayload {
		rf.writeErr(w, fail(413, "", "too large"))
		return
	}
	var body map[string]any
	if r.Method == "POST" || r.Method == "PUT" || r.Method == "PATCH" {
		if err := json.Unmarshal(raw, &body); err != nil {
			rf.writeErr(w, fail(400, "invalidSyntax", "bad JSON: %v", err))
			return
		}
	}
	status, out, e := rf.route(r, path, body)
	if e != nil {
		rf.writeErr(w, e)
		return
	}
	if v := str(out, "meta", "version"); v != "" && str(out, "id") != "" {
		w.Header().Set("ETag", v)
		if status == 201 {
			w.Header().Set("Location", str(out, "meta", "location"))
		}
	}
	if out == nil {
		w.WriteHeader(status)
		return
	}
	writeJSON(w, status, out)
}

func (rf *ref) route(r *http.Request, path string, body map[string]any) (int, map[string]any, *scimError) {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	qv := r.URL.Query()
	switch parts[0] {
	case "ServiceProviderConfig":
		if f, ok := qv["filter"]; ok && len(f) > 0 {
			return 0, nil, fail(400, "invalidFilter", "no filter here")
		}
		return 200, refSPC(), nil
	case "Schemas", "ResourceTypes":
		list := refSchemas()
		if parts[0] == "ResourceTypes" {
			list = refResourceTypes()
		}
		if len(parts) == 1 {
			return 200, listResp(list, 1, len(list)), nil
		}
		for _, s := range list {
			if str(s, "id") == parts[1] {
				return 200, s, nil
			}
		}
		return 0, nil, fail(404, "", "not found")
	case ".search":
		if r.Method != "POST" {
			return 0, nil, fail(405, "", "method not allowed")
		}
		return rf.query("", body, nil)
	case "Users", "Groups":
	default:
		return 0, nil, fail(404, "", "unknown endpoint")
	}
	typ := parts[0]
	if len(parts) == 1 {
		switch r.Method {
		case "GET":
			return rf.query(typ, nil, qv)
		case "POST":
			return rf.create(typ, body, qv)
		}
		return 0, nil, fail(405, "", "method not allowed")
	}
	if parts[1] == ".search" && r.Method == "POST" {
		return rf.query(typ, body, nil)
	}
	id := parts[1]
	cur := rf.res[typ][id]
	if cur == nil {
		if r.Method == "POST" {
			return 0, nil, fail(405, "", "method not allowed")
		}
		return 0, nil, fail(404, "", "no %s %s", typ, id)
	}
	ver := str(cur, "meta", "version")
	if im := r.Header.Get("If-Match"); im != "" && im != ver && im != "*" {
		return 0, nil, fail(412, "", "version mismatch")
	}
	switch r.Method {
	case "GET":
		if r.Header.Get("If-None-Match") == ver && !rf.bugs["no304"] {
			return 304, nil, nil
		}
		return 200, project(rf.view(typ, cur), qv), nil
	case "DELETE":
		delete(rf.res[typ], id)
		for _, g := range rf.res["Groups"] {
			if ms, ok := g["members"].([]any); ok {
				var keep []any
				for _, m := range ms {
					if str(m, "value") != id {
						keep = append(keep, m)
					}
				}
				g["members"] = keep
			}
		}
		return 204, nil, nil
	case "PUT":
		in, e := normalize(typ, body)
		if e != nil {
			return 0, nil, e
		}
		if typ == "Users" && in["password"] == nil && cur["password"] != nil {
			in["password"] = cur["password"]
		}
		if e := rf.validate(typ, in, id); e != nil {
			return 0, nil, e
		}
		return 200, project(rf.view(typ, rf.store(typ, id, in, str(cur, "meta", "created"))), qv), nil
	case "PATCH":
		return rf.patch(typ, id, cur, body, qv)
	}
	return 0, nil, fail(405, "", "method not allowed")
}

func (rf *ref) create(typ string, body map[string]any, qv url.Values) (int, map[string]any, *scimError) {
	if body["schemas"] == nil && body["Schemas"] == nil && body["SCHEMAS"] == nil {
		return 0, nil, fail(400, "invalidValue", "schemas is required")
	}
	in, e := normalize(typ, body)
	if e != nil {
		return 0, nil, e
	}
	if e := rf.validate(typ, in, ""); e != nil {
		return 0, nil, e
	}
	rf.next++
	id := fmt.Sprintf("%08d-ref", rf.next)
	return 201, project(rf.view(typ, rf.store(typ, id, in, "")), qv), nil
}

func listResp(items []map[string]any, start, total int) map[string]any {
	res := make([]any, len(items))
	for i, it := range items {
		res[i] = it
	}
	return map[string]any{"schemas": []any{msgList}, "totalResults": total, "startIndex": start, "itemsPerPage": len(items), "Resources": res}
}

func (rf *ref) query(typ string, body map[string]any, qv url.Values) (int, map[string]any, *scimError) {
	p := map[string]string{}
	if qv != nil {
		for k := range qv {
			p[k] = qv.Get(k)
		}
	} else {
		for k, v := range body {
			switch x := v.(type) {
			case string:
				p[k] = x
			case float64:
				p[k] = strconv.Itoa(int(x))
			case []any:
				var ss []string
				for _, s := range x {
					ss = append(ss, fmt.Sprint(s))
				}
				p[k] = strings.Join(ss, ",")
			}
		}
		if _, ok := body["cursor"]; ok {
			if _, has := p["cursor"]; !has {
				p["cursor"] = ""
			}
		}
	}
	types := []string{typ}
	if typ == "" {
		types = []string{"Users", "Groups"}
	}
	var all []map[string]any
	for _, t := range types {
		var f node
		if s := p["filter"]; s != "" {
			var err error
			if f, err = parseFilter(s); err != nil {
				return 0, nil, fail(400, "invalidFilter", "%v", err)
			}
			if err := checkAttrs(t, f); err != nil {
				if typ == "" {
					continue
				}
				return 0, nil, fail(400, "invalidFilter", "%v", err)
			}
		}
		ids := make([]string, 0, len(rf.res[t]))
		for id := range rf.res[t] {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		for _, id := range ids {
			v := rf.view(t, rf.res[t][id])
			if f == nil || f.eval(v) {
				all = append(all, v)
			}
		}
	}
	if sb := p["sortBy"]; sb != "" {
		desc := p["sortOrder"] == "descending"
		keys := strings.Split(sb, ".")
		sort.SliceStable(all, func(i, j int) bool {
			a, b := strings.ToLower(fmt.Sprint(get(all[i], keys...))), strings.ToLower(fmt.Sprint(get(all[j], keys...)))
			if desc {
				return a > b
			}
			return a < b
		})
	}
	count := 200
	if c, ok := p["count"]; ok {
		count, _ = strconv.Atoi(c)
		if count < 0 {
			count = 0
		}
		if count > 200 {
			count = 200
		}
	}
	start := 1
	cursor, useCursor := p["cursor"]
	if useCursor {
		if cursor != "" {
			b, err := base64.RawURLEncoding.DecodeString(cursor)
			n, err2 := strconv.Atoi(strings.TrimPrefix(string(b), "c:"))
			if err != nil || err2 != nil || !strings.HasPrefix(string(b), "c:") {
				return 0, nil, fail(400, "invalidCursor", "bad cursor")
			}
			start = n
		}
	} else if s, ok := p["startIndex"]; ok {
		start, _ = strconv.Atoi(s)
		if start < 1 {
			start = 1
		}
	}
	var page []map[string]any
	if start-1 < len(all) {
		end := start - 1 + count
		if end > len(all) {
			end = len(all)
		}
		page = all[start-1 : end]
	}
	proj := url.Values{}
	for _, k := range []string{"attributes", "excludedAttributes"} {
		if p[k] != "" {
			proj.Set(k, p[k])
		}
	}
	for i := range page {
		page[i] = project(page[i], proj)
	}
	out := listResp(page, start, len(all))
	if useCursor {
		delete(out, "startIndex")
		if start-1+len(page) < len(all) {
			out["nextCursor"] = base64.RawURLEncoding.EncodeToString([]byte("c:" + strconv.Itoa(start+len(page))))
		}
	}
	return 200, out, nil
}

// refMaxPayload is the reference server's request size limit, advertised as
// bulk.maxPayloadSize.
const refMaxPayload = 64 << 10
