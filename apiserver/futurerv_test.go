package apiserver_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestFutureResourceVersion: reads from a resourceVersion the engine has not reached are
// answered as kube-apiserver v1.37 answers them (compared with it by the differential
// suite's future-resource-version scenario): a list or get waits briefly, then fails with
// 504 Timeout "Too large resource version", a ResourceVersionTooLarge cause and
// Retry-After: 1; a watch that sends initial events gets that Status as an ERROR event; a
// plain watch starts and sees only events after its revision.
func TestFutureResourceVersion(t *testing.T) {
	srv := startEngine(t, "", false)
	cs := clientset(t, srv)
	cfg := restConfig(t, srv)
	ctx := cgContext(t)
	ns := cgNamespace(t, ctx, cs, "future")
	pods := "/api/v1/namespaces/" + ns + "/pods"

	first := cgCreatePod(t, ctx, cs, cgPod(ns, "first", nil))
	current := cgRV(t, first.ResourceVersion)
	far := strconv.FormatUint(current+10_000_000, 10)

	tooLarge := func(step string, st metav1.Status, resp *http.Response) {
		t.Helper()
		if st.Code != http.StatusGatewayTimeout || st.Reason != metav1.StatusReasonTimeout || st.Details == nil || st.Details.RetryAfterSeconds != 1 {
			t.Errorf("%s: status %+v, want 504 Timeout with retryAfterSeconds 1", step, st)
		} else if len(st.Details.Causes) != 1 || st.Details.Causes[0].Type != metav1.CauseTypeResourceVersionTooLarge || st.Details.Causes[0].Message != "Too large resource version" {
			t.Errorf("%s: causes %+v, want one ResourceVersionTooLarge", step, st.Details.Causes)
		}
		if want := fmt.Sprintf("Timeout: Too large resource version: %s, current: ", far); len(st.Message) < len(want) || st.Message[:len(want)] != want {
			t.Errorf("%s: message %q, want it to start %q", step, st.Message, want)
		}
		if resp != nil && resp.Header.Get("Retry-After") != "1" {
			t.Errorf("%s: Retry-After %q, want 1", step, resp.Header.Get("Retry-After"))
		}
	}
	for _, tc := range []struct {
		name, path string
		query      url.Values
	}{
		{"list", pods, url.Values{"resourceVersion": {far}}},
		{"list exact", pods, url.Values{"resourceVersion": {far}, "resourceVersionMatch": {"Exact"}}},
		{"get", pods + "/first", url.Values{"resourceVersion": {far}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := cgGet(t, ctx, cfg, tc.path, tc.query, "application/json")
			var st metav1.Status
			if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != http.StatusGatewayTimeout {
				t.Errorf("code %d, want 504", resp.StatusCode)
			}
			tooLarge(tc.name, st, resp)
		})
	}

	t.Run("watch with initial events", func(t *testing.T) {
		resp := cgGet(t, ctx, cfg, pods, url.Values{"watch": {"true"}, "resourceVersion": {far}, "sendInitialEvents": {"true"},
			"resourceVersionMatch": {"NotOlderThan"}, "allowWatchBookmarks": {"true"}, "timeoutSeconds": {"10"}}, "application/json")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("code %d, want 200 and an ERROR event", resp.StatusCode)
		}
		events, _ := cgReadEvents(t, resp.Body)
		if len(events) != 1 || events[0].Type != "ERROR" {
			var types []string
			for _, ev := range events {
				types = append(types, ev.Type)
			}
			t.Fatalf("events %v, want one ERROR", types)
		}
		var st metav1.Status
		if err := json.Unmarshal(events[0].Object, &st); err != nil {
			t.Fatal(err)
		}
		tooLarge("watch event", st, nil)
	})

	t.Run("watch sees only later events", func(t *testing.T) {
		// From two revisions ahead: of four pods created meanwhile, the last two are newer.
		since := current + 2
		// The response's headers come once the watch is registered: the writes are live events.
		resp := cgGet(t, ctx, cfg, pods, url.Values{"watch": {"true"}, "resourceVersion": {strconv.FormatUint(since, 10)}, "timeoutSeconds": {"3"}}, "application/json")
		var want []string
		for _, name := range []string{"a", "b", "c", "d"} {
			p := cgCreatePod(t, ctx, cs, cgPod(ns, name, nil))
			if cgRV(t, p.ResourceVersion) > since {
				want = append(want, name)
			}
		}
		_, objs := cgReadEvents(t, resp.Body)
		var seen []string
		for _, o := range objs {
			seen = append(seen, o.Metadata.Name)
		}
		if !slices.Equal(seen, want) {
			t.Errorf("events for %v, want %v (those after resourceVersion %d)", seen, want, since)
		}
	})
}
