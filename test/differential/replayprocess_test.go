package differential

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"syscall"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// sideReplayProcess is the replay (replayServer) run as its own process, as the engine
// process, kube-apiserver and etcd are: what a request costs the client, HTTP/2, TLS and a
// crossing between two processes, with no server work. kube-apiserver's time over its time
// bounds what any server in a process of its own could show on this machine.
const sideReplayProcess = "replay-process"

// replayKubeconfigEnv, set, makes this test binary the replay process: it records from the
// server the named kubeconfig reaches (TestMain runs replayProcessMain instead of the tests).
const replayKubeconfigEnv = "DIFFERENTIAL_REPLAY_KUBECONFIG"

// replayReady is the replay process's one line on its stdout once it serves.
type replayReady struct {
	URL  string `json:"url"`
	Cert []byte `json:"cert"` // DER
}

// replayProcessMain serves the replay on a loopback port, recording each first answer from
// the server kubeconfig names, prints replayReady and serves until its stdin closes.
func replayProcessMain(kubeconfig string) int {
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		fmt.Fprintln(os.Stderr, "replay process:", err)
		return 1
	}
	hc, err := rest.HTTPClientFor(cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "replay process:", err)
		return 1
	}
	ts := startReplayTLS(replayHandler(func(r *http.Request, body []byte) (*recorded, error) {
		req, err := http.NewRequestWithContext(r.Context(), r.Method, cfg.Host+r.URL.RequestURI(), bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		for _, h := range []string{"Accept", "Content-Type"} {
			if v := r.Header.Get(h); v != "" {
				req.Header.Set(h, v)
			}
		}
		resp, err := hc.Do(req)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			return nil, err
		}
		h := resp.Header.Clone()
		h.Del("Date") // the replay's server dates its own answers
		return &recorded{code: resp.StatusCode, header: h, body: b}, nil
	}))
	defer ts.Close()
	if err := json.NewEncoder(os.Stdout).Encode(replayReady{URL: ts.URL, Cert: ts.Certificate().Raw}); err != nil {
		return 1
	}
	io.Copy(io.Discard, os.Stdin) // until the benchmark closes it, or dies
	return 0
}

// startReplayProcess starts this test binary as a replay process recording from engine.
func startReplayProcess(engine *engineServer) (*replayServer, error) {
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), replayKubeconfigEnv+"="+engine.srv.KubeconfigPath())
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} // never outlive the test binary
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start replay process: %w", err)
	}
	stop := func() {
		stdin.Close()
		cmd.Wait()
	}
	var ready replayReady
	if err := json.NewDecoder(stdout).Decode(&ready); err != nil {
		cmd.Process.Kill()
		stop()
		return nil, fmt.Errorf("replay process: no address: %w", err)
	}
	r := &replayServer{server: &server{name: sideReplayProcess, url: ready.URL, procs: []*os.Process{cmd.Process}}, close: stop}
	if err := r.connect(engine, ready.Cert); err != nil {
		stop()
		return nil, err
	}
	return r, nil
}

// TestReplaysAnswerAsTheEngine checks BenchmarkServers' bounds: both replays, in this process
// and as their own, give the engine's answer to a request, and give it again, byte for
// byte, after the engine's object has changed.
func TestReplaysAnswerAsTheEngine(t *testing.T) {
	ctx := context.Background()
	engine, err := startEngine(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer engine.Close()
	ns := "replay-check"
	if err := engine.prepareNamespace(ctx, ns); err != nil {
		t.Fatal(err)
	}
	if _, err := engine.cs.CoreV1().Pods(ns).Create(ctx, pod("target", map[string]string{"v": "1"}), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	inProc, err := startReplay(engine)
	if err != nil {
		t.Fatal(err)
	}
	defer inProc.Close()
	proc, err := startReplayProcess(engine)
	if err != nil {
		t.Fatal(err)
	}
	defer proc.Close()

	want, err := engine.cs.CoreV1().Pods(ns).Get(ctx, "target", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []*replayServer{inProc, proc} {
		got, err := r.cs.CoreV1().Pods(ns).Get(ctx, "target", metav1.GetOptions{})
		if err != nil {
			t.Fatalf("%s: %v", r.name, err)
		}
		if got.UID != want.UID || got.ResourceVersion != want.ResourceVersion || got.Labels["v"] != "1" {
			t.Errorf("%s: got pod %s rv %s labels %v, want the engine's %s rv %s", r.name, got.UID, got.ResourceVersion, got.Labels, want.UID, want.ResourceVersion)
		}
	}
	// The engine's pod changes; the replays keep answering what they recorded.
	patch := []byte(`{"metadata":{"labels":{"v":"2"}}}`)
	if _, err := engine.cs.CoreV1().Pods(ns).Patch(ctx, "target", types.StrategicMergePatchType, patch, metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, r := range []*replayServer{inProc, proc} {
		got, err := r.cs.CoreV1().Pods(ns).Get(ctx, "target", metav1.GetOptions{})
		if err != nil {
			t.Fatalf("%s: %v", r.name, err)
		}
		if got.ResourceVersion != want.ResourceVersion || got.Labels["v"] != "1" {
			t.Errorf("%s: after the engine's change got rv %s labels %v, want the recorded rv %s", r.name, got.ResourceVersion, got.Labels, want.ResourceVersion)
		}
	}
}
