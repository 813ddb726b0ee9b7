package mapping

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/duration"

	"github.com/sheetops/sheetops/kube"
	"github.com/sheetops/sheetops/sheets"
)

// ColumnSpec declares one column of a tab: its header and where its cells come from, a
// column every tab knows (Namespace, Name, Age, Labels, Action, Sync: Header alone), a named
// function (Func: a value that needs logic, such as a pod's Status as kubectl computes it),
// or a JSONPath into the object (Path). Presets are tables of ColumnSpecs; the config's
// custom columns become ColumnSpecs too.
type ColumnSpec struct {
	Header string
	// Path is a kubectl JSONPath (`.spec.replicas`, braces optional).
	Path string
	// Func names a value function (see namedColumns).
	Func string
	// Editable: a person may type into the cell, and the value is patched into Path.
	Editable bool
	// Type reads, checks, shows and writes back the cells.
	Type ValueType
	// Required: an editable cell that may not be emptied.
	Required bool
	// Parse, when set, reads the cells instead of Type (a string column of its own syntax,
	// such as an Uptime schedule); its canonical text is what is written.
	Parse func(cell string) (string, error)
	// Resolve, when set, turns a relative input ("+3h") into an absolute one at the time of
	// the pass, before Parse.
	Resolve func(cell string, now time.Time) string
	// Width in characters; 0: a width for the type.
	Width float64
	// Colors are status colours.
	Colors []sheets.ColorRule
}

// Preset is a shipped tab: a resource and the columns people expect for it.
type Preset struct {
	// Name is the preset's name and the tab's default name ("StatefulSets").
	Name string
	// Resource names what the tab holds as kubectl would ("statefulsets.apps").
	Resource string
	// Columns are the visible columns in order.
	Columns []ColumnSpec
	// Create builds the object of a create row; nil: the preset cannot create.
	Create func(t Tab, cells map[string]string) (runtime.Object, error)
}

// The common headers of the presets' columns that are not among the default tabs' headers.
const (
	Labels = "Labels"
)

