package mapping

import (
	"fmt"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"

	"github.com/sheetops/sheetops/internal/podstatus"
	"github.com/sheetops/sheetops/kube"
	"github.com/sheetops/sheetops/sheets"
)

// The resources of the default tabs.
var (
	Deployment = kube.Deployments
	Pod        = kube.Pods
)

// The column headers. They are the contract between the daemon and the sheet (DESIGN.md).
const (
	Namespace = "Namespace"
	Name      = "Name"
	Replicas  = "Replicas"
	Ready     = "Ready"
	UpToDate  = "Up-to-date"
	Available = "Available"
	Image     = "Image"
	Age       = "Age"
	Action    = "Action"
	Sync      = "Sync"
	Status    = "Status"
	Restarts  = "Restarts"
	Node      = "Node"
	IP        = "IP"
	// UID and RV are the hidden identity columns: the object's metadata.uid and the
	// metadata.resourceVersion the row was rendered from.
	UID = "UID"
	RV  = "Resource Version"
)

// The names of the default tabs.
const (
	DeploymentsTab = "Deployments"
	PodsTab        = "Pods"
)

// Tab is one tab of the sheet: the kind of object its rows hold and its columns.
type Tab struct {
	// Name is the tab's name in the sheet ("Deployments", "Pods").
	Name string
	// Resource is what the tab's rows are: a resource the cluster serves.
	Resource kube.Resource
	// Columns in sheet order; the hidden UID and RV columns last.
	Columns []Column
	// Namespaces and LabelSelector limit the tab's objects; empty: all.
	Namespaces    []string
	LabelSelector string
	// Creator builds the object a create row asks for; nil: the default tabs build
	// Deployments and Pods, other tabs cannot create.
	Creator func(t Tab, cells map[string]string) (runtime.Object, error)
	// ReplicasPath is where the objects of a resource with a scale subresource keep their
	// replica count (a custom resource's specReplicasPath, ".spec.replicas"); empty for the
	// built-in kinds, whose path Scalable knows, and for resources that do not scale.
	ReplicasPath string
}

// Scalable reports whether the tab's objects have a replica count that schedules move.
func (t Tab) Scalable() bool { return t.ReplicasPath != "" || Scalable(t.Resource) }

// Replicas is the field path of the tab's replica count ("spec", "replicas"); nil when the
// tab does not scale.
func (t Tab) Replicas() []string {
	switch {
	case t.ReplicasPath != "":
		return strings.Split(strings.TrimPrefix(t.ReplicasPath, "."), ".")
	case Scalable(t.Resource):
		return []string{"spec", "replicas"}
	}
	return nil
}

// Column maps one column of a tab to a field of its objects.
type Column struct {
	Header string
	// Editable columns are the ones a person may type into: Replicas and Image on
	// Deployments, Action on both tabs. Sync is written by the daemon only.
	Editable bool
	// Hidden columns hold a row's identity: UID and RV.
	Hidden bool
	// Value renders the cell for an object; now is the time Age is measured to. It returns
	// "" for an object of another kind, and for the columns no object fills (Action, Sync).
	Value func(obj runtime.Object, now time.Time) string
	// Parse turns what a person typed into the canonical value, or returns an *InvalidError
	// whose Reason says why not ("not a whole number"). nil for read-only columns.
	Parse func(cell string) (string, error)
	// Patch builds the change of an existing object's field to a canonical value: the patch
	// type and body, with the object's metadata.resourceVersion inside as a precondition.
	// nil for columns that do not edit a field (Action, Sync and the read-only ones).
	Patch func(obj runtime.Object, value string) (types.PatchType, []byte, error)
	// Sheet is the column's presentation. Its Name, Editable and Hidden are the Column's.
	Sheet sheets.Column

	// Resolve, when set, turns relative input ("+3h") into absolute input at the pass's
	// time; the engine calls it before Parse.
	Resolve func(cell string, now time.Time) string
	// Field is the field an editable JSONPath column writes, for checking it against the
	// kind's schema; nil for other columns.
	Field []kube.FieldStep
	// Clock columns' values move with time alone (Age: the time since creation), so a
	// change of them alone is no news for the sync engine: it writes them with the next
	// change, not for their own sake.
	Clock bool
	// Reads are the fields of an object that Value and Patch read (kube.Source's Keep: dotted
	// JSON keys, list indexes left out), so that the view may drop the rest. nil with a
	// Value: not known, and the tab's objects are kept whole.
	Reads []string

	named bool // Value is a named function (ColumnSpec.Func), which may read typed objects only
	// fromSummary, when set, is Value for a pod from its podstatus.Summary: Row computes a
	// pod's summary once for all of its columns (Ready, Status, Restarts).
	fromSummary func(podstatus.Summary) string
}

