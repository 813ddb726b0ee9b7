package storage

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"
	stdsync "sync"
	"time"

	"github.com/google/btree"
	bolt "go.etcd.io/bbolt"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
)

var (
	bucketObjects = []byte("objects")
	bucketMeta    = []byte("meta")
	keyRevision   = []byte("revision")
)

// DefaultHistory is how many events the store keeps for watches that start from a past revision.
const DefaultHistory = 20000

// ErrExpired reports a revision older than the kept history (the API answers 410 Gone).
var ErrExpired = errors.New("resource version too old")

// Marshaler is what every stored kind implements: the generated protobuf methods of k8s.io/api types.
type Marshaler interface {
	runtime.Object
	Marshal() ([]byte, error)
	Unmarshal([]byte) error
}

// Options configure a Store.
type Options struct {
	// Path of the bbolt file; empty keeps everything in memory only.
	Path string
	// New returns an empty object of the resource ("pods", "deployments.apps").
	New func(resource string) (Marshaler, bool)
	// History is how many events are kept for watches; 0 means DefaultHistory.
	History int
	// NoSync skips the fsync of every commit: a commit still reaches the operating system
	// before its writes return (a crash of the process loses nothing; a power cut may lose
	// the last writes). By default every acknowledged write is on disk.
	NoSync bool
	// Finalized reports whether an object marked for deletion may go now; default: it has a
	// deletionTimestamp and no finalizers.
	Finalized func(obj runtime.Object) bool
}

// Event is one change, as watches see it.
type Event struct {
	Type     watch.EventType
	Resource string
	// Object is the object after the change; for Deleted, its last state with the revision of the deletion.
	Object runtime.Object
	// Old is the object before the change; nil for Added.
	Old runtime.Object
	RV  uint64

	// Data is Object's protobuf encoding as stored, when the store has it (nil for an
	// event a watch's selector made up). With WatchOptions.Raw, an initial event may come
	// with Data only (Object nil).
	Data []byte

	key string // an initial event's key: Watcher.Next decodes its Data
}

type resourceItems struct {
	// raw holds each object in one form only: its protobuf encoding (Marshal, as
	// persisted), decoded on demand (Store.decode). Responses and lists copy these bytes
	// instead of encoding again, and updates detect no-ops by comparing encodings, as
	// upstream's etcd3 store does. "namespace/name" -> encoding.
	raw map[string][]byte
	// order holds the keys of raw in order, for lists and a watch's initial events. A
	// B-tree: a sorted slice costs every insert a move of the keys after it, under the
	// store's lock (at 100,000 pods, 0.8 MB moved and ~60 µs a create).
	order *btree.BTreeG[string]
}

func newResourceItems() *resourceItems {
	return &resourceItems{raw: map[string][]byte{}, order: btree.NewOrderedG[string](32)}
}

// Store holds the objects. It is safe for concurrent use.
type Store struct {
	opts Options
	db   *bolt.DB

	mu    stdsync.RWMutex
	rev   uint64 // the last committed revision: what reads, lists and watches see
	items map[string]*resourceItems
	// history is a ring of up to opts.History events, grown as events come until it is
	// full (an engine that is written little does not hold room for them all).
	history  []histEvent
	histHead int // index of the oldest event; 0 until history is full
	watchers map[string]map[*Watcher]struct{}
	closing  bool // no new watches

	decoded decodedCache // the objects decoded last, for Get and Encoded (decode.go)

	// The write path (see commit.go): writes are checked against the committed state
	// overlaid with the writes still waiting for their commit, take the next revision and
	// join the open batch; the commit loop appends a whole batch to the log (one fsync) and
	// only then applies it to the maps above and to watches; bbolt follows (wal.go).
	next      uint64            // the last revision handed out; ahead of rev while writes wait
	pending   map[string]*write // diskKey -> the latest write of that key not yet committed
	open      *batch            // the writes of the next commit
	commitNow *stdsync.Cond     // wakes the commit loop; uses mu
	stopping  bool              // Close has begun: no new writes
	loopDone  chan struct{}     // closed when the commit loop has returned
	// failCommit, set by tests, makes a commit fail with its error before it is written.
	failCommit func() error

	wal        *wal        // the log: one record and one fsync per commit (wal.go)
	unflushed  []*write    // committed to the log, not yet to bbolt
	flushDue   bool        // flushTimer has fired
	flushTimer *time.Timer // armed while unflushed writes wait
	flushedAt  time.Time   // the last flush to bbolt
}

