package googlefake_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"

	"golang.org/x/oauth2"
	googleoauth "golang.org/x/oauth2/google"
	"google.golang.org/api/googleapi"
	"google.golang.org/api/option"
	sheetsapi "google.golang.org/api/sheets/v4"

	"github.com/sheetops/sheetops/sheets"
	"github.com/sheetops/sheetops/sheets/googlefake"
)

var ctx = context.Background()

// anonymous is a real sheets/v4 client talking to the fake without credentials.
func anonymous(t *testing.T) (*googlefake.Server, *sheetsapi.Service, string) {
	t.Helper()
	f := googlefake.Start(t)
	f.AllowUnauthenticated()
	svc, err := sheetsapi.NewService(ctx, option.WithEndpoint(f.URL()), option.WithoutAuthentication())
	if err != nil {
		t.Fatal(err)
	}
	return f, svc, f.CreateSpreadsheet("test")
}

func apiError(t *testing.T, err error, code int, status string) *googleapi.Error {
	t.Helper()
	var ge *googleapi.Error
	if !errors.As(err, &ge) {
		t.Fatalf("err = %v, want a googleapi.Error %d", err, code)
	}
	if ge.Code != code || !strings.Contains(ge.Body, `"status": "`+status+`"`) && !strings.Contains(ge.Body, `"status":"`+status+`"`) {
		t.Fatalf("error %d %s, want %d %s", ge.Code, ge.Body, code, status)
	}
	return ge
}

func TestValues(t *testing.T) {
	f, svc, id := anonymous(t)
	_, err := svc.Spreadsheets.Values.BatchUpdate(id, &sheetsapi.BatchUpdateValuesRequest{
		ValueInputOption: "RAW",
		Data: []*sheetsapi.ValueRange{
			{Range: "Sheet1!A1:C2", Values: [][]any{{"=1+1", 3, "x"}, {"", true, ""}}},
			{Range: "'Sheet1'!A4", Values: [][]any{{"after a blank row"}}},
		},
	}).Do()
	if err != nil {
		t.Fatal(err)
	}
	_, err = svc.Spreadsheets.Values.BatchUpdate(id, &sheetsapi.BatchUpdateValuesRequest{
		ValueInputOption: "USER_ENTERED",
		Data:             []*sheetsapi.ValueRange{{Range: "Sheet1!D1:F1", Values: [][]any{{"=1+1", "2.50", "'007"}}}},
	}).Do()
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]string{"A1": "string", "B1": "number", "D1": "formula", "E1": "number", "F1": "string", "A2": "empty", "B2": "bool"}
	for cell, want := range kinds {
		if got, _ := f.CellKind(id, "Sheet1!"+cell); got != want {
			t.Errorf("%s holds a %s, want %s", cell, got, want)
		}
	}
	for _, tt := range []struct {
		render string
		want   string
	}{
		{"FORMATTED_VALUE", `[["=1+1","3","x","#NAME?","2.5","007"],["","TRUE"],[],["after a blank row"]]`},
		{"UNFORMATTED_VALUE", `[["=1+1",3,"x","#NAME?",2.5,"007"],["",true],[],["after a blank row"]]`},
		{"FORMULA", `[["=1+1",3,"x","=1+1",2.5,"007"],["",true],[],["after a blank row"]]`},
	} {
		for _, rg := range []string{"Sheet1", "'Sheet1'", "Sheet1!A:Z", "'Sheet1'!A1:F10", "A1:Z1000"} {
			call := svc.Spreadsheets.Values.BatchGet(id).Ranges(rg)
			if tt.render != "FORMATTED_VALUE" {
				call = call.ValueRenderOption(tt.render)
			}
			resp, err := call.Do()
			if err != nil {
				t.Fatalf("%s %s: %v", tt.render, rg, err)
			}
			got, _ := json.Marshal(resp.ValueRanges[0].Values)
			if string(got) != tt.want {
				t.Errorf("%s %s:\n got %s\nwant %s", tt.render, rg, got, tt.want)
			}
		}
	}
	resp, err := svc.Spreadsheets.Values.BatchGet(id).Ranges("Sheet1").Do()
	if err != nil {
		t.Fatal(err)
	}
	if r := resp.ValueRanges[0].Range; r != "Sheet1!A1:Z1000" {
		t.Errorf("range = %s, want Sheet1!A1:Z1000", r)
	}
	_, err = svc.Spreadsheets.Values.BatchGet(id).Ranges("'Nope'!A1").Do()
	apiError(t, err, 400, "INVALID_ARGUMENT")
}