// Func reports whether the column's value comes from a named function.
func (c Column) Func() bool { return c.named }

// DefaultTabs returns the default tabs, Deployments then Pods, with the columns of DESIGN.md
// in its order followed by the hidden UID and RV columns. Each call returns new Tabs.
func DefaultTabs() []Tab {
	return []Tab{
		mustTab(NewTab(DeploymentsTab, Deployment, DefaultHeaders(Deployment))),
		mustTab(NewTab(PodsTab, Pod, DefaultHeaders(Pod))),
	}
}

// DefaultHeaders returns the visible headers of the default tab of a kind, in order: the
// columns of DESIGN.md without the hidden UID and RV. It returns nil for an unknown kind.
func DefaultHeaders(r kube.Resource) []string {
	switch r {
	case Deployment:
		return []string{Namespace, Name, Replicas, Ready, UpToDate, Available, Image, Age, Action, Sync}
	case Pod:
		return []string{Namespace, Name, Ready, Status, Restarts, Age, Node, IP, Image, Action, Sync}
	}
	return nil
}

func mustTab(t Tab, err error) Tab {
	if err != nil {
		panic(err)
	}
	return t
}

// NewTab builds a tab named name holding objects of kind with the given visible columns in
// order; the hidden UID and RV columns are appended. Every header must be one of the kind's
// default headers, at most once; Namespace, Name and Sync are required (a row needs them to
// be recognised and to report what happened to it). UID and RV may not be listed.
func NewTab(name string, kind kube.Resource, headers []string) (Tab, error) {
	if name == "" {
		return Tab{}, fmt.Errorf("tab of %s: empty name", kind.Kind)
	}
	known := DefaultHeaders(kind)
	if known == nil {
		return Tab{}, fmt.Errorf("tab %q: unknown kind %q (want %s or %s)", name, kind.Kind, Deployment.Kind, Pod.Kind)
	}
	t := Tab{Name: name, Resource: kind, Columns: make([]Column, 0, len(headers)+2)}
	seen := make(map[string]bool, len(headers))
	for _, h := range headers {
		if seen[h] {
			return Tab{}, fmt.Errorf("tab %q: column %q listed twice", name, h)
		}
		seen[h] = true
		c, ok := newColumn(kind, h)
		if !ok || h == UID || h == RV {
			return Tab{}, fmt.Errorf("tab %q: unknown column %q for %s (want some of %q)", name, h, kind.Kind, known)
		}
		t.Columns = append(t.Columns, c)
	}
	for _, h := range []string{Namespace, Name, Sync} {
		if !seen[h] {
			return Tab{}, fmt.Errorf("tab %q: missing column %q", name, h)
		}
	}
	uid, _ := newColumn(kind, UID)
	rv, _ := newColumn(kind, RV)
	t.Columns = append(t.Columns, uid, rv)
	return t, nil
}

// Source is what the tab's informer watches: its resource, namespaces and selector, and the
// fields its objects need (Keep).
func (t Tab) Source() kube.Source {
	return kube.Source{Resource: t.Resource, Namespaces: t.Namespaces, LabelSelector: t.LabelSelector, Keep: t.Keep()}
}

