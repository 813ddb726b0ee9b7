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
// The engine it records from is the run's in-process one, through its handler or, for the
// replay process (startReplayProcess), over HTTPS; a replay side's namespaces and the pods
// it reads are written to that engine directly (benchSide.seeder). A create's recorded
// answer is the pod of the first create (201), which later creates get again.
type replayServer struct {
	*server
	close func()
}

type recorded struct {
	code   int
	header http.Header
	body   []byte
}

// replayHandler answers as replayServer does; record gives the answer to the first
// request of its kind.
func replayHandler(record func(r *http.Request, body []byte) (*recorded, error)) http.Handler {
	var answers sync.Map // "METHOD path?query Accept" -> *recorded
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		key := r.Method + " " + r.URL.RequestURI() + " " + r.Header.Get("Accept")
		a, ok := answers.Load(key)
		if !ok {
			rec, err := record(r, body)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadGateway)
				return
			}
			a, _ = answers.LoadOrStore(key, rec)
		}
		ans := a.(*recorded)
		h := w.Header()
		for k, v := range ans.header {
			h[k] = v
		}
		w.WriteHeader(ans.code)
		w.Write(ans.body)
	})
}

// startReplayTLS serves h over HTTP/2 and TLS on a loopback port.
func startReplayTLS(h http.Handler) *httptest.Server {
	ts := httptest.NewUnstartedServer(h)
	ts.EnableHTTP2 = true
	ts.StartTLS()
	return ts
}

func startReplay(engine *engineServer) (*replayServer, error) {
	backend := engine.srv.Handler()
	ts := startReplayTLS(replayHandler(func(r *http.Request, body []byte) (*recorded, error) {
		r.Body = io.NopCloser(bytes.NewReader(body))
		rec := httptest.NewRecorder()
		backend.ServeHTTP(rec, r)
		return &recorded{code: rec.Code, header: rec.Header().Clone(), body: rec.Body.Bytes()}, nil
	}))
	r := &replayServer{server: &server{name: sideReplay, url: ts.URL}, close: ts.Close}
	if err := r.connect(engine, ts.Certificate().Raw); err != nil {
		ts.Close()
		return nil, err
	}
	return r, nil
}

// connect makes r's clients, with the engine's credentials and the replay's certificate
// (DER), and checks that they speak HTTP/2 to it, as to the engine.
func (r *replayServer) connect(engine *engineServer, cert []byte) error {
	cfg := rest.CopyConfig(engine.admin)
	cfg.Host = r.url
	cfg.TLSClientConfig = rest.TLSClientConfig{CAData: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert})}
	if err := r.clients(cfg, engine.viewerTok); err != nil {
		return err
	}
	// client-go shares one transport among the clients of one TLS configuration.
	hc, err := rest.HTTPClientFor(r.admin)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, r.url+"/version", nil)
	if err != nil {
		return err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("%s: /version: %w", r.name, err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	switch {
	case resp.StatusCode != http.StatusOK:
		return fmt.Errorf("%s: /version: %s (%s)", r.name, resp.Status, bytes.TrimSpace(body))
	case resp.ProtoMajor != 2:
		return fmt.Errorf("%s: the client spoke HTTP/%d, want HTTP/2", r.name, resp.ProtoMajor)
	}
	return nil
}

func (r *replayServer) Close() { r.close() }
