package conformance

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// bulkFake is a tiny in-memory endpoint good enough for the bulk checks.
type bulkFake struct {
	mu           sync.Mutex
	next         int
	res          map[string]map[string]any // "/Users/u1" -> resource
	ignoreFailOn bool
	base         string
}

var eqFilter = regexp.MustCompile(`^userName eq "(.*)"$`)

func (f *bulkFake) apply(method, path string, data map[string]any) (int, map[string]any) {
	switch {
	case method == "POST" && (path == "/Users" || path == "/Groups"):
		if path == "/Users" {
			if _, ok := data["userName"].(string); !ok {
				return 400, nil
			}
		}
		f.next++
		id := fmt.Sprintf("r%d", f.next)
		data["id"] = id
		data["meta"] = map[string]any{"location": f.base + path + "/" + id}
		f.res[path+"/"+id] = data
		return 201, data
	case method == "GET":
		if r, ok := f.res[path]; ok {
			return 200, r
		}
		return 404, nil
	case method == "PUT":
		if _, ok := f.res[path]; !ok {
			return 404, nil
		}
		f.res[path] = data
		return 200, data
	case method == "PATCH":
		r, ok := f.res[path]
		if !ok {
			return 404, nil
		}
		for _, o := range objs(data, "Operations") {
			r[str(o, "path")] = get(o, "value")
		}
		return 200, r
	case method == "DELETE":
		if _, ok := f.res[path]; !ok {
			return 404, nil
		}
		delete(f.res, path)
		return 204, nil
	}
	return 405, nil
}

func (f *bulkFake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	path := strings.TrimPrefix(r.URL.Path, "/v2")
	if path == "/ServiceProviderConfig" {
		writeJSON(w, 200, fakeSPC(true, true))
		return
	}
	raw, _ := io.ReadAll(r.Body)
	var body map[string]any
	_ = json.Unmarshal(raw, &body)
	switch {
	case path == "/Users" && r.Method == "GET":
		m := eqFilter.FindStringSubmatch(r.URL.Query().Get("filter"))
		var out []any
		for k, v := range f.res {
			if strings.HasPrefix(k, "/Users/") && m != nil && str(v, "userName") == m[1] {
				out = append(out, v)
			}
		}
		writeJSON(w, 200, map[string]any{"schemas": []any{msgList}, "totalResults": len(out), "Resources": out})
	case path == "/Bulk":
		if len(raw) > 1000 {
			scimErr(w, 413, "")
			return
		}
		ops := objs(body, "Operations")
		if !containsString(arr(body, "schemas"), msgBulkRequest) || ops == nil {
			scimErr(w, 400, "invalidSyntax")
			return
		}
		if len(ops) > 10 {
			scimErr(w, 413, "")
			return
		}
		failOn, _ := num(body, "failOnErrors")
		ids := map[string]string{}
		var out []any
		errs := 0
		for _, o := range ops {
			data := obj(o, "data")
			js, _ := json.Marshal(data)
			s := string(js)
			for k, v := range ids {
				s = strings.ReplaceAll(s, `"bulkId:`+k+`"`, `"`+v+`"`)
			}
			data = nil
			_ = json.Unmarshal([]byte(s), &data)
			st, res := f.apply(str(o, "method"), str(o, "path"), data)
			ro := map[string]any{"method": str(o, "method"), "status": fmt.Sprint(st)}
			if b := str(o, "bulkId"); b != "" {
				ro["bulkId"] = b
				if res != nil {
					ids[b] = str(res, "id")
				}
			}
			if res != nil {
				ro["location"] = str(res, "meta", "location")
			}
			out = append(out, ro)
			if st >= 400 {
				errs++
				if failOn > 0 && errs >= failOn && !f.ignoreFailOn {
					break
				}
			}
		}
		writeJSON(w, 200, map[string]any{"schemas": []any{msgBulkResp}, "Operations": out})
	default:
		st, res := f.apply(r.Method, path, body)
		if st >= 400 {
			scimErr(w, st, "")
			return
		}
		if res == nil {
			w.WriteHeader(st)
			return
		}
		writeJSON(w, st, res)
	}
}

func runBulkFake(t *testing.T, f *bulkFake) *Report {
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	f.base = srv.URL + "/v2"
	rep, err := Execute(context.Background(), Target{URL: srv.URL + "/v2", Token: "t", Run: "^bulk-"})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func TestBulkChecksAgainstFake(t *testing.T) {
	f := &bulkFake{res: map[string]map[string]any{}}
	rep := runBulkFake(t, f)
	for _, r := range rep.Results {
		if r.Status != Pass {
			t.Errorf("%s: %s %v", r.ID, r.Status, r.Failures)
		}
	}
	if len(rep.Results) != 8 {
		t.Errorf("want 8 bulk checks, ran %d", len(rep.Results))
	}
	if len(f.res) != 0 {
		t.Errorf("cleanup left %d resources behind: %v", len(f.res), f.res)
	}
}

func TestBulkFailOnErrorsDetected(t *testing.T) {
	rep := runBulkFake(t, &bulkFake{res: map[string]map[string]any{}, ignoreFailOn: true})
	if r := resultByID(rep, "bulk-fail-on-errors"); r == nil || r.Status != Fail {
		t.Errorf("a server ignoring failOnErrors must fail bulk-fail-on-errors: %+v", r)
	}
}
