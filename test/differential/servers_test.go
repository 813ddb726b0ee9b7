package differential

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilnet "k8s.io/apimachinery/pkg/util/net"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/klog/v2"

	"github.com/sheetops/sheetops/apiserver"
	"github.com/sheetops/sheetops/apiserver/auth"
)

// Names of the two sides, as they appear in subtest and benchmark names.
const (
	sideEngine   = "engine"
	sideUpstream = "kube-apiserver"
)

// Users of both token files. The engine writes these names itself; the upstream token file
// uses the same ones so that Forbidden messages compare equal.
const (
	adminUser    = "sheetops-admin"
	viewerUser   = "sheetops-viewer"
	viewersGroup = "sheetops:viewers"
)

// server is one API server under test with the clients every scenario uses.
type server struct {
	name string
	url  string

	admin  *rest.Config
	cs     kubernetes.Interface // typed admin client (protobuf bodies)
	rc     rest.Interface       // JSON admin client for raw requests
	viewer rest.Interface       // JSON client of the read-only user
	anon   rest.Interface       // JSON client without a token
	badTok rest.Interface       // JSON client with a token neither server knows

	// upstream is true for kube-apiserver, which needs a default ServiceAccount in every
	// namespace that gets pods.
	upstream bool
	// caDir holds ca.crt and ca.key of the CA the server trusts for client certificates.
	caDir string
	// viewerTok is the read-only user's token.
	viewerTok string
	// procs are the processes that serve it, when it runs in processes of its own: their
	// CPU time is the server's in BenchmarkServers.
	procs []*os.Process
}

func (s *server) viewerToken() string { return s.viewerTok }

// clients fills in every client of s from its admin config and the viewer's token.
func (s *server) clients(admin *rest.Config, viewerToken string) error {
	admin = rest.CopyConfig(admin)
	admin.QPS, admin.Burst = -1, 0
	admin.WarningHandler = rest.NoWarnings{}
	admin.UserAgent = "sheetops-differential"
	s.admin = admin
	s.viewerTok = viewerToken
	var err error
	if s.cs, err = kubernetes.NewForConfig(admin); err != nil {
		return err
	}
	if s.rc, err = jsonClient(admin, admin.BearerToken); err != nil {
		return err
	}
	if s.viewer, err = jsonClient(admin, viewerToken); err != nil {
		return err
	}
	if s.anon, err = jsonClient(admin, ""); err != nil {
		return err
	}
	s.badTok, err = jsonClient(admin, "not-a-known-token")
	return err
}

// jsonClient is a REST client that sends and accepts JSON only, with the given bearer token.
func jsonClient(base *rest.Config, token string) (rest.Interface, error) {
	c := rest.CopyConfig(base)
	c.BearerToken, c.BearerTokenFile = token, ""
	c.APIPath = "/api"
	c.GroupVersion = &schema.GroupVersion{Version: "v1"}
	c.NegotiatedSerializer = scheme.Codecs.WithoutConversion()
	c.ContentType = "application/json"
	c.AcceptContentTypes = "application/json"
	return rest.RESTClientFor(c)
}

// prepareNamespace creates namespace ns; on kube-apiserver it also creates the default
// ServiceAccount that kube-controller-manager would create (none runs), without which the
// ServiceAccount admission plugin refuses every pod.
func (s *server) prepareNamespace(ctx context.Context, ns string) error {
	_, err := s.cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("create namespace %s: %w", ns, err)
	}
	if !s.upstream {
		return nil
	}
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "default"}}
	if _, err := s.cs.CoreV1().ServiceAccounts(ns).Create(ctx, sa, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("create service account %s/default: %w", ns, err)
	}
	return nil
}

// durable is false when DIFFERENTIAL_FSYNC=false: neither etcd nor the engine then syncs
// a write to disk before it answers (see the package documentation).
var durable = os.Getenv("DIFFERENTIAL_FSYNC") != "false"

// ---- the engine ----

// engineServer is a running engine.
type engineServer struct {
	*server
	srv *apiserver.Server
}