func TestGridLimits(t *testing.T) {
	_, svc, id := anonymous(t)
	for rg, vals := range map[string][][]any{
		"Sheet1!A1000:A1001": {{"a"}, {"b"}},
		"Sheet1!Z1:AA1":      {{"a", "b"}},
		"Sheet1!A1001":       {{"a"}},
		"Sheet1!A999":        {{"a"}, {"b"}, {"c"}}, // a single cell is where the values start
	} {
		_, err := svc.Spreadsheets.Values.BatchUpdate(id, &sheetsapi.BatchUpdateValuesRequest{
			ValueInputOption: "RAW",
			Data:             []*sheetsapi.ValueRange{{Range: rg, Values: vals}},
		}).Do()
		ge := apiError(t, err, 400, "INVALID_ARGUMENT")
		if !strings.Contains(ge.Message, "exceeds grid limits. Max rows: 1000, max columns: 26") {
			t.Errorf("%s: %s", rg, ge.Message)
		}
	}
	// Grown, it fits.
	sp, _ := svc.Spreadsheets.Get(id).Do()
	_, err := svc.Spreadsheets.BatchUpdate(id, &sheetsapi.BatchUpdateSpreadsheetRequest{Requests: []*sheetsapi.Request{
		{AppendDimension: &sheetsapi.AppendDimensionRequest{SheetId: sp.Sheets[0].Properties.SheetId, Dimension: "ROWS", Length: 1}},
	}}).Do()
	if err != nil {
		t.Fatal(err)
	}
	_, err = svc.Spreadsheets.Values.BatchUpdate(id, &sheetsapi.BatchUpdateValuesRequest{
		ValueInputOption: "RAW", Data: []*sheetsapi.ValueRange{{Range: "Sheet1!A1001", Values: [][]any{{"fits"}}}},
	}).Do()
	if err != nil {
		t.Fatal(err)
	}
}