// engineReads are the fields the sync engine reads of a resource's objects besides the
// columns: the Summary's pod phase and deployment readiness.
var engineReads = map[kube.Resource][]string{
	Pod:        {"status.phase"},
	Deployment: {"spec.replicas", "status.observedGeneration", "status.readyReplicas", "status.updatedReplicas"},
}

// Keep are the fields of the tab's objects that its columns, schedules and the engine read
// (kube.Source's Keep); nil when a column does not say what it reads: the whole object.
func (t Tab) Keep() []string {
	keep := slices.Clone(engineReads[t.Resource])
	for _, c := range t.Columns {
		if c.Value != nil && c.Reads == nil {
			return nil
		}
		keep = append(keep, c.Reads...)
	}
	if t.Column(Uptime) != nil {
		// A schedule's replica count or suspension (its own state is in annotations).
		if r := t.Replicas(); r != nil {
			keep = append(keep, strings.Join(r, "."))
		}
		keep = append(keep, "spec.suspend")
	}
	if keep == nil {
		keep = []string{} // only what every object keeps
	}
	return keep
}

// Sources are the tabs' sources, for one view of them all; a tab that schedules a scalable
// resource also watches the autoscalers of its namespaces (a schedule leaves their targets
// alone).
func Sources(tabs []Tab) []kube.Source {
	out := make([]kube.Source, 0, len(tabs))
	hpas := false
	for _, t := range tabs {
		out = append(out, t.Source())
		hpas = hpas || t.Resource == HorizontalPodAutoscalers
	}
	for _, t := range tabs {
		if t.Column(Uptime) != nil && t.Scalable() && !hpas {
			out = append(out, kube.Source{Resource: HorizontalPodAutoscalers, Namespaces: t.Namespaces})
			hpas = true
		}
	}
	return out
}

// Layout returns the tab's presentation: its name and every column's Sheet, in order.
func (t Tab) Layout() sheets.TabLayout {
	l := sheets.TabLayout{Name: t.Name, Columns: make([]sheets.Column, len(t.Columns))}
	for i := range t.Columns {
		l.Columns[i] = t.Columns[i].Sheet
	}
	return l
}

// Column returns the column with the given header, or nil.
func (t Tab) Column(header string) *Column {
	for i := range t.Columns {
		if t.Columns[i].Header == header {
			return &t.Columns[i]
		}
	}
	return nil
}

// Headers returns the tab's headers in order, hidden ones included: the header row.
func (t Tab) Headers() []string {
	h := make([]string, len(t.Columns))
	for i := range t.Columns {
		h[i] = t.Columns[i].Header
	}
	return h
}

// Row renders one row for obj: every column's Value in order (Action and Sync are "").
func (t Tab) Row(obj runtime.Object, now time.Time) []string {
	row := make([]string, len(t.Columns))
	var (
		summary    podstatus.Summary
		summarized bool
	)
	for i := range t.Columns {
		c := &t.Columns[i]
		if c.fromSummary != nil {
			if p, ok := obj.(*corev1.Pod); ok && p != nil {
				if !summarized {
					summary, summarized = podstatus.Summarize(p), true
				}
				row[i] = c.fromSummary(summary)
				continue
			}
		}
		if c.Value != nil {
			row[i] = c.Value(obj, now)
		}
	}
	return row
}

// Editable renders obj's editable cells (the columns with a Patch), by header: what a row
// rendered from obj holds in the cells a person may change.
func (t Tab) Editable(obj runtime.Object, now time.Time) map[string]string {
	cells := map[string]string{}
	for i := range t.Columns {
		if c := &t.Columns[i]; c.Patch != nil && c.Value != nil {
			cells[c.Header] = c.Value(obj, now)
		}
	}
	return cells
}