// Open opens (or creates) the store and loads every object into memory.
func Open(opts Options) (*Store, error) {
	if opts.History <= 0 {
		opts.History = DefaultHistory
	}
	if opts.Finalized == nil {
		opts.Finalized = func(obj runtime.Object) bool {
			m, err := meta.Accessor(obj)
			return err == nil && m.GetDeletionTimestamp() != nil && len(m.GetFinalizers()) == 0
		}
	}
	s := &Store{
		opts:     opts,
		items:    map[string]*resourceItems{},
		watchers: map[string]map[*Watcher]struct{}{},
		pending:  map[string]*write{},
	}
	if opts.Path == "" {
		return s, nil
	}
	db, err := bolt.Open(opts.Path, 0o600, &bolt.Options{Timeout: 2 * time.Second, NoSync: opts.NoSync, NoFreelistSync: true, FreelistType: bolt.FreelistMapType})
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", opts.Path, err)
	}
	s.db = db
	if s.wal, err = recoverWAL(db, opts.Path+".wal", !opts.NoSync); err != nil {
		db.Close()
		return nil, err
	}
	err = db.Update(func(tx *bolt.Tx) error {
		if _, err := tx.CreateBucketIfNotExists(bucketMeta); err != nil {
			return err
		}
		objs, err := tx.CreateBucketIfNotExists(bucketObjects)
		if err != nil {
			return err
		}
		if v := tx.Bucket(bucketMeta).Get(keyRevision); len(v) == 8 {
			s.rev = binary.BigEndian.Uint64(v)
		}
		return objs.ForEach(func(k, v []byte) error {
			resource, nsName, ok := splitKey(string(k))
			if !ok {
				return fmt.Errorf("bad key %q", k)
			}
			if _, ok := opts.New(resource); !ok {
				return nil // a kind this build does not serve: keep it on disk, untouched
			}
			// The encoding is all the store keeps (decoded on demand); the same bytes as
			// the stores before it kept both forms, so an existing file opens unchanged.
			r := s.resource(resource)
			r.raw[nsName] = bytes.Clone(v) // v lives only as long as the transaction
			r.order.ReplaceOrInsert(nsName)
			return nil
		})
	})
	if err != nil {
		db.Close()
		s.wal.close()
		return nil, fmt.Errorf("load store %s: %w", opts.Path, err)
	}
	s.next = s.rev
	releaseMapped(db)
	s.startCommits()
	return s, nil
}

// ErrClosed reports a watch asked of a store that is shutting down.
var ErrClosed = errors.New("store is shutting down")

// EndWatches ends every watch in progress; later ones fail with ErrClosed.
func (s *Store) EndWatches() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closing = true
	for _, ws := range s.watchers {
		for w := range ws {
			w.stopLocked()
		}
	}
	s.watchers = map[string]map[*Watcher]struct{}{}
}

// Close ends every watch, commits the writes already accepted, refuses later ones
// (ErrClosed) and closes the file.
func (s *Store) Close() error {
	s.EndWatches()
	if s.db != nil {
		s.stopCommits()
		return errors.Join(s.db.Close(), s.wal.close())
	}
	return nil
}

// Revision is the store's current revision.
func (s *Store) Revision() uint64 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.rev
}

func (s *Store) resource(resource string) *resourceItems {
	r := s.items[resource]
	if r == nil {
		r = newResourceItems()
		s.items[resource] = r
	}
	return r
}

// rangeStart is where a list of the keys that start with prefix, after the key after (none:
// ""), starts: the keys it goes through are those that start with prefix and are >= it.
func rangeStart(prefix, after string) string {
	if after != "" && after >= prefix {
		return after + "\x00" // the first key above after: keys hold no NUL
	}
	return prefix
}

