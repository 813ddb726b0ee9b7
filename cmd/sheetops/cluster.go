package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/sheetops/sheetops/apiserver"
	"github.com/sheetops/sheetops/kube"
	"github.com/sheetops/sheetops/sync"
)

// cluster is a connection to the cluster SheetOps works on, and how to let it go.
type cluster struct {
	cs         kubernetes.Interface
	dyn        dynamic.Interface // for custom resources
	rc         *rest.Config      // the clients' config (a snapshot makes its own from it)
	kubeconfig string            // a file kubectl can use, when there is one to tell about
	embedded   *apiserver.Server
}

// newCluster makes the clients of a connection.
func newCluster(rc *rest.Config, kubeconfig string, embedded *apiserver.Server) (*cluster, error) {
	// The typed clients speak protobuf, as kube-controller-manager's do: lists and watch
	// events of built-in kinds decode several times faster than from JSON. The dynamic
	// client (custom resources) stays on JSON.
	typed := rest.CopyConfig(rc)
	typed.ContentType = runtime.ContentTypeProtobuf
	typed.AcceptContentTypes = runtime.ContentTypeProtobuf + "," + runtime.ContentTypeJSON
	cs, err := kubernetes.NewForConfig(typed)
	if err != nil {
		return nil, err
	}
	dyn, err := dynamic.NewForConfig(rc)
	if err != nil {
		return nil, err
	}
	return &cluster{cs: cs, dyn: dyn, rc: rc, kubeconfig: kubeconfig, embedded: embedded}, nil
}

func (c *cluster) close() {
	if c.embedded != nil {
		c.embedded.Close()
	}
}

// connect finds the cluster: the configured kubeconfig (or $KUBECONFIG, ~/.kube/config,
// in-cluster); else the embedded engine — one already running with this data dir, or a new
// one started here.
func connect(ctx context.Context, cfg sync.Config, log *slog.Logger) (*cluster, error) {
	target := kube.Target{Kubeconfig: cfg.Cluster.Kubeconfig, Context: cfg.Cluster.Context}
	embedded := cfg.Cluster.Embedded != nil && *cfg.Cluster.Embedded
	if !embedded {
		rc, err := kube.RESTConfig(target)
		switch {
		case err == nil:
			if !reachable(ctx, rc, 5*time.Second) {
				return nil, fmt.Errorf("the cluster at %s does not answer (check the kubeconfig and that the cluster runs)", rc.Host)
			}
			return newCluster(rc, cfg.Cluster.Kubeconfig, nil)
		case errors.Is(err, kube.ErrNoCluster) && cfg.Cluster.Embedded == nil:
			// no cluster configured: the embedded engine is the default
		default:
			return nil, usagef("cluster.kubeconfig: %v", err)
		}
	}
	kc := filepath.Join(cfg.Embedded.DataDir, "kubeconfig")
	if rc, err := clientcmd.BuildConfigFromFlags("", kc); err == nil && reachable(ctx, rc, time.Second) {
		log.Info("using the embedded API server already running", "kubeconfig", kc)
		return newCluster(rc, kc, nil)
	}
	demo := cfg.Embedded.Demo == nil || *cfg.Embedded.Demo
	srv, err := apiserver.New(apiserver.Options{Addr: cfg.Embedded.Addr, DataDir: cfg.Embedded.DataDir, Demo: demo, Logger: log})
	if err != nil {
		return nil, err
	}
	if err := srv.Start(ctx); err != nil {
		return nil, fmt.Errorf("embedded API server (embedded.addr %s): %w", cfg.Embedded.Addr, err)
	}
	rc, err := clientcmd.BuildConfigFromFlags("", srv.KubeconfigPath())
	if err != nil {
		srv.Close()
		return nil, err
	}
	c, err := newCluster(rc, srv.KubeconfigPath(), srv)
	if err != nil {
		srv.Close()
		return nil, err
	}
	return c, nil
}

// reachable: an API server answers /readyz (or /healthz) with this configuration in time.
func reachable(ctx context.Context, rc *rest.Config, timeout time.Duration) bool {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	tr, err := rest.TransportFor(rc)
	if err != nil {
		return false
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, rc.Host+"/readyz", nil)
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	// Any HTTP answer means a server is there (a real cluster may refuse /readyz to this user).
	return resp.StatusCode < 500
}

// loadConfig reads --config (or the defaults when it is empty).
func loadConfig(path string) (sync.Config, error) {
	if path == "" {
		cfg := sync.DefaultConfig()
		return cfg, cfg.Validate()
	}
	if _, err := os.Stat(path); err != nil {
		reason := err
		if u := errors.Unwrap(err); u != nil {
			reason = u
		}
		return sync.Config{}, usagef("--config %s: %v", path, reason)
	}
	cfg, err := sync.LoadConfig(path)
	if err != nil {
		return cfg, usageError{err.Error()}
	}
	return cfg, nil
}

func logLevel(s string) slog.Level {
	switch s {
	case "debug":
		return slog.LevelDebug
	case "warn":
		return slog.LevelWarn
	case "error":
		return slog.LevelError
	}
	return slog.LevelInfo
}
