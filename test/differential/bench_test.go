package differential

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes/scheme"
)

// upstreamNsPerOp holds kube-apiserver's time per operation of each benchmark, so that the
// other sides' benchmarks of the same operation, which run after it, can report the ratio
// (metric x-kube: kube-apiserver time / the side's time; above 1 means the side is faster).
var upstreamNsPerOp sync.Map

// BenchmarkServers measures the same client operations against both servers:
//
//	start-to-ready   a new server (fresh data) until /readyz answers 200; for kube-apiserver
//	                 etcd is already running (its own start is the etcd-start-ms metric)
//	create           create a pod (typed client)
//	get              get a pod
//	patch            strategic merge patch of a pod's labels
//	list-1000        list a namespace of 1,000 pods (one request, no limit)
//	list-1000-raw    the request of list-1000, its response read but not decoded
//	list-10000       list a namespace of 10,000 pods; seeding it takes a while: keep
//	                 -benchtime at its default (1s), which means a few iterations
//	list-10000-raw   the request of list-10000, its response read but not decoded
//	create-c8, get-c8, patch-c8, list-1000-raw-c8
//	                 the same from 8 goroutines sharing the client (client-go's one HTTP/2
//	                 connection), ns/op being wall time ÷ operations: throughput. Each
//	                 goroutine patches a pod of its own. They also report CPU time per
//	                 operation: cpu-us/op (this process and the server's together) and,
//	                 for a server in processes of its own, srv-cpu-us/op (kube-apiserver
//	                 and etcd; the engine process; the replay process)
//
// Both sides are durable: etcd fsyncs its log before it answers (its default), and the
// engine, by default, commits to disk before it answers (concurrent writers share a commit).
// With DIFFERENTIAL_FSYNC=false neither does (etcd --unsafe-no-fsync, the engine
// --fsync=false): what is left is each side's own work.
//
// The engine runs twice: inside the benchmark process ("engine") and as its own process
// ("engine-process": `sheetops apiserver --controllers=false`, built once by the benchmark),
// as kube-apiserver and etcd do. The "replay" (replayServer) answers each request with an
// answer of the engine's recorded once: no server can do less per request, so
// kube-apiserver's time over its time is the largest ratio this machine and this client
// allow any server. It too runs twice, in this process ("replay", the bound of "engine") and
// as its own process ("replay-process", this test binary started again: the bound of
// "engine-process"). Each side's rows report kube-apiserver's time over their own (x-kube).
//
// kube-apiserver runs first and the engine in this process last, on an engine started for
// the run and closed after it: the objects an in-process engine holds are the client
// process's heap, and the client's collector would otherwise scan them while the other
// sides are measured.
//
// Clients are the same typed client-go clients on both sides, without client-side
// throttling; they send protobuf bodies and Accept
// "application/vnd.kubernetes.protobuf,application/json", and both servers answer them in
// protobuf. Operations run one after another from one client, and each time is the client's
// wall time per operation, so it includes the client's own work (for lists, mostly
// decoding the items), which is the same code on both sides. The engine runs in this test
// process, kube-apiserver and etcd in their own.
//
// The -raw lists measure the server's side of a list: the typed list's client decodes
// every item into a Pod, which for 1,000 pods takes about as long as the engine takes to
// answer, so the typed figures understate the difference between the servers. A raw list
// sends the very request of the typed list through the same client (the typed clientset's
// REST client, the request built as the typed List builds it: same URL, Accept header,
// token and TLS/HTTP2 transport) and reads the whole response body into a byte slice (one
// buffer, reused from answer to answer), without decoding it. Each answer is checked cheaply (a protobuf body, "k8s\x00" first,
// at least half the size of the first answer: pods only grow as they start), and the
// first answer, outside the timed loop, is decoded once to check that it holds the n pods.
func BenchmarkServers(b *testing.B) {
	c := sharedCluster(b)
	if !durable {
		b.Log("DIFFERENTIAL_FSYNC=false: neither etcd nor the engine syncs a write to disk before it answers")
	}
	dir, err := os.MkdirTemp(c.dir, "engine-process-")
	if err != nil {
		b.Fatal(err)
	}
	ep, err := startEngineProcess(context.Background(), buildSheetops(b), dir)
	if err != nil {
		b.Fatal(err)
	}
	defer ep.Close()
	engine, err := startEngine(context.Background(), b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer engine.Close()
	replay, err := startReplay(engine)
	if err != nil {
		b.Fatal(err)
	}
	defer replay.Close()
	replayProc, err := startReplayProcess(engine)
	if err != nil {
		b.Fatal(err)
	}
	defer replayProc.Close()
	c.upstream.procs = []*os.Process{c.upstream.proc.cmd.Process, c.etcd.cmd.Process}
	ep.procs = []*os.Process{ep.proc.cmd.Process}
	sides := []struct {
		name string
		s    *server
	}{
		{sideUpstream, c.upstream.server},
		{sideEngineProcess, ep.server}, {sideReplayProcess, replayProc.server},
		{sideReplay, replay.server}, {sideEngine, engine.server},
	}
	for _, side := range sides {
		b.Run(side.name, func(b *testing.B) {
			bench := &benchSide{cluster: c, name: side.name, s: side.s, engine: engine.server}
			if !isReplay(side.name) { // it has no start of its own
				b.Run("start-to-ready", bench.startToReady)
			}
			b.Run("create", bench.create)
			b.Run("get", bench.get)
			b.Run("patch", bench.patch)
			b.Run("list-1000", func(b *testing.B) { bench.list(b, 1000) })
			b.Run("list-1000-raw", func(b *testing.B) { bench.listRaw(b, 1000) })
			b.Run("list-10000", func(b *testing.B) { bench.list(b, 10000) })
			b.Run("list-10000-raw", func(b *testing.B) { bench.listRaw(b, 10000) })
			b.Run("create-c8", bench.createParallel)
			b.Run("get-c8", bench.getParallel)
			b.Run("patch-c8", bench.patchParallel)
			b.Run("list-1000-raw-c8", func(b *testing.B) { bench.listRawParallel(b, 1000) })
		})
	}
}

// isReplay reports whether side is one of the replays, which record from the run's engine.
func isReplay(side string) bool { return side == sideReplay || side == sideReplayProcess }

type benchSide struct {
	cluster *cluster
	name    string
	s       *server
	engine  *server  // the run's in-process engine, which the replay records from
	once    sync.Map // namespace -> *sync.Once, so seeding survives the b.N rounds
}

// seeder is the server that namespaces and the objects a benchmark reads are written to:
// the side's own, but for the replay the engine it records from.
func (bs *benchSide) seeder() *server {
	if isReplay(bs.name) {
		return bs.engine
	}
	return bs.s
}

// seedTarget creates the pod "target" in ns, which get and patch read; one that exists
// already counts (-count above 1: the servers are shared).
func (bs *benchSide) seedTarget(ns string) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		_, err := bs.seeder().cs.CoreV1().Pods(ns).Create(ctx, pod("target", map[string]string{"app": "bench"}), metav1.CreateOptions{})
		if apierrors.IsAlreadyExists(err) {
			return nil
		}
		return err
	}
}

