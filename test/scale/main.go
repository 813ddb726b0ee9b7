// Command scale fills the embedded engine with deployments through client-go, lets its
// controllers and simulated kubelet run every pod, and measures what the engine then holds:
// resident memory and live heap per stored pod, with the engine alone (a fresh process that
// loads the store, controllers off), and how long that process takes to answer /readyz.
//
//	cd test && go run ./scale -deployments 2000 -replicas 5     # 10,000 pods
//	cd test && go run ./scale -deployments 20000 -replicas 5    # 100,000 pods
//	cd test && go run ./scale -start-bin /tmp/sheetops          # launch to /readyz of a binary (first start and restart)
//
// Filling through the controllers runs at about 50 pods a second on 2 busy cores; for
// larger stores -replicate copies a filled one K times over, each copy in namespaces and
// with UIDs of its own (same lengths, so the stored encodings stay valid), then measures:
//
//	cd test && go run ./scale -data-dir /tmp/s10k                      # fill 10,000 pods, keep the store
//	cd test && go run ./scale -replicate /tmp/s10k -times 10 -data-dir /tmp/s100k
//
// With -data-dir the store is kept (and reused: deployments that exist already count).
// Figures go to stdout, one "name value unit" per line; progress goes to stderr.
//
// -measure (which the fill and -replicate end with) loads an existing store:
//
//	cd test && go build -o /tmp/scale ./scale && /tmp/scale -measure -data-dir COPY
//
// It writes into the store (-churn patches pods), so give it a copy. Before loading, it
// starts an empty engine (same options, a new temporary data directory) in the same
// process, asks it for its pods as it asks the loaded one, and measures it once it has
// stopped allocating (its work after ready, the field managers' type converter for one, is
// done) and two collections have returned the free pages: empty-start-to-ready and the
// empty-engine-* figures, what any engine holds whatever it stores (the binary's pages it
// touched, the runtime, the caches built once per process, the objects written at start).
// Then it closes that engine and loads the store; load-to-ready is therefore a process's
// second start (with -baseline=false there is no empty engine and it is the first). The
// loaded engine is measured the same way:
//
//	engine-rss, -rss-anon, -rss-file  VmRSS, RssAnon, RssFile of /proc/self/status (MiB)
//	engine-heap-live, -heap-in-spans  runtime.MemStats HeapAlloc, HeapInuse (MiB)
//	engine-go-sys                     what the Go runtime holds of the system (MiB)
//	rss-per-pod, heap-per-pod         the RSS and live heap divided by the stored pods
//	rss-above-empty-per-pod           (engine-rss - empty-engine-rss) / pods
//	heap-above-empty-per-pod          (engine-heap-live - empty-engine-heap-live) / pods
//
// and again after -churn patches, each name prefixed with after-churn-. The caches the empty
// engine built stay in the process, so the figures above it are what the stored objects
// cost. RssFile (mostly the binary's pages) depends on how the binary's file sits in the page
// cache: the same bytes copied with cp have measured 5–14 MiB less than straight from go build,
// so compare RSS figures of one binary file; the figures above the empty engine do not
// depend on it.
package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/klog/v2"

	"github.com/sheetops/sheetops/apiserver"
	"github.com/sheetops/sheetops/apiserver/controllers"
)

