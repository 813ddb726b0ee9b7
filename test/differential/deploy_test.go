package differential

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	appsv1 "k8s.io/api/apps/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"sigs.k8s.io/yaml"

	sheetopssync "github.com/sheetops/sheetops/sync"
)

// TestDeploy checks deploy/ against a real kube-apiserver (a fresh one on the shared etcd,
// with RBAC) and against the engine (a fresh one, whose RBAC is upstream's): every manifest applies (server-side dry run, then for real); its ServiceAccount,
// bound only through deploy/'s ClusterRole, can do what `sheetops apply` needs (a scale made
// in the workbook reaches the cluster) and its roles grant nothing else; and a ClusterRole
// missing one of those rights fails the way an operator can act on: a Sync cell naming the
// refused verb, or one line on stderr and a non-zero exit instead of a hang.
func TestDeploy(t *testing.T) {
	c := sharedCluster(t)
	kubectlBin := needTool(t, "kubectl")
	goBin := needTool(t, "go")
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "sheetops")
	build := exec.Command(goBin, "build", "-o", bin, "github.com/sheetops/sheetops/cmd/sheetops")
	build.Dir = root
	build.Env = append(os.Environ(), "GOFLAGS=-mod=readonly")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build cmd/sheetops: %v\n%s", err, out)
	}
	// The same story on a fresh kube-apiserver and on a fresh engine: deploy/ works on both.
	t.Run("kube-apiserver", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
		defer cancel()
		k, err := c.startKubeAPIServer(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer k.Close()
		testDeploy(ctx, t, k.server, kubectlBin, bin, root)
	})
	t.Run("engine", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
		defer cancel()
		e, err := startEngine(ctx, t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		defer e.Close()
		testDeploy(ctx, t, e.server, kubectlBin, bin, root)
	})
}

