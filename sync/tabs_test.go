package sync_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/sheetops/sheetops/kube"
	"github.com/sheetops/sheetops/mapping"
	"github.com/sheetops/sheetops/sheets"
	"github.com/sheetops/sheetops/sync"
)

func TestCustomTabIsRenderedAndEditable(t *testing.T) {
	f := newFixture(t)
	cfg := sync.DefaultConfig()
	cfg.Tabs = []sync.TabConfig{{Name: "Scale", Kind: "Deployment", Columns: []sync.ColumnConfig{{Header: "Namespace"}, {Header: "Name"}, {Header: "Replicas"}, {Header: "Sync"}}}}
	tabs, err := cfg.BuildTabs(nil)
	if err != nil {
		t.Fatal(err)
	}
	e, err := sync.New(sync.Options{Tabs: tabs, Sheet: f.sheet, View: f.view, Writer: kube.NewApplier(f.cs, nil), StatePath: f.statePath, Logger: discard})
	if err != nil {
		t.Fatal(err)
	}
	f.pass(e)
	b := f.read()
	if b.Tab(mapping.DeploymentsTab) != nil || b.Tab(mapping.PodsTab) != nil {
		t.Fatal("default tabs written although tabs are configured")
	}
	scale := b.Tab("Scale")
	if scale == nil || len(scale.Rows) != 2 || !slices.Equal(scale.Header[:4], []string{"Namespace", "Name", "Replicas", "Sync"}) {
		t.Fatalf("Scale tab = %+v", scale)
	}
	f.edit("Scale", "api", map[string]string{mapping.Replicas: "4"})
	f.pass(e)
	if got := *f.get("api").Spec.Replicas; got != 4 {
		t.Fatalf("api replicas = %d after an edit in the custom tab", got)
	}
}

