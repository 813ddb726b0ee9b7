package storage

import (
	"errors"
	stdsync "sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
)

// InitialEventsEnd is the type of the event that follows the synthetic ADDED events of a
// watch started with Initial: the caller turns it into the annotated BOOKMARK.
const InitialEventsEnd watch.EventType = "INITIAL_EVENTS_END"

// maxQueue is how many undelivered events a watcher may hold before it is ended.
const maxQueue = 1 << 20

// WatchOptions select what a watch sees.
type WatchOptions struct {
	// Namespace limits the watch to one namespace; empty watches all.
	Namespace string
	// Match selects objects; an object that stops matching arrives as Deleted.
	Match Predicate
	// Since is the revision to watch from: every event after it is delivered (none before
	// the store passes it, when it is ahead of the store).
	Since uint64
	// Initial sends an ADDED event for every current object first (then InitialEventsEnd),
	// instead of replaying from Since.
	Initial bool
	// Raw leaves the initial events undecoded (Event.Data only) when Match is nil: for a
	// caller that writes the encodings.
	Raw bool
}

// Watcher receives the events of one watch.
type Watcher struct {
	store    *Store
	resource string
	match    Predicate
	since    uint64 // events at or before it are not delivered (a watch from a future revision)
	raw      bool   // WatchOptions.Raw
	selects  bool   // WatchOptions.Match is set: initial events are decoded to be matched

	mu      stdsync.Mutex
	queue   []Event
	notify  chan struct{}
	done    chan struct{}
	stopped bool
}

// Watch starts a watch. A Since older than the kept history fails with ErrExpired.
func (s *Store) Watch(resource string, opts WatchOptions) (*Watcher, error) {
	match := opts.Match
	if opts.Namespace != "" {
		ns, inner := opts.Namespace, opts.Match
		match = func(obj runtime.Object) bool {
			m, err := meta.Accessor(obj)
			return err == nil && m.GetNamespace() == ns && (inner == nil || inner(obj))
		}
	}
	w := &Watcher{store: s, resource: resource, match: match, raw: opts.Raw, selects: opts.Match != nil, notify: make(chan struct{}, 1), done: make(chan struct{})}
	if !opts.Initial {
		w.since = opts.Since
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return nil, ErrClosed
	}
	if opts.Initial {
		if r := s.items[resource]; r != nil {
			// decoded and matched by Next, outside the lock
			// only the namespace's keys: its objects are the ones the namespace matches
			prefix := ""
			if opts.Namespace != "" {
				prefix = opts.Namespace + "/"
			}
			r.ascend(prefix, prefix, func(k string) bool {
				w.queue = append(w.queue, Event{Type: watch.Added, Resource: resource, RV: s.rev, key: k, Data: r.raw[k]})
				return true
			})
		}
		w.queue = append(w.queue, Event{Type: InitialEventsEnd, Resource: resource, RV: s.rev})
	} else if err := s.eventsSince(opts.Since, resource, w.offer); err != nil {
		if !errors.Is(err, ErrExpired) {
			err = apierrors.NewInternalError(err)
		}
		return nil, err
	}
	if len(w.queue) > 0 {
		select {
		case w.notify <- struct{}{}:
		default:
		}
	}
	if s.watchers[resource] == nil {
		s.watchers[resource] = map[*Watcher]struct{}{}
	}
	s.watchers[resource][w] = struct{}{}
	return w, nil
}

// offer queues ev as this watcher sees it. Called with the store's lock held.
func (w *Watcher) offer(ev Event) {
	if ev.RV <= w.since {
		return
	}
	out, ok := w.translate(ev)
	if !ok {
		return
	}
	w.mu.Lock()
	if w.stopped {
		w.mu.Unlock()
		return
	}
	if len(w.queue) >= maxQueue {
		w.mu.Unlock()
		w.stopLocked()
		return
	}
	w.queue = append(w.queue, out)
	w.mu.Unlock()
	select {
	case w.notify <- struct{}{}:
	default:
	}
}

// translate applies the watcher's selector: an object entering it is ADDED, one leaving it DELETED.
func (w *Watcher) translate(ev Event) (Event, bool) {
	if w.match == nil {
		return ev, true
	}
	switch ev.Type {
	case watch.Added:
		return ev, w.match(ev.Object)
	case watch.Deleted:
		return ev, w.match(ev.Old)
	}
	now, before := w.match(ev.Object), w.match(ev.Old)
	switch {
	case now && before:
		return ev, true
	case now:
		ev.Type = watch.Added
		return ev, true
	case before:
		gone := ev.Old.DeepCopyObject()
		setRV(gone, ev.RV)
		return Event{Type: watch.Deleted, Resource: ev.Resource, Object: gone, Old: ev.Old, RV: ev.RV}, true // no Data: made up
	}
	return ev, false
}

// Next waits for events and returns every queued one, oldest first. It returns nil with
// false when the watch has ended (Stop, Close, or too slow a reader); stop may end the wait early.
func (w *Watcher) Next(stop <-chan struct{}) ([]Event, bool) {
	for {
		w.mu.Lock()
		if len(w.queue) > 0 {
			q := w.queue
			w.queue = nil
			w.mu.Unlock()
			q, err := w.decode(q)
			if err != nil {
				w.Stop()
				return nil, false
			}
			if len(q) == 0 {
				continue
			}
			return q, true
		}
		stopped := w.stopped
		w.mu.Unlock()
		if stopped {
			return nil, false
		}
		select {
		case <-w.notify:
		case <-w.done:
		case <-stop:
			return nil, true
		}
	}
}

// decode decodes the initial events of q (queued as encodings), unless the watch is raw
// and has no selector, and drops those the selector does not match.
func (w *Watcher) decode(q []Event) ([]Event, error) {
	if w.raw && !w.selects {
		return q, nil // the namespace, if any, was applied when they were queued
	}
	out := q[:0]
	for _, ev := range q {
		if ev.Object == nil && ev.key != "" {
			obj, err := w.store.decode(ev.Resource, ev.key, ev.Data)
			if err != nil {
				return nil, err
			}
			if w.selects && !w.match(obj) {
				continue
			}
			ev.Object, ev.key = obj, ""
		}
		out = append(out, ev)
	}
	return out, nil
}

// Done is closed when the watch has ended.
func (w *Watcher) Done() <-chan struct{} { return w.done }

// Stop ends the watch.
func (w *Watcher) Stop() {
	w.store.mu.Lock()
	delete(w.store.watchers[w.resource], w)
	w.store.mu.Unlock()
	w.stopLocked()
}

// stopLocked marks the watcher stopped; the store's lock may be held.
func (w *Watcher) stopLocked() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.stopped {
		w.stopped = true
		w.queue = nil
		close(w.done)
	}
}

// Progress is the store's revision when this watcher has nothing undelivered, else 0: a
// bookmark at that revision cannot skip an event.
func (w *Watcher) Progress() uint64 {
	w.store.mu.RLock()
	defer w.store.mu.RUnlock()
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.queue) > 0 || w.stopped {
		return 0
	}
	return w.store.rev
}
