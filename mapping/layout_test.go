package mapping

import (
	"reflect"
	"testing"

	"github.com/sheetops/sheetops/kube"
	"github.com/sheetops/sheetops/sheets"
)

func TestDefaultTabs(t *testing.T) {
	tabs := DefaultTabs()
	if len(tabs) != 2 || tabs[0].Name != "Deployments" || tabs[0].Resource != Deployment || tabs[1].Name != "Pods" || tabs[1].Resource != Pod {
		t.Fatalf("DefaultTabs = %v, want Deployments (Deployment) then Pods (Pod)", tabs)
	}
	want := map[string][]string{
		"Deployments": {"Namespace", "Name", "Replicas", "Ready", "Up-to-date", "Available", "Image", "Age", "Action", "Sync", "UID", "Resource Version"},
		"Pods":        {"Namespace", "Name", "Ready", "Status", "Restarts", "Age", "Node", "IP", "Image", "Action", "Sync", "UID", "Resource Version"},
	}
	for _, tb := range tabs {
		if got := tb.Headers(); !reflect.DeepEqual(got, want[tb.Name]) {
			t.Errorf("%s headers = %q, want %q", tb.Name, got, want[tb.Name])
		}
	}
	// Each call returns tabs of its own.
	tabs[0].Columns[0].Header = "changed"
	tabs[0].Column(Ready).Sheet.Colors[0].Color = sheets.Red
	tabs[0].Column(Replicas).Sheet.WholeNumber.Max = 1
	again := DefaultTabs()
	if again[0].Columns[0].Header != Namespace || again[0].Column(Ready).Sheet.Colors[0].Color != sheets.Green ||
		again[1].Column(Ready).Sheet.Colors[0].Color != sheets.Green || again[0].Column(Replicas).Sheet.WholeNumber.Max != MaxReplicas {
		t.Error("DefaultTabs returns shared columns")
	}
}

func TestLayout(t *testing.T) {
	whole := &sheets.Range{Min: 0, Max: 10000}
	actions := []string{"delete", "force"}
	ready := []sheets.ColorRule{
		{Match: sheets.ReadyComplete, Color: sheets.Green},
		{Match: sheets.ReadyIncomplete, Color: sheets.Yellow},
	}
	status := []sheets.ColorRule{
		{Match: sheets.Equals, Value: "Running", Color: sheets.Green},
		{Match: sheets.Equals, Value: "Pending", Color: sheets.Yellow},
		{Match: sheets.Equals, Value: "ContainerCreating", Color: sheets.Yellow},
		{Match: sheets.Equals, Value: "Failed", Color: sheets.Red},
		{Match: sheets.Equals, Value: "Error", Color: sheets.Red},
		{Match: sheets.Equals, Value: "CrashLoopBackOff", Color: sheets.Red},
		{Match: sheets.Equals, Value: "ErrImagePull", Color: sheets.Red},
		{Match: sheets.Equals, Value: "ImagePullBackOff", Color: sheets.Red},
		{Match: sheets.Equals, Value: "Completed", Color: sheets.Grey},
		{Match: sheets.Equals, Value: "Succeeded", Color: sheets.Grey},
	}
	// What each column must say; Width is checked separately (set, not its value).
	want := map[string][]sheets.Column{
		"Deployments": {
			{Name: "Namespace"},
			{Name: "Name"},
			{Name: "Replicas", Editable: true, Number: true, WholeNumber: whole},
			{Name: "Ready", Colors: ready},
			{Name: "Up-to-date", Number: true},
			{Name: "Available", Number: true},
			{Name: "Image", Editable: true},
			{Name: "Age"},
			{Name: "Action", Editable: true, List: actions},
			{Name: "Sync"},
			{Name: "UID", Hidden: true},
			{Name: "Resource Version", Hidden: true},
		},
		"Pods": {
			{Name: "Namespace"},
			{Name: "Name"},
			{Name: "Ready", Colors: ready},
			{Name: "Status", Colors: status},
			{Name: "Restarts", Number: true},
			{Name: "Age"},
			{Name: "Node"},
			{Name: "IP"},
			{Name: "Image"},
			{Name: "Action", Editable: true, List: actions},
			{Name: "Sync"},
			{Name: "UID", Hidden: true},
			{Name: "Resource Version", Hidden: true},
		},
	}
	for _, tb := range DefaultTabs() {
		t.Run(tb.Name, func(t *testing.T) {
			l := tb.Layout()
			if l.Name != tb.Name || len(l.Columns) != len(want[tb.Name]) {
				t.Fatalf("Layout = %q with %d columns, want %q with %d", l.Name, len(l.Columns), tb.Name, len(want[tb.Name]))
			}
			for i, got := range l.Columns {
				t.Run(got.Name, func(t *testing.T) {
					if got.Width <= 0 {
						t.Errorf("Width = %v, want a width", got.Width)
					}
					got.Width = 0
					if !reflect.DeepEqual(got, want[tb.Name][i]) {
						t.Errorf("layout =\n%+v\nwant\n%+v", got, want[tb.Name][i])
					}
					c := tb.Columns[i]
					if c.Header != got.Name || c.Editable != got.Editable || c.Hidden != got.Hidden {
						t.Errorf("Column %q/%v/%v disagrees with its Sheet", c.Header, c.Editable, c.Hidden)
					}
					if l.Column(got.Name) == nil {
						t.Errorf("TabLayout.Column(%q) = nil", got.Name)
					}
				})
			}
		})
	}
}

