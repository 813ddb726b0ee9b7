// Package sheets declares the spreadsheet backends behind one small interface: xlsx
// (excelize), google (sheets/v4 with oauth2) and an in-memory one for tests, with a contract
// suite that every backend passes.
//
// It is built in the sync engine and Google backend issues; this file marks its place in the layout.
package sheets
