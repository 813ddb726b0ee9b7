package apiserver

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"slices"
	"strconv"
	"strings"
	stdsync "sync"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/transport"
	"k8s.io/client-go/util/workqueue"
	apiregistrationv1 "k8s.io/kube-aggregator/pkg/apis/apiregistration/v1"
	"k8s.io/kube-aggregator/pkg/apis/apiregistration/v1/helper"

	"github.com/sheetops/sheetops/apiserver/auth"
	"github.com/sheetops/sheetops/apiserver/storage"
)

// The aggregation layer, as kube-apiserver's kube-aggregator: a group version registered
// with an APIService that names a Service is served by the server behind that Service.
//
//   - Routing: every request under /apis/<group>/<version> of such an APIService is
//     authorized by the engine (the caller is already authenticated), then proxied to the
//     Service's server over TLS, trusting the APIService's caBundle (or nothing, with
//     insecureSkipTLSVerify) for the name <service>.<namespace>.svc, presenting the
//     engine's front-proxy client certificate, and naming the caller in X-Remote-User,
//     X-Remote-Uid, X-Remote-Group and X-Remote-Extra-* (the bearer token is not
//     forwarded). Bodies stream both ways (watches), and upgrades pass through. An APIService
//     that is not Available answers 503 "service unavailable", as upstream.
//   - Services: an ExternalName Service is dialled at its external name and the APIService's
//     port (so "localhost" reaches a server on this machine, as on a kube-apiserver without a
//     pod network); any other Service at a ready endpoint of its EndpointSlices on the port
//     whose service port is the APIService's (cluster IPs are not routable here).
//   - Discovery: /apis lists the aggregated groups after the engine's own, ordered by
//     groupPriorityMinimum, their versions by versionPriority; /apis/<group> of a group only
//     APIServices serve is answered here; /apis/<group>/<version> is proxied.
//   - Availability: a controller sets each APIService's Available condition with
//     upstream's reasons and messages (Local, ServiceNotFound, ServicePortError,
//     EndpointsNotFound, MissingEndpoints, FailedDiscoveryCheck, Passed), checking the
//     backend's /apis/<group>/<version> as system:kube-aggregator in system:masters. It runs
//     on every change of an APIService, Service or EndpointSlice and every 30 s, and
//     retries a failed check with back-off.
//   - OpenAPI: /openapi/v3 lists each available aggregated group version, whose document
//     is the aggregated server's own, proxied (aggregator_openapi.go); OpenAPI v2 is the
//     engine's alone.
//   - Trust: kube-system/extension-apiserver-authentication holds the front-proxy CA, the
//     allowed client name and header names, and the engine's CA as client-ca-file, so that
//     a server built with k8s.io/apiserver verifies the engine's requests.

// apiServicesKey is the store key of APIServices.
const apiServicesKey = "apiservices.apiregistration.k8s.io"

// apiServiceResync is how often every APIService's availability is checked again.
var apiServiceResync = 30 * time.Second

// discoveryCheckTimeout bounds one availability check of a backend, as upstream's.
const discoveryCheckTimeout = 5 * time.Second

// Request-header names the engine sets on proxied requests and publishes for backends.
const (
	remoteUserHeader        = "X-Remote-User"
	remoteUIDHeader         = "X-Remote-Uid"
	remoteGroupHeader       = "X-Remote-Group"
	remoteExtraHeaderPrefix = "X-Remote-Extra-"
)

// aggregator is the engine's aggregation layer: the routing table built from the stored
// APIServices, the proxy, and the availability controller.
type aggregator struct {
	s     *Server
	log   *slog.Logger
	proxy *auth.FrontProxy

	table atomic.Pointer[routeTable]

	mu         stdsync.Mutex
	transports map[string]cachedTransport // by APIService name

	queue workqueue.TypedRateLimitingInterface[string]
	// stopping is the context run was started with: proxied requests (watches) end with it,
	// so that they never hold up the server's shutdown.
	stopping atomic.Pointer[context.Context]
}

// availabilityWorkers check APIServices in parallel, so that one backend that times out
// does not hold up the others.
const availabilityWorkers = 4

