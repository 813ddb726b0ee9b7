// Package google is the Google Sheets backend: sheets.Sheet on the Sheets API v4
// (google.golang.org/api/sheets/v4), authenticated with golang.org/x/oauth2 by a
// service-account key, an authorized_user file (sheetops auth login) or Application Default
// Credentials.
//
// Costs: Version reads every tab with one values.batchGet and hashes the values into the
// version; the Read that follows it reuses that read, so a poll that finds nothing new costs
// exactly one read. Write reads once more to check the version (the API has no conditional
// write: the check narrows the race with a person's typing to the moment between that read
// and the write), then sends the spreadsheets.batchUpdate requests (new tabs, grid growth,
// layout) and the values.batchUpdate requests holding only the cells that change, as RAW
// values, so text is never parsed as a formula. A hidden tab, _sheetops, holds a write ID
// that every Write changes, so the version moves on each Write.
//
// Large writes: Google advises keeping a request under 2 MB. Write measures the JSON each
// request will carry and cuts its values (between rows) and its spreadsheets.batchUpdate
// requests into requests of at most 1.9 MB, sent one after another in order after the one
// check-read; the write ID goes in the last. A render that changes a few cells is one
// request of each kind, as before. A first render of 100,000 rows × 11 columns is 14.5 MB
// of values: 8 values.batchUpdate and 1 spreadsheets.batchUpdate, 9 of the 60 writes a
// minute allows, so the rate limit adds no wait (the time is Google's, taking 14.5 MB;
// the client's share is about 0.4 s). A spreadsheet at the cell limit (10 M cells, about
// 130 MB) needs about 70 requests: the limit holds the last ten or so until the minute
// has passed, about a minute more. Meanwhile a person's typing into a cell a later request
// changes is overwritten, as in the moment between any check-read and its write; a first
// render writes new tabs, where nobody has typed.
//
// Cell limit: Google refuses a spreadsheet of more than 10,000,000 cells (MaxCells), the
// rows × columns of every tab's grid, the tabs SheetOps does not write included. Before
// sending anything Write adds up the grids after the write, with room for a quarter more
// rows in the tabs it grows (rowsFor); if that passes the limit it grows them to just
// the rows they need, and if even that passes it writes nothing and returns a
// *CellLimitError (errors.Is ErrCellLimit) naming the limit, the cells needed, the
// largest tabs and the settings to change. If Google refuses anyway (a tab added or grown
// since Write last listed the tabs), Write lists them again and plans again once.
//
// Layout: the first Write of the process checks each tab's presentation (one
// spreadsheets.get) and adds what is missing: the frozen header, hidden identity columns,
// widths, grey read-only cells protected with a warning, data validation on editable cells,
// status colours and the summary's chart. Every RepairInterval, Version checks again and
// restores what someone removed, without touching values.
//
// Limits: requests wait so that no 60 seconds hold more than ReadsPerMinute reads or
// WritesPerMinute writes; failures are retried with exponential backoff and jitter, logged
// once per backoff and counted in the metrics of Collectors. Errors a setting explains
// (wrong ID, not shared, revoked login, bad key file, unreachable endpoint) are *Error
// values naming the setting and the fix.
//
// Retries: a read (values.batchGet, spreadsheets.get) that gets a 429, a 5xx or no answer
// is sent again by the HTTP transport. A write (values.batchUpdate,
// spreadsheets.batchUpdate) never is: it was planned from a read that is stale once a
// backoff has passed (a person may have typed into a cell it changes) and it may even have
// been applied with only its answer lost. Write itself handles a failed write, whether the
// first of its requests failed or a later one after some landed: it backs off, reads again
// and compares the version with base's and with the versions its own requests before the
// failed one leave (with and without the failed one). Another version: it returns
// sheets.ErrModified, so the engine reads, merges and decides again — the person's value
// stays and a conflict is reported, never overwritten. One of those: it plans again from
// the fresh read and sends only what still differs (the parts that landed no longer do).
// The read finds exactly what the whole write meant to leave: it was applied, and Write
// returns its version without sending anything again. A spreadsheets.batchUpdate of ours
// that failed counts as possibly applied: the tab list is read again (one
// spreadsheets.get) and the layout checked before the next plan, so no tab is added twice
// and no layout doubled, and its empty new tabs alone do not count as someone's save. A
// layout repair whose batchUpdate fails is not sent again either: the next Write checks
// the layout of its tabs afresh. After MaxAttempts sends (3 after network failures) Write
// returns the error; the engine tries again on its next poll, reading first. A 401 is
// refused before anything is done, so any request is sent once more with a fresh token.
// None of this costs a request when nothing fails.
//
// A Sheet is safe for concurrent use; the sync engine calls it from one goroutine.
package google
