package google_test

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"

	"google.golang.org/api/option"
	sheetsapi "google.golang.org/api/sheets/v4"

	"github.com/sheetops/sheetops/sheets"
	"github.com/sheetops/sheetops/sheets/google"
	"github.com/sheetops/sheetops/sheets/googlefake"
	"github.com/sheetops/sheetops/sheets/sheetstest"
)

// largeRows is the size of a large render: 100,000 deployments, 11 columns.
const largeRows = 100_000

// maxRequestBytes is Google's advice for a request's payload.
const maxRequestBytes = 2_000_000

// received returns the requests of a kind the fake received since its last reset.
func (e *env) received(k googlefake.Kind) []googlefake.Request {
	var out []googlefake.Request
	for _, r := range e.fake.Received() {
		if r.Kind == k {
			out = append(out, r)
		}
	}
	return out
}

func totalBytes(rs []googlefake.Request) int {
	n := 0
	for _, r := range rs {
		n += r.Bytes
	}
	return n
}

// sameTabs checks that the sheet holds the tabs of want, value for value.
func sameTabs(t *testing.T, got, want *sheets.Book) {
	t.Helper()
	for _, w := range want.Tabs {
		g := got.Tab(w.Name)
		if g == nil {
			t.Errorf("tab %s missing", w.Name)
			continue
		}
		if !slices.Equal(g.Header, w.Header) || len(g.Rows) != len(w.Rows) {
			t.Errorf("%s: header %q and %d rows, want %q and %d", w.Name, g.Header, len(g.Rows), w.Header, len(w.Rows))
			continue
		}
		for i := range w.Rows {
			if !slices.Equal(g.Rows[i], w.Rows[i]) {
				t.Errorf("%s row %d = %q, want %q", w.Name, i, g.Rows[i], w.Rows[i])
				return
			}
		}
	}
}

// largeWrite is a first render of largeRows rows against a fresh spreadsheet: the
// requests it sent, in order.
func largeWrite(t *testing.T) []googlefake.Request {
	t.Helper()
	e := newEnv(t)
	s := e.open(t)
	book := sheetstest.Book(largeRows, 0)
	base := read(t, s)
	e.fake.ResetCounts()
	v := write(t, s, base, book)
	got := read(t, s)
	if got.Version != v {
		t.Errorf("Version = %s, Write returned %s", got.Version, v)
	}
	sameTabs(t, got, book)
	return e.fake.Received()
}

// TestLargeWriteIsSplit: a first render of 100,000 rows goes out as one check-read, one
// spreadsheets.batchUpdate and values.batchUpdate requests of at most 2 MB each, and
// reads back as written.
func TestLargeWriteIsSplit(t *testing.T) {
	if testing.Short() {
		t.Skip("a 100,000-row write")
	}
	reqs := largeWrite(t)
	var values []int
	kinds := map[googlefake.Kind]int{}
	for _, r := range reqs {
		kinds[r.Kind]++
		if r.Code != http.StatusOK {
			t.Errorf("%s answered %d", r.Kind, r.Code)
		}
		if r.Bytes > maxRequestBytes {
			t.Errorf("a %s of %d bytes, over %d", r.Kind, r.Bytes, maxRequestBytes)
		}
		if r.Kind == googlefake.ValuesBatchUpdate {
			values = append(values, r.Bytes)
		}
	}
	// The check-read, the tabs and layout, the values; then the read-back.
	if kinds[googlefake.BatchGet] != 2 || kinds[googlefake.BatchUpdate] != 1 || len(values) < 2 || len(kinds) != 3 {
		t.Errorf("requests: %v", kinds)
	}
	total := totalBytes(reqs)
	// Every request but the last is nearly full: no more requests than the bytes need.
	for i, n := range values[:len(values)-1] {
		if n < maxRequestBytes*9/10 {
			t.Errorf("values.batchUpdate %d of %d: %d bytes only", i+1, len(values), n)
		}
	}
	t.Logf("%d rows × 11 columns: %d values.batchUpdate requests, %d bytes in all, sizes %v", largeRows, len(values), total, values)
}