// ascend calls fn with the keys that start with prefix, in order, from the first one at or
// above from (rangeStart, or prefix itself), until fn returns false. It only reads: the
// order is kept up to date by every insert and delete, under the write lock, so readers
// under the read lock never race.
func (r *resourceItems) ascend(prefix, from string, fn func(k string) bool) {
	r.order.AscendGreaterOrEqual(from, func(k string) bool {
		return strings.HasPrefix(k, prefix) && fn(k)
	})
}

func objectKey(namespace, name string) string { return namespace + "/" + name }

func diskKey(resource, nsName string) []byte { return []byte(resource + "\x00" + nsName) }

func splitKey(k string) (resource, nsName string, ok bool) {
	return strings.Cut(k, "\x00")
}

func groupResource(resource string) schema.GroupResource {
	return schema.ParseGroupResource(resource)
}

// Get returns the stored object, or a NotFound error. The object is decoded from the
// stored encoding (or comes from the few decoded last) and is shared: callers do not change it.
func (s *Store) Get(resource, namespace, name string) (runtime.Object, error) {
	key := objectKey(namespace, name)
	data := s.stored(resource, key)
	if data == nil {
		return nil, apierrors.NewNotFound(groupResource(resource), name)
	}
	obj, err := s.decodeCached(resource, key, data)
	if err != nil {
		return nil, apierrors.NewInternalError(err)
	}
	return obj, nil
}

// GetMeta returns the stored object's metadata without its managed fields (decoded alone,
// new to the caller), or a NotFound error.
func (s *Store) GetMeta(resource, namespace, name string) (*metav1.ObjectMeta, error) {
	key := objectKey(namespace, name)
	data, err := s.GetEncoded(resource, namespace, name)
	if err != nil {
		return nil, err
	}
	om := &metav1.ObjectMeta{}
	if err := s.decodeMeta(resource, key, data, om); err != nil {
		return nil, apierrors.NewInternalError(err)
	}
	return om, nil
}

// GetEncoded returns the stored object's protobuf encoding (the generated Marshal, as
// persisted), without decoding it, or a NotFound error. The bytes are shared: read only.
func (s *Store) GetEncoded(resource, namespace, name string) ([]byte, error) {
	if data := s.stored(resource, objectKey(namespace, name)); data != nil {
		return data, nil
	}
	return nil, apierrors.NewNotFound(groupResource(resource), name)
}

// stored is the encoding stored under key (shared: read only), or nil.
func (s *Store) stored(resource, key string) []byte {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if r := s.items[resource]; r != nil {
		return r.raw[key]
	}
	return nil
}

func setRV(obj runtime.Object, rv uint64) {
	m, err := meta.Accessor(obj)
	if err != nil {
		panic(fmt.Sprintf("storage: object without metadata: %T", obj))
	}
	m.SetResourceVersion(strconv.FormatUint(rv, 10))
}

// encode is an object's protobuf encoding, as persisted.
func encode(resource, nsName string, obj runtime.Object) ([]byte, error) {
	m, ok := obj.(Marshaler)
	if !ok {
		return nil, fmt.Errorf("%T cannot be stored", obj)
	}
	data, err := m.Marshal()
	if err != nil {
		return nil, fmt.Errorf("encode %s %s: %w", resource, nsName, err)
	}
	return data, nil
}

// Encoded returns the protobuf encoding (the generated Marshal) of obj when obj is the
// object currently stored under its key as Get, Create and Update return it, and one of
// the objects decoded last (decodedCache); otherwise false, and the caller encodes obj.
func (s *Store) Encoded(resource string, obj runtime.Object) ([]byte, bool) {
	m, err := meta.Accessor(obj)
	if err != nil {
		return nil, false
	}
	key := objectKey(m.GetNamespace(), m.GetName())
	data := s.stored(resource, key)
	if data == nil {
		return nil, false
	}
	if cached, ok := s.decoded.get(resource, key, data); ok && cached == obj {
		return data, true
	}
	return nil, false
}

