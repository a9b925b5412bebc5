package scim

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// SCIM Bulk (RFC 7644 §3.7). Every operation is served by the same handler
// as the request it stands for (POST /Users is createUser, ...), called
// in-process with the Bulk request's principal: the same parsing, rules,
// account-layer command and audit record as a single request, and the
// same SCIM error in the operation's response.

const (
	bulkRequestSchema  = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
	bulkResponseSchema = "urn:ietf:params:scim:api:messages:2.0:BulkResponse"
	bulkIDPrefix       = "bulkId:"
)

// DefaultMaxBulkOperations is the most operations one Bulk request may
// hold (advertised as bulk.maxOperations).
const DefaultMaxBulkOperations = 1000

// bulkOp is one operation of a BulkRequest.
type bulkOp struct {
	index   int
	method  string
	path    string
	bulkID  string
	version string
	data    any
	// refs are the bulkIds the operation's path and data name.
	refs []string
}

// bulkResult is one operation of the BulkResponse.
type bulkResult struct {
	Method   string          `json:"method"`
	BulkID   string          `json:"bulkId,omitempty"`
	Version  string          `json:"version,omitempty"`
	Location string          `json:"location,omitempty"`
	Status   string          `json:"status"`
	Response json.RawMessage `json:"response,omitempty"`
}

// bulkRoutes are the handlers an operation may reach, without the
// authentication in front of the public routes: the Bulk request has
// authenticated already, and one request must not count as a thousand
// against the token's rate limit.
func (s *Server) bulkRoutes() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/Users", methods{http.MethodPost: s.createUser})
	mux.Handle("/Users/{id}", methods{http.MethodPut: s.replaceUser, http.MethodPatch: s.patchUser, http.MethodDelete: s.deleteUser})
	mux.Handle("/Groups", methods{http.MethodPost: s.createGroup})
	mux.Handle("/Groups/{id}", methods{http.MethodPut: s.replaceGroup, http.MethodPatch: s.patchGroup, http.MethodDelete: s.deleteGroup})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, badRequest(typeInvalidPath, "%s %s is not an operation Bulk can perform: paths are /Users, /Users/{id}, /Groups and /Groups/{id}", r.Method, r.URL.Path))
	})
	return mux
}

// bulkHandler authenticates a Bulk request and serves it. Each operation
// gets its own database deadline (DBTimeout), as a single request would:
// a thousand operations may take longer than one request's budget.
func (s *Server) bulkHandler() http.Handler {
	ops := s.bulkRoutes()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		outer := r.Context()
		s.auth(http.HandlerFunc(func(w http.ResponseWriter, ar *http.Request) {
			if ar.Method != http.MethodPost {
				w.Header().Set("Allow", http.MethodPost)
				writeError(w, ar, &Error{Status: http.StatusMethodNotAllowed, Detail: ar.Method + " is not allowed here; allowed: POST"})
				return
			}
			ctx := context.WithValue(outer, principalKey, ar.Context().Value(principalKey))
			s.bulk(w, ar.WithContext(ctx), ops)
		})).ServeHTTP(w, r)
	})
}