// report ends a benchmark: kube-apiserver's side remembers its time per op, the others
// report the ratio to it.
func (bs *benchSide) report(b *testing.B, op string) {
	ns := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	if bs.name == sideUpstream {
		upstreamNsPerOp.Store(op, ns)
		return
	}
	if up, ok := upstreamNsPerOp.Load(op); ok && ns > 0 {
		b.ReportMetric(up.(float64)/ns, "x-kube")
	}
}

// namespace prepares ns once per benchmark run and then runs seed once.
func (bs *benchSide) namespace(b *testing.B, ns string, seed func(ctx context.Context) error) {
	o, _ := bs.once.LoadOrStore(ns, &sync.Once{})
	var err error
	o.(*sync.Once).Do(func() {
		ctx := context.Background()
		if err = bs.seeder().prepareNamespace(ctx, ns); err != nil {
			return
		}
		if seed != nil {
			err = seed(ctx)
		}
	})
	if err != nil {
		b.Fatalf("%s: prepare %s: %v", bs.name, ns, err)
	}
}

func (bs *benchSide) startToReady(b *testing.B) {
	ctx := context.Background()
	for b.Loop() {
		switch bs.name {
		case sideEngine:
			dir := b.TempDir()
			e, err := startEngine(ctx, dir)
			if err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			e.Close()
			b.StartTimer()
			continue
		case sideEngineProcess: // from exec to /readyz
			dir := b.TempDir()
			e, err := startEngineProcess(ctx, buildSheetops(b), dir)
			if err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			e.Close()
			b.StartTimer()
			continue
		}
		k, err := bs.cluster.startKubeAPIServer(ctx)
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		k.Close()
		b.StartTimer()
	}
	if bs.name == sideUpstream {
		b.ReportMetric(float64(bs.cluster.etcd.startup.Milliseconds()), "etcd-start-ms")
	}
	bs.report(b, "start-to-ready")
}

