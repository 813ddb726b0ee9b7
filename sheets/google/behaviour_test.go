package google_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	sheetsapi "google.golang.org/api/sheets/v4"
	clocktesting "k8s.io/utils/clock/testing"

	"github.com/sheetops/sheetops/sheets"
	"github.com/sheetops/sheetops/sheets/google"
	"github.com/sheetops/sheetops/sheets/googlefake"
	"github.com/sheetops/sheetops/sheets/sheetstest"
)

var ctx = context.Background()

// counts is the fake's request counters.
type counts map[googlefake.Kind]int

func (e *env) counts() counts { return counts(e.fake.Counts()) }

func (e *env) wantCounts(t *testing.T, what string, want counts) {
	t.Helper()
	got := e.counts()
	delete(got, googlefake.Token)
	for k, n := range want {
		if got[k] != n {
			t.Errorf("%s: %d %s requests, want %d (all: %v)", what, got[k], k, n, got)
		}
	}
	for k, n := range got {
		if _, ok := want[k]; !ok && n != 0 {
			t.Errorf("%s: %d unexpected %s requests (all: %v)", what, n, k, got)
		}
	}
}

func write(t *testing.T, s sheets.Sheet, base, next *sheets.Book) string {
	t.Helper()
	v, err := s.Write(ctx, sheetstest.Layout(), base, next)
	if err != nil {
		t.Fatalf("Write: %v", err)
	}
	return v
}

func read(t *testing.T, s sheets.Sheet) *sheets.Book {
	t.Helper()
	b, err := s.Read(ctx)
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	return b
}

func version(t *testing.T, s *google.Sheet) string {
	t.Helper()
	v, err := s.Version(ctx)
	if err != nil {
		t.Fatalf("Version: %v", err)
	}
	return v
}

// TestRequestCounts: the costs the design promises, counted at the server.
func TestRequestCounts(t *testing.T) {
	e := newEnv(t)
	s := e.open(t)
	e.wantCounts(t, "New", counts{googlefake.Get: 1})

	e.fake.ResetCounts()
	book := sheetstest.Book(50, 300)
	v := write(t, s, read(t, s), book)
	e.wantCounts(t, "first render (read, then write)", counts{googlefake.BatchGet: 2, googlefake.BatchUpdate: 1, googlefake.ValuesBatchUpdate: 1})

	// A steady state: each poll is one read, the Read after Version reuses it, nothing is written.
	e.fake.ResetCounts()
	for range 10 {
		if got := version(t, s); got != v {
			t.Fatalf("Version = %s, Write returned %s", got, v)
		}
		read(t, s)
	}
	e.wantCounts(t, "10 polls with no change", counts{googlefake.BatchGet: 10})

	// A render that changes cells: the version check and one values.batchUpdate.
	next := copyBook(book)
	next.Tab(sheetstest.Deployments).Rows[3][9] = "applied 12:00:00"
	next.Tab(sheetstest.Pods).Rows[7][3] = "Failed"
	base := read(t, s)
	e.fake.ResetCounts()
	v = write(t, s, base, next)
	e.wantCounts(t, "a render", counts{googlefake.BatchGet: 1, googlefake.ValuesBatchUpdate: 1})
	if got := version(t, s); got != v {
		t.Errorf("Version after a render = %s, Write returned %s", got, v)
	}

	// A restarted daemon checks the layout once (it is all there) and adds nothing.
	s2 := e.open(t)
	base = read(t, s2)
	next.Tab(sheetstest.Deployments).Rows[4][9] = "applied 12:00:01"
	e.fake.ResetCounts()
	write(t, s2, base, next)
	e.wantCounts(t, "first render after a restart", counts{googlefake.BatchGet: 1, googlefake.Get: 1, googlefake.ValuesBatchUpdate: 1})
}