func testDeploy(ctx context.Context, t *testing.T, k *server, kubectlBin, bin, root string) {
	deployDir := filepath.Join(root, "deploy")
	m := readManifests(t, deployDir)
	dir := t.TempDir()
	kc := kubectl{bin: kubectlBin, kubeconfig: writeKubeconfig(t, filepath.Join(dir, "admin.kubeconfig"), k.admin, k.admin.BearerToken), cacheDir: filepath.Join(dir, "kube-cache")}

	t.Run("manifests agree", func(t *testing.T) { checkManifests(t, m) })

	// A server-side dry run creates nothing, so the objects in namespace sheetops need the
	// namespace itself first.
	if out, err := kc.run(ctx, "apply", "-f", filepath.Join(deployDir, "00-namespace.yaml")); err != nil {
		t.Fatalf("apply the namespace: %v\n%s", err, out)
	}
	t.Run("server dry run", func(t *testing.T) {
		// The folder (kubectl reads its .yaml files; the kustomization is named
		// Kustomization so that it is not among them), then the kustomization.
		for _, src := range [][]string{{"-f", deployDir}, {"-k", deployDir}} {
			out, err := kc.run(ctx, append([]string{"apply", "--dry-run=server"}, src...)...)
			if err != nil {
				t.Fatalf("kubectl apply --dry-run=server %s: %v\n%s", strings.Join(src, " "), err, out)
			}
			for _, o := range m.objects {
				if want := kindName(o); !strings.Contains(out, want) {
					t.Errorf("kubectl apply --dry-run=server %s did not report %s:\n%s", strings.Join(src, " "), want, out)
				}
			}
		}
		// Dry: nothing was created.
		if _, err := k.cs.RbacV1().ClusterRoles().Get(ctx, m.clusterRole.Name, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			t.Fatalf("after a dry run, get clusterrole %s: %v, want NotFound", m.clusterRole.Name, err)
		}
	})

	// For real: the rest of the test runs against what deploy/ created.
	if out, err := kc.run(ctx, "apply", "-k", deployDir); err != nil {
		t.Fatalf("kubectl apply -k deploy: %v\n%s", err, out)
	}
	if _, err := k.cs.RbacV1().ClusterRoleBindings().Get(ctx, m.clusterRoleBinding.Name, metav1.GetOptions{}); err != nil {
		t.Fatalf("after kubectl apply -k deploy: %v", err)
	}
	if d, err := k.cs.AppsV1().Deployments(m.deployment.Namespace).Get(ctx, m.deployment.Name, metav1.GetOptions{}); err != nil {
		t.Fatalf("after kubectl apply -k deploy: %v", err)
	} else if d.Spec.Template.Spec.ServiceAccountName != m.serviceAccount.Name {
		t.Fatalf("deployment runs as %q", d.Spec.Template.Spec.ServiceAccountName)
	}

	sa := "system:serviceaccount:" + m.serviceAccount.Namespace + ":" + m.serviceAccount.Name
	t.Run("least privilege", func(t *testing.T) { checkAccessReviews(ctx, t, k, sa) })

	const ns, name = "deploy-shop", "web"
	seedDeployment(ctx, t, k, ns, name, 1)
	cs := k.cs

	t.Run("the ClusterRole is enough", func(t *testing.T) {
		run := newSheetopsRun(t, bin, k, saToken(ctx, t, k, m.serviceAccount.Namespace, m.serviceAccount.Name))
		if res := run.apply(ctx); res.code != 0 {
			t.Fatalf("first apply (render): exit %d\n%s", res.code, res)
		}
		if got := run.cell(ns, name, "Replicas"); got != "1" {
			t.Fatalf("rendered Replicas %q, want 1", got)
		}
		run.edit(ns, name, "Replicas", 3)
		if res := run.apply(ctx); res.code != 0 {
			t.Fatalf("apply of Replicas 3: exit %d\n%s", res.code, res)
		}
		d, err := cs.AppsV1().Deployments(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if d.Spec.Replicas == nil || *d.Spec.Replicas != 3 {
			t.Fatalf("replicas on kube-apiserver = %v, want 3", d.Spec.Replicas)
		}
		if sync := run.cell(ns, name, "Sync"); !strings.HasPrefix(sync, "applied") {
			t.Fatalf("Sync = %q, want applied …", sync)
		}
	})

	t.Run("without patch on deployments", func(t *testing.T) {
		id := restrictedIdentity(ctx, t, k, m, "sheetops-no-patch", "apps", "deployments", "patch")
		run := newSheetopsRun(t, bin, k, id)
		if res := run.apply(ctx); res.code != 0 {
			t.Fatalf("first apply (render): exit %d\n%s", res.code, res)
		}
		before := run.cell(ns, name, "Replicas")
		run.edit(ns, name, "Replicas", 5)
		res := run.apply(ctx)
		if res.code != 1 {
			t.Fatalf("apply: exit %d, want 1 (an edit not applied)\n%s", res.code, res)
		}
		sync := run.cell(ns, name, "Sync")
		for _, want := range []string{"forbidden", `cannot patch resource "deployments"`} {
			if !strings.HasPrefix(sync, "error: ") || !strings.Contains(sync, want) {
				t.Errorf("Sync = %q, want error: … %s …", sync, want)
			}
		}
		if got := run.cell(ns, name, "Replicas"); got != "5" {
			t.Errorf("Replicas cell = %q, want the typed 5 kept", got)
		}
		d, err := cs.AppsV1().Deployments(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if strconv.Itoa(int(*d.Spec.Replicas)) != before {
			t.Fatalf("replicas on kube-apiserver = %d, want %s unchanged", *d.Spec.Replicas, before)
		}
	})

	for _, verb := range []string{"list", "watch"} {
		t.Run("without "+verb+" on pods", func(t *testing.T) {
			id := restrictedIdentity(ctx, t, k, m, "sheetops-no-"+verb, "", "pods", verb)
			run := newSheetopsRun(t, bin, k, id)
			start := time.Now()
			res := run.apply(ctx)
			if res.code == 0 || res.code == -1 {
				t.Fatalf("apply: exit %d after %s, want a failure, not success or a hang\n%s", res.code, time.Since(start).Round(time.Millisecond), res)
			}
			wantLine := "cannot " + verb + " pods: "
			var lines []string
			for _, l := range strings.Split(strings.TrimSpace(res.stderr), "\n") {
				if strings.Contains(l, "forbidden") {
					lines = append(lines, l)
				}
			}
			if len(lines) != 1 {
				t.Fatalf("%d lines about the refusal on stderr, want exactly 1:\n%s", len(lines), res.stderr)
			}
			for _, want := range []string{"sheetops apply: cluster: " + wantLine, "forbidden", `cannot ` + verb + ` resource "pods"`, "(the ClusterRole needs list and watch on pods)"} {
				if !strings.Contains(lines[0], want) {
					t.Errorf("stderr line %q does not say %q", lines[0], want)
				}
			}
		})
	}
}

// ---- deploy/'s objects ----

// manifests are the objects of deploy/, by role.
type manifests struct {
	objects            []runtime.Object
	files              []string // the manifest files (*.yaml)
	kustomization      []string // the resources Kustomization lists
	namespace          *corev1.Namespace
	serviceAccount     *corev1.ServiceAccount
	clusterRole        *rbacv1.ClusterRole
	clusterRoleBinding *rbacv1.ClusterRoleBinding
	role               *rbacv1.Role
	roleBinding        *rbacv1.RoleBinding
	configMap          *corev1.ConfigMap
	deployment         *appsv1.Deployment
}

func readManifests(t *testing.T, dir string) *manifests {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	paths = append(paths, filepath.Join(dir, "Kustomization"))
	m := &manifests{}
	decode := scheme.Codecs.UniversalDeserializer().Decode
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if filepath.Base(p) == "Kustomization" {
			var k struct {
				Resources []string `json:"resources"`
			}
			if err := yaml.UnmarshalStrict(data, &k); err != nil {
				// apiVersion and kind are fine too: only resources matters here.
				if err := yaml.Unmarshal(data, &k); err != nil {
					t.Fatalf("%s: %v", p, err)
				}
			}
			m.kustomization = k.Resources
			continue
		}
		m.files = append(m.files, filepath.Base(p))
		for _, doc := range bytes.Split(data, []byte("\n---")) {
			if len(bytes.TrimSpace(doc)) == 0 {
				continue
			}
			obj, _, err := decode(doc, nil, nil)
			if err != nil {
				t.Fatalf("%s: %v", p, err)
			}
			m.objects = append(m.objects, obj)
			switch o := obj.(type) {
			case *corev1.Namespace:
				m.namespace = o
			case *corev1.ServiceAccount:
				m.serviceAccount = o
			case *rbacv1.ClusterRole:
				m.clusterRole = o
			case *rbacv1.ClusterRoleBinding:
				m.clusterRoleBinding = o
			case *rbacv1.Role:
				m.role = o
			case *rbacv1.RoleBinding:
				m.roleBinding = o
			case *corev1.ConfigMap:
				m.configMap = o
			case *appsv1.Deployment:
				m.deployment = o
			default:
				t.Fatalf("%s: unexpected %T", p, obj)
			}
		}
	}
	for what, o := range map[string]runtime.Object{
		"Namespace": m.namespace, "ServiceAccount": m.serviceAccount, "ClusterRole": m.clusterRole,
		"ClusterRoleBinding": m.clusterRoleBinding, "Role": m.role, "RoleBinding": m.roleBinding,
		"ConfigMap": m.configMap, "Deployment": m.deployment,
	} {
		if reflect.ValueOf(o).IsNil() {
			t.Fatalf("deploy/ has no %s", what)
		}
	}
	return m
}

// kindName is how kubectl apply names an object in its output: "clusterrole.rbac.authorization.k8s.io/sheetops".
func kindName(o runtime.Object) string {
	gvks, _, err := scheme.Scheme.ObjectKinds(o)
	if err != nil || len(gvks) == 0 {
		return fmt.Sprintf("%T", o)
	}
	gvk := gvks[0]
	kind := strings.ToLower(gvk.Kind)
	if gvk.Group != "" {
		kind += "." + gvk.Group
	}
	return kind + "/" + o.(metav1.Object).GetName()
}

// checkManifests checks that the manifests fit together: the kustomization lists every file,
// the bindings name the ServiceAccount and roles, and the Deployment's args, mounts and
// probes match the config in the ConfigMap.
func checkManifests(t *testing.T, m *manifests) {
	if !slices.Equal(slices.Sorted(slices.Values(m.kustomization)), m.files) {
		t.Errorf("Kustomization lists %v, deploy/ has %v", m.kustomization, m.files)
	}
	ns := m.namespace.Name
	for _, o := range m.objects {
		if mo := o.(metav1.Object); mo.GetNamespace() != "" && mo.GetNamespace() != ns {
			t.Errorf("%s is in namespace %q, want %q", kindName(o), mo.GetNamespace(), ns)
		}
	}
	wantSubject := rbacv1.Subject{Kind: "ServiceAccount", Name: m.serviceAccount.Name, Namespace: ns}
	if b := m.clusterRoleBinding; b.RoleRef.Kind != "ClusterRole" || b.RoleRef.Name != m.clusterRole.Name || !slices.Equal(b.Subjects, []rbacv1.Subject{wantSubject}) {
		t.Errorf("ClusterRoleBinding binds %v to %v, want %s to %v", b.Subjects, b.RoleRef, m.clusterRole.Name, wantSubject)
	}
	if b := m.roleBinding; b.RoleRef.Kind != "Role" || b.RoleRef.Name != m.role.Name || !slices.Equal(b.Subjects, []rbacv1.Subject{wantSubject}) {
		t.Errorf("RoleBinding binds %v to %v, want %s to %v", b.Subjects, b.RoleRef, m.role.Name, wantSubject)
	}

	// The config: the leader election block as agreed, and the rest a valid SheetOps config.
	raw, ok := m.configMap.Data["config.yaml"]
	if !ok {
		t.Fatal("the ConfigMap has no config.yaml")
	}
	var doc map[string]any
	if err := yaml.Unmarshal([]byte(raw), &doc); err != nil {
		t.Fatal(err)
	}
	wantLE := map[string]any{"enabled": true, "namespace": "", "name": "sheetops", "leaseDuration": "15s", "renewDeadline": "10s", "retryPeriod": "2s"}
	if !reflect.DeepEqual(doc["leaderElection"], wantLE) {
		t.Errorf("leaderElection = %v, want %v", doc["leaderElection"], wantLE)
	}
	if rn := m.role.Rules; len(rn) == 0 || !slices.ContainsFunc(rn, func(r rbacv1.PolicyRule) bool { return slices.Contains(r.ResourceNames, "sheetops") }) {
		t.Errorf("the leader-election Role does not name the lease %q", "sheetops")
	}
	if _, ok := reflect.TypeOf(sheetopssync.Config{}).FieldByName("LeaderElection"); !ok {
		// Until the config has leaderElection, validate the rest of it.
		t.Log("sync.Config has no LeaderElection yet: validating the config without it")
		delete(doc, "leaderElection")
	}
	trimmed, err := yaml.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, trimmed, 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := sheetopssync.LoadConfig(path)
	if err != nil {
		t.Fatalf("the ConfigMap's config.yaml: %v", err)
	}
	if cfg.Cluster.Embedded == nil || *cfg.Cluster.Embedded || cfg.Sheet.Backend != "google" || cfg.Server.Addr != "0.0.0.0:9090" {
		t.Errorf("config: cluster.embedded %v, sheet.backend %q, server.addr %q; want false, google, 0.0.0.0:9090",
			cfg.Cluster.Embedded, cfg.Sheet.Backend, cfg.Server.Addr)
	}

	// The Deployment runs that config with its files where the config says.
	spec := m.deployment.Spec.Template.Spec
	if len(spec.Containers) != 1 {
		t.Fatalf("%d containers, want 1", len(spec.Containers))
	}
	ctr := spec.Containers[0]
	if want := []string{"run", "--config", "/etc/sheetops/config.yaml"}; !slices.Equal(ctr.Args, want) {
		t.Errorf("args %q, want %q", ctr.Args, want)
	}
	if spec.ServiceAccountName != m.serviceAccount.Name {
		t.Errorf("serviceAccountName %q, want %q", spec.ServiceAccountName, m.serviceAccount.Name)
	}
	if m.deployment.Spec.Replicas == nil || *m.deployment.Spec.Replicas != 2 {
		t.Errorf("replicas %v, want 2", m.deployment.Spec.Replicas)
	}
	volumes := map[string]corev1.Volume{}
	for _, v := range spec.Volumes {
		volumes[v.Name] = v
	}
	mountOf := func(path string) (corev1.VolumeMount, corev1.Volume, bool) {
		for _, vm := range ctr.VolumeMounts {
			if path == vm.MountPath || strings.HasPrefix(path, strings.TrimSuffix(vm.MountPath, "/")+"/") {
				return vm, volumes[vm.Name], true
			}
		}
		return corev1.VolumeMount{}, corev1.Volume{}, false
	}
	if vm, v, ok := mountOf("/etc/sheetops/config.yaml"); !ok || v.ConfigMap == nil || v.ConfigMap.Name != m.configMap.Name || !vm.ReadOnly {
		t.Errorf("/etc/sheetops/config.yaml is not the ConfigMap %s mounted read-only", m.configMap.Name)
	}
	if vm, v, ok := mountOf(cfg.Sheet.Google.CredentialsFile); !ok || v.Secret == nil || !vm.ReadOnly {
		t.Errorf("sheet.google.credentialsFile %s is not on a Secret mounted read-only", cfg.Sheet.Google.CredentialsFile)
	}
	if vm, v, ok := mountOf(cfg.StateDir + "/x"); !ok || v.EmptyDir == nil || vm.ReadOnly {
		t.Errorf("stateDir %s is not on a writable emptyDir", cfg.StateDir)
	}
	sc := ctr.SecurityContext
	if sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem ||
		sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
		t.Errorf("container security context %+v: want a read-only root filesystem and no privilege escalation", sc)
	}
	if psc := spec.SecurityContext; psc == nil || psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot {
		t.Errorf("pod security context: want runAsNonRoot")
	}
	port := strings.TrimPrefix(cfg.Server.Addr, "0.0.0.0:")
	for probe, want := range map[*corev1.Probe]string{ctr.LivenessProbe: "/healthz", ctr.ReadinessProbe: "/readyz"} {
		if probe == nil || probe.HTTPGet == nil || probe.HTTPGet.Path != want {
			t.Errorf("want an HTTP probe on %s", want)
			continue
		}
		p := probe.HTTPGet.Port.String()
		for _, cp := range ctr.Ports {
			if cp.Name == p {
				p = strconv.Itoa(int(cp.ContainerPort))
			}
		}
		if p != port {
			t.Errorf("probe %s on port %s, the daemon listens on %s", want, p, port)
		}
	}
	if ctr.Resources.Limits.Memory().IsZero() || ctr.Resources.Requests.Memory().IsZero() {
		t.Error("no memory request or limit")
	}
}

