package differential

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"k8s.io/client-go/tools/clientcmd"
)

// sideEngineProcess is the engine run as its own process (`sheetops apiserver
// --controllers=false`), as kube-apiserver and etcd are, rather than inside the benchmark.
const sideEngineProcess = "engine-process"

var (
	sheetopsBinOnce sync.Once
	sheetopsBin     string
	sheetopsBinErr  error
)

// buildSheetops builds cmd/sheetops once per test binary, in the product module (this test
// runs in test/differential).
func buildSheetops(tb testing.TB) string {
	sheetopsBinOnce.Do(func() {
		dir, err := os.MkdirTemp("", "sheetops-bin-")
		if err != nil {
			sheetopsBinErr = err
			return
		}
		sheetopsBin = filepath.Join(dir, "sheetops")
		cmd := exec.Command("go", "build", "-o", sheetopsBin, "./cmd/sheetops")
		cmd.Dir = filepath.Join("..", "..") // the product module, with its own go.sum
		out, err := cmd.CombinedOutput()
		if err != nil {
			sheetopsBinErr = fmt.Errorf("build sheetops: %v\n%s", err, out)
		}
	})
	if sheetopsBinErr != nil {
		tb.Fatal(sheetopsBinErr)
	}
	return sheetopsBin
}

// engineProcess is a running `sheetops apiserver`.
type engineProcess struct {
	*server
	proc *process
}

// startEngineProcess starts bin apiserver on a free port with its data in dir and waits for /readyz.
func startEngineProcess(ctx context.Context, bin, dir string) (*engineProcess, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	p, err := startProcess("sheetops apiserver", filepath.Join(dir, "engine.log"), bin, "apiserver",
		"--addr", fmt.Sprintf("127.0.0.1:%d", port), "--data-dir", filepath.Join(dir, "data"), "--controllers=false",
		fmt.Sprintf("--fsync=%t", durable))
	if err != nil {
		return nil, err
	}
	kubeconfig := filepath.Join(dir, "data", "kubeconfig")
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, err := os.Stat(kubeconfig); err == nil {
			break
		}
		if p.exited() || time.Now().After(deadline) {
			p.stop()
			return nil, fmt.Errorf("sheetops apiserver wrote no kubeconfig: %s", p.tail())
		}
		time.Sleep(time.Millisecond)
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		p.stop()
		return nil, err
	}
	e := &engineProcess{server: &server{name: sideEngineProcess, url: cfg.Host}, proc: p}
	if err := e.clients(cfg, ""); err != nil {
		p.stop()
		return nil, err
	}
	if err := waitReady(ctx, cfg, 30*time.Second, p); err != nil {
		p.stop()
		return nil, err
	}
	return e, nil
}

func (e *engineProcess) Close() { e.proc.stop() }
