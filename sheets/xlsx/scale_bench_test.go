package xlsx

import (
	"archive/zip"
	"compress/flate"
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/sheetops/sheetops/sheets/sheetstest"
)

// The product targets for a large cluster, 20,000 deployments and 100,000 pods: a complete
// workbook under 5 s, a pass with no edits under 1 s (of which these are the sheet's part).
const scaleDeployments, scalePods = 20000, 100000

// BenchmarkScaleWrite measures a full write of the large book over the file it replaces.
func BenchmarkScaleWrite(b *testing.B) { benchRewrite(b, scaleDeployments, scalePods) }

// BenchmarkScaleReadOwnWrite measures the Read that follows the daemon's own Write (the
// next pass reads what it wrote).
func BenchmarkScaleReadOwnWrite(b *testing.B) {
	book := sheetstest.Book(scaleDeployments, scalePods)
	layout := sheetstest.Layout()
	path := filepath.Join(b.TempDir(), "sheetops.xlsx")
	w := New(path)
	if _, err := w.Write(context.Background(), layout, nil, book); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	cpu := cpuTime()
	for b.Loop() {
		b.StopTimer()
		w.mu.Lock()
		last := w.last
		w.mu.Unlock()
		b.StartTimer()
		if _, err := w.Read(context.Background()); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		w.mu.Lock()
		w.last = last // as it was just after the Write
		w.mu.Unlock()
		b.StartTimer()
	}
	reportCPU(b, cpu)
	reportSize(b, path)
}

// BenchmarkScaleReadResaved measures the Read after a person's save that changed no cell:
// every part recompressed (as resave.py does), the file replaced.
func BenchmarkScaleReadResaved(b *testing.B) {
	path := benchFile(b, scaleDeployments, scalePods)
	w := New(path)
	if _, err := w.Read(context.Background()); err != nil {
		b.Fatal(err)
	}
	levels := []int{flate.BestSpeed, flate.BestCompression}
	b.ReportAllocs()
	cpu := cpuTime()
	i := 0
	for b.Loop() {
		b.StopTimer()
		recompress(b, path, levels[i%2])
		i++
		b.StartTimer()
		if _, err := w.Read(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, cpu)
	reportSize(b, path)
}

// BenchmarkScaleReadFresh measures a Read that parses every worksheet of the large book.
func BenchmarkScaleReadFresh(b *testing.B) { benchReadFresh(b, scaleDeployments, scalePods) }

// BenchmarkScaleVersion measures the poll's check of a file that did not change for a
// few seconds.
func BenchmarkScaleVersion(b *testing.B) {
	path := benchFile(b, scaleDeployments, scalePods)
	time.Sleep(racyWindow + 100*time.Millisecond)
	w := New(path)
	if _, err := w.Read(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	cpu := cpuTime()
	for b.Loop() {
		if _, err := w.Version(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, cpu)
	reportSize(b, path)
}

// recompress replaces the file with one holding the same parts compressed at level: what
// a program that saves without changing a cell may do. The parts' CRC-32 stay the same.
func recompress(tb testing.TB, path string, level int) {
	tb.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer zr.Close()
	tmp := path + ".recompress"
	out, err := os.Create(tmp)
	if err != nil {
		tb.Fatal(err)
	}
	zw := zip.NewWriter(out)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) { return flate.NewWriter(w, level) })
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			tb.Fatal(err)
		}
		dst, err := zw.Create(f.Name)
		if err != nil {
			tb.Fatal(err)
		}
		if _, err := io.Copy(dst, rc); err != nil {
			tb.Fatal(err)
		}
		rc.Close()
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	if err := out.Close(); err != nil {
		tb.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		tb.Fatal(err)
	}
}
