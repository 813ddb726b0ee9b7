package sync

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"slices"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/labels"

	"github.com/sheetops/sheetops/kube"
	"github.com/sheetops/sheetops/mapping"
	"sigs.k8s.io/yaml"
)

// Config is every setting of SheetOps; config.example.yaml documents each key with its default.
type Config struct {
	Cluster   ClusterConfig   `json:"cluster"`
	Embedded  EmbeddedConfig  `json:"embedded"`
	Sheet     SheetConfig     `json:"sheet"`
	Tabs      []TabConfig     `json:"tabs"`
	Reconcile ReconcileConfig `json:"reconcile"`
	Export    ExportConfig    `json:"export"`
	Server    ServerConfig    `json:"server"`
	// LeaderElection lets several replicas run with one of them active.
	LeaderElection LeaderElectionConfig `json:"leaderElection"`
	// StateDir holds the state file and the audit log. Default ".sheetops".
	StateDir string    `json:"stateDir"`
	Log      LogConfig `json:"log"`
}

// ClusterConfig says which cluster to use.
type ClusterConfig struct {
	// Embedded runs the embedded engine. Default: true when no kubeconfig is found.
	Embedded *bool `json:"embedded,omitempty"`
	// Kubeconfig is a file; empty: $KUBECONFIG, ~/.kube/config, then in-cluster.
	Kubeconfig string `json:"kubeconfig"`
	// Context of the kubeconfig; empty: its current context.
	Context string `json:"context"`
	// Namespaces to show; empty: all.
	Namespaces []string `json:"namespaces"`
	// LabelSelector limits the objects shown; empty: all.
	LabelSelector string `json:"labelSelector"`
}

// EmbeddedConfig configures the embedded engine.
type EmbeddedConfig struct {
	// Addr is where it listens. Default "127.0.0.1:6443".
	Addr string `json:"addr"`
	// DataDir holds its store and credentials. Default ".sheetops/apiserver".
	DataDir string `json:"dataDir"`
	// Demo seeds demo workloads into an empty store. Default true.
	Demo *bool `json:"demo,omitempty"`
}

// SheetConfig chooses and configures the spreadsheet backend.
type SheetConfig struct {
	// Backend is "xlsx" or "google". Default "xlsx".
	Backend string `json:"backend"`
	// PollInterval is how often the sheet is read for edits. Default 2s.
	PollInterval Duration     `json:"pollInterval"`
	XLSX         XLSXConfig   `json:"xlsx"`
	Google       GoogleConfig `json:"google"`
}

// XLSXConfig configures the local workbook.
type XLSXConfig struct {
	// Path of the workbook. Default "sheetops.xlsx".
	Path string `json:"path"`
}

// GoogleConfig configures the Google Sheets backend.
type GoogleConfig struct {
	// SpreadsheetID is the sheet's ID. Required with backend google.
	SpreadsheetID string `json:"spreadsheetID"`
	// CredentialsFile is a service-account key or OAuth token file; empty: ADC.
	CredentialsFile string `json:"credentialsFile"`
	// Endpoint overrides the API endpoint. Default: Google's.
	Endpoint string `json:"endpoint"`
	// ReadsPerMinute and WritesPerMinute bound the API calls. Default 60 each.
	ReadsPerMinute  int `json:"readsPerMinute"`
	WritesPerMinute int `json:"writesPerMinute"`
}