// route is one APIService as the proxy and discovery see it.
type route struct {
	name         string
	gv           schema.GroupVersion
	service      *apiregistrationv1.ServiceReference // nil: local
	available    bool
	transport    http.RoundTripper
	transportErr error
}

func (r *route) local() bool { return r.service == nil }

// routeTable is every APIService, sorted as upstream's discovery sorts them: by group
// priority (highest first) then name, and within a group by version priority.
type routeTable struct {
	byGV   map[schema.GroupVersion]*route
	groups [][]*route
}

type cachedTransport struct {
	spec      string // the fingerprint of the APIService fields the transport depends on
	transport *http.Transport
	err       error
}

// newAggregator is the aggregation layer of s, whose front-proxy client certificate is fp.
func newAggregator(s *Server, fp *auth.FrontProxy) *aggregator {
	a := &aggregator{
		s: s, log: s.log.With("controller", "apiservice"), proxy: fp,
		transports: map[string]cachedTransport{},
		queue: workqueue.NewTypedRateLimitingQueueWithConfig(
			workqueue.DefaultTypedControllerRateLimiter[string](),
			workqueue.TypedRateLimitingQueueConfig[string]{Name: "apiservice-availability"}),
	}
	a.table.Store(&routeTable{byGV: map[schema.GroupVersion]*route{}})
	return a
}

// publishTrust writes kube-system/extension-apiserver-authentication as kube-apiserver's
// cluster-authentication-trust controller does.
func (a *aggregator) publishTrust() error {
	list := func(v ...string) string {
		b, _ := json.Marshal(v)
		return string(b)
	}
	data := map[string]string{
		"client-ca-file":                     string(a.s.pki.CACertPEM),
		"requestheader-client-ca-file":       string(a.proxy.CACertPEM),
		"requestheader-allowed-names":        list(auth.FrontProxyClientName),
		"requestheader-username-headers":     list(remoteUserHeader),
		"requestheader-uid-headers":          list(remoteUIDHeader),
		"requestheader-group-headers":        list(remoteGroupHeader),
		"requestheader-extra-headers-prefix": list(remoteExtraHeaderPrefix),
	}
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: metav1.NamespaceSystem, Name: "extension-apiserver-authentication"}, Data: data}
	if err := a.s.createInternal(cm); err != nil {
		return err
	}
	if cur, err := a.s.store.Get("configmaps", cm.Namespace, cm.Name); err == nil && maps.Equal(cur.(*corev1.ConfigMap).Data, data) {
		return nil // as written at an earlier start
	}
	res := index[corev1.SchemeGroupVersion.WithResource("configmaps")]
	ri := requestInfo{verb: "update", res: res, gvr: res.gvr, namespace: cm.Namespace, name: cm.Name}
	_, err := a.s.updateObject(ri, a.s.startWrite(internalWrite), func(cur runtime.Object) (runtime.Object, error) {
		next := cur.DeepCopyObject().(*corev1.ConfigMap)
		next.Data = data
		return next, nil
	})
	return err
}

// refresh rebuilds the routing table from the stored APIServices.
func (a *aggregator) refresh() error {
	a.mu.Lock() // held from the list on, so that an older list never replaces a newer table
	defer a.mu.Unlock()
	page, err := a.s.store.List(apiServicesKey, storage.ListOptions{})
	if err != nil {
		return err
	}
	services := make([]*apiregistrationv1.APIService, 0, len(page.Items))
	for _, obj := range page.Items {
		services = append(services, obj.(*apiregistrationv1.APIService))
	}
	t := &routeTable{byGV: map[schema.GroupVersion]*route{}}
	seen := map[string]bool{}
	for _, group := range helper.SortedByGroupAndVersion(services) {
		var routes []*route
		for _, as := range group {
			r := &route{
				name: as.Name, gv: schema.GroupVersion{Group: as.Spec.Group, Version: as.Spec.Version},
				service:   as.Spec.Service,
				available: helper.IsAPIServiceConditionTrue(as, apiregistrationv1.Available),
			}
			if !r.local() {
				seen[as.Name] = true
				r.transport, r.transportErr = a.transportFor(as)
			}
			t.byGV[r.gv] = r
			routes = append(routes, r)
		}
		t.groups = append(t.groups, routes)
	}
	for name, ct := range a.transports {
		if !seen[name] {
			if ct.transport != nil {
				ct.transport.CloseIdleConnections()
			}
			delete(a.transports, name)
		}
	}
	a.table.Store(t)
	return nil
}

