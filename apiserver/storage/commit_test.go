package storage

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	stdsync "sync"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"

	bolt "go.etcd.io/bbolt"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
)

// TestConcurrentWritersShareCommits runs writers in parallel on a file store: every write
// gets its own revision, revisions follow one another without gaps, a watch sees every
// write once in revision order, an acknowledged write is readable at once, and the file
// after a restart holds every write.
func TestConcurrentWritersShareCommits(t *testing.T) {
	path := filepath.Join(t.TempDir(), "store.db")
	s := openTest(t, path, 100000)
	w, err := s.Watch("pods", WatchOptions{Since: 0})
	if err != nil {
		t.Fatal(err)
	}
	const writers, each = 8, 50
	var commits atomic.Int64
	s.failCommit = func() error { commits.Add(1); return nil } // counts the log's records
	var wg stdsync.WaitGroup
	errs := make(chan error, writers)
	for g := range writers {
		wg.Go(func() {
			for i := range each {
				name := fmt.Sprintf("p-%d-%d", g, i)
				if _, err := s.Create("pods", newPod("ns", name, nil)); err != nil {
					errs <- err
					return
				}
				// acknowledged: readable now, and an update sees it
				if _, err := s.Get("pods", "ns", name); err != nil {
					errs <- fmt.Errorf("get after create: %w", err)
					return
				}
				out, _, err := s.Update("pods", "ns", name, func(cur runtime.Object) (runtime.Object, error) {
					p := cur.(*corev1.Pod).DeepCopy()
					p.Labels = map[string]string{"i": strconv.Itoa(i)}
					return p, nil
				})
				if err != nil {
					errs <- err
					return
				}
				if rv, _ := strconv.ParseUint(rvOf(out), 10, 64); rv > s.Revision() {
					errs <- fmt.Errorf("acknowledged revision %d ahead of the store's %d", rv, s.Revision())
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	total := uint64(2 * writers * each)
	if s.Revision() != total {
		t.Fatalf("revision = %d, want %d", s.Revision(), total)
	}
	if n := commits.Load(); n >= int64(total) {
		t.Fatalf("%d writes took %d commits: none shared one", total, n)
	}
	var last uint64
	for last < total {
		evs, ok := w.Next(deadline2(time.After(5 * time.Second)))
		if !ok || len(evs) == 0 {
			t.Fatalf("watch stopped after revision %d of %d", last, total)
		}
		for _, ev := range evs {
			if ev.RV != last+1 {
				t.Fatalf("watch event at revision %d after %d", ev.RV, last)
			}
			if rvOf(ev.Object) != strconv.FormatUint(ev.RV, 10) {
				t.Fatalf("event %d carries an object at revision %s", ev.RV, rvOf(ev.Object))
			}
			last = ev.RV
		}
	}
	w.Stop()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openTest(t, path, 0)
	defer s.Close()
	l, _ := s.List("pods", ListOptions{})
	if s.Revision() != total || len(l.Items) != writers*each {
		t.Fatalf("after restart: revision %d, %d pods; want %d, %d", s.Revision(), len(l.Items), total, writers*each)
	}
	for _, o := range l.Items {
		if o.(*corev1.Pod).Labels["i"] == "" {
			t.Fatalf("%s lost its update", o.(*corev1.Pod).Name)
		}
	}
}

// TestFlushUnderLoad keeps writers busy without a pause: bbolt still gets their writes
// every flushEvery (writers let a due flush go before the next commit), and the log is
// emptied.
func TestFlushUnderLoad(t *testing.T) {
	s := openTest(t, filepath.Join(t.TempDir(), "store.db"), 0)
	defer s.Close()
	stop := make(chan struct{})
	var wg stdsync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := s.Create("pods", newPod("ns", fmt.Sprintf("p-%d-%d", g, i), nil)); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	defer wg.Wait()
	defer close(stop)
	boltRev := func() uint64 {
		var rev uint64
		s.db.View(func(tx *bolt.Tx) error {
			if v := tx.Bucket(bucketMeta).Get(keyRevision); len(v) == 8 {
				rev = binary.BigEndian.Uint64(v)
			}
			return nil
		})
		return rev
	}
	start := boltRev()
	for deadline := time.Now().Add(10 * time.Second); ; {
		if rev := boltRev(); rev > start && s.Revision() > rev {
			return // bbolt moved while the writers kept writing
		}
		if time.Now().After(deadline) {
			t.Fatalf("bbolt at revision %d (from %d) after 10 s of writes up to %d", boltRev(), start, s.Revision())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestFailedCommitLeavesNothing fails a commit while later writes wait for theirs: the
// failed writes and every write accepted after them fail, memory stays at the last commit
// (no object, no revision, no watch event), and the next write takes the next revision.
func TestFailedCommitLeavesNothing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "store.db")
	s := openTest(t, path, 0)
	defer s.Close()
	if _, err := s.Create("pods", newPod("ns", "before", nil)); err != nil {
		t.Fatal(err)
	}
	w, err := s.Watch("pods", WatchOptions{Since: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()

	inCommit, release := make(chan struct{}), make(chan struct{})
	diskFull := errors.New("disk full")
	s.mu.Lock()
	s.failCommit = func() error {
		close(inCommit)
		<-release
		return diskFull
	}
	s.mu.Unlock()
	first := make(chan error, 1)
	go func() {
		_, err := s.Create("pods", newPod("ns", "a", nil))
		first <- err
	}()
	<-inCommit // "a" is on its way to disk; what follows is checked against it
	second := make(chan error, 1)
	go func() {
		_, _, err := s.Update("pods", "ns", "a", func(cur runtime.Object) (runtime.Object, error) {
			p := cur.(*corev1.Pod).DeepCopy()
			p.Labels = map[string]string{"seen": "a"}
			return p, nil
		})
		second <- err
	}()
	for { // wait until the update has joined the next batch
		s.mu.RLock()
		n := len(s.open.writes)
		s.mu.RUnlock()
		if n == 1 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	s.mu.Lock()
	s.failCommit = nil
	s.mu.Unlock()
	close(release)
	for _, c := range []chan error{first, second} {
		if err := <-c; !apierrors.IsInternalError(err) || !strings.Contains(err.Error(), "disk full") {
			t.Fatalf("write in or after the failed commit: %v, want an internal error naming the cause", err)
		}
	}
	if s.Revision() != 1 {
		t.Fatalf("revision after the failed commit = %d, want 1", s.Revision())
	}
	if _, err := s.Get("pods", "ns", "a"); !apierrors.IsNotFound(err) {
		t.Fatalf("get of a failed create: %v, want NotFound", err)
	}
	after, err := s.Create("pods", newPod("ns", "a", nil))
	if err != nil || rvOf(after) != "2" {
		t.Fatalf("create after the failure: rv %v, %v; want 2", after, err)
	}
	evs, ok := w.Next(deadline2(time.After(2 * time.Second)))
	if !ok || len(evs) != 1 || evs[0].RV != 2 || evs[0].Type != watch.Added {
		t.Fatalf("watch saw %+v, want only the ADDED at revision 2", evs)
	}
}

// TestAcknowledgedWritesSurviveKill runs writers in a child process and kills it (SIGKILL)
// while they write: every write the child acknowledged is in the store afterwards. In "log
// only" the child never flushes to bbolt, and the writes are replayed from the log; in
// "flushed often" bbolt gets them every 40 writes, so the log is emptied and its records
// overwritten in place again and again before the kill.
func TestAcknowledgedWritesSurviveKill(t *testing.T) {
	if path := os.Getenv("STORAGE_TEST_KILL_CHILD"); path != "" {
		flushAfter, _ := strconv.Atoi(os.Getenv("STORAGE_TEST_KILL_FLUSH"))
		killChild(path, flushAfter)
		return
	}
	for _, mode := range []struct {
		name        string
		flushWrites int
	}{{"log only", 0}, {"flushed often", 40}} {
		t.Run(mode.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "store.db")
			cmd := exec.Command(os.Args[0], "-test.run=^TestAcknowledgedWritesSurviveKill$")
			cmd.Env = append(os.Environ(), "STORAGE_TEST_KILL_CHILD="+path, "STORAGE_TEST_KILL_FLUSH="+strconv.Itoa(mode.flushWrites))
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			cmd.Stderr = os.Stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			var acked []string
			lines := bufio.NewScanner(out)
			for len(acked) < 300 && lines.Scan() {
				if name, ok := strings.CutPrefix(lines.Text(), "acked "); ok {
					acked = append(acked, name)
				}
			}
			cmd.Process.Kill()
			cmd.Wait()
			if len(acked) < 300 {
				t.Fatalf("the child acknowledged %d writes before it ended", len(acked))
			}
			s := openTest(t, path, 0)
			defer s.Close()
			for _, name := range acked {
				if _, err := s.Get("pods", "ns", name); err != nil {
					t.Fatalf("acknowledged %s missing after the kill: %v", name, err)
				}
			}
			l, _ := s.List("pods", ListOptions{})
			if s.Revision() != uint64(len(l.Items)) {
				t.Fatalf("revision %d with %d pods created", s.Revision(), len(l.Items))
			}
		})
	}
}

// killChild writes from 8 goroutines until it is killed, printing each acknowledged name.
// With flushAfter 0 nothing reaches bbolt: every acknowledged write is in the log only;
// else bbolt gets the writes every flushAfter of them.
func killChild(path string, flushAfter int) {
	flushEvery, flushWrites = time.Hour, 1<<30
	if flushAfter > 0 {
		flushWrites = flushAfter
	}
	s, err := Open(Options{Path: path, New: func(resource string) (Marshaler, bool) { return &corev1.Pod{}, resource == "pods" }})
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	var mu stdsync.Mutex
	var wg stdsync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := 0; ; i++ {
				name := fmt.Sprintf("p-%d-%d", g, i)
				if _, err := s.Create("pods", newPod("ns", name, nil)); err != nil {
					fmt.Println("error", err)
					os.Exit(1)
				}
				mu.Lock()
				fmt.Println("acked", name)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
}

// TestFirstCommitLeavesBboltAlone checks that the first commit after Open is a record in
// the log only: bbolt, which holds everything at open, gets it flushEvery later (a flush at
// the first commit made the engine's first start wait for bbolt's two fsyncs).
func TestFirstCommitLeavesBboltAlone(t *testing.T) {
	s := openTest(t, filepath.Join(t.TempDir(), "store.db"), 0)
	defer s.Close()
	// the commit loop flushes (if it does) before it commits the next write
	for _, name := range []string{"first", "second"} {
		if _, err := s.Create("pods", newPod("ns", name, nil)); err != nil {
			t.Fatal(err)
		}
	}
	var inBolt bool
	if err := s.db.View(func(tx *bolt.Tx) error {
		inBolt = tx.Bucket(bucketObjects).Get(diskKey("pods", "ns/first")) != nil
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if inBolt {
		t.Fatal("the first commit after Open was flushed to bbolt at once")
	}
	if _, err := s.Get("pods", "ns", "first"); err != nil {
		t.Fatalf("the acknowledged write is not readable: %v", err)
	}
}

// TestManagedFieldsShareTheEncoding checks that a stored object's managed fields point into
// its stored encoding, after a write and after a restart, and that the entries of the
// object it was copied from are left alone.
func TestManagedFieldsShareTheEncoding(t *testing.T) {
	path := filepath.Join(t.TempDir(), "store.db")
	s := openTest(t, path, 0)
	p := newPod("ns", "p", nil)
	p.ManagedFields = []metav1.ManagedFieldsEntry{
		{Manager: "a", Operation: metav1.ManagedFieldsOperationUpdate, FieldsType: "FieldsV1", FieldsV1: &metav1.FieldsV1{Raw: []byte(`{"f:metadata":{"f:labels":{}}}`)}},
		{Manager: "b", Operation: metav1.ManagedFieldsOperationUpdate, FieldsType: "FieldsV1", FieldsV1: &metav1.FieldsV1{Raw: []byte(`{"f:spec":{}}`)}},
	}
	callers := p.ManagedFields
	first := callers[0].FieldsV1
	stored, err := s.Create("pods", p.DeepCopy())
	if err != nil {
		t.Fatal(err)
	}
	shares := func(s *Store, obj runtime.Object) {
		t.Helper()
		raw, ok := s.Encoded("pods", obj)
		if !ok {
			t.Fatal("no encoding")
		}
		for _, e := range obj.(*corev1.Pod).ManagedFields {
			f := e.FieldsV1.Raw
			if !inside(f, raw) {
				t.Fatalf("the managed fields of %s do not point into its encoding", e.Manager)
			}
		}
		if want, _ := obj.(*corev1.Pod).Marshal(); string(want) != string(raw) {
			t.Fatal("the object no longer encodes as stored")
		}
	}
	shares(s, stored)
	if callers[0].FieldsV1 != first || string(first.Raw) != `{"f:metadata":{"f:labels":{}}}` {
		t.Fatal("the caller's entries changed")
	}
	s.Close()
	s = openTest(t, path, 0)
	defer s.Close()
	got, err := s.Get("pods", "ns", "p")
	if err != nil {
		t.Fatal(err)
	}
	shares(s, got)
}

// inside reports whether b's bytes lie within buf's.
func inside(b, buf []byte) bool {
	if len(b) == 0 || len(buf) == 0 {
		return false
	}
	start, end := uintptr(unsafe.Pointer(&buf[0])), uintptr(unsafe.Pointer(&buf[len(buf)-1]))
	p := uintptr(unsafe.Pointer(&b[0]))
	return p >= start && p <= end
}

// TestReplayedEventsMatchLiveOnes checks that a watch replaying the history (kept encoded)
// gets the events a live watch got: types, revisions, objects and previous states.
func TestReplayedEventsMatchLiveOnes(t *testing.T) {
	for _, path := range []string{"", "store.db"} {
		t.Run(fmt.Sprintf("file=%v", path != ""), func(t *testing.T) {
			if path != "" {
				path = filepath.Join(t.TempDir(), path)
			}
			s := openTest(t, path, 0)
			defer s.Close()
			live, err := s.Watch("pods", WatchOptions{Since: 0})
			if err != nil {
				t.Fatal(err)
			}
			defer live.Stop()
			relabel := func(name, v string, finalizers ...string) {
				t.Helper()
				if _, _, err := s.Update("pods", "ns", name, func(cur runtime.Object) (runtime.Object, error) {
					p := cur.(*corev1.Pod).DeepCopy()
					p.Labels = map[string]string{"v": v}
					p.Finalizers = finalizers
					return p, nil
				}); err != nil {
					t.Fatal(err)
				}
			}
			for _, n := range []string{"a", "b", "c"} {
				if _, err := s.Create("pods", newPod("ns", n, nil)); err != nil {
					t.Fatal(err)
				}
			}
			relabel("a", "1")
			relabel("a", "2", "keep")
			if _, err := s.Delete("pods", "ns", "b", nil); err != nil {
				t.Fatal(err)
			}
			// marked for deletion, then finalized by an update: deleted with the update's state
			if _, _, err := s.Update("pods", "ns", "a", func(cur runtime.Object) (runtime.Object, error) {
				p := cur.(*corev1.Pod).DeepCopy()
				now := metav1.Now()
				p.DeletionTimestamp = &now
				return p, nil
			}); err != nil {
				t.Fatal(err)
			}
			relabel("a", "3") // without its finalizer: deleted, as this update left it
			if _, err := s.DeleteMarked("pods", "ns", "c", nil, func(cur runtime.Object) runtime.Object {
				p := cur.(*corev1.Pod).DeepCopy()
				now := metav1.Now()
				p.DeletionTimestamp = &now
				return p
			}); err != nil {
				t.Fatal(err)
			}
			total := s.Revision()
			var got []Event
			for uint64(len(got)) < total {
				evs, ok := live.Next(deadline2(time.After(2 * time.Second)))
				if !ok || len(evs) == 0 {
					t.Fatalf("live watch: %d events of %d", len(got), total)
				}
				got = append(got, evs...)
			}
			replay, err := s.Watch("pods", WatchOptions{Since: 0})
			if err != nil {
				t.Fatal(err)
			}
			defer replay.Stop()
			again, _ := replay.Next(nil)
			if len(again) != len(got) {
				t.Fatalf("replayed %d events, live %d", len(again), len(got))
			}
			enc := func(o runtime.Object) string {
				if o == nil {
					return "<nil>"
				}
				b, _ := o.(*corev1.Pod).Marshal()
				return string(b)
			}
			for i, ev := range got {
				r := again[i]
				if r.Type != ev.Type || r.RV != ev.RV || enc(r.Object) != enc(ev.Object) || enc(r.Old) != enc(ev.Old) {
					t.Fatalf("event %d: replayed %s at %d, live %s at %d (objects equal %v, old equal %v)",
						i, r.Type, r.RV, ev.Type, ev.RV, enc(r.Object) == enc(ev.Object), enc(r.Old) == enc(ev.Old))
				}
			}
		})
	}
}

// TestTornLogTail reopens a store whose log ends with a torn record (a commit that never
// returned): the whole records are replayed, the torn one is dropped, and writes go on.
func TestTornLogTail(t *testing.T) {
	path := filepath.Join(t.TempDir(), "store.db")
	s := openTest(t, path, 0)
	for _, n := range []string{"a", "b"} {
		if _, err := s.Create("pods", newPod("ns", n, nil)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// Two more commits that reached the log only, the second torn.
	l, err := openWAL(path+".wal", true)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.append([]*write{logRecord(3, "c")}); err != nil {
		t.Fatal(err)
	}
	if err := l.append([]*write{logRecord(4, "d")}); err != nil {
		t.Fatal(err)
	}
	if err := l.f.Truncate(l.size - 3); err != nil {
		t.Fatal(err)
	}
	l.close()

	s = openTest(t, path, 0)
	defer s.Close()
	if s.Revision() != 3 {
		t.Fatalf("revision after replay = %d, want 3", s.Revision())
	}
	if _, err := s.Get("pods", "ns", "c"); err != nil {
		t.Fatalf("replayed write: %v", err)
	}
	if _, err := s.Get("pods", "ns", "d"); !apierrors.IsNotFound(err) {
		t.Fatalf("torn write: %v, want NotFound", err)
	}
	if out, err := s.Create("pods", newPod("ns", "e", nil)); err != nil || rvOf(out) != "4" {
		t.Fatalf("create after replay: %v, %v; want revision 4", out, err)
	}
}

// logRecord is a write of pod ns/name at revision rev, as the commit loop logs it.
func logRecord(rev uint64, name string) *write {
	p := newPod("ns", name, nil)
	p.ResourceVersion = strconv.FormatUint(rev, 10)
	data, _ := p.Marshal()
	return &write{disk: string(diskKey("pods", "ns/"+name)), data: data, ev: Event{RV: rev}}
}

// TestLogOverwritesEmptiedRecords checks the log after it was emptied: the next records
// overwrite the old ones in place (the file keeps its size), and a replay reads only the
// records written since, not the older ones after them, even one that starts exactly where
// the live records end.
func TestLogOverwritesEmptiedRecords(t *testing.T) {
	path := filepath.Join(t.TempDir(), "store.db.wal")
	l, err := openWAL(path, true)
	if err != nil {
		t.Fatal(err)
	}
	defer l.close()
	// names of one length: records of one size
	for rev := uint64(1); rev <= 4; rev++ {
		if err := l.append([]*write{logRecord(rev, fmt.Sprintf("old-%d", rev))}); err != nil {
			t.Fatal(err)
		}
	}
	full := l.size
	if err := l.reset(); err != nil {
		t.Fatal(err)
	}
	if err := l.append([]*write{logRecord(5, "new-5")}); err != nil {
		t.Fatal(err)
	}
	if st, err := l.f.Stat(); err != nil || st.Size() != full {
		t.Fatalf("file after emptying and one record: %v, %v; want its %d bytes kept", st.Size(), err, full)
	}
	replayed := func() []string {
		r, err := openWAL(path, true)
		if err != nil {
			t.Fatal(err)
		}
		defer r.close()
		var got []string
		err = r.replay(func(rev uint64, ops []walOp) error {
			for _, op := range ops {
				got = append(got, fmt.Sprintf("%d %s", rev, op.key[len("pods\x00"):]))
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if r.size != l.size {
			t.Fatalf("replay ends at %d, the live records at %d", r.size, l.size)
		}
		return got
	}
	// the record of revision 2 follows revision 5's, whole and valid
	if got := replayed(); strings.Join(got, ",") != "5 ns/new-5" {
		t.Fatalf("replayed %q, want only revision 5", got)
	}
	if err := l.append([]*write{logRecord(6, "new-6")}); err != nil {
		t.Fatal(err)
	}
	if got := replayed(); strings.Join(got, ",") != "5 ns/new-5,6 ns/new-6" {
		t.Fatalf("replayed %q, want revisions 5 and 6", got)
	}
}