// TabConfig is one tab of the sheet (DESIGN.md "Any kind, any column"): a preset, or any
// resource the cluster serves with its columns. The old form (name, kind: Deployment|Pod,
// columns of header names) still works.
type TabConfig struct {
	// Preset is a shipped tab (mapping.Presets: Deployments, Pods, StatefulSets, …).
	Preset string `json:"preset,omitempty"`
	// Name of the tab. Default: the preset's name. Required without a preset.
	Name string `json:"name,omitempty"`
	// Resource is what `kubectl get` accepts: plural[.group], kind, short name.
	Resource string `json:"resource,omitempty"`
	// Kind is the old form's Deployment or Pod.
	Kind string `json:"kind,omitempty"`
	// Namespaces limits the tab; default cluster.namespaces.
	Namespaces []string `json:"namespaces,omitempty"`
	// LabelSelector limits the tab; default cluster.labelSelector.
	LabelSelector string `json:"labelSelector,omitempty"`
	// Columns in order: plain headers (the common ones, or the preset's) or custom columns.
	// Default: the preset's columns, or Namespace, Name, Age, Action, Sync.
	Columns []ColumnConfig `json:"columns,omitempty"`
	// Create is a YAML template of the object a new row creates ({{.Header}} fields are
	// the row's cells); empty: the preset's create, or none.
	Create string `json:"create,omitempty"`
}

// ColumnConfig is one column of a tab: a plain header, or a custom column.
type ColumnConfig struct {
	Header string `json:"header"`
	// Path is a kubectl JSONPath into the object.
	Path     string `json:"path,omitempty"`
	Editable bool   `json:"editable,omitempty"`
	// Type: string (default), integer, number, boolean, quantity, duration, cron, image,
	// enum, labels.
	Type   string   `json:"type,omitempty"`
	Min    *int64   `json:"min,omitempty"`
	Max    *int64   `json:"max,omitempty"`
	Values []string `json:"values,omitempty"`
}

// UnmarshalJSON reads a plain header ("Replicas") or a column object.
func (c *ColumnConfig) UnmarshalJSON(b []byte) error {
	var header string
	if err := json.Unmarshal(b, &header); err == nil {
		*c = ColumnConfig{Header: header}
		return nil
	}
	type plain ColumnConfig
	var p plain
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return err
	}
	*c = ColumnConfig(p)
	return nil
}

// ReconcileConfig schedules full refreshes.
type ReconcileConfig struct {
	// Schedule is a robfig/cron spec; empty: off.
	Schedule string `json:"schedule"`
	// Mode is "refresh" or "enforce". Default "refresh".
	Mode string `json:"mode"`
}

// ExportConfig schedules exports.
type ExportConfig struct {
	// Schedule is a robfig/cron spec; empty: off.
	Schedule string `json:"schedule"`
	// Dir is where exports go. Default "exports".
	Dir string `json:"dir"`
	// Keep is how many exports are kept. Default 24.
	Keep int `json:"keep"`
}

// ServerConfig is the daemon's own listener.
type ServerConfig struct {
	// Addr serves /healthz, /readyz and /metrics. Default "127.0.0.1:9090".
	Addr string `json:"addr"`
}

// LeaderElectionConfig makes replicas elect one leader on a coordination.k8s.io/v1 Lease:
// only the leader polls and writes the sheet and changes the cluster; the others keep
// their informers warm and take over when the lease expires.
type LeaderElectionConfig struct {
	// Enabled turns leader election on. Default false (a single replica).
	Enabled bool `json:"enabled"`
	// Namespace of the Lease. Empty: the pod's namespace in a cluster, else "default".
	Namespace string `json:"namespace"`
	// Name of the Lease. Default "sheetops".
	Name string `json:"name"`
	// LeaseDuration is how long a standby waits after the leader's last renewal before it
	// takes over. Default 15s.
	LeaseDuration Duration `json:"leaseDuration"`
	// RenewDeadline is how long the leader keeps trying to renew before it steps down.
	// Default 10s.
	RenewDeadline Duration `json:"renewDeadline"`
	// RetryPeriod is how often candidates try to acquire or renew. Default 2s.
	RetryPeriod Duration `json:"retryPeriod"`
}

// LogConfig configures logging.
type LogConfig struct {
	// Format is "text" or "json". Default "text".
	Format string `json:"format"`
	// Level is debug, info, warn or error. Default "info".
	Level string `json:"level"`
}

// Duration is a time.Duration written as "2s" in YAML.
type Duration struct{ time.Duration }

