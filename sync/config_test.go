package sync_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sheetops/sheetops/sync"
)

// TestExampleConfigIsTheDefaults: config.example.yaml loads and shows every default.
func TestExampleConfigIsTheDefaults(t *testing.T) {
	cfg, err := sync.LoadConfig(filepath.Join("..", "config.example.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	def := sync.DefaultConfig()
	if cfg.Sheet != def.Sheet || cfg.Reconcile != def.Reconcile || cfg.Export != def.Export ||
		cfg.Server != def.Server || cfg.LeaderElection != def.LeaderElection || cfg.StateDir != def.StateDir || cfg.Log != def.Log ||
		cfg.Embedded.Addr != def.Embedded.Addr || cfg.Embedded.DataDir != def.Embedded.DataDir || *cfg.Embedded.Demo != *def.Embedded.Demo {
		t.Fatalf("example config differs from the defaults:\n%+v\n%+v", cfg, def)
	}
}

func TestConfigErrorsNameTheSetting(t *testing.T) {
	tests := []struct {
		yaml, key string
	}{
		{"sheet:\n  backend: csv\n", "sheet.backend"},
		{"sheet:\n  pollInterval: 10ms\n", "sheet.pollInterval"},
		{"sheet:\n  pollInterval: soon\n", "--config"},
		{"sheet:\n  xlsx:\n    path: book.csv\n", "sheet.xlsx.path"},
		{"sheet:\n  backend: google\n", "sheet.google.spreadsheetID"},
		{"cluster:\n  labelSelector: 'a in (b'\n", "cluster.labelSelector"},
		{"reconcile:\n  schedule: every now and then\n", "reconcile.schedule"},
		{"reconcile:\n  mode: sometimes\n", "reconcile.mode"},
		{"reconcile:\n  mode: enforce\n", "reconcile.mode"},
		{"reconcile:\n  schedule: CRON_TZ=Mars/Olympus 0 * * * *\n", "reconcile.schedule"},
		{"export:\n  schedule: '61 * * * *'\n", "export.schedule"},
		{"leaderElection:\n  enabled: true\n  leaseDuration: 5s\n", "leaderElection.leaseDuration"},
		{"leaderElection:\n  enabled: true\n  renewDeadline: 2s\n", "leaderElection.renewDeadline"},
		{"export:\n  keep: 0\n", "export.keep"},
		{"log:\n  level: loud\n", "log.level"},
		{"server:\n  addr: nine-thousand\n", "server.addr"},
		{"unknownKey: 1\n", "--config"},
		{"tabs:\n- name: Things\n  kind: Service\n", "tabs[0].kind"},
		{"tabs:\n- kind: Pod\n", "tabs[0].name"},
		{"tabs:\n- name: Audit\n  kind: Pod\n", "tabs[0].name"},
		{"tabs:\n- name: A\n  kind: Pod\n- name: B\n  kind: Pod\n", "tabs[1].kind"},
		{"tabs:\n- name: A\n  kind: Pod\n- name: A\n  kind: Deployment\n", "tabs[1].name"},
		{"tabs:\n- name: A\n  kind: Deployment\n  columns: [Namespace, Name, Replicas]\n", "tabs[0].columns"},
		{"tabs:\n- name: A\n  kind: Deployment\n  columns: [Namespace, Name, Sync, Restarts]\n", "tabs[0].columns[3]"},
		{"tabs:\n- preset: Gadgets\n", "tabs[0].preset"},
		{"tabs:\n- preset: Deployments\n  resource: pods\n", "tabs[0].resource"},
		{"tabs:\n- name: X\n", "tabs[0]"},
		{"tabs:\n- preset: Pods\n- name: More\n  resource: po\n", "tabs[1].resource"},
		{"tabs:\n- name: DB\n  resource: statefulsets.apps\n  columns: [Namespace, Name, {header: R, path: .spec.replicas, type: integr}, Sync]\n", "tabs[0].columns[2].type"},
		{"tabs:\n- name: DB\n  resource: statefulsets.apps\n  columns: [Namespace, Name, {header: R, path: '.spec.replicas[', editable: true}, Sync]\n", "tabs[0].columns[2]"},
		{"tabs:\n- name: DB\n  resource: statefulsets.apps\n  columns: [Namespace, Name, {header: I, path: '.spec.template.spec.containers[*].image', editable: true}, Sync]\n", "tabs[0].columns[2]"},
		{"tabs:\n- name: DB\n  resource: statefulsets.apps\n  columns: [Namespace, Name, {header: T, path: .metadata.labels.tier, editable: true, type: enum}, Sync]\n", "tabs[0].columns[2]"},
		{"tabs:\n- name: DB\n  resource: statefulsets.apps\n  columns: [Namespace, Name, {header: T, type: integer}, Sync]\n", "tabs[0].columns[2].path"},
		{"tabs:\n- name: DB\n  resource: statefulsets.apps\n  columns: [Namespace, Name, Tier, Sync]\n", "tabs[0].columns[2]"},
		{"tabs:\n- name: DB\n  resource: statefulsets.apps\n  columns: [Name, Sync]\n", "tabs[0].columns"},
		{"tabs:\n- name: DB\n  resource: statefulsets.apps\n  create: '{{.Name'\n", "tabs[0].create"},
		{"tabs:\n- preset: Nodes\n  labelSelector: 'a in (b'\n", "tabs[0].labelSelector"},
	}
	for _, tt := range tests {
		t.Run(tt.key+"/"+strings.TrimSpace(tt.yaml), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "c.yaml")
			if err := os.WriteFile(path, []byte(tt.yaml), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := sync.LoadConfig(path)
			var se *sync.SettingError
			if !errors.As(err, &se) || se.Key != tt.key {
				t.Fatalf("err = %v, want a SettingError for %s", err, tt.key)
			}
		})
	}
}

func TestSchedulesWithTimeZonesAreAccepted(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.yaml")
	yaml := "reconcile:\n  schedule: CRON_TZ=Europe/Berlin 0 9 * * 1-5\n  mode: enforce\nexport:\n  schedule: '@every 1h'\n"
	if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := sync.LoadConfig(path); err != nil {
		t.Fatal(err)
	}
}

func TestCustomTabs(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.yaml")
	yaml := "tabs:\n- name: Scale\n  kind: Deployment\n  columns: [Namespace, Name, Replicas, Ready, Sync]\n- name: Pods\n  kind: Pod\n"
	if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := sync.LoadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	tabs, err := cfg.BuildTabs(nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(tabs) != 2 || tabs[0].Name != "Scale" || tabs[1].Name != "Pods" {
		t.Fatalf("tabs = %+v", tabs)
	}
	want := []string{"Namespace", "Name", "Replicas", "Ready", "Sync", "UID", "Resource Version"}
	if got := tabs[0].Headers(); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("Scale headers = %q, want %q", got, want)
	}
	if got := len(tabs[1].Headers()); got != 13 {
		t.Errorf("Pods has %d columns, want the default 11 + UID + RV", got)
	}
}

// TestDefaultTabsKeepTheClusterScope: the default tabs watch cluster.namespaces with
// cluster.labelSelector, as configured tabs do unless they say otherwise.
func TestDefaultTabsKeepTheClusterScope(t *testing.T) {
	cfg := sync.DefaultConfig()
	cfg.Cluster.Namespaces, cfg.Cluster.LabelSelector = []string{"shop"}, "tier=web"
	for _, tabs := range [][]sync.TabConfig{nil, {{Preset: "Deployments"}, {Preset: "Nodes", LabelSelector: "role=x"}}} {
		cfg.Tabs = tabs
		built, err := cfg.BuildTabs(nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, tb := range built {
			want := "tier=web"
			if tb.Name == "Nodes" {
				want = "role=x"
			}
			if len(tb.Namespaces) != 1 || tb.Namespaces[0] != "shop" || tb.LabelSelector != want {
				t.Errorf("%s: namespaces %v selector %q", tb.Name, tb.Namespaces, tb.LabelSelector)
			}
		}
	}
}
