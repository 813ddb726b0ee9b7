package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/sheetops/sheetops/sheets/google"
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
	slog.SetDefault(log)
	return logFailure(log, cfg.Log.Format, runDaemon(ctx, cfg, log, stdout))
}

// runDaemon is `sheetops run` once its config is read and its logger made.
func runDaemon(ctx context.Context, cfg sync.Config, log *slog.Logger, stdout io.Writer) error {
	if os.Getenv("GOGC") == "" && os.Getenv("GOMEMLIMIT") == "" {
		go adaptGC(ctx) // GOGC or GOMEMLIMIT override it
	}
	if err := os.MkdirAll(cfg.StateDir, 0o755); err != nil {
		return usagef("stateDir %s: %v", cfg.StateDir, err)
	}
	// The sheet first: a wrong spreadsheet ID or credentials stop here, nothing started.
	sheet, where, err := openSheet(ctx, cfg, log)
	if err != nil {
		return err
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
	tabs, err := buildTabs(cfg, c)
	if err != nil {
		ln.Close()
		return err
	}
	view, err := openView(ctx, c, tabs)
	if err != nil {
		ln.Close()
		return err
	}
	defer view.Stop()

	health := &health{}
	srv := serveOps(ln, health)
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	}()
	// What a person needs to get going: plain lines on stdout, or log records when the logs
	// are JSON (a log collector reads stdout and stderr together).
	say := func(text, msg string, args ...any) {
		if cfg.Log.Format == "json" {
			log.Info(msg, args...)
			return
		}
		fmt.Fprintln(stdout, text)
	}
	if c.kubeconfig != "" {
		say("kubectl: kubectl --kubeconfig "+c.kubeconfig+" get deploy -A", "kubectl", "kubeconfig", c.kubeconfig,
			"command", "kubectl --kubeconfig "+c.kubeconfig+" get deploy -A")
	}
	say(fmt.Sprintf("Health and metrics: http://%s/metrics", ln.Addr()), "health and metrics", "url", fmt.Sprintf("http://%s/metrics", ln.Addr()))

	work := func(ctx context.Context) error {
		if ctx.Err() != nil {
			return nil
		}
		engine, err := newEngine(cfg, c, view, tabs, sheet, where, log, true)
		if err != nil {
			return err
		}
		say(fmt.Sprintf("SheetOps is keeping %s in step with the cluster (every %s).", where, cfg.Sheet.PollInterval.Duration),
			"keeping the sheet in step with the cluster", "sheet", where, "every", cfg.Sheet.PollInterval.Duration)
		stopSchedules, err := startSchedules(ctx, cfg, engine, view, tabs, nil, log)
		if err != nil {
			return err
		}
		defer stopSchedules()
		if _, err := engine.Pass(context.WithoutCancel(ctx)); err != nil {
			log.Error("first pass", "err", err)
		}
		health.lead(engine)
		defer health.lead(nil)
		err = engine.Run(ctx)
		if errors.Is(err, context.Canceled) {
			err = nil
		}
		return err
	}
	if !cfg.LeaderElection.Enabled {
		leading.Set(1)
		return work(ctx)
	}
	health.standby.Store(true)
	return lead(ctx, cfg.LeaderElection, c, log, work)
}

// health answers /readyz: ready once the informers are in sync (the view is opened before
// the listener) and, on the active replica, the first pass is done, the sheet answers and
// the audit file takes its entries.
// A standby is ready: it is up, in sync, and waiting for the lease.
type health struct {
	engine  atomic.Pointer[sync.Engine]
	standby atomic.Bool
}

func (h *health) lead(e *sync.Engine) { h.engine.Store(e) }

func (h *health) ready() (string, error) {
	e := h.engine.Load()
	if e == nil {
		if h.standby.Load() {
			return "ok (standby)", nil
		}
		return "", errors.New("first pass not done")
	}
	if err := e.SheetError(); err != nil {
		return "", fmt.Errorf("the sheet does not answer: %v", err)
	}
	if err := e.AuditError(); err != nil {
		// Changes are still made; their audit entries wait in memory.
		return "", fmt.Errorf("the audit file cannot be written: %v", err)
	}
	return "ok", nil
}

// serveOps serves /healthz, /readyz and /metrics on ln.
func serveOps(ln net.Listener, h *health) *http.Server {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	reg.MustRegister(sync.Collectors()...)
	reg.MustRegister(google.Collectors()...)
	reg.MustRegister(leading)
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, r *http.Request) {
		msg, err := h.ready()
		if err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		io.WriteString(w, msg)
	})
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	return srv
}

// The daemon's heap goal: at least gcFloor, else gcHeadroom over the live heap.
const (
	gcFloor    = 160 << 20
	gcHeadroom = 0.25
)

// adaptGC sets the collector's percentage (GOGC) from the live heap, every second until ctx
// ends, so that the next collection comes at max(gcFloor, 1.25× the live heap), within
// 25–100%: a small daemon collects seldom, and a large cluster's informers (500–600 MB at
// 100,000 pods) are not doubled in RSS. The runtime applies the percentage to the live heap
// it finds at each collection, so the goal follows a growing heap between samples. (A soft
// memory limit of 1.25× the live heap, sampled each second, lagged the heap while the
// informers filled: the collector ran without pause, 80% of the daemon's CPU, and 100,000
// pods took 21 s to sync.)
func adaptGC(ctx context.Context) {
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		metrics.Read(sample)
		if sample[0].Value.Kind() == metrics.KindUint64 {
			debug.SetGCPercent(gcPercent(sample[0].Value.Uint64()))
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// gcPercent is the GOGC that puts the next collection at max(gcFloor, (1+gcHeadroom)×live),
// within 25–100%.
func gcPercent(live uint64) int {
	if live == 0 {
		return 100
	}
	p := int(float64(gcFloor)/float64(live)*100) - 100
	return min(100, max(int(gcHeadroom*100), p))
}
