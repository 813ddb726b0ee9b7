package apiserver_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync/atomic"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/sheetops/sheetops/apiserver"
)

func benchPod(ns, name string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: map[string]string{"app": "bench"}},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "nginx:1.27"}}},
	}
}

// BenchmarkStartToReady measures a fresh engine from New to its first 200 on /readyz over TLS.
func BenchmarkStartToReady(b *testing.B) {
	for b.Loop() {
		b.StopTimer()
		dir := b.TempDir()
		b.StartTimer()
		srv, err := apiserver.New(apiserver.Options{Addr: "127.0.0.1:0", DataDir: dir, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err != nil {
			b.Fatal(err)
		}
		if err := srv.Start(context.Background()); err != nil {
			b.Fatal(err)
		}
		cfg := &rest.Config{Host: srv.URL(), TLSClientConfig: rest.TLSClientConfig{CAData: srv.CACertPEM()}}
		tr, err := rest.TransportFor(cfg)
		if err != nil {
			b.Fatal(err)
		}
		resp, err := (&http.Client{Transport: tr}).Get(srv.URL() + "/readyz")
		if err != nil || resp.StatusCode != http.StatusOK {
			b.Fatalf("readyz: %v %v", resp, err)
		}
		resp.Body.Close()
		b.StopTimer()
		srv.Close()
		b.StartTimer()
	}
}

func benchClient(b *testing.B) *kubernetes.Clientset {
	srv := startEngine(b, "", false)
	return clientset(b, srv)
}

// BenchmarkCreatePod creates pods one after another through the typed client (protobuf).
func BenchmarkCreatePod(b *testing.B) {
	cs := benchClient(b)
	ctx := context.Background()
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		if _, err := cs.CoreV1().Pods("default").Create(ctx, benchPod("default", fmt.Sprintf("p-%d", i)), metav1.CreateOptions{}); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkCreatePodParallel creates pods from several goroutines at once.
func BenchmarkCreatePodParallel(b *testing.B) {
	cs := benchClient(b)
	ctx := context.Background()
	var n int64
	var mu = make(chan struct{}, 1)
	b.SetParallelism(4)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			mu <- struct{}{}
			n++
			name := fmt.Sprintf("p-%d", n)
			<-mu
			if _, err := cs.CoreV1().Pods("default").Create(ctx, benchPod("default", name), metav1.CreateOptions{}); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

func seedPods(b *testing.B, cs *kubernetes.Clientset, ns string, n int) {
	b.Helper()
	ctx := context.Background()
	if _, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		b.Fatal(err)
	}
	for i := 0; i < n; i++ {
		if _, err := cs.CoreV1().Pods(ns).Create(ctx, benchPod(ns, fmt.Sprintf("p-%05d", i)), metav1.CreateOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGetPod reads one pod.
func BenchmarkGetPod(b *testing.B) {
	cs := benchClient(b)
	seedPods(b, cs, "bench", 1)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := cs.CoreV1().Pods("bench").Get(ctx, "p-00000", metav1.GetOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPatchPod changes a label with a strategic merge patch each time.
func BenchmarkPatchPod(b *testing.B) {
	cs := benchClient(b)
	seedPods(b, cs, "bench", 1)
	ctx := context.Background()
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		patch := fmt.Sprintf(`{"metadata":{"labels":{"n":"%d"}}}`, i)
		if _, err := cs.CoreV1().Pods("bench").Patch(ctx, "p-00000", types.StrategicMergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkListPods lists every pod of a namespace holding 1,000 and 10,000 pods.
func BenchmarkListPods(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			cs := benchClient(b)
			seedPods(b, cs, "bench", n)
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				l, err := cs.CoreV1().Pods("bench").List(ctx, metav1.ListOptions{})
				if err != nil || len(l.Items) != n {
					b.Fatalf("list: %d items, %v", len(l.Items), err)
				}
			}
		})
	}
}

// BenchmarkListPodsRaw is BenchmarkListPods without decoding the response: the typed
// client's request (protobuf preferred), its body read whole.
func BenchmarkListPodsRaw(b *testing.B) {
	for _, n := range []int{1000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			cs := benchClient(b)
			seedPods(b, cs, "bench", n)
			ctx := context.Background()
			rc := cs.CoreV1().RESTClient()
			b.ReportAllocs()
			for b.Loop() {
				body, err := rc.Get().UseProtobufAsDefault().Namespace("bench").Resource("pods").DoRaw(ctx)
				if err != nil || len(body) < 1000*n/10 {
					b.Fatalf("list: %d bytes, %v", len(body), err)
				}
			}
		})
	}
}

// BenchmarkGetPodParallel reads one pod from 8 goroutines sharing the client.
func BenchmarkGetPodParallel(b *testing.B) {
	cs := benchClient(b)
	seedPods(b, cs, "bench", 1)
	ctx := context.Background()
	b.SetParallelism(4) // 8 goroutines with GOMAXPROCS 2
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := cs.CoreV1().Pods("bench").Get(ctx, "p-00000", metav1.GetOptions{}); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkPatchPodParallel patches 8 pods from 8 goroutines, each its own pod (strategic
// merge, a label), as BenchmarkServers' patch-c8 does.
func BenchmarkPatchPodParallel(b *testing.B) {
	cs := benchClient(b)
	seedPods(b, cs, "bench", 8)
	ctx := context.Background()
	var worker, step atomic.Int64
	b.SetParallelism(4) // 8 goroutines with GOMAXPROCS 2
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		name := fmt.Sprintf("p-%05d", (worker.Add(1)-1)%8)
		for pb.Next() {
			patch := fmt.Sprintf(`{"metadata":{"labels":{"n":"%d"}}}`, step.Add(1))
			if _, err := cs.CoreV1().Pods("bench").Patch(ctx, name, types.StrategicMergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
