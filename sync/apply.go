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

// apply carries out a plan's edits in order, setting each edit's Outcome and the conflict
// ledger. An edit whose last attempt failed with a retryable error waits for its backoff
// (the outcome of that attempt stays). Without a writer it only records what was decided.
func (e *Engine) apply(ctx context.Context, plan *Plan, now time.Time) {
	conflicts := map[string]ConflictRecord{}
	drift := map[string]string{}
	e.retries.startPass()
	for i := range plan.Edits {
		ed := &plan.Edits[i]
		editDecisions.WithLabelValues(string(ed.Decision)).Inc()
		switch ed.Decision {
		case Conflict:
			rec := ConflictRecord{Sheet: ed.Sheet, Cluster: ed.Cluster, Base: ed.Base, NoBase: ed.noBase}
			key := string(ed.UID) + "/" + ed.Column
			ed.Outcome = conflictOutcome(ed)
			if prev, had := e.state.Conflicts[key]; !had || prev.Sheet != rec.Sheet || prev.Cluster != rec.Cluster {
				e.record(ed)
			}
			conflicts[key] = rec
			e.stats.Conflicts++
		case Invalid:
			ed.Outcome = Outcome{Kind: OutcomeInvalid, Message: ed.Reason}
			e.stats.Invalid++
		case Gone:
			ed.Outcome = Outcome{Kind: OutcomeError, Message: ed.Reason}
		case Drift:
			key := string(ed.UID) + "/" + ed.Column
			drift[key] = ed.Cluster
			ed.Outcome = Outcome{Kind: OutcomeDrift, Message: ed.Reason}
			if e.state.Drift[key] != ed.Cluster {
				e.record(ed)
			}
		case Apply, Enforce, Create, Delete:
			if e.writer == nil {
				continue
			}
			key := retryKey(ed)
			if last, waiting := e.retries.waiting(key, now); waiting {
				ed.Outcome = last // backing off: the last attempt's outcome stands
				continue
			}
			switch ed.Decision {
			case Create:
				e.applyCreate(ctx, ed, now)
			case Delete:
				e.applyDelete(ctx, ed, now)
			default:
				e.applyField(ctx, ed, conflicts, now)
			}
			if ed.Outcome.Kind == OutcomeError {
				ed.Outcome.RetryAt = e.retries.failed(key, now, ed.Outcome)
			} else {
				e.retries.forget(key)
			}
		}
	}
	e.retries.endPass()
	if e.writer == nil {
		drift = nil // without a writer the recorded drifts stay as they are
	}
	e.state.setConflicts(conflicts, drift)
}

// retryKey names an edit for its backoff: the row, the column and the value typed, so a
// person who types something else is not kept waiting.
func retryKey(ed *Edit) string {
	row := string(ed.UID)
	if ed.Decision == Create {
		row = "new:" + createdKey(ed)
	}
	return ed.Tab + "\x00" + row + "\x00" + string(ed.Decision) + "\x00" + ed.Column + "\x00" + ed.Sheet
}