// startEngine starts an engine on a free loopback port with its data in dir, without its
// controllers and simulated kubelet: kube-apiserver runs without kube-controller-manager,
// scheduler or kubelet, so only the API servers themselves are compared.
func startEngine(ctx context.Context, dir string) (*engineServer, error) {
	srv, err := apiserver.New(apiserver.Options{
		Addr: "127.0.0.1:0", DataDir: dir, NoControllers: true, NoSync: !durable,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		return nil, fmt.Errorf("new engine: %w", err)
	}
	if err := srv.Start(ctx); err != nil {
		return nil, fmt.Errorf("start engine: %w", err)
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", srv.KubeconfigPath())
	if err != nil {
		srv.Close()
		return nil, fmt.Errorf("engine kubeconfig: %w", err)
	}
	e := &engineServer{server: &server{name: sideEngine, url: srv.URL(), caDir: dir}, srv: srv}
	if err := e.clients(cfg, srv.Tokens().Viewer); err != nil {
		srv.Close()
		return nil, err
	}
	if err := waitReady(ctx, cfg, 30*time.Second, nil); err != nil {
		srv.Close()
		return nil, err
	}
	return e, nil
}

func (e *engineServer) Close() error { return e.srv.Close() }

// ---- etcd and kube-apiserver ----

// process is a child process whose output goes to a log file.
type process struct {
	name string
	cmd  *exec.Cmd
	log  string
	done chan struct{}
	err  error
}

func startProcess(name, logPath string, bin string, args ...string) (*process, error) {
	f, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = f, f
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} // never outlive the test binary
	if err := cmd.Start(); err != nil {
		f.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &process{name: name, cmd: cmd, log: logPath, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		f.Close()
		close(p.done)
	}()
	return p, nil
}

// exited reports whether the process has ended.
func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// stop ends the process: SIGTERM, then SIGKILL after 10 s.
func (p *process) stop() {
	if p == nil || p.exited() {
		return
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		p.cmd.Process.Kill()
		<-p.done
	}
}

// tail is the end of the process's log, for error messages.
func (p *process) tail() string {
	b, _ := os.ReadFile(p.log)
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

// freePort returns a port on 127.0.0.1 nothing listens on right now.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// etcd is a single-member etcd on loopback.
type etcd struct {
	*process
	clientURL string
	startup   time.Duration // from exec to healthy
}

func startEtcd(ctx context.Context, bin, dir string) (*etcd, error) {
	clientPort, err := freePort()
	if err != nil {
		return nil, err
	}
	peerPort, err := freePort()
	if err != nil {
		return nil, err
	}
	client := fmt.Sprintf("http://127.0.0.1:%d", clientPort)
	peer := fmt.Sprintf("http://127.0.0.1:%d", peerPort)
	args := []string{
		"--name=sheetops",
		"--data-dir=" + filepath.Join(dir, "etcd"),
		"--listen-client-urls=" + client, "--advertise-client-urls=" + client,
		"--listen-peer-urls=" + peer, "--initial-advertise-peer-urls=" + peer,
		"--initial-cluster=sheetops=" + peer,
		"--log-level=warn",
	}
	if !durable {
		args = append(args, "--unsafe-no-fsync")
	}
	start := time.Now()
	p, err := startProcess("etcd", filepath.Join(dir, "etcd.log"), bin, args...)
	if err != nil {
		return nil, err
	}
	e := &etcd{process: p, clientURL: client}
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(client + "/health")
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK && bytes.Contains(body, []byte(`"true"`)) {
				e.startup = time.Since(start)
				return e, nil
			}
		}
		if p.exited() || time.Now().After(deadline) || ctx.Err() != nil {
			p.stop()
			return nil, fmt.Errorf("etcd did not become healthy: %v\n%s", err, p.tail())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// kubeAPIServer is a running kube-apiserver.
type kubeAPIServer struct {
	*server
	proc    *process
	startup time.Duration // from exec to /readyz 200
}

// upstreamFiles are the credentials a kube-apiserver needs, written once per directory.
type upstreamFiles struct {
	tokenFile, saKey      string
	adminToken, viewToken string
	frontProxy            frontProxyFiles // the aggregation layer's request-header CA and client certificate
	// clientCA is the --client-ca-file, ca.crt beside ca.key in its directory.
	clientCA string
}

func writeUpstreamFiles(dir string) (upstreamFiles, error) {
	f := upstreamFiles{
		tokenFile:  filepath.Join(dir, "tokens.csv"),
		saKey:      filepath.Join(dir, "sa.key"),
		adminToken: randomToken(),
		viewToken:  randomToken(),
	}
	// kube-apiserver's --token-auth-file format, the same the engine reads: token,user,uid,"groups".
	tokens := fmt.Sprintf("%s,%s,1,\"system:masters\"\n%s,%s,2,\"%s\"\n", f.adminToken, adminUser, f.viewToken, viewerUser, viewersGroup)
	if err := os.WriteFile(f.tokenFile, []byte(tokens), 0o600); err != nil {
		return f, err
	}
	var err error
	if f.frontProxy, err = writeFrontProxyFiles(dir); err != nil {
		return f, err
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return f, err
	}
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	if err := os.WriteFile(f.saKey, pemKey, 0o600); err != nil {
		return f, err
	}
	f.clientCA, err = writeClientCA(dir)
	return f, err
}

func randomToken() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// startKubeAPIServer starts bin against etcd with its state under etcdPrefix (a fresh prefix
// is a fresh cluster) and waits for /readyz.
func startKubeAPIServer(ctx context.Context, bin, dir string, files upstreamFiles, etcdURL, etcdPrefix string) (*kubeAPIServer, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	certDir := filepath.Join(dir, "certs")
	start := time.Now()
	p, err := startProcess("kube-apiserver", filepath.Join(dir, "kube-apiserver.log"), bin,
		"--etcd-servers="+etcdURL,
		"--etcd-prefix="+etcdPrefix,
		"--secure-port="+strconv.Itoa(port),
		"--bind-address=127.0.0.1",
		"--advertise-address=127.0.0.1",
		"--cert-dir="+certDir,
		"--token-auth-file="+files.tokenFile,
		"--client-ca-file="+files.clientCA,
		"--authorization-mode=RBAC",
		"--service-cluster-ip-range=10.96.0.0/12", // the engine's range
		"--service-account-issuer=https://kubernetes.default.svc",
		"--service-account-key-file="+files.saKey,
		"--service-account-signing-key-file="+files.saKey,
		// The "kubernetes" Service's endpoints would be 127.0.0.1, which the endpoint
		// reconciler refuses; nothing here needs that Service.
		"--endpoint-reconciler-type=none",
		"--profiling=false",
		// the aggregation layer, as kubeadm sets it up
		"--requestheader-client-ca-file="+files.frontProxy.ca,
		"--proxy-client-cert-file="+files.frontProxy.clientCert,
		"--proxy-client-key-file="+files.frontProxy.clientKey,
		"--requestheader-allowed-names="+auth.FrontProxyClientName,
		"--requestheader-username-headers=X-Remote-User",
		"--requestheader-uid-headers=X-Remote-Uid",
		"--requestheader-group-headers=X-Remote-Group",
		"--requestheader-extra-headers-prefix=X-Remote-Extra-",
	)
	if err != nil {
		return nil, err
	}
	url := fmt.Sprintf("https://127.0.0.1:%d", port)
	cfg := &rest.Config{
		Host:            url,
		BearerToken:     files.adminToken,
		TLSClientConfig: rest.TLSClientConfig{CAFile: filepath.Join(certDir, "apiserver.crt")},
	}
	// kube-apiserver writes its self-signed serving certificate (with the CA that signed it)
	// at start; waitReady probes, with verification, once that file exists.
	if err := waitReady(ctx, cfg, 90*time.Second, p); err != nil {
		p.stop()
		return nil, err
	}
	k := &kubeAPIServer{server: &server{name: sideUpstream, url: url, upstream: true, caDir: filepath.Dir(files.clientCA)}, proc: p, startup: time.Since(start)}
	if err := k.clients(cfg, files.viewToken); err != nil {
		p.stop()
		return nil, err
	}
	return k, nil
}

// grantViewers gives the read-only user what the engine gives it: the rules of the view
// cluster role, which kube-apiserver alone (without kube-controller-manager's aggregation
// controller) leaves empty, so they are copied from the engine's bootstrap policy.
func (k *kubeAPIServer) grantViewers(ctx context.Context) error {
	rbac := k.cs.RbacV1()
	view, err := auth.NewBootstrapPolicy().ClusterRole("view")
	if err != nil {
		return err
	}
	role := &rbacv1.ClusterRole{
		ObjectMeta: metav1.ObjectMeta{Name: "sheetops-viewer"},
		Rules:      view.Rules,
	}
	if _, err := rbac.ClusterRoles().Create(ctx, role, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("create cluster role: %w", err)
	}
	binding := &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "sheetops-viewers"},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "sheetops-viewer"},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: viewerUser}},
	}
	if _, err := rbac.ClusterRoleBindings().Create(ctx, binding, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("create cluster role binding: %w", err)
	}
	return nil
}

