package storage

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	stdsync "sync"
	"time"

	bolt "go.etcd.io/bbolt"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
)

// write is one change accepted under the store's lock and waiting for its commit.
type write struct {
	key   string // "namespace/name"
	disk  string // diskKey: resource, NUL, key
	data  []byte // the encoding to store; nil for a deletion
	gone  []byte // for a deletion, the encoding of the object as the deletion reports it
	ev    Event  // what watches see once it is committed
	batch *batch
}

// batch is the writes that share one commit (one bbolt transaction, one fsync).
type batch struct {
	writes []*write
	done   chan struct{} // closed once err is set and, on success, the writes are applied
	err    error
}

func newBatch() *batch { return &batch{done: make(chan struct{})} }

// wait blocks until the batch is committed and applied; a nil batch has nothing to wait for.
func (b *batch) wait() error {
	if b == nil {
		return nil
	}
	<-b.done
	return b.err
}

// ErrCommit wraps the error of a commit that failed: every write of that commit, and
// every write accepted after it, fails with it and leaves nothing behind.
var ErrCommit = errors.New("commit failed")

// startCommits starts the commit loop of a store backed by a file.
func (s *Store) startCommits() {
	s.open = newBatch()
	s.commitNow = stdsync.NewCond(&s.mu)
	s.loopDone = make(chan struct{})
	// bbolt holds everything at open (recoverWAL): the first flush is due flushEvery
	// after it, not at the first commit, which would wait for bbolt's two fsyncs.
	s.flushedAt = time.Now()
	go s.commitLoop()
}

// stopCommits refuses new writes, lets the loop commit what was accepted and waits for it.
func (s *Store) stopCommits() {
	s.mu.Lock()
	s.stopping = true
	s.commitNow.Signal()
	s.mu.Unlock()
	<-s.loopDone
}

// writable refuses writes once Close has begun. Called with the lock held.
func (s *Store) writable() error {
	if s.stopping {
		return apierrors.NewServiceUnavailable(ErrClosed.Error())
	}
	return nil
}

// current is the object stored under key as writes see it: the latest write still
// waiting for its commit, else the committed object (decoded). Called with the lock held.
func (s *Store) current(resource, key string) (runtime.Object, []byte, bool, error) {
	if w, ok := s.pending[string(diskKey(resource, key))]; ok {
		if w.data == nil {
			return nil, nil, false, nil
		}
		return w.ev.Object, w.data, true, nil
	}
	r := s.items[resource]
	if r == nil {
		return nil, nil, false, nil
	}
	data, ok := r.raw[key]
	if !ok {
		return nil, nil, false, nil
	}
	obj, err := s.decodeCached(resource, key, data)
	if err != nil {
		return nil, nil, false, apierrors.NewInternalError(err)
	}
	return obj, data, true, nil
}

// batchOf is the batch of the pending write of key, if any: a caller shown that state
// waits for it to be committed before it answers. Called with the lock held.
func (s *Store) batchOf(resource, key string) *batch {
	if w, ok := s.pending[string(diskKey(resource, key))]; ok {
		return w.batch
	}
	return nil
}

// enqueue hands out ev's revision (ev.RV, which the caller took as s.next+1) and adds the
// write to the open batch; without a file it is applied at once. Called with the lock held.
// A deletion (data nil) comes with gone, the encoding of ev.Object, for the history.
func (s *Store) enqueue(key string, data, gone []byte, ev Event) *batch {
	s.next = ev.RV
	if data != nil {
		shareEncoding(ev.Object, data)
		ev.Data = data
	} else {
		ev.Data = gone
	}
	w := &write{key: key, disk: string(diskKey(ev.Resource, key)), data: data, gone: gone, ev: ev}
	if s.db == nil {
		s.apply(w)
		return nil
	}
	w.batch = s.open
	s.open.writes = append(s.open.writes, w)
	s.pending[w.disk] = w
	s.commitNow.Signal()
	return w.batch
}

// commitLoop commits the open batch whenever it has writes: writers that arrive while a
// commit is on disk wait together for the next one. A commit is a record in the log;
// bbolt gets the committed writes every flushEvery (wal.go). The lock is not held while
// either is on disk. On Close it commits and flushes what was accepted, then returns.
func (s *Store) commitLoop() {
	defer close(s.loopDone)
	s.mu.Lock()
	defer s.mu.Unlock()
	for {
		for len(s.open.writes) == 0 && !s.flushDue && !s.stopping {
			s.commitNow.Wait()
		}
		if len(s.open.writes) > 0 {
			b := s.open
			s.open = newBatch()
			s.mu.Unlock()
			err := s.log(b.writes)
			s.mu.Lock()
			if err != nil {
				s.failLocked(b, err)
				continue
			}
			for _, w := range b.writes {
				s.apply(w)
			}
			close(b.done)
			s.unflushed = append(s.unflushed, b.writes...)
		}
		flushed := true
		switch {
		case len(s.unflushed) == 0:
			s.flushDue = false // a timer that fired after the flush it was armed for
		case s.flushDue || s.stopping || len(s.unflushed) >= flushWrites || time.Since(s.flushedAt) >= flushEvery:
			flushed = s.flushLocked()
		case s.flushTimer == nil:
			s.flushTimer = time.AfterFunc(flushEvery, func() {
				s.mu.Lock()
				s.flushDue = true
				s.commitNow.Signal()
				s.mu.Unlock()
			})
		}
		if s.stopping && len(s.open.writes) == 0 && (len(s.unflushed) == 0 || !flushed) {
			if s.flushTimer != nil {
				s.flushTimer.Stop()
			}
			return // what failed to reach bbolt is in the log: Open replays it
		}
	}
}