func main() {
	deployments := flag.Int("deployments", 2000, "deployments to create")
	replicas := flag.Int("replicas", 5, "replicas of each deployment")
	namespaces := flag.Int("namespaces", 20, "namespaces the deployments are spread over")
	workers := flag.Int("workers", 8, "concurrent client-go writers")
	controllerWorkers := flag.Int("controller-workers", 8, "workers of each of the engine's controllers (its default is 2)")
	dataDir := flag.String("data-dir", "", "the engine's data directory (default: a temporary one, removed at the end)")
	noSync := flag.Bool("no-fsync", false, "run the engine with --fsync=false")
	measure := flag.Bool("measure", false, "load -data-dir in an engine without controllers, print memory figures (per pod, and per pod above an empty engine's) and exit")
	baseline := flag.Bool("baseline", true, "with -measure: first measure an empty engine in the same process (the empty-* figures and the *-above-empty-per-pod ones); false: skip it, so load-to-ready includes the work a process's first engine does once")
	startBin := flag.String("start-bin", "", "only time BIN apiserver from launch to /readyz 200: each run on an empty data directory, then again on the one it made (a restart)")
	startRuns := flag.Int("start-runs", 20, "runs of -start-bin")
	cpuProfile := flag.String("cpuprofile", "", "with -measure: write a CPU profile of the engine's start (open, load, ready) to this file")
	heapProfile := flag.String("heapprofile", "", "with -measure: write heap profiles to FILE.empty (the empty engine), FILE.loaded (the loaded engine) and FILE (after -churn)")
	replicate := flag.String("replicate", "", "copy the store of this data directory -times times into -data-dir, then measure")
	times := flag.Int("times", 10, "copies made by -replicate")
	churn := flag.Int("churn", 20000, "label patches made after the first measure (the watch history keeps 20,000 events), then measured again; 0: none")
	flag.Parse()
	klog.LogToStderr(false)
	klog.SetOutput(io.Discard) // client-go's deprecation warnings

	var err error
	switch {
	case *startBin != "":
		err = timeStart(*startBin, *startRuns)
	case *replicate != "":
		if err = replicateStore(*replicate, *dataDir, *times); err == nil {
			err = measureLoaded(*dataDir, *noSync, *churn, true, "", "")
		}
	case *measure:
		err = measureLoaded(*dataDir, *noSync, *churn, *baseline, *cpuProfile, *heapProfile)
	default:
		err = fill(*dataDir, *deployments, *replicas, *namespaces, *workers, *controllerWorkers, *churn, *noSync)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "scale:", err)
		os.Exit(1)
	}
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, time.Now().Format("15:04:05 ")+format+"\n", args...)
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// fill creates the deployments, waits for every pod to run, then measures the loaded store
// in a fresh process (this command again, with -measure).
func fill(dir string, deployments, replicas, namespaces, workers, controllerWorkers, churn int, noSync bool) error {
	if dir == "" {
		tmp, err := os.MkdirTemp("", "sheetops-scale-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	}
	ctx := context.Background()
	srv, err := apiserver.New(apiserver.Options{
		Addr: "127.0.0.1:0", DataDir: dir, NoSync: noSync, Logger: quiet(),
		Controllers: controllers.Options{Workers: controllerWorkers},
	})
	if err != nil {
		return err
	}
	if err := srv.Start(ctx); err != nil {
		return err
	}
	cs, err := client(srv.KubeconfigPath())
	if err != nil {
		return err
	}
	start := time.Now()
	for i := range namespaces {
		ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("scale-%03d", i)}}
		if _, err := cs.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			return err
		}
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for range workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= deployments {
					return
				}
				d := deployment(fmt.Sprintf("scale-%03d", i%namespaces), fmt.Sprintf("app-%05d", i), int32(replicas))
				if _, err := cs.AppsV1().Deployments(d.Namespace).Create(ctx, d, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return fmt.Errorf("create deployments: %w", err)
	}
	created := time.Since(start)
	logf("created %d deployments in %s; waiting for %d running pods", deployments, created.Round(time.Millisecond), deployments*replicas)
	want := deployments * replicas
	for {
		l, err := cs.AppsV1().Deployments("").List(ctx, metav1.ListOptions{})
		if err != nil {
			return err
		}
		ready := 0
		for _, d := range l.Items {
			ready += int(d.Status.ReadyReplicas)
		}
		logf("%d of %d pods ready", ready, want)
		if ready >= want {
			break
		}
		time.Sleep(2 * time.Second)
	}
	settled := time.Since(start)
	fmt.Printf("create-deployments %.1f s\n", created.Seconds())
	fmt.Printf("all-pods-ready %.1f s\n", settled.Seconds())
	fmt.Printf("rss-with-controllers-and-client %d MiB\n", rss()>>20)
	if err := srv.Close(); err != nil {
		return err
	}
	if fi, err := os.Stat(filepath.Join(dir, "store.db")); err == nil {
		fmt.Printf("store-file %d MiB\n", fi.Size()>>20)
	}
	args := []string{"-measure", "-data-dir", dir, "-churn", strconv.Itoa(churn)}
	if noSync {
		args = append(args, "-no-fsync")
	}
	cmd := exec.Command(os.Args[0], args...)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	return cmd.Run()
}