// UnmarshalJSON reads "2s" (or a number of nanoseconds).
func (d *Duration) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("%q is not a duration like 2s or 500ms", s)
	}
	d.Duration = v
	return nil
}

// MarshalJSON writes "2s".
func (d Duration) MarshalJSON() ([]byte, error) { return []byte(`"` + d.String() + `"`), nil }

// DefaultConfig is the configuration with every default filled in.
func DefaultConfig() Config {
	yes := true
	return Config{
		Embedded:  EmbeddedConfig{Addr: "127.0.0.1:6443", DataDir: ".sheetops/apiserver", Demo: &yes},
		Sheet:     SheetConfig{Backend: "xlsx", PollInterval: Duration{2 * time.Second}, XLSX: XLSXConfig{Path: "sheetops.xlsx"}, Google: GoogleConfig{ReadsPerMinute: 60, WritesPerMinute: 60}},
		Reconcile: ReconcileConfig{Mode: "refresh"},
		Export:    ExportConfig{Dir: "exports", Keep: 24},
		Server:    ServerConfig{Addr: "127.0.0.1:9090"},
		LeaderElection: LeaderElectionConfig{Name: "sheetops", LeaseDuration: Duration{15 * time.Second},
			RenewDeadline: Duration{10 * time.Second}, RetryPeriod: Duration{2 * time.Second}},
		StateDir: ".sheetops",
		Log:      LogConfig{Format: "text", Level: "info"},
	}
}

// SettingError names a setting, its value and what is wrong with it.
type SettingError struct {
	Key   string
	Value string
	Fix   string
}

func (e *SettingError) Error() string {
	return fmt.Sprintf("%s: %q %s", e.Key, e.Value, e.Fix)
}

// LoadConfig reads a YAML file over the defaults and validates it. Unknown keys are errors.
func LoadConfig(path string) (Config, error) {
	cfg := DefaultConfig()
	data, err := os.ReadFile(path)
	if err != nil {
		reason := err
		if u := errors.Unwrap(err); u != nil {
			reason = u // the path is already named
		}
		return cfg, &SettingError{Key: "--config", Value: path, Fix: "cannot be read: " + reason.Error()}
	}
	if err := yaml.UnmarshalStrict(data, &cfg); err != nil {
		return cfg, &SettingError{Key: "--config", Value: path, Fix: "is not a valid SheetOps config: " + err.Error()}
	}
	return cfg, cfg.Validate()
}

