package xlsx_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/sheetops/sheetops/sheets"
	"github.com/sheetops/sheetops/sheets/xlsx"
)

// A render: read the workbook, build the next Book on what was read, write it from that
// base, and on ErrModified (someone saved in between) read again and merge.
func Example() {
	dir, err := os.MkdirTemp("", "sheetops-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	w := xlsx.New(filepath.Join(dir, "sheetops.xlsx"))
	layout := &sheets.Layout{Tabs: []sheets.TabLayout{{Name: "Deployments", Columns: []sheets.Column{
		{Name: "Name"},
		{Name: "Replicas", Editable: true, Number: true, WholeNumber: &sheets.Range{Min: 0, Max: 10000}},
	}}}}
	ctx := context.Background()
	for {
		base, err := w.Read(ctx)
		if err != nil {
			log.Fatal(err)
		}
		next := &sheets.Book{Tabs: []*sheets.Tab{{
			Name:   "Deployments",
			Header: []string{"Name", "Replicas"},
			Rows:   [][]string{{"web", "3"}, {"=cmd|' /C calc'!A0", "1"}},
		}}}
		_, err = w.Write(ctx, layout, base, next)
		if errors.Is(err, sheets.ErrModified) {
			continue // merge with what the person saved, then write again
		}
		if err != nil {
			log.Fatal(err)
		}
		break
	}
	got, err := w.Read(ctx)
	if err != nil {
		log.Fatal(err)
	}
	for _, r := range got.Tab("Deployments").Rows {
		fmt.Printf("%q\n", r)
	}
	// Output:
	// ["web" "3"]
	// ["=cmd|' /C calc'!A0" "1"]
}