// measureLoaded opens the store in an engine without controllers (what a restart does),
// waits for /readyz, collects garbage and reports memory per stored pod, and the memory per
// pod above an empty engine's (measureEmpty, run first in the same process).
func measureLoaded(dir string, noSync bool, churn int, baseline bool, cpuProfile, heapProfile string) error {
	var empty memory
	if baseline {
		var err error
		if empty, err = measureEmpty(noSync, heapProfile); err != nil {
			return fmt.Errorf("empty engine: %w", err)
		}
		empty.print("empty-")
	}
	if cpuProfile != "" {
		f, err := os.Create(cpuProfile)
		if err != nil {
			return err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
	}
	srv, cs, loaded, err := startEngine(dir, noSync)
	if err != nil {
		return err
	}
	pprof.StopCPUProfile()
	ctx := context.Background()
	pods, err := countPods(ctx, cs)
	if err != nil {
		return err
	}
	fmt.Printf("pods %d\n", pods)
	fmt.Printf("load-to-ready %d ms\n", loaded.Milliseconds())
	report := func(prefix string) {
		m := settledMemory()
		m.print(prefix)
		if pods > 0 {
			fmt.Printf("%srss-per-pod %.1f KB\n", prefix, float64(m.rss)/float64(pods)/1000)
			fmt.Printf("%sheap-per-pod %.1f KB\n", prefix, float64(m.heapLive)/float64(pods)/1000)
			if baseline {
				fmt.Printf("%srss-above-empty-per-pod %.1f KB\n", prefix, (float64(m.rss)-float64(empty.rss))/float64(pods)/1000)
				fmt.Printf("%sheap-above-empty-per-pod %.1f KB\n", prefix, (float64(m.heapLive)-float64(empty.heapLive))/float64(pods)/1000)
			}
		}
	}
	report("")
	if heapProfile != "" {
		if err := writeHeapProfile(heapProfile + ".loaded"); err != nil {
			return err
		}
	}
	if churn > 0 {
		// fill the watch history: churn label patches spread over the pods, 8 at a time
		start := time.Now()
		l, err := cs.CoreV1().Pods("").List(ctx, metav1.ListOptions{Limit: int64(min(churn, int(pods)))})
		if err != nil {
			return err
		}
		var next atomic.Int64
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for range 8 {
			wg.Go(func() {
				for {
					i := int(next.Add(1) - 1)
					if i >= churn {
						return
					}
					p := l.Items[i%len(l.Items)]
					body := fmt.Appendf(nil, `{"metadata":{"labels":{"churn":"%d"}}}`, i)
					if _, err := cs.CoreV1().Pods(p.Namespace).Patch(ctx, p.Name, types.StrategicMergePatchType, body, metav1.PatchOptions{}); err != nil {
						errs <- err
						return
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		if err := <-errs; err != nil {
			return err
		}
		l = nil
		logf("%d patches in %s", churn, time.Since(start).Round(time.Millisecond))
		report("after-churn-")
	}
	if heapProfile != "" {
		if err := writeHeapProfile(heapProfile); err != nil {
			return err
		}
	}
	return srv.Close()
}

// measureEmpty starts an engine as measureLoaded does, on a new temporary data directory,
// asks it what measureLoaded asks (its pods: none) and returns the process's memory while it
// runs: what any engine holds whatever it stores (the binary's pages it touched, the
// runtime, the caches its first start builds once per process, the objects written at
// start). It then closes the engine and removes the directory; the process-wide caches stay,
// so the loaded engine's memory above this is what its objects cost. With heapProfile, the
// heap is written to heapProfile.empty.
func measureEmpty(noSync bool, heapProfile string) (memory, error) {
	dir, err := os.MkdirTemp("", "sheetops-empty-")
	if err != nil {
		return memory{}, err
	}
	defer os.RemoveAll(dir)
	srv, cs, ready, err := startEngine(dir, noSync)
	if err != nil {
		return memory{}, err
	}
	if _, err := countPods(context.Background(), cs); err != nil {
		srv.Close()
		return memory{}, err
	}
	fmt.Printf("empty-start-to-ready %d ms\n", ready.Milliseconds())
	m := settledMemory()
	if heapProfile != "" {
		if err := writeHeapProfile(heapProfile + ".empty"); err != nil {
			srv.Close()
			return memory{}, err
		}
	}
	return m, srv.Close()
}

// startEngine starts an engine without controllers on dir, waits for /readyz and returns it,
// an admin client of it and the time from New to ready.
func startEngine(dir string, noSync bool) (*apiserver.Server, *kubernetes.Clientset, time.Duration, error) {
	start := time.Now()
	srv, err := apiserver.New(apiserver.Options{Addr: "127.0.0.1:0", DataDir: dir, NoSync: noSync, NoControllers: true, Logger: quiet()})
	if err != nil {
		return nil, nil, 0, err
	}
	if err := srv.Start(context.Background()); err != nil {
		srv.Close()
		return nil, nil, 0, err
	}
	if err := waitReady(srv.URL(), 30*time.Second); err != nil {
		srv.Close()
		return nil, nil, 0, err
	}
	ready := time.Since(start)
	cs, err := client(srv.KubeconfigPath())
	if err != nil {
		srv.Close()
		return nil, nil, 0, err
	}
	return srv, cs, ready, nil
}

// countPods lists one pod and reads the remaining count.
func countPods(ctx context.Context, cs *kubernetes.Clientset) (int64, error) {
	l, err := cs.CoreV1().Pods("").List(ctx, metav1.ListOptions{Limit: 1})
	if err != nil {
		return 0, err
	}
	n := int64(len(l.Items))
	if l.RemainingItemCount != nil {
		n += *l.RemainingItemCount
	}
	return n, nil
}

// memory is the process's memory at one moment.
type memory struct {
	rss, rssAnon, rssFile uint64 // /proc/self/status: VmRSS, RssAnon, RssFile
	heapLive, heapInSpans uint64 // runtime.MemStats: HeapAlloc, HeapInuse
	goSys                 uint64 // runtime.MemStats: Sys - HeapReleased
}

// settledMemory waits until the process has stopped allocating (the engine's work in the
// background after ready, such as building the field managers, is done: less than 64 KiB
// allocated in 100 ms, for at most 10 s), collects garbage twice, returns free pages to the
// system and reads the process's memory.
func settledMemory() memory {
	allocated := func() uint64 {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.TotalAlloc
	}
	for deadline, last := time.Now().Add(10*time.Second), allocated(); time.Now().Before(deadline); {
		time.Sleep(100 * time.Millisecond)
		now := allocated()
		if now-last < 64<<10 {
			break
		}
		last = now
	}
	runtime.GC()
	runtime.GC()
	debug.FreeOSMemory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return memory{
		rss: rss(), rssAnon: procStatus("RssAnon"), rssFile: procStatus("RssFile"),
		heapLive: ms.HeapAlloc, heapInSpans: ms.HeapInuse, goSys: ms.Sys - ms.HeapReleased,
	}
}

// print writes m's figures, each name prefixed.
func (m memory) print(prefix string) {
	fmt.Printf("%sengine-rss %d MiB\n", prefix, m.rss>>20)
	fmt.Printf("%sengine-rss-anon %d MiB\n", prefix, m.rssAnon>>20)
	fmt.Printf("%sengine-rss-file %d MiB\n", prefix, m.rssFile>>20)
	fmt.Printf("%sengine-heap-live %d MiB\n", prefix, m.heapLive>>20)
	fmt.Printf("%sengine-heap-in-spans %d MiB\n", prefix, m.heapInSpans>>20)
	fmt.Printf("%sengine-go-sys %d MiB\n", prefix, m.goSys>>20)
}

// timeStart launches bin apiserver runs times on a fresh data directory, and once more on
// each directory just made (a restart: the CA, keys, tokens and store exist), and reports
// the time from exec to the first 200 of /readyz of each kind of start.
func timeStart(bin string, runs int) error {
	var first, again []time.Duration
	for range runs {
		dir, err := os.MkdirTemp("", "sheetops-start-")
		if err != nil {
			return err
		}
		for _, times := range []*[]time.Duration{&first, &again} {
			took, err := launchToReady(bin, dir)
			if err != nil {
				os.RemoveAll(dir)
				return err
			}
			*times = append(*times, took)
		}
		os.RemoveAll(dir)
	}
	for _, t := range []struct {
		name  string
		times []time.Duration
	}{{"launch-to-readyz", first}, {"restart-to-readyz", again}} {
		slices.Sort(t.times)
		ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
		fmt.Printf("%s-median %.1f ms\n", t.name, ms(t.times[len(t.times)/2]))
		fmt.Printf("%s-min %.1f ms\n", t.name, ms(t.times[0]))
		fmt.Printf("%s-max %.1f ms\n", t.name, ms(t.times[len(t.times)-1]))
	}
	return nil
}

// launchToReady starts bin apiserver on dir, waits for the first 200 of /readyz, stops it and
// returns the time from exec to that answer.
func launchToReady(bin, dir string) (time.Duration, error) {
	port, err := freePort()
	if err != nil {
		return 0, err
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	cmd := exec.Command(bin, "apiserver", "--addr", addr, "--data-dir", dir)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	err = waitReady("https://"+addr, 10*time.Second)
	took := time.Since(start)
	cmd.Process.Signal(os.Interrupt)
	cmd.Wait()
	if err != nil {
		return 0, fmt.Errorf("%w\n%s", err, stderr.String())
	}
	return took, nil
}

func waitReady(url string, timeout time.Duration) error {
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}, Timeout: time.Second}
	deadline := time.Now().Add(timeout)
	for {
		resp, err := hc.Get(url + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s/readyz not ready after %s: %v", url, timeout, err)
		}
		time.Sleep(500 * time.Microsecond)
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func client(kubeconfig string) (*kubernetes.Clientset, error) {
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return nil, err
	}
	cfg.QPS, cfg.Burst = -1, 0
	cfg.ContentType = "application/vnd.kubernetes.protobuf"
	return kubernetes.NewForConfig(cfg)
}

// rss is this process's resident set size in bytes (Linux).
func rss() uint64 { return procStatus("VmRSS") }

// procStatus is a size field of /proc/self/status in bytes (Linux): VmRSS, RssAnon, RssFile.
func procStatus(field string) uint64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// deployment is a small web deployment, as people write them.
func deployment(ns, name string, replicas int32) *appsv1.Deployment {
	labels := map[string]string{"app": name, "tier": "web"}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: labels},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{
					Name:  "web",
					Image: "nginx:1.27",
					Ports: []corev1.ContainerPort{{ContainerPort: 80}},
					Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{
						corev1.ResourceCPU:    resource.MustParse("100m"),
						corev1.ResourceMemory: resource.MustParse("128Mi"),
					}},
				}}},
			},
		},
	}
}

