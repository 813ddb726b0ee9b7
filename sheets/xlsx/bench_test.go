package xlsx

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/sheetops/sheetops/sheets"
	"github.com/sheetops/sheetops/sheets/sheetstest"
)

// The product targets for 2,000 deployments and 10,000 pods: a first full render under
// 2 s, a poll pass (one Read) under 200 ms.
const benchDeployments, benchPods = 2000, 10000

// BenchmarkWrite measures a first full render: the whole book into a new file.
func BenchmarkWrite(b *testing.B) {
	book := sheetstest.Book(benchDeployments, benchPods)
	layout := sheetstest.Layout()
	path := filepath.Join(b.TempDir(), "sheetops.xlsx")
	w := New(path)
	b.ReportAllocs()
	cpu := cpuTime()
	for b.Loop() {
		b.StopTimer()
		_ = os.Remove(path)
		b.StartTimer()
		if _, err := w.Write(context.Background(), layout, nil, book); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, cpu)
	reportSize(b, path)
}

// BenchmarkRewrite measures a render over an existing workbook (a render after a change).
func BenchmarkRewrite(b *testing.B) { benchRewrite(b, benchDeployments, benchPods) }

// benchRewrite measures a full write of a book of that size over the file it replaces.
func benchRewrite(b *testing.B, deployments, pods int) {
	book := sheetstest.Book(deployments, pods)
	layout := sheetstest.Layout()
	path := filepath.Join(b.TempDir(), "sheetops.xlsx")
	w := New(path)
	v, err := w.Write(context.Background(), layout, nil, book)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	cpu := cpuTime()
	for b.Loop() {
		if v, err = w.Write(context.Background(), layout, &sheets.Book{Version: v}, book); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, cpu)
	reportSize(b, path)
}

// BenchmarkRead measures a poll pass that finds the file as it last read it: it reads and
// hashes the file, and copies the Book it parsed before.
func BenchmarkRead(b *testing.B) {
	path := benchFile(b, benchDeployments, benchPods)
	w := New(path)
	if _, err := w.Read(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	cpu := cpuTime()
	for b.Loop() {
		if _, err := w.Read(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, cpu)
	reportSize(b, path)
}

// BenchmarkReadChanged measures a poll pass after someone saved the file: every Read
// parses the whole workbook.
func BenchmarkReadChanged(b *testing.B) { benchReadFresh(b, benchDeployments, benchPods) }

// benchReadFresh measures a Read that parses every worksheet of a book of that size (a new
// Workbook: nothing read before, as after a save in a program that rewrites every part).
func benchReadFresh(b *testing.B, deployments, pods int) {
	path := benchFile(b, deployments, pods)
	b.ReportAllocs()
	cpu := cpuTime()
	for b.Loop() {
		if _, err := New(path).Read(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, cpu)
	reportSize(b, path)
}

// benchFile writes a workbook of that size and returns its path.
func benchFile(b *testing.B, deployments, pods int) string {
	path := filepath.Join(b.TempDir(), "sheetops.xlsx")
	if _, err := New(path).Write(context.Background(), sheetstest.Layout(), nil, sheetstest.Book(deployments, pods)); err != nil {
		b.Fatal(err)
	}
	return path
}

// reportCPU reports the CPU time per operation (all threads, including the garbage
// collector's), which a busy machine distorts less than the wall clock.
func reportCPU(b *testing.B, start time.Duration) {
	if used := cpuTime() - start; used > 0 {
		b.ReportMetric(float64(used.Nanoseconds())/float64(b.N), "cpu-ns/op")
	}
}

func reportSize(b *testing.B, path string) {
	if fi, err := os.Stat(path); err == nil {
		b.ReportMetric(float64(fi.Size()), "file-bytes")
	}
}