func TestBatchUpdate(t *testing.T) {
	f, svc, id := anonymous(t)
	// All or nothing: the addSheet before a bad request is not kept.
	_, err := svc.Spreadsheets.BatchUpdate(id, &sheetsapi.BatchUpdateSpreadsheetRequest{Requests: []*sheetsapi.Request{
		{AddSheet: &sheetsapi.AddSheetRequest{Properties: &sheetsapi.SheetProperties{Title: "Pods"}}},
		{SortRange: &sheetsapi.SortRangeRequest{Range: &sheetsapi.GridRange{}}},
	}}).Do()
	ge := apiError(t, err, 400, "INVALID_ARGUMENT")
	if !strings.Contains(ge.Message, "requests[1].sortRange") {
		t.Errorf("message %q does not name the request", ge.Message)
	}
	if tabs := f.Tabs(id); len(tabs) != 1 {
		t.Fatalf("tabs after a failed batch: %q", tabs)
	}
	resp, err := svc.Spreadsheets.BatchUpdate(id, &sheetsapi.BatchUpdateSpreadsheetRequest{Requests: []*sheetsapi.Request{
		{AddSheet: &sheetsapi.AddSheetRequest{Properties: &sheetsapi.SheetProperties{SheetId: 42, Title: "Pods", GridProperties: &sheetsapi.GridProperties{RowCount: 10, ColumnCount: 3, FrozenRowCount: 1}}}},
		{AddProtectedRange: &sheetsapi.AddProtectedRangeRequest{ProtectedRange: &sheetsapi.ProtectedRange{Range: &sheetsapi.GridRange{SheetId: 42}, WarningOnly: true, Description: "d"}}},
		{SetDataValidation: &sheetsapi.SetDataValidationRequest{Range: &sheetsapi.GridRange{SheetId: 42, StartRowIndex: 1, StartColumnIndex: 1, EndColumnIndex: 2},
			Rule: &sheetsapi.DataValidationRule{Condition: &sheetsapi.BooleanCondition{Type: "ONE_OF_LIST", Values: []*sheetsapi.ConditionValue{{UserEnteredValue: "delete"}}}}}},
		{UpdateDimensionProperties: &sheetsapi.UpdateDimensionPropertiesRequest{Range: &sheetsapi.DimensionRange{SheetId: 42, Dimension: "COLUMNS", StartIndex: 2, EndIndex: 3},
			Properties: &sheetsapi.DimensionProperties{HiddenByUser: true}, Fields: "hiddenByUser"}},
		{AddSheet: &sheetsapi.AddSheetRequest{Properties: &sheetsapi.SheetProperties{Title: "Pods"}}},
	}}).Do()
	if err == nil {
		t.Fatalf("a duplicate title was accepted: %+v", resp)
	}
	if tabs := f.Tabs(id); len(tabs) != 1 {
		t.Fatalf("tabs after a failed batch: %q", tabs)
	}
	resp, err = svc.Spreadsheets.BatchUpdate(id, &sheetsapi.BatchUpdateSpreadsheetRequest{Requests: []*sheetsapi.Request{
		{AddSheet: &sheetsapi.AddSheetRequest{Properties: &sheetsapi.SheetProperties{SheetId: 42, Title: "Pods", GridProperties: &sheetsapi.GridProperties{RowCount: 10, ColumnCount: 3, FrozenRowCount: 1}}}},
		{AddProtectedRange: &sheetsapi.AddProtectedRangeRequest{ProtectedRange: &sheetsapi.ProtectedRange{Range: &sheetsapi.GridRange{SheetId: 42}, WarningOnly: true, Description: "d"}}},
		{SetDataValidation: &sheetsapi.SetDataValidationRequest{Range: &sheetsapi.GridRange{SheetId: 42, StartRowIndex: 1, StartColumnIndex: 1, EndColumnIndex: 2},
			Rule: &sheetsapi.DataValidationRule{Condition: &sheetsapi.BooleanCondition{Type: "ONE_OF_LIST", Values: []*sheetsapi.ConditionValue{{UserEnteredValue: "delete"}}}}}},
		{UpdateDimensionProperties: &sheetsapi.UpdateDimensionPropertiesRequest{Range: &sheetsapi.DimensionRange{SheetId: 42, Dimension: "COLUMNS", StartIndex: 2, EndIndex: 3},
			Properties: &sheetsapi.DimensionProperties{HiddenByUser: true}, Fields: "hiddenByUser"}},
	}}).Do()
	if err != nil {
		t.Fatal(err)
	}
	pid := resp.Replies[1].AddProtectedRange.ProtectedRange.ProtectedRangeId
	if pid == 0 {
		t.Fatal("no protected range ID in the reply")
	}
	sh, err := f.Inspect(id, "Pods")
	if err != nil {
		t.Fatal(err)
	}
	if sh.Properties.GridProperties.RowCount != 10 || sh.Properties.GridProperties.FrozenRowCount != 1 || len(sh.ProtectedRanges) != 1 ||
		!sh.Data[0].ColumnMetadata[2].HiddenByUser || sh.Data[0].RowData[9].Values[1].DataValidation == nil {
		t.Errorf("Pods = %+v", sh)
	}
	// fields selects what comes back.
	sp, err := svc.Spreadsheets.Get(id).Fields("sheets.properties(title)").Do()
	if err != nil {
		t.Fatal(err)
	}
	if len(sp.Sheets) != 2 || sp.Sheets[1].Properties.Title != "Pods" || sp.Sheets[1].Properties.SheetId != 0 || sp.Sheets[1].ProtectedRanges != nil || sp.SpreadsheetId != "" {
		t.Errorf("filtered get = %+v %+v", sp, sp.Sheets[1].Properties)
	}
	_, err = svc.Spreadsheets.BatchUpdate(id, &sheetsapi.BatchUpdateSpreadsheetRequest{Requests: []*sheetsapi.Request{
		{DeleteProtectedRange: &sheetsapi.DeleteProtectedRangeRequest{ProtectedRangeId: pid}},
	}}).Do()
	if err != nil {
		t.Fatal(err)
	}
	if sh, _ := f.Inspect(id, "Pods"); len(sh.ProtectedRanges) != 0 {
		t.Error("protected range not deleted")
	}
}

