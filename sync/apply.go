package sync

import (
	"context"
	"fmt"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/sheetops/sheetops/kube"
	"github.com/sheetops/sheetops/mapping"
)

// maxRefetch bounds how often an apply re-reads the object after a 409 and tries again.
const maxRefetch = 3

// apply carries out a plan's edits in order, setting each edit's Result, the rows' Sync
// texts and the conflict ledger. Without a writer it only records statuses.
func (e *Engine) apply(ctx context.Context, plan *Plan, now time.Time) {
	conflicts := map[string]ConflictRecord{}
	drift := map[string]string{}
	stamp := now.Format("15:04:05")
	for i := range plan.Edits {
		ed := &plan.Edits[i]
		editDecisions.WithLabelValues(string(ed.Decision)).Inc()
		switch ed.Decision {
		case Conflict:
			rec := ConflictRecord{Sheet: ed.Sheet, Cluster: ed.Cluster}
			key := string(ed.UID) + "/" + ed.Column
			if prev, had := e.state.Conflicts[key]; !had || prev != rec {
				e.record(ed, "conflict")
			}
			conflicts[key] = rec
			ed.Result = "conflict: " + ed.Reason
			e.stats.Conflicts++
		case Invalid:
			ed.Result = "invalid: " + ed.Reason
			e.stats.Invalid++
		case Gone:
			ed.Result = "error: " + ed.Reason
		case Drift:
			drift[string(ed.UID)+"/"+ed.Column] = ed.Cluster
			ed.Result = "drift: " + ed.Reason
			if e.state.Drift[string(ed.UID)+"/"+ed.Column] != ed.Cluster {
				e.record(ed, "drift")
			}
		case Apply, Enforce:
			e.applyField(ctx, ed, conflicts, stamp)
		case Create:
			e.applyCreate(ctx, ed, stamp)
		case Delete:
			e.applyDelete(ctx, ed, stamp)
		}
	}
	e.state.Conflicts = conflicts
	if e.writer != nil {
		e.state.Drift = drift
	}
}

func (e *Engine) tab(name string) *mapping.Tab {
	for i := range e.tabs {
		if e.tabs[i].Name == name {
			return &e.tabs[i]
		}
	}
	return nil
}

func (e *Engine) applyField(ctx context.Context, ed *Edit, conflicts map[string]ConflictRecord, stamp string) {
	if e.writer == nil {
		return
	}
	col := e.tab(ed.Tab).Column(ed.Column)
	obj := ed.object
	for attempt := 0; ; attempt++ {
		pt, data, err := col.Patch(obj, ed.Sheet)
		if err != nil {
			ed.Result = "invalid: " + ed.Column + ": " + err.Error()
			return
		}
		out, err := e.writer.Patch(ctx, string(ed.Kind), ed.Namespace, ed.Name, pt, data)
		if err == nil {
			e.recent[ed.UID] = recentObject{obj: out, informer: e.informerRV(ed.Kind, ed)}
			e.stats.Applied++
			if ed.Decision == Enforce {
				ed.Result = fmt.Sprintf("enforced %s: %s %s → %s", stamp, ed.Column, ed.Cluster, ed.Sheet)
				e.record(ed, "enforced")
				return
			}
			ed.Result = "applied " + stamp
			e.record(ed, "applied")
			return
		}
		if !isConflict(err) || attempt == maxRefetch {
			e.fail(ed, err)
			return
		}
		// 409: someone wrote since our view; decide again on the fresh object.
		e.stats.Retries++
		fresh, gerr := e.writer.Get(ctx, string(ed.Kind), ed.Namespace, ed.Name)
		if apierrors.IsNotFound(gerr) || (gerr == nil && uidOf(fresh) != ed.UID) {
			ed.Result = "error: the object no longer exists; the edit was not applied"
			return
		}
		if gerr != nil {
			e.fail(ed, gerr)
			return
		}
		now := col.Value(fresh, time.Time{})
		switch {
		case now == ed.Sheet:
			ed.Result = "applied " + stamp
			return
		case now == ed.Base || ed.Force || ed.Decision == Enforce:
			// Enforce: the sheet is the source of truth; a newer drift is corrected too.
			obj, ed.Cluster = fresh, now
		default:
			ed.Cluster = now
			ed.Decision, ed.Reason = Conflict, conflictReason(ed.Column, ed.Sheet, now, ed.Base)
			conflicts[string(ed.UID)+"/"+ed.Column] = ConflictRecord{Sheet: ed.Sheet, Cluster: now}
			ed.Result = "conflict: " + ed.Reason
			e.stats.Conflicts++
			e.record(ed, "conflict")
			return
		}
	}
}