func (k *kubeAPIServer) Close() error {
	k.proc.stop()
	return nil
}

// waitReady polls /readyz with cfg's credentials until it answers 200. When p is given, a
// process that exits ends the wait with its log.
func waitReady(ctx context.Context, cfg *rest.Config, timeout time.Duration, p *process) error {
	deadline := time.Now().Add(timeout)
	var client *http.Client
	var lastErr error
	for {
		if client == nil {
			if _, err := os.Stat(cfg.TLSClientConfig.CAFile); cfg.TLSClientConfig.CAFile == "" || err == nil {
				// The file may still be being written: on error, try again.
				if c, err := rest.HTTPClientFor(cfg); err != nil {
					lastErr = err
				} else {
					c.Timeout = 5 * time.Second
					client = c
				}
			}
		}
		if client != nil {
			resp, err := client.Get(cfg.Host + "/readyz")
			if err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					// An idle connection left open would hold up the server's graceful shutdown.
					utilnet.CloseIdleConnectionsFor(client.Transport)
					return nil
				}
				lastErr = fmt.Errorf("/readyz: %s", resp.Status)
			} else {
				lastErr = err
				var certErr *tls.CertificateVerificationError
				if errors.As(err, &certErr) {
					client = nil // the certificate was rewritten: reload the CA
				}
			}
		}
		if p != nil && p.exited() {
			return fmt.Errorf("%s exited (%v) before it was ready:\n%s", p.name, p.err, p.tail())
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			msg := ""
			if p != nil {
				msg = "\n" + p.tail()
			}
			return fmt.Errorf("not ready after %s: %v%s", timeout, lastErr, msg)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// ---- finding the upstream binaries ----

// upstreamBins are the etcd and kube-apiserver to compare with.
type upstreamBins struct {
	etcd, kubeAPIServer string
}

// cachedBinary is the binary $env names, else the one the build script caches for the
// version of module that the builder module in ../modDir pins.
func cachedBinary(env, name, modDir, module, script string) (string, error) {
	if p := os.Getenv(env); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("%s: %w", env, err)
		}
		return p, nil
	}
	version, err := pinnedVersion(filepath.Join("..", modDir, "go.mod"), module)
	if err != nil {
		return "", err
	}
	cache := os.Getenv("SHEETOPS_CACHE")
	if cache == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", err
		}
		cache = filepath.Join(home, ".cache", "sheetops")
	}
	p := filepath.Join(cache, name+"-"+version)
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("no %s: set %s or run test/%s (%w)", name, env, script, err)
	}
	return p, nil
}

