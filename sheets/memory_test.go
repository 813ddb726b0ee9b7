package sheets_test

import (
	"testing"

	"github.com/sheetops/sheetops/sheets"
	"github.com/sheetops/sheetops/sheets/sheetstest"
)

func TestMemory(t *testing.T) {
	sheetstest.Run(t, func(t *testing.T) sheetstest.Backend {
		m := sheets.NewMemory()
		return sheetstest.Backend{
			Sheet: m,
			Edit: func(t *testing.T, fn func(b *sheets.Book)) {
				m.Edit(func(b *sheets.Book) {
					// Hand fn the tabs as a person sees them: rows padded to the header.
					for _, tab := range b.Tabs {
						for i, r := range tab.Rows {
							if len(r) < len(tab.Header) {
								tab.Rows[i] = append(r, make([]string, len(tab.Header)-len(r))...)
							}
						}
					}
					fn(b)
				})
			},
		}
	})
}

func TestMemoryLayout(t *testing.T) {
	m := sheets.NewMemory()
	if m.Layout() != nil {
		t.Fatal("Layout before the first Write is not nil")
	}
	l := sheetstest.Layout()
	if _, err := m.Write(t.Context(), l, nil, sheetstest.Book(1, 1)); err != nil {
		t.Fatal(err)
	}
	l.Tabs[0].Columns[2].WholeNumber.Max = 1
	got := m.Layout()
	if got == nil || got.Tab(sheetstest.Deployments).Column("Replicas").WholeNumber.Max != 10000 {
		t.Errorf("Layout() = %+v, want a copy of the layout written", got)
	}
}
