// Package sync is SheetOps' engine: the render loop, the poll loop, the three-way diff of
// base, sheet and cluster, the plan, the apply, the conflict ledger, the state file, and the
// cron-scheduled reconcile and export. Inside it the standard library's sync is imported as
// stdsync.
//
// It is built in the sync engine issue; this file marks its place in the layout.
package sync
