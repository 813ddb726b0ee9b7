package apiserver

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/debug"
	stdsync "sync"
	"sync/atomic"
	"time"

	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/rest"

	"github.com/sheetops/sheetops/apiserver/auth"
	"github.com/sheetops/sheetops/apiserver/controllers"
	"github.com/sheetops/sheetops/apiserver/openapi"
	"github.com/sheetops/sheetops/apiserver/storage"
)

// Options configure the engine. The zero value of each field means its default.
type Options struct {
	// Addr is the listen address; default 127.0.0.1:6443. Port 0 picks a free port.
	Addr string
	// DataDir holds the store, the CA, the serving certificate, the front-proxy CA and client
	// certificate (API aggregation) and the token file; default .sheetops/apiserver.
	DataDir string
	// KubeconfigOut is where the admin kubeconfig is written; default DataDir/kubeconfig.
	KubeconfigOut string
	// TokenFile is a kube-apiserver style token file (token,user,uid,"groups"); default DataDir/tokens.csv, created with an admin and a read-only token.
	TokenFile string
	// Demo seeds namespaces and deployments on an empty store.
	Demo bool
	// NoSync acknowledges writes before their fsync (a crash of the process loses nothing;
	// a power cut may lose the last writes); default false: every acknowledged write is on
	// disk, concurrent writes sharing one fsync (group commit).
	NoSync bool
	// NoControllers leaves out the deployment and replica set controllers and the simulated
	// kubelet: the engine then only stores and serves objects, as a bare API server does.
	NoControllers bool
	// Controllers tunes the controllers and the simulated kubelet (timings, node name).
	Controllers controllers.Options
	// Logger receives the engine's logs; default slog.Default().
	Logger *slog.Logger
}

