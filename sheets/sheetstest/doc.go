// Package sheetstest is the contract suite that every sheets.Sheet backend runs, so that the
// sync engine can rely on the same behaviour from an in-memory sheet, a local workbook and a
// Google Sheet (in the manner of litestream's RunWithReplicaClient).
//
// A backend's test calls Run with a constructor that returns a fresh, empty sheet for each
// case and an Edit function that changes the sheet the way a person's save would: outside
// the backend's Write path (for xlsx, another library rewriting the file). The cases check
// what the sheets package documents: an empty sheet reads as an empty Book with Version "";
// values round-trip exactly as text, including text that looks like a formula ("=1+1",
// "@SUM(A1)") or a number; whole numbers in Number columns read back as "3"; Version
// changes on every Write and every Edit; a Write from a stale base returns
// sheets.ErrModified and changes nothing; rows keep next's order; tabs absent from next are
// kept; blank rows are dropped and short rows padded when read; shrinking a tab leaves no
// leftover rows or columns; a Book the size of a large cluster round-trips (skipped with
// -short).
//
// Layout and Book build the presentation and a realistic Book of any size; backends use
// them in their own tests and benchmarks. Cases run sequentially; each gets its own sheet.
package sheetstest