// TestAnyKindTabs: tabs of other resources, from the config's own form: a preset of a
// cluster-scoped resource (Nodes: no Namespace column, Unschedulable cordons) and a custom
// tab of leases with JSONPath columns of several types, a Labels column and a create
// template. Edits are patched with their types, invalid input stays typed, creates and
// deletes work, on the embedded engine.
func TestAnyKindTabs(t *testing.T) {
	eachBackend(t, func(t *testing.T, f *fixture) {
		ctx := f.ctx
		if _, err := f.cs.CoreV1().Nodes().Create(ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "worker-1",
			Labels: map[string]string{"node-role.kubernetes.io/worker": ""}}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.cs.CoordinationV1().Leases("shop").Create(ctx, &coordinationv1.Lease{
			ObjectMeta: metav1.ObjectMeta{Name: "lock", Labels: map[string]string{"app": "web"}},
			Spec:       coordinationv1.LeaseSpec{HolderIdentity: ptr.To("a"), LeaseDurationSeconds: ptr.To[int32](15)},
		}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		one, hour := int64(1), int64(3600)
		cfg := sync.DefaultConfig()
		cfg.Cluster.Namespaces = []string{"shop"}
		cfg.Tabs = []sync.TabConfig{
			{Preset: "Nodes"},
			{Name: "Locks", Resource: "leases", Columns: []sync.ColumnConfig{
				{Header: "Namespace"}, {Header: "Name"},
				{Header: "Holder", Path: ".spec.holderIdentity", Editable: true},
				{Header: "Seconds", Path: "{.spec.leaseDurationSeconds}", Editable: true, Type: "integer", Min: &one, Max: &hour},
				{Header: "Labels"}, {Header: "Action"}, {Header: "Sync"},
			}, Create: "apiVersion: coordination.k8s.io/v1\nkind: Lease\nspec:\n  holderIdentity: \"{{.Holder}}\"\n  leaseDurationSeconds: {{.Seconds}}\n"},
		}
		tabs, err := cfg.BuildTabs(kube.NewResolver(f.cs.Discovery()))
		if err != nil {
			t.Fatal(err)
		}
		view := f.viewOf(tabs)
		e, err := sync.New(sync.Options{Tabs: tabs, Sheet: f.sheet, View: view, Writer: kube.NewApplier(f.cs, nil), StatePath: f.statePath, Logger: discard})
		if err != nil {
			t.Fatal(err)
		}
		f.pass(e)
		b := f.read()
		nodes := b.Tab("Nodes")
		if nodes == nil || !slices.Equal(nodes.Header[:3], []string{"Name", "Unschedulable", "Ready"}) {
			t.Fatalf("Nodes tab = %+v, want Name, Unschedulable, Ready, … and no Namespace", nodes)
		}
		if got := cellOf(t, nodes, "worker-1", "Roles"); got != "worker" {
			t.Fatalf("Roles = %q", got)
		}
		if got := cellOf(t, nodes, "worker-1", "Unschedulable"); got != "false" {
			t.Fatalf("Unschedulable = %q, want false", got)
		}
		locks := b.Tab("Locks")
		if got := cellOf(t, locks, "lock", "Seconds"); got != "15" {
			t.Fatalf("Seconds = %q", got)
		}
		if got := cellOf(t, locks, "lock", "Labels"); got != "app=web" {
			t.Fatalf("Labels = %q", got)
		}
		// The Summary counts every tab: leases per namespace, nodes in the cluster's row.
		sum := b.Tab(sync.SummaryTab)
		if !slices.Equal(sum.Header[len(sum.Header)-2:], []string{"Nodes", "Locks"}) {
			t.Fatalf("Summary header = %q", sum.Header)
		}
		rows := map[string][]string{}
		for _, r := range sum.Rows {
			rows[r[0]] = r
		}
		if r := rows["shop"]; r == nil || r[len(r)-1] != "1" {
			t.Fatalf("Summary shop row = %q, want one lock", r)
		}
		if r := rows["(cluster)"]; r == nil || r[len(r)-2] != "1" {
			t.Fatalf("Summary cluster row = %q, want one node", r)
		}

		// Edits of each type; a cordon from the sheet.
		f.editBook(func(b *sheets.Book) {
			setCellOf(t, b.Tab("Nodes"), "worker-1", "Unschedulable", "TRUE")
			setCellOf(t, b.Tab("Locks"), "lock", "Holder", "b")
			setCellOf(t, b.Tab("Locks"), "lock", "Labels", "tier=db")
		})
		f.pass(e)
		n, err := f.cs.CoreV1().Nodes().Get(ctx, "worker-1", metav1.GetOptions{})
		if err != nil || !n.Spec.Unschedulable {
			t.Fatalf("node not cordoned: %v %v", n.Spec.Unschedulable, err)
		}
		l, err := f.cs.CoordinationV1().Leases("shop").Get(ctx, "lock", metav1.GetOptions{})
		if err != nil || *l.Spec.HolderIdentity != "b" || l.Labels["tier"] != "db" || l.Labels["app"] != "" {
			t.Fatalf("lease = holder %q labels %v (%v), want holder b and only tier=db; Sync %q", *l.Spec.HolderIdentity, l.Labels, err, cellOf(t, f.read().Tab("Locks"), "lock", "Sync"))
		}

		// Invalid input: nothing sent, the typed text kept, Sync says why.
		f.editBook(func(b *sheets.Book) { setCellOf(t, b.Tab("Locks"), "lock", "Seconds", "99999") })
		f.pass(e)
		b = f.read()
		if s := cellOf(t, b.Tab("Locks"), "lock", "Sync"); !strings.HasPrefix(s, "invalid: Seconds") {
			t.Fatalf("Sync = %q, want invalid", s)
		}
		if v := cellOf(t, b.Tab("Locks"), "lock", "Seconds"); v != "99999" {
			t.Fatalf("typed value lost: %q", v)
		}

		// A new row is created from the template; another is deleted.
		f.editBook(func(b *sheets.Book) {
			tb := b.Tab("Locks")
			setCellOf(t, tb, "lock", "Seconds", "20")
			setCellOf(t, tb, "lock", "Action", "delete")
			row := make([]string, len(tb.Header))
			for i, h := range tb.Header {
				row[i] = map[string]string{"Namespace": "shop", "Name": "new-lock", "Holder": "z", "Seconds": "30"}[h]
			}
			tb.Rows = append(tb.Rows, row)
		})
		f.pass(e)
		nl, err := f.cs.CoordinationV1().Leases("shop").Get(ctx, "new-lock", metav1.GetOptions{})
		if err != nil || *nl.Spec.HolderIdentity != "z" || *nl.Spec.LeaseDurationSeconds != 30 {
			t.Fatalf("created lease = %+v, %v", nl, err)
		}
		if _, err := f.cs.CoordinationV1().Leases("shop").Get(ctx, "lock", metav1.GetOptions{}); err == nil {
			t.Fatal("lock not deleted")
		}
	})
}

func cellOf(t *testing.T, tb *sheets.Tab, name, header string) string {
	t.Helper()
	if tb == nil {
		t.Fatal("no such tab")
	}
	col, nameCol := slices.Index(tb.Header, header), slices.Index(tb.Header, mapping.Name)
	for _, r := range tb.Rows {
		if r[nameCol] == name {
			return r[col]
		}
	}
	t.Fatalf("no row %s in %s", name, tb.Name)
	return ""
}

func setCellOf(t *testing.T, tb *sheets.Tab, name, header, value string) {
	t.Helper()
	col, nameCol := slices.Index(tb.Header, header), slices.Index(tb.Header, mapping.Name)
	for _, r := range tb.Rows {
		if r[nameCol] == name {
			r[col] = value
			return
		}
	}
	t.Fatalf("no row %s in %s", name, tb.Name)
}

// TestPresetTabsOnTheEngine: the StatefulSets and CronJobs presets on the embedded engine:
// Replicas (a merge patch), Image (a JSON patch through containers[0]), Schedule (cron,
// checked before anything is sent) and Suspend (boolean).
func TestPresetTabsOnTheEngine(t *testing.T) {
	f := newFixture(t)
	ctx := f.ctx
	labels := map[string]string{"app": "db"}
	if _, err := f.cs.AppsV1().StatefulSets("shop").Create(ctx, &appsv1.StatefulSet{
		ObjectMeta: metav1.ObjectMeta{Name: "db"},
		Spec: appsv1.StatefulSetSpec{Replicas: ptr.To[int32](1), Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "db", Image: "postgres:16"}}}}},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.cs.BatchV1().CronJobs("shop").Create(ctx, &batchv1.CronJob{
		ObjectMeta: metav1.ObjectMeta{Name: "backup"},
		Spec: batchv1.CronJobSpec{Schedule: "0 3 * * *", JobTemplate: batchv1.JobTemplateSpec{Spec: batchv1.JobSpec{
			Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{RestartPolicy: corev1.RestartPolicyOnFailure,
				Containers: []corev1.Container{{Name: "b", Image: "busybox"}}}}}}},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	cfg := sync.DefaultConfig()
	cfg.Cluster.Namespaces = []string{"shop"}
	cfg.Tabs = []sync.TabConfig{{Preset: "StatefulSets"}, {Preset: "CronJobs"}}
	tabs, err := cfg.BuildTabs(kube.NewResolver(f.cs.Discovery()))
	if err != nil {
		t.Fatal(err)
	}
	view := f.viewOf(tabs)
	e, err := sync.New(sync.Options{Tabs: tabs, Sheet: f.sheet, View: view, Writer: kube.NewApplier(f.cs, nil), StatePath: f.statePath, Logger: discard})
	if err != nil {
		t.Fatal(err)
	}
	f.pass(e)
	f.editBook(func(b *sheets.Book) {
		setCellOf(t, b.Tab("StatefulSets"), "db", "Replicas", "3")
		setCellOf(t, b.Tab("StatefulSets"), "db", "Image", "postgres:17")
		setCellOf(t, b.Tab("CronJobs"), "backup", "Schedule", "*/15 * * * *")
		setCellOf(t, b.Tab("CronJobs"), "backup", "Suspend", "TRUE")
	})
	f.pass(e)
	sts, err := f.cs.AppsV1().StatefulSets("shop").Get(ctx, "db", metav1.GetOptions{})
	if err != nil || *sts.Spec.Replicas != 3 || sts.Spec.Template.Spec.Containers[0].Image != "postgres:17" {
		t.Fatalf("statefulset = replicas %d image %s (%v); Sync %q", *sts.Spec.Replicas, sts.Spec.Template.Spec.Containers[0].Image, err,
			cellOf(t, f.read().Tab("StatefulSets"), "db", "Sync"))
	}
	cj, err := f.cs.BatchV1().CronJobs("shop").Get(ctx, "backup", metav1.GetOptions{})
	if err != nil || cj.Spec.Schedule != "*/15 * * * *" || cj.Spec.Suspend == nil || !*cj.Spec.Suspend {
		t.Fatalf("cronjob = %q suspend %v (%v); Sync %q", cj.Spec.Schedule, cj.Spec.Suspend, err, cellOf(t, f.read().Tab("CronJobs"), "backup", "Sync"))
	}
	f.editBook(func(b *sheets.Book) { setCellOf(t, b.Tab("CronJobs"), "backup", "Schedule", "every day") })
	f.pass(e)
	if s := cellOf(t, f.read().Tab("CronJobs"), "backup", "Sync"); !strings.HasPrefix(s, "invalid: Schedule") {
		t.Fatalf("Sync = %q, want invalid", s)
	}

	// Creates from a row: the presets build a StatefulSet and a CronJob.
	addRow := func(b *sheets.Book, tab string, cells map[string]string) {
		tb := b.Tab(tab)
		row := make([]string, len(tb.Header))
		for i, h := range tb.Header {
			row[i] = cells[h]
		}
		tb.Rows = append(tb.Rows, row)
	}
	f.editBook(func(b *sheets.Book) {
		addRow(b, "StatefulSets", map[string]string{"Namespace": "shop", "Name": "cache", "Image": "redis:7", "Replicas": "2"})
		addRow(b, "CronJobs", map[string]string{"Namespace": "shop", "Name": "nightly", "Image": "busybox:1.36", "Schedule": "@daily", "Suspend": "FALSE"})
		addRow(b, "CronJobs", map[string]string{"Namespace": "shop", "Name": "broken", "Image": "busybox:1.36", "Schedule": "25 * * *"})
	})
	f.pass(e)
	cache, err := f.cs.AppsV1().StatefulSets("shop").Get(ctx, "cache", metav1.GetOptions{})
	if err != nil || *cache.Spec.Replicas != 2 || cache.Spec.Template.Spec.Containers[0].Image != "redis:7" {
		t.Fatalf("created statefulset = %+v, %v; Sync %q", cache, err, cellOf(t, f.read().Tab("StatefulSets"), "cache", "Sync"))
	}
	nightly, err := f.cs.BatchV1().CronJobs("shop").Get(ctx, "nightly", metav1.GetOptions{})
	if err != nil || nightly.Spec.Schedule != "@daily" {
		t.Fatalf("created cronjob = %+v, %v", nightly, err)
	}
	if s := cellOf(t, f.read().Tab("CronJobs"), "broken", "Sync"); !strings.HasPrefix(s, "invalid: Schedule") {
		t.Fatalf("broken row Sync = %q, want invalid Schedule", s)
	}
}

