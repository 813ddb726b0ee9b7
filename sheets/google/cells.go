package google

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"google.golang.org/api/googleapi"

	"github.com/sheetops/sheetops/sheets"
)

// MaxCells is the most cells Google Sheets lets a spreadsheet hold: the rows × columns of
// every tab's grid, empty cells and hidden tabs included.
const MaxCells = 10_000_000

// ErrCellLimit is the kind of a *CellLimitError, for errors.Is.
var ErrCellLimit = errors.New("over Google Sheets' cell limit")

// CellLimitError is a Write refused because the spreadsheet would pass Google's cell
// limit. Nothing was written. It is not retryable: the render must shrink (fewer
// namespaces, a narrower label selector, fewer columns or tabs) or tabs be deleted.
type CellLimitError struct {
	Limit int // MaxCells
	// Need is the fewest cells the spreadsheet would hold after the write (its tabs grown
	// to just the rows and columns the render needs, no room to spare); 0 when Google
	// refused the write and the tabs could not be learned.
	Need int
	Tabs []TabCells // every tab's grid after the write, largest first
}

// TabCells is a tab's grid in a *CellLimitError.
type TabCells struct {
	Tab           string
	Rows, Columns int
	// Written says SheetOps writes the tab; the others (a person's tabs) count too.
	Written bool
}

func (e *CellLimitError) Error() string {
	var b strings.Builder
	if e.Need > 0 {
		fmt.Fprintf(&b, "the spreadsheet would need %s cells, over Google Sheets' limit of %s", thousands(e.Need), thousands(e.Limit))
	} else {
		fmt.Fprintf(&b, "Google Sheets refused the write: the spreadsheet would pass its limit of %s cells", thousands(e.Limit))
	}
	if len(e.Tabs) > 0 {
		b.WriteString(" (")
		for i, t := range e.Tabs {
			if i == 4 {
				fmt.Fprintf(&b, ", %d more", len(e.Tabs)-i)
				break
			}
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "%s %s×%d", t.Tab, thousands(t.Rows), t.Columns)
			if !t.Written {
				b.WriteString(" not SheetOps'")
			}
		}
		b.WriteString(")")
	}
	b.WriteString("; narrow cluster.namespaces or cluster.labelSelector, show fewer columns or tabs, or delete tabs the spreadsheet does not need")
	return b.String()
}

// Is reports whether target is ErrCellLimit (or the backend-neutral sheets.ErrTooLarge).
func (e *CellLimitError) Is(target error) bool {
	return target == ErrCellLimit || target == sheets.ErrTooLarge
}

// thousands writes n with comma separators: 10,000,000.
func thousands(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

// isCellLimit reports whether err is Google's refusal of a change that would pass the
// cell limit: 400 "This action would increase the number of cells in the workbook above
// the limit of 10000000 cells."
func isCellLimit(err error) bool {
	var ge *googleapi.Error
	return errors.As(err, &ge) && ge.Code == http.StatusBadRequest && strings.Contains(ge.Message, "number of cells in the workbook above the limit")
}

// cellLimitOf turns Google's refusal into a *CellLimitError.
func cellLimitOf(ge *googleapi.Error) *CellLimitError {
	e := &CellLimitError{Limit: MaxCells}
	if _, after, ok := strings.Cut(ge.Message, "above the limit of "); ok {
		if n, err := strconv.Atoi(strings.Fields(after + " x")[0]); err == nil && n > 0 {
			e.Limit = n
		}
	}
	return e
}

// rowsFor is the grid height for n rows: room for a quarter more, at least 100.
func rowsFor(n int) int { return n + max(n/4, 100) }

// tabWant is a tab a Write writes and the grid its values need.
type tabWant struct {
	tab        *sheets.Tab
	rows, cols int // the values' rows (header included) and columns
	extra      int // columns a new tab gets beyond its values (the summary's chart)
}

// tabsOf lists the tabs of next, the first of each name.
func tabsOf(next *sheets.Book, layout *sheets.Layout) []tabWant {
	var out []tabWant
	seen := map[string]bool{}
	for _, t := range next.Tabs {
		if t == nil || seen[t.Name] {
			continue
		}
		seen[t.Name] = true
		w := tabWant{tab: t, rows: len(t.Rows) + 1, cols: max(len(t.Header), 1)}
		for _, r := range t.Rows {
			w.cols = max(w.cols, len(r))
		}
		if layout != nil && layout.Summary != nil && layout.Summary.Name == t.Name {
			w.extra = chartColumns
		}
		out = append(out, w)
	}
	return out
}

// grid is the size the tab's grid gets: info's (nil for a new tab), grown to hold the
// values; roomy leaves room for a quarter more rows (rowsFor), else just enough.
func (w tabWant) grid(info *tabInfo, roomy bool) (rows, cols int) {
	grow := func(n int) int {
		if roomy {
			return rowsFor(n)
		}
		return n
	}
	if info == nil {
		return max(grow(w.rows), 2), w.cols + w.extra // a frozen header needs a row below it
	}
	rows, cols = info.rows, max(info.cols, w.cols)
	if w.rows > rows {
		rows = grow(w.rows)
	}
	return rows, cols
}

// fitCells checks that the spreadsheet, with tabs as they are and the wanted tabs' grids
// grown, stays within MaxCells. It returns whether the grids may have room to grow
// (rowsFor); if even grids of just the size the values need would pass the limit, a
// *CellLimitError.
func fitCells(tabs []tabInfo, want []tabWant) (bool, error) {
	sizes := func(roomy bool) ([]TabCells, int) {
		var out []TabCells
		total := 0
		add := func(t TabCells) {
			out = append(out, t)
			total += t.Rows * t.Columns
		}
		meta := false
		for i := range tabs {
			t := &tabs[i]
			meta = meta || t.title == metaTab
			j := slices.IndexFunc(want, func(w tabWant) bool { return w.tab.Name == t.title })
			if j < 0 {
				add(TabCells{Tab: t.title, Rows: t.rows, Columns: t.cols, Written: t.title == metaTab})
				continue
			}
			r, c := want[j].grid(t, roomy)
			add(TabCells{Tab: t.title, Rows: r, Columns: c, Written: true})
		}
		for _, w := range want {
			if !slices.ContainsFunc(tabs, func(t tabInfo) bool { return t.title == w.tab.Name }) {
				r, c := w.grid(nil, roomy)
				add(TabCells{Tab: w.tab.Name, Rows: r, Columns: c, Written: true})
			}
		}
		if !meta {
			add(TabCells{Tab: metaTab, Rows: 2, Columns: 2, Written: true})
		}
		return out, total
	}
	if _, n := sizes(true); n <= MaxCells {
		return true, nil
	}
	list, n := sizes(false)
	if n <= MaxCells {
		return false, nil
	}
	slices.SortStableFunc(list, func(a, b TabCells) int { return b.Rows*b.Columns - a.Rows*a.Columns })
	return false, &CellLimitError{Limit: MaxCells, Need: n, Tabs: list}
}