// Presets are the shipped tabs, in the order DESIGN.md lists them.
var Presets = []Preset{
	{Name: DeploymentsTab, Resource: "deployments.apps", Columns: []ColumnSpec{
		{Header: Namespace}, {Header: Name},
		{Header: Replicas, Func: "deployment.replicas", Editable: true},
		{Header: Ready, Func: "deployment.ready"},
		{Header: UpToDate, Func: "deployment.upToDate"},
		{Header: Available, Func: "deployment.available"},
		{Header: Image, Func: "deployment.image", Editable: true},
		{Header: Age}, {Header: Action}, {Header: Sync},
	}, Create: newDeploymentOrPod},
	{Name: PodsTab, Resource: "pods", Columns: []ColumnSpec{
		{Header: Namespace}, {Header: Name},
		{Header: Ready, Func: "pod.ready"},
		{Header: Status, Func: "pod.status"},
		{Header: Restarts, Func: "pod.restarts"},
		{Header: Age},
		{Header: Node, Func: "pod.node"},
		{Header: IP, Func: "pod.ip"},
		{Header: Image, Func: "pod.image"},
		{Header: Action}, {Header: Sync},
	}, Create: newDeploymentOrPod},
	{Name: "StatefulSets", Resource: "statefulsets.apps", Columns: []ColumnSpec{
		{Header: Namespace}, {Header: Name},
		{Header: Replicas, Path: ".spec.replicas", Editable: true, Required: true, Type: replicasType},
		{Header: Ready, Func: "readyOfReplicas"},
		{Header: Image, Path: ".spec.template.spec.containers[0].image", Editable: true, Required: true, Type: ValueType{Type: TypeImage}},
		{Header: Age}, {Header: Action}, {Header: Sync},
	}, Create: newStatefulSet},
	{Name: "DaemonSets", Resource: "daemonsets.apps", Columns: []ColumnSpec{
		{Header: Namespace}, {Header: Name},
		{Header: "Desired", Path: ".status.desiredNumberScheduled", Type: ValueType{Type: TypeInteger}},
		{Header: "Current", Path: ".status.currentNumberScheduled", Type: ValueType{Type: TypeInteger}},
		{Header: Ready, Path: ".status.numberReady", Type: ValueType{Type: TypeInteger}},
		{Header: UpToDate, Path: ".status.updatedNumberScheduled", Type: ValueType{Type: TypeInteger}},
		{Header: Available, Path: ".status.numberAvailable", Type: ValueType{Type: TypeInteger}},
		{Header: Image, Path: ".spec.template.spec.containers[0].image", Editable: true, Required: true, Type: ValueType{Type: TypeImage}},
		{Header: Age}, {Header: Action}, {Header: Sync},
	}},
	{Name: "CronJobs", Resource: "cronjobs.batch", Columns: []ColumnSpec{
		{Header: Namespace}, {Header: Name},
		{Header: "Schedule", Path: ".spec.schedule", Editable: true, Required: true, Type: ValueType{Type: TypeCron}, Width: 16},
		{Header: "Suspend", Path: ".spec.suspend", Editable: true, Type: ValueType{Type: TypeBoolean}},
		{Header: "Active", Func: "cronjob.active"},
		{Header: "Last Schedule", Func: "cronjob.lastSchedule"},
		{Header: Image, Path: ".spec.jobTemplate.spec.template.spec.containers[0].image", Editable: true, Required: true, Type: ValueType{Type: TypeImage}},
		{Header: Age}, {Header: Action}, {Header: Sync},
	}, Create: newCronJob},
	{Name: "Jobs", Resource: "jobs.batch", Columns: []ColumnSpec{
		{Header: Namespace}, {Header: Name},
		{Header: "Completions", Path: ".spec.completions", Type: ValueType{Type: TypeInteger}},
		{Header: "Succeeded", Path: ".status.succeeded", Type: ValueType{Type: TypeInteger}},
		{Header: "Suspend", Path: ".spec.suspend", Editable: true, Type: ValueType{Type: TypeBoolean}},
		{Header: Age}, {Header: Action}, {Header: Sync},
	}},
	{Name: "HorizontalPodAutoscalers", Resource: "horizontalpodautoscalers.autoscaling", Columns: []ColumnSpec{
		{Header: Namespace}, {Header: Name},
		{Header: "Reference", Func: "hpa.reference", Width: 28},
		{Header: "Min", Path: ".spec.minReplicas", Editable: true, Type: ValueType{Type: TypeInteger, Min: ptrInt64(1), Max: ptrInt64(MaxReplicas)}},
		{Header: "Max", Path: ".spec.maxReplicas", Editable: true, Required: true, Type: ValueType{Type: TypeInteger, Min: ptrInt64(1), Max: ptrInt64(MaxReplicas)}},
		{Header: "Current", Path: ".status.currentReplicas", Type: ValueType{Type: TypeInteger}},
		{Header: "Target", Func: "hpa.target"},
		{Header: Age}, {Header: Action}, {Header: Sync},
	}},
	{Name: "Nodes", Resource: "nodes", Columns: []ColumnSpec{
		{Header: Name},
		{Header: "Unschedulable", Path: ".spec.unschedulable", Editable: true, Type: ValueType{Type: TypeBoolean}},
		{Header: Ready, Func: "node.ready"},
		{Header: "Roles", Func: "node.roles"},
		{Header: "Version", Path: ".status.nodeInfo.kubeletVersion"},
		{Header: "Pods", Path: ".status.capacity.pods", Type: ValueType{Type: TypeQuantity}},
		{Header: Age}, {Header: Action}, {Header: Sync},
	}},
	{Name: "Services", Resource: "services", Columns: []ColumnSpec{
		{Header: Namespace}, {Header: Name},
		{Header: "Type", Path: ".spec.type", Editable: true, Type: ValueType{Type: TypeEnum, Values: []string{"ClusterIP", "NodePort", "LoadBalancer", "ExternalName"}}},
		{Header: "Cluster IP", Path: ".spec.clusterIP"},
		{Header: "Ports", Func: "service.ports"},
		{Header: Age}, {Header: Action}, {Header: Sync},
	}},
	{Name: "ConfigMaps", Resource: "configmaps", Columns: []ColumnSpec{
		{Header: Namespace}, {Header: Name},
		{Header: "Keys", Func: "configmap.keys", Width: 40},
		{Header: Age}, {Header: Action}, {Header: Sync},
	}},
	{Name: "Namespaces", Resource: "namespaces", Columns: []ColumnSpec{
		{Header: Name},
		{Header: Status, Path: ".status.phase"},
		{Header: Age}, {Header: Action}, {Header: Sync},
	}},
}