// log commits a batch: one record in the log, synced.
func (s *Store) log(ws []*write) error {
	if s.failCommit != nil {
		if err := s.failCommit(); err != nil {
			return err
		}
	}
	return s.wal.append(ws)
}

// flushLocked writes the writes committed to the log into bbolt in one transaction, then
// empties the log. On failure they stay in the log (and in unflushed, for the next try).
// Called with the lock held; releases it meanwhile.
func (s *Store) flushLocked() bool {
	ws := s.unflushed
	s.unflushed = nil
	s.flushDue = false
	if s.flushTimer != nil {
		s.flushTimer.Stop()
		s.flushTimer = nil
	}
	s.mu.Unlock()
	err := s.commit(ws)
	if err == nil {
		err = s.wal.reset()
	}
	// The pages of the map the transaction read leave the resident set again (only this
	// loop uses the file, so no transaction is open).
	releaseMapped(s.db)
	s.mu.Lock()
	s.flushedAt = time.Now()
	if err != nil {
		s.unflushed = append(ws, s.unflushed...)
		return false
	}
	return true
}

// failLocked fails b and every write accepted after it (they were checked against the
// state b would have made) and forgets them: memory stays at the last commit, as the file does.
func (s *Store) failLocked(b *batch, err error) {
	first, last := b.writes[0].ev.RV, b.writes[len(b.writes)-1].ev.RV
	b.err = apierrors.NewInternalError(fmt.Errorf("%w: revisions %d to %d: %w", ErrCommit, first, last, err))
	close(b.done)
	if len(s.open.writes) > 0 {
		s.open.err = b.err
		close(s.open.done)
		s.open = newBatch()
	}
	clear(s.pending)
	s.next = s.rev
}

// commit writes committed writes into bbolt in one transaction; with Options.NoSync unset,
// bbolt fsyncs it before Update returns.
func (s *Store) commit(ws []*write) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketObjects)
		for _, w := range ws {
			var err error
			if w.data == nil {
				err = b.Delete([]byte(w.disk))
			} else {
				err = b.Put([]byte(w.disk), w.data)
			}
			if err != nil {
				return err
			}
		}
		var v [8]byte
		binary.BigEndian.PutUint64(v[:], ws[len(ws)-1].ev.RV)
		return tx.Bucket(bucketMeta).Put(keyRevision, v[:])
	})
}

// apply makes a committed write visible to reads, lists and watches. Called with the lock held.
func (s *Store) apply(w *write) {
	r := s.resource(w.ev.Resource)
	h := histEvent{typ: w.ev.Type, resource: w.ev.Resource, key: w.key, rv: w.ev.RV, data: w.data, old: r.raw[w.key]}
	if w.ev.Type == watch.Deleted {
		h.data = w.gone
		delete(r.raw, w.key)
		r.order.Delete(w.key)
		s.decoded.forget(w.ev.Resource, w.key)
	} else {
		if h.old == nil { // new: no stored encoding is nil
			r.order.ReplaceOrInsert(w.key)
		}
		r.raw[w.key] = w.data
		// the writer answers with this object: Encoded recognizes it among the cached
		s.decoded.put(w.ev.Resource, w.key, w.data, w.ev.Object)
	}
	s.rev = w.ev.RV
	if s.pending[w.disk] == w {
		delete(s.pending, w.disk)
	}
	s.emit(w.ev, h)
}

// shareEncoding points obj's managed fields (their FieldsV1 bytes, a good part of a
// decoded object) into data, obj's encoding, which the store keeps anyway: one copy of
// those bytes instead of two. obj is not yet visible to anyone else; it gets entries and
// FieldsV1 values of its own, so objects it was copied from keep theirs. Unstructured
// objects keep their managed fields as they are.
func shareEncoding(obj runtime.Object, data []byte) {
	if _, ok := obj.(runtime.Unstructured); ok {
		return
	}
	m, err := meta.Accessor(obj)
	if err != nil {
		return
	}
	entries := m.GetManagedFields()
	if len(entries) == 0 {
		return
	}
	shared := make([]metav1.ManagedFieldsEntry, len(entries))
	fields := make([]metav1.FieldsV1, len(entries))
	from := 0 // entries are encoded in order: search after the previous one
	for i, e := range entries {
		shared[i] = e
		if e.FieldsV1 == nil || len(e.FieldsV1.Raw) == 0 {
			continue
		}
		raw := e.FieldsV1.Raw
		j := bytes.Index(data[from:], raw)
		if j < 0 {
			continue
		}
		j += from
		from = j + len(raw)
		fields[i].Raw = data[j:from:from]
		shared[i].FieldsV1 = &fields[i]
	}
	m.SetManagedFields(shared)
}