// TestOnlyChangedCellsAreSent checks the values.batchUpdate holds the changed cells only,
// by counting what the fake stored: a cell the person typed next to a changed one survives.
func TestOnlyChangedCellsAreSent(t *testing.T) {
	e := newEnv(t)
	s := e.open(t)
	book := sheetstest.Book(5, 5)
	write(t, s, read(t, s), book)
	base := read(t, s)
	// A person types into Image after the daemon read: a whole-row write would undo it.
	if err := e.fake.SetCell(e.id, "'Deployments'!G2", "typed-after-read"); err != nil {
		t.Fatal(err)
	}
	next := copyBook(base)
	next.Tab(sheetstest.Deployments).Rows[0][9] = "applied 12:00:00"
	// The version check sees the person's save and refuses.
	if _, err := s.Write(ctx, sheetstest.Layout(), base, next); !errors.Is(err, sheets.ErrModified) {
		t.Fatalf("Write after a save = %v, want ErrModified", err)
	}
	base = read(t, s)
	next = copyBook(base)
	next.Tab(sheetstest.Deployments).Rows[0][9] = "applied 12:00:00"
	write(t, s, base, next)
	vals, err := e.fake.Values(e.id, sheetstest.Deployments)
	if err != nil {
		t.Fatal(err)
	}
	if vals[1][6] != "typed-after-read" || vals[1][9] != "applied 12:00:00" {
		t.Errorf("row = %q", vals[1])
	}
}

func TestTextStaysTextAndNumbersAreNumbers(t *testing.T) {
	e := newEnv(t)
	s := e.open(t)
	book := &sheets.Book{Tabs: []*sheets.Tab{{Name: sheetstest.Deployments, Header: slices.Clone(sheetstest.DeploymentHeader), Rows: [][]string{
		{"ns", "=1+1", "3", "+1", "007", "3", "@SUM(A1)", "-x", "", "", "uid/1"},
		{"ns", "b", "007", "", "", "", "", "", "", "", "uid/2"},
	}}}}
	write(t, s, read(t, s), book)
	for cell, want := range map[string]string{
		"'Deployments'!B2": "string", // a formula's text, in a text column
		"'Deployments'!C2": "number", // Replicas is a Number column
		"'Deployments'!D2": "string", // Ready is not
		"'Deployments'!E2": "string", // "+1" is not written as a number
		"'Deployments'!G2": "string",
		"'Deployments'!C3": "string", // "007" would read back as 7
	} {
		got, err := e.fake.CellKind(e.id, cell)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("%s holds a %s, want a %s", cell, got, want)
		}
	}
}

func TestBackoffOn429And5xx(t *testing.T) {
	for _, code := range []int{http.StatusTooManyRequests, http.StatusInternalServerError, http.StatusServiceUnavailable} {
		t.Run(http.StatusText(code), func(t *testing.T) {
			e := newEnv(t)
			var logs bytes.Buffer
			s := e.open(t, func(o *google.Options) { o.Logger = slog.New(slog.NewTextHandler(&logs, nil)) })
			base := read(t, s)
			before := metric(t, "sheetops_sheet_backoffs_total")
			// A storm: every request of the render is refused a few times first.
			e.fake.FailNext(4, code)
			v := write(t, s, base, sheetstest.Book(3, 3))
			if n := e.fake.CountCode(googlefake.BatchGet, code); n != 4 {
				t.Errorf("%d answered %d, want 4 (the storm hit the version check)", n, code)
			}
			if n := metric(t, "sheetops_sheet_backoffs_total") - before; n != 4 {
				t.Errorf("sheetops_sheet_backoffs_total grew by %v, want 4", n)
			}
			if n := strings.Count(logs.String(), "backing off"); n != 4 {
				t.Errorf("%d backoff log lines, want 4:\n%s", n, logs.String())
			}
			if strings.Contains(logs.String(), "ya29.") || strings.Contains(logs.String(), "Bearer") {
				t.Errorf("the log shows a token:\n%s", logs.String())
			}
			e.fake.FailNext(3, code)
			if got := version(t, s); got != v {
				t.Errorf("Version = %s, Write returned %s", got, v)
			}
			want := sheetstest.Book(3, 3)
			got := read(t, s)
			if !slices.Equal(got.Tab(sheetstest.Pods).Rows[2], want.Tab(sheetstest.Pods).Rows[2]) {
				t.Errorf("a value was lost in the storm: %q", got.Tab(sheetstest.Pods).Rows[2])
			}
		})
	}
}