// transportFor is the transport to as's backend, kept while the fields it depends on stay
// the same so that connections are reused. Called with a.mu held.
func (a *aggregator) transportFor(as *apiregistrationv1.APIService) (*http.Transport, error) {
	spec := fmt.Sprintf("%s/%s|%t|%x", as.Spec.Service.Namespace, as.Spec.Service.Name, as.Spec.InsecureSkipTLSVerify, as.Spec.CABundle)
	if ct, ok := a.transports[as.Name]; ok && ct.spec == spec {
		return ct.transport, ct.err
	} else if ok && ct.transport != nil {
		ct.transport.CloseIdleConnections()
	}
	tr, err := a.newTransport(as)
	a.transports[as.Name] = cachedTransport{spec: spec, transport: tr, err: err}
	return tr, err
}

// newTransport speaks HTTP/1.1 over TLS to as's backend (so that upgrades pass through),
// verifying it as <service>.<namespace>.svc against the caBundle.
func (a *aggregator) newTransport(as *apiregistrationv1.APIService) (*http.Transport, error) {
	cfg := &tls.Config{
		MinVersion:         tls.VersionTLS12,
		ServerName:         as.Spec.Service.Name + "." + as.Spec.Service.Namespace + ".svc",
		InsecureSkipVerify: as.Spec.InsecureSkipTLSVerify, //nolint:gosec // the APIService asks for it, as upstream allows
		Certificates:       []tls.Certificate{a.proxy.Client},
		NextProtos:         []string{"http/1.1"},
	}
	if len(as.Spec.CABundle) > 0 {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(as.Spec.CABundle) {
			return nil, errors.New("unable to load root certificates: unable to parse bytes as PEM block")
		}
		cfg.RootCAs = pool
	}
	return &http.Transport{
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSClientConfig:     cfg,
		TLSHandshakeTimeout: 10 * time.Second,
		MaxIdleConnsPerHost: 25,
		IdleConnTimeout:     90 * time.Second,
	}, nil
}

// errNoEndpoints: the Service has no ready endpoint on the APIService's port.
var errNoEndpoints = errors.New("no endpoints available")

// resolve is the address of ref's server: see the aggregation layer's comment above.
func (a *aggregator) resolve(ref *apiregistrationv1.ServiceReference) (*url.URL, error) {
	port := portOf(ref)
	obj, err := a.s.store.Get("services", ref.Namespace, ref.Name)
	if err != nil {
		return nil, err
	}
	svc := obj.(*corev1.Service)
	switch {
	case svc.Spec.Type == corev1.ServiceTypeExternalName:
		return &url.URL{Scheme: "https", Host: net.JoinHostPort(svc.Spec.ExternalName, strconv.Itoa(int(port)))}, nil
	case svc.Spec.ClusterIP == corev1.ClusterIPNone:
		return nil, fmt.Errorf(`cannot route to service with ClusterIP "None"`)
	}
	sp, ok := servicePort(svc, port)
	if !ok {
		return nil, fmt.Errorf("no service port %d found for service %q", port, svc.Name)
	}
	eps, err := a.endpointSlices(ref.Namespace, ref.Name)
	if err != nil {
		return nil, err
	}
	for _, es := range eps {
		for _, p := range es.Ports {
			if p.Port == nil || p.Name == nil || *p.Name != sp.Name {
				continue
			}
			for _, ep := range es.Endpoints {
				if (ep.Conditions.Ready == nil || *ep.Conditions.Ready) && len(ep.Addresses) > 0 {
					return &url.URL{Scheme: "https", Host: net.JoinHostPort(ep.Addresses[0], strconv.Itoa(int(*p.Port)))}, nil
				}
			}
		}
	}
	return nil, fmt.Errorf("%w for service %q", errNoEndpoints, svc.Name)
}

// portOf is the APIService's service port (443 unless given, as its default).
func portOf(ref *apiregistrationv1.ServiceReference) int32 {
	if ref.Port == nil {
		return 443
	}
	return *ref.Port
}

