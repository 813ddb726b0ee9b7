package sheets

import (
	"context"
	"strconv"
	"sync"
)

// Memory is a Sheet held in memory, for tests of the engine and of the contract suite. It
// copies Books in and out, so neither the caller nor the store can change the other's
// values. Its Version is a counter that every Write and every Edit bumps. Memory is safe for
// concurrent use, so a test may Edit it while the engine reads and writes.
type Memory struct {
	mu      sync.Mutex
	book    *Book // nil: the sheet does not exist yet
	version int
	layout  *Layout
}

var _ Sheet = (*Memory)(nil)

// NewMemory returns an empty in-memory sheet: it reads as an empty Book with Version "".
func NewMemory() *Memory {
	return &Memory{}
}

// Read returns a copy of the stored tabs, with blank rows dropped and every row padded to
// the width of its tab (see Tab).
func (m *Memory) Read(ctx context.Context) (*Book, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.book == nil {
		return &Book{}, nil
	}
	b := &Book{Version: m.versionLocked(), Tabs: make([]*Tab, 0, len(m.book.Tabs))}
	for _, t := range m.book.Tabs {
		b.Tabs = append(b.Tabs, normalizedTab(t))
	}
	return b, nil
}

// Write stores a copy of next's tabs (in next's order, followed by the stored tabs next
// lacks) and of layout, provided the store is still at base.Version; otherwise it returns
// ErrModified and changes nothing. A nil base stands for a sheet that does not exist yet.
func (m *Memory) Write(ctx context.Context, layout *Layout, base, next *Book) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	baseVersion := ""
	if base != nil {
		baseVersion = base.Version
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if baseVersion != m.versionLocked() {
		return "", ErrModified
	}
	stored := &Book{}
	if next != nil {
		for _, t := range next.Tabs {
			stored.Tabs = append(stored.Tabs, copyTab(t))
		}
	}
	if m.book != nil {
		for _, t := range m.book.Tabs {
			if stored.Tab(t.Name) == nil {
				stored.Tabs = append(stored.Tabs, t) // already our own copy
			}
		}
	}
	m.book = stored
	m.layout = copyLayout(layout)
	m.version++
	return m.versionLocked(), nil
}

// Edit simulates a person's save: fn changes the stored book in place (it may add, remove
// or reorder tabs and rows), and the version moves on, so a Write based on an earlier read
// fails with ErrModified. On a sheet that does not exist yet, fn gets an empty Book.
func (m *Memory) Edit(fn func(b *Book)) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.book == nil {
		m.book = &Book{}
	}
	fn(m.book)
	m.version++
}

// Layout returns the layout of the last Write, or nil before the first one. The caller
// must not change it.
func (m *Memory) Layout() *Layout {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.layout
}

func (m *Memory) versionLocked() string {
	if m.book == nil {
		return ""
	}
	return strconv.Itoa(m.version)
}

// normalizedTab returns a copy of t as a backend reads it: blank rows dropped, Header and
// every row padded to the width of the widest of them, so no typed cell is lost.
func normalizedTab(t *Tab) *Tab {
	width := len(t.Header)
	for _, r := range t.Rows {
		if !blank(r) && len(r) > width {
			width = len(r)
		}
	}
	n := &Tab{Name: t.Name, Header: padded(t.Header, width)}
	for _, r := range t.Rows {
		if blank(r) {
			continue
		}
		n.Rows = append(n.Rows, padded(r, width))
	}
	return n
}

func blank(row []string) bool {
	for _, c := range row {
		if c != "" {
			return false
		}
	}
	return true
}

// padded returns a copy of row, as long as width (or longer if row is).
func padded(row []string, width int) []string {
	if width < len(row) {
		width = len(row)
	}
	if width == 0 {
		return nil
	}
	c := make([]string, width)
	copy(c, row)
	return c
}

func copyTab(t *Tab) *Tab {
	c := &Tab{Name: t.Name, Header: append([]string(nil), t.Header...)}
	if t.Rows != nil {
		c.Rows = make([][]string, len(t.Rows))
		for i, r := range t.Rows {
			c.Rows[i] = append([]string(nil), r...)
		}
	}
	return c
}

func copyLayout(l *Layout) *Layout {
	if l == nil {
		return nil
	}
	c := &Layout{Tabs: make([]TabLayout, len(l.Tabs))}
	for i, t := range l.Tabs {
		c.Tabs[i] = TabLayout{Name: t.Name, Columns: make([]Column, len(t.Columns))}
		for j, col := range t.Columns {
			if col.WholeNumber != nil {
				r := *col.WholeNumber
				col.WholeNumber = &r
			}
			col.List = append([]string(nil), col.List...)
			col.Colors = append([]ColorRule(nil), col.Colors...)
			c.Tabs[i].Columns[j] = col
		}
	}
	if l.Summary != nil {
		s := *l.Summary
		c.Summary = &s
	}
	return c
}
