package apiserver_test

// The aggregation layer end to end: a small aggregated API server of our own (TLS, its own
// CA, a group version with one resource) behind an ExternalName Service naming localhost,
// registered with an APIService, reached through the engine by kubectl, client-go and raw
// requests.

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	apiregistrationv1 "k8s.io/kube-aggregator/pkg/apis/apiregistration/v1"

	"github.com/sheetops/sheetops/apiserver"
)

const (
	wardleGroup   = "wardle.example.com"
	wardleVersion = "v1alpha1"
	wardleNS      = "wardle"
	wardleService = "api"
)

var flunders = schema.GroupVersionResource{Group: wardleGroup, Version: wardleVersion, Resource: "flunders"}

// seenRequest is what the backend saw of one request.
type seenRequest struct {
	path, user, uid string
	groups          []string
	clientCN        string
	authorization   string
	verifiedChains  bool
	extra           []string
}

// wardle is a minimal aggregated API server: discovery of wardle.example.com/v1alpha1 with
// one namespaced resource, flunders, whose list, get, Table and watch it serves. It checks
// client certificates against the front-proxy CA it is given, as a server built with
// k8s.io/apiserver checks them against requestheader-client-ca-file.
type wardle struct {
	srv    *httptest.Server
	caPEM  []byte
	mu     sync.Mutex
	seen   []seenRequest
	events chan string // names of flunders a watch reports as ADDED after the first ones
}

func (b *wardle) port() int {
	_, p, _ := net.SplitHostPort(b.srv.Listener.Addr().String())
	n, _ := strconv.Atoi(p)
	return n
}

func (b *wardle) requests() []seenRequest {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]seenRequest(nil), b.seen...)
}

// newWardle starts the backend with a serving certificate for <service>.<namespace>.svc
// signed by a CA of its own; clientCAs verifies the engine's proxy client certificate
// (nil: none is required).
func newWardle(t testing.TB, clientCAs *x509.CertPool) *wardle {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "wardle-ca"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, caKey.Public(), caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, _ := x509.ParseCertificate(caDER)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: wardleService},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		DNSNames:    []string{wardleService + "." + wardleNS + ".svc"},
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, key.Public(), caKey)
	if err != nil {
		t.Fatal(err)
	}
	b := &wardle{
		caPEM:  pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}),
		events: make(chan string, 10),
	}
	b.srv = httptest.NewUnstartedServer(http.HandlerFunc(b.serve))
	b.srv.TLS = &tls.Config{
		Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}},
		ClientAuth:   tls.VerifyClientCertIfGiven,
		ClientCAs:    clientCAs,
	}
	if clientCAs == nil {
		b.srv.TLS.ClientAuth = tls.RequestClientCert
	}
	b.srv.StartTLS()
	t.Cleanup(b.srv.Close)
	return b
}

func flunder(name string) map[string]any {
	return map[string]any{
		"apiVersion": wardleGroup + "/" + wardleVersion, "kind": "Flunder",
		"metadata": map[string]any{"name": name, "namespace": wardleNS, "resourceVersion": "1", "creationTimestamp": time.Now().UTC().Format(time.RFC3339)},
	}
}