// TestEditablePathMustBeAField: an editable path the kind's schema (the cluster's OpenAPI
// v3) does not have stops the start with one line naming the column; fields, maps and
// lists it has pass.
func TestEditablePathMustBeAField(t *testing.T) {
	f := newFixture(t)
	res := kube.NewResolver(f.cs.Discovery())
	build := func(path string) error {
		cfg := sync.DefaultConfig()
		cfg.Tabs = []sync.TabConfig{{Name: "DB", Resource: "statefulsets", Columns: []sync.ColumnConfig{
			{Header: "Namespace"}, {Header: "Name"}, {Header: "X", Path: path, Editable: true}, {Header: "Sync"}}}}
		_, err := cfg.BuildTabs(res)
		return err
	}
	for _, ok := range []string{".spec.replicas", ".spec.template.spec.containers[0].image", ".metadata.labels.tier", ".metadata.annotations['a.b/c']"} {
		if err := build(ok); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	for _, bad := range []string{".spec.replica", ".spec.template.spec.containers[0].imag", ".spec.replicas[0]"} {
		err := build(bad)
		var se *sync.SettingError
		if !errors.As(err, &se) || se.Key != "tabs[0].columns[2].path" || !strings.Contains(se.Fix, "is not a field of StatefulSet") {
			t.Errorf("%s: err = %v, want a SettingError for tabs[0].columns[2].path", bad, err)
		}
	}
}

// viewOf is a synced view of the tabs' resources on the fixture's engine.
func (f *fixture) viewOf(tabs []mapping.Tab) *kube.View {
	f.t.Helper()
	view, err := kube.NewViewOf(f.cs, f.dyn, mapping.Sources(tabs))
	if err != nil {
		f.t.Fatal(err)
	}
	view.Start(f.ctx)
	f.t.Cleanup(view.Stop)
	if err := view.WaitForSync(f.ctx); err != nil {
		f.t.Fatal(err)
	}
	return view
}