func (o *Options) setDefaults() {
	if o.Addr == "" {
		o.Addr = "127.0.0.1:6443"
	}
	if o.DataDir == "" {
		o.DataDir = filepath.Join(".sheetops", "apiserver")
	}
	if o.KubeconfigOut == "" {
		o.KubeconfigOut = filepath.Join(o.DataDir, "kubeconfig")
	}
	if o.TokenFile == "" {
		o.TokenFile = filepath.Join(o.DataDir, "tokens.csv")
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
}

// Server is one running engine.
type Server struct {
	opts   Options
	log    *slog.Logger
	store  *storage.Store
	pki    *auth.PKI
	tokens auth.Tokens
	authn  *auth.TokenAuthenticator
	authz  *auth.Authorizer
	certs  *auth.CertificateAuthenticator
	signer *auth.Signer
	docs   *openapi.Docs

	listener net.Listener
	http     *http.Server
	handler  http.Handler
	started  time.Time

	collector *collector
	agg       *aggregator
	// custom is what the CRDs serve (crd.go); customMu serialises its rebuilds.
	custom   atomic.Pointer[customSet]
	customMu stdsync.Mutex
	// allocMu serialises the allocators (cluster IPs, node ports) with the creates that
	// store what they handed out.
	allocMu stdsync.Mutex
	wg      stdsync.WaitGroup
	stop    context.CancelFunc
	// policyRoles and policyBindings are the bootstrap policy (auth.BootstrapPolicy), decoded
	// by New for Start.
	policyRoles    []*rbacv1.ClusterRole
	policyBindings []*rbacv1.ClusterRoleBinding
	// fullStartTypes: the writes at start use the field managers' own type converter
	// rather than bootstrapTypes (TestBootstrapFields compares the two).
	fullStartTypes bool
}

// New opens the data directory (store, certificates, tokens) without listening yet.
func New(opts Options) (*Server, error) {
	opts.setDefaults()
	s := &Server{opts: opts, log: opts.Logger.With("component", "apiserver")}
	if err := os.MkdirAll(opts.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("data dir %s: %w", opts.DataDir, err)
	}
	host, _, err := net.SplitHostPort(opts.Addr)
	if err != nil {
		return nil, fmt.Errorf("addr %q: %w", opts.Addr, err)
	}
	hosts := []string{"127.0.0.1", "::1", "localhost"}
	if host != "" && host != "127.0.0.1" && host != "localhost" && host != "::1" {
		hosts = append(hosts, host)
	}
	// The files are independent of one another: made (on a first start, each written and
	// synced) together, their fsyncs overlap.
	var (
		proxy *auth.FrontProxy
		wg    stdsync.WaitGroup
		errs  [5]error
	)
	wg.Go(func() { s.pki, errs[0] = auth.EnsurePKI(opts.DataDir, hosts) })
	wg.Go(func() {
		if s.tokens, errs[1] = auth.EnsureTokenFile(opts.TokenFile); errs[1] == nil {
			s.authn, errs[1] = auth.LoadTokenFile(opts.TokenFile)
		}
	})
	wg.Go(func() { s.signer, errs[2] = auth.EnsureSigningKey(opts.DataDir) })
	wg.Go(func() { proxy, errs[3] = auth.EnsureFrontProxy(opts.DataDir) })
	wg.Go(func() {
		s.store, errs[4] = storage.Open(storage.Options{Path: filepath.Join(opts.DataDir, "store.db"), New: newStoreObjectOrCustom, NoSync: opts.NoSync, Finalized: finalized})
	})
	// What Start's bootstrap needs of CPU work only is done meanwhile: the bootstrap policy
	// decoded and the type converter of the objects written at start.
	wg.Go(func() { s.policyRoles, s.policyBindings = auth.BootstrapPolicy() })
	wg.Go(func() { bootstrapTypes() })
	wg.Wait()
	if err := errors.Join(errs[:]...); err != nil {
		if s.store != nil {
			s.store.Close()
		}
		return nil, err
	}
	s.certs = s.pki.CertificateAuthenticator()
	s.authz = auth.NewAuthorizer(storePolicy{s.store})
	s.docs = openapi.New(scheme, openapiResources())
	s.collector = newCollector(s)
	s.agg = newAggregator(s, proxy)
	s.handler = s.buildHandler()
	return s, nil
}

// Start listens, bootstraps the built-in namespaces (and the demo), writes the kubeconfig and
// serves in the background until ctx ends or Close is called.
func (s *Server) Start(ctx context.Context) error {
	s.started = time.Now()
	ln, err := net.Listen("tcp", s.opts.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s (set --addr to a free address): %w", s.opts.Addr, err)
	}
	s.listener = ln
	if err := s.bootstrap(); err != nil {
		ln.Close()
		return err
	}
	s.syncCRDs()
	if s.opts.Demo {
		if err := s.seedDemo(); err != nil {
			ln.Close()
			return err
		}
	}
	if err := auth.WriteKubeconfig(s.opts.KubeconfigOut, s.URL(), s.pki.CACertPEM, "sheetops-admin", s.tokens.Admin); err != nil {
		ln.Close()
		return err
	}
	ctx, s.stop = context.WithCancel(ctx)
	tlsConfig := s.pki.TLSConfig()
	s.http = &http.Server{
		Handler:           s.handler,
		TLSConfig:         tlsConfig,
		ReadHeaderTimeout: 30 * time.Second,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
	}
	s.wg.Add(3)
	go func() {
		defer s.wg.Done()
		s.runCRDs(ctx)
	}()
	go func() {
		defer s.wg.Done()
		err := s.http.Serve(tls.NewListener(ln, tlsConfig))
		if err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("serve", "err", err)
		}
	}()
	go func() {
		defer s.wg.Done()
		s.collector.run(ctx)
	}()
	s.wg.Go(func() { s.agg.run(ctx) })
	s.startIdentity(ctx)
	if !s.opts.NoControllers {
		copts := s.opts.Controllers
		if copts.Logger == nil {
			copts.Logger = s.opts.Logger
		}
		self := &rest.Config{
			Host: s.URL(), BearerToken: s.tokens.Admin, UserAgent: "sheetops-controller-manager",
			TLSClientConfig: rest.TLSClientConfig{CAData: s.pki.CACertPEM},
			QPS:             -1,
		}
		s.wg.Go(func() {
			if !afterStart(ctx) {
				return
			}
			if err := controllers.Run(ctx, self, copts); err != nil {
				s.log.Error("controllers", "err", err)
			}
		})
	}
	// The field managers read the OpenAPI schema of every kind: built in the background,
	// rather than at package init (start-up) or by the first write.
	s.wg.Go(func() {
		if afterStart(ctx) {
			warmFieldManagers()
		}
	})
	s.log.Info("embedded API server ready", "url", s.URL(), "kubeconfig", s.opts.KubeconfigOut, "startup", time.Since(s.started).Round(time.Millisecond))
	return nil
}