func (b *wardle) serve(w http.ResponseWriter, r *http.Request) {
	sr := seenRequest{
		path: r.URL.Path, user: r.Header.Get("X-Remote-User"), uid: r.Header.Get("X-Remote-Uid"),
		groups: r.Header.Values("X-Remote-Group"), authorization: r.Header.Get("Authorization"),
		verifiedChains: len(r.TLS.VerifiedChains) > 0,
	}
	for k := range r.Header {
		if strings.HasPrefix(k, "X-Remote-Extra-") {
			sr.extra = append(sr.extra, k)
		}
	}
	if len(r.TLS.PeerCertificates) > 0 {
		sr.clientCN = r.TLS.PeerCertificates[0].Subject.CommonName
	}
	b.mu.Lock()
	b.seen = append(b.seen, sr)
	b.mu.Unlock()

	write := func(v any) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(v)
	}
	base := "/apis/" + wardleGroup + "/" + wardleVersion
	if r.Header.Get("Upgrade") == echoProtocol {
		b.echo(w)
		return
	}
	switch r.URL.Path {
	case "/openapi/v3/apis/" + wardleGroup + "/" + wardleVersion:
		write(wardleOpenAPI)
	case base:
		write(map[string]any{
			"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": wardleGroup + "/" + wardleVersion,
			"resources": []map[string]any{{
				"name": "flunders", "singularName": "flunder", "namespaced": true, "kind": "Flunder",
				"verbs": []string{"get", "list", "watch"}, "shortNames": []string{"fl"},
			}},
		})
	case base + "/namespaces/" + wardleNS + "/flunders", base + "/flunders":
		if r.URL.Query().Get("watch") == "true" {
			b.watch(w, r)
			return
		}
		items := []any{flunder("alpha"), flunder("beta")}
		if strings.Contains(r.Header.Get("Accept"), "as=Table") {
			var rows []any
			for _, it := range items {
				name := it.(map[string]any)["metadata"].(map[string]any)["name"]
				rows = append(rows, map[string]any{"cells": []any{name, "rare"}, "object": map[string]any{
					"apiVersion": "meta.k8s.io/v1", "kind": "PartialObjectMetadata", "metadata": it.(map[string]any)["metadata"]}})
			}
			write(map[string]any{
				"apiVersion": "meta.k8s.io/v1", "kind": "Table", "metadata": map[string]any{"resourceVersion": "1"},
				"columnDefinitions": []map[string]any{
					{"name": "Name", "type": "string", "format": "name"},
					{"name": "Kind", "type": "string"},
				},
				"rows": rows,
			})
			return
		}
		write(map[string]any{
			"apiVersion": wardleGroup + "/" + wardleVersion, "kind": "FlunderList",
			"metadata": map[string]any{"resourceVersion": "1"}, "items": items,
		})
	default:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"NotFound","code":404}`)
	}
}

// wardleOpenAPI is the backend's OpenAPI v3 document of its group version.
var wardleOpenAPI = map[string]any{
	"openapi": "3.0.0", "info": map[string]any{"title": "wardle", "version": wardleVersion},
	"paths": map[string]any{
		"/apis/" + wardleGroup + "/" + wardleVersion + "/namespaces/{namespace}/flunders/{name}": map[string]any{"get": map[string]any{
			"x-kubernetes-group-version-kind": map[string]any{"group": wardleGroup, "version": wardleVersion, "kind": "Flunder"},
		}},
	},
	"components": map[string]any{"schemas": map[string]any{
		"com.example.wardle.v1alpha1.Flunder": map[string]any{
			"type": "object", "description": "A Flunder is a test object.",
			"properties": map[string]any{
				"apiVersion": map[string]any{"type": "string"},
				"kind":       map[string]any{"type": "string"},
				"metadata":   map[string]any{"type": "object"},
				"spec": map[string]any{"type": "object", "description": "Spec of the flunder.", "properties": map[string]any{
					"reference": map[string]any{"type": "string", "description": "Reference names another flunder."},
				}},
			},
			"x-kubernetes-group-version-kind": []any{map[string]any{"group": wardleGroup, "version": wardleVersion, "kind": "Flunder"}},
		},
	}},
}

// echoProtocol is the protocol the backend switches to on an Upgrade request: it echoes
// every line.
const echoProtocol = "sheetops-echo"

func (b *wardle) echo(w http.ResponseWriter) {
	conn, rw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	defer conn.Close()
	fmt.Fprintf(rw, "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: %s\r\n\r\n", echoProtocol)
	rw.Flush()
	for {
		line, err := rw.ReadString('\n')
		if err != nil {
			return
		}
		rw.WriteString("echo: " + line)
		rw.Flush()
	}
}

// watch streams an ADDED event for alpha, then one for each name sent on b.events, until
// the client goes away.
func (b *wardle) watch(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	enc := json.NewEncoder(w)
	send := func(name string) {
		enc.Encode(map[string]any{"type": "ADDED", "object": flunder(name)})
		w.(http.Flusher).Flush()
	}
	send("alpha")
	for {
		select {
		case <-r.Context().Done():
			return
		case name := <-b.events:
			send(name)
		}
	}
}

// engineFrontProxyCA reads the engine's front-proxy CA from the ConfigMap an aggregated
// server reads it from.
func engineFrontProxyCA(t testing.TB, cs kubernetes.Interface) (*x509.CertPool, *corev1.ConfigMap) {
	t.Helper()
	cm, err := cs.CoreV1().ConfigMaps("kube-system").Get(context.Background(), "extension-apiserver-authentication", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get extension-apiserver-authentication: %v", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM([]byte(cm.Data["requestheader-client-ca-file"])) {
		t.Fatalf("requestheader-client-ca-file holds no certificate: %q", cm.Data["requestheader-client-ca-file"])
	}
	return pool, cm
}

// registerWardle creates the ExternalName Service and the APIService for b.
func registerWardle(t testing.TB, srv *apiserver.Server, cs kubernetes.Interface, b *wardle) {
	t.Helper()
	ctx := context.Background()
	if _, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: wardleNS}}, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: wardleService, Namespace: wardleNS},
		Spec:       corev1.ServiceSpec{Type: corev1.ServiceTypeExternalName, ExternalName: "localhost"},
	}
	if _, err := cs.CoreV1().Services(wardleNS).Create(ctx, svc, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	port := int32(b.port())
	as := &apiregistrationv1.APIService{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apiregistration.k8s.io/v1", Kind: "APIService"},
		ObjectMeta: metav1.ObjectMeta{Name: wardleVersion + "." + wardleGroup},
		Spec: apiregistrationv1.APIServiceSpec{
			Group: wardleGroup, Version: wardleVersion, GroupPriorityMinimum: 1000, VersionPriority: 15,
			Service:  &apiregistrationv1.ServiceReference{Namespace: wardleNS, Name: wardleService, Port: &port},
			CABundle: b.caPEM,
		},
	}
	body, _ := json.Marshal(as)
	if err := rawClient(t, srv).Post().AbsPath("/apis/apiregistration.k8s.io/v1/apiservices").Body(body).SetHeader("Content-Type", "application/json").Do(ctx).Error(); err != nil {
		t.Fatalf("create apiservice: %v", err)
	}
}

// rawClient is a JSON REST client of the engine for paths no typed client covers.
func rawClient(t testing.TB, srv *apiserver.Server) rest.Interface {
	t.Helper()
	cfg := rest.CopyConfig(restConfig(t, srv))
	cfg.GroupVersion = &schema.GroupVersion{}
	cfg.APIPath = "/apis"
	cfg.NegotiatedSerializer = scheme.Codecs.WithoutConversion()
	rc, err := rest.RESTClientFor(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return rc
}

// getAPIService reads an APIService through the engine.
func getAPIService(t testing.TB, srv *apiserver.Server, name string) *apiregistrationv1.APIService {
	t.Helper()
	data, err := rawClient(t, srv).Get().AbsPath("/apis/apiregistration.k8s.io/v1/apiservices/" + name).DoRaw(context.Background())
	if err != nil {
		t.Fatalf("get apiservice %s: %v", name, err)
	}
	as := &apiregistrationv1.APIService{}
	if err := json.Unmarshal(data, as); err != nil {
		t.Fatal(err)
	}
	return as
}

// waitAvailable waits until the APIService's Available condition has the status and reason.
func waitAvailable(t testing.TB, srv *apiserver.Server, name string, status apiregistrationv1.ConditionStatus, reason string) *apiregistrationv1.APIServiceCondition {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	var last *apiregistrationv1.APIServiceCondition
	for time.Now().Before(deadline) {
		as := getAPIService(t, srv, name)
		for i, c := range as.Status.Conditions {
			if c.Type == apiregistrationv1.Available {
				last = &as.Status.Conditions[i]
				if c.Status == status && c.Reason == reason {
					return last
				}
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("apiservice %s: Available never became %s (%s); last %+v", name, status, reason, last)
	return nil
}

func TestAggregation(t *testing.T) {
	kubectl := needTool(t, "/usr/bin/kubectl")
	srv := startEngine(t, "", false)
	cs := clientset(t, srv)
	ctx := context.Background()

	caPool, cm := engineFrontProxyCA(t, cs)
	for key, want := range map[string]string{
		"requestheader-allowed-names":        `["front-proxy-client"]`,
		"requestheader-username-headers":     `["X-Remote-User"]`,
		"requestheader-group-headers":        `["X-Remote-Group"]`,
		"requestheader-extra-headers-prefix": `["X-Remote-Extra-"]`,
		"client-ca-file":                     string(srv.CACertPEM()),
	} {
		if got := cm.Data[key]; got != want {
			t.Errorf("extension-apiserver-authentication %s = %q, want %q", key, got, want)
		}
	}

	b := newWardle(t, caPool)
	registerWardle(t, srv, cs, b)
	name := wardleVersion + "." + wardleGroup
	cond := waitAvailable(t, srv, name, apiregistrationv1.ConditionTrue, "Passed")
	if cond.Message != "all checks passed" {
		t.Errorf("Available message %q", cond.Message)
	}
	k := newKubectl(t, kubectl, srv)

	t.Run("kubectl get apiservices", func(t *testing.T) {
		res := k.run(t, "get", "apiservices")
		if res.err != nil {
			t.Fatalf("%v: %s", res.err, res.stderr)
		}
		for _, want := range [][]string{
			{"NAME", "SERVICE", "AVAILABLE", "AGE"},
			{name, wardleNS + "/" + wardleService, "True"},
			{"v1.", "Local", "True"},
			{"v1.apps", "Local", "True"},
		} {
			if !hasRow(res.stdout, want) {
				t.Errorf("no row %q in\n%s", want, res.stdout)
			}
		}
	})

	t.Run("kubectl api-resources", func(t *testing.T) {
		res := k.run(t, "api-resources", "--api-group", wardleGroup)
		if res.err != nil {
			t.Fatalf("%v: %s", res.err, res.stderr)
		}
		if !hasRow(res.stdout, []string{"flunders", "fl", wardleGroup + "/" + wardleVersion, "true", "Flunder"}) {
			t.Errorf("flunders missing from\n%s", res.stdout)
		}
	})

	t.Run("kubectl get flunders", func(t *testing.T) {
		res := k.run(t, "get", "flunders", "-n", wardleNS)
		if res.err != nil {
			t.Fatalf("%v: %s", res.err, res.stderr)
		}
		for _, want := range [][]string{{"NAME", "KIND"}, {"alpha", "rare"}, {"beta", "rare"}} {
			if !hasRow(res.stdout, want) {
				t.Errorf("no row %q in\n%s", want, res.stdout)
			}
		}
		res = k.run(t, "get", "fl", "-n", wardleNS, "-o", "name")
		if res.err != nil || strings.TrimSpace(res.stdout) != "flunder.wardle.example.com/alpha\nflunder.wardle.example.com/beta" {
			t.Errorf("kubectl get fl -o name: %v %q %s", res.err, res.stdout, res.stderr)
		}
	})

	t.Run("kubectl explain", func(t *testing.T) {
		res := k.run(t, "explain", "flunders.spec")
		if res.err != nil || !strings.Contains(res.stdout, "reference\t<string>") || !strings.Contains(res.stdout, "Reference names another flunder.") {
			t.Errorf("kubectl explain flunders.spec: %v\n%s%s", res.err, res.stdout, res.stderr)
		}
		hc, err := rest.HTTPClientFor(restConfig(t, srv))
		if err != nil {
			t.Fatal(err)
		}
		resp, err := hc.Get(srv.URL() + "/openapi/v3")
		if err != nil {
			t.Fatal(err)
		}
		var index struct {
			Paths map[string]struct{ ServerRelativeURL string } `json:"paths"`
		}
		json.NewDecoder(resp.Body).Decode(&index)
		resp.Body.Close()
		etag := resp.Header.Get("Etag")
		if index.Paths["apis/"+wardleGroup+"/"+wardleVersion].ServerRelativeURL == "" || index.Paths["apis/apps/v1"].ServerRelativeURL == "" || etag == "" {
			t.Errorf("/openapi/v3: etag %q, paths %v", etag, index.Paths)
		}
		req, _ := http.NewRequest(http.MethodGet, srv.URL()+"/openapi/v3", nil)
		req.Header.Set("If-None-Match", etag)
		if resp, err := hc.Do(req); err != nil || resp.StatusCode != http.StatusNotModified {
			t.Errorf("/openapi/v3 with its own etag: %v %v, want 304", resp, err)
		}
		res = k.run(t, "explain", "deployments.spec.replicas")
		if res.err != nil || !strings.Contains(res.stdout, "replicas") {
			t.Errorf("kubectl explain of the engine's own kind: %v\n%s%s", res.err, res.stdout, res.stderr)
		}
	})

	t.Run("backend sees the engine's identity headers and client certificate", func(t *testing.T) {
		var proxied, checks int
		for _, r := range b.requests() {
			if r.authorization != "" {
				t.Errorf("%s: the bearer token was forwarded", r.path)
			}
			if !r.verifiedChains || r.clientCN != "front-proxy-client" {
				t.Errorf("%s: client certificate %q, verified by the front-proxy CA: %t", r.path, r.clientCN, r.verifiedChains)
			}
			switch r.user {
			case "sheetops-admin":
				proxied++
				if !contains(r.groups, "system:masters") || !contains(r.groups, "system:authenticated") {
					t.Errorf("%s: X-Remote-Group %q", r.path, r.groups)
				}
			case "system:kube-aggregator":
				checks++
				if !contains(r.groups, "system:masters") {
					t.Errorf("availability check: X-Remote-Group %q", r.groups)
				}
			default:
				t.Errorf("%s: X-Remote-User %q", r.path, r.user)
			}
		}
		if proxied == 0 || checks == 0 {
			t.Errorf("backend saw %d proxied requests and %d availability checks", proxied, checks)
		}
	})

	t.Run("watch streams through the proxy", func(t *testing.T) {
		dc, err := dynamic.NewForConfig(restConfig(t, srv))
		if err != nil {
			t.Fatal(err)
		}
		wctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		w, err := dc.Resource(flunders).Namespace(wardleNS).Watch(wctx, metav1.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		defer w.Stop()
		next := func() string {
			select {
			case ev, ok := <-w.ResultChan():
				if !ok {
					t.Fatal("watch closed")
				}
				m, _ := ev.Object.(interface{ GetName() string })
				if m == nil {
					t.Fatalf("event %s of %T", ev.Type, ev.Object)
				}
				return string(ev.Type) + " " + m.GetName()
			case <-wctx.Done():
				t.Fatal("no watch event in time")
			}
			return ""
		}
		if got := next(); got != "ADDED alpha" {
			t.Fatalf("first event %q", got)
		}
		b.events <- "gamma" // sent only now: it must arrive while the watch stays open
		if got := next(); got != "ADDED gamma" {
			t.Fatalf("second event %q", got)
		}
	})

	t.Run("upgrade passes through", func(t *testing.T) {
		roots := x509.NewCertPool()
		roots.AppendCertsFromPEM(srv.CACertPEM())
		host := strings.TrimPrefix(srv.URL(), "https://")
		conn, err := tls.Dial("tcp", host, &tls.Config{RootCAs: roots, ServerName: "127.0.0.1", NextProtos: []string{"http/1.1"}})
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		conn.SetDeadline(time.Now().Add(10 * time.Second))
		fmt.Fprintf(conn, "GET /apis/%s/%s/namespaces/%s/flunders/alpha/attach HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nConnection: Upgrade\r\nUpgrade: %s\r\n\r\n",
			wardleGroup, wardleVersion, wardleNS, host, srv.Tokens().Admin, echoProtocol)
		br := bufio.NewReader(conn)
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusSwitchingProtocols || resp.Header.Get("Upgrade") != echoProtocol {
			t.Fatalf("upgrade answered %s %v", resp.Status, resp.Header)
		}
		for _, msg := range []string{"ping", "pong"} {
			fmt.Fprintf(conn, "%s\n", msg)
			line, err := br.ReadString('\n')
			if err != nil || line != "echo: "+msg+"\n" {
				t.Fatalf("through the upgraded connection: %q, %v", line, err)
			}
		}
	})

	t.Run("discovery", func(t *testing.T) {
		groups, err := cs.Discovery().ServerGroups()
		if err != nil {
			t.Fatal(err)
		}
		var found *metav1.APIGroup
		for i := range groups.Groups {
			if groups.Groups[i].Name == wardleGroup {
				found = &groups.Groups[i]
			}
		}
		if found == nil || found.PreferredVersion.GroupVersion != wardleGroup+"/"+wardleVersion {
			t.Fatalf("/apis lists %+v for %s", found, wardleGroup)
		}
		data, err := rawClient(t, srv).Get().AbsPath("/apis/" + wardleGroup).DoRaw(ctx)
		if err != nil || !strings.Contains(string(data), `"preferredVersion":{"groupVersion":"wardle.example.com/v1alpha1"`) {
			t.Errorf("/apis/%s: %v %s", wardleGroup, err, data)
		}
		data, err = rawClient(t, srv).Get().AbsPath("/").DoRaw(ctx)
		if err != nil || !strings.Contains(string(data), `"/apis/wardle.example.com/v1alpha1"`) {
			t.Errorf("/ lacks the aggregated group version: %v %s", err, data)
		}
	})

	t.Run("viewer may list but not create", func(t *testing.T) {
		// As on a real cluster, the view role reaches an aggregated group's resources through
		// a ClusterRole aggregated into it.
		if _, err := cs.RbacV1().ClusterRoles().Create(ctx, &rbacv1.ClusterRole{
			ObjectMeta: metav1.ObjectMeta{Name: "wardle-view", Labels: map[string]string{"rbac.authorization.k8s.io/aggregate-to-view": "true"}},
			Rules:      []rbacv1.PolicyRule{{APIGroups: []string{"wardle.example.com"}, Resources: []string{"flunders"}, Verbs: []string{"get", "list", "watch"}}},
		}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		cfg := rest.CopyConfig(restConfig(t, srv))
		cfg.BearerToken = srv.Tokens().Viewer
		// headers a client sends to pass as someone else are replaced
		cfg.WrapTransport = func(rt http.RoundTripper) http.RoundTripper {
			return roundTripperFunc(func(r *http.Request) (*http.Response, error) {
				r = r.Clone(r.Context())
				r.Header.Set("X-Remote-User", "system:admin")
				r.Header.Add("X-Remote-Group", "system:masters")
				r.Header.Set("X-Remote-Extra-Scopes", "all")
				return rt.RoundTrip(r)
			})
		}
		before := len(b.requests())
		dc, err := dynamic.NewForConfig(cfg)
		if err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(10 * time.Second) // until the aggregation controller has run
		for {
			_, err := dc.Resource(flunders).Namespace(wardleNS).List(ctx, metav1.ListOptions{})
			if err == nil {
				break
			}
			if !apierrors.IsForbidden(err) || time.Now().After(deadline) {
				t.Fatalf("viewer list: %v", err)
			}
			time.Sleep(50 * time.Millisecond)
		}
		_, err = dc.Resource(flunders).Namespace(wardleNS).Create(ctx, &unstructured.Unstructured{Object: flunder("gamma")}, metav1.CreateOptions{})
		if !apierrors.IsForbidden(err) {
			t.Errorf("viewer create: %v, want Forbidden", err)
		}
		var seen []seenRequest
		for _, r := range b.requests()[before:] {
			if strings.HasSuffix(r.path, "/flunders") { // not an availability check
				seen = append(seen, r)
			}
		}
		if len(seen) != 1 {
			t.Fatalf("backend saw %d requests, want the list only", len(seen))
		}
		if r := seen[0]; r.user != "sheetops-viewer" || contains(r.groups, "system:masters") || len(r.extra) > 0 {
			t.Errorf("backend saw user %q groups %q extra %q: the client's headers went through", r.user, r.groups, r.extra)
		}
	})

	t.Run("unavailable without its service", func(t *testing.T) {
		if err := cs.CoreV1().Services(wardleNS).Delete(ctx, wardleService, metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		cond := waitAvailable(t, srv, name, apiregistrationv1.ConditionFalse, "ServiceNotFound")
		if want := `service/api in "wardle" is not present`; cond.Message != want {
			t.Errorf("message %q, want %q", cond.Message, want)
		}
		res := k.run(t, "get", "apiservices", name)
		if !hasRow(res.stdout, []string{name, wardleNS + "/" + wardleService, "False", "(ServiceNotFound)"}) {
			t.Errorf("kubectl get apiservices %s:\n%s%s", name, res.stdout, res.stderr)
		}
		resp, err := rawClient(t, srv).Get().AbsPath("/apis/" + wardleGroup + "/" + wardleVersion + "/namespaces/wardle/flunders").DoRaw(ctx)
		var se *apierrors.StatusError
		if err == nil || !errors.As(err, &se) || se.ErrStatus.Code != http.StatusServiceUnavailable || !strings.Contains(string(resp)+se.Error(), "service unavailable") {
			t.Errorf("list through an unavailable APIService: %v %s", err, resp)
		}
	})
}

type roundTripperFunc func(*http.Request) (*http.Response, error)

func (f roundTripperFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// hasRow reports whether a line of out has the fields want, in order, each a whole field.
func hasRow(out string, want []string) bool {
	for _, line := range strings.Split(out, "\n") {
		fields := strings.Fields(line)
		i := 0
		for _, f := range fields {
			if i < len(want) && f == want[i] {
				i++
			}
		}
		if i == len(want) && len(fields) > 0 && fields[0] == want[0] {
			return true
		}
	}
	return false
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestAPIServiceValidation(t *testing.T) {
	srv := startEngine(t, "", false)
	rc := rawClient(t, srv)
	ctx := context.Background()
	for _, tc := range []struct {
		name, body, want string
	}{
		{"name must be version.group", `{"apiVersion":"apiregistration.k8s.io/v1","kind":"APIService","metadata":{"name":"v1.wrong"},"spec":{"group":"right.example.com","version":"v1","groupPriorityMinimum":100,"versionPriority":10}}`,
			"metadata.name: Invalid value: \"v1.wrong\": must be `spec.version+\".\"+spec.group`: \"v1.right.example.com\""},
		{"priorities", `{"apiVersion":"apiregistration.k8s.io/v1","kind":"APIService","metadata":{"name":"v1.p.example.com"},"spec":{"group":"p.example.com","version":"v1","groupPriorityMinimum":0,"versionPriority":1001}}`,
			"spec.groupPriorityMinimum: Invalid value: 0: must be positive and less than 20000"},
		{"caBundle and insecureSkipTLSVerify", `{"apiVersion":"apiregistration.k8s.io/v1","kind":"APIService","metadata":{"name":"v1.c.example.com"},"spec":{"group":"c.example.com","version":"v1","groupPriorityMinimum":100,"versionPriority":10,"insecureSkipTLSVerify":true,"caBundle":"Zm9v","service":{"namespace":"default","name":"x"}}}`,
			"spec.insecureSkipTLSVerify: Invalid value: true: may not be true if caBundle is present"},
		{"local with caBundle", `{"apiVersion":"apiregistration.k8s.io/v1","kind":"APIService","metadata":{"name":"v1.l.example.com"},"spec":{"group":"l.example.com","version":"v1","groupPriorityMinimum":100,"versionPriority":10,"caBundle":"Zm9v"}}`,
			"spec.caBundle: Invalid value: \"3 bytes\": local APIServices may not have a caBundle"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := rc.Post().AbsPath("/apis/apiregistration.k8s.io/v1/apiservices").Body([]byte(tc.body)).SetHeader("Content-Type", "application/json").Do(ctx).Error()
			if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want Invalid with %q", err, tc.want)
			}
		})
	}

	t.Run("server-side apply", func(t *testing.T) {
		body := `{"apiVersion":"apiregistration.k8s.io/v1","kind":"APIService","metadata":{"name":"v1.applied.example.com"},"spec":{"group":"applied.example.com","version":"v1","groupPriorityMinimum":100,"versionPriority":10}}`
		data, err := rc.Patch(types.ApplyPatchType).AbsPath("/apis/apiregistration.k8s.io/v1/apiservices/v1.applied.example.com").
			Param("fieldManager", "tester").Body([]byte(body)).DoRaw(ctx)
		if err != nil {
			t.Fatalf("apply: %v %s", err, data)
		}
		as := &apiregistrationv1.APIService{}
		if err := json.Unmarshal(data, as); err != nil {
			t.Fatal(err)
		}
		if len(as.ManagedFields) == 0 || as.ManagedFields[0].Manager != "tester" || as.Status.Conditions[0].Reason != "Local" {
			t.Errorf("applied APIService: %+v", as)
		}
	})

	t.Run("defaults and local availability", func(t *testing.T) {
		body := `{"apiVersion":"apiregistration.k8s.io/v1","kind":"APIService","metadata":{"name":"v1.d.example.com"},"spec":{"group":"d.example.com","version":"v1","groupPriorityMinimum":100,"versionPriority":10,"insecureSkipTLSVerify":true,"service":{"namespace":"default","name":"nowhere"}}}`
		if err := rc.Post().AbsPath("/apis/apiregistration.k8s.io/v1/apiservices").Body([]byte(body)).SetHeader("Content-Type", "application/json").Do(ctx).Error(); err != nil {
			t.Fatal(err)
		}
		as := getAPIService(t, srv, "v1.d.example.com")
		if as.Spec.Service.Port == nil || *as.Spec.Service.Port != 443 {
			t.Errorf("service port %v, want 443", as.Spec.Service.Port)
		}
		waitAvailable(t, srv, "v1.d.example.com", apiregistrationv1.ConditionFalse, "ServiceNotFound")
		local := getAPIService(t, srv, "v1.apps")
		if len(local.Status.Conditions) != 1 || local.Status.Conditions[0].Reason != "Local" || local.Labels["kube-aggregator.kubernetes.io/automanaged"] != "onstart" ||
			local.Spec.GroupPriorityMinimum != 17800 || local.Spec.VersionPriority != 15 {
			t.Errorf("v1.apps: %+v", local)
		}
	})
}