// metric sums a counter of the backend's collectors over its labels.
func metric(t *testing.T, name string) float64 {
	t.Helper()
	reg := prometheus.NewRegistry()
	reg.MustRegister(google.Collectors()...)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	sum := 0.0
	for _, mf := range mfs {
		if mf.GetName() == name {
			for _, m := range mf.GetMetric() {
				sum += m.GetCounter().GetValue()
			}
		}
	}
	return sum
}

func TestStormLongerThanTheAttemptsFailsAndLosesNothing(t *testing.T) {
	e := newEnv(t)
	s := e.open(t, func(o *google.Options) { o.MaxAttempts = 3 })
	base := read(t, s)
	e.fake.FailNext(3, http.StatusTooManyRequests)
	if _, err := s.Write(ctx, sheetstest.Layout(), base, sheetstest.Book(2, 2)); err == nil {
		t.Fatal("Write through a storm longer than MaxAttempts succeeded")
	}
	// Nothing was written; the next try works from the same base.
	v := write(t, s, base, sheetstest.Book(2, 2))
	if got := version(t, s); got != v {
		t.Errorf("Version = %s, Write returned %s", got, v)
	}
}

func TestRateLimitWaitsForTheWindow(t *testing.T) {
	e := newEnv(t)
	clk := clocktesting.NewFakeClock(time.Now())
	s := e.open(t, func(o *google.Options) { o.Clock = clk; o.ReadsPerMinute = 3; o.WritesPerMinute = 3 })
	// New used one read; two more fit in the minute.
	version(t, s)
	clk.Step(30 * time.Second)
	version(t, s)
	done := make(chan error, 1)
	go func() { _, err := s.Version(ctx); done <- err }()
	waitFor(t, "the fourth read to wait", clk.HasWaiters)
	if n := e.fake.Count(googlefake.BatchGet) + e.fake.Count(googlefake.Get); n != 3 {
		t.Fatalf("%d reads reached the server, want 3", n)
	}
	clk.Step(29 * time.Second) // 59 s after the first read: still three in the window
	select {
	case err := <-done:
		t.Fatalf("the fourth read went through within a minute of the first (err %v)", err)
	case <-time.After(50 * time.Millisecond):
	}
	clk.Step(time.Second)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if n := e.fake.Count(googlefake.BatchGet); n != 3 {
		t.Errorf("%d batchGets, want 3", n)
	}
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestTokenRefresh(t *testing.T) {
	t.Run("service account, token refused before its expiry", func(t *testing.T) {
		e := newEnv(t)
		s := e.open(t)
		issued := e.fake.TokensIssued()
		e.fake.ExpireAccessTokens()
		version(t, s)
		if n := e.fake.TokensIssued(); n != issued+1 {
			t.Errorf("tokens issued %d, want %d", n, issued+1)
		}
		if n := e.fake.CountCode(googlefake.BatchGet, http.StatusUnauthorized); n != 1 {
			t.Errorf("%d requests answered 401, want 1", n)
		}
	})
	t.Run("authorized user, short-lived tokens", func(t *testing.T) {
		e := newEnv(t)
		id, secret := e.fake.OAuthClient()
		const person = "person@example.com"
		e.fake.Share(e.id, person, googlefake.Writer)
		file := filepath.Join(t.TempDir(), "token.json")
		if err := os.WriteFile(file, e.fake.AuthorizedUserJSON(id, secret, e.fake.RefreshToken(id, person)), 0o600); err != nil {
			t.Fatal(err)
		}
		// A token that lives one second is stale at once for the client (it refreshes ten
		// seconds early): every request needs a new one, and gets it.
		e.fake.SetTokenLifetime(time.Second)
		s := e.open(t, func(o *google.Options) { o.CredentialsFile = file })
		before := e.fake.TokensIssued()
		for range 3 {
			version(t, s)
		}
		if n := e.fake.TokensIssued() - before; n != 3 {
			t.Errorf("%d tokens issued for 3 requests with expired tokens, want 3", n)
		}
		if n := e.fake.CountCode(googlefake.BatchGet, http.StatusUnauthorized); n != 0 {
			t.Errorf("%d requests went out with an expired token", n)
		}
	})
}

func TestErrors(t *testing.T) {
	e := newEnv(t)
	dir := t.TempDir()
	writeFile := func(name, data string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	other, err := e.fake.WriteServiceAccountKey(dir, "stranger@sheetops-test.iam.gserviceaccount.com")
	if err != nil {
		t.Fatal(err)
	}
	clientID, secret := e.fake.OAuthClient()
	refresh := e.fake.RefreshToken(clientID, "person@example.com")
	e.fake.Share(e.id, "person@example.com", googlefake.Writer)
	revokedFile := writeFile("revoked.json", string(e.fake.AuthorizedUserJSON(clientID, secret, refresh)))
	e.fake.RevokeRefreshToken(refresh)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String() + "/"
	ln.Close()

	tests := []struct {
		name   string
		change func(*google.Options)
		kind   error
		key    string
		says   []string
	}{
		{"unknown ID", func(o *google.Options) { o.SpreadsheetID = "1nosuchsheet" }, google.ErrNotFound, "google.spreadsheetID", []string{"1nosuchsheet", "not found"}},
		{"not shared", func(o *google.Options) { o.CredentialsFile = other }, google.ErrPermissionDenied, "google.spreadsheetID",
			[]string{"share the sheet with stranger@sheetops-test.iam.gserviceaccount.com as Editor"}},
		{"revoked login", func(o *google.Options) { o.CredentialsFile = revokedFile }, google.ErrCredentials, "google.credentialsFile", []string{"sheetops auth login again"}},
		{"missing key file", func(o *google.Options) { o.CredentialsFile = filepath.Join(dir, "nope.json") }, google.ErrCredentials, "google.credentialsFile", []string{"cannot be read"}},
		{"not JSON", func(o *google.Options) { o.CredentialsFile = writeFile("bad.json", "{not json") }, google.ErrCredentials, "google.credentialsFile", []string{"not a JSON credentials file"}},
		{"damaged key", func(o *google.Options) {
			o.CredentialsFile = writeFile("damaged.json", `{"type":"service_account","client_email":"a@b.c","private_key":"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n","token_uri":"http://127.0.0.1:1/token"}`)
		}, google.ErrCredentials, "google.credentialsFile", []string{"private_key"}},
		{"other credential type", func(o *google.Options) { o.CredentialsFile = writeFile("ext.json", `{"type":"external_account"}`) }, google.ErrCredentials, "google.credentialsFile", []string{"external_account"}},
		{"unreachable endpoint", func(o *google.Options) { o.Endpoint = closed }, google.ErrUnreachable, "google.endpoint", []string{"unreachable"}},
		{"URL instead of ID", func(o *google.Options) {
			o.SpreadsheetID = "https://docs.google.com/spreadsheets/d/1abcDEF/edit#gid=0"
		}, nil, "google.spreadsheetID", []string{"1abcDEF"}},
		{"bad endpoint", func(o *google.Options) { o.Endpoint = "sheets.example.com" }, nil, "google.endpoint", []string{"http"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := e.options()
			tt.change(&o)
			_, err := google.New(ctx, o)
			var ge *google.Error
			if !errors.As(err, &ge) {
				t.Fatalf("New: %v (%T), want a *google.Error", err, err)
			}
			if tt.kind != nil && !errors.Is(err, tt.kind) {
				t.Errorf("error %v is not %v", err, tt.kind)
			}
			if ge.Key != tt.key {
				t.Errorf("error names %s, want %s: %v", ge.Key, tt.key, err)
			}
			msg := err.Error()
			if strings.Contains(msg, "\n") {
				t.Errorf("error is more than one line: %q", msg)
			}
			for _, s := range tt.says {
				if !strings.Contains(msg, s) {
					t.Errorf("error %q does not say %q", msg, s)
				}
			}
			if strings.Contains(msg, "PRIVATE KEY") || strings.Contains(msg, "ya29.") || strings.Contains(msg, "1//fake") {
				t.Errorf("error shows a secret: %q", msg)
			}
		})
	}

	t.Run("shared read-only", func(t *testing.T) {
		e.fake.Share(e.id, account, googlefake.Reader)
		defer e.fake.Share(e.id, account, googlefake.Writer)
		s := e.open(t)
		_, err := s.Write(ctx, sheetstest.Layout(), read(t, s), sheetstest.Book(1, 1))
		if !errors.Is(err, google.ErrPermissionDenied) || !strings.Contains(err.Error(), "cannot edit it: share the sheet with "+account+" as Editor") {
			t.Errorf("Write to a read-only sheet: %v", err)
		}
	})
}

func TestLayoutIsCreated(t *testing.T) {
	e := newEnv(t)
	s := e.open(t)
	write(t, s, read(t, s), sheetstest.Book(20, 40))
	want := layoutOf(t, e)
	dep := want[sheetstest.Deployments]
	if dep.frozen != 1 {
		t.Errorf("frozen rows %d, want 1", dep.frozen)
	}
	if !slices.Equal(dep.hidden, []int{10}) {
		t.Errorf("hidden columns %v, want the ID column (10)", dep.hidden)
	}
	if dep.ageWidth != 8*7+14 {
		t.Errorf("Age column %d pixels, want %d", dep.ageWidth, 8*7+14)
	}
	if !dep.warningOnly || !slices.Equal(dep.unprotected, []int64{2, 6, 8}) {
		t.Errorf("protection warningOnly=%v unprotected columns %v, want true and [2 6 8] (Replicas, Image, Action)", dep.warningOnly, dep.unprotected)
	}
	if dep.validation[2] != "CUSTOM_FORMULA" || dep.validation[8] != "ONE_OF_LIST" || len(dep.validation) != 2 {
		t.Errorf("validation %v, want Replicas and Action", dep.validation)
	}
	if dep.rules != 6 {
		t.Errorf("%d colour rules on Deployments, want 6", dep.rules)
	}
	if !dep.headerBold || !dep.readOnlyGrey {
		t.Errorf("header bold %v, read-only grey %v", dep.headerBold, dep.readOnlyGrey)
	}
	if sum := want[sheetstest.Summary]; len(sum.charts) != 1 || sum.charts[0] != "Pods by namespace and phase" {
		t.Errorf("Summary charts %q", sum.charts)
	}
	if !slices.Contains(e.fake.Tabs(e.id), "_sheetops") {
		t.Errorf("tabs %q lack the bookkeeping tab", e.fake.Tabs(e.id))
	}
}

func TestLayoutIsRepaired(t *testing.T) {
	e := newEnv(t)
	clk := clocktesting.NewFakeClock(time.Now())
	s := e.open(t, func(o *google.Options) { o.Clock = clk; o.RepairInterval = 5 * time.Minute })
	book := sheetstest.Book(10, 20)
	write(t, s, read(t, s), book)
	want := layoutOf(t, e)
	values, _ := e.fake.Values(e.id, sheetstest.Deployments)
	for _, tab := range []string{sheetstest.Deployments, sheetstest.Pods, sheetstest.Summary} {
		if err := e.fake.DeleteFormatting(e.id, tab); err != nil {
			t.Fatal(err)
		}
	}
	// Before the interval: polls check nothing.
	e.fake.ResetCounts()
	v := version(t, s)
	e.wantCounts(t, "a poll before the check is due", counts{googlefake.BatchGet: 1})
	clk.Step(5 * time.Minute)
	e.fake.ResetCounts()
	if got := version(t, s); got != v {
		t.Errorf("the repair changed the version: %s, was %s", got, v)
	}
	e.wantCounts(t, "a poll that repairs", counts{googlefake.BatchGet: 1, googlefake.Get: 1, googlefake.BatchUpdate: 1})
	got := layoutOf(t, e)
	for tab, w := range want {
		if !equalLayout(got[tab], w) {
			t.Errorf("%s after repair:\n got %+v\nwant %+v", tab, got[tab], w)
		}
	}
	after, _ := e.fake.Values(e.id, sheetstest.Deployments)
	if !slices.EqualFunc(after, values, slices.Equal) {
		t.Error("the repair changed values")
	}
	// All in place: the next check adds nothing.
	clk.Step(5 * time.Minute)
	e.fake.ResetCounts()
	version(t, s)
	e.wantCounts(t, "a check with nothing missing", counts{googlefake.BatchGet: 1, googlefake.Get: 1})
}

func TestRepairLayoutNow(t *testing.T) {
	e := newEnv(t)
	s := e.open(t)
	if err := s.RepairLayout(context.Background()); err != nil {
		t.Fatalf("before any write: %v", err)
	}
	write(t, s, read(t, s), sheetstest.Book(3, 5))
	want := layoutOf(t, e)
	if err := e.fake.DeleteFormatting(e.id, sheetstest.Pods); err != nil {
		t.Fatal(err)
	}
	e.fake.ResetCounts()
	if err := s.RepairLayout(context.Background()); err != nil {
		t.Fatal(err)
	}
	e.wantCounts(t, "a repair on demand", counts{googlefake.Get: 1, googlefake.BatchUpdate: 1})
	if got := layoutOf(t, e); !equalLayout(got[sheetstest.Pods], want[sheetstest.Pods]) {
		t.Errorf("Pods after repair:\n got %+v\nwant %+v", got[sheetstest.Pods], want[sheetstest.Pods])
	}
}

// tabLayout is what the tests check of a tab's presentation.
type tabLayout struct {
	frozen                   int64
	hidden                   []int
	ageWidth                 int64
	warningOnly              bool
	unprotected              []int64
	protections              int
	validation               map[int]string
	rules                    int
	headerBold, readOnlyGrey bool
	charts                   []string
}

func equalLayout(a, b tabLayout) bool {
	return a.frozen == b.frozen && slices.Equal(a.hidden, b.hidden) && a.ageWidth == b.ageWidth &&
		a.warningOnly == b.warningOnly && slices.Equal(a.unprotected, b.unprotected) && a.protections == b.protections &&
		len(a.validation) == len(b.validation) && a.rules == b.rules && a.headerBold == b.headerBold &&
		a.readOnlyGrey == b.readOnlyGrey && slices.Equal(a.charts, b.charts)
}

func layoutOf(t *testing.T, e *env) map[string]tabLayout {
	t.Helper()
	out := map[string]tabLayout{}
	for _, tab := range []string{sheetstest.Deployments, sheetstest.Pods, sheetstest.Summary} {
		sh, err := e.fake.Inspect(e.id, tab)
		if err != nil {
			t.Fatal(err)
		}
		l := tabLayout{frozen: sh.Properties.GridProperties.FrozenRowCount, validation: map[int]string{}, protections: len(sh.ProtectedRanges), rules: len(sh.ConditionalFormats)}
		d := sh.Data[0]
		for i, c := range d.ColumnMetadata {
			if c.HiddenByUser {
				l.hidden = append(l.hidden, i)
			}
		}
		if tab == sheetstest.Deployments {
			l.ageWidth = d.ColumnMetadata[7].PixelSize
		}
		for _, p := range sh.ProtectedRanges {
			l.warningOnly = p.WarningOnly
			for _, u := range p.UnprotectedRanges {
				l.unprotected = append(l.unprotected, u.StartColumnIndex)
			}
		}
		cellAt := func(r, c int) *sheetsapi.CellData {
			if r < len(d.RowData) && c < len(d.RowData[r].Values) {
				return d.RowData[r].Values[c]
			}
			return &sheetsapi.CellData{}
		}
		for c := range len(d.ColumnMetadata) {
			if v := cellAt(1, c).DataValidation; v != nil {
				l.validation[c] = v.Condition.Type
			}
		}
		if f := cellAt(0, 0).UserEnteredFormat; f != nil && f.TextFormat != nil {
			l.headerBold = f.TextFormat.Bold
		}
		if f := cellAt(1, 0).UserEnteredFormat; f != nil {
			l.readOnlyGrey = f.BackgroundColor != nil
		}
		for _, c := range sh.Charts {
			l.charts = append(l.charts, c.Spec.Title)
		}
		out[tab] = l
	}
	return out
}

func TestGridGrows(t *testing.T) {
	e := newEnv(t)
	s := e.open(t)
	write(t, s, read(t, s), sheetstest.Book(5, 10))
	big := sheetstest.Book(5, 2000)
	e.fake.ResetCounts()
	write(t, s, read(t, s), big)
	if n := e.fake.Count(googlefake.BatchUpdate); n != 1 {
		t.Errorf("%d spreadsheets.batchUpdate for a grown tab, want 1", n)
	}
	got := read(t, s)
	if n := len(got.Tab(sheetstest.Pods).Rows); n != 2000 {
		t.Fatalf("%d pod rows, want 2000", n)
	}
	// The new rows got the validation of editable cells too.
	sh, err := e.fake.Inspect(e.id, sheetstest.Pods)
	if err != nil {
		t.Fatal(err)
	}
	last := sh.Data[0].RowData[2000].Values[9]
	if last.DataValidation == nil {
		t.Error("the last new row's Action cell has no validation")
	}
}

func TestTabDeletedByAPerson(t *testing.T) {
	e := newEnv(t)
	s := e.open(t)
	book := sheetstest.Book(3, 3)
	write(t, s, read(t, s), book)
	if err := e.fake.Edit(e.id, func(b *sheets.Book) {
		b.Tabs = slices.DeleteFunc(b.Tabs, func(t *sheets.Tab) bool { return t.Name == sheetstest.Pods })
	}); err != nil {
		t.Fatal(err)
	}
	got := read(t, s)
	if got.Tab(sheetstest.Pods) != nil || got.Tab(sheetstest.Deployments) == nil {
		t.Fatalf("tabs after the delete: %v", got.Tabs)
	}
	// The next render brings it back.
	write(t, s, got, book)
	if got := read(t, s); got.Tab(sheetstest.Pods) == nil || len(got.Tab(sheetstest.Pods).Rows) != 3 {
		t.Fatalf("Pods not restored: %+v", got.Tab(sheetstest.Pods))
	}
}

func copyBook(b *sheets.Book) *sheets.Book {
	c := &sheets.Book{Version: b.Version}
	for _, t := range b.Tabs {
		n := &sheets.Tab{Name: t.Name, Header: slices.Clone(t.Header)}
		for _, r := range t.Rows {
			n.Rows = append(n.Rows, slices.Clone(r))
		}
		c.Tabs = append(c.Tabs, n)
	}
	return c
}