func TestNotFoundAndFaults(t *testing.T) {
	f, svc, id := anonymous(t)
	_, err := svc.Spreadsheets.Get("nope").Do()
	apiError(t, err, 404, "NOT_FOUND")
	f.FailNext(2, http.StatusTooManyRequests)
	_, err = svc.Spreadsheets.Get(id).Do()
	apiError(t, err, 429, "RESOURCE_EXHAUSTED")
	_, err = svc.Spreadsheets.Values.BatchGet(id).Ranges("Sheet1").Do()
	apiError(t, err, 429, "RESOURCE_EXHAUSTED")
	if _, err := svc.Spreadsheets.Get(id).Do(); err != nil {
		t.Fatal(err)
	}
	if n := f.CountCode(googlefake.Get, 429); n != 1 {
		t.Errorf("counted %d 429s of spreadsheets.get, want 1", n)
	}
	if n := f.Count(googlefake.Get); n != 3 {
		t.Errorf("counted %d spreadsheets.get, want 3", n)
	}
}

// TestFaultsOnWrites: faults aimed at writes leave reads alone, a person's edit in OnFault
// lands before the client sees the failure, and an Applied fault makes the change.
func TestFaultsOnWrites(t *testing.T) {
	f, svc, id := anonymous(t)
	write := func(cell, v string) error {
		_, err := svc.Spreadsheets.Values.BatchUpdate(id, &sheetsapi.BatchUpdateValuesRequest{
			ValueInputOption: "RAW", Data: []*sheetsapi.ValueRange{{Range: "Sheet1!" + cell, Values: [][]any{{v}}}},
		}).Do()
		return err
	}
	f.Inject(1, googlefake.Fault{Code: http.StatusServiceUnavailable, Kinds: googlefake.Writes})
	f.Inject(1, googlefake.Fault{Code: http.StatusBadGateway, Kinds: googlefake.Writes, Applied: true})
	var seen []string
	f.OnFault(func(k googlefake.Kind, code int) {
		seen = append(seen, fmt.Sprintf("%s %d", k, code))
		if len(seen) == 1 {
			if err := f.SetCell(id, "Sheet1!B1", "typed"); err != nil {
				t.Error(err)
			}
		}
	})
	if _, err := svc.Spreadsheets.Values.BatchGet(id).Ranges("Sheet1").Do(); err != nil {
		t.Fatalf("a read hit a fault aimed at writes: %v", err)
	}
	apiError(t, write("A1", "refused"), 503, "UNAVAILABLE")
	if got, _ := f.Values(id, "Sheet1"); len(got) != 1 || got[0][0] != "" || got[0][1] != "typed" {
		t.Errorf("after the refused write and the person's edit: %q", got)
	}
	apiError(t, write("A1", "applied"), 502, "UNKNOWN")
	if got, _ := f.Values(id, "Sheet1"); len(got) != 1 || got[0][0] != "applied" {
		t.Errorf("an Applied fault did not make the change: %q", got)
	}
	if err := write("C1", "ok"); err != nil {
		t.Fatal(err)
	}
	if want := []string{"values.batchUpdate 503", "values.batchUpdate 502"}; !slices.Equal(seen, want) {
		t.Errorf("OnFault saw %q, want %q", seen, want)
	}
	if n := f.Faults(); n != 0 {
		t.Errorf("%d faults left", n)
	}
}