func servicePort(svc *corev1.Service, port int32) (corev1.ServicePort, bool) {
	for _, p := range svc.Spec.Ports {
		if p.Port == port {
			return p, true
		}
	}
	return corev1.ServicePort{}, false
}

// endpointSlices are the EndpointSlices of a service (label kubernetes.io/service-name).
func (a *aggregator) endpointSlices(namespace, name string) ([]*discoveryv1.EndpointSlice, error) {
	page, err := a.s.store.List("endpointslices.discovery.k8s.io", storage.ListOptions{Namespace: namespace, Match: func(obj runtime.Object) bool {
		return obj.(*discoveryv1.EndpointSlice).Labels[discoveryv1.LabelServiceName] == name
	}})
	if err != nil {
		return nil, err
	}
	out := make([]*discoveryv1.EndpointSlice, 0, len(page.Items))
	for _, obj := range page.Items {
		out = append(out, obj.(*discoveryv1.EndpointSlice))
	}
	return out, nil
}

// ---- serving ----

// serve answers a request for an aggregated group version (proxied) or an aggregated
// group's discovery; ok is false for every other request, which the engine serves.
func (a *aggregator) serve(w http.ResponseWriter, r *http.Request) bool {
	rest, ok := strings.CutPrefix(r.URL.Path, "/apis/")
	if !ok {
		return false
	}
	parts := strings.SplitN(rest, "/", 3)
	t := a.table.Load()
	if len(parts) == 1 || (len(parts) == 2 && parts[1] == "") {
		return a.serveGroup(w, r, t, parts[0])
	}
	rt := t.byGV[schema.GroupVersion{Group: parts[0], Version: parts[1]}]
	if rt == nil || rt.local() {
		return false
	}
	if err := a.s.authz.Authorize(userFrom(r), proxiedAttributes(r)); err != nil {
		writeStatusError(w, err)
		return true
	}
	if !rt.available {
		http.Error(w, "service unavailable", http.StatusServiceUnavailable)
		return true
	}
	if rt.transportErr != nil {
		http.Error(w, rt.transportErr.Error(), http.StatusInternalServerError)
		return true
	}
	a.forward(w, r, rt)
	return true
}

// proxiedAttributes are the authorization attributes of a proxied request: a resource
// request when the path names a resource, else the path itself (discovery).
func proxiedAttributes(r *http.Request) auth.Attributes {
	ri, ok := parseResourcePath(r.Method, r.URL.Path, lenientBool(r.URL.Query().Get("watch")))
	if !ok {
		verb := strings.ToLower(r.Method)
		if r.Method == http.MethodHead {
			verb = "get"
		}
		return auth.Attributes{Verb: verb, Path: r.URL.Path}
	}
	return auth.Attributes{
		Verb: ri.verb, APIGroup: ri.gvr.Group, Resource: ri.gvr.Resource, Subresource: ri.subresource,
		Namespace: ri.namespace, Name: ri.name, ResourceRequest: true, Path: r.URL.Path,
	}
}

// serveGroup answers /apis/<group> for a group only APIServices serve.
func (a *aggregator) serveGroup(w http.ResponseWriter, r *http.Request, t *routeTable, group string) bool {
	if a.servedGroup(group) {
		return false
	}
	for _, routes := range t.groups {
		if routes[0].gv.Group == group {
			g := aggregatedGroup(routes)
			writeJSON(w, http.StatusOK, &g)
			return true
		}
	}
	return false
}

// servedGroup reports whether the engine serves a group itself (built-in or by a CRD).
func (a *aggregator) servedGroup(group string) bool {
	return slices.ContainsFunc(a.s.groupVersions(), func(gv schema.GroupVersion) bool { return gv.Group == group })
}

func aggregatedGroup(routes []*route) metav1.APIGroup {
	g := metav1.APIGroup{TypeMeta: metav1.TypeMeta{Kind: "APIGroup", APIVersion: "v1"}, Name: routes[0].gv.Group}
	for _, r := range routes {
		g.Versions = append(g.Versions, metav1.GroupVersionForDiscovery{GroupVersion: r.gv.String(), Version: r.gv.Version})
	}
	g.PreferredVersion = g.Versions[0]
	return g
}

