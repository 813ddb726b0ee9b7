package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/sheetops/sheetops/sync"
)

func runRun(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("run", stderr)
	configPath := fs.String("config", "", "config file (see config.example.yaml); default: the built-in defaults")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := loadConfig(*configPath)
	if err != nil {
		return err
	}
	if *configPath == "" {
		// Without a config, always the embedded defaults: a newcomer's first run never
		// edits whatever cluster ~/.kube/config happens to point at.
		yes := true
		cfg.Cluster.Embedded = &yes
	}
	log := newLoggerFormat(stderr, cfg.Log.Format, logLevel(cfg.Log.Level))
	if os.Getenv("GOMEMLIMIT") == "" {
		// A soft limit keeps the garbage collector ahead of the write bursts of a large
		// workbook, so the daemon stays small (GOMEMLIMIT overrides it).
		debug.SetMemoryLimit(160 << 20)
	}
	if cfg.Reconcile.Mode == "enforce" {
		return usagef("reconcile.mode enforce: not available yet; use refresh (the default)")
	}
	if err := os.MkdirAll(cfg.StateDir, 0o755); err != nil {
		return usagef("stateDir %s: %v", cfg.StateDir, err)
	}
	ln, err := net.Listen("tcp", cfg.Server.Addr)
	if err != nil {
		return usagef("server.addr %s: %v (choose a free address)", cfg.Server.Addr, err)
	}
	c, err := connect(ctx, cfg, log)
	if err != nil {
		ln.Close()
		return err
	}
	defer c.close()
	engine, view, where, err := openEngine(ctx, cfg, c, log, true)
	if err != nil {
		ln.Close()
		return err
	}
	defer view.Stop()

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	reg.MustRegister(sync.Collectors()...)
	ready := make(chan struct{})
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-ready:
			io.WriteString(w, "ok")
		default:
			http.Error(w, "first pass not done", http.StatusServiceUnavailable)
		}
	})
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	}()

	fmt.Fprintf(stdout, "SheetOps is keeping %s in step with the cluster (every %s).\n", where, cfg.Sheet.PollInterval.Duration)
	if c.kubeconfig != "" {
		fmt.Fprintf(stdout, "kubectl: kubectl --kubeconfig %s get deploy -A\n", c.kubeconfig)
	}
	fmt.Fprintf(stdout, "Health and metrics: http://%s/metrics\n", ln.Addr())
	stopSchedules, err := startSchedules(ctx, cfg, engine, view, log)
	if err != nil {
		return err
	}
	defer stopSchedules()
	if _, err := engine.Pass(ctx); err != nil {
		log.Error("first pass", "err", err)
	}
	close(ready)
	err = engine.Run(ctx)
	if errors.Is(err, context.Canceled) {
		err = nil
	}
	return err
}
