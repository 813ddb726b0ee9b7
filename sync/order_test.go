package sync

import (
	"slices"
	"strings"
	"testing"

	"github.com/sheetops/sheetops/mapping"
)

// TestPlaceRows: rows of objects new to the sheet go where they belong, in namespace/name
// order or in the person's own sort; the sheet's rows keep their order.
func TestPlaceRows(t *testing.T) {
	tab := mapping.DefaultTabs()[0] // Deployments
	// row makes a Deployments row from "namespace/name replicas uid".
	row := func(s string) []string {
		f := strings.Fields(s)
		r := make([]string, len(tab.Columns))
		ns, name, _ := strings.Cut(f[0], "/")
		r[columnIndex(&tab, mapping.Namespace)] = ns
		r[columnIndex(&tab, mapping.Name)] = name
		r[columnIndex(&tab, "Replicas")] = f[1]
		if len(f) > 2 {
			r[columnIndex(&tab, mapping.UID)] = f[2]
		}
		return r
	}
	rows := func(ss ...string) [][]string {
		var out [][]string
		for _, s := range ss {
			out = append(out, row(s))
		}
		return out
	}
	names := func(rs [][]string) []string {
		var out []string
		for _, r := range rs {
			out = append(out, r[columnIndex(&tab, mapping.Namespace)]+"/"+r[columnIndex(&tab, mapping.Name)])
		}
		return out
	}
	for _, c := range []struct {
		name        string
		sheet, want []string // "ns/name replicas uid"
		added       []string
	}{
		{
			name:  "namespace and name order",
			sheet: []string{"a/api 1 u1", "a/web 2 u2", "c/db 1 u3"},
			added: []string{"a/cache 1 n1", "b/etl 1 n2", "d/x 1 n3"},
			want:  []string{"a/api", "a/cache", "a/web", "b/etl", "c/db", "d/x"},
		},
		{
			name:  "name descending",
			sheet: []string{"a/web 2 u2", "c/db 1 u3", "a/api 1 u1"},
			added: []string{"b/etl 1 n2"},
			want:  []string{"a/web", "b/etl", "c/db", "a/api"},
		},
		{
			name:  "replicas descending, numbers as numbers",
			sheet: []string{"a/db 10 u1", "c/web 9 u2", "b/api 1 u3"},
			added: []string{"b/etl 2 n2", "b/big 11 n3"},
			want:  []string{"b/big", "a/db", "c/web", "b/etl", "b/api"},
		},
		{
			name:  "no order: new rows by namespace and name",
			sheet: []string{"c/db 1 u3", "a/web 5 u2", "a/api 1 u1", "z/x 3 u4"},
			added: []string{"b/etl 1 n2"},
			want:  []string{"b/etl", "c/db", "a/web", "a/api", "z/x"},
		},
		{
			name:  "a typed row says nothing of the order and stays",
			sheet: []string{"a/api 1 u1", "z/typed 1", "c/db 1 u3"},
			added: []string{"b/etl 1 n2"},
			want:  []string{"a/api", "z/typed", "b/etl", "c/db"},
		},
		{
			name:  "empty sheet",
			added: []string{"a/api 1 n1", "b/etl 1 n2"},
			want:  []string{"a/api", "b/etl"},
		},
		{
			name:  "nothing new",
			sheet: []string{"c/db 1 u3", "a/api 1 u1"},
			want:  []string{"c/db", "a/api"},
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := names(placeRows(&tab, rows(c.sheet...), rows(c.added...)))
			if !slices.Equal(got, c.want) {
				t.Errorf("got %v, want %v", got, c.want)
			}
		})
	}
}