// apiGroups are the groups of /apis that only APIServices serve, in upstream's order.
func (a *aggregator) apiGroups() []metav1.APIGroup {
	var out []metav1.APIGroup
	for _, routes := range a.table.Load().groups {
		if routes[0].gv.Group != "" && !a.servedGroup(routes[0].gv.Group) {
			g := aggregatedGroup(routes)
			g.TypeMeta = metav1.TypeMeta{} // upstream's list entries carry no kind
			out = append(out, g)
		}
	}
	return out
}

// rootPaths are the paths of the aggregated groups and versions, for /.
func (a *aggregator) rootPaths() []string {
	var out []string
	for _, g := range a.apiGroups() {
		out = append(out, "/apis/"+g.Name)
		for _, v := range g.Versions {
			out = append(out, "/apis/"+v.GroupVersion)
		}
	}
	return out
}

// forward proxies r to rt's backend.
func (a *aggregator) forward(w http.ResponseWriter, r *http.Request, rt *route) {
	loc, err := a.resolve(rt.service)
	if err != nil {
		a.log.Info("resolve apiservice backend", "apiservice", rt.name, "err", err)
		http.Error(w, "service unavailable", http.StatusServiceUnavailable)
		return
	}
	if stopping := a.stopping.Load(); stopping != nil {
		ctx, cancel := context.WithCancel(r.Context())
		defer cancel()
		defer context.AfterFunc(*stopping, cancel)()
		r = r.WithContext(ctx)
	}
	user := userFrom(r)
	p := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.Out.URL.Scheme, pr.Out.URL.Host = loc.Scheme, loc.Host
			pr.Out.Header.Del("Authorization")
			setRemoteUser(pr.Out.Header, user)
			if ip, _, err := net.SplitHostPort(pr.In.RemoteAddr); err == nil {
				// as upstream's proxy: the client's address appended to X-Forwarded-For
				pr.Out.Header.Set("X-Forwarded-For", strings.Join(append(slices.Clone(pr.In.Header.Values("X-Forwarded-For")), ip), ", "))
			}
		},
		Transport:     rt.transport,
		FlushInterval: -1, // watches and other streams reach the client as they come
		ErrorLog:      slog.NewLogLogger(a.log.Handler(), slog.LevelDebug),
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			if errors.Is(err, context.Canceled) {
				return // the client went away
			}
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
		},
	}
	p.ServeHTTP(w, r)
}

// setRemoteUser names the user in the request headers, replacing any the client sent.
func setRemoteUser(h http.Header, u auth.User) {
	req := &http.Request{Header: h}
	transport.SetAuthProxyHeaders(req, u.Name, u.UID, u.Groups, nil)
}

// ---- availability ----

// run keeps the routing table and the Available conditions up to date until ctx ends.
func (a *aggregator) run(ctx context.Context) {
	a.stopping.Store(&ctx)
	var wg stdsync.WaitGroup
	defer wg.Wait()
	defer a.queue.ShutDown()
	for _, key := range []string{apiServicesKey, "services", "endpointslices.discovery.k8s.io"} {
		wg.Go(func() { a.follow(ctx, key) })
	}
	for range availabilityWorkers {
		wg.Go(func() {
			for a.processNext(ctx) {
			}
		})
	}
	a.enqueueAll(nil)
	tick := time.NewTicker(apiServiceResync)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			a.enqueueAll(nil)
		}
	}
}

// follow watches one kind in the store and enqueues the APIServices its changes concern.
func (a *aggregator) follow(ctx context.Context, key string) {
	var onWatch func()
	if key == apiServicesKey {
		onWatch = func() {
			a.refresh()
			a.enqueueAll(nil)
		}
	}
	a.s.followStore(ctx, key, a.s.fromNow, onWatch, func(events []storage.Event) {
		if key == apiServicesKey {
			if err := a.refresh(); err != nil {
				a.log.Warn("refresh apiservices", "err", err)
			}
		}
		for _, ev := range events {
			m, err := meta.Accessor(ev.Object)
			if err != nil {
				continue
			}
			switch key {
			case apiServicesKey:
				a.queue.Add(m.GetName())
			case "services":
				a.enqueueAll(&apiregistrationv1.ServiceReference{Namespace: m.GetNamespace(), Name: m.GetName()})
			default:
				if svc := m.GetLabels()[discoveryv1.LabelServiceName]; svc != "" {
					a.enqueueAll(&apiregistrationv1.ServiceReference{Namespace: m.GetNamespace(), Name: svc})
				}
			}
		}
	})
}