// replicasType is a replica count's type.
var replicasType = ValueType{Type: TypeInteger, Min: ptrInt64(0), Max: ptrInt64(MaxReplicas)}

func ptrInt64(n int64) *int64 { return &n }

// PresetNamed returns the preset of that name (case-insensitive), or false.
func PresetNamed(name string) (Preset, bool) {
	for _, p := range Presets {
		if strings.EqualFold(p.Name, name) {
			return p, true
		}
	}
	return Preset{}, false
}

// PresetNames lists the presets' names.
func PresetNames() []string {
	names := make([]string, len(Presets))
	for i, p := range Presets {
		names[i] = p.Name
	}
	return names
}

// Column returns the preset's column with that header, or false.
func (p Preset) Column(header string) (ColumnSpec, bool) {
	for _, c := range p.Columns {
		if c.Header == header {
			return c, true
		}
	}
	return ColumnSpec{}, false
}

// commonHeaders are the columns every tab knows.
var commonHeaders = []string{Namespace, Name, Age, Labels, Action, Sync}

// CommonHeaders lists the columns every tab knows.
func CommonHeaders() []string { return slices.Clone(commonHeaders) }

// IsCommonHeader reports whether h is a column every tab knows.
func IsCommonHeader(h string) bool { return slices.Contains(commonHeaders, h) }

// BuildTab builds a tab named name of resource r from column specs; the hidden UID and RV
// columns are appended. Name and Sync are required, and Namespace for a namespaced resource
// (a cluster-scoped one has none). Errors name the column by its index ("columns[2]: …").
func BuildTab(name string, r kube.Resource, specs []ColumnSpec) (Tab, error) {
	if name == "" {
		return Tab{}, fmt.Errorf("empty name")
	}
	t := Tab{Name: name, Resource: r, Columns: make([]Column, 0, len(specs)+2)}
	seen := map[string]bool{}
	for i, spec := range specs {
		c, err := spec.build(r)
		if err != nil {
			return Tab{}, &ColumnError{Index: i, Err: err}
		}
		if seen[c.Header] {
			return Tab{}, &ColumnError{Index: i, Err: fmt.Errorf("column %q listed twice", c.Header)}
		}
		seen[c.Header] = true
		t.Columns = append(t.Columns, c)
	}
	required := []string{Name, Sync}
	if r.Namespaced {
		required = []string{Namespace, Name, Sync}
	}
	for _, h := range required {
		if !seen[h] {
			return Tab{}, fmt.Errorf("missing column %q", h)
		}
	}
	uid, _ := newColumn(r, UID)
	rv, _ := newColumn(r, RV)
	t.Columns = append(t.Columns, uid, rv)
	return t, nil
}

// ColumnError is a column spec that cannot be built: Index is its place in the specs.
type ColumnError struct {
	Index int
	Err   error
}

func (e *ColumnError) Error() string { return fmt.Sprintf("columns[%d]: %v", e.Index, e.Err) }
func (e *ColumnError) Unwrap() error { return e.Err }

