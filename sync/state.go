package sync

import (
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// keepRenders is how many renders (resourceVersions) of one object the state keeps: a person
// who saves a copy opened that many renders ago still has a known base.
const keepRenders = 32

// State is what the engine must remember across restarts so that it neither re-applies
// old edits nor forgets pending ones. It lives in a JSON file beside the workbook, written
// atomically (temporary file and rename).
type State struct {
	// Renders holds, per object UID and resourceVersion, the editable cells as the engine
	// rendered them: the base of a person's edit on a row carrying that resourceVersion.
	Renders map[string]map[string]map[string]string `json:"renders"`
	// Conflicts holds unresolved conflicts per "UID/column": what the sheet and the cluster
	// said when the conflict was reported. Typing another value resolves it.
	Conflicts map[string]ConflictRecord `json:"conflicts,omitempty"`
	// Status is the last outcome per row key (UID, or "new:<tab>/<namespace>/<name>").
	Status map[string]Outcome `json:"status,omitempty"`
	// Created maps "<tab>/<namespace>/<name>" to the UID SheetOps created, so that a create
	// whose row was not written back is adopted, not repeated.
	Created map[string]string `json:"created,omitempty"`
	// Drift holds, in enforce mode, per "UID/column", the cluster value that drifted from
	// the sheet's desired value and was reported in Sync. A person's edit over a reported
	// drift is applied (the sheet is the source of truth); over an unreported change it is a
	// conflict as in refresh mode.
	Drift map[string]string `json:"drift,omitempty"`
	// Downtime is the periods scheduled objects spent scaled down, for the replica-hours
	// saved that the Summary shows (the last seven days are kept).
	Downtime []DownPeriod `json:"downtime,omitempty"`

	// saved is the SHA-256 of what was last written to savedTo (or read from it): a Save
	// of the same bytes writes nothing.
	saved   [sha256.Size]byte
	savedTo string
	// dirty: the state may differ from what savedTo holds. The engine changes the state
	// through State's methods, which set it, and saves it with saveChanges, which encodes
	// the state only when it is set (at 100,000 rows the encoding alone is megabytes and
	// tens of milliseconds a pass).
	dirty bool
}

// DownPeriod is one scheduled scale-down: how many replicas it saved, from when, until when
// (zero: still down).
type DownPeriod struct {
	UID       string    `json:"uid"`
	Namespace string    `json:"namespace"`
	Saved     int32     `json:"saved"`
	From      time.Time `json:"from"`
	To        time.Time `json:"to,omitzero"`
}

// ConflictRecord is one reported conflict.
type ConflictRecord struct {
	Sheet   string `json:"sheet"`
	Cluster string `json:"cluster"`
	// Base is what the person started from; NoBase: SheetOps had no record of it.
	Base   string `json:"base"`
	NoBase bool   `json:"noBase,omitempty"`
}

func newState() *State {
	return &State{Renders: map[string]map[string]map[string]string{}, Conflicts: map[string]ConflictRecord{}, Status: map[string]Outcome{}, Created: map[string]string{}, Drift: map[string]string{}}
}

// LoadState reads a state file; a missing file is an empty state.
func LoadState(path string) (*State, error) {
	s := newState()
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read state %s: %w", path, err)
	}
	if err := json.Unmarshal(data, s); err != nil {
		return nil, fmt.Errorf("state %s is not valid JSON (move it away to start afresh): %w", path, err)
	}
	s.saved, s.savedTo = sha256.Sum256(data), path
	if s.Renders == nil {
		s.Renders = map[string]map[string]map[string]string{}
	}
	if s.Conflicts == nil {
		s.Conflicts = map[string]ConflictRecord{}
	}
	if s.Status == nil {
		s.Status = map[string]Outcome{}
	}
	if s.Created == nil {
		s.Created = map[string]string{}
	}
	if s.Drift == nil {
		s.Drift = map[string]string{}
	}
	return s, nil
}

