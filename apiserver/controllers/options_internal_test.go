package controllers

import (
	"bytes"
	"context"
	"flag"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"k8s.io/klog/v2"
)

// TestControllerClientDropsWarnings: the API server's deprecation warning for v1 Endpoints,
// which the endpoints controller must use, is not logged for the controllers' client (as
// kube-controller-manager drops warnings), while other components still log warnings.
func TestControllerClientDropsWarnings(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Warning", `299 - "v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice"`)
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"kind":"EndpointsList","apiVersion":"v1","metadata":{"resourceVersion":"1"},"items":[]}`))
	}))
	defer srv.Close()

	var out bytes.Buffer
	flags := flag.NewFlagSet("klog", flag.ContinueOnError)
	klog.InitFlags(flags)
	_ = flags.Set("logtostderr", "false")
	_ = flags.Set("alsologtostderr", "false")
	klog.SetOutput(&out)
	defer func() {
		_ = flags.Set("logtostderr", "true")
		klog.SetOutput(os.Stderr)
	}()

	for _, tc := range []struct {
		agent string
		logs  bool
	}{{controllerManagerName, false}, {kubeletName, true}} {
		out.Reset()
		cs, err := clientFor(&rest.Config{Host: srv.URL}, tc.agent)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := cs.CoreV1().Endpoints("default").List(context.Background(), metav1.ListOptions{}); err != nil {
			t.Fatal(err)
		}
		klog.Flush()
		if got := strings.Contains(out.String(), "deprecated"); got != tc.logs {
			t.Errorf("%s: warning logged = %v, want %v (log: %q)", tc.agent, got, tc.logs, out.String())
		}
	}
}