// conflictOutcome explains a conflict: short in the cell (what the person started from,
// what they typed, what the cluster holds, what to do), in full for the audit.
func conflictOutcome(ed *Edit) Outcome {
	show := func(v string) string {
		if v == "" {
			return "(empty)"
		}
		return v
	}
	if ed.noBase {
		return Outcome{
			Kind: OutcomeConflict,
			Message: fmt.Sprintf("%s: you typed %s, the cluster has %s (row from an unknown render); type again or force",
				ed.Column, show(ed.Sheet), show(ed.Cluster)),
			Detail: fmt.Sprintf("%s is %s in the cluster and %s in the sheet, and SheetOps has no record of the render this row came from, so it cannot tell who changed it. Nothing was applied. To apply %s, type it again or type force in Action; to keep %s, type %s.",
				ed.Column, show(ed.Cluster), show(ed.Sheet), show(ed.Sheet), show(ed.Cluster), show(ed.Cluster)),
		}
	}
	return Outcome{
		Kind: OutcomeConflict,
		Message: fmt.Sprintf("%s was %s, you typed %s, the cluster has %s; type again or force",
			ed.Column, show(ed.Base), show(ed.Sheet), show(ed.Cluster)),
		Detail: fmt.Sprintf("%s was %s when this row was rendered; since then the cluster changed it to %s and the sheet to %s. Nothing was applied. To apply %s, type it again or type force in Action; to keep %s, type %s.",
			ed.Column, show(ed.Base), show(ed.Cluster), show(ed.Sheet), show(ed.Sheet), show(ed.Cluster), show(ed.Cluster)),
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

func (e *Engine) applyField(ctx context.Context, ed *Edit, conflicts map[string]ConflictRecord, now time.Time) {
	col := e.tab(ed.Tab).Column(ed.Column)
	obj := ed.object
	for attempt := 0; ; attempt++ {
		pt, data, err := col.Patch(obj, ed.Sheet)
		if err != nil {
			ed.Outcome = Outcome{Kind: OutcomeInvalid, Message: ed.Column + ": " + err.Error()}
			return
		}
		out, err := e.writer.Patch(ctx, ed.Resource, ed.Namespace, ed.Name, pt, data)
		if err == nil {
			e.recent[ed.UID] = recentObject{obj: out, informer: e.informerRV(ed)}
			e.stats.Applied++
			if ed.Decision == Enforce {
				ed.Outcome = Outcome{Kind: OutcomeEnforced, At: now, Message: fmt.Sprintf("%s %s → %s", ed.Column, ed.Cluster, ed.Sheet)}
			} else {
				ed.Outcome = Outcome{Kind: OutcomeApplied, At: now}
			}
			e.record(ed)
			return
		}
		if !isConflict(err) || attempt == maxRefetch {
			e.fail(ed, err)
			return
		}
		// 409: someone wrote since our view; decide again on the fresh object.
		e.stats.Retries++
		fresh, gerr := e.writer.Get(ctx, ed.Resource, ed.Namespace, ed.Name)
		if apierrors.IsNotFound(gerr) || (gerr == nil && uidOf(fresh) != ed.UID) {
			ed.Outcome = Outcome{Kind: OutcomeError, Message: "the object no longer exists; the edit was not applied"}
			return
		}
		if gerr != nil {
			e.fail(ed, gerr)
			return
		}
		current := col.Value(fresh, time.Time{})
		switch {
		case current == ed.Sheet:
			ed.Outcome = Outcome{Kind: OutcomeApplied, At: now}
			return
		case current == ed.Base || ed.Force || ed.Decision == Enforce:
			// Enforce: the sheet is the source of truth; a newer drift is corrected too.
			obj, ed.Cluster = fresh, current
		default:
			ed.Cluster = current
			ed.Decision = Conflict
			ed.Outcome = conflictOutcome(ed)
			ed.Reason = ed.Outcome.Detail
			conflicts[string(ed.UID)+"/"+ed.Column] = ConflictRecord{Sheet: ed.Sheet, Cluster: current, Base: ed.Base, NoBase: ed.noBase}
			e.stats.Conflicts++
			e.record(ed)
			return
		}
	}
}

func (e *Engine) informerRV(ed *Edit) string {
	if obj, ok := e.view.ByUID(ed.Resource, ed.UID); ok {
		return rvOf(obj)
	}
	return ""
}

func createdKey(ed *Edit) string { return ed.Tab + "/" + ed.Namespace + "/" + ed.Name }

func (e *Engine) applyCreate(ctx context.Context, ed *Edit, now time.Time) {
	key := createdKey(ed)
	out, err := e.writer.Create(ctx, ed.Resource, ed.object)
	if apierrors.IsAlreadyExists(err) {
		// Ours from a pass whose sheet write did not land? Adopt it rather than report.
		if uid, ok := e.state.Created[key]; ok {
			if obj, err := e.writer.Get(ctx, ed.Resource, ed.Namespace, ed.Name); err == nil && string(uidOf(obj)) == uid {
				ed.UID, ed.object = uidOf(obj), obj
				e.recent[ed.UID] = recentObject{obj: obj}
				ed.Outcome = Outcome{Kind: OutcomeApplied, At: now}
				return
			}
		}
		ed.Outcome = Outcome{Kind: OutcomeInvalid, Message: fmt.Sprintf("%s %s already exists; edit its own row instead", strings.ToLower(ed.Resource.Kind), ed.Object())}
		return
	}
	if err != nil {
		e.fail(ed, err)
		return
	}
	ed.UID, ed.object = uidOf(out), out
	e.state.setCreated(key, string(ed.UID))
	e.recent[ed.UID] = recentObject{obj: out}
	ed.Outcome = Outcome{Kind: OutcomeApplied, At: now}
	e.stats.Applied++
	e.record(ed)
}

func (e *Engine) applyDelete(ctx context.Context, ed *Edit, now time.Time) {
	err := e.writer.Delete(ctx, ed.Resource, ed.Namespace, ed.Name, ed.UID)
	switch {
	case err == nil, apierrors.IsNotFound(err):
		ed.Outcome = Outcome{Kind: OutcomeDeleted, At: now}
		e.stats.Applied++
		e.record(ed)
	case apierrors.IsConflict(err):
		ed.Outcome = Outcome{Kind: OutcomeError, Message: "another object of that name exists now; nothing was deleted"}
	default:
		e.fail(ed, err)
	}
}

// fail records an API error: a retryable one is tried again after a backoff.
func (e *Engine) fail(ed *Edit, err error) {
	e.stats.Errors++
	countAPIError(err)
	msg := err.Error()
	if s, ok := err.(apierrors.APIStatus); ok && s.Status().Message != "" {
		msg = s.Status().Message
	}
	ed.Outcome = Outcome{Kind: OutcomeError, Message: msg, Retryable: kube.Retryable(err)}
	if e.retries.failedBefore(retryKey(ed), msg) {
		return // the same failure as the last attempt: logged and audited once
	}
	e.log.Warn("edit not applied", "tab", ed.Tab, "object", ed.Object(), "column", ed.Column, "err", msg, "retry", ed.Outcome.Retryable)
	e.record(ed)
}

// record logs and audits what an edit did (or why it did not).
func (e *Engine) record(ed *Edit) {
	result := auditResult(ed)
	e.log.Info("change", "tab", ed.Tab, "kind", ed.Resource.Kind, "object", ed.Object(), "field", ed.Column,
		"old", ed.Cluster, "new", ed.Sheet, "result", result)
	if ed.Decision != Drift && ed.Decision != Conflict { // reported, not changes SheetOps made
		label := "ok"
		if ed.Outcome.Kind == OutcomeError {
			label = "error"
		}
		appliedChanges.WithLabelValues(strings.ToLower(ed.Resource.Kind), string(ed.Decision), label).Inc()
	}
	if e.audit != nil {
		e.audit.add(auditEntry{Time: e.clock.Now().UTC().Format(time.RFC3339), Tab: ed.Tab, Kind: ed.Resource.Kind, Object: ed.Object(),
			Field: ed.Column, Old: ed.Cluster, New: ed.Sheet, Action: string(ed.Decision), Result: result})
	}
}

// auditResult is the audit's Result for an edit: what was done in one word, or the full
// explanation of what was not.
func auditResult(ed *Edit) string {
	switch {
	case ed.Decision == Create && ed.Outcome.Kind == OutcomeApplied:
		return "created"
	case ed.Outcome.Kind == OutcomeScaled:
		return ed.Outcome.Scaled
	case ed.Outcome.Kind.Done():
		return string(ed.Outcome.Kind)
	case ed.Outcome.Kind == OutcomeDrift:
		return "drift" // the Sync cell and the log say by how much
	}
	return ed.Outcome.Full()
}
