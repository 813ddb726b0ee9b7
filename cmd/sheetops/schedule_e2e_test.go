package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/sheetops/sheetops/mapping"
)

// TestE2EUptimeSchedule runs the binary with schedule columns and edits the workbook with
// openpyxl: an Uptime that ends a few seconds from now scales the deployment down to its
// Off Replicas at that instant (on the real clock), keeping the count to come back to on
// the object; Wake Until +1h brings it back at once; a typo is reported and moves nothing.
func TestE2EUptimeSchedule(t *testing.T) {
	config := defaultE2EConfig + `
tabs:
- preset: Deployments
  columns: [Namespace, Name, Replicas, Uptime, Off Replicas, Wake Until, Action, Sync]
`
	d := startDaemonWith(t, "", config)
	if got := d.replicas("shop", "web"); got != 3 {
		t.Fatalf("web starts with %d replicas, want the demo's 3", got)
	}
	// Up from an hour ago until 4 s from now (an absolute range, whole seconds, UTC).
	now := time.Now().UTC().Truncate(time.Second)
	end := now.Add(4 * time.Second)
	window := now.Add(-time.Hour).Format(time.RFC3339) + "-" + end.Format(time.RFC3339)
	d.py(fmt.Sprintf(`
w = ws("Deployments")
row(w, "web")["Uptime"].value = %q
row(w, "web")["Off Replicas"].value = 1
row(w, "api")["Uptime"].value = "Mon-Fru 08:00-19:00 Europe/Berlin"
save()`, window))
	d.waitFor("api's invalid Uptime reported", func() bool {
		return strings.HasPrefix(d.cellValue("Deployments", "api", "Sync"), "invalid: Uptime")
	})
	if got := d.replicas("shop", "web"); got != 3 {
		t.Fatalf("web scaled before its window ended: %d", got)
	}
	d.waitFor("web scaled down to its Off Replicas", func() bool { return d.replicas("shop", "web") == 1 })
	if late := time.Since(end); late > 3*time.Second {
		t.Errorf("scaled down %v after the boundary, want within a poll or two", late)
	}
	dep, err := d.cs.AppsV1().Deployments("shop").Get(context.Background(), "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := dep.Annotations[mapping.OriginalReplicasAnnotation]; got != "3" {
		t.Fatalf("original-replicas annotation = %q, want 3", got)
	}
	d.waitFor("Sync says scaled down", func() bool {
		return strings.HasPrefix(d.cellValue("Deployments", "web", "Sync"), "scaled down") &&
			strings.HasSuffix(d.cellValue("Deployments", "web", "Sync"), "(schedule): Replicas 3 → 1")
	})
	if v := d.cellValue("Deployments", "api", "Uptime"); v != "Mon-Fru 08:00-19:00 Europe/Berlin" {
		t.Fatalf("typed Uptime lost: %q", v)
	}
	if got := d.replicas("shop", "api"); got != 2 {
		t.Fatalf("an invalid Uptime moved api to %d", got)
	}
	if d.py(`print("Holidays" in wb.sheetnames)`) != "True" {
		t.Fatal("no Holidays tab beside a tab with an Uptime column")
	}

	// Wake it for an hour: back to 3 at once.
	d.py(`
w = ws("Deployments")
row(w, "web")["Wake Until"].value = "+1h"
save()`)
	d.waitFor("web woken up to 3", func() bool { return d.replicas("shop", "web") == 3 })
	// The row's Sync tells both: the schedule's scale-up and the Wake Until edit applied.
	d.waitFor("Sync says scaled up", func() bool {
		return strings.Contains(d.cellValue("Deployments", "web", "Sync"), "(schedule): Replicas 1 → 3")
	})
}