// TestCellLimit: like Google, a change that would take the spreadsheet past 10,000,000
// cells is refused with a 400 naming the request; the batch is not applied.
func TestCellLimit(t *testing.T) {
	f, svc, id := anonymous(t)
	sp, err := svc.Spreadsheets.Get(id).Do()
	if err != nil {
		t.Fatal(err)
	}
	sheet1 := sp.Sheets[0].Properties.SheetId // 1,000 × 26 = 26,000 cells
	const want = "This action would increase the number of cells in the workbook above the limit of 10000000 cells."
	for _, tt := range []struct {
		name, prefix string
		reqs         []*sheetsapi.Request
	}{
		{"grow a tab", "Invalid requests[0].updateSheetProperties: ", []*sheetsapi.Request{{UpdateSheetProperties: &sheetsapi.UpdateSheetPropertiesRequest{
			Properties: &sheetsapi.SheetProperties{SheetId: sheet1, GridProperties: &sheetsapi.GridProperties{RowCount: 400_000, ColumnCount: 26}},
			Fields:     "gridProperties(rowCount,columnCount)",
		}}}},
		{"add a tab", "Invalid requests[1].addSheet: ", []*sheetsapi.Request{
			{AddSheet: &sheetsapi.AddSheetRequest{Properties: &sheetsapi.SheetProperties{Title: "small"}}},
			{AddSheet: &sheetsapi.AddSheetRequest{Properties: &sheetsapi.SheetProperties{Title: "Pods", GridProperties: &sheetsapi.GridProperties{RowCount: 1_000_000, ColumnCount: 10}}}},
		}},
		{"append rows", "Invalid requests[0].appendDimension: ", []*sheetsapi.Request{
			{AppendDimension: &sheetsapi.AppendDimensionRequest{SheetId: sheet1, Dimension: "ROWS", Length: 384_000}},
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := svc.Spreadsheets.BatchUpdate(id, &sheetsapi.BatchUpdateSpreadsheetRequest{Requests: tt.reqs}).Do()
			ge := apiError(t, err, 400, "INVALID_ARGUMENT")
			if ge.Message != tt.prefix+want {
				t.Errorf("message %q, want %q", ge.Message, tt.prefix+want)
			}
			if tabs := f.Tabs(id); len(tabs) != 1 {
				t.Errorf("tabs after a refused batch: %q", tabs)
			}
		})
	}
	// Up to the limit exactly is allowed; one row more is not, nor a person's tab.
	_, err = svc.Spreadsheets.BatchUpdate(id, &sheetsapi.BatchUpdateSpreadsheetRequest{Requests: []*sheetsapi.Request{
		{AddSheet: &sheetsapi.AddSheetRequest{Properties: &sheetsapi.SheetProperties{SheetId: 7, Title: "Pods", GridProperties: &sheetsapi.GridProperties{RowCount: 997_400, ColumnCount: 10}}}},
	}}).Do()
	if err != nil {
		t.Fatalf("a spreadsheet of 10,000,000 cells: %v", err)
	}
	_, err = svc.Spreadsheets.BatchUpdate(id, &sheetsapi.BatchUpdateSpreadsheetRequest{Requests: []*sheetsapi.Request{
		{AppendDimension: &sheetsapi.AppendDimensionRequest{SheetId: 7, Dimension: "ROWS", Length: 1}},
	}}).Do()
	apiError(t, err, 400, "INVALID_ARGUMENT")
	if err := f.AddTab(id, "Archive", 1, 1); err == nil {
		t.Error("AddTab past the limit was accepted")
	}
	if err := f.AddTab(id, "Sheet1", 1, 1); err == nil {
		t.Error("AddTab with a title in use was accepted")
	}
}

