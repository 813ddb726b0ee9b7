package google_test

import (
	"bytes"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/sheetops/sheetops/sheets"
	"github.com/sheetops/sheetops/sheets/google"
	"github.com/sheetops/sheetops/sheets/googlefake"
	"github.com/sheetops/sheetops/sheets/sheetstest"
)

// writeFaults makes the next n writes (values.batchUpdate, spreadsheets.batchUpdate) fail
// with code; reads pass.
func (e *env) writeFaults(n, code int) {
	e.fake.Inject(n, googlefake.Fault{Code: code, Kinds: googlefake.Writes})
}

// personTypesOnFirstFault makes a person type text into a cell (A1 with the tab) while
// the first injected failure is answered, before the backend sees it.
func (e *env) personTypesOnFirstFault(t *testing.T, a1, text string) {
	t.Helper()
	typed := false
	e.fake.OnFault(func(googlefake.Kind, int) {
		if typed {
			return
		}
		typed = true
		if err := e.fake.SetCell(e.id, a1, text); err != nil {
			t.Error(err)
		}
	})
	t.Cleanup(func() { e.fake.OnFault(nil) })
}

// TestWriteIsNotResentBlind is the story of issue 10: the Sheets API answers 5xx to a write
// that sets Replicas 4 → 6, and a person types 1 into that cell meanwhile. The write is not
// sent again as it was: the backend reads, sees the person's save and returns ErrModified,
// so the caller merges; the person's 1 stays.
func TestWriteIsNotResentBlind(t *testing.T) {
	for _, code := range []int{http.StatusTooManyRequests, http.StatusInternalServerError, http.StatusServiceUnavailable} {
		t.Run(http.StatusText(code), func(t *testing.T) {
			e := newEnv(t)
			var logs bytes.Buffer
			s := e.open(t, func(o *google.Options) { o.Logger = slog.New(slog.NewTextHandler(&logs, nil)) })
			book := sheetstest.Book(3, 3)
			book.Tab(sheetstest.Deployments).Rows[0][2] = "4"
			write(t, s, read(t, s), book)
			base := read(t, s)
			next := copyBook(base)
			next.Tab(sheetstest.Deployments).Rows[0][2] = "6" // the cluster moved
			next.Tab(sheetstest.Deployments).Rows[1][9] = "applied 12:00:00"

			e.writeFaults(2, code) // the second hits the caller's merged write, below
			e.personTypesOnFirstFault(t, "'Deployments'!C2", "1")
			before := metric(t, "sheetops_sheet_backoffs_total")
			e.fake.ResetCounts()
			_, err := s.Write(ctx, sheetstest.Layout(), base, next)
			if !errors.Is(err, sheets.ErrModified) {
				t.Fatalf("Write with a person's edit during the failures = %v, want ErrModified", err)
			}
			vals, err := e.fake.Values(e.id, sheetstest.Deployments)
			if err != nil {
				t.Fatal(err)
			}
			if vals[1][2] != "1" {
				t.Errorf("Replicas = %q, want the person's 1", vals[1][2])
			}
			if was := base.Tab(sheetstest.Deployments).Rows[1][9]; vals[2][9] != was {
				t.Errorf("Sync of another row = %q, was %q: a part of the refused write landed", vals[2][9], was)
			}
			if n := e.fake.Count(googlefake.ValuesBatchUpdate); n != 1 {
				t.Errorf("%d values.batchUpdate, want 1 (the one that failed; no blind re-send)", n)
			}
			if n := e.fake.Count(googlefake.BatchGet); n != 2 {
				t.Errorf("%d values.batchGet, want 2 (the check-read, and the one after the backoff)", n)
			}
			if n := metric(t, "sheetops_sheet_backoffs_total") - before; n != 1 {
				t.Errorf("sheetops_sheet_backoffs_total grew by %v, want 1", n)
			}
			if n := strings.Count(logs.String(), "backing off"); n != 1 {
				t.Errorf("%d backoff log lines, want 1:\n%s", n, logs.String())
			}

			// The caller reads again and merges; its write goes through once the API recovers.
			merged := read(t, s)
			mine := copyBook(merged)
			mine.Tab(sheetstest.Deployments).Rows[0][9] = "conflict: 1 typed, 6 in the cluster"
			v := write(t, s, merged, mine)
			got := read(t, s)
			if got.Version != v {
				t.Errorf("Version = %s, Write returned %s", got.Version, v)
			}
			if r := got.Tab(sheetstest.Deployments).Rows[0]; r[2] != "1" || !strings.HasPrefix(r[9], "conflict:") {
				t.Errorf("row after the merge = %q", r)
			}
		})
	}
}