// Create stores a new object. It sets the object's resourceVersion; the caller has set
// everything else. An existing name is an AlreadyExists error.
func (s *Store) Create(resource string, obj runtime.Object) (runtime.Object, error) {
	m, err := meta.Accessor(obj)
	if err != nil {
		return nil, err
	}
	key := objectKey(m.GetNamespace(), m.GetName())
	s.mu.Lock()
	b, err := s.createLocked(resource, key, m.GetName(), obj)
	s.mu.Unlock()
	if err != nil {
		return nil, err
	}
	if err := b.wait(); err != nil {
		return nil, err
	}
	return obj, nil
}

func (s *Store) createLocked(resource, key, name string, obj runtime.Object) (*batch, error) {
	if err := s.writable(); err != nil {
		return nil, err
	}
	if _, ok := s.currentData(resource, key); ok {
		return nil, apierrors.NewAlreadyExists(groupResource(resource), name)
	}
	rev := s.next + 1
	setRV(obj, rev)
	data, err := encode(resource, key, obj)
	if err != nil {
		return nil, apierrors.NewInternalError(err)
	}
	return s.enqueue(key, data, nil, Event{Type: watch.Added, Resource: resource, Object: obj, RV: rev}), nil
}

// UpdateFunc gets the stored object (immutable) and returns the object to store in its place
// (a new one). Returning the stored object itself, or one that encodes the same, changes nothing.
type UpdateFunc func(current runtime.Object) (runtime.Object, error)

// Update replaces an object with what update returns, atomically with respect to every other
// write of the object. An object that comes back finalized (Options.Finalized) is deleted.
// The returned bool is true when the object was deleted.
//
// update runs outside the store's lock, so that writes of different objects do their work
// (patching, validation, managed fields) on every core at once; the result is stored only if
// the object is still in the state update was given, and otherwise update runs again on the
// newer state, as kube-apiserver's GuaranteedUpdate does against etcd. After optimisticTries
// such losses it runs under the lock, so a write of an object that others keep changing
// still ends. update may thus run more than once, and must depend only on the object it gets.
func (s *Store) Update(resource, namespace, name string, update UpdateFunc) (runtime.Object, bool, error) {
	key := objectKey(namespace, name)
	for try := 0; ; try++ {
		if try == optimisticTries {
			s.mu.Lock()
			obj, deleted, b, err := s.updateLocked(resource, key, namespace, name, update)
			s.mu.Unlock()
			return s.waitUpdate(obj, deleted, b, err)
		}
		s.mu.RLock()
		cur, curData, err := s.currentToUpdate(resource, key, name)
		s.mu.RUnlock()
		if err != nil {
			return nil, false, err
		}
		next, err := update(cur)
		if err != nil {
			return nil, false, err
		}
		s.mu.Lock()
		if data, ok := s.currentData(resource, key); !ok || !sameBytes(data, curData) {
			s.mu.Unlock() // written meanwhile: again, on its new state
			continue
		}
		obj, deleted, b, err := s.storeUpdateLocked(resource, key, namespace, name, cur, curData, next)
		s.mu.Unlock()
		return s.waitUpdate(obj, deleted, b, err)
	}
}

// optimisticTries is how many times Update runs its function outside the lock before it
// holds the lock for it.
const optimisticTries = 3

func (s *Store) waitUpdate(obj runtime.Object, deleted bool, b *batch, err error) (runtime.Object, bool, error) {
	if err != nil {
		return nil, false, err
	}
	if err := b.wait(); err != nil {
		return nil, false, err
	}
	return obj, deleted, nil
}

// currentToUpdate is the stored object to update and its encoding (read or write lock held).
func (s *Store) currentToUpdate(resource, key, name string) (runtime.Object, []byte, error) {
	if err := s.writable(); err != nil {
		return nil, nil, err
	}
	cur, curData, ok, err := s.current(resource, key)
	if err != nil {
		return nil, nil, err
	}
	if !ok {
		return nil, nil, apierrors.NewNotFound(groupResource(resource), name)
	}
	return cur, curData, nil
}