// TestReceivedAndAfter: the fake logs each request's size and answer; a fault with After
// lets requests through first.
func TestReceivedAndAfter(t *testing.T) {
	f, svc, id := anonymous(t)
	f.Inject(1, googlefake.Fault{Code: http.StatusServiceUnavailable, Kinds: []googlefake.Kind{googlefake.ValuesBatchUpdate}, After: 1})
	req := &sheetsapi.BatchUpdateValuesRequest{ValueInputOption: "RAW", Data: []*sheetsapi.ValueRange{{Range: "Sheet1!A1", Values: [][]any{{"x"}}}}}
	body, _ := json.Marshal(req)
	for i, code := range []int{200, 503, 200} {
		_, err := svc.Spreadsheets.Values.BatchUpdate(id, req).Do()
		if (err == nil) != (code == 200) {
			t.Errorf("write %d: %v, want %d", i, err, code)
		}
		if _, err := svc.Spreadsheets.Values.BatchGet(id).Ranges("Sheet1").Do(); err != nil {
			t.Fatal(err)
		}
	}
	got := f.Received()
	if len(got) != 6 {
		t.Fatalf("received %+v, want 6 requests", got)
	}
	for i, r := range got {
		want := googlefake.Request{Kind: googlefake.BatchGet, Code: 200}
		if i%2 == 0 {
			want = googlefake.Request{Kind: googlefake.ValuesBatchUpdate, Code: []int{200, 503, 200}[i/2], Bytes: len(body) + 1}
		}
		if r != want {
			t.Errorf("request %d = %+v, want %+v", i, r, want)
		}
	}
	f.ResetCounts()
	if got := f.Received(); len(got) != 0 {
		t.Errorf("after ResetCounts: %+v", got)
	}
}

func TestEditAsAPerson(t *testing.T) {
	f, svc, id := anonymous(t)
	err := f.Edit(id, func(b *sheets.Book) {
		b.Tabs = append(b.Tabs, &sheets.Tab{Name: "Deployments", Header: []string{"Name", "Replicas"}, Rows: [][]string{{"web", "5"}, {"api", "=1+1"}}})
	})
	if err != nil {
		t.Fatal(err)
	}
	if k, _ := f.CellKind(id, "Deployments!B2"); k != "number" {
		t.Errorf("typed 5 is a %s", k)
	}
	if k, _ := f.CellKind(id, "Deployments!B3"); k != "string" {
		t.Errorf("Edit's =1+1 is a %s, want text", k)
	}
	if err := f.SetCell(id, "Deployments!B3", "=1+1"); err != nil {
		t.Fatal(err)
	}
	if k, _ := f.CellKind(id, "Deployments!B3"); k != "formula" {
		t.Errorf("SetCell's =1+1 is a %s, want a formula", k)
	}
	err = f.Edit(id, func(b *sheets.Book) {
		d := b.Tab("Deployments")
		d.Rows = d.Rows[:1]
	})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := svc.Spreadsheets.Values.BatchGet(id).Ranges("Deployments").Do()
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := json.Marshal(resp.ValueRanges[0].Values); string(got) != `[["Name","Replicas"],["web","5"]]` {
		t.Errorf("after removing a row: %s", got)
	}
}