var podSeq atomic.Int64

func (bs *benchSide) create(b *testing.B) {
	ns := "bench-create"
	bs.namespace(b, ns, nil)
	ctx := context.Background()
	pods := bs.s.cs.CoreV1().Pods(ns)
	for b.Loop() {
		if _, err := pods.Create(ctx, pod(fmt.Sprintf("p-%d", podSeq.Add(1)), nil), metav1.CreateOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	bs.report(b, "create")
}

func (bs *benchSide) get(b *testing.B) {
	ns := "bench-get"
	ctx := context.Background()
	pods := bs.s.cs.CoreV1().Pods(ns)
	bs.namespace(b, ns, bs.seedTarget(ns))
	for b.Loop() {
		if _, err := pods.Get(ctx, "target", metav1.GetOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	bs.report(b, "get")
}

func (bs *benchSide) patch(b *testing.B) {
	ns := "bench-patch"
	ctx := context.Background()
	pods := bs.s.cs.CoreV1().Pods(ns)
	bs.namespace(b, ns, bs.seedTarget(ns))
	i := 0
	for b.Loop() {
		i++
		body := fmt.Appendf(nil, `{"metadata":{"labels":{"step":"%d"}}}`, i)
		if _, err := pods.Patch(ctx, "target", types.StrategicMergePatchType, body, metav1.PatchOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	bs.report(b, "patch")
}

func (bs *benchSide) list(b *testing.B, n int) {
	ns := fmt.Sprintf("bench-list-%d", n)
	ctx := context.Background()
	pods := bs.s.cs.CoreV1().Pods(ns)
	bs.namespace(b, ns, func(ctx context.Context) error {
		start := time.Now()
		err := seedPods(ctx, bs.seeder(), ns, n)
		b.Logf("%s: seeded %d pods in %s", bs.name, n, time.Since(start).Round(time.Millisecond))
		return err
	})
	for b.Loop() {
		l, err := pods.List(ctx, metav1.ListOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if len(l.Items) != n {
			b.Fatalf("listed %d pods, want %d", len(l.Items), n)
		}
	}
	bs.report(b, fmt.Sprintf("list-%d", n))
}

// listRaw is list without decoding the response (see BenchmarkServers).
func (bs *benchSide) listRaw(b *testing.B, n int) {
	ns := fmt.Sprintf("bench-list-%d", n)
	ctx := context.Background()
	bs.namespace(b, ns, func(ctx context.Context) error {
		start := time.Now()
		err := seedPods(ctx, bs.seeder(), ns, n)
		b.Logf("%s: seeded %d pods in %s", bs.name, n, time.Since(start).Round(time.Millisecond))
		return err
	})
	rc := bs.s.cs.CoreV1().RESTClient()
	var buf bytes.Buffer
	get := func() []byte {
		// as the typed client's List builds it (client-go's gentype)
		body, err := rc.Get().UseProtobufAsDefault().Namespace(ns).Resource("pods").
			VersionedParams(&metav1.ListOptions{}, scheme.ParameterCodec).Stream(ctx)
		if err != nil {
			b.Fatal(err)
		}
		buf.Reset()
		_, err = buf.ReadFrom(body)
		body.Close()
		if err != nil {
			b.Fatal(err)
		}
		if !bytes.HasPrefix(buf.Bytes(), []byte("k8s\x00")) {
			b.Fatalf("%s: the list is not protobuf: %.60q", bs.name, buf.Bytes())
		}
		return buf.Bytes()
	}
	first := bytes.Clone(get())
	var l corev1.PodList
	if _, _, err := scheme.Codecs.UniversalDeserializer().Decode(first, nil, &l); err != nil {
		b.Fatalf("%s: decode the list: %v", bs.name, err)
	}
	if len(l.Items) != n {
		b.Fatalf("listed %d pods, want %d", len(l.Items), n)
	}
	for b.Loop() {
		if body := get(); len(body) < len(first)/2 {
			b.Fatalf("%s: a list of %d bytes, the first had %d", bs.name, len(body), len(first))
		}
	}
	b.ReportMetric(float64(len(first)), "bytes/list")
	bs.report(b, fmt.Sprintf("list-%d-raw", n))
}

// seedPods creates n pods in ns with 8 concurrent clients; pods that exist already count.
func seedPods(ctx context.Context, s *server, ns string, n int) error {
	const workers = 8
	var next atomic.Int64
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				i := next.Add(1) - 1
				if i >= int64(n) {
					return
				}
				p := pod(fmt.Sprintf("p-%05d", i), map[string]string{"app": "bench", "shard": fmt.Sprint(i % 10)})
				if _, err := s.cs.CoreV1().Pods(ns).Create(ctx, p, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	return <-errs
}

// concurrency is how many goroutines the -c8 benchmarks run.
const concurrency = 8

// inParallel runs op b.N times in all, from concurrency goroutines; worker is the
// goroutine's number, from 0. It reports the CPU time an operation took: cpu-us/op, of
// this process and the server's processes together, and srv-cpu-us/op, of the server's
// processes alone, when it has its own (for the in-process sides the two cannot be told
// apart). CPU time moves less than wall time with what else runs on the machine.
func (bs *benchSide) inParallel(b *testing.B, op func(worker int) error) {
	var left atomic.Int64
	left.Store(int64(b.N))
	var failed atomic.Pointer[error]
	var wg sync.WaitGroup
	self0, srv0 := selfCPU(b), processesCPU(b, bs.s.procs)
	b.ResetTimer()
	for w := range concurrency {
		wg.Go(func() {
			for left.Add(-1) >= 0 && failed.Load() == nil {
				if err := op(w); err != nil {
					failed.CompareAndSwap(nil, &err)
					return
				}
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	if err := failed.Load(); err != nil {
		b.Fatal(*err)
	}
	self, srv := selfCPU(b)-self0, processesCPU(b, bs.s.procs)-srv0
	perOp := func(d time.Duration) float64 { return float64(d.Microseconds()) / float64(b.N) }
	b.ReportMetric(perOp(self+srv), "cpu-us/op")
	if len(bs.s.procs) > 0 {
		b.ReportMetric(perOp(srv), "srv-cpu-us/op")
	}
}

// selfCPU is the CPU time this process has used, user and system.
func selfCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// processesCPU is the CPU time procs have used, user and system, from /proc/PID/stat (Linux;
// in clock ticks of 10 ms).
func processesCPU(b *testing.B, procs []*os.Process) time.Duration {
	var total time.Duration
	for _, p := range procs {
		data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.Pid))
		if err != nil {
			b.Fatal(err)
		}
		// the fields after the command, which is in parentheses and may hold spaces
		f := strings.Fields(string(data[bytes.LastIndexByte(data, ')')+1:]))
		if len(f) < 13 {
			b.Fatalf("/proc/%d/stat: %q", p.Pid, data)
		}
		for _, v := range f[11:13] { // utime, stime: fields 14 and 15
			ticks, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				b.Fatalf("/proc/%d/stat: %v", p.Pid, err)
			}
			total += time.Duration(ticks) * 10 * time.Millisecond // USER_HZ is 100 on Linux
		}
	}
	return total
}

func (bs *benchSide) createParallel(b *testing.B) {
	ns := "bench-create"
	bs.namespace(b, ns, nil)
	ctx := context.Background()
	pods := bs.s.cs.CoreV1().Pods(ns)
	bs.inParallel(b, func(int) error {
		_, err := pods.Create(ctx, pod(fmt.Sprintf("p-%d", podSeq.Add(1)), nil), metav1.CreateOptions{})
		return err
	})
	bs.report(b, "create-c8")
}

func (bs *benchSide) getParallel(b *testing.B) {
	ns := "bench-get"
	ctx := context.Background()
	pods := bs.s.cs.CoreV1().Pods(ns)
	bs.namespace(b, ns, bs.seedTarget(ns))
	bs.inParallel(b, func(int) error {
		_, err := pods.Get(ctx, "target", metav1.GetOptions{})
		return err
	})
	bs.report(b, "get-c8")
}

func (bs *benchSide) patchParallel(b *testing.B) {
	ns := "bench-patch-c8"
	ctx := context.Background()
	pods := bs.s.cs.CoreV1().Pods(ns)
	bs.namespace(b, ns, func(ctx context.Context) error {
		for w := range concurrency {
			_, err := bs.seeder().cs.CoreV1().Pods(ns).Create(ctx, pod(fmt.Sprintf("target-%d", w), map[string]string{"app": "bench"}), metav1.CreateOptions{})
			if err != nil && !apierrors.IsAlreadyExists(err) {
				return err
			}
		}
		return nil
	})
	var step atomic.Int64
	bs.inParallel(b, func(w int) error {
		body := fmt.Appendf(nil, `{"metadata":{"labels":{"step":"%d"}}}`, step.Add(1))
		_, err := pods.Patch(ctx, fmt.Sprintf("target-%d", w), types.StrategicMergePatchType, body, metav1.PatchOptions{})
		return err
	})
	bs.report(b, "patch-c8")
}

// listRawParallel is listRaw from concurrency goroutines, each reading into a buffer of its own.
func (bs *benchSide) listRawParallel(b *testing.B, n int) {
	ns := fmt.Sprintf("bench-list-%d", n)
	ctx := context.Background()
	bs.namespace(b, ns, func(ctx context.Context) error { return seedPods(ctx, bs.seeder(), ns, n) })
	rc := bs.s.cs.CoreV1().RESTClient()
	bufs := make([]bytes.Buffer, concurrency)
	bs.inParallel(b, func(w int) error {
		body, err := rc.Get().UseProtobufAsDefault().Namespace(ns).Resource("pods").
			VersionedParams(&metav1.ListOptions{}, scheme.ParameterCodec).Stream(ctx)
		if err != nil {
			return err
		}
		defer body.Close()
		bufs[w].Reset()
		if _, err := bufs[w].ReadFrom(body); err != nil {
			return err
		}
		if !bytes.HasPrefix(bufs[w].Bytes(), []byte("k8s\x00")) || bufs[w].Len() < 100*n {
			return fmt.Errorf("%s: a list of %d bytes: %.60q", bs.name, bufs[w].Len(), bufs[w].Bytes())
		}
		return nil
	})
	bs.report(b, fmt.Sprintf("list-%d-raw-c8", n))
}
