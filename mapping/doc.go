// Package mapping maps spreadsheet columns to the fields of Kubernetes objects of any kind:
// it defines the tabs and their columns, renders objects into rows of text, and parses and
// validates what a person typed into the canonical values the sync engine compares and
// applies.
//
// # Tabs and columns
//
// DefaultTabs returns the two tabs of DESIGN.md, "Deployments" and "Pods", with exactly its
// columns in its order, followed by the hidden identity columns UID and "Resource Version".
// NewTab builds a tab of another name from a subset of the same columns (the config's old
// form). Presets are the shipped tabs of other kinds, each a declarative table of
// ColumnSpecs; BuildTab builds a tab of any resource from ColumnSpecs: a column every tab
// knows (Namespace, Name, Age, Labels, Action, Sync), a named function for values that need
// logic (a pod's Status as kubectl computes it, Ready x/y), or a kubectl JSONPath with a
// ValueType. A JSONPath that names one field can be edited: it is written with a JSON merge
// patch, or a JSON patch when it goes through a list index, carrying the resourceVersion;
// it is read straight from the object (the struct of a typed object by its JSON names, the
// map of an unstructured one), other paths through client-go's jsonpath. The schedule
// columns (Uptime, Off Replicas, Wake Until) are annotations of the object. The header names
// are the contract between the daemon and the sheet; Tab.Layout is the presentation handed
// to a sheets backend.
//
// # Values
//
// Every cell is text. Column.Value renders a cell from an object as `kubectl get` would show
// it (Age with duration.HumanDuration, Pod Status as kubectl computes it), except that a
// missing node or IP is an empty cell rather than "<none>", and Restarts is the plain count
// without "(5m ago)" so that it stays a number. Text from the cluster is returned as it is:
// making sure a cell beginning with "=", "+", "-" or "@" is stored as text is the backends'
// job.
//
// Column.Parse turns what a person typed into the canonical form of the value (surrounding
// whitespace trimmed, "5.0" replicas as "5", "DELETE" as "delete"). The canonical form of a
// value the daemon rendered is the rendered text itself, so the sync engine compares base,
// sheet and cluster values as plain strings after parsing the sheet's. Parse errors are an
// *InvalidError (errors.Is(err, ErrInvalid)) whose Reason is short enough for the Sync column.
// Read-only columns have no Parse.
//
// Column.Patch builds the PATCH of one field of an existing object to a canonical value. Every
// patch carries the object's metadata.resourceVersion as a precondition, so the API server
// answers 409 Conflict when the object moved since the engine decided; a patch is never built
// without one. Tab.NewObject builds the object a create row (a row with no UID) asks for.
//
// # Types
//
// A JSONPath column has a ValueType (string, integer, number, boolean, quantity, duration,
// cron, image, enum, labels). ValueType.Render turns the value found in an object's
// unstructured form into the cell's canonical text and ValueType.Parse turns what a person
// typed into the same canonical text ("5.0" is "5", "90s" is "1m30s", "TRUE" is "true",
// "tier=db,app=web" is "app=web, tier=db"), so that Parse(Render(x)) == Render(x) for what
// the cluster holds; ValueType.PatchValue is the JSON a merge patch writes for it, which
// renders back as the same text. An empty cell is unset (a boolean's is false).
//
// # Concurrency and side effects
//
// Nothing here talks to the API server, blocks, logs or keeps state. Tabs and Columns are
// values: once built, they are not changed by this package and may be used from any number of
// goroutines. Value, Parse, Patch and NewObject never modify the objects they are given, so
// objects from an informer's lister may be passed directly.
package mapping
