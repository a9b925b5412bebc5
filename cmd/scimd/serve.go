package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"

	"github.com/scimd/scimd/scim"
)

type serveOptions struct {
	addr, db, logLevel string
	cfg                scim.Config
}

func serveCmd() *cobra.Command {
	var o serveOptions
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the SCIM server (migrations run on start)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return serve(cmd.Context(), o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.addr, "addr", envOr("SCIMD_ADDR", ":8080"), "listen address (env SCIMD_ADDR)")
	dbFlag(cmd, &o.db)
	f.StringVar(&o.logLevel, "log-level", envOr("SCIMD_LOG_LEVEL", "info"), "debug, info, warn or error (env SCIMD_LOG_LEVEL)")
	f.Int64Var(&o.cfg.MaxBodyBytes, "max-body-bytes", 1<<20, "largest request body accepted; larger ones get 413")
	f.IntVar(&o.cfg.MaxResults, "max-results", 1000, "most resources per page (filter.maxResults)")
	f.IntVar(&o.cfg.DefaultPageSize, "page-size", 100, "page size when a request names no count")
	f.Float64Var(&o.cfg.RateLimit, "rate-limit", 0, "requests per second per token (0: no limit); over it, 429 with Retry-After")
	f.IntVar(&o.cfg.RateBurst, "rate-burst", 0, "burst above --rate-limit (default 2x the rate)")
	f.DurationVar(&o.cfg.CursorTimeout, "cursor-timeout", time.Hour, "how long a paging cursor stays valid")
	return cmd
}

// serve listens at once, so /healthz answers while the database is still
// being reached and migrated; until then /readyz and the API answer 503.
func serve(ctx context.Context, o serveOptions) error {
	var level slog.Level
	if err := level.UnmarshalText([]byte(o.logLevel)); err != nil {
		return fmt.Errorf("--log-level %q: %w", o.logLevel, err)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	slog.SetDefault(log)
	o.cfg.Logger = log

	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return err
	}
	var ready atomic.Pointer[http.Handler]
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if h := ready.Load(); h != nil {
				(*h).ServeHTTP(w, r)
				return
			}
			starting(w, r)
		}),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      120 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	log.Info("listening", "addr", ln.Addr().String(), "db", redact(o.db))

	st, err := openWithRetry(ctx, log, o.db)
	if err != nil {
		srv.Close()
		return err
	}
	defer st.Close()
	o.cfg.Store = st
	h := scim.NewServer(o.cfg).Handler()
	ready.Store(&h)
	log.Info("ready", "scim", "http://"+ln.Addr().String()+scim.BasePath, "dialect", st.Dialect())

	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdown, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	return srv.Shutdown(shutdown)
}

func starting(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/healthz" {
		w.Write([]byte("ok\n"))
		return
	}
	w.Header().Set("Retry-After", "2")
	if r.URL.Path == "/readyz" {
		http.Error(w, "starting: database not ready", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "application/scim+json")
	w.WriteHeader(http.StatusServiceUnavailable)
	w.Write([]byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"503","detail":"the server is starting: retry shortly"}`))
}

// redact hides a password in a database URL for logging.
func redact(url string) string {
	scheme, rest, ok := strings.Cut(url, "://")
	if !ok {
		return url
	}
	userinfo, host, ok := strings.Cut(rest, "@")
	if !ok {
		return url
	}
	user, _, hasPw := strings.Cut(userinfo, ":")
	if !hasPw {
		return url
	}
	return scheme + "://" + user + ":***@" + host
}