// enqueueAll enqueues every APIService, or those of one service.
func (a *aggregator) enqueueAll(svc *apiregistrationv1.ServiceReference) {
	page, err := a.s.store.List(apiServicesKey, storage.ListOptions{})
	if err != nil {
		return
	}
	for _, obj := range page.Items {
		as := obj.(*apiregistrationv1.APIService)
		if svc != nil && (as.Spec.Service == nil || as.Spec.Service.Namespace != svc.Namespace || as.Spec.Service.Name != svc.Name) {
			continue
		}
		a.queue.Add(as.Name)
	}
}

func (a *aggregator) processNext(ctx context.Context) bool {
	name, quit := a.queue.Get()
	if quit {
		return false
	}
	defer a.queue.Done(name)
	if err := a.sync(ctx, name); err != nil {
		if ctx.Err() == nil {
			a.log.Debug("apiservice availability", "apiservice", name, "err", err)
		}
		a.queue.AddRateLimited(name)
		return true
	}
	a.queue.Forget(name)
	return true
}

// sync sets the Available condition of one APIService; it returns the error of a failed
// discovery check, so that the check is retried with back-off.
func (a *aggregator) sync(ctx context.Context, name string) error {
	obj, err := a.s.store.Get(apiServicesKey, "", name)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	as := obj.(*apiregistrationv1.APIService)
	if as.Spec.Service != nil {
		// as upstream: an APIService whose transport cannot be built (a caBundle that is
		// not PEM) keeps its condition and is retried
		a.mu.Lock()
		_, err := a.transportFor(as)
		a.mu.Unlock()
		if err != nil {
			return err
		}
	}
	cond, checkErr := a.availability(ctx, as)
	if err := a.setCondition(as, cond); err != nil {
		return err
	}
	return checkErr
}

// availability is the Available condition as upstream's availability controllers decide
// it, and the discovery check's error when that failed.
func (a *aggregator) availability(ctx context.Context, as *apiregistrationv1.APIService) (apiregistrationv1.APIServiceCondition, error) {
	cond := apiregistrationv1.APIServiceCondition{Type: apiregistrationv1.Available, Status: apiregistrationv1.ConditionTrue, LastTransitionTime: metav1.Now().Rfc3339Copy()}
	if as.Spec.Service == nil {
		return localAvailable(), nil
	}
	ref := as.Spec.Service
	unavailable := func(reason, msg string, args ...any) (apiregistrationv1.APIServiceCondition, error) {
		cond.Status, cond.Reason, cond.Message = apiregistrationv1.ConditionFalse, reason, fmt.Sprintf(msg, args...)
		return cond, nil
	}
	obj, err := a.s.store.Get("services", ref.Namespace, ref.Name)
	if apierrors.IsNotFound(err) {
		return unavailable("ServiceNotFound", "service/%s in %q is not present", ref.Name, ref.Namespace)
	}
	if err != nil {
		cond.Status, cond.Reason = apiregistrationv1.ConditionUnknown, "ServiceAccessError"
		cond.Message = fmt.Sprintf("service/%s in %q cannot be checked due to: %v", ref.Name, ref.Namespace, err)
		return cond, nil
	}
	svc := obj.(*corev1.Service)
	if svc.Spec.Type == corev1.ServiceTypeClusterIP {
		sp, ok := servicePort(svc, portOf(ref))
		if !ok {
			return unavailable("ServicePortError", "service/%s in %q is not listening on port %d", ref.Name, ref.Namespace, portOf(ref))
		}
		eps, err := a.endpointSlices(ref.Namespace, ref.Name)
		if err != nil {
			cond.Status, cond.Reason = apiregistrationv1.ConditionUnknown, "EndpointsAccessError"
			cond.Message = fmt.Sprintf("service/%s in %q cannot be checked due to: %v", ref.Name, ref.Namespace, err)
			return cond, nil
		}
		if len(eps) == 0 {
			return unavailable("EndpointsNotFound", "cannot find endpointslices for service/%s in %q", ref.Name, ref.Namespace)
		}
		if !hasReadyEndpoint(sp.Name, eps) {
			return unavailable("MissingEndpoints", "endpointslices for service/%s in %q have no addresses with port name %q", ref.Name, ref.Namespace, sp.Name)
		}
	}
	if err := a.checkDiscovery(ctx, as); err != nil {
		cond.Status, cond.Reason, cond.Message = apiregistrationv1.ConditionFalse, "FailedDiscoveryCheck", err.Error()
		return cond, err
	}
	cond.Reason, cond.Message = "Passed", "all checks passed"
	return cond, nil
}

