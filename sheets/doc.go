// Package sheets declares the spreadsheet backends behind one small interface (Sheet: Read
// and Write of whole Books of text cells, with a version for optimistic concurrency), an
// in-memory backend for tests (Memory), and the presentation every backend applies (Layout).
//
// Backends: sheets/xlsx (a local workbook through excelize) and sheets/google (a Google Sheet
// through sheets/v4). Every backend passes the contract suite in sheets/sheetstest.
//
// Contract: a Write never loses someone else's save. It succeeds only when the sheet is
// still at the version the caller read; otherwise it returns ErrModified and writes nothing,
// and the caller reads again and merges. Cells are text: a backend never turns text into a
// formula (formula injection), and numbers read back as the text that was written ("3").
// Implementations are safe for use by one goroutine at a time; the sync engine owns its sheet.
package sheets