func (s *Server) bulk(w http.ResponseWriter, r *http.Request, routes http.Handler) {
	ops, failOnErrors, err := s.readBulk(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	results := s.runBulk(r, routes, ops, failOnErrors)
	writeJSON(w, http.StatusOK, map[string]any{"schemas": []string{bulkResponseSchema}, "Operations": results})
}

// readBulk reads and checks a BulkRequest: its schema, the count of
// operations against maxOperations, each operation's method, path and
// bulkId, and the bulkIds they reference.
func (s *Server) readBulk(r *http.Request) ([]*bulkOp, int, error) {
	body, err := s.readJSON(r)
	if err != nil {
		return nil, 0, err
	}
	schemas, _ := body["schemas"].([]any)
	found := false
	for _, sc := range schemas {
		if v, ok := sc.(string); ok && strings.EqualFold(v, bulkRequestSchema) {
			found = true
		}
	}
	if !found {
		return nil, 0, badRequest(typeInvalidSyntax, "a BulkRequest must name the schema %s", bulkRequestSchema)
	}
	raw, ok := body["Operations"].([]any)
	if !ok {
		return nil, 0, badRequest(typeInvalidSyntax, "a BulkRequest needs an Operations array")
	}
	if len(raw) > s.cfg.MaxBulkOperations {
		return nil, 0, &Error{Status: http.StatusRequestEntityTooLarge, ScimType: typeTooMany,
			Detail: fmt.Sprintf("the request holds %d operations: at most %d are allowed (bulk.maxOperations)", len(raw), s.cfg.MaxBulkOperations)}
	}
	failOnErrors := 0
	if v, ok := body["failOnErrors"]; ok && v != nil {
		n, ok := v.(json.Number)
		i, err := strconv.Atoi(string(n))
		if !ok || err != nil || i < 0 {
			return nil, 0, badRequest(typeInvalidValue, "failOnErrors must be a non-negative integer")
		}
		failOnErrors = i
	}
	ops := make([]*bulkOp, 0, len(raw))
	defined := map[string]int{}
	for i, x := range raw {
		o, ok := x.(map[string]any)
		if !ok {
			return nil, 0, badRequest(typeInvalidSyntax, "operation %d is not a JSON object", i+1)
		}
		op := &bulkOp{index: i, data: o["data"]}
		op.method, _ = o["method"].(string)
		op.method = strings.ToUpper(op.method)
		op.path, _ = o["path"].(string)
		op.bulkID, _ = o["bulkId"].(string)
		op.version, _ = o["version"].(string)
		switch op.method {
		case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
		default:
			return nil, 0, badRequest(typeInvalidValue, "operation %d: method must be POST, PUT, PATCH or DELETE, not %q", i+1, o["method"])
		}
		if !strings.HasPrefix(op.path, "/") || !validText(op.path) {
			return nil, 0, badRequest(typeInvalidPath, "operation %d: path must be a resource path such as /Users or /Groups/{id}", i+1)
		}
		if op.method == http.MethodPost {
			if op.bulkID == "" {
				return nil, 0, badRequest(typeInvalidValue, "operation %d: a POST operation needs a bulkId (RFC 7644 §3.7)", i+1)
			}
			if j, dup := defined[op.bulkID]; dup {
				return nil, 0, badRequest(typeInvalidValue, "operations %d and %d both have the bulkId %q: bulkIds must be unique", j+1, i+1, op.bulkID)
			}
			defined[op.bulkID] = i
		}
		if op.method != http.MethodDelete && op.data == nil {
			return nil, 0, badRequest(typeInvalidSyntax, "operation %d: %s needs data", i+1, op.method)
		}
		op.refs = bulkRefs(op.path, op.data, nil)
		ops = append(ops, op)
	}
	for _, op := range ops {
		for _, ref := range op.refs {
			if _, ok := defined[ref]; !ok {
				return nil, 0, badRequest(typeInvalidValue, "operation %d references bulkId %q, which no POST operation of the request defines", op.index+1, ref)
			}
		}
	}
	return ops, failOnErrors, nil
}

// bulkRefs collects the bulkIds a path and data reference ("bulkId:x"
// anywhere a string may stand, e.g. a member's value or a path).
func bulkRefs(path string, data any, out []string) []string {
	add := func(s string) {
		if id, ok := strings.CutPrefix(s, bulkIDPrefix); ok && id != "" {
			for _, x := range out {
				if x == id {
					return
				}
			}
			out = append(out, id)
		}
	}
	for _, seg := range strings.Split(path, "/") {
		add(seg)
	}
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case string:
			add(x)
		case []any:
			for _, e := range x {
				walk(e)
			}
		case map[string]any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(data)
	return out
}

// resolveRefs replaces every "bulkId:x" with the id the POST of x created.
func resolveRefs(v any, ids map[string]string) any {
	switch x := v.(type) {
	case string:
		if id, ok := strings.CutPrefix(x, bulkIDPrefix); ok {
			if real, ok := ids[id]; ok {
				return real
			}
		}
		return x
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = resolveRefs(e, ids)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = resolveRefs(e, ids)
		}
		return out
	}
	return v
}

// bulkWorkers is how many creates of one Bulk request run at once: a run
// of POSTs that reference nothing still pending is independent, and
// overlapping their round trips to the database is most of the speed.
const bulkWorkers = 4

// runBulk performs the operations: in the request's order, except that an
// operation naming a bulkId waits until the POST defining it has run
// (RFC 7644 §3.7.2: references may point forward). An operation whose
// bulkId's POST failed fails with 409; operations left waiting on each
// other are a circular reference and fail with 409 too, naming it. With
// failOnErrors, processing stops once that many operations have failed;
// without it, consecutive POSTs whose references are resolved run
// concurrently (results keep the request's order).
func (s *Server) runBulk(r *http.Request, routes http.Handler, ops []*bulkOp, failOnErrors int) []bulkResult {
	ids := map[string]string{}    // bulkId -> created id
	failed := map[string]string{} // bulkId -> why its POST failed
	results := make([]bulkResult, 0, len(ops))
	errors := 0
	down := false // an operation found the database not answering
	record := func(op *bulkOp, res bulkResult, created string) {
		if res.Status == "503" {
			down = true
		}
		if !strings.HasPrefix(res.Status, "2") {
			errors++
			if op.method == http.MethodPost {
				failed[op.bulkID] = "status " + res.Status
			}
		} else if created != "" {
			ids[op.bulkID] = created
		}
		results = append(results, res)
	}
	// state says whether an operation can run now ("" ready, "wait") or
	// why it fails (a POST it references failed).
	state := func(op *bulkOp) string {
		st := ""
		for _, ref := range op.refs {
			if _, ok := ids[ref]; ok {
				continue
			}
			if f, ok := failed[ref]; ok {
				return fmt.Sprintf("the operation with bulkId %q it references failed (%s)", ref, f)
			}
			st = "wait"
		}
		return st
	}
	pending := ops
	for len(pending) > 0 {
		var waiting []*bulkOp
		progress := false
		for i := 0; i < len(pending); i++ {
			op := pending[i]
			if failOnErrors > 0 && errors >= failOnErrors {
				return results
			}
			if down {
				// Each operation would wait its DBTimeout for a database
				// that does not answer: the rest are not run.
				progress = true
				record(op, opError(op, &Error{Status: http.StatusServiceUnavailable, RetryAfter: 5,
					Detail: "not run: the database stopped answering during this Bulk request; retry the operations that did not succeed"}), "")
				continue
			}
			switch why := state(op); why {
			case "wait":
				waiting = append(waiting, op)
				continue
			case "":
			default:
				progress = true
				record(op, opError(op, &Error{Status: http.StatusConflict, ScimType: typeInvalidValue, Detail: why}), "")
				continue
			}
			progress = true
			run := []*bulkOp{op}
			if failOnErrors == 0 && op.method == http.MethodPost {
				for i+1 < len(pending) && pending[i+1].method == http.MethodPost && state(pending[i+1]) == "" {
					i++
					run = append(run, pending[i])
				}
			}
			out := s.runOps(r, routes, run, ids)
			for j, op := range run {
				record(op, out[j].res, out[j].created)
			}
		}
		if !progress {
			// Everything left waits on something else left: a cycle.
			for _, op := range waiting {
				if failOnErrors > 0 && errors >= failOnErrors {
					return results
				}
				record(op, opError(op, &Error{Status: http.StatusConflict, ScimType: typeInvalidValue,
					Detail: fmt.Sprintf("circular bulkId reference: operation %d waits for bulkId %s, and the operations left wait on each other in a cycle; "+
						"create the resources first and link them in a later operation", op.index+1, strings.Join(op.refs, ", "))}), "")
			}
			return results
		}
		pending = waiting
	}
	return results
}