// checkAccessReviews asks kube-apiserver what the deploy ServiceAccount may do: what SheetOps
// needs, and a sample of what it must not.
func checkAccessReviews(ctx context.Context, t *testing.T, k *server, user string) {
	type ra = authorizationv1.ResourceAttributes
	tests := []struct {
		attrs ra
		allow bool
	}{
		{ra{Verb: "list", Group: "apps", Resource: "deployments"}, true},
		{ra{Verb: "watch", Group: "apps", Resource: "deployments"}, true},
		{ra{Verb: "get", Group: "apps", Resource: "deployments", Namespace: "shop", Name: "web"}, true},
		{ra{Verb: "patch", Group: "apps", Resource: "deployments", Namespace: "shop", Name: "web"}, true},
		{ra{Verb: "create", Group: "apps", Resource: "deployments", Namespace: "shop"}, true},
		{ra{Verb: "delete", Group: "apps", Resource: "deployments", Namespace: "shop", Name: "web"}, true},
		{ra{Verb: "list", Resource: "pods"}, true},
		{ra{Verb: "watch", Resource: "pods"}, true},
		{ra{Verb: "get", Resource: "pods", Namespace: "shop", Name: "p"}, true},
		{ra{Verb: "create", Resource: "pods", Namespace: "shop"}, true},
		{ra{Verb: "delete", Resource: "pods", Namespace: "shop", Name: "p"}, true},
		{ra{Verb: "create", Group: "coordination.k8s.io", Resource: "leases", Namespace: "sheetops"}, true},
		{ra{Verb: "get", Group: "coordination.k8s.io", Resource: "leases", Namespace: "sheetops", Name: "sheetops"}, true},
		{ra{Verb: "update", Group: "coordination.k8s.io", Resource: "leases", Namespace: "sheetops", Name: "sheetops"}, true},

		{ra{Verb: "update", Group: "apps", Resource: "deployments", Namespace: "shop", Name: "web"}, false},
		{ra{Verb: "patch", Group: "apps", Resource: "deployments", Subresource: "scale", Namespace: "shop", Name: "web"}, false},
		{ra{Verb: "deletecollection", Group: "apps", Resource: "deployments", Namespace: "shop"}, false},
		{ra{Verb: "list", Group: "apps", Resource: "replicasets"}, false},
		{ra{Verb: "patch", Resource: "pods", Namespace: "shop", Name: "p"}, false},
		{ra{Verb: "update", Resource: "pods", Namespace: "shop", Name: "p"}, false},
		{ra{Verb: "create", Resource: "pods", Subresource: "exec", Namespace: "shop", Name: "p"}, false},
		{ra{Verb: "get", Resource: "pods", Subresource: "log", Namespace: "shop", Name: "p"}, false},
		{ra{Verb: "get", Resource: "secrets", Namespace: "sheetops", Name: "sheetops-google"}, false},
		{ra{Verb: "list", Resource: "secrets"}, false},
		{ra{Verb: "get", Resource: "configmaps", Namespace: "sheetops", Name: "sheetops-config"}, false},
		{ra{Verb: "list", Resource: "namespaces"}, false},
		{ra{Verb: "update", Group: "coordination.k8s.io", Resource: "leases", Namespace: "sheetops", Name: "other"}, false},
		{ra{Verb: "delete", Group: "coordination.k8s.io", Resource: "leases", Namespace: "sheetops", Name: "sheetops"}, false},
		{ra{Verb: "list", Group: "coordination.k8s.io", Resource: "leases", Namespace: "sheetops"}, false},
		{ra{Verb: "create", Group: "coordination.k8s.io", Resource: "leases", Namespace: "kube-system"}, false},
		{ra{Verb: "update", Group: "coordination.k8s.io", Resource: "leases", Namespace: "kube-system", Name: "sheetops"}, false},
		{ra{Verb: "escalate", Group: "rbac.authorization.k8s.io", Resource: "clusterroles", Name: "sheetops"}, false},
	}
	for _, tt := range tests {
		a := tt.attrs
		sar := &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{
			User: user, Groups: []string{"system:serviceaccounts", "system:serviceaccounts:sheetops", "system:authenticated"},
			ResourceAttributes: &a,
		}}
		got, err := k.cs.AuthorizationV1().SubjectAccessReviews().Create(ctx, sar, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if got.Status.Allowed != tt.allow {
			t.Errorf("%s %s %s/%s in %q: allowed %v, want %v (%s)", a.Verb, a.Group, a.Resource, a.Subresource, a.Namespace,
				got.Status.Allowed, tt.allow, got.Status.Reason)
		}
	}
}

