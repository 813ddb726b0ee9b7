package apiserver_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"testing"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/sheetops/sheetops/apiserver"
)

// startEngine starts an engine on a free loopback port with its data in dir (a fresh
// t.TempDir() when dir is empty) and stops it when the test ends.
func startEngine(t testing.TB, dir string, demo bool) *apiserver.Server {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	srv, err := apiserver.New(apiserver.Options{
		Addr: "127.0.0.1:0", DataDir: dir, Demo: demo, NoControllers: true,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatalf("new engine: %v", err)
	}
	if err := srv.Start(context.Background()); err != nil {
		t.Fatalf("start engine: %v", err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}

// restConfig is the admin client configuration of a running engine, from its kubeconfig.
func restConfig(t testing.TB, srv *apiserver.Server) *rest.Config {
	t.Helper()
	cfg, err := clientcmd.BuildConfigFromFlags("", srv.KubeconfigPath())
	if err != nil {
		t.Fatalf("load kubeconfig: %v", err)
	}
	cfg.QPS, cfg.Burst = -1, 0 // no client-side throttling in tests
	return cfg
}

func clientset(t testing.TB, srv *apiserver.Server) *kubernetes.Clientset {
	t.Helper()
	cs, err := kubernetes.NewForConfig(restConfig(t, srv))
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

// needTool returns the path of an external tool. Without it the test skips, except
// under CI (CI set), where a missing tool is a failure: CI installs every tool the tests use.
func needTool(t testing.TB, path string) string {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		if p, lerr := exec.LookPath(path); lerr == nil {
			return p
		}
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is required under CI and is missing: %v", path, err)
		}
		t.Skipf("%s not installed", path)
	}
	return path
}