var uidPattern = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)

// replicateStore writes into to/store.db times copies of the objects of from's namespaces
// "scale-NNN" (the first copy keeps them, copy i renames them "rIIII-NNN" and changes the
// first four digits of every UID to i), with everything else of from once, and copies
// from's certificates and tokens.
func replicateStore(from, to string, times int) error {
	if to == "" {
		return fmt.Errorf("-replicate needs -data-dir")
	}
	if err := os.MkdirAll(to, 0o700); err != nil {
		return err
	}
	for _, f := range []string{"ca.crt", "ca.key", "apiserver.crt", "apiserver.key", "tokens.csv"} {
		data, err := os.ReadFile(filepath.Join(from, f))
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(to, f), data, 0o600); err != nil {
			return err
		}
	}
	src, err := bolt.Open(filepath.Join(from, "store.db"), 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := bolt.Open(filepath.Join(to, "store.db"), 0o600, &bolt.Options{NoSync: true})
	if err != nil {
		return err
	}
	defer dst.Close()
	start := time.Now()
	n := 0
	err = src.View(func(stx *bolt.Tx) error {
		return dst.Update(func(dtx *bolt.Tx) error {
			for _, name := range []string{"meta", "objects"} {
				b, err := dtx.CreateBucketIfNotExists([]byte(name))
				if err != nil {
					return err
				}
				b.FillPercent = 0.9
				err = stx.Bucket([]byte(name)).ForEach(func(k, v []byte) error {
					if name == "meta" || !bytes.Contains(k, []byte("scale-")) {
						n++
						return b.Put(bytes.Clone(k), bytes.Clone(v))
					}
					for i := range times {
						k, v := bytes.Clone(k), bytes.Clone(v)
						if i > 0 {
							prefix := fmt.Appendf(nil, "r%04d-", i)
							k = bytes.ReplaceAll(k, []byte("scale-"), prefix)
							v = bytes.ReplaceAll(v, []byte("scale-"), prefix)
							v = uidPattern.ReplaceAllFunc(v, func(uid []byte) []byte {
								return append(fmt.Appendf(nil, "%04x", i), uid[4:]...)
							})
						}
						if err := b.Put(k, v); err != nil {
							return err
						}
						n++
					}
					return nil
				})
				if err != nil {
					return err
				}
			}
			return nil
		})
	})
	if err != nil {
		return err
	}
	logf("replicated %d objects in %s", n, time.Since(start).Round(time.Millisecond))
	if err := dst.Sync(); err != nil {
		return err
	}
	return nil
}

// writeHeapProfile writes a heap profile (as of the last collection) to path.
func writeHeapProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return pprof.WriteHeapProfile(f)
}
