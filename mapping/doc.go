// Package mapping maps sheet columns to object fields: the tab and column definitions from
// config, rendering objects into rows, and parsing and validating what a person typed.
//
// It is built in the sync engine issue; this file marks its place in the layout.
package mapping
