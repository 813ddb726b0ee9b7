// Package csvfiles is a write-only sheets.Sheet that writes each tab as its own CSV file
// (RFC 4180: comma-separated, CRLF line ends, fields quoted where needed, UTF-8 without a
// byte-order mark), for the tools that read CSV rather than a workbook. `sheetops export
// -o cluster.csv` uses it.
//
// The files of New("cluster.csv") are cluster-<Tab>.csv beside it, one per tab, the header
// row first. Columns the layout hides (the rows' UID and resourceVersion) are left out.
// Values are written exactly as the tab holds them: CSV has no types, so a value that
// begins with "=" is not marked as text; open the .xlsx export in a spreadsheet program.
// Each file is written to a temporary file in the same directory and renamed over the
// target, so a reader never sees half a file.
//
// Read always returns an empty Book (Version ""): nothing is read back. A Files is meant
// for one goroutine at a time.
package csvfiles
