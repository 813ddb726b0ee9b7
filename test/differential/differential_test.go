package differential

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// runs counts TestDifferential runs in this binary (go test -count=N), so that every run
// works in namespaces of its own on the shared servers.
var runs atomic.Int32

// TestDifferential runs every scenario against the engine and kube-apiserver and fails on
// each difference the allow-list does not permit.
func TestDifferential(t *testing.T) {
	c := sharedCluster(t)
	run := runs.Add(1)
	defer func() {
		for _, a := range unusedAllowances() {
			t.Logf("allow-list entry permitted no difference in this run (remove it once the difference is gone for good): %v", a.Keys)
		}
	}()
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			ns := fmt.Sprintf("%s-%d", sc.name, run)
			engine := runScenario(t, sc, c.engine.server, ns)
			upstream := runScenario(t, sc, c.upstream.server, ns)
			diffs, err := compare(sc.name, engine, upstream)
			if err != nil {
				t.Fatal(err)
			}
			var failed, allowedDiffs []string
			for _, d := range diffs {
				if d.Allowed != nil {
					allowedDiffs = append(allowedDiffs, d.String())
				} else {
					failed = append(failed, d.String())
				}
			}
			if testing.Verbose() && len(allowedDiffs) > 0 {
				t.Logf("%d allowed differences:\n  %s", len(allowedDiffs), strings.Join(allowedDiffs, "\n  "))
			}
			if len(failed) > 0 {
				t.Errorf("%d differences between the engine and kube-apiserver (not on the allow-list):\n  %s",
					len(failed), strings.Join(failed, "\n  "))
			}
		})
	}
}

// runScenario runs sc against s in a fresh namespace ns and returns its record.
func runScenario(t *testing.T, sc scenario, s *server, ns string) *record {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	r := &record{}
	if err := s.prepareNamespace(ctx, ns); err != nil {
		t.Fatalf("%s: %v", s.name, err)
	}
	sc.run(ctx, s, ns, r)
	if ctx.Err() != nil {
		t.Fatalf("%s: scenario %s timed out", s.name, sc.name)
	}
	return r
}

// TestCompare checks the comparison itself: equal records, a plain difference, a value
// missing on one side, and an allowed difference.
func TestCompare(t *testing.T) {
	engine, upstream := &record{}, &record{}
	engine.set("same", 1)
	upstream.set("same", 1)
	engine.set("code", 201)
	upstream.set("code", 200)
	upstream.set("only-upstream", "x")
	engine.set("post.metadata.uid", "a")
	upstream.set("post.metadata.uid", "b")
	diffs, err := compare("unit", engine, upstream)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, d := range diffs {
		got[d.Key] = d.Allowed != nil
	}
	want := map[string]bool{"unit/code": false, "unit/only-upstream": false, "unit/post.metadata.uid": true}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("differences (key: allowed) = %v, want %v", got, want)
	}

	dup := &record{}
	dup.set("k", 1)
	dup.set("k", 2)
	if _, err := compare("unit", dup, upstream); err == nil {
		t.Error("a key recorded twice is not reported")
	}
}
