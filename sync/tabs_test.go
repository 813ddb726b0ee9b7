package sync_test

import (
	"slices"
	"testing"

	"github.com/sheetops/sheetops/kube"
	"github.com/sheetops/sheetops/mapping"
	"github.com/sheetops/sheetops/sync"
)

func TestCustomTabIsRenderedAndEditable(t *testing.T) {
	f := newFixture(t)
	cfg := sync.DefaultConfig()
	cfg.Tabs = []sync.TabConfig{{Name: "Scale", Kind: "Deployment", Columns: []string{"Namespace", "Name", "Replicas", "Sync"}}}
	tabs, err := cfg.BuildTabs()
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