// Validate checks every setting and returns the first problem as a *SettingError.
func (c *Config) Validate() error {
	if c.Sheet.Backend != "xlsx" && c.Sheet.Backend != "google" {
		return &SettingError{"sheet.backend", c.Sheet.Backend, "must be xlsx or google"}
	}
	if c.Sheet.PollInterval.Duration < 100*time.Millisecond {
		return &SettingError{"sheet.pollInterval", c.Sheet.PollInterval.String(), "must be at least 100ms"}
	}
	if c.Sheet.Backend == "xlsx" && !strings.HasSuffix(strings.ToLower(c.Sheet.XLSX.Path), ".xlsx") {
		return &SettingError{"sheet.xlsx.path", c.Sheet.XLSX.Path, "must name a .xlsx file"}
	}
	if c.Sheet.Backend == "google" && c.Sheet.Google.SpreadsheetID == "" {
		return &SettingError{"sheet.google.spreadsheetID", "", "is required with sheet.backend google"}
	}
	if c.Sheet.Google.ReadsPerMinute <= 0 {
		return &SettingError{"sheet.google.readsPerMinute", fmt.Sprint(c.Sheet.Google.ReadsPerMinute), "must be positive"}
	}
	if c.Sheet.Google.WritesPerMinute <= 0 {
		return &SettingError{"sheet.google.writesPerMinute", fmt.Sprint(c.Sheet.Google.WritesPerMinute), "must be positive"}
	}
	if c.Cluster.LabelSelector != "" {
		if _, err := labels.Parse(c.Cluster.LabelSelector); err != nil {
			return &SettingError{"cluster.labelSelector", c.Cluster.LabelSelector, "is not a label selector: " + err.Error()}
		}
	}
	if _, _, err := net.SplitHostPort(c.Embedded.Addr); err != nil {
		return &SettingError{"embedded.addr", c.Embedded.Addr, "must be host:port"}
	}
	if _, _, err := net.SplitHostPort(c.Server.Addr); err != nil {
		return &SettingError{"server.addr", c.Server.Addr, "must be host:port"}
	}
	if s := c.Reconcile.Schedule; s != "" {
		if _, err := ParseSchedule(s); err != nil {
			return &SettingError{"reconcile.schedule", s, "is not a cron schedule (\"@every 5m\", \"0 * * * *\", \"CRON_TZ=Europe/Berlin 0 9 * * *\"): " + err.Error()}
		}
	}
	if c.Reconcile.Mode != "refresh" && c.Reconcile.Mode != "enforce" {
		return &SettingError{"reconcile.mode", c.Reconcile.Mode, "must be refresh or enforce"}
	}
	if c.Reconcile.Mode == "enforce" && c.Reconcile.Schedule == "" {
		return &SettingError{"reconcile.mode", c.Reconcile.Mode, "needs reconcile.schedule: drift is restored by the scheduled reconcile (for example \"@every 5m\")"}
	}
	if s := c.Export.Schedule; s != "" {
		if _, err := ParseSchedule(s); err != nil {
			return &SettingError{"export.schedule", s, "is not a cron schedule (\"@every 1h\", \"0 * * * *\"): " + err.Error()}
		}
	}
	if le := c.LeaderElection; le.Enabled {
		if le.Name == "" {
			return &SettingError{"leaderElection.name", le.Name, "must name the Lease (default sheetops)"}
		}
		if le.RetryPeriod.Duration <= 0 {
			return &SettingError{"leaderElection.retryPeriod", le.RetryPeriod.String(), "must be positive"}
		}
		if le.RenewDeadline.Duration <= le.RetryPeriod.Duration*6/5 {
			return &SettingError{"leaderElection.renewDeadline", le.RenewDeadline.String(), "must be more than 1.2 × leaderElection.retryPeriod"}
		}
		if le.LeaseDuration.Duration <= le.RenewDeadline.Duration {
			return &SettingError{"leaderElection.leaseDuration", le.LeaseDuration.String(), "must be more than leaderElection.renewDeadline"}
		}
	}
	if c.Export.Keep < 1 {
		return &SettingError{"export.keep", fmt.Sprint(c.Export.Keep), "must be at least 1"}
	}
	if c.Log.Format != "text" && c.Log.Format != "json" {
		return &SettingError{"log.format", c.Log.Format, "must be text or json"}
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		return &SettingError{"log.level", c.Log.Level, "must be debug, info, warn or error"}
	}
	if _, err := c.BuildTabs(nil); err != nil {
		return err
	}
	return nil
}

// reservedTabs are the names of the tabs SheetOps writes besides the object tabs.
var reservedTabs = []string{SummaryTab, AuditTab, "_sheetops"}

// Resolver finds the resource a tab names (kube.Resolver on the cluster's discovery).
type Resolver interface {
	Resolve(arg string) (kube.Resource, error)
}

// ScaleFinder is the optional scale check of a Resolver: where the objects of a resource
// with a scale subresource keep their replica count ("" when it has none; kube.Resolver
// reads discovery and the CustomResourceDefinition).
type ScaleFinder interface {
	ReplicasPath(r kube.Resource) (string, error)
}

// PrinterColumnFinder is the optional printer column lookup of a Resolver: the columns
// `kubectl get` shows for a custom resource (kube.Resolver reads its definition).
type PrinterColumnFinder interface {
	PrinterColumns(r kube.Resource) []kube.PrinterColumn
}

