package differential

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/authentication/authenticator"
	"k8s.io/apiserver/pkg/authentication/request/headerrequest"
	"k8s.io/apiserver/pkg/server/dynamiccertificates"
	"k8s.io/client-go/kubernetes"

	"github.com/sheetops/sheetops/apiserver/auth"
)

// ---- kube-apiserver's aggregation layer ----

// frontProxyFiles are the request-header CA and the proxy client certificate kube-apiserver
// presents to aggregated servers, made the way the engine makes its own.
type frontProxyFiles struct {
	ca, clientCert, clientKey string
}

func writeFrontProxyFiles(dir string) (frontProxyFiles, error) {
	if _, err := auth.EnsureFrontProxy(dir); err != nil {
		return frontProxyFiles{}, err
	}
	return frontProxyFiles{
		ca:         filepath.Join(dir, auth.FrontProxyCACertFile),
		clientCert: filepath.Join(dir, auth.FrontProxyClientCertFile),
		clientKey:  filepath.Join(dir, auth.FrontProxyClientKeyFile),
	}, nil
}

// ---- an aggregated server ----

const (
	aggGroup   = "wardle.example.com"
	aggVersion = "v1alpha1"
	aggService = "api"
	aggName    = aggVersion + "." + aggGroup
)

// aggRequest is what the aggregated server saw of one request: the raw user header, and
// the user k8s.io/apiserver's request-header authenticator made of it (or its failure).
type aggRequest struct {
	method, path string
	rawUser      string
	authn        string
	bearer       bool
	clientCN     string
}

// aggBackend is a minimal aggregated server for wardle.example.com/v1alpha1: discovery with
// one namespaced resource, flunders (list and a watch that sends two events and ends).
type aggBackend struct {
	srv   *httptest.Server
	caPEM []byte
	ns    string
	// authn is k8s.io/apiserver's request-header authenticator, configured from the
	// server's extension-apiserver-authentication as an aggregated server built with
	// k8s.io/apiserver configures it; a request it does not authenticate gets 401.
	authn authenticator.Request

	mu   sync.Mutex
	seen []aggRequest
}

func startAggBackend(ns string, authn authenticator.Request) (*aggBackend, error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "wardle-ca"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, caKey.Public(), caKey)
	if err != nil {
		return nil, err
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: aggService},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		DNSNames:    []string{aggService + "." + ns + ".svc"},
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, key.Public(), caKey)
	if err != nil {
		return nil, err
	}
	b := &aggBackend{caPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), ns: ns, authn: authn}
	b.srv = httptest.NewUnstartedServer(http.HandlerFunc(b.serve))
	b.srv.TLS = &tls.Config{
		Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}},
		ClientAuth:   tls.RequestClientCert, // verified by the authenticator
	}
	b.srv.StartTLS()
	return b, nil
}

func (b *aggBackend) port() int32 {
	_, p, _ := net.SplitHostPort(b.srv.Listener.Addr().String())
	n, _ := strconv.Atoi(p)
	return int32(n)
}

func (b *aggBackend) requests() []aggRequest {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.seen)
}

func (b *aggBackend) flunder(name string) map[string]any {
	return map[string]any{
		"apiVersion": aggGroup + "/" + aggVersion, "kind": "Flunder",
		"metadata": map[string]any{"name": name, "namespace": b.ns, "resourceVersion": "1"},
	}
}