// build makes the column a spec declares.
func (spec ColumnSpec) build(r kube.Resource) (Column, error) {
	h := strings.TrimSpace(spec.Header)
	if h == "" {
		return Column{}, fmt.Errorf("empty header")
	}
	if h == UID || h == RV {
		return Column{}, fmt.Errorf("%q is SheetOps' own hidden column", h)
	}
	if spec.Path == "" && spec.Func == "" {
		switch h {
		case Namespace:
			if !r.Namespaced {
				return Column{}, fmt.Errorf("%s is cluster-scoped: it has no Namespace", r)
			}
		case Labels:
			spec.Path, spec.Type, spec.Width, spec.Editable = ".metadata.labels", ValueType{Type: TypeLabels}, 30, true
			return spec.build(r)
		}
		if !slices.Contains(commonHeaders, h) {
			return Column{}, fmt.Errorf("%q needs a path (it is not one of %s)", h, strings.Join(commonHeaders, ", "))
		}
		c, _ := newColumn(r, h)
		return c, nil
	}
	if spec.Path != "" && spec.Func != "" {
		return Column{}, fmt.Errorf("%q: a path or a function, not both", h)
	}
	if err := spec.Type.Validate(); err != nil {
		return Column{}, fmt.Errorf("%q: %w", h, err)
	}
	var c Column
	if spec.Func != "" {
		f, ok := namedColumns[spec.Func]
		if !ok {
			return Column{}, fmt.Errorf("%q: unknown function %q", h, spec.Func)
		}
		c = f()
		c.named = true
		if spec.Editable && c.Patch == nil {
			return Column{}, fmt.Errorf("%q cannot be edited", h)
		}
		if !spec.Editable {
			c.Editable, c.Parse, c.Patch = false, nil, nil
		}
	} else {
		p, err := compilePath(spec.Path)
		if err != nil {
			return Column{}, fmt.Errorf("%q: %w", h, err)
		}
		if spec.Editable && !p.editable() {
			return Column{}, fmt.Errorf("%q: path %s does not name one field, so it cannot be edited", h, spec.Path)
		}
		c = pathColumn(p, spec)
		if spec.Editable {
			for _, s := range p.segments {
				c.Field = append(c.Field, kube.FieldStep{Key: s.key, Index: s.index >= 0})
			}
		}
	}
	c.Header = h
	if spec.Width > 0 {
		c.Sheet.Width = spec.Width
	}
	if c.Sheet.Width == 0 {
		c.Sheet.Width = max(float64(len(h))+4, 10)
	}
	if spec.Colors != nil {
		c.Sheet.Colors = spec.Colors
	}
	c.Sheet.Colors = slices.Clone(c.Sheet.Colors)
	c.Sheet.Name, c.Sheet.Editable, c.Sheet.Hidden = h, c.Editable, c.Hidden
	return c, nil
}

// pathColumn is a column on a JSONPath: rendered, parsed and written back by its type.
func pathColumn(p *fieldPath, spec ColumnSpec) Column {
	typ := spec.Type
	value := func(obj runtime.Object, _ time.Time) string { return typ.Render(p.find(obj)) }
	c := Column{Value: value, Reads: p.reads(), Sheet: typ.Sheet()}
	if spec.Type.name() == TypeImage {
		c.Sheet.Width = 40
	}
	if !spec.Editable {
		c.Sheet = sheets.Column{Number: c.Sheet.Number, Width: c.Sheet.Width}
		return c
	}
	required := spec.Required
	c.Editable = true
	c.Resolve = spec.Resolve
	parse := typ.Parse
	if spec.Parse != nil {
		parse = spec.Parse
		typ = ValueType{} // a string written as its canonical text
	}
	c.Parse = func(cell string) (string, error) {
		if required && strings.TrimSpace(cell) == "" {
			return "", invalid("must not be empty")
		}
		return parse(cell)
	}
	stringMap := p.inStringMap()
	c.Patch = func(obj runtime.Object, v string) (types.PatchType, []byte, error) {
		if spec.Parse != nil {
			canonical, err := parse(v)
			if err != nil {
				return "", nil, inColumn(spec.Header, err)
			}
			var val any
			if canonical != "" {
				val = canonical
			}
			return p.patch(obj, val)
		}
		val, err := typ.PatchValue(value(obj, time.Time{}), v)
		if err != nil {
			return "", nil, inColumn(spec.Header, err)
		}
		if stringMap && val != nil {
			// Labels and annotations hold text: an integer or a boolean goes in as its text.
			val, err = typ.Parse(v)
			if err != nil {
				return "", nil, inColumn(spec.Header, err)
			}
		}
		return p.patch(obj, val)
	}
	return c
}