// restrictedIdentity is a ServiceAccount bound to a copy of deploy/'s ClusterRole without one
// verb on one resource (and to its leader-election Role); it returns the account's token.
func restrictedIdentity(ctx context.Context, t *testing.T, k *server, m *manifests, name, group, resource, verb string) string {
	t.Helper()
	ns := m.serviceAccount.Namespace
	role := m.clusterRole.DeepCopy()
	role.ObjectMeta = metav1.ObjectMeta{Name: name}
	removed := false
	for i, r := range role.Rules {
		if slices.Contains(r.APIGroups, group) && slices.Contains(r.Resources, resource) {
			before := len(r.Verbs)
			role.Rules[i].Verbs = slices.DeleteFunc(slices.Clone(r.Verbs), func(v string) bool { return v == verb })
			removed = removed || len(role.Rules[i].Verbs) < before
		}
	}
	if !removed {
		t.Fatalf("deploy/'s ClusterRole has no %s on %s to take away", verb, resource)
	}
	rbac := k.cs.RbacV1()
	if _, err := rbac.ClusterRoles().Create(ctx, role, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	subject := []rbacv1.Subject{{Kind: "ServiceAccount", Name: name, Namespace: ns}}
	crb := &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: name}, Subjects: subject,
		RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: name}}
	if _, err := rbac.ClusterRoleBindings().Create(ctx, crb, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	rb := &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns}, Subjects: subject,
		RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: m.role.Name}}
	if _, err := rbac.RoleBindings(ns).Create(ctx, rb, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := k.cs.CoreV1().ServiceAccounts(ns).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	return saToken(ctx, t, k, ns, name)
}

