// Package google is the Google Sheets backend: sheets.Sheet on the Sheets API v4
// (google.golang.org/api/sheets/v4), authenticated with golang.org/x/oauth2 by a
// service-account key, an authorized_user file (sheetops auth login) or Application Default
// Credentials.
//
// Costs: Version reads every tab with one values.batchGet and hashes the values into the
// version; the Read that follows it reuses that read, so a poll that finds nothing new costs
// exactly one read. Write reads once more to check the version (the API has no conditional
// write: the check narrows the race with a person's typing to the moment between that read
// and the write), then sends at most one spreadsheets.batchUpdate (new tabs, grid growth,
// layout) and one values.batchUpdate holding only the cells that change, as RAW values, so
// text is never parsed as a formula. A hidden tab, _sheetops, holds a write ID that every
// Write changes, so the version moves on each Write.
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
// been applied with only its answer lost. Write itself handles a failed write: it backs off,
// reads again and compares the version with base's. Changed: it returns
// sheets.ErrModified, so the engine reads, merges and decides again — the person's value
// stays and a conflict is reported, never overwritten. Unchanged: it plans again from the
// fresh read and sends. The read finds exactly what the failed write meant to leave: that
// write was applied, and Write returns its version without sending it again. A
// spreadsheets.batchUpdate of ours that failed counts as possibly applied: the tab list is
// read again (one spreadsheets.get) and the layout checked before the next plan, so no tab
// is added twice and no layout doubled, and its empty new tabs alone do not count as
// someone's save. A layout repair whose batchUpdate fails is not sent again either: the
// next Write checks the layout of its tabs afresh. After MaxAttempts sends (3 after network failures) Write returns the
// error; the engine tries again on its next poll, reading first. A 401 is refused before
// anything is done, so any request is sent once more with a fresh token. None of this
// costs a request when nothing fails.
//
// A Sheet is safe for concurrent use; the sync engine calls it from one goroutine.
package google
