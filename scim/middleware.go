package scim

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"sync"
	"time"
)

type ctxKey int

const (
	requestKey ctxKey = iota
	principalKey
	originKey
)

// request is what logRequests puts in a request's context, in one
// allocation: its id, the server handling it (for code without the
// Server at hand, such as writeError, to log where the server does), its
// origin once withOrigin has worked it out, and the writer recording the
// status it was answered with.
type request struct {
	id  string
	srv *Server
	// origin is set (hasOrigin) by withOrigin.
	origin    origin
	hasOrigin bool
	sw        statusWriter
	idHeader  [1]string
}

func requestOf(ctx context.Context) *request {
	rq, _ := ctx.Value(requestKey).(*request)
	return rq
}

// logger is the server's logger, carried in the request context so that
// code without the Server at hand (writeError) logs where the server does.
func logger(ctx context.Context) *slog.Logger {
	if rq := requestOf(ctx); rq != nil {
		return rq.srv.log
	}
	return slog.Default()
}

// serverOf is the server handling the request, nil outside one.
func serverOf(ctx context.Context) *Server {
	if rq := requestOf(ctx); rq != nil {
		return rq.srv
	}
	return nil
}

// outageEvery is how often an ongoing database outage is logged.
const outageEvery = 10 * time.Second

// outageLog logs a database outage once when it starts and then once per
// outageEvery with the number of requests it answered 503, instead of a
// line per request (thousands a second under load).
type outageLog struct {
	mu         sync.Mutex
	last       time.Time
	suppressed int
}

func (o *outageLog) log(ctx context.Context, l *slog.Logger, err error) {
	o.mu.Lock()
	now := time.Now()
	if now.Sub(o.last) < outageEvery {
		o.suppressed++
		o.mu.Unlock()
		return
	}
	n := o.suppressed
	o.last, o.suppressed = now, 0
	o.mu.Unlock()
	l.WarnContext(ctx, "database unavailable: answering 503", "err", err, "also_answered_503", n,
		"request_id", requestID(ctx))
}

func requestID(ctx context.Context) string {
	if rq := requestOf(ctx); rq != nil {
		return rq.id
	}
	return ""
}

// statusWriter records the status a handler answered with.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// logRequests gives each request an id (the client's X-Request-Id if it
// sent a sane one) and logs one line per request.
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-Id")
		if id == "" || len(id) > 64 {
			var b [8]byte
			var x [16]byte
			rand.Read(b[:])
			hex.Encode(x[:], b[:])
			id = string(x[:])
		}
		rq := &request{id: id, srv: s, sw: statusWriter{ResponseWriter: w}}
		rq.idHeader[0] = id
		w.Header()["X-Request-Id"] = rq.idHeader[:] // as Header().Set, without a slice of its own
		ctx := context.WithValue(r.Context(), requestKey, rq)
		start := time.Now()
		next.ServeHTTP(&rq.sw, r.WithContext(ctx))
		// A 500 is a bug and logged with its cause by writeError; a 503 is
		// an outage, logged once per outageEvery. The request line itself
		// is debug detail.
		level := slog.LevelDebug
		if rq.sw.status == http.StatusInternalServerError {
			level = slog.LevelWarn
		}
		if s.log.Enabled(ctx, level) { // the arguments cost allocations even when not logged
			s.log.Log(ctx, level, "request", "method", r.Method, "path", r.URL.Path, "status", rq.sw.status,
				"duration", time.Since(start), "request_id", id)
		}
	})
}

// recover turns a panic into a logged 500, so one bad request never takes
// the server down.
func (s *Server) recover(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.Error("panic", "value", fmt.Sprint(v), "stack", string(debug.Stack()),
					"request_id", requestID(r.Context()))
				writeError(w, r, fmt.Errorf("panic: %v", v))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// limitBody refuses bodies over MaxBodyBytes with 413: at once when
// Content-Length says so, else when reading passes the limit. A request
// with a body also reserves its size (the declared length, or the limit
// when the body is chunked) from the in-flight budget for as long as it is
// handled: past the budget it answers 503 with Retry-After at once, before
// reading anything, so that parallel large bodies cannot exhaust memory.
func (s *Server) limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > s.cfg.MaxBodyBytes {
			writeError(w, r, tooLarge(s.cfg.MaxBodyBytes))
			return
		}
		if r.Body != nil && r.Body != http.NoBody && r.ContentLength != 0 {
			// Decoding JSON into maps costs several times the body's size;
			// the budget counts bytes of body, and its default leaves room
			// for that.
			n := r.ContentLength
			if n < 0 {
				n = s.cfg.MaxBodyBytes
			}
			n = max(n, 1)
			if !s.inflight.TryAcquire(n) {
				writeError(w, r, &Error{Status: http.StatusServiceUnavailable, RetryAfter: 1,
					Detail: "the server is handling as many request bodies as it can hold: retry shortly"})
				return
			}
			defer s.inflight.Release(n)
		}
		if r.Body != nil && r.Body != http.NoBody {
			r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes)
		}
		next.ServeHTTP(w, r)
	})
}

func tooLarge(limit int64) *Error {
	return &Error{Status: http.StatusRequestEntityTooLarge,
		Detail: fmt.Sprintf("the request body is larger than the limit of %d bytes", limit)}
}