// TestWriteRetriedAfterAFreshRead: with no one else's save during the failures, the backend
// backs off, reads, finds the sheet as base was, plans again and sends: the write lands.
func TestWriteRetriedAfterAFreshRead(t *testing.T) {
	e := newEnv(t)
	var logs bytes.Buffer
	s := e.open(t, func(o *google.Options) { o.Logger = slog.New(slog.NewTextHandler(&logs, nil)) })
	write(t, s, read(t, s), sheetstest.Book(3, 3))
	base := read(t, s)
	next := copyBook(base)
	next.Tab(sheetstest.Deployments).Rows[0][2] = "6"
	e.writeFaults(3, http.StatusServiceUnavailable)
	e.fake.ResetCounts()
	v := write(t, s, base, next)
	e.wantCounts(t, "a write through 3 failures", counts{googlefake.BatchGet: 4, googlefake.ValuesBatchUpdate: 4})
	if n := strings.Count(logs.String(), "backing off"); n != 3 {
		t.Errorf("%d backoff log lines, want 3:\n%s", n, logs.String())
	}
	got := read(t, s)
	if got.Version != v || got.Tab(sheetstest.Deployments).Rows[0][2] != "6" {
		t.Errorf("after the write: version %s (Write returned %s), Replicas %q", got.Version, v, got.Tab(sheetstest.Deployments).Rows[0][2])
	}
}

// TestWriteGivesUp: a write that keeps failing returns an error after MaxAttempts sends,
// each after a fresh read; the sheet is as it was.
func TestWriteGivesUp(t *testing.T) {
	e := newEnv(t)
	s := e.open(t, func(o *google.Options) { o.MaxAttempts = 3 })
	write(t, s, read(t, s), sheetstest.Book(2, 2))
	base := read(t, s)
	next := copyBook(base)
	next.Tab(sheetstest.Deployments).Rows[0][2] = "6"
	e.writeFaults(3, http.StatusInternalServerError)
	e.fake.ResetCounts()
	_, err := s.Write(ctx, sheetstest.Layout(), base, next)
	if err == nil || errors.Is(err, sheets.ErrModified) {
		t.Fatalf("Write through failures longer than MaxAttempts = %v, want an error", err)
	}
	e.wantCounts(t, "a write that gives up", counts{googlefake.BatchGet: 3, googlefake.ValuesBatchUpdate: 3})
	if got := read(t, s); got.Version != base.Version {
		t.Errorf("the sheet changed: %s, was %s", got.Version, base.Version)
	}
	// The next try (the engine's next poll) works from the same base.
	write(t, s, base, next)
}

// TestWriteWhoseAnswerWasLost: the write was applied but its answer was a 5xx. The read
// after the backoff finds exactly what the write meant to leave: it succeeded, nothing is
// sent again. With a person's save after it, the caller is told to merge, and the merge
// finds its own values in the sheet.
func TestWriteWhoseAnswerWasLost(t *testing.T) {
	t.Run("nobody else wrote", func(t *testing.T) {
		e := newEnv(t)
		s := e.open(t)
		write(t, s, read(t, s), sheetstest.Book(2, 2))
		base := read(t, s)
		next := copyBook(base)
		next.Tab(sheetstest.Deployments).Rows[0][2] = "6"
		e.fake.Inject(1, googlefake.Fault{Code: http.StatusBadGateway, Kinds: googlefake.Writes, Applied: true})
		e.fake.ResetCounts()
		v := write(t, s, base, next)
		e.wantCounts(t, "a write whose answer was lost", counts{googlefake.BatchGet: 2, googlefake.ValuesBatchUpdate: 1})
		if got := version(t, s); got != v {
			t.Errorf("Version = %s, Write returned %s", got, v)
		}
	})
	t.Run("a person typed after it", func(t *testing.T) {
		e := newEnv(t)
		s := e.open(t)
		write(t, s, read(t, s), sheetstest.Book(2, 2))
		base := read(t, s)
		next := copyBook(base)
		next.Tab(sheetstest.Deployments).Rows[0][2] = "6"
		e.fake.Inject(1, googlefake.Fault{Code: http.StatusBadGateway, Kinds: googlefake.Writes, Applied: true})
		e.personTypesOnFirstFault(t, "'Deployments'!C3", "5")
		if _, err := s.Write(ctx, sheetstest.Layout(), base, next); !errors.Is(err, sheets.ErrModified) {
			t.Fatalf("Write = %v, want ErrModified", err)
		}
		got := read(t, s).Tab(sheetstest.Deployments)
		if got.Rows[0][2] != "6" || got.Rows[1][2] != "5" {
			t.Errorf("Replicas %q and %q, want the write's 6 and the person's 5", got.Rows[0][2], got.Rows[1][2])
		}
	})
}