type opOutcome struct {
	res     bulkResult
	created string
}

// runOps runs independent operations, up to bulkWorkers at once.
func (s *Server) runOps(r *http.Request, routes http.Handler, run []*bulkOp, ids map[string]string) []opOutcome {
	out := make([]opOutcome, len(run))
	if len(run) == 1 {
		out[0].res, out[0].created = s.runOp(r, routes, run[0], ids)
		return out
	}
	var wg sync.WaitGroup
	next := make(chan int)
	for range min(bulkWorkers, len(run)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				out[i].res, out[i].created = s.runOp(r, routes, run[i], ids)
			}
		}()
	}
	for i := range run {
		next <- i
	}
	close(next)
	wg.Wait()
	return out
}

// opError is the result of an operation refused before it ran.
func opError(op *bulkOp, e *Error) bulkResult {
	rec := &opRecorder{header: http.Header{}}
	writeError(rec, &http.Request{Method: op.method}, e)
	return bulkResult{Method: op.method, BulkID: op.bulkID, Status: strconv.Itoa(e.Status), Response: rec.body.Bytes()}
}

// runOp performs one operation through its handler and returns its
// result and, for a POST, the id it created. It only reads ids.
func (s *Server) runOp(r *http.Request, routes http.Handler, op *bulkOp, ids map[string]string) (bulkResult, string) {
	path := op.path
	for _, ref := range op.refs {
		path = strings.ReplaceAll(path, bulkIDPrefix+ref, ids[ref])
	}
	var body []byte
	if op.data != nil {
		body, _ = json.Marshal(resolveRefs(op.data, ids))
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.cfg.DBTimeout)
	defer cancel()
	sub, err := http.NewRequestWithContext(ctx, op.method, path, bytes.NewReader(body))
	if err != nil {
		return opError(op, badRequest(typeInvalidPath, "operation %d: %q is not a valid path", op.index+1, op.path)), ""
	}
	sub.Host, sub.RemoteAddr, sub.TLS = r.Host, r.RemoteAddr, r.TLS
	sub.Header.Set("Content-Type", contentType)
	if op.version != "" {
		sub.Header.Set("If-Match", op.version)
	}
	rec := &opRecorder{header: http.Header{}}
	// Operations run on goroutines of their own: a panic must become this
	// operation's 500, not end the process.
	s.recover(routes).ServeHTTP(rec, sub)
	res := bulkResult{Method: op.method, BulkID: op.bulkID, Status: strconv.Itoa(rec.status),
		Location: rec.header.Get("Location"), Version: rec.header.Get("ETag")}
	if res.Location == "" && op.method != http.MethodPost && rec.status < 300 {
		res.Location = baseURL(r) + path
	}
	if rec.status >= 400 {
		res.Response = rec.body.Bytes()
		res.Location = ""
		return res, ""
	}
	var created struct {
		ID string `json:"id"`
	}
	if op.method == http.MethodPost {
		json.Unmarshal(rec.body.Bytes(), &created)
	}
	return res, created.ID
}

// opRecorder collects one operation's response in memory.
type opRecorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (o *opRecorder) Header() http.Header { return o.header }

func (o *opRecorder) WriteHeader(code int) {
	if o.status == 0 {
		o.status = code
	}
}

func (o *opRecorder) Write(b []byte) (int, error) {
	if o.status == 0 {
		o.status = http.StatusOK
	}
	return o.body.Write(b)
}