// FieldChecker is the optional schema check of a Resolver: whether a resource's objects have
// a field (kube.Resolver reads the cluster's OpenAPI v3). An error means it cannot tell.
type FieldChecker interface {
	HasField(r kube.Resource, path []kube.FieldStep) (bool, error)
}

// staticResolver resolves without a cluster, for checking a config before connecting: the
// default tabs' resources, and any other name as a namespaced resource of that name (the
// cluster's discovery decides at start).
type staticResolver struct{}

func (staticResolver) Resolve(arg string) (kube.Resource, error) {
	switch strings.ToLower(strings.TrimSpace(arg)) {
	case "":
		return kube.Resource{}, errors.New("empty resource")
	case "deployments.apps", "deployments", "deployment", "deploy":
		return kube.Deployments, nil
	case "pods", "pod", "po":
		return kube.Pods, nil
	case "nodes", "node", "no", "namespaces", "namespace", "ns":
		return kube.Resource{Kind: arg}, nil
	}
	return kube.Resource{Kind: arg, Namespaced: true}, nil
}

// BuildTabs returns the object tabs of the config (the default Deployments and Pods tabs
// when it lists none), each resource found by res (nil: without a cluster, the checks that
// need none). Problems come back as a *SettingError naming tabs[i] or tabs[i].columns[j].
func (c *Config) BuildTabs(res Resolver) ([]mapping.Tab, error) {
	if len(c.Tabs) == 0 {
		tabs := mapping.DefaultTabs()
		for i := range tabs {
			tabs[i].Namespaces, tabs[i].LabelSelector = c.Cluster.Namespaces, c.Cluster.LabelSelector
		}
		return tabs, nil
	}
	if res == nil {
		res = staticResolver{}
	}
	var tabs []mapping.Tab
	names, resources := map[string]bool{}, map[kube.Resource]int{}
	for i, tc := range c.Tabs {
		key := fmt.Sprintf("tabs[%d]", i)
		t, err := c.buildTab(key, tc, res)
		if err != nil {
			return nil, err
		}
		switch {
		case slices.Contains(reservedTabs, t.Name):
			return nil, &SettingError{key + ".name", t.Name, "is a tab SheetOps writes itself; choose another name"}
		case names[t.Name]:
			return nil, &SettingError{key + ".name", t.Name, "is used by another tab"}
		}
		if j, dup := resources[t.Resource]; dup && t.Resource.GroupVersionResource.Resource != "" {
			field, value := ".resource", tc.Resource+tc.Preset
			if tc.Kind != "" {
				field, value = ".kind", tc.Kind
			} else if tc.Preset != "" {
				field = ".preset"
			}
			return nil, &SettingError{key + field, value, fmt.Sprintf("has a tab already (tabs[%d]); one tab per resource", j)}
		}
		names[t.Name], resources[t.Resource] = true, i
		tabs = append(tabs, t)
	}
	return tabs, nil
}