// currentData is the encoding of key's current state as writes see it (the write waiting
// for its commit, else the stored one); false when there is none. Called with a lock held.
func (s *Store) currentData(resource, key string) ([]byte, bool) {
	if w, ok := s.pending[string(diskKey(resource, key))]; ok {
		return w.data, w.data != nil
	}
	r := s.items[resource]
	if r == nil {
		return nil, false
	}
	data, ok := r.raw[key]
	return data, ok
}

func (s *Store) updateLocked(resource, key, namespace, name string, update UpdateFunc) (runtime.Object, bool, *batch, error) {
	cur, curData, err := s.currentToUpdate(resource, key, name)
	if err != nil {
		return nil, false, nil, err
	}
	next, err := update(cur)
	if err != nil {
		return nil, false, nil, err
	}
	return s.storeUpdateLocked(resource, key, namespace, name, cur, curData, next)
}

// storeUpdateLocked stores next in place of cur, key's current state encoded as curData.
func (s *Store) storeUpdateLocked(resource, key, namespace, name string, cur runtime.Object, curData []byte, next runtime.Object) (runtime.Object, bool, *batch, error) {
	if err := s.writable(); err != nil {
		return nil, false, nil, err
	}
	if next == cur {
		// unchanged: the caller still waits for the commit of the state it was shown
		return cur, false, s.batchOf(resource, key), nil
	}
	nm, err := meta.Accessor(next)
	if err != nil {
		return nil, false, nil, err
	}
	if nm.GetName() != name || nm.GetNamespace() != namespace {
		return nil, false, nil, apierrors.NewBadRequest("the name or namespace of the object cannot change")
	}
	cm, _ := meta.Accessor(cur)
	nm.SetResourceVersion(cm.GetResourceVersion())
	if s.opts.Finalized(next) {
		obj, b, err := s.deleteLocked(resource, key, cur, next)
		return obj, true, b, err
	}
	// A no-op: the new state encodes as the stored one (next carries the current
	// resourceVersion here). Upstream's etcd3 store compares encodings the same way.
	same, err := encode(resource, key, next)
	if err != nil {
		return nil, false, nil, apierrors.NewInternalError(err)
	}
	if bytes.Equal(same, curData) {
		return cur, false, s.batchOf(resource, key), nil
	}
	rev := s.next + 1
	setRV(next, rev)
	data, err := encode(resource, key, next)
	if err != nil {
		return nil, false, nil, apierrors.NewInternalError(err)
	}
	b := s.enqueue(key, data, nil, Event{Type: watch.Modified, Resource: resource, Object: next, Old: cur, RV: rev})
	return next, false, b, nil
}

// Delete removes an object after check (preconditions) accepts the stored one. It returns
// the object as it was deleted, with the revision of the deletion.
func (s *Store) Delete(resource, namespace, name string, check func(current runtime.Object) error) (runtime.Object, error) {
	return s.DeleteMarked(resource, namespace, name, check, nil)
}

// DeleteMarked deletes an object; with mark, as upstream does for kinds with graceful
// deletion whose grace period is zero: the marked state (deletionTimestamp set) is written
// first, so watches see MODIFIED then DELETED, all under one lock.
func (s *Store) DeleteMarked(resource, namespace, name string, check func(current runtime.Object) error, mark func(current runtime.Object) runtime.Object) (runtime.Object, error) {
	key := objectKey(namespace, name)
	s.mu.Lock()
	gone, b, err := s.deleteMarkedLocked(resource, key, name, check, mark)
	s.mu.Unlock()
	if err != nil {
		return nil, err
	}
	if err := b.wait(); err != nil {
		return nil, err
	}
	return gone, nil
}