func hasReadyEndpoint(portName string, eps []*discoveryv1.EndpointSlice) bool {
	for _, es := range eps {
		if !anyReady(es) {
			continue
		}
		for _, p := range es.Ports {
			if p.Name != nil && *p.Name == portName && p.Port != nil {
				return true
			}
		}
	}
	return false
}

func anyReady(es *discoveryv1.EndpointSlice) bool {
	for _, ep := range es.Endpoints {
		if ep.Conditions.Ready == nil || *ep.Conditions.Ready {
			return true
		}
	}
	return false
}

// checkDiscovery asks the backend for the APIService's group version, as upstream's
// controller does, and fails unless it answers 2xx or 3xx in time.
func (a *aggregator) checkDiscovery(ctx context.Context, as *apiregistrationv1.APIService) error {
	a.mu.Lock()
	tr, err := a.transportFor(as)
	a.mu.Unlock()
	if err != nil {
		return err
	}
	loc, err := a.resolve(as.Spec.Service)
	if err != nil {
		return err
	}
	loc.Path = "/apis/" + as.Spec.Group + "/" + as.Spec.Version
	if as.Name == "v1." {
		loc.Path = "/api/" + as.Spec.Version
	}
	ctx, cancel := context.WithTimeout(ctx, discoveryCheckTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, loc.String(), nil)
	if err != nil {
		return err
	}
	transport.SetAuthProxyHeaders(req, "system:kube-aggregator", "", []string{"system:masters"}, nil)
	client := &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		tr.CloseIdleConnections()
		return fmt.Errorf("failing or missing response from %v: %w", loc, err)
	}
	resp.Body.Close()
	if resp.StatusCode < http.StatusOK || resp.StatusCode >= http.StatusMultipleChoices {
		return fmt.Errorf("failing or missing response from %v: bad status from %v: %d", loc, loc, resp.StatusCode)
	}
	return nil
}

// setCondition writes cond into the APIService's status when it changes anything.
func (a *aggregator) setCondition(as *apiregistrationv1.APIService, cond apiregistrationv1.APIServiceCondition) error {
	next := as.DeepCopy()
	helper.SetAPIServiceCondition(next, cond)
	if equalConditions(as.Status.Conditions, next.Status.Conditions) {
		return nil
	}
	if before := helper.GetAPIServiceConditionByType(as, apiregistrationv1.Available); before == nil || before.Status != cond.Status {
		a.log.Info("apiservice availability changed", "apiservice", as.Name, "status", cond.Status, "reason", cond.Reason, "message", cond.Message)
	}
	res := index[apiregistrationv1.SchemeGroupVersion.WithResource("apiservices")]
	ri := requestInfo{verb: "update", res: res, gvr: res.gvr, name: as.Name, subresource: subStatus}
	_, err := a.s.updateObject(ri, internalWrite, func(cur runtime.Object) (runtime.Object, error) {
		c := cur.(*apiregistrationv1.APIService)
		if c.UID != as.UID {
			return nil, apierrors.NewConflict(res.groupResource(), as.Name, errors.New("the object was replaced"))
		}
		out := c.DeepCopy()
		helper.SetAPIServiceCondition(out, cond)
		return out, nil
	})
	return err
}

func equalConditions(a, b []apiregistrationv1.APIServiceCondition) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Type != b[i].Type || a[i].Status != b[i].Status || a[i].Reason != b[i].Reason || a[i].Message != b[i].Message ||
			!a[i].LastTransitionTime.Equal(&b[i].LastTransitionTime) {
			return false
		}
	}
	return true
}