// buildTab builds one tab of the config.
func (c *Config) buildTab(key string, tc TabConfig, res Resolver) (mapping.Tab, error) {
	var preset *mapping.Preset
	resource := tc.Resource
	switch {
	case tc.Preset != "":
		p, ok := mapping.PresetNamed(tc.Preset)
		if !ok {
			return mapping.Tab{}, &SettingError{key + ".preset", tc.Preset, "is not a preset (one of " + strings.Join(mapping.PresetNames(), ", ") + ")"}
		}
		if tc.Resource != "" || tc.Kind != "" {
			return mapping.Tab{}, &SettingError{key + ".resource", tc.Resource + tc.Kind, "is the preset's own; give a preset or a resource, not both"}
		}
		preset, resource = &p, p.Resource
	case tc.Kind != "":
		// The old form: kind Deployment or Pod, columns from its default tab.
		if tc.Resource != "" {
			return mapping.Tab{}, &SettingError{key + ".kind", tc.Kind, "is the old form of resource; give one of them"}
		}
		p, ok := mapping.PresetNamed(map[string]string{mapping.Deployment.Kind: mapping.DeploymentsTab, mapping.Pod.Kind: mapping.PodsTab}[tc.Kind])
		if !ok {
			return mapping.Tab{}, &SettingError{key + ".kind", tc.Kind, "must be Deployment or Pod (or use resource:)"}
		}
		preset, resource = &p, p.Resource
	case tc.Resource == "":
		return mapping.Tab{}, &SettingError{key, "", "needs a preset or a resource"}
	}
	name := strings.TrimSpace(tc.Name)
	if name == "" && preset != nil && tc.Kind == "" {
		name = preset.Name
	}
	if name == "" {
		return mapping.Tab{}, &SettingError{key + ".name", tc.Name, "is required"}
	}
	r, err := res.Resolve(resource)
	if err != nil {
		return mapping.Tab{}, &SettingError{key + ".resource", resource, err.Error()}
	}
	if preset == nil {
		if p, ok := presetFor(r, res); ok {
			preset = &p // a resource with a preset gets its columns and creates
		}
	}
	var replicasPath string
	if sf, ok := res.(ScaleFinder); ok && !mapping.Scalable(r) {
		if replicasPath, err = sf.ReplicasPath(r); err != nil {
			return mapping.Tab{}, &SettingError{key + ".resource", resource, err.Error()}
		}
	}
	var printer []kube.PrinterColumn
	if pf, ok := res.(PrinterColumnFinder); ok && preset == nil && len(tc.Columns) == 0 {
		printer = pf.PrinterColumns(r)
	}
	specs, err := columnSpecs(key, tc, preset, r, replicasPath != "", printer)
	if err != nil {
		return mapping.Tab{}, err
	}
	t, err := mapping.BuildTab(name, r, specs)
	var ce *mapping.ColumnError
	if errors.As(err, &ce) {
		return mapping.Tab{}, &SettingError{fmt.Sprintf("%s.columns[%d]", key, ce.Index), specs[ce.Index].Header, ce.Err.Error()}
	}
	if err != nil {
		return mapping.Tab{}, &SettingError{key + ".columns", name, err.Error()}
	}
	if fc, ok := res.(FieldChecker); ok {
		for j, col := range t.Columns {
			if col.Field == nil {
				continue
			}
			if has, err := fc.HasField(r, col.Field); err == nil && !has {
				return mapping.Tab{}, &SettingError{fmt.Sprintf("%s.columns[%d].path", key, j), specs[j].Path,
					fmt.Sprintf("is not a field of %s (kubectl explain %s lists its fields)", r.Kind, r.GroupResource())}
			}
		}
	}
	t.ReplicasPath = replicasPath
	if preset != nil {
		t.Creator = preset.Create
	}
	if tc.Create != "" {
		creator, err := mapping.TemplateCreator(tc.Create)
		if err != nil {
			return mapping.Tab{}, &SettingError{key + ".create", "…", err.Error()}
		}
		t.Creator = creator
	}
	t.Namespaces, t.LabelSelector = c.Cluster.Namespaces, c.Cluster.LabelSelector
	if len(tc.Namespaces) > 0 {
		t.Namespaces = tc.Namespaces
	}
	if tc.LabelSelector != "" {
		if _, err := labels.Parse(tc.LabelSelector); err != nil {
			return mapping.Tab{}, &SettingError{key + ".labelSelector", tc.LabelSelector, err.Error()}
		}
		t.LabelSelector = tc.LabelSelector
	}
	return t, nil
}

// printerColumnSpecs are read-only columns of the printer columns `kubectl get` shows
// (priority 0), without those the tab has anyway (Name, Age, …) and with the type of each.
func printerColumnSpecs(printer []kube.PrinterColumn) []mapping.ColumnSpec {
	var out []mapping.ColumnSpec
	for _, pc := range printer {
		if pc.Priority != 0 || pc.JSONPath == ".metadata.creationTimestamp" || mapping.IsCommonHeader(pc.Name) {
			continue
		}
		spec := mapping.ColumnSpec{Header: pc.Name, Path: pc.JSONPath}
		switch pc.Type {
		case "integer", "number", "boolean":
			tn, err := mapping.ParseTypeName(pc.Type)
			if err == nil {
				spec.Type = mapping.ValueType{Type: tn}
			}
		}
		out = append(out, spec)
	}
	return out
}