func TestAuth(t *testing.T) {
	f := googlefake.Start(t)
	id := f.CreateSpreadsheet("auth")
	dir := t.TempDir()
	const sa = "robot@test.iam.gserviceaccount.com"
	keyFile, err := f.WriteServiceAccountKey(dir, sa)
	if err != nil {
		t.Fatal(err)
	}
	key, _ := os.ReadFile(keyFile)
	cfg, err := googleoauth.JWTConfigFromJSON(key, googlefake.Scope)
	if err != nil {
		t.Fatal(err)
	}
	service := func(ts oauth2.TokenSource) *sheetsapi.Service {
		svc, err := sheetsapi.NewService(ctx, option.WithEndpoint(f.URL()), option.WithTokenSource(ts))
		if err != nil {
			t.Fatal(err)
		}
		return svc
	}
	svc := service(cfg.TokenSource(ctx))
	_, err = svc.Spreadsheets.Get(id).Do()
	apiError(t, err, 403, "PERMISSION_DENIED") // not shared yet
	f.Share(id, sa, googlefake.Reader)
	if _, err := svc.Spreadsheets.Get(id).Do(); err != nil {
		t.Fatalf("shared as reader, get: %v", err)
	}
	_, err = svc.Spreadsheets.Values.BatchUpdate(id, &sheetsapi.BatchUpdateValuesRequest{ValueInputOption: "RAW",
		Data: []*sheetsapi.ValueRange{{Range: "A1", Values: [][]any{{"x"}}}}}).Do()
	apiError(t, err, 403, "PERMISSION_DENIED")

	// A JWT signed by another key is refused at the token endpoint.
	otherFile, _ := f.WriteServiceAccountKey(dir, "other@test.iam.gserviceaccount.com")
	other, _ := os.ReadFile(otherFile)
	forged, _ := googleoauth.JWTConfigFromJSON(other, googlefake.Scope)
	forged.Email = sa
	_, err = forged.TokenSource(ctx).Token()
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) || re.Response.StatusCode != 400 || !strings.Contains(string(re.Body), `"invalid_grant"`) {
		t.Errorf("forged JWT: %v", err)
	}

	// Expired access tokens are refused with 401.
	f.ExpireAccessTokens()
	_, err = svc.Spreadsheets.Get(id).Do()
	apiError(t, err, 401, "UNAUTHENTICATED")

	// No token at all.
	bare, _ := sheetsapi.NewService(ctx, option.WithEndpoint(f.URL()), option.WithoutAuthentication())
	_, err = bare.Spreadsheets.Get(id).Do()
	apiError(t, err, 401, "UNAUTHENTICATED")

	// A person's refresh token works until it is revoked.
	clientID, secret := f.OAuthClient()
	f.Share(id, "person@example.com", googlefake.Writer)
	rt := f.RefreshToken(clientID, "person@example.com")
	user := &oauth2.Config{ClientID: clientID, ClientSecret: secret, Endpoint: oauth2.Endpoint{TokenURL: f.TokenURL()}}
	if _, err := service(user.TokenSource(ctx, &oauth2.Token{RefreshToken: rt})).Spreadsheets.Get(id).Do(); err != nil {
		t.Fatalf("refresh token: %v", err)
	}
	f.RevokeRefreshToken(rt)
	_, err = user.TokenSource(ctx, &oauth2.Token{RefreshToken: rt}).Token()
	if !errors.As(err, &re) || re.ErrorCode != "invalid_grant" {
		t.Errorf("revoked refresh token: %v", err)
	}
}

func TestAuthorizationCodeFlow(t *testing.T) {
	f := googlefake.Start(t)
	clientID, secret := f.OAuthClient()
	f.SetConsentUser("someone@example.com")
	cfg, err := googleoauth.ConfigFromJSON(f.ClientSecretJSON(clientID, secret), googlefake.Scope)
	if err != nil {
		t.Fatal(err)
	}
	redirect := make(chan *url.URL, 1)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { redirect <- r.URL; io.WriteString(w, "ok") })}
	ln, err := listen()
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	defer srv.Close()
	cfg.RedirectURL = "http://" + ln.Addr().String() + "/callback"
	verifier := oauth2.GenerateVerifier()
	resp, err := http.Get(cfg.AuthCodeURL("st4te", oauth2.S256ChallengeOption(verifier)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	u := <-redirect
	if u.Query().Get("state") != "st4te" {
		t.Fatalf("redirect %s lacks the state", u)
	}
	if _, err := cfg.Exchange(ctx, u.Query().Get("code"), oauth2.VerifierOption("wrong")); err == nil {
		t.Fatal("exchange with a wrong PKCE verifier succeeded")
	}
	// A code is good once, so ask again.
	resp, _ = http.Get(cfg.AuthCodeURL("st4te", oauth2.S256ChallengeOption(verifier)))
	resp.Body.Close()
	u = <-redirect
	tok, err := cfg.Exchange(ctx, u.Query().Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	if tok.RefreshToken == "" || len(f.RefreshTokens("someone@example.com")) != 1 {
		t.Errorf("token %+v, refresh tokens %v", tok, f.RefreshTokens("someone@example.com"))
	}
}