func (b *aggBackend) serve(w http.ResponseWriter, r *http.Request) {
	seen := aggRequest{method: r.Method, path: r.URL.Path, rawUser: r.Header.Get("X-Remote-User"), bearer: r.Header.Get("Authorization") != ""}
	if len(r.TLS.PeerCertificates) > 0 {
		seen.clientCN = r.TLS.PeerCertificates[0].Subject.CommonName
	}
	resp, ok, err := b.authn.AuthenticateRequest(r)
	if ok {
		groups := slices.Clone(resp.User.GetGroups())
		slices.Sort(groups)
		seen.authn = fmt.Sprintf("user=%s uid=%s groups=%v", resp.User.GetName(), resp.User.GetUID(), groups)
	} else {
		seen.authn = fmt.Sprintf("not authenticated: %v", err)
	}
	b.mu.Lock()
	b.seen = append(b.seen, seen)
	b.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if !ok {
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","reason":"Unauthorized","code":401}`)
		return
	}
	base := "/apis/" + aggGroup + "/" + aggVersion
	switch {
	case r.URL.Path == base:
		json.NewEncoder(w).Encode(map[string]any{
			"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": aggGroup + "/" + aggVersion,
			"resources": []map[string]any{{
				"name": "flunders", "singularName": "flunder", "namespaced": true, "kind": "Flunder", "verbs": []string{"get", "list", "watch"},
			}},
		})
	case r.URL.Path == base+"/namespaces/"+b.ns+"/flunders" && r.URL.Query().Get("watch") != "":
		enc := json.NewEncoder(w)
		for _, name := range []string{"alpha", "beta"} {
			enc.Encode(map[string]any{"type": "ADDED", "object": b.flunder(name)})
			w.(http.Flusher).Flush()
		}
	case r.URL.Path == base+"/namespaces/"+b.ns+"/flunders":
		json.NewEncoder(w).Encode(map[string]any{
			"apiVersion": aggGroup + "/" + aggVersion, "kind": "FlunderList", "metadata": map[string]any{"resourceVersion": "1"},
			"items": []any{b.flunder("alpha"), b.flunder("beta")},
		})
	default:
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","reason":"NotFound","code":404}`)
	}
}

// requestHeaderAuthenticator is k8s.io/apiserver's request-header authenticator with its
// configuration loaded from the server's kube-system/extension-apiserver-authentication by
// upstream's controllers, as k8s.io/apiserver's DelegatingAuthenticationOptions set it up.
// The controllers run until ctx ends.
func requestHeaderAuthenticator(ctx context.Context, cs kubernetes.Interface) (authenticator.Request, error) {
	const cmNS, cmName = "kube-system", "extension-apiserver-authentication"
	ca, err := dynamiccertificates.NewDynamicCAFromConfigMapController("client-ca", cmNS, cmName, "requestheader-client-ca-file", cs)
	if err != nil {
		return nil, err
	}
	go ca.Run(ctx, 1)
	for _, ok := ca.VerifyOptions(); !ok; _, ok = ca.VerifyOptions() {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("requestheader-client-ca-file never loaded: %w", ctx.Err())
		}
		time.Sleep(20 * time.Millisecond)
	}
	headers := headerrequest.NewRequestHeaderAuthRequestController(cmName, cmNS, cs,
		"requestheader-username-headers", "requestheader-uid-headers", "requestheader-group-headers",
		"requestheader-extra-headers-prefix", "requestheader-allowed-names")
	if err := headers.RunOnce(ctx); err != nil {
		return nil, err
	}
	return headerrequest.NewDynamicVerifyOptionsSecure(ca.VerifyOptions,
		headerrequest.StringSliceProviderFunc(headers.AllowedClientNames),
		headerrequest.StringSliceProviderFunc(headers.UsernameHeaders),
		headerrequest.StringSliceProviderFunc(headers.UIDHeaders),
		headerrequest.StringSliceProviderFunc(headers.GroupHeaders),
		headerrequest.StringSliceProviderFunc(headers.ExtraHeaderPrefixes)), nil
}

// ---- the scenario ----