// TestColumnFunctions: editable columns parse, the columns that edit a field patch, and every
// column but Action and Sync renders.
func TestColumnFunctions(t *testing.T) {
	patches := map[string]bool{"Deployments/Replicas": true, "Deployments/Image": true}
	for _, tb := range DefaultTabs() {
		for _, c := range tb.Columns {
			t.Run(tb.Name+"/"+c.Header, func(t *testing.T) {
				if (c.Parse != nil) != c.Editable {
					t.Errorf("Parse set = %v, Editable = %v", c.Parse != nil, c.Editable)
				}
				if (c.Patch != nil) != patches[tb.Name+"/"+c.Header] {
					t.Errorf("Patch set = %v", c.Patch != nil)
				}
				if (c.Value == nil) != (c.Header == Action || c.Header == Sync) {
					t.Errorf("Value set = %v", c.Value != nil)
				}
			})
		}
	}
}

func TestColumnLookup(t *testing.T) {
	deploys := DefaultTabs()[0]
	c := deploys.Column(Replicas)
	if c == nil || c.Header != Replicas {
		t.Fatalf("Column(%q) = %v", Replicas, c)
	}
	if c != &deploys.Columns[2] {
		t.Error("Column does not point into the tab's columns")
	}
	for _, h := range []string{"replicas", "Status", "", "Nope"} {
		if c := deploys.Column(h); c != nil {
			t.Errorf("Column(%q) = %v, want nil", h, c.Header)
		}
	}
}

func TestNewTab(t *testing.T) {
	t.Run("subset in another order", func(t *testing.T) {
		tb, err := NewTab("Scale", Deployment, []string{Name, Namespace, Replicas, Sync})
		if err != nil {
			t.Fatal(err)
		}
		want := []string{Name, Namespace, Replicas, Sync, UID, RV}
		if got := tb.Headers(); !reflect.DeepEqual(got, want) {
			t.Errorf("headers = %q, want %q", got, want)
		}
		if c := tb.Column(Replicas); c == nil || c.Patch == nil || !c.Sheet.Number {
			t.Error("Replicas on a custom tab is not the Replicas column")
		}
		// A create row on a tab without Image reports the column it lacks.
		_, err = tb.NewObject(map[string]string{Namespace: "a", Name: "b", Replicas: "1"})
		if err == nil || err.Error() != "Image: image must not be empty" {
			t.Errorf("NewObject without an Image column = %v", err)
		}
	})
	for _, tt := range []struct {
		name    string
		tab     string
		kind    kube.Resource
		headers []string
	}{
		{"empty name", "", Pod, DefaultHeaders(Pod)},
		{"unknown kind", "Jobs", kube.Resource{Kind: "Job"}, []string{Namespace, Name, Sync}},
		{"unknown column", "Pods", Pod, []string{Namespace, Name, Sync, "Color"}},
		{"column of the other kind", "Pods", Pod, []string{Namespace, Name, Sync, Replicas}},
		{"column listed twice", "Pods", Pod, []string{Namespace, Name, Name, Sync}},
		{"hidden column listed", "Pods", Pod, []string{Namespace, Name, Sync, UID}},
		{"without Sync", "Pods", Pod, []string{Namespace, Name}},
		{"without Name", "Pods", Pod, []string{Namespace, Sync}},
		{"without Namespace", "Pods", Pod, []string{Name, Sync}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if tb, err := NewTab(tt.tab, tt.kind, tt.headers); err == nil {
				t.Errorf("NewTab = %q, want an error", tb.Headers())
			}
		})
	}
}