// pinnedVersion reads the version of module that the go.mod at path requires.
func pinnedVersion(path, module string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	re := regexp.MustCompile(`^(?:require\s+)?` + regexp.QuoteMeta(module) + `\s+(v\S+)$`)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if m := re.FindStringSubmatch(strings.TrimSpace(sc.Text())); m != nil {
			return m[1], nil
		}
	}
	return "", fmt.Errorf("%s does not require %s", path, module)
}

// needUpstream finds etcd and kube-apiserver. When one is missing it skips tb, or fails it
// under CI (CI set), where run-differential.sh provides both.
func needUpstream(tb testing.TB) upstreamBins {
	tb.Helper()
	missing := func(err error) {
		if os.Getenv("CI") != "" {
			tb.Fatalf("required under CI: %v", err)
		}
		tb.Skipf("upstream side unavailable: %v", err)
	}
	var bins upstreamBins
	var err error
	if bins.etcd, err = cachedBinary("ETCD_BIN", "etcd", "etcd", "go.etcd.io/etcd/server/v3", "build-etcd.sh"); err != nil {
		missing(err)
	}
	if bins.kubeAPIServer, err = cachedBinary("KUBE_APISERVER_BIN", "kube-apiserver", "kubeapiserver", "k8s.io/kubernetes", "build-kube-apiserver.sh"); err != nil {
		missing(err)
	}
	return bins
}

