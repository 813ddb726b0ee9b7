package sync

import (
	"time"

	"k8s.io/client-go/util/workqueue"
)

// maxRetryWait is the longest an edit that keeps failing with a retryable error waits
// between attempts.
const maxRetryWait = 2 * time.Minute

// retries spaces the attempts of edits whose last attempt failed: a retryable failure
// (network, 429, 5xx) waits exponentially longer each time, per edit, from the poll
// interval up to maxRetryWait (client-go's workqueue failure rate limiter keeps the
// count); a terminal failure is remembered so that it is logged and audited once. An edit
// is keyed by its row, column and typed value (retryKey), so a person who types something
// else is not kept waiting; an edit no longer in the sheet is forgotten at the end of the
// pass. Not safe for concurrent use: the engine's passes are serial.
type retries struct {
	limiter workqueue.TypedRateLimiter[string]
	edits   map[string]*failedEdit
	seen    map[string]bool // the keys this pass met
}

type failedEdit struct {
	last Outcome
	next time.Time // retryable: the earliest next attempt
}

func newRetries(first time.Duration) *retries {
	return &retries{
		limiter: workqueue.NewTypedItemExponentialFailureRateLimiter[string](first, max(first, maxRetryWait)),
		edits:   map[string]*failedEdit{},
		seen:    map[string]bool{},
	}
}

func (r *retries) startPass() { clear(r.seen) }

// waiting reports whether the edit is backing off at now, with its last outcome.
func (r *retries) waiting(key string, now time.Time) (Outcome, bool) {
	r.seen[key] = true
	f := r.edits[key]
	if f == nil || !f.last.Retryable || !now.Before(f.next) {
		return Outcome{}, false
	}
	return f.last, true
}

// failedBefore reports whether the edit's last attempt failed with the same message.
func (r *retries) failedBefore(key, message string) bool {
	f := r.edits[key]
	return f != nil && f.last.Message == message
}

// failed records a failed attempt and returns when the next may start (retryable
// failures only).
func (r *retries) failed(key string, now time.Time, o Outcome) time.Time {
	f := &failedEdit{last: o}
	if o.Retryable {
		f.next = now.Add(r.limiter.When(key))
		f.last.RetryAt = f.next
	} else {
		r.limiter.Forget(key)
	}
	r.edits[key] = f
	return f.next
}

// forget drops an edit that worked (or no longer failed).
func (r *retries) forget(key string) {
	delete(r.edits, key)
	r.limiter.Forget(key)
}

// endPass forgets the edits this pass did not meet: the person changed or removed them.
func (r *retries) endPass() {
	for key := range r.edits {
		if !r.seen[key] {
			r.forget(key)
		}
	}
}

// due reports whether a retryable edit may be tried again at now.
func (r *retries) due(now time.Time) bool {
	for _, f := range r.edits {
		if f.last.Retryable && !now.Before(f.next) {
			return true
		}
	}
	return false
}