func (s *Store) deleteMarkedLocked(resource, key, name string, check func(current runtime.Object) error, mark func(current runtime.Object) runtime.Object) (runtime.Object, *batch, error) {
	if err := s.writable(); err != nil {
		return nil, nil, err
	}
	cur, _, ok, err := s.current(resource, key)
	if err != nil {
		return nil, nil, err
	}
	if !ok {
		return nil, nil, apierrors.NewNotFound(groupResource(resource), name)
	}
	if check != nil {
		if err := check(cur); err != nil {
			return nil, nil, err
		}
	}
	if mark == nil {
		return s.deleteLocked(resource, key, cur, cur)
	}
	marked := mark(cur)
	rev := s.next + 1
	setRV(marked, rev)
	data, err := encode(resource, key, marked)
	if err != nil {
		return nil, nil, apierrors.NewInternalError(err)
	}
	// Both writes join the open batch under this one hold of the lock: they commit together.
	s.enqueue(key, data, nil, Event{Type: watch.Modified, Resource: resource, Object: marked, Old: cur, RV: rev})
	return s.deleteLocked(resource, key, marked, marked)
}

// deleteLocked queues the deletion of key, whose current state is old; last is the state
// the deletion reports (old, or the state that made the object finalized).
func (s *Store) deleteLocked(resource, key string, old, last runtime.Object) (runtime.Object, *batch, error) {
	rev := s.next + 1
	gone := last.DeepCopyObject()
	setRV(gone, rev)
	data, err := encode(resource, key, gone)
	if err != nil {
		return nil, nil, apierrors.NewInternalError(err)
	}
	b := s.enqueue(key, nil, data, Event{Type: watch.Deleted, Resource: resource, Object: gone, Old: old, RV: rev})
	return gone, b, nil
}

// emit hands ev to the watchers and keeps h, its encoded form, in the history.
func (s *Store) emit(ev Event, h histEvent) {
	if n := len(s.history); n == s.opts.History {
		s.history[s.histHead] = h
		s.histHead = (s.histHead + 1) % n
	} else {
		if n == cap(s.history) { // double it, up to opts.History
			grown := make([]histEvent, n, min(max(2*n, 256), s.opts.History))
			copy(grown, s.history)
			s.history = grown
		}
		s.history = append(s.history, h)
	}
	for w := range s.watchers[ev.Resource] {
		w.offer(ev)
	}
}

// oldestRV is the first revision the history can replay from: watching from any revision
// at or after oldestRV-1 is possible.
func (s *Store) oldestRV() uint64 {
	if len(s.history) == 0 {
		return s.rev + 1
	}
	return s.history[s.histHead].rv
}

// histEvent is one event of the history, kept as encodings rather than decoded objects:
// the object's (while it is current, the very bytes the store holds) and the previous
// state's (the bytes the store held). Watches that start in the past decode them.
type histEvent struct {
	typ      watch.EventType
	resource string
	key      string
	rv       uint64
	data     []byte // the object after the change; for Deleted, its last state with the revision of the deletion
	old      []byte // the object before the change; nil for Added
}

// historySince calls fn for every kept event of resource with a revision after since,
// oldest first.
func (s *Store) historySince(since uint64, resource string, fn func(h *histEvent) error) error {
	if since+1 < s.oldestRV() && since < s.rev {
		return ErrExpired
	}
	for i := range s.history {
		h := &s.history[(s.histHead+i)%len(s.history)]
		if h.rv > since && h.resource == resource {
			if err := fn(h); err != nil {
				return err
			}
		}
	}
	return nil
}

// eventsSince calls fn for every kept event of resource after since, oldest first, decoded.
func (s *Store) eventsSince(since uint64, resource string, fn func(Event)) error {
	return s.historySince(since, resource, func(h *histEvent) error {
		ev := Event{Type: h.typ, Resource: h.resource, RV: h.rv}
		var err error
		ev.Data = h.data
		if ev.Object, err = s.decodeAt(h.resource, h.key, h.data); err != nil {
			return err
		}
		if h.old != nil {
			if ev.Old, err = s.decodeAt(h.resource, h.key, h.old); err != nil {
				return err
			}
		}
		fn(ev)
		return nil
	})
}

// decodeAt decodes a state of key, past or current: one of the objects decoded last when
// data is the encoding it was decoded from.
func (s *Store) decodeAt(resource, key string, data []byte) (runtime.Object, error) {
	if obj, ok := s.decoded.get(resource, key, data); ok {
		return obj, nil
	}
	return s.decode(resource, key, data)
}
