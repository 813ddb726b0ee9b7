// Package sync is SheetOps' engine: it keeps a sheet and a cluster in step. A pass reads the
// sheet, decides every edit three ways (base: what the engine rendered at the row's
// resourceVersion; sheet: what is there now; cluster: what the informers hold), applies
// what it may with the object's resourceVersion as a precondition (re-deciding on a fresh
// object after a 409), reports conflicts and invalid input in the row's Sync cell without
// touching what was typed, and writes the sheet back only if nobody saved it meanwhile
// (else it reads again and merges). Run repeats passes on every poll (after a cheap version
// check) and after each debounced burst of cluster changes. Refresh is the scheduled
// reconcile: a pass that always writes (repairing the layout) and, in enforce mode, sends
// the sheet's values back where the cluster drifted. Scheduler runs such jobs on cron
// schedules without overlapping a job with itself. Every change, conflict, drift and error
// is logged, counted in Prometheus metrics and audited (a JSON-lines file and the Audit tab).
//
// Outcomes are typed (Outcome: kind, time, message, retryable) and kept in the state; one
// place (Outcome.Cell) turns them into Sync text, and the Sync column's colours and
// `sheetops apply`'s exit code come from the kind. An edit the API refused with a retryable
// error backs off on its own (client-go's workqueue rate limiter); invalid input and
// conflicts wait for the cell to change. Tabs with an Uptime column are scheduled: at each
// boundary of an object's schedule (internal/uptime) the pass scales it down or back up,
// keeping what it needs on the object's annotations (uptime.go).
//
// Contract: one pass runs at a time; a pass in flight finishes even when Run's context ends.
// The State (renders, conflicts, statuses, creates) is saved atomically before each sheet
// write, so a restart neither re-applies an applied edit nor forgets a pending one. Inside
// this package the standard library's sync is imported as stdsync.
package sync
