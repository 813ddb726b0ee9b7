package apiserver_test

// Identity and access end to end, with the real kubectl: ServiceAccount tokens
// (TokenRequest and legacy Secrets), x509 client certificates from an approved CSR, RBAC
// with upstream's forbidden messages, access reviews, impersonation, kubectl proxy, and
// SheetOps' own deploy/ roles.

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sheetops/sheetops/apiserver"
)

// lockedBuffer is a log sink tests read after the engine has run.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// identityEngine starts an engine whose debug logs go to logs.
func identityEngine(t *testing.T, logs io.Writer) (*apiserver.Server, string) {
	t.Helper()
	dir := t.TempDir()
	srv, err := apiserver.New(apiserver.Options{
		Addr: "127.0.0.1:0", DataDir: dir, NoControllers: true,
		Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	if err != nil {
		t.Fatalf("new engine: %v", err)
	}
	if err := srv.Start(context.Background()); err != nil {
		t.Fatalf("start engine: %v", err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv, dir
}

// httpGet calls the engine with a bearer token or a client certificate and returns the
// status code and body.
func httpCall(t *testing.T, srv *apiserver.Server, method, path, token string, cert *tls.Certificate, body string) (int, string) {
	t.Helper()
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(srv.CACertPEM())
	cfg := &tls.Config{RootCAs: pool}
	if cert != nil {
		cfg.Certificates = []tls.Certificate{*cert}
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: cfg}, Timeout: 10 * time.Second}
	req, err := http.NewRequest(method, srv.URL()+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("User-Agent", "curl/8.5.0") // the walkthroughs use curl, which gets indented JSON
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(data)
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(kcWait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestKubectlIdentity(t *testing.T) {
	kubectlBin := needTool(t, "kubectl")
	logs := &lockedBuffer{}
	srv, dataDir := identityEngine(t, logs)
	k := newKubectl(t, kubectlBin, srv)
	var secrets []string // every credential the test saw, none of which may be logged

	k.ok(t, "create", "namespace", "dev")
	k.ok(t, "create", "namespace", "other")

	t.Run("service account token walkthrough", func(t *testing.T) {
		k.ok(t, "create", "serviceaccount", "robot", "-n", "default")
		k.ok(t, "create", "clusterrolebinding", "robot-admin", "--clusterrole=cluster-admin", "--serviceaccount=default:robot")
		token := strings.TrimSpace(k.ok(t, "create", "token", "robot", "-n", "default", "--duration=1h"))
		secrets = append(secrets, token)
		if code, body := httpCall(t, srv, "GET", "/api/v1/namespaces/default/serviceaccounts", token, nil, ""); code != http.StatusOK || !strings.Contains(body, `"ServiceAccountList"`) {
			t.Fatalf("GET with the token: %d %s", code, body)
		}
		who := k.ok(t, "auth", "whoami", "--token", token)
		kcWantContains(t, "whoami", who, "system:serviceaccount:default:robot", "[system:serviceaccounts system:serviceaccounts:default system:authenticated]", "authentication.kubernetes.io/credential-id")
		if got := strings.TrimSpace(k.ok(t, "auth", "can-i", "delete", "nodes", "--token", token)); got != "yes" {
			t.Errorf("can-i delete nodes = %q, want yes", got)
		}
		// A token for another audience, a tampered one, and one of a deleted ServiceAccount are refused.
		other := strings.TrimSpace(k.ok(t, "create", "token", "robot", "-n", "default", "--audience=vault"))
		if code, _ := httpCall(t, srv, "GET", "/api", other, nil, ""); code != http.StatusUnauthorized {
			t.Errorf("token for another audience: %d, want 401", code)
		}
		if code, _ := httpCall(t, srv, "GET", "/api", token[:len(token)-4]+"AAAA", nil, ""); code != http.StatusUnauthorized {
			t.Errorf("tampered token: %d, want 401", code)
		}
		k.ok(t, "create", "serviceaccount", "shortlived", "-n", "default")
		short := strings.TrimSpace(k.ok(t, "create", "token", "shortlived", "-n", "default"))
		if code, _ := httpCall(t, srv, "GET", "/api", short, nil, ""); code != http.StatusOK {
			t.Errorf("token of an existing ServiceAccount: %d, want 200", code)
		}
		k.ok(t, "delete", "serviceaccount", "shortlived", "-n", "default")
		if code, body := httpCall(t, srv, "GET", "/api", short, nil, ""); code != http.StatusUnauthorized || !strings.Contains(body, `"reason": "Unauthorized"`) {
			t.Errorf("token of a deleted ServiceAccount: %d %s, want 401 Unauthorized", code, body)
		}
		// A token bound to a pod lasts as long as the pod.
		podFile := filepath.Join(t.TempDir(), "pod.yaml")
		os.WriteFile(podFile, []byte("apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: default}\nspec:\n  serviceAccountName: robot\n  containers: [{name: app, image: nginx}]\n"), 0o600)
		k.ok(t, "create", "-f", podFile)
		bound := strings.TrimSpace(k.ok(t, "create", "token", "robot", "-n", "default", "--bound-object-kind=Pod", "--bound-object-name=p"))
		kcWantContains(t, "whoami with a bound token", k.ok(t, "auth", "whoami", "--token", bound), "authentication.kubernetes.io/pod-name", "[p]")
		k.ok(t, "delete", "pod", "p", "-n", "default", "--grace-period=0", "--force")
		if code, _ := httpCall(t, srv, "GET", "/api", bound, nil, ""); code != http.StatusUnauthorized {
			t.Errorf("token bound to a deleted pod: %d, want 401", code)
		}
		kcWantContains(t, "too short a token", k.fails(t, "create", "token", "robot", "-n", "default", "--duration=1m"),
			`may not specify a duration less than 10 minutes`)
	})

	t.Run("legacy token secret", func(t *testing.T) {
		k.ok(t, "create", "serviceaccount", "legacy", "-n", "dev")
		manifest := filepath.Join(t.TempDir(), "secret.yaml")
		os.WriteFile(manifest, []byte(`apiVersion: v1
kind: Secret
metadata:
  name: legacy-token
  namespace: dev
  annotations:
    kubernetes.io/service-account.name: legacy
type: kubernetes.io/service-account-token
`), 0o600)
		k.ok(t, "create", "-f", manifest)
		var token string
		waitFor(t, "the token controller", func() bool {
			out := k.run(t, "get", "secret", "legacy-token", "-n", "dev", "-o", "jsonpath={.data.token}")
			data, _ := base64.StdEncoding.DecodeString(out.stdout)
			token = string(data)
			return token != ""
		})
		secrets = append(secrets, token)
		ns := k.ok(t, "get", "secret", "legacy-token", "-n", "dev", "-o", "jsonpath={.data.namespace}")
		if data, _ := base64.StdEncoding.DecodeString(ns); string(data) != "dev" {
			t.Errorf("data.namespace = %q, want dev", data)
		}
		ca := k.ok(t, "get", "secret", "legacy-token", "-n", "dev", "-o", "jsonpath={.data.ca\\.crt}")
		if data, _ := base64.StdEncoding.DecodeString(ca); !bytes.Equal(data, srv.CACertPEM()) {
			t.Errorf("data.ca.crt is not the engine's CA")
		}
		kcWantContains(t, "whoami", k.ok(t, "auth", "whoami", "--token", token), "system:serviceaccount:dev:legacy")
		kcWantContains(t, "forbidden", k.fails(t, "get", "pods", "-n", "dev", "--token", token),
			`Error from server (Forbidden): pods is forbidden: User "system:serviceaccount:dev:legacy" cannot list resource "pods" in API group "" in the namespace "dev"`)
		k.ok(t, "delete", "secret", "legacy-token", "-n", "dev")
		if code, _ := httpCall(t, srv, "GET", "/api", token, nil, ""); code != http.StatusUnauthorized {
			t.Errorf("token of a deleted Secret: %d, want 401", code)
		}
		// The token controller deletes a token Secret for no ServiceAccount, and the token
		// Secrets of a ServiceAccount that is deleted.
		for _, name := range []string{"orphan", "legacy"} {
			os.WriteFile(manifest, []byte(strings.ReplaceAll(`apiVersion: v1
kind: Secret
metadata:
  name: NAME-token
  namespace: dev
  annotations:
    kubernetes.io/service-account.name: NAME
type: kubernetes.io/service-account-token
`, "NAME", name)), 0o600)
			k.ok(t, "create", "-f", manifest)
		}
		waitFor(t, "the orphan token secret to go", func() bool {
			return strings.Contains(k.run(t, "get", "secret", "orphan-token", "-n", "dev").stderr, "NotFound")
		})
		waitFor(t, "the token to be filled", func() bool {
			return k.run(t, "get", "secret", "legacy-token", "-n", "dev", "-o", "jsonpath={.data.token}").stdout != ""
		})
		k.ok(t, "delete", "serviceaccount", "legacy", "-n", "dev")
		waitFor(t, "the token secret of a deleted ServiceAccount to go", func() bool {
			return strings.Contains(k.run(t, "get", "secret", "legacy-token", "-n", "dev").stderr, "NotFound")
		})
		k.ok(t, "create", "serviceaccount", "legacy", "-n", "dev") // the later subtests impersonate it
	})

	t.Run("x509 certificate from an approved CSR", func(t *testing.T) {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "chot", Organization: []string{"devs"}}}, key)
		if err != nil {
			t.Fatal(err)
		}
		csrPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der})
		dir := t.TempDir()
		manifest := filepath.Join(dir, "csr.yaml")
		os.WriteFile(manifest, []byte(fmt.Sprintf(`apiVersion: certificates.k8s.io/v1
kind: CertificateSigningRequest
metadata:
  name: chot
spec:
  request: %s
  signerName: kubernetes.io/kube-apiserver-client
  expirationSeconds: 86400
  usages: ["client auth"]
`, base64.StdEncoding.EncodeToString(csrPEM))), 0o600)
		k.ok(t, "create", "-f", manifest)
		if got := k.ok(t, "get", "csr", "chot", "-o", "jsonpath={.spec.username}"); got != "sheetops-admin" {
			t.Errorf("spec.username = %q, want the requester sheetops-admin", got)
		}
		kcWantContains(t, "approve", k.ok(t, "certificate", "approve", "chot"), "certificatesigningrequest.certificates.k8s.io/chot approved")
		var certPEM []byte
		waitFor(t, "the signer", func() bool {
			out := k.run(t, "get", "csr", "chot", "-o", "jsonpath={.status.certificate}")
			certPEM, _ = base64.StdEncoding.DecodeString(out.stdout)
			return len(certPEM) > 0
		})
		header, rows := kcTable(k.ok(t, "get", "csr"))
		if want := []string{"NAME", "AGE", "SIGNERNAME", "REQUESTOR", "REQUESTEDDURATION", "CONDITION"}; !slices.Equal(header, want) {
			t.Errorf("kubectl get csr header %v, want %v", header, want)
		}
		if row := rows["chot"]; len(row) != 6 || row[2] != "kubernetes.io/kube-apiserver-client" || row[3] != "sheetops-admin" || row[4] != "24h" || row[5] != "Approved,Issued" {
			t.Errorf("kubectl get csr row %v", row)
		}
		block, _ := pem.Decode(certPEM)
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		if cert.Subject.CommonName != "chot" || cert.Subject.Organization[0] != "devs" || time.Until(cert.NotAfter) > 25*time.Hour {
			t.Errorf("certificate subject %v, not after %v", cert.Subject, cert.NotAfter)
		}
		keyDER, _ := x509.MarshalECPrivateKey(key)
		keyPEM := pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})
		certFile, keyFile := filepath.Join(dir, "chot.crt"), filepath.Join(dir, "chot.key")
		os.WriteFile(certFile, certPEM, 0o600)
		os.WriteFile(keyFile, keyPEM, 0o600)
		secrets = append(secrets, string(keyPEM))

		k.ok(t, "create", "role", "pod-reader", "--verb=get,list,watch", "--resource=pods", "-n", "dev")
		k.ok(t, "create", "rolebinding", "chot-reads", "--role=pod-reader", "--user=chot", "-n", "dev")
		kcWantContains(t, "kubectl get rolebinding -o wide", k.ok(t, "get", "rolebinding", "chot-reads", "-n", "dev", "-o", "wide"), "ROLE", "Role/pod-reader", "chot")

		// kubectl with the certificate instead of the token
		kc := filepath.Join(dir, "chot.kubeconfig")
		data, _ := os.ReadFile(srv.KubeconfigPath())
		os.WriteFile(kc, data, 0o600)
		chot := kubectlCLI{path: kubectlBin, kubeconfig: kc, cacheDir: t.TempDir()}
		chot.ok(t, "config", "set-credentials", "chot", "--client-certificate="+certFile, "--client-key="+keyFile)
		chot.ok(t, "config", "set-context", "--current", "--user=chot")
		kcWantContains(t, "whoami", chot.ok(t, "auth", "whoami"), "chot", "[devs system:authenticated]")
		kcWantContains(t, "pods in dev", chot.run(t, "get", "pods", "-n", "dev").stderr, "No resources found in dev namespace.")
		kcWantContains(t, "pods in kube-system", chot.fails(t, "get", "pods", "-n", "kube-system"),
			`Error from server (Forbidden): pods is forbidden: User "chot" cannot list resource "pods" in API group "" in the namespace "kube-system"`)

		// upstream's Status body
		pair, err := tls.X509KeyPair(certPEM, keyPEM)
		if err != nil {
			t.Fatal(err)
		}
		code, body := httpCall(t, srv, "GET", "/api/v1/namespaces/other/pods/x", "", &pair, "")
		want := `{
  "kind": "Status",
  "apiVersion": "v1",
  "metadata": {},
  "status": "Failure",
  "message": "pods \"x\" is forbidden: User \"chot\" cannot get resource \"pods\" in API group \"\" in the namespace \"other\"",
  "reason": "Forbidden",
  "details": {
    "name": "x",
    "kind": "pods"
  },
  "code": 403
}`
		if code != http.StatusForbidden || body != want {
			t.Errorf("403 body:\n%s\nwant\n%s", body, want)
		}

		// A certificate the engine's CA did not sign is a 401.
		foreign := selfSigned(t, "chot")
		if code, _ := httpCall(t, srv, "GET", "/api", "", &foreign, ""); code != http.StatusUnauthorized {
			t.Errorf("foreign certificate: %d, want 401", code)
		}
		// The CA's key is kept private.
		if fi, err := os.Stat(filepath.Join(dataDir, "ca.key")); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("ca.key: %v %v, want 0600", fi.Mode(), err)
		}
		if fi, err := os.Stat(filepath.Join(dataDir, "sa.key")); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("sa.key: %v %v, want 0600", fi.Mode(), err)
		}
	})

	t.Run("can-i, rules and impersonation", func(t *testing.T) {
		viewer := srv.Tokens().Viewer
		for _, c := range []struct {
			args []string
			want string
		}{
			{[]string{"auth", "can-i", "list", "pods", "-n", "dev", "--as", "chot"}, "yes"},
			{[]string{"auth", "can-i", "delete", "pods", "-n", "dev", "--as", "chot"}, "no"},
			{[]string{"auth", "can-i", "list", "pods", "-n", "other", "--as", "chot"}, "no"},
			{[]string{"auth", "can-i", "list", "pods", "-A", "--token", viewer}, "yes"},
			{[]string{"auth", "can-i", "get", "secrets", "-n", "dev", "--token", viewer}, "no"},
			{[]string{"auth", "can-i", "create", "deployments", "-n", "dev", "--token", viewer}, "no"},
			{[]string{"auth", "can-i", "get", "/healthz", "--token", viewer}, "yes"},
		} {
			res := k.run(t, c.args...)
			if got := strings.TrimSpace(res.stdout); got != c.want {
				t.Errorf("kubectl %s = %q (%s), want %q", strings.Join(c.args, " "), got, res.stderr, c.want)
			}
		}
		// ClusterRole aggregation: a role labelled aggregate-to-view adds its rules to view
		// (and so to edit and admin), which the read-only user is bound to.
		k.ok(t, "create", "clusterrole", "widgets-view", "--verb=get,list", "--resource=secrets")
		k.ok(t, "label", "clusterrole", "widgets-view", "rbac.authorization.k8s.io/aggregate-to-view=true")
		waitFor(t, "aggregation into view", func() bool {
			return strings.TrimSpace(k.run(t, "auth", "can-i", "list", "secrets", "-n", "dev", "--token", viewer).stdout) == "yes"
		})
		if got := strings.TrimSpace(k.run(t, "auth", "can-i", "get", "secrets", "-n", "dev", "--as", "ed", "--as-group", "editors").stdout); got != "no" {
			t.Errorf("can-i without a binding = %q", got)
		}
		k.ok(t, "create", "clusterrolebinding", "editors", "--clusterrole=admin", "--group=editors")
		if got := strings.TrimSpace(k.run(t, "auth", "can-i", "get", "secrets", "-n", "dev", "--as", "ed", "--as-group", "editors").stdout); got != "yes" {
			t.Errorf("admin, which aggregates edit, which aggregates view: can-i = %q, want yes", got)
		}
		k.ok(t, "delete", "clusterrole", "widgets-view")
		waitFor(t, "aggregation after a delete", func() bool {
			return strings.TrimSpace(k.run(t, "auth", "can-i", "list", "secrets", "-n", "dev", "--token", viewer).stdout) == "no"
		})
		list := k.ok(t, "auth", "can-i", "--list", "-n", "dev", "--as", "chot")
		kcWantContains(t, "can-i --list", list, "pods", "[get list watch]", "selfsubjectaccessreviews.authorization.k8s.io", "/healthz")
		kcWantContains(t, "get as chot", k.run(t, "get", "pods", "-n", "dev", "--as", "chot").stderr, "No resources found")
		kcWantContains(t, "impersonation without the right", k.fails(t, "get", "pods", "-n", "dev", "--as", "chot", "--token", viewer),
			`Error from server (Forbidden): pods is forbidden: User "sheetops-viewer" cannot impersonate-on:user-info:list resource "pods" in API group "" in the namespace "dev"`)
		// A user who may write roles may only grant what the user holds.
		k.ok(t, "create", "role", "rbac-writer", "--verb=create,update,patch,get", "--resource=roles", "-n", "dev")
		k.ok(t, "create", "rolebinding", "chot-writes-roles", "--role=rbac-writer", "--user=chot", "-n", "dev")
		k.ok(t, "create", "role", "pods-too", "--verb=get", "--resource=pods", "-n", "dev", "--as", "chot")
		k.ok(t, "label", "role", "pods-too", "team=a", "-n", "dev", "--as", "chot")
		kcWantContains(t, "escalating role", k.fails(t, "create", "role", "secrets", "--verb=get", "--resource=secrets", "-n", "dev", "--as", "chot"),
			`roles.rbac.authorization.k8s.io "secrets" is forbidden: user "chot" (groups=["system:authenticated"]) is attempting to grant RBAC permissions not currently held:`,
			`{APIGroups:[""], Resources:["secrets"], Verbs:["get"]}`)
		kcWantContains(t, "whoami as", k.ok(t, "auth", "whoami", "--as", "system:serviceaccount:dev:legacy"),
			"system:serviceaccount:dev:legacy", "[system:serviceaccounts system:serviceaccounts:dev system:authenticated]")
	})

	t.Run("kubectl proxy", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		cmd := k.command(ctx, "proxy", "--port=0")
		stdout, _ := cmd.StdoutPipe()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		defer cmd.Wait()
		defer cancel()
		line, err := bufio.NewReader(stdout).ReadString('\n')
		if err != nil {
			t.Fatalf("kubectl proxy: %v", err)
		}
		addr := strings.TrimSpace(strings.TrimPrefix(line, "Starting to serve on "))
		base := "http://" + addr
		resp, err := http.Post(base+"/api/v1/namespaces/dev/configmaps", "application/json", strings.NewReader(`{"metadata":{"name":"via-proxy"},"data":{"a":"b"}}`))
		if err != nil || resp.StatusCode != http.StatusCreated {
			t.Fatalf("create through the proxy: %v %v", resp, err)
		}
		resp.Body.Close()
		resp, err = http.Get(base + "/api/v1/namespaces/dev/configmaps/via-proxy")
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("get through the proxy: %v %v", resp, err)
		}
		resp.Body.Close()
	})

	t.Run("deploy roles", func(t *testing.T) {
		k.ok(t, "apply", "-f", filepath.Join("..", "deploy", "00-namespace.yaml"))
		for _, f := range []string{"10-serviceaccount.yaml", "20-clusterrole.yaml", "21-clusterrolebinding.yaml", "30-leader-election-role.yaml", "31-leader-election-rolebinding.yaml"} {
			k.ok(t, "apply", "-f", filepath.Join("..", "deploy", f))
		}
		token := strings.TrimSpace(k.ok(t, "create", "token", "sheetops", "-n", "sheetops"))
		secrets = append(secrets, token)
		for _, c := range []struct {
			args []string
			want string
		}{
			{[]string{"get", "deployments", "-A"}, ""},
			{[]string{"get", "pods", "-A"}, ""},
			{[]string{"get", "configmaps", "-n", "dev"}, `configmaps is forbidden: User "system:serviceaccount:sheetops:sheetops" cannot list resource "configmaps" in API group "" in the namespace "dev"`},
			{[]string{"get", "secrets", "-A"}, `secrets is forbidden: User "system:serviceaccount:sheetops:sheetops" cannot list resource "secrets" in API group "" at the cluster scope`},
			{[]string{"create", "deployment", "web", "-n", "dev", "--image=nginx"}, ""},
			{[]string{"scale", "deployment", "web", "-n", "dev", "--replicas=2"}, `deployments.apps "web" is forbidden: User "system:serviceaccount:sheetops:sheetops" cannot patch resource "deployments/scale" in API group "apps" in the namespace "dev"`},
			{[]string{"delete", "deployment", "web", "-n", "dev"}, ""},
			{[]string{"get", "lease", "other", "-n", "sheetops"}, `leases.coordination.k8s.io "other" is forbidden: User "system:serviceaccount:sheetops:sheetops" cannot get resource "leases" in API group "coordination.k8s.io" in the namespace "sheetops"`},
		} {
			res := k.run(t, append(c.args, "--token", token)...)
			if c.want == "" && res.err != nil {
				t.Errorf("kubectl %s: %v\n%s", strings.Join(c.args, " "), res.err, res.stderr)
			}
			if c.want != "" && !strings.Contains(res.stderr, c.want) {
				t.Errorf("kubectl %s:\n%s\nwant %s", strings.Join(c.args, " "), res.stderr, c.want)
			}
		}
		if got := strings.TrimSpace(k.run(t, "auth", "can-i", "update", "leases/sheetops", "-n", "sheetops", "--token", token).stdout); got != "yes" {
			t.Errorf("can-i update the lease = %q, want yes", got)
		}
	})

	t.Run("no credentials in the logs", func(t *testing.T) {
		out := logs.String()
		for _, s := range append(secrets, srv.Tokens().Admin, srv.Tokens().Viewer) {
			if s != "" && strings.Contains(out, strings.TrimSpace(s)) {
				t.Errorf("a credential is in the engine's logs")
			}
		}
		for _, f := range []string{"ca.key", "sa.key", "apiserver.key"} {
			data, _ := os.ReadFile(filepath.Join(dataDir, f))
			if len(data) > 0 && strings.Contains(out, strings.TrimSpace(string(data))) {
				t.Errorf("%s is in the engine's logs", f)
			}
		}
	})
}

// selfSigned is a client certificate no CA the engine knows signed.
func selfSigned(t *testing.T, cn string) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: bigOne(), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}, KeyUsage: x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

func bigOne() *big.Int { return big.NewInt(1) }