// TestAggregationClusterIPService reaches an aggregated server through a ClusterIP Service's
// EndpointSlice (cluster IPs are not routable from the engine), with upstream's reasons while
// the endpoints are missing or not ready.
func TestAggregationClusterIPService(t *testing.T) {
	apiserver.SetAPIServiceResync(t, 200*time.Millisecond) // to see the backend go away
	srv := startEngine(t, "", false)
	cs := clientset(t, srv)
	ctx := context.Background()
	caPool, _ := engineFrontProxyCA(t, cs)
	b := newWardle(t, caPool)
	if _, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: wardleNS}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: wardleService, Namespace: wardleNS},
		Spec:       corev1.ServiceSpec{Ports: []corev1.ServicePort{{Name: "https", Port: 8443, TargetPort: intstr.FromInt32(int32(b.port()))}}},
	}
	if _, err := cs.CoreV1().Services(wardleNS).Create(ctx, svc, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	name := wardleVersion + "." + wardleGroup
	body := fmt.Sprintf(`{"apiVersion":"apiregistration.k8s.io/v1","kind":"APIService","metadata":{"name":%q},"spec":{"group":%q,"version":%q,"groupPriorityMinimum":1000,"versionPriority":15,"caBundle":%q,"service":{"namespace":%q,"name":%q}}}`,
		name, wardleGroup, wardleVersion, base64.StdEncoding.EncodeToString(b.caPEM), wardleNS, wardleService)
	if err := rawClient(t, srv).Post().AbsPath("/apis/apiregistration.k8s.io/v1/apiservices").Body([]byte(body)).SetHeader("Content-Type", "application/json").Do(ctx).Error(); err != nil {
		t.Fatal(err)
	}
	cond := waitAvailable(t, srv, name, apiregistrationv1.ConditionFalse, "ServicePortError")
	if want := `service/api in "wardle" is not listening on port 443`; cond.Message != want {
		t.Errorf("message %q, want %q", cond.Message, want)
	}
	svc, err := cs.CoreV1().Services(wardleNS).Get(ctx, wardleService, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	svc.Spec.Ports[0].Port = 443
	if _, err := cs.CoreV1().Services(wardleNS).Update(ctx, svc, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	cond = waitAvailable(t, srv, name, apiregistrationv1.ConditionFalse, "EndpointsNotFound")
	if want := `cannot find endpointslices for service/api in "wardle"`; cond.Message != want {
		t.Errorf("message %q, want %q", cond.Message, want)
	}

	port, portName, ready := int32(b.port()), "https", false
	slice := &discoveryv1.EndpointSlice{
		ObjectMeta:  metav1.ObjectMeta{Name: wardleService + "-1", Namespace: wardleNS, Labels: map[string]string{discoveryv1.LabelServiceName: wardleService}},
		AddressType: discoveryv1.AddressTypeIPv4,
		Endpoints:   []discoveryv1.Endpoint{{Addresses: []string{"127.0.0.1"}, Conditions: discoveryv1.EndpointConditions{Ready: &ready}}},
		Ports:       []discoveryv1.EndpointPort{{Name: &portName, Port: &port}},
	}
	created, err := cs.DiscoveryV1().EndpointSlices(wardleNS).Create(ctx, slice, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cond = waitAvailable(t, srv, name, apiregistrationv1.ConditionFalse, "MissingEndpoints")
	if want := `endpointslices for service/api in "wardle" have no addresses with port name "https"`; cond.Message != want {
		t.Errorf("message %q, want %q", cond.Message, want)
	}

	ready = true
	created.Endpoints[0].Conditions.Ready = &ready
	if _, err := cs.DiscoveryV1().EndpointSlices(wardleNS).Update(ctx, created, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitAvailable(t, srv, name, apiregistrationv1.ConditionTrue, "Passed")
	dc, err := dynamic.NewForConfig(restConfig(t, srv))
	if err != nil {
		t.Fatal(err)
	}
	list, err := dc.Resource(flunders).Namespace(wardleNS).List(ctx, metav1.ListOptions{})
	if err != nil || len(list.Items) != 2 {
		t.Fatalf("list through the ClusterIP service: %v %v", err, list)
	}

	// the aggregated server goes away: the next check fails, and requests get 503
	b.srv.Close()
	cond = waitAvailable(t, srv, name, apiregistrationv1.ConditionFalse, "FailedDiscoveryCheck")
	if want := fmt.Sprintf("failing or missing response from https://127.0.0.1:%d/apis/%s/%s: ", port, wardleGroup, wardleVersion); !strings.HasPrefix(cond.Message, want) {
		t.Errorf("message %q, want it to start with %q", cond.Message, want)
	}
	_, err = dc.Resource(flunders).Namespace(wardleNS).List(ctx, metav1.ListOptions{})
	if !apierrors.IsServiceUnavailable(err) {
		t.Errorf("list with the aggregated server gone: %v, want 503", err)
	}
}

// BenchmarkAggregatedList measures a list of two objects through the aggregation layer:
// authentication and authorization in the engine, the proxy hop over TLS to the
// aggregated server, and the answer streamed back.
func BenchmarkAggregatedList(b *testing.B) {
	srv := startEngine(b, "", false)
	cs := clientset(b, srv)
	pool, _ := engineFrontProxyCA(b, cs)
	backend := newWardle(b, pool)
	registerWardle(b, srv, cs, backend)
	waitAvailable(b, srv, wardleVersion+"."+wardleGroup, apiregistrationv1.ConditionTrue, "Passed")
	dc, err := dynamic.NewForConfig(restConfig(b, srv))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	for b.Loop() {
		if _, err := dc.Resource(flunders).Namespace(wardleNS).List(ctx, metav1.ListOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// TestAggregationRestart restarts the engine on its data directory: the front-proxy CA and
// the published trust stay as they were, and the registered APIService serves again.
func TestAggregationRestart(t *testing.T) {
	dir := t.TempDir()
	srv := startEngine(t, dir, false)
	cs := clientset(t, srv)
	ctx := context.Background()
	pool, cm := engineFrontProxyCA(t, cs)
	b := newWardle(t, pool)
	registerWardle(t, srv, cs, b)
	name := wardleVersion + "." + wardleGroup
	waitAvailable(t, srv, name, apiregistrationv1.ConditionTrue, "Passed")
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}

	srv = startEngine(t, dir, false)
	cs = clientset(t, srv)
	_, again := engineFrontProxyCA(t, cs)
	if again.ResourceVersion != cm.ResourceVersion || again.Data["requestheader-client-ca-file"] != cm.Data["requestheader-client-ca-file"] {
		t.Errorf("extension-apiserver-authentication changed across a restart: resourceVersion %s → %s", cm.ResourceVersion, again.ResourceVersion)
	}
	waitAvailable(t, srv, name, apiregistrationv1.ConditionTrue, "Passed")
	dc, err := dynamic.NewForConfig(restConfig(t, srv))
	if err != nil {
		t.Fatal(err)
	}
	if list, err := dc.Resource(flunders).Namespace(wardleNS).List(ctx, metav1.ListOptions{}); err != nil || len(list.Items) != 2 {
		t.Fatalf("list after a restart: %v", err)
	}
}