// TestLargeWriteFailsPartWay: the second values.batchUpdate of a split write fails.
// With a person's save meanwhile the write returns ErrModified and sends nothing more;
// without, the backend reads, finds only its own first part(s) landed, and sends only
// the rest.
func TestLargeWriteFailsPartWay(t *testing.T) {
	if testing.Short() {
		t.Skip("100,000-row writes")
	}
	clean := largeWrite(t)
	var want []int // the values.batchUpdate requests of a write without failures
	for _, r := range clean {
		if r.Kind == googlefake.ValuesBatchUpdate {
			want = append(want, r.Bytes)
		}
	}
	rest := func(landed int) int { return sum(want[landed:]) } // the bytes of the parts not landed

	for _, tt := range []struct {
		name    string
		applied bool // the failed part was carried out, only its answer lost
		person  bool // a person types while it fails
	}{
		{"refused, nobody else saved", false, false},
		{"applied, answer lost, nobody else saved", true, false},
		{"refused, a person saved", false, true},
		{"applied, answer lost, a person saved", true, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			s := e.open(t)
			book := sheetstest.Book(largeRows, 0)
			base := read(t, s)
			e.fake.Inject(1, googlefake.Fault{Code: http.StatusServiceUnavailable, Kinds: []googlefake.Kind{googlefake.ValuesBatchUpdate}, Applied: tt.applied, After: 1})
			if tt.person {
				e.personTypesOnFirstFault(t, "'Deployments'!I6", "delete")
			}
			e.fake.ResetCounts()
			v, err := s.Write(ctx, sheetstest.Layout(), base, book)
			values := e.received(googlefake.ValuesBatchUpdate)
			if tt.person {
				if !errors.Is(err, sheets.ErrModified) {
					t.Fatalf("Write = %v, want ErrModified", err)
				}
				if len(values) != 2 || e.fake.Count(googlefake.BatchGet) != 2 {
					t.Errorf("%d values.batchUpdate and %d reads, want 2 and 2: nothing is sent after the read that saw the save",
						len(values), e.fake.Count(googlefake.BatchGet))
				}
				if got := read(t, s).Tab(sheetstest.Deployments).Rows[4][8]; got != "delete" {
					t.Errorf("the person's Action = %q", got)
				}
				return
			}
			if err != nil {
				t.Fatalf("Write: %v", err)
			}
			landed := 1
			if tt.applied {
				landed = 2
			}
			// Two parts were sent (one failed); then, after one more read, what still differs.
			if e.fake.Count(googlefake.BatchGet) != 2 || e.fake.Count(googlefake.BatchUpdate) != 1 {
				t.Errorf("requests: %v", e.counts())
			}
			retry := values[2:]
			got := totalBytes(retry)
			if w := rest(landed); got > w+w/100 || got < w-w/100 {
				t.Errorf("the retry sent %d bytes in %d requests; what had not landed is %d bytes (%d of %d parts landed)", got, len(retry), w, landed, len(want))
			}
			if len(retry) > len(want)-landed+1 {
				t.Errorf("the retry sent %d requests, want at most %d", len(retry), len(want)-landed+1)
			}
			after := read(t, s)
			if after.Version != v {
				t.Errorf("Version = %s, Write returned %s", after.Version, v)
			}
			sameTabs(t, after, book)
		})
	}
}

func sum(xs []int) int {
	n := 0
	for _, x := range xs {
		n += x
	}
	return n
}