// ---- servers shared by the tests and benchmarks of one test binary ----

// cluster is etcd with one kube-apiserver, and an engine, started once and shared.
type cluster struct {
	dir      string
	etcd     *etcd
	files    upstreamFiles
	bins     upstreamBins
	upstream *kubeAPIServer
	engine   *engineServer
	prefixes int // etcd prefixes handed out, one per kube-apiserver started
}

var (
	sharedMu sync.Mutex
	shared   *cluster
)

// sharedCluster starts (once) or returns the shared servers; it skips or fails tb when the
// upstream side is unavailable.
func sharedCluster(tb testing.TB) *cluster {
	tb.Helper()
	bins := needUpstream(tb)
	sharedMu.Lock()
	defer sharedMu.Unlock()
	if shared != nil {
		return shared
	}
	c, err := newCluster(bins)
	if err != nil {
		tb.Fatal(err)
	}
	shared = c
	return c
}

func newCluster(bins upstreamBins) (_ *cluster, err error) {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "sheetops-differential-")
	if err != nil {
		return nil, err
	}
	c := &cluster{dir: dir, bins: bins}
	defer func() {
		if err != nil {
			c.close()
		}
	}()
	if c.files, err = writeUpstreamFiles(dir); err != nil {
		return nil, err
	}
	if c.etcd, err = startEtcd(ctx, bins.etcd, dir); err != nil {
		return nil, err
	}
	if c.upstream, err = c.startKubeAPIServer(ctx); err != nil {
		return nil, err
	}
	if err = c.upstream.grantViewers(ctx); err != nil {
		return nil, err
	}
	engineDir := filepath.Join(dir, "engine")
	if c.engine, err = startEngine(ctx, engineDir); err != nil {
		return nil, err
	}
	return c, nil
}

// startKubeAPIServer starts another kube-apiserver on the shared etcd, under a fresh prefix
// and in a directory of its own.
func (c *cluster) startKubeAPIServer(ctx context.Context) (*kubeAPIServer, error) {
	c.prefixes++
	dir := filepath.Join(c.dir, fmt.Sprintf("kube-apiserver-%d", c.prefixes))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	return startKubeAPIServer(ctx, c.bins.kubeAPIServer, dir, c.files, c.etcd.clientURL, fmt.Sprintf("/registry-%d", c.prefixes))
}

func (c *cluster) close() {
	if c.engine != nil {
		c.engine.Close()
	}
	if c.upstream != nil {
		c.upstream.Close()
	}
	if c.etcd != nil {
		c.etcd.stop()
	}
	os.RemoveAll(c.dir)
}

func TestMain(m *testing.M) {
	if kc := os.Getenv(replayKubeconfigEnv); kc != "" {
		os.Exit(replayProcessMain(kc))
	}
	// client-go logs through klog; the suite reports what it sees itself.
	klog.LogToStderr(false)
	klog.SetOutput(io.Discard)
	code := m.Run()
	sharedMu.Lock()
	if shared != nil {
		shared.close()
	}
	sharedMu.Unlock()
	os.Exit(code)
}