// waitCondition polls the APIService until its Available condition has status, recording
// the condition it ends with.
func waitCondition(ctx context.Context, s *server, status string, r *record, step string) {
	deadline := time.Now().Add(45 * time.Second)
	var res response
	for {
		res = call(ctx, s.rc, http.MethodGet, "/apis/apiregistration.k8s.io/v1/apiservices/"+aggName, nil, "", nil)
		if lookup(res.obj, "status.conditions.0.status") == status || time.Now().After(deadline) || ctx.Err() != nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	r.resp(step, res, "status.conditions.0.type", "status.conditions.0.status", "status.conditions.0.reason", "status.conditions.0.message")
}

// scenarioAggregation registers an aggregated server (our own, behind an ExternalName
// Service naming localhost) with an APIService and compares its lifecycle, the discovery
// and proxied answers, what the aggregated server sees of the proxy (identity headers, a
// client certificate the published front-proxy CA verifies), the published trust and the
// local APIServices.
func scenarioAggregation(ctx context.Context, s *server, ns string, r *record) {
	// the trust an aggregated server reads
	cm, err := s.cs.CoreV1().ConfigMaps("kube-system").Get(ctx, "extension-apiserver-authentication", metav1.GetOptions{})
	r.typed("trust", cm, err)
	if cm != nil {
		for _, k := range []string{"requestheader-allowed-names", "requestheader-username-headers", "requestheader-uid-headers", "requestheader-group-headers", "requestheader-extra-headers-prefix"} {
			r.set("trust."+k, cm.Data[k])
		}
	}
	authn, err := requestHeaderAuthenticator(ctx, s.cs)
	if err != nil {
		r.set("authenticator.error", err)
		return
	}
	b, err := startAggBackend(ns, authn)
	if err != nil {
		r.set("backend.error", err)
		return
	}
	defer b.srv.Close()
	apiservices := "/apis/apiregistration.k8s.io/v1/apiservices"

	// local APIServices
	for _, name := range []string{"v1.", "v1.apps", "v1.batch", "v2.autoscaling", "v1.apiregistration.k8s.io"} {
		r.resp("local-"+name, call(ctx, s.rc, http.MethodGet, apiservices+"/"+name, nil, "", nil),
			"metadata.labels", "spec", "status.conditions.0.type", "status.conditions.0.status", "status.conditions.0.reason", "status.conditions.0.message")
	}

	// validation
	r.resp("invalid-name", call(ctx, s.rc, http.MethodPost, apiservices, nil, "", map[string]any{
		"apiVersion": "apiregistration.k8s.io/v1", "kind": "APIService", "metadata": map[string]any{"name": "v1.wrong.example.com"},
		"spec": map[string]any{"group": aggGroup, "version": "v1", "groupPriorityMinimum": 0, "versionPriority": 2000},
	}))
	r.resp("invalid-tls", call(ctx, s.rc, http.MethodPost, apiservices, nil, "", map[string]any{
		"apiVersion": "apiregistration.k8s.io/v1", "kind": "APIService", "metadata": map[string]any{"name": aggName},
		"spec": map[string]any{"group": aggGroup, "version": aggVersion, "groupPriorityMinimum": 1000, "versionPriority": 15,
			"insecureSkipTLSVerify": true, "caBundle": b.caPEM, "service": map[string]any{"namespace": ns, "name": aggService}},
	}))

	// registration: the APIService before its Service exists, then the Service
	port := b.port()
	res := call(ctx, s.rc, http.MethodPost, apiservices, nil, "", map[string]any{
		"apiVersion": "apiregistration.k8s.io/v1", "kind": "APIService", "metadata": map[string]any{"name": aggName},
		"spec": map[string]any{"group": aggGroup, "version": aggVersion, "groupPriorityMinimum": 1000, "versionPriority": 15,
			"caBundle": b.caPEM, "service": map[string]any{"namespace": ns, "name": aggService, "port": port}},
	})
	r.resp("create", res, "metadata.generation", "spec.group", "spec.version", "spec.groupPriorityMinimum", "spec.versionPriority", "spec.insecureSkipTLSVerify", "spec.service.name", "status")
	defer call(context.Background(), s.rc, http.MethodDelete, apiservices+"/"+aggName, nil, "", nil)
	waitCondition(ctx, s, "False", r, "no-service")
	r.resp("no-service.list", call(ctx, s.rc, http.MethodGet, "/apis/"+aggGroup+"/"+aggVersion+"/namespaces/"+ns+"/flunders", nil, "", nil))

	_, err = s.cs.CoreV1().Services(ns).Create(ctx, &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: aggService},
		Spec:       corev1.ServiceSpec{Type: corev1.ServiceTypeExternalName, ExternalName: "localhost"},
	}, metav1.CreateOptions{})
	r.must("service", err)
	waitCondition(ctx, s, "True", r, "available")
	r.table("table-local", callTable(ctx, s.rc, apiservices+"/v1.apps"))
	r.table("table-available", callTable(ctx, s.rc, apiservices+"/"+aggName))

	// discovery and proxied requests
	groups := call(ctx, s.rc, http.MethodGet, "/apis", nil, "", nil)
	var found any
	for _, g := range asList(lookup(groups.obj, "groups")) {
		if lookup(g, "name") == aggGroup {
			found = g
		}
	}
	r.set("apis.group", found)
	r.resp("group", call(ctx, s.rc, http.MethodGet, "/apis/"+aggGroup, nil, "", nil), "name", "versions", "preferredVersion")
	r.resp("resources", call(ctx, s.rc, http.MethodGet, "/apis/"+aggGroup+"/"+aggVersion, nil, "", nil), "groupVersion", "resources")
	r.resp("list", call(ctx, s.rc, http.MethodGet, "/apis/"+aggGroup+"/"+aggVersion+"/namespaces/"+ns+"/flunders", nil, "", nil), "items.0.metadata.name", "items.1.metadata.name")
	ex, err := rawGet(ctx, s, "/apis/"+aggGroup+"/"+aggVersion+"/namespaces/"+ns+"/flunders", q("watch", "true"))
	if err != nil {
		r.set("watch.error", err)
	} else {
		r.set("watch.code", ex.code)
		var events []string
		for _, ev := range ex.events {
			events = append(events, fmt.Sprint(ev["type"], " ", lookup(ev, "object.metadata.name")))
		}
		r.set("watch.events", events)
	}
	r.resp("viewer-list", call(ctx, s.viewer, http.MethodGet, "/apis/"+aggGroup+"/"+aggVersion+"/namespaces/"+ns+"/flunders", nil, "", nil))
	r.resp("viewer-create", call(ctx, s.viewer, http.MethodPost, "/apis/"+aggGroup+"/"+aggVersion+"/namespaces/"+ns+"/flunders", nil, "", b.flunder("gamma")))

	// what the aggregated server saw: the proxied requests as the caller, the availability
	// checks as system:kube-aggregator in system:masters, each authenticated by
	// k8s.io/apiserver's request-header authenticator. (kube-apiserver also fetches
	// /openapi/v2 and /apis for its OpenAPI and discovery aggregation, which the engine does
	// not do.)
	seen := map[string]string{}
	for _, req := range b.requests() {
		who := fmt.Sprintf("%s bearer=%t cert=%s", req.authn, req.bearer, req.clientCN)
		switch {
		case req.rawUser == "system:kube-aggregator" && req.path == "/apis/"+aggGroup+"/"+aggVersion && strings.Contains(req.authn, "system:masters"):
			seen["check"] = who
		case req.rawUser == adminUser || req.rawUser == viewerUser:
			seen[req.rawUser+" "+req.method+" "+req.path] = who
		}
	}
	r.set("backend", seen)

	// the Service goes: unavailable again, and requests get 503
	r.must("delete-service", s.cs.CoreV1().Services(ns).Delete(ctx, aggService, metav1.DeleteOptions{}))
	waitCondition(ctx, s, "False", r, "service-gone")
	r.table("table-unavailable", callTable(ctx, s.rc, apiservices+"/"+aggName))
	r.resp("service-gone.list", call(ctx, s.rc, http.MethodGet, "/apis/"+aggGroup+"/"+aggVersion+"/namespaces/"+ns+"/flunders", nil, "", nil))

	r.resp("delete", call(ctx, s.rc, http.MethodDelete, apiservices+"/"+aggName, nil, "", nil))
	deadline := time.Now().Add(20 * time.Second)
	for {
		res = call(ctx, s.rc, http.MethodGet, "/apis/"+aggGroup+"/"+aggVersion, nil, "", nil)
		if res.code == http.StatusNotFound || time.Now().After(deadline) || ctx.Err() != nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	r.set("deleted.code", res.code)
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}