func (e *Engine) informerRV(kind mapping.Kind, ed *Edit) string {
	if obj, ok := e.view.ByUID(string(kind), ed.UID); ok {
		return rvOf(obj)
	}
	return ""
}

func createdKey(ed *Edit) string { return ed.Tab + "/" + ed.Namespace + "/" + ed.Name }

func (e *Engine) applyCreate(ctx context.Context, ed *Edit, stamp string) {
	if e.writer == nil {
		return
	}
	key := createdKey(ed)
	out, err := e.writer.Create(ctx, ed.object)
	if apierrors.IsAlreadyExists(err) {
		// Ours from a pass whose sheet write did not land? Adopt it rather than report.
		if uid, ok := e.state.Created[key]; ok {
			if obj, err := e.writer.Get(ctx, string(ed.Kind), ed.Namespace, ed.Name); err == nil && string(uidOf(obj)) == uid {
				ed.UID, ed.object = uidOf(obj), obj
				e.recent[ed.UID] = recentObject{obj: obj}
				ed.Result = "applied " + stamp
				return
			}
		}
		ed.Result = fmt.Sprintf("invalid: %s %s already exists; edit its own row instead", strings.ToLower(string(ed.Kind)), ed.Object())
		return
	}
	if err != nil {
		e.fail(ed, err)
		return
	}
	ed.UID, ed.object = uidOf(out), out
	e.state.Created[key] = string(ed.UID)
	e.recent[ed.UID] = recentObject{obj: out}
	ed.Result = "applied " + stamp
	e.stats.Applied++
	e.record(ed, "created")
}

func (e *Engine) applyDelete(ctx context.Context, ed *Edit, stamp string) {
	if e.writer == nil {
		return
	}
	err := e.writer.Delete(ctx, string(ed.Kind), ed.Namespace, ed.Name, ed.UID)
	switch {
	case err == nil, apierrors.IsNotFound(err):
		ed.Result = "deleted " + stamp
		e.stats.Applied++
		e.record(ed, "deleted")
	case apierrors.IsConflict(err):
		ed.Result = "error: another object of that name exists now; nothing was deleted"
	default:
		e.fail(ed, err)
	}
}

// fail records an API error: retryable ones are tried again on the next pass.
func (e *Engine) fail(ed *Edit, err error) {
	e.stats.Errors++
	countAPIError(err)
	msg := err.Error()
	if s, ok := err.(apierrors.APIStatus); ok && s.Status().Message != "" {
		msg = s.Status().Message
	}
	if kube.Retryable(err) {
		ed.Result = "error: " + msg + " " + retrySuffix
	} else {
		ed.Result = "error: " + msg
	}
	if e.state.Status[string(ed.UID)] == ed.Result {
		return // the same failure as the last pass (a retry): logged and audited once
	}
	e.log.Warn("edit not applied", "tab", ed.Tab, "object", ed.Object(), "column", ed.Column, "err", msg)
	e.record(ed, "error: "+msg)
}

// record logs and audits an applied (or failed) change.
func (e *Engine) record(ed *Edit, result string) {
	e.log.Info("change", "tab", ed.Tab, "kind", ed.Kind, "object", ed.Object(), "field", ed.Column,
		"old", ed.Cluster, "new", ed.Sheet, "result", result)
	if ed.Decision != Drift && ed.Decision != Conflict { // reported, not changes SheetOps made
		appliedChanges.WithLabelValues(strings.ToLower(string(ed.Kind)), string(ed.Decision), resultLabel(result)).Inc()
	}
	if e.audit != nil {
		e.audit.add(auditEntry{Time: e.clock.Now().UTC().Format(time.RFC3339), Tab: ed.Tab, Kind: string(ed.Kind), Object: ed.Object(),
			Field: ed.Column, Old: ed.Cluster, New: ed.Sheet, Action: string(ed.Decision), Result: result})
	}
}

func resultLabel(result string) string {
	if strings.HasPrefix(result, "error") {
		return "error"
	}
	return "ok"
}
