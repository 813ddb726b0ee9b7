package controllers

import (
	stdsync "sync"
	"time"
)

// expectationsTimeout is how long a controller waits for the informer to report the creations
// and deletions it asked for before it assumes they were lost and acts again, as upstream.
const expectationsTimeout = 5 * time.Minute

// expectations remember, per controller key, how many pod creations and which pod deletions a
// controller has sent but not yet seen through its informer: a controller whose expectations
// are not satisfied must not create or delete pods again, or informer lag would make it act
// twice. They are upstream's UIDTrackingControllerExpectations, simplified.
type expectations struct {
	mu  stdsync.Mutex
	now func() time.Time
	m   map[string]*expectation
}

type expectation struct {
	adds    int
	deletes map[string]bool // pod keys (namespace/name) whose deletion is expected
	since   time.Time
}

func newExpectations(now func() time.Time) *expectations {
	if now == nil {
		now = time.Now
	}
	return &expectations{now: now, m: map[string]*expectation{}}
}

// satisfied reports whether the controller of key may act: nothing is pending, or what is
// pending has waited longer than expectationsTimeout.
func (e *expectations) satisfied(key string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	x, ok := e.m[key]
	if !ok {
		return true
	}
	if x.adds <= 0 && len(x.deletes) == 0 {
		return true
	}
	return e.now().Sub(x.since) > expectationsTimeout
}

// expectCreations records that n pods are about to be created for key.
func (e *expectations) expectCreations(key string, n int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.m[key] = &expectation{adds: n, deletes: map[string]bool{}, since: e.now()}
}

// expectDeletions records that the pods with these keys are about to be deleted for key.
func (e *expectations) expectDeletions(key string, podKeys []string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	x := &expectation{deletes: map[string]bool{}, since: e.now()}
	for _, k := range podKeys {
		x.deletes[k] = true
	}
	e.m[key] = x
}

// expect records that n pods are about to be created and the pods with these keys deleted
// for key, in one sync.
func (e *expectations) expect(key string, n int, podKeys []string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	x := &expectation{adds: n, deletes: map[string]bool{}, since: e.now()}
	for _, k := range podKeys {
		x.deletes[k] = true
	}
	e.m[key] = x
}

// creationObserved lowers the pending creations of key by one (a pod was seen, or a creation
// was never sent or failed).
func (e *expectations) creationObserved(key string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if x, ok := e.m[key]; ok && x.adds > 0 {
		x.adds--
	}
}

// deletionObserved marks the deletion of podKey seen (it is terminating or gone, or its
// deletion failed). A pod not expected to go is ignored, so that each deletion counts once.
func (e *expectations) deletionObserved(key, podKey string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if x, ok := e.m[key]; ok {
		delete(x.deletes, podKey)
	}
}

// forget drops what is known of key (its controller is gone).
func (e *expectations) forget(key string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.m, key)
}