// namedColumns are the values that need logic: each returns a new Column (Value, and for
// editable ones Parse and Patch) with its presentation.
var namedColumns = map[string]func() Column{
	"deployment.replicas":  func() Column { c, _ := deploymentColumn(Replicas); return c },
	"deployment.ready":     func() Column { c, _ := deploymentColumn(Ready); return c },
	"deployment.upToDate":  func() Column { c, _ := deploymentColumn(UpToDate); return c },
	"deployment.available": func() Column { c, _ := deploymentColumn(Available); return c },
	"deployment.image":     func() Column { c, _ := deploymentColumn(Image); return c },
	"pod.ready":            func() Column { c, _ := podColumn(Ready); return c },
	"pod.status":           func() Column { c, _ := podColumn(Status); return c },
	"pod.restarts":         func() Column { c, _ := podColumn(Restarts); return c },
	"pod.node":             func() Column { c, _ := podColumn(Node); return c },
	"pod.ip":               func() Column { c, _ := podColumn(IP); return c },
	"pod.image":            func() Column { c, _ := podColumn(Image); return c },
	"readyOfReplicas": func() Column {
		return Column{Value: fromContent(func(o map[string]any, _ time.Time) string {
			desired, ok := nested(o, "spec", "replicas").(int64)
			if !ok {
				desired = defaultReplicas
			}
			ready, _ := nested(o, "status", "readyReplicas").(int64)
			return strconv.FormatInt(ready, 10) + "/" + strconv.FormatInt(desired, 10)
		}), Sheet: sheets.Column{Width: 8, Colors: readyColors}}
	},
	"cronjob.active": func() Column {
		return Column{Value: fromContent(func(o map[string]any, _ time.Time) string {
			active, _ := nested(o, "status", "active").([]any)
			return strconv.Itoa(len(active))
		}), Sheet: sheets.Column{Width: 8, Number: true}}
	},
	"cronjob.lastSchedule": func() Column {
		return Column{Value: fromContent(func(o map[string]any, now time.Time) string {
			s, _ := nested(o, "status", "lastScheduleTime").(string)
			t, err := time.Parse(time.RFC3339, s)
			if err != nil {
				return "<none>"
			}
			return duration.HumanDuration(now.Sub(t))
		}), Clock: true, Sheet: sheets.Column{Width: 14}}
	},
	"hpa.reference": func() Column {
		return Column{Value: fromContent(func(o map[string]any, _ time.Time) string {
			kind, _ := nested(o, "spec", "scaleTargetRef", "kind").(string)
			name, _ := nested(o, "spec", "scaleTargetRef", "name").(string)
			return kind + "/" + name
		}), Sheet: sheets.Column{Width: 28}}
	},
	"hpa.target": func() Column {
		return Column{Value: fromContent(hpaTarget), Sheet: sheets.Column{Width: 16}}
	},
	"node.ready": func() Column {
		return Column{Value: fromContent(func(o map[string]any, _ time.Time) string {
			conds, _ := nested(o, "status", "conditions").([]any)
			for _, c := range conds {
				if m, ok := c.(map[string]any); ok && m["type"] == "Ready" {
					if m["status"] == "True" {
						return "Ready"
					}
					return "NotReady"
				}
			}
			return "Unknown"
		}), Sheet: sheets.Column{Width: 10, Colors: []sheets.ColorRule{
			{Match: sheets.Equals, Value: "Ready", Color: sheets.Green},
			{Match: sheets.Equals, Value: "NotReady", Color: sheets.Red},
		}}}
	},
	"node.roles": func() Column {
		return Column{Value: meta(func(o metav1.Object) string {
			var roles []string
			for k := range o.GetLabels() {
				if r, ok := strings.CutPrefix(k, "node-role.kubernetes.io/"); ok && r != "" {
					roles = append(roles, r)
				}
			}
			if len(roles) == 0 {
				return "<none>"
			}
			sort.Strings(roles)
			return strings.Join(roles, ",")
		}), Sheet: sheets.Column{Width: 16}}
	},
	"service.ports": func() Column {
		return Column{Value: func(obj runtime.Object, _ time.Time) string {
			svc, ok := obj.(*corev1.Service)
			if !ok {
				return ""
			}
			var ports []string
			for _, p := range svc.Spec.Ports {
				s := strconv.Itoa(int(p.Port))
				if p.NodePort != 0 {
					s += ":" + strconv.Itoa(int(p.NodePort))
				}
				ports = append(ports, s+"/"+string(p.Protocol))
			}
			if len(ports) == 0 {
				return "<none>"
			}
			return strings.Join(ports, ",")
		}, Sheet: sheets.Column{Width: 20}}
	},
	"configmap.keys": func() Column {
		return Column{Value: func(obj runtime.Object, _ time.Time) string {
			cm, ok := obj.(*corev1.ConfigMap)
			if !ok {
				return ""
			}
			keys := make([]string, 0, len(cm.Data)+len(cm.BinaryData))
			for k := range cm.Data {
				keys = append(keys, k)
			}
			for k := range cm.BinaryData {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			return strings.Join(keys, ", ")
		}, Sheet: sheets.Column{Width: 40}}
	},
}

// hpaTarget shows an autoscaler's first metric as kubectl does: current/target.
func hpaTarget(o map[string]any, _ time.Time) string {
	metrics, _ := nested(o, "spec", "metrics").([]any)
	if len(metrics) == 0 {
		return "<none>"
	}
	m, _ := metrics[0].(map[string]any)
	target, _ := nested(m, "resource", "target").(map[string]any)
	current := "<unknown>"
	if cur, _ := nested(o, "status", "currentMetrics").([]any); len(cur) > 0 {
		if c, ok := cur[0].(map[string]any); ok {
			if u, ok := nested(c, "resource", "current", "averageUtilization").(int64); ok {
				current = strconv.FormatInt(u, 10) + "%"
			}
		}
	}
	if u, ok := target["averageUtilization"].(int64); ok {
		return current + "/" + strconv.FormatInt(u, 10) + "%"
	}
	if v, ok := target["averageValue"].(string); ok {
		return current + "/" + v
	}
	return "<unknown>"
}

// fromContent renders a cell from an object's unstructured form.
func fromContent(f func(o map[string]any, now time.Time) string) func(runtime.Object, time.Time) string {
	return func(obj runtime.Object, now time.Time) string {
		o, err := content(obj)
		if err != nil {
			return ""
		}
		return f(o, now)
	}
}

// nested walks maps by keys; nil when a key is missing.
func nested(o map[string]any, keys ...string) any {
	var cur any = o
	for _, k := range keys {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[k]
	}
	return cur
}

// newDeploymentOrPod is the create of the Deployments and Pods presets.
func newDeploymentOrPod(t Tab, cells map[string]string) (runtime.Object, error) {
	return t.newDeploymentOrPod(cells)
}
