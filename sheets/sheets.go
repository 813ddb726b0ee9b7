package sheets

import (
	"context"
	"errors"
)

// ErrTooLarge reports a write refused because the sheet would pass a limit of its backend
// (Google Sheets' 10 million cells): nothing was written, and writing again will not help
// until the render is smaller (the error says what to change).
var ErrTooLarge = errors.New("the sheet would be too large for its backend")

// ErrModified reports a write refused because someone changed the sheet since the caller
// read it: nothing was written; read again, merge, and write again.
var ErrModified = errors.New("sheet changed since it was read")

// Book is one read of the whole sheet: every tab's values, as text.
type Book struct {
	Tabs []*Tab
	// Version identifies this state of the sheet. It changes whenever anyone writes
	// (a person's save, another process, the daemon). Empty: the sheet does not exist yet.
	Version string
}

// Tab returns the tab with the given name, or nil.
func (b *Book) Tab(name string) *Tab {
	if b == nil {
		return nil
	}
	for _, t := range b.Tabs {
		if t.Name == name {
			return t
		}
	}
	return nil
}

// Tab is the values of one tab. Cells are the text a person sees (numbers in their plain
// decimal form, "3"); an empty cell is "". Rows are as long as Header (shorter rows are padded
// when read). Blank rows (every cell empty) are dropped when read.
type Tab struct {
	Name   string
	Header []string
	Rows   [][]string
}

// Column says how one column looks and what a person may do with it. Backends apply it;
// they never change values because of it (a non-numeric text in a Number column stays text).
type Column struct {
	Name string
	// Editable cells are unlocked and white; the others are locked and grey (xlsx) or
	// protected with a warning (Google).
	Editable bool
	// Hidden columns hold identity (UID, rendered resourceVersion).
	Hidden bool
	// Width in characters; 0 fits the content.
	Width float64
	// Number: cells whose text is a whole number are written as numbers.
	Number bool
	// WholeNumber, when set, is the data validation of an editable column.
	WholeNumber *Range
	// List, when set, is the data validation of an editable column: one of these or empty.
	List []string
	// Colors are conditional formats on the column's cells.
	Colors []ColorRule
	// Wrap: text longer than the column is wide wraps onto more lines in its cell (the row
	// grows) instead of being cut off at the next cell.
	Wrap bool
	// Result marks the column whose cells say what happened to each row (Sync). While a
	// person has a local workbook open, the xlsx backend writes it only when a result
	// changes (see package xlsx); Google Sheets, edited live, ignores it.
	Result bool
}

// Range is an inclusive whole-number range.
type Range struct{ Min, Max int }

// Color is a status colour.
type Color string

// The status colours.
const (
	Green  Color = "green"
	Yellow Color = "yellow"
	Red    Color = "red"
	Grey   Color = "grey"
)

// Match says which cells a ColorRule colours.
type Match string

// The kinds of match.
const (
	// Equals: the cell's text is Value.
	Equals Match = "equals"
	// Prefix: the cell's text begins with Value (e.g. "applied", "conflict:").
	Prefix Match = "prefix"
	// ReadyComplete: a "ready/desired" cell whose two numbers are equal (e.g. "3/3").
	ReadyComplete Match = "ready-complete"
	// ReadyIncomplete: a "ready/desired" cell whose first number is below the second ("1/3").
	ReadyIncomplete Match = "ready-incomplete"
)

// ColorRule colours the cells of a column that match.
type ColorRule struct {
	Match Match
	Value string
	Color Color
}

// TabLayout is the presentation of one tab: its columns in order. The header row is frozen.
type TabLayout struct {
	Name    string
	Columns []Column
}

// Column returns the named column's layout, or nil.
func (l *TabLayout) Column(name string) *Column {
	for i := range l.Columns {
		if l.Columns[i].Name == name {
			return &l.Columns[i]
		}
	}
	return nil
}

// Layout is the presentation of the whole sheet.
type Layout struct {
	Tabs []TabLayout
	// Summary, when set, names a tab whose first column holds categories (namespaces) and
	// whose other columns hold counts; backends draw a stacked column chart of it.
	Summary *SummaryLayout
}

// SummaryLayout describes the summary tab and its chart.
type SummaryLayout struct {
	Name       string
	ChartTitle string
	// Series are the columns the chart stacks, in order, by header; empty: every column
	// after the first. Columns that are not counts of the same things (deployments beside
	// pods) belong in the table, not in the stack.
	Series []SummarySeries
}

// SummarySeries is one column the summary chart draws.
type SummarySeries struct {
	Column string
	// Color is the series' fill as RRGGBB hex; empty: the backend's palette.
	Color string
}

// Tab returns the named tab's layout, or nil.
func (l *Layout) Tab(name string) *TabLayout {
	if l == nil {
		return nil
	}
	for i := range l.Tabs {
		if l.Tabs[i].Name == name {
			return &l.Tabs[i]
		}
	}
	return nil
}

// Reader reads the sheet.
type Reader interface {
	// Read returns every tab's values and the sheet's version. A sheet that does not exist
	// yet reads as an empty Book with Version "".
	Read(ctx context.Context) (*Book, error)
}

// SharedReader is a Reader that can also return what it read without copying it.
type SharedReader interface {
	Reader
	// ReadShared is Read, but the Book's rows may be shared with the backend (and with
	// the Books of later calls): the caller must not change its cells nor append to its
	// rows in place.
	ReadShared(ctx context.Context) (*Book, error)
}

// ReadShared reads r with ReadShared when it is a SharedReader, else with Read: for a
// caller that only looks at the Book.
func ReadShared(ctx context.Context, r Reader) (*Book, error) {
	if s, ok := r.(SharedReader); ok {
		return s.ReadShared(ctx)
	}
	return r.Read(ctx)
}

// Writer writes the sheet.
type Writer interface {
	// Write makes the sheet hold next's tabs (values, in next's row order) with layout's
	// presentation, provided the sheet is still as base was read (base.Version); otherwise it
	// returns ErrModified and writes nothing. Tabs the sheet has but next lacks are kept as
	// they are. Text is always written as text, never as a formula, whatever it begins with.
	// It returns the sheet's new version.
	Write(ctx context.Context, layout *Layout, base, next *Book) (version string, err error)
}

// Sheet is a spreadsheet backend.
type Sheet interface {
	Reader
	Writer
}