// TestLayoutWriteFailures: the first write adds tabs and their layout with a
// spreadsheets.batchUpdate, then the values. Whichever of the two fails, applied or not,
// the retry neither adds a tab twice nor doubles the layout.
func TestLayoutWriteFailures(t *testing.T) {
	for _, tt := range []struct {
		name  string
		fault googlefake.Fault
	}{
		{"layout refused", googlefake.Fault{Code: http.StatusServiceUnavailable, Kinds: []googlefake.Kind{googlefake.BatchUpdate}}},
		{"layout applied, answer lost", googlefake.Fault{Code: http.StatusBadGateway, Kinds: []googlefake.Kind{googlefake.BatchUpdate}, Applied: true}},
		{"values refused", googlefake.Fault{Code: http.StatusInternalServerError, Kinds: []googlefake.Kind{googlefake.ValuesBatchUpdate}}},
		{"values applied, answer lost", googlefake.Fault{Code: http.StatusGatewayTimeout, Kinds: []googlefake.Kind{googlefake.ValuesBatchUpdate}, Applied: true}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			s := e.open(t)
			book := sheetstest.Book(3, 3)
			e.fake.Inject(1, tt.fault)
			v, err := s.Write(ctx, sheetstest.Layout(), read(t, s), book)
			if err != nil {
				t.Fatalf("Write: %v", err)
			}
			got := read(t, s)
			if got.Version != v {
				t.Errorf("Version = %s, Write returned %s", got.Version, v)
			}
			for _, name := range []string{sheetstest.Deployments, sheetstest.Pods, sheetstest.Summary} {
				if !slices.Equal(got.Tab(name).Rows[0], book.Tab(name).Rows[0]) {
					t.Errorf("%s first row %q, want %q", name, got.Tab(name).Rows[0], book.Tab(name).Rows[0])
				}
			}
			tabs := e.fake.Tabs(e.id)
			for _, name := range tabs {
				if n := strings.Count(strings.Join(tabs, "\n")+"\n", name+"\n"); n != 1 {
					t.Errorf("tab %s %d times: %q", name, n, tabs)
				}
			}
			// The layout is the one a write without failures lays out.
			clean := newEnv(t)
			cs := clean.open(t)
			write(t, cs, read(t, cs), book)
			want, have := layoutOf(t, clean), layoutOf(t, e)
			for tab, w := range want {
				if !equalLayout(have[tab], w) {
					t.Errorf("%s:\n got %+v\nwant %+v", tab, have[tab], w)
				}
			}
			if !slices.Equal(tabs, clean.fake.Tabs(clean.id)) {
				t.Errorf("tabs %q, want %q", tabs, clean.fake.Tabs(clean.id))
			}
		})
	}
}

// TestLayoutRepairAnswerLost: a repair whose batchUpdate was applied but answered 502 is
// not sent again (its rules, protections and chart would be there twice); the error is
// returned and the next write finds the layout complete.
func TestLayoutRepairAnswerLost(t *testing.T) {
	e := newEnv(t)
	s := e.open(t)
	book := sheetstest.Book(3, 5)
	write(t, s, read(t, s), book)
	want := layoutOf(t, e)
	if err := e.fake.DeleteFormatting(e.id, sheetstest.Summary); err != nil {
		t.Fatal(err)
	}
	e.fake.Inject(1, googlefake.Fault{Code: http.StatusBadGateway, Kinds: googlefake.Writes, Applied: true})
	e.fake.ResetCounts()
	if err := s.RepairLayout(ctx); err == nil {
		t.Fatal("RepairLayout with a lost answer returned no error")
	}
	e.wantCounts(t, "a repair whose answer was lost", counts{googlefake.Get: 1, googlefake.BatchUpdate: 1})
	next := copyBook(book)
	next.Tab(sheetstest.Deployments).Rows[0][9] = "applied 12:00:00"
	write(t, s, read(t, s), next)
	got := layoutOf(t, e)
	for tab, w := range want {
		if !equalLayout(got[tab], w) {
			t.Errorf("%s:\n got %+v\nwant %+v", tab, got[tab], w)
		}
	}
}