// startQuiet is how long after Start the controllers and the field managers' warm-up wait.
// On two cores they took the CPU from the first clients: the first /readyz answered 7 ms
// later with them running (the controllers' informers and writes, ~15 ms of building the
// field managers' type converter). A controller manager beside kube-apiserver likewise
// starts once the server is up; a write that comes first builds its own field manager.
const startQuiet = 50 * time.Millisecond

// afterStart waits startQuiet; false when ctx ended first.
func afterStart(ctx context.Context) bool {
	t := time.NewTimer(startQuiet)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// Run starts the engine and blocks until ctx ends, then shuts it down.
func (s *Server) Run(ctx context.Context) error {
	if err := s.Start(ctx); err != nil {
		return err
	}
	<-ctx.Done()
	return s.Close()
}

// Close stops serving (waiting up to 5 s for requests in flight; watches end) and closes the store.
func (s *Server) Close() error {
	if s.stop != nil {
		s.stop()
	}
	var err error
	if s.http != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		// Watches hold connections open: end them first so Shutdown can finish.
		s.store.EndWatches()
		err = s.http.Shutdown(ctx)
		if err != nil {
			s.http.Close()
		}
	}
	s.wg.Wait()
	if cerr := s.store.Close(); cerr != nil && err == nil {
		err = cerr
	}
	return err
}

// URL is the https address clients use.
func (s *Server) URL() string {
	if s.listener == nil {
		return "https://" + s.opts.Addr
	}
	return "https://" + s.listener.Addr().String()
}

// KubeconfigPath is the admin kubeconfig the engine wrote.
func (s *Server) KubeconfigPath() string { return s.opts.KubeconfigOut }

// CACertPEM is the CA that signed the serving certificate.
func (s *Server) CACertPEM() []byte { return s.pki.CACertPEM }

// Tokens are the admin and read-only bearer tokens.
func (s *Server) Tokens() auth.Tokens { return s.tokens }

// Handler is the engine's HTTP handler (authentication included), for in-process clients.
func (s *Server) Handler() http.Handler { return s.handler }

func (s *Server) buildHandler() http.Handler {
	mux := http.NewServeMux()
	s.docs.Register(mux)
	s.registerIdentity(mux)
	mux.HandleFunc("/version", s.serveVersion)
	mux.HandleFunc("/version/", s.serveVersion)
	for _, p := range []string{"/healthz", "/livez", "/readyz"} {
		mux.HandleFunc(p, s.serveHealth)
		mux.HandleFunc(p+"/", s.serveHealth)
	}
	mux.HandleFunc("/api", s.serveDiscovery)
	mux.HandleFunc("/api/", s.serveAPI)
	mux.HandleFunc("/apis", s.serveDiscovery)
	mux.HandleFunc("/apis/", s.serveAPI)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/" {
			s.serveRoot(w, r)
			return
		}
		writeStatusError(w, apierrors.NewNotFound(schemaGroupResourceEmpty, ""))
	})
	return s.withRecovery(withPretty(s.withAuthentication(s.agg.withOpenAPI(mux))))
}

// withRecovery turns a handler's panic into a 500. It is the outermost layer, so it also
// grows the request's stack (growStack, growReadStack) before anything else runs on it.
func (s *Server) withRecovery(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodPost, http.MethodPut, http.MethodPatch:
			growStack()
		default:
			growReadStack()
		}
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.Error("panic serving request", "method", r.Method, "path", r.URL.Path, "panic", v, "stack", string(debug.Stack()))
				writeStatusError(w, apierrors.NewInternalError(fmt.Errorf("%v", v)))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

type userKey struct{}

func userFrom(r *http.Request) auth.User {
	u, _ := r.Context().Value(userKey{}).(auth.User)
	return u
}