// saToken gets a token for a ServiceAccount through the TokenRequest API.
func saToken(ctx context.Context, t *testing.T, k *server, ns, name string) string {
	t.Helper()
	hour := int64(3600)
	tr, err := k.cs.CoreV1().ServiceAccounts(ns).CreateToken(ctx, name,
		&authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: &hour}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("token for %s/%s: %v", ns, name, err)
	}
	return tr.Status.Token
}

func seedDeployment(ctx context.Context, t *testing.T, k *server, ns, name string, replicas int32) {
	t.Helper()
	if err := k.prepareNamespace(ctx, ns); err != nil {
		t.Fatal(err)
	}
	labels := map[string]string{"app": name}
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: labels},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "nginx:1.27"}}},
			},
		},
	}
	if _, err := k.cs.AppsV1().Deployments(ns).Create(ctx, d, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// ---- running sheetops and kubectl ----

// sheetopsRun is `sheetops apply` on its own workbook and state, as one identity.
type sheetopsRun struct {
	t        *testing.T
	bin      string
	config   string
	workbook string
}

func newSheetopsRun(t *testing.T, bin string, k *server, token string) *sheetopsRun {
	t.Helper()
	dir := t.TempDir()
	kubeconfig := writeKubeconfig(t, filepath.Join(dir, "kubeconfig"), k.admin, token)
	r := &sheetopsRun{t: t, bin: bin, config: filepath.Join(dir, "config.yaml"), workbook: filepath.Join(dir, "sheetops.xlsx")}
	cfg := fmt.Sprintf(`cluster:
  embedded: false
  kubeconfig: %q
sheet:
  backend: xlsx
  xlsx:
    path: %q
server:
  addr: 127.0.0.1:0
stateDir: %q
`, kubeconfig, r.workbook, filepath.Join(dir, "state"))
	if err := os.WriteFile(r.config, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return r
}

// result is how a command ended: code -1 when it did not end in time.
type result struct {
	code           int
	stdout, stderr string
}

func (r result) String() string {
	return fmt.Sprintf("stdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
}

// apply runs `sheetops apply --config …` with a minute to finish.
func (r *sheetopsRun) apply(ctx context.Context) result {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, r.bin, "apply", "--config", r.config)
	cmd.Env = append(os.Environ(), "KUBECONFIG=", "HOME="+filepath.Dir(r.config))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	res := result{stdout: stdout.String(), stderr: stderr.String()}
	var ee *exec.ExitError
	switch {
	case ctx.Err() != nil:
		res.code = -1
	case err == nil:
	case errors.As(err, &ee):
		res.code = ee.ExitCode()
	default:
		r.t.Fatal(err)
	}
	return res
}

// row finds the Deployments row of ns/name and the column of header.
func (r *sheetopsRun) row(f *excelize.File, ns, name, header string) (string, []string) {
	r.t.Helper()
	rows, err := f.GetRows("Deployments")
	if err != nil {
		r.t.Fatal(err)
	}
	if len(rows) == 0 {
		r.t.Fatal("the Deployments tab is empty")
	}
	col := func(h string) int {
		i := slices.Index(rows[0], h)
		if i < 0 {
			r.t.Fatalf("no %s column in %q", h, rows[0])
		}
		return i
	}
	c, nsCol, nameCol := col(header), col("Namespace"), col("Name")
	for i, row := range rows[1:] {
		if len(row) > max(nsCol, nameCol) && row[nsCol] == ns && row[nameCol] == name {
			cell, err := excelize.CoordinatesToCellName(c+1, i+2)
			if err != nil {
				r.t.Fatal(err)
			}
			return cell, row
		}
	}
	r.t.Fatalf("no row for %s/%s in the Deployments tab", ns, name)
	return "", nil
}

// cell reads a cell of the Deployments row of ns/name.
func (r *sheetopsRun) cell(ns, name, header string) string {
	r.t.Helper()
	f, err := excelize.OpenFile(r.workbook)
	if err != nil {
		r.t.Fatal(err)
	}
	defer f.Close()
	cell, _ := r.row(f, ns, name, header)
	v, err := f.GetCellValue("Deployments", cell)
	if err != nil {
		r.t.Fatal(err)
	}
	return v
}

// edit types a number into a cell of the Deployments row of ns/name and saves, as a person would.
func (r *sheetopsRun) edit(ns, name, header string, v int) {
	r.t.Helper()
	f, err := excelize.OpenFile(r.workbook)
	if err != nil {
		r.t.Fatal(err)
	}
	defer f.Close()
	cell, _ := r.row(f, ns, name, header)
	if err := f.SetCellInt("Deployments", cell, int64(v)); err != nil {
		r.t.Fatal(err)
	}
	if err := f.Save(); err != nil {
		r.t.Fatal(err)
	}
}

// kubectl runs the real kubectl against one kubeconfig with its own cache directory.
type kubectl struct {
	bin, kubeconfig, cacheDir string
}

func (k kubectl) run(ctx context.Context, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, k.bin, append([]string{"--kubeconfig", k.kubeconfig, "--cache-dir", k.cacheDir}, args...)...)
	cmd.Env = append(os.Environ(), "KUBECONFIG=", "HOME="+k.cacheDir)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// writeKubeconfig writes a kubeconfig for base's server and CA with a bearer token.
func writeKubeconfig(t *testing.T, path string, base *rest.Config, token string) string {
	t.Helper()
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["k"] = &clientcmdapi.Cluster{Server: base.Host, CertificateAuthority: base.TLSClientConfig.CAFile, CertificateAuthorityData: base.TLSClientConfig.CAData}
	cfg.AuthInfos["u"] = &clientcmdapi.AuthInfo{Token: token}
	cfg.Contexts["k"] = &clientcmdapi.Context{Cluster: "k", AuthInfo: "u"}
	cfg.CurrentContext = "k"
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		t.Fatal(err)
	}
	return path
}

// needTool finds a program on $PATH; when it is missing it skips tb, or fails it under CI.
func needTool(tb testing.TB, name string) string {
	tb.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") != "" {
			tb.Fatalf("required under CI: %v", err)
		}
		tb.Skipf("%s unavailable: %v", name, err)
	}
	return p
}
