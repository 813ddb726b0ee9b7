package sheetstest

import (
	"fmt"

	"github.com/sheetops/sheetops/sheets"
)

// Tab names of the fixtures.
const (
	Deployments = "Deployments"
	Pods        = "Pods"
	Summary     = "Summary"
)

// DeploymentHeader and PodHeader are the headers of the fixture tabs: the default tabs of
// the design, followed by a hidden identity column.
var (
	DeploymentHeader = []string{"Namespace", "Name", "Replicas", "Ready", "Up-to-date", "Available", "Image", "Age", "Action", "Sync", "ID"}
	PodHeader        = []string{"Namespace", "Name", "Ready", "Status", "Restarts", "Age", "Node", "IP", "Image", "Action", "Sync", "ID"}
	SummaryHeader    = []string{"Namespace", "Running", "Pending", "Failed", "Succeeded"}
)

// Layout returns the presentation of the fixture tabs: read-only and editable columns, a
// hidden identity column, whole-number and list validation, status colours, Number columns
// and a Summary tab with a chart. It exercises every feature of sheets.Layout.
func Layout() *sheets.Layout {
	syncColors := []sheets.ColorRule{
		{Match: sheets.Prefix, Value: "applied", Color: sheets.Green},
		{Match: sheets.Prefix, Value: "conflict:", Color: sheets.Yellow},
		{Match: sheets.Prefix, Value: "invalid:", Color: sheets.Red},
		{Match: sheets.Prefix, Value: "error:", Color: sheets.Red},
	}
	readyColors := []sheets.ColorRule{
		{Match: sheets.ReadyComplete, Color: sheets.Green},
		{Match: sheets.ReadyIncomplete, Color: sheets.Yellow},
	}
	return &sheets.Layout{
		Tabs: []sheets.TabLayout{
			{Name: Deployments, Columns: []sheets.Column{
				{Name: "Namespace"},
				{Name: "Name"},
				{Name: "Replicas", Editable: true, Number: true, WholeNumber: &sheets.Range{Min: 0, Max: 10000}},
				{Name: "Ready", Colors: readyColors},
				{Name: "Up-to-date", Number: true},
				{Name: "Available", Number: true},
				{Name: "Image", Editable: true},
				{Name: "Age", Width: 8},
				{Name: "Action", Editable: true, List: []string{"delete", "force"}},
				{Name: "Sync", Colors: syncColors},
				{Name: "ID", Hidden: true},
			}},
			{Name: Pods, Columns: []sheets.Column{
				{Name: "Namespace"},
				{Name: "Name"},
				{Name: "Ready", Colors: readyColors},
				{Name: "Status", Colors: []sheets.ColorRule{
					{Match: sheets.Equals, Value: "Running", Color: sheets.Green},
					{Match: sheets.Equals, Value: "Pending", Color: sheets.Yellow},
					{Match: sheets.Equals, Value: "Failed", Color: sheets.Red},
					{Match: sheets.Equals, Value: "CrashLoopBackOff", Color: sheets.Red},
					{Match: sheets.Equals, Value: "Succeeded", Color: sheets.Grey},
				}},
				{Name: "Restarts", Number: true},
				{Name: "Age", Width: 8},
				{Name: "Node"},
				{Name: "IP"},
				{Name: "Image"},
				{Name: "Action", Editable: true, List: []string{"delete", "force"}},
				{Name: "Sync", Colors: syncColors},
				{Name: "ID", Hidden: true},
			}},
			{Name: Summary, Columns: []sheets.Column{
				{Name: "Namespace"},
				{Name: "Running", Number: true},
				{Name: "Pending", Number: true},
				{Name: "Failed", Number: true},
				{Name: "Succeeded", Number: true},
			}},
		},
		Summary: &sheets.SummaryLayout{Name: Summary, ChartTitle: "Pods by namespace and phase"},
	}
}

var phases = []string{"Running", "Running", "Running", "Running", "Running", "Running", "Pending", "Failed", "Succeeded", "CrashLoopBackOff"}

// Book returns a realistic Book with the given numbers of deployment and pod rows, and a
// Summary tab counting the pods per namespace and phase. The same arguments always give
// the same values.
func Book(deployments, pods int) *sheets.Book {
	const namespaces = 20
	dep := &sheets.Tab{Name: Deployments, Header: append([]string(nil), DeploymentHeader...)}
	for i := range deployments {
		ns := fmt.Sprintf("team-%02d", i%namespaces)
		want := i%10 + 1
		ready := want
		if i%7 == 0 {
			ready = want - 1
		}
		sync := ""
		switch i % 50 {
		case 1:
			sync = "applied 12:01:07"
		case 2:
			sync = "conflict: sheet 4, cluster 5; edit the cell again or type force in Action"
		case 3:
			sync = "invalid: replicas must be a whole number from 0 to 10000"
		}
		dep.Rows = append(dep.Rows, []string{
			ns,
			fmt.Sprintf("app-%04d", i),
			fmt.Sprint(want),
			fmt.Sprintf("%d/%d", ready, want),
			fmt.Sprint(ready),
			fmt.Sprint(ready),
			fmt.Sprintf("registry.example.com/%s/app-%04d:v1.%d.%d", ns, i, i%30, i%7),
			fmt.Sprintf("%dd", i%90),
			"",
			sync,
			fmt.Sprintf("6f1c2b7e-%04x-4d2a-9b1e-%012x/%d", i%65536, i, 100000+i),
		})
	}
	pod := &sheets.Tab{Name: Pods, Header: append([]string(nil), PodHeader...)}
	counts := map[string]map[string]int{}
	for i := range pods {
		ns := fmt.Sprintf("team-%02d", i%namespaces)
		app := i % max(deployments, 1)
		phase := phases[i%len(phases)]
		if counts[ns] == nil {
			counts[ns] = map[string]int{}
		}
		counts[ns][phase]++
		ready := "1/1"
		if phase != "Running" {
			ready = "0/1"
		}
		pod.Rows = append(pod.Rows, []string{
			ns,
			fmt.Sprintf("app-%04d-7d9f8c6b5-%05x", app, i),
			ready,
			phase,
			fmt.Sprint(i % 6),
			fmt.Sprintf("%dh", i%48),
			fmt.Sprintf("node-%03d", i%120),
			fmt.Sprintf("10.%d.%d.%d", i/65536%256, i/256%256, i%256),
			fmt.Sprintf("registry.example.com/%s/app-%04d:v1.%d.%d", ns, app, app%30, app%7),
			"",
			"",
			fmt.Sprintf("0a9e4c31-%04x-4f7b-8c2d-%012x/%d", i%65536, i, 200000+i),
		})
	}
	sum := &sheets.Tab{Name: Summary, Header: append([]string(nil), SummaryHeader...)}
	for n := range namespaces {
		ns := fmt.Sprintf("team-%02d", n)
		if counts[ns] == nil {
			continue
		}
		c := counts[ns]
		sum.Rows = append(sum.Rows, []string{ns,
			fmt.Sprint(c["Running"]), fmt.Sprint(c["Pending"]),
			fmt.Sprint(c["Failed"] + c["CrashLoopBackOff"]), fmt.Sprint(c["Succeeded"])})
	}
	return &sheets.Book{Tabs: []*sheets.Tab{dep, pod, sum}}
}
