package google_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/sheetops/sheetops/sheets"
	"github.com/sheetops/sheetops/sheets/google"
	"github.com/sheetops/sheetops/sheets/googlefake"
	"github.com/sheetops/sheetops/sheets/sheetstest"
)

var discard = slog.New(slog.NewTextHandler(io.Discard, nil))

// env is a fake Google with one spreadsheet shared with one service account, whose key
// file is on disk: the backend authenticates with the real JWT flow against the fake.
type env struct {
	fake    *googlefake.Server
	id      string
	keyFile string
	account string
}

const account = "sheetops@sheetops-test.iam.gserviceaccount.com"

func newEnv(t testing.TB) *env {
	t.Helper()
	f := googlefake.Start(t)
	key, err := f.WriteServiceAccountKey(t.TempDir(), account)
	if err != nil {
		t.Fatal(err)
	}
	id := f.CreateSpreadsheet("SheetOps test")
	f.Share(id, account, googlefake.Writer)
	return &env{fake: f, id: id, keyFile: key, account: account}
}

func (e *env) options() google.Options {
	return google.Options{
		SpreadsheetID: e.id, CredentialsFile: e.keyFile, Endpoint: e.fake.URL(),
		Logger: discard, Backoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond,
		ReadsPerMinute: 100000, WritesPerMinute: 100000,
	}
}

func (e *env) open(t testing.TB, change ...func(*google.Options)) *google.Sheet {
	t.Helper()
	o := e.options()
	for _, c := range change {
		c(&o)
	}
	s, err := google.New(context.Background(), o)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return s
}

func TestContract(t *testing.T) {
	sheetstest.Run(t, func(t *testing.T) sheetstest.Backend {
		e := newEnv(t)
		return sheetstest.Backend{
			Sheet: e.open(t),
			Edit: func(t *testing.T, fn func(b *sheets.Book)) {
				t.Helper()
				if err := e.fake.Edit(e.id, fn); err != nil {
					t.Fatal(err)
				}
			},
		}
	})
}
