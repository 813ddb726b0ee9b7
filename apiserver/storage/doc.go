// Package storage is the embedded engine's object store: every object in memory for reads,
// written through to a log and a bbolt file on every change, with one global
// resourceVersion counter and a bounded history of events that feeds watches.
//
// An object is held in one form only, its protobuf encoding (as persisted), and decoded on
// demand: Get keeps the few objects decoded last (so that the same state is the same
// object, and Encoded finds its bytes), List decodes after releasing its lock, and readers
// of metadata only (GetMeta, ListOptions.MetaOnly) decode the metadata alone. Responses
// copy the encodings (GetEncoded, ListOptions.Raw) instead of decoding and encoding again.
//
// Contract:
//   - The revision is a single unsigned integer, bumped by every write (create, update,
//     delete) and persisted in the same log record as the object, so a restart keeps
//     every object and the counter. An object's resourceVersion is its last modification.
//   - Objects handed to the store and objects returned by it are immutable: callers copy
//     (DeepCopyObject) before they change anything. The TypeMeta of stored objects is empty.
//     Encodings returned (GetEncoded, ListResult.Raw) are shared and read only.
//   - Durable by default: a write returns once its commit is on disk (the log, fsync), or,
//     with Options.NoSync, once the operating system has it. Writes are checked and given
//     their revision under one lock, against the committed state overlaid with the writes
//     still waiting for their commit, then join the open batch; one commit loop appends a
//     whole batch to the log (the file name + ".wal") as one record and syncs it (group
//     commit: concurrent writers share one fsync), and releases the lock while it is on
//     disk. bbolt gets the committed writes in one transaction every 100 ms, after which the
//     log is emptied; Open replays what bbolt lacks (a torn last record is a commit that
//     never returned and is dropped). Revisions are handed out strictly increasing and
//     committed in that order. An update's own work (Update's function) runs outside the
//     lock on the state it was given, and is stored only if the object is still in that
//     state; otherwise it runs again on the newer one (under the lock after a few losses).
//   - Reads, lists and watches see committed writes only: a batch is applied to memory and
//     its events to watches after its commit, before its writers return. A failed commit
//     fails its writes and every write accepted after it (ErrCommit, as a 500), and leaves
//     memory, revision and watches where the file is.
//   - Reads take a read lock and never block on disk.
//   - Watches see every event after the revision they start from, in revision order, with no
//     gap: registration and the history replay happen under the same lock as writes. A start
//     revision older than the kept history fails with ErrExpired (the caller answers 410).
//     The history keeps each event as encodings (the object's, shared with the store while
//     it is current, and the previous state's), decoded for watches that start in the past;
//     snapshot lists copy them. A watch's initial events are decoded by Next, outside the lock. It is not persisted: after a restart only the current revision can be watched
//     from, and older clients relist, as they would after etcd compaction.
//   - A watcher never blocks a writer: its queue is unbounded up to a limit, past which the
//     watch ends and the client re-watches from its last revision.
package storage
