package sync_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	clocktesting "k8s.io/utils/clock/testing"

	"github.com/sheetops/sheetops/kube"
	"github.com/sheetops/sheetops/mapping"
	"github.com/sheetops/sheetops/sync"
)

// enforcer is an engine in reconcile.mode enforce, auditing into a temporary file.
func (f *fixture) enforcer() (*sync.Engine, string) {
	f.t.Helper()
	audit := filepath.Join(f.t.TempDir(), "audit.log")
	e, err := sync.New(sync.Options{Sheet: f.sheet, View: f.view, Writer: kube.NewApplier(f.cs, nil), StatePath: f.statePath,
		AuditPath: audit, Logger: discard, Enforce: true})
	if err != nil {
		f.t.Fatal(err)
	}
	return e, audit
}

func (f *fixture) refresh(e *sync.Engine) *sync.Plan {
	f.t.Helper()
	p, err := e.Refresh(f.ctx)
	if err != nil {
		f.t.Fatalf("refresh: %v", err)
	}
	return p
}

func TestEnforceReportsDriftThenRestoresIt(t *testing.T) {
	f := newFixture(t)
	e, audit := f.enforcer()
	f.pass(e)
	f.scale("web", 7) // kubectl scale behind the sheet's back

	p := f.pass(e)
	if got := *f.get("web").Spec.Replicas; got != 7 {
		t.Fatalf("an ordinary pass changed the cluster: replicas %d (plan %v)", got, p.Edits)
	}
	b := f.read()
	if v := cell(t, b, mapping.DeploymentsTab, "web", mapping.Replicas); v != "3" {
		t.Fatalf("Replicas cell = %q; enforce mode must keep the sheet's 3", v)
	}
	if s := cell(t, b, mapping.DeploymentsTab, "web", mapping.Sync); !strings.HasPrefix(s, "drift: Replicas is 7 in the cluster") {
		t.Fatalf("Sync = %q, want the drift reported", s)
	}
	// Passes in between change nothing and keep reporting it.
	if p := f.pass(e); p.Changes() != 0 {
		t.Fatalf("second pass plans changes: %v", p.Edits)
	}

	p = f.refresh(e)
	if got := *f.get("web").Spec.Replicas; got != 3 {
		t.Fatalf("reconcile did not restore replicas: %d (plan %v)", got, p.Edits)
	}
	b = f.read()
	if s := cell(t, b, mapping.DeploymentsTab, "web", mapping.Sync); !strings.HasPrefix(s, "enforced ") || !strings.Contains(s, "Replicas 7 → 3") {
		t.Fatalf("Sync = %q, want enforced HH:MM:SS: Replicas 7 → 3", s)
	}
	if api := *f.get("api").Spec.Replicas; api != 2 {
		t.Errorf("api replicas changed to %d", api)
	}
	log, err := os.ReadFile(audit)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"action":"drift"`, `"action":"enforce"`, `"result":"enforced"`, `"old":"7","new":"3"`} {
		if !strings.Contains(string(log), want) {
			t.Errorf("audit log lacks %s:\n%s", want, log)
		}
	}
	// The Audit tab lists the same, newest first.
	at := f.read().Tab(sync.AuditTab)
	if at == nil || len(at.Rows) < 2 {
		t.Fatalf("Audit tab = %+v", at)
	}
	if r := at.Rows[0]; r[1] != mapping.DeploymentsTab || r[2] != "deployment shop/web" || r[3] != mapping.Replicas || r[4] != "7" || r[5] != "3" || r[6] != "enforced" {
		t.Errorf("newest Audit row = %q", r)
	}
	if r := at.Rows[1]; r[4] != "7" || r[5] != "3" || r[6] != "drift" {
		t.Errorf("second Audit row = %q", r)
	}
	// Restored: the next reconcile has nothing to do.
	f.waitReplicas("web", 3)
	if p := f.refresh(e); p.Changes() != 0 {
		t.Errorf("reconcile after restore plans %v", p.Edits)
	}
}

func TestEnforceEditOverReportedDriftApplies(t *testing.T) {
	f := newFixture(t)
	e, _ := f.enforcer()
	f.pass(e)
	f.scale("web", 7)
	f.pass(e) // drift reported
	f.edit(mapping.DeploymentsTab, "web", map[string]string{mapping.Replicas: "5"})
	p := f.pass(e)
	if got := *f.get("web").Spec.Replicas; got != 5 {
		t.Fatalf("edit over a reported drift: replicas %d, want 5 (plan %v)", got, p.Edits)
	}
	if s := cell(t, f.read(), mapping.DeploymentsTab, "web", mapping.Sync); !strings.HasPrefix(s, "applied ") {
		t.Errorf("Sync = %q", s)
	}
}

func TestEnforceUnseenChangeIsStillAConflict(t *testing.T) {
	f := newFixture(t)
	e, _ := f.enforcer()
	f.pass(e)
	f.edit(mapping.DeploymentsTab, "web", map[string]string{mapping.Replicas: "5"})
	f.scale("web", 4) // before any pass saw it
	f.pass(e)
	if got := *f.get("web").Spec.Replicas; got != 4 {
		t.Fatalf("conflicting edit applied in enforce mode: replicas %d", got)
	}
	b := f.read()
	if s := cell(t, b, mapping.DeploymentsTab, "web", mapping.Sync); !strings.HasPrefix(s, "conflict:") {
		t.Fatalf("Sync = %q, want a conflict", s)
	}
	if v := cell(t, b, mapping.DeploymentsTab, "web", mapping.Replicas); v != "5" {
		t.Fatalf("typed value lost: %q", v)
	}
}

func TestEnforcePlanShowsDriftAndChangesNothing(t *testing.T) {
	f := newFixture(t)
	e, _ := f.enforcer()
	f.pass(e)
	f.scale("web", 6)
	p, err := e.Plan(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Edits) != 1 || p.Edits[0].Decision != sync.Drift || p.Edits[0].Cluster != "6" || p.Edits[0].Sheet != "3" {
		t.Fatalf("plan = %v, want one drift 6 -> 3", p.Edits)
	}
	if got := *f.get("web").Spec.Replicas; got != 6 {
		t.Fatalf("plan changed the cluster: %d", got)
	}
}

func TestEditOnCurrentRowWithoutStateIsApplied(t *testing.T) {
	// A new leader (or a lost state file) has no record of the render; a row rendered from
	// the object as it is now still has a known base.
	f := newFixture(t)
	f.pass(f.engine())
	f.statePath = filepath.Join(t.TempDir(), "other-state.json")
	e := f.engine()
	f.edit(mapping.DeploymentsTab, "web", map[string]string{mapping.Replicas: "4"})
	p := f.pass(e)
	if got := *f.get("web").Spec.Replicas; got != 4 {
		t.Fatalf("replicas %d, want 4 (plan %v)", got, p.Edits)
	}
	// A row from an older version of the object stays a conflict without a record.
	f.waitReplicas("web", 4)
	f.pass(e)
	f.scale("api", 3)
	f.statePath = filepath.Join(t.TempDir(), "third-state.json")
	fresh := f.engine() // nothing remembered, and api's row is from before the scale
	f.edit(mapping.DeploymentsTab, "api", map[string]string{mapping.Replicas: "1"})
	f.pass(fresh)
	if got := *f.get("api").Spec.Replicas; got != 3 {
		t.Fatalf("edit on a stale row applied without a base: replicas %d", got)
	}
}

func TestRefreshWritesEvenWithoutChanges(t *testing.T) {
	f := newFixture(t)
	e := f.engineWith(clocktesting.NewFakeClock(time.Now())) // Age stands still
	f.pass(e)
	f.pass(e)
	before := e.Stats().Writes
	f.refresh(e)
	if got := e.Stats().Writes; got != before+1 {
		t.Fatalf("a scheduled reconcile wrote %d times, want once (the layout is repaired by the write)", got-before)
	}
	f.pass(e)
	if got := e.Stats().Writes; got != before+1 {
		t.Fatalf("an ordinary pass with no changes wrote")
	}
}

func TestRefreshRepairsAGoogleSheetsLayout(t *testing.T) {
	f := newFixtureOn(t, "google")
	e := f.engine()
	f.pass(e)
	if err := f.fake.DeleteFormatting(f.sheetID, mapping.DeploymentsTab); err != nil {
		t.Fatal(err)
	}
	sh, err := f.fake.Inspect(f.sheetID, mapping.DeploymentsTab)
	if err != nil {
		t.Fatal(err)
	}
	if sh.Properties.GridProperties.FrozenRowCount != 0 || len(sh.ProtectedRanges) != 0 {
		t.Fatal("the fake did not remove the formatting")
	}
	f.refresh(e)
	sh, err = f.fake.Inspect(f.sheetID, mapping.DeploymentsTab)
	if err != nil {
		t.Fatal(err)
	}
	if sh.Properties.GridProperties.FrozenRowCount != 1 || len(sh.ProtectedRanges) != 1 || len(sh.ConditionalFormats) == 0 {
		t.Errorf("after a reconcile: frozen %d, %d protected ranges, %d colour rules",
			sh.Properties.GridProperties.FrozenRowCount, len(sh.ProtectedRanges), len(sh.ConditionalFormats))
	}
}

// TestAgeAloneWritesNothing: a pass in which only ages ticked writes nothing (a person's
// save without edits at 100,000 rows would otherwise rewrite the whole sheet); the next
// change of the cluster is written with every Age afresh, and a scheduled reconcile
// renders them too.
func TestAgeAloneWritesNothing(t *testing.T) {
	eachBackend(t, func(t *testing.T, f *fixture) {
		clk := clocktesting.NewFakeClock(time.Now())
		e := f.engineWith(clk)
		f.pass(e)
		before := e.Stats().Writes
		ageOf := func(name string) string { return cell(t, f.read(), mapping.DeploymentsTab, name, mapping.Age) }
		age := ageOf("web")
		clk.Step(3 * time.Hour)
		f.pass(e)
		if got := e.Stats().Writes; got != before {
			t.Fatalf("a pass in which only ages ticked wrote %d times", got-before)
		}
		if got := ageOf("web"); got != age {
			t.Fatalf("Age = %q, want %q until the next write", got, age)
		}
		f.scale("api", 4)
		f.pass(e)
		if got := e.Stats().Writes; got != before+1 {
			t.Fatalf("a cluster change wrote %d times, want once", got-before)
		}
		b := f.read()
		if got := cell(t, b, mapping.DeploymentsTab, "api", mapping.Replicas); got != "4" {
			t.Errorf("api Replicas = %q, want 4", got)
		}
		if got := cell(t, b, mapping.DeploymentsTab, "web", mapping.Age); got != "3h" {
			t.Errorf("web Age = %q after a write, want 3h", got)
		}
		clk.Step(2 * time.Hour)
		f.refresh(e)
		if got := ageOf("web"); got != "5h" {
			t.Errorf("web Age = %q after a scheduled reconcile, want 5h", got)
		}
	})
}