// unauthenticated is a sheets/v4 client of the fake that needs no token.
func (e *env) unauthenticated(t *testing.T) *sheetsapi.Service {
	t.Helper()
	e.fake.AllowUnauthenticated()
	svc, err := sheetsapi.NewService(ctx, option.WithEndpoint(e.fake.URL()), option.WithoutAuthentication())
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

// TestCellLimit: a write after which the spreadsheet would pass Google's 10,000,000
// cells is refused before anything is sent, with an error naming the limit, the cells,
// the tabs and what to change; Google (the fake) would have refused its requests. When
// leaving room to grow is what would pass the limit, the tabs get just the rows they need.
func TestCellLimit(t *testing.T) {
	t.Run("refused before sending", func(t *testing.T) {
		e := newEnv(t)
		// A person's tab of 9,900,000 cells, known when the backend opens the sheet.
		if err := e.fake.AddTab(e.id, "Archive", 990_000, 10); err != nil {
			t.Fatal(err)
		}
		s := e.open(t)
		base := read(t, s)
		e.fake.ResetCounts()
		_, err := s.Write(ctx, sheetstest.Layout(), base, sheetstest.Book(10, 10_000))
		if !errors.Is(err, google.ErrCellLimit) {
			t.Fatalf("Write = %v, want ErrCellLimit", err)
		}
		var le *google.CellLimitError
		if !errors.As(err, &le) || le.Limit != 10_000_000 || le.Need <= le.Limit {
			t.Fatalf("error %#v", err)
		}
		// Sheet1 1,000×26; Archive 990,000×10; Pods 10,001×12; Deployments 11×11;
		// Summary 21×13 (8 columns for the chart); the bookkeeping tab 2×2.
		if want := 26_000 + 9_900_000 + 10_001*12 + 11*11 + 21*13 + 4; le.Need != want {
			t.Errorf("Need = %d, want %d", le.Need, want)
		}
		msg := err.Error()
		for _, s := range []string{"10,000,000", "10,046,410", "Archive 990,000×10 not SheetOps'", "Pods 10,001×12", "cluster.namespaces", "cluster.labelSelector", "fewer columns or tabs"} {
			if !strings.Contains(msg, s) {
				t.Errorf("the error does not say %q: %s", s, msg)
			}
		}
		if strings.Contains(msg, "\n") {
			t.Errorf("the error is not one line: %q", msg)
		}
		e.wantCounts(t, "a refused write", counts{googlefake.BatchGet: 1})
		// Google would have refused the new tab.
		svc := e.unauthenticated(t)
		_, gerr := svc.Spreadsheets.BatchUpdate(e.id, &sheetsapi.BatchUpdateSpreadsheetRequest{Requests: []*sheetsapi.Request{{AddSheet: &sheetsapi.AddSheetRequest{
			Properties: &sheetsapi.SheetProperties{Title: "Pods", GridProperties: &sheetsapi.GridProperties{RowCount: 10_001, ColumnCount: 12}},
		}}}}).Do()
		if gerr == nil || !strings.Contains(gerr.Error(), "above the limit of 10000000 cells") {
			t.Errorf("the fake took a tab past the limit: %v", gerr)
		}
	})
	t.Run("no room to grow", func(t *testing.T) {
		e := newEnv(t)
		if err := e.fake.AddTab(e.id, "Archive", 984_000, 10); err != nil {
			t.Fatal(err)
		}
		s := e.open(t)
		// 10,001 rows fit; 12,501 (a quarter more to grow into) would not.
		book := sheetstest.Book(10, 10_000)
		v := write(t, s, read(t, s), book)
		if got := read(t, s); got.Version != v {
			t.Errorf("Version = %s, Write returned %s", got.Version, v)
		}
		sp, err := e.unauthenticated(t).Spreadsheets.Get(e.id).Fields("sheets.properties(title,gridProperties)").Do()
		if err != nil {
			t.Fatal(err)
		}
		cells := 0
		for _, sh := range sp.Sheets {
			g := sh.Properties.GridProperties
			cells += int(g.RowCount * g.ColumnCount)
			if sh.Properties.Title == sheetstest.Pods && g.RowCount != 10_001 {
				t.Errorf("Pods has %d rows, want 10,001", g.RowCount)
			}
		}
		if cells > google.MaxCells {
			t.Errorf("%d cells", cells)
		}
	})
	t.Run("a tab the backend had not seen", func(t *testing.T) {
		e := newEnv(t)
		s := e.open(t)
		write(t, s, read(t, s), sheetstest.Book(3, 3))
		base := read(t, s)
		// Added after the backend last listed the tabs: Google refuses the grown grid,
		// the backend lists the tabs again and finds the spreadsheet changed (a new
		// tab); the caller reads again and the next Write says what to change.
		if err := e.fake.AddTab(e.id, "Archive", 990_000, 10); err != nil {
			t.Fatal(err)
		}
		e.fake.ResetCounts()
		_, err := s.Write(ctx, sheetstest.Layout(), base, sheetstest.Book(10, 10_000))
		if !errors.Is(err, sheets.ErrModified) {
			t.Fatalf("Write = %v, want ErrModified (a tab was added)", err)
		}
		if n := e.fake.CountCode(googlefake.BatchUpdate, http.StatusBadRequest); n != 1 {
			t.Errorf("%d spreadsheets.batchUpdate refused, want 1", n)
		}
		_, err = s.Write(ctx, sheetstest.Layout(), read(t, s), sheetstest.Book(10, 10_000))
		var le *google.CellLimitError
		if !errors.As(err, &le) || le.Need == 0 || !strings.Contains(err.Error(), "Archive") {
			t.Fatalf("Write = %v, want a CellLimitError naming Archive", err)
		}
		if n := e.fake.Count(googlefake.ValuesBatchUpdate); n != 0 {
			t.Errorf("%d values.batchUpdate", n)
		}
		if n := e.fake.Count(googlefake.BatchUpdate); n != 1 {
			t.Errorf("%d spreadsheets.batchUpdate, want the one refused", n)
		}
	})
}

// BenchmarkLargeFirstWrite plans and sends a first render of 100,000 rows × 11 columns
// against the fake (the fake's own work included): one check-read, one
// spreadsheets.batchUpdate, the values.batchUpdate requests.
func BenchmarkLargeFirstWrite(b *testing.B) {
	book := sheetstest.Book(largeRows, 0)
	var requests, bytes int
	for b.Loop() {
		b.StopTimer()
		e := newEnv(b)
		s := e.open(b)
		base, err := s.Read(ctx)
		if err != nil {
			b.Fatal(err)
		}
		e.fake.ResetCounts()
		b.StartTimer()
		if _, err := s.Write(ctx, sheetstest.Layout(), base, book); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		reqs := e.fake.Received()
		requests, bytes = len(reqs), totalBytes(reqs)
		e.fake.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(requests), "requests/op")
	b.ReportMetric(float64(bytes)/1e6, "MB/op")
}
