package differential

import (
	"bytes"
	"context"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"

	"k8s.io/client-go/rest"
)

// sideReplay is the benchmark's bound: a server that does no work of its own.
const sideReplay = "replay"

// replayServer answers every request with the answer the in-process engine gave to the first
// request of the same method, path and query, recorded once (status, headers, body). It is
// an HTTP/2 server over TLS on loopback, as the engine is, so that BenchmarkServers measures
// against it what a request costs that no server can save: the client (the same typed
// client-go client), HTTP/2 and TLS on one connection, both processes' schedulers and
// collectors. kube-apiserver's time over the replay's is the largest ratio a server could
// show on this machine with this client.
//
// The engine it records from is the run's in-process one; the replay side's namespaces and
// the pods it reads are written to that engine directly (benchSide.seeder). A create's
// recorded answer is the pod of the first create (201), which later creates get again.
type replayServer struct {
	*server
	ts *httptest.Server
}

type recorded struct {
	code   int
	header http.Header
	body   []byte
}

func startReplay(engine *engineServer) (*replayServer, error) {
	var (
		answers sync.Map // "METHOD path?query Accept" -> *recorded
		proto   atomic.Int32
	)
	backend := engine.srv.Handler()
	ts := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		proto.Store(int32(r.ProtoMajor))
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		key := r.Method + " " + r.URL.RequestURI() + " " + r.Header.Get("Accept")
		a, ok := answers.Load(key)
		if !ok {
			r.Body = io.NopCloser(bytes.NewReader(body))
			rec := httptest.NewRecorder()
			backend.ServeHTTP(rec, r)
			a, _ = answers.LoadOrStore(key, &recorded{code: rec.Code, header: rec.Header().Clone(), body: rec.Body.Bytes()})
		}
		ans := a.(*recorded)
		h := w.Header()
		for k, v := range ans.header {
			h[k] = v
		}
		w.WriteHeader(ans.code)
		w.Write(ans.body)
	}))
	ts.EnableHTTP2 = true
	ts.StartTLS()
	cfg := rest.CopyConfig(engine.admin)
	cfg.Host = ts.URL
	cfg.TLSClientConfig = rest.TLSClientConfig{CAData: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ts.Certificate().Raw})}
	r := &replayServer{server: &server{name: sideReplay, url: ts.URL}, ts: ts}
	if err := r.clients(cfg, engine.viewerTok); err != nil {
		ts.Close()
		return nil, err
	}
	// The client speaks HTTP/2 to it, as to the engine.
	if resp, err := r.cs.CoreV1().RESTClient().Get().AbsPath("/version").DoRaw(context.Background()); err != nil {
		ts.Close()
		return nil, fmt.Errorf("replay: /version: %w (%s)", err, bytes.TrimSpace(resp))
	}
	if p := proto.Load(); p != 2 {
		ts.Close()
		return nil, fmt.Errorf("replay: the client spoke HTTP/%d, want HTTP/2", p)
	}
	return r, nil
}

func (r *replayServer) Close() { r.ts.Close() }
