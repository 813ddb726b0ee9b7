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
// WritesPerMinute writes; 429 and 5xx answers are retried with exponential backoff and
// jitter, logged once per backoff and counted in the metrics of Collectors. Errors a
// setting explains (wrong ID, not shared, revoked login, bad key file, unreachable
// endpoint) are *Error values naming the setting and the fix.
//
// A Sheet is safe for concurrent use; the sync engine calls it from one goroutine.
package google