// presetFor finds the preset of a resource, if one has it.
func presetFor(r kube.Resource, res Resolver) (mapping.Preset, bool) {
	for _, p := range mapping.Presets {
		if pr, err := res.Resolve(p.Resource); err == nil && pr == r && r.GroupVersionResource.Resource != "" {
			return p, true
		}
	}
	return mapping.Preset{}, false
}

// columnSpecs are a tab's columns: the config's (plain headers from the common columns or
// the preset's, or custom ones), else the preset's, else Namespace, Name, Age, Action, Sync.
// scalable: r has a scale subresource; printer: its printer columns (a custom resource's).
func columnSpecs(key string, tc TabConfig, preset *mapping.Preset, r kube.Resource, scalable bool, printer []kube.PrinterColumn) ([]mapping.ColumnSpec, error) {
	if len(tc.Columns) == 0 {
		if preset != nil {
			return preset.Columns, nil
		}
		specs := []mapping.ColumnSpec{{Header: mapping.Name}}
		if r.Namespaced {
			specs = append([]mapping.ColumnSpec{{Header: mapping.Namespace}}, specs...)
		}
		specs = append(specs, printerColumnSpecs(printer)...)
		return append(specs, mapping.ColumnSpec{Header: mapping.Age}, mapping.ColumnSpec{Header: mapping.Action}, mapping.ColumnSpec{Header: mapping.Sync}), nil
	}
	specs := make([]mapping.ColumnSpec, len(tc.Columns))
	for j, cc := range tc.Columns {
		ckey := fmt.Sprintf("%s.columns[%d]", key, j)
		if cc.Path == "" && !cc.Editable && cc.Type == "" && cc.Min == nil && cc.Max == nil && cc.Values == nil {
			if spec, ok := mapping.ScheduleColumn(cc.Header, r); ok {
				if !mapping.Schedulable(cc.Header, r, scalable) && r.GroupVersionResource.Resource != "" {
					return nil, &SettingError{ckey, cc.Header, "needs a resource that scales (deployments, statefulsets, replicasets, replicationcontrollers, a custom resource with a scale subresource), or for Uptime and Wake Until cronjobs; " + r.String() + " is neither"}
				}
				specs[j] = spec
				continue
			}
			if preset != nil {
				if ps, ok := preset.Column(cc.Header); ok {
					specs[j] = ps
					continue
				}
			}
			if !mapping.IsCommonHeader(cc.Header) {
				known := "the common columns (" + strings.Join(mapping.CommonHeaders(), ", ") + ")"
				if preset != nil {
					var headers []string
					for _, c := range preset.Columns {
						headers = append(headers, c.Header)
					}
					known = "a column of the " + preset.Name + " preset (" + strings.Join(headers, ", ") + ")"
				}
				return nil, &SettingError{ckey, cc.Header, "is not " + known + "; give it a path"}
			}
			specs[j] = mapping.ColumnSpec{Header: cc.Header}
			continue
		}
		if cc.Path == "" {
			return nil, &SettingError{ckey + ".path", "", "is required for a column with a type or editable"}
		}
		tn, err := mapping.ParseTypeName(cc.Type)
		if err != nil {
			return nil, &SettingError{ckey + ".type", cc.Type, err.Error()}
		}
		specs[j] = mapping.ColumnSpec{Header: cc.Header, Path: cc.Path, Editable: cc.Editable,
			Type: mapping.ValueType{Type: tn, Min: cc.Min, Max: cc.Max, Values: cc.Values}}
	}
	return specs, nil
}