// Save writes the state atomically, unless the file holds it already (as this state last
// wrote or read it): at 100,000 rows a pass that changed nothing would otherwise write and
// sync megabytes for nothing.
func (s *State) Save(path string) error {
	data, err := json.Marshal(s)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(data)
	if path == s.savedTo && sum == s.saved {
		if _, err := os.Stat(path); err == nil {
			s.dirty = false
			return nil
		}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("state dir: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".state-*.tmp")
	if err != nil {
		return fmt.Errorf("write state: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write state: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("write state: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write state: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write state: %w", err)
	}
	s.saved, s.savedTo, s.dirty = sum, path, false
	return nil
}

// saveChanges is Save for a state changed only through its methods: it writes nothing,
// without encoding the state, when none changed it since the last Save to path.
func (s *State) saveChanges(path string) error {
	if !s.dirty && path == s.savedTo {
		if _, err := os.Stat(path); err == nil {
			return nil
		}
	}
	return s.Save(path)
}

// base returns the editable cells rendered for uid at rv.
func (s *State) base(uid, rv string) (map[string]string, bool) {
	b, ok := s.Renders[uid][rv]
	return b, ok
}

// remember records a render, keeping the newest keepRenders per object.
func (s *State) remember(uid, rv string, cells map[string]string) {
	m := s.Renders[uid]
	if m == nil {
		m = map[string]map[string]string{}
		s.Renders[uid] = m
	}
	if old, ok := m[rv]; ok && maps.Equal(old, cells) {
		return // rendered as before: nothing new to remember
	}
	m[rv] = cells
	s.dirty = true
	if len(m) <= keepRenders {
		return
	}
	rvs := make([]string, 0, len(m))
	for k := range m {
		rvs = append(rvs, k)
	}
	// resourceVersions are opaque, but the API servers SheetOps talks to use integers; an
	// unparsable one sorts first and goes first.
	sort.Slice(rvs, func(i, j int) bool { return rvLess(rvs[i], rvs[j]) })
	for _, k := range rvs[:len(rvs)-keepRenders] {
		delete(m, k)
	}
}

func rvLess(a, b string) bool {
	x, errA := strconv.ParseUint(a, 10, 64)
	y, errB := strconv.ParseUint(b, 10, 64)
	if errA != nil || errB != nil {
		return a < b
	}
	return x < y
}

// forget drops everything about objects that no longer exist.
// setStatus records key's last outcome.
func (s *State) setStatus(key string, out Outcome) {
	if prev, had := s.Status[key]; had && prev.equal(out) {
		return
	}
	s.Status[key], s.dirty = out, true
}

// clearStatus forgets key's last outcome.
func (s *State) clearStatus(key string) {
	if _, had := s.Status[key]; had {
		delete(s.Status, key)
		s.dirty = true
	}
}

// setConflicts replaces the unresolved conflicts, and the drifts unless drift is nil.
func (s *State) setConflicts(conflicts map[string]ConflictRecord, drift map[string]string) {
	if !maps.Equal(s.Conflicts, conflicts) {
		s.Conflicts, s.dirty = conflicts, true
	}
	if drift != nil && !maps.Equal(s.Drift, drift) {
		s.Drift, s.dirty = drift, true
	}
}

// setCreated records the UID of the object SheetOps created for key.
func (s *State) setCreated(key, uid string) {
	if s.Created[key] != uid {
		s.Created[key], s.dirty = uid, true
	}
}

func (s *State) forget(live func(uid string) bool) {
	for uid := range s.Renders {
		if !live(uid) {
			delete(s.Renders, uid)
			s.dirty = true
		}
	}
	for k := range s.Conflicts {
		uid, _, _ := strings.Cut(k, "/")
		if !live(uid) {
			delete(s.Conflicts, k)
			s.dirty = true
		}
	}
	for k := range s.Drift {
		uid, _, _ := strings.Cut(k, "/")
		if !live(uid) {
			delete(s.Drift, k)
			s.dirty = true
		}
	}
	for k := range s.Status {
		if strings.HasPrefix(k, "new:") {
			continue
		}
		if !live(k) {
			delete(s.Status, k)
			s.dirty = true
		}
	}
	for k, uid := range s.Created {
		if !live(uid) {
			delete(s.Created, k)
			s.dirty = true
		}
	}
}
