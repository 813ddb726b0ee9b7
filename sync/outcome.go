package sync

import (
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/sheetops/sheetops/sheets"
)

// OutcomeKind is what happened to an edit or a row. The kind, not the text of the Sync
// cell, decides whether an edit is retried, which colour its cell gets and the exit code
// of `sheetops apply`.
type OutcomeKind string

// The outcome kinds. Their values are also the first word of the Sync cell.
const (
	// OutcomeApplied: the change (a field, or a create) was made.
	OutcomeApplied OutcomeKind = "applied"
	// OutcomeDeleted: the object was deleted.
	OutcomeDeleted OutcomeKind = "deleted"
	// OutcomeEnforced: a scheduled reconcile in enforce mode sent the sheet's value back.
	OutcomeEnforced OutcomeKind = "enforced"
	// OutcomeScaled: the object's Uptime schedule scaled or suspended it (Scaled says how).
	OutcomeScaled OutcomeKind = "scaled"
	// OutcomeDrift: enforce mode; the cluster moved away from an unedited cell.
	OutcomeDrift OutcomeKind = "drift"
	// OutcomeConflict: the sheet and the cluster both changed the field; nothing applied.
	OutcomeConflict OutcomeKind = "conflict"
	// OutcomeInvalid: what was typed cannot be applied.
	OutcomeInvalid OutcomeKind = "invalid"
	// OutcomeError: the API refused or could not be reached (Retryable says which).
	OutcomeError OutcomeKind = "error"
)

// outcomeKinds are the kinds in the order a row's outcome prefers them: the first kind any
// of a row's edits has is the row's kind (an error outweighs an applied change beside it).
var outcomeKinds = []OutcomeKind{OutcomeError, OutcomeInvalid, OutcomeConflict, OutcomeDrift, OutcomeEnforced, OutcomeScaled, OutcomeDeleted, OutcomeApplied}

// Done reports whether the outcome is a change that was made.
func (k OutcomeKind) Done() bool {
	return k == OutcomeApplied || k == OutcomeDeleted || k == OutcomeEnforced || k == OutcomeScaled
}

// Unresolved reports whether an edit with this outcome is still open: the typed value stays
// in its cell until it is applied or the person changes it.
func (k OutcomeKind) Unresolved() bool {
	return k == OutcomeConflict || k == OutcomeInvalid || k == OutcomeError
}

// Color is the Sync cell's colour for the kind.
func (k OutcomeKind) Color() sheets.Color {
	switch k {
	case OutcomeApplied, OutcomeDeleted, OutcomeEnforced, OutcomeScaled:
		return sheets.Green
	case OutcomeConflict, OutcomeDrift:
		return sheets.Yellow
	case OutcomeInvalid, OutcomeError:
		return sheets.Red
	}
	return ""
}

// Outcome is what happened to an edit, or to a row (its edits' outcomes together). It is
// kept in the state per row, so that a restart knows which rows wait for a retry.
type Outcome struct {
	Kind OutcomeKind `json:"kind"`
	// At is when it happened; the cell shows it for changes that were made.
	At time.Time `json:"at,omitzero"`
	// Message is the short text after the kind in the Sync cell (for applied, deleted and
	// enforced: what changed, or empty).
	Message string `json:"message,omitempty"`
	// Detail is the full explanation for the audit; empty: Message says it all.
	Detail string `json:"detail,omitempty"`
	// Retryable: an error that is tried again (with backoff) without the person's help.
	Retryable bool `json:"retryable,omitempty"`
	// RetryAt is when a retryable error is tried next; zero: at the next pass.
	RetryAt time.Time `json:"retryAt,omitzero"`
	// Scaled is what the schedule did, for OutcomeScaled: "scaled down", "scaled up",
	// "suspended", "resumed".
	Scaled string `json:"scaled,omitempty"`
	// Parts are the outcomes of a row's several edits when they differ; Kind is then the
	// most pressing of theirs.
	Parts []Outcome `json:"parts,omitempty"`
}

// equal reports whether o and p are the same outcome.
func (o Outcome) equal(p Outcome) bool {
	return o.Kind == p.Kind && o.At.Equal(p.At) && o.Message == p.Message && o.Detail == p.Detail &&
		o.Retryable == p.Retryable && o.RetryAt.Equal(p.RetryAt) && o.Scaled == p.Scaled &&
		slices.EqualFunc(o.Parts, p.Parts, Outcome.equal)
}

// Cell is the Sync cell's text for the outcome: the one place outcomes become text.
func (o Outcome) Cell() string {
	if len(o.Parts) > 0 {
		texts := make([]string, len(o.Parts))
		for i, p := range o.Parts {
			texts[i] = p.Cell()
		}
		return strings.Join(texts, "; ")
	}
	switch o.Kind {
	case "":
		return ""
	case OutcomeScaled:
		// "scaled down 19:30 (schedule): Replicas 3 → 0"
		return o.Scaled + " " + o.At.Format("15:04") + " (schedule): " + o.Message
	case OutcomeApplied, OutcomeDeleted, OutcomeEnforced:
		s := string(o.Kind)
		if !o.At.IsZero() {
			s += " " + o.At.Format("15:04:05")
		}
		if o.Message != "" {
			s += ": " + o.Message
		}
		return s
	}
	s := string(o.Kind) + ": " + o.Message
	switch {
	case o.Retryable && !o.RetryAt.IsZero():
		s += " (will retry at " + o.RetryAt.Format("15:04:05") + ")"
	case o.Retryable:
		s += " (will retry)"
	}
	return s
}

// Full is the outcome's complete text, for the audit and logs.
func (o Outcome) Full() string {
	if len(o.Parts) > 0 {
		texts := make([]string, len(o.Parts))
		for i, p := range o.Parts {
			texts[i] = p.Full()
		}
		return strings.Join(texts, "; ")
	}
	if o.Detail == "" {
		return o.Cell()
	}
	return string(o.Kind) + ": " + o.Detail
}

// IsZero reports an empty outcome: nothing happened.
func (o Outcome) IsZero() bool { return o.Kind == "" }

// rowOutcome combines a row's edit outcomes into the row's: the kind of its most pressing
// edit (an error outweighs a change applied beside it), each distinct outcome once.
func rowOutcome(outs []Outcome) Outcome {
	var parts []Outcome
	seen := map[string]bool{}
	for _, o := range outs {
		if o.IsZero() || seen[o.Cell()] {
			continue
		}
		seen[o.Cell()] = true
		parts = append(parts, o)
	}
	// The most pressing first: the cell's colour follows its first word.
	slices.SortStableFunc(parts, func(a, b Outcome) int {
		return slices.Index(outcomeKinds, a.Kind) - slices.Index(outcomeKinds, b.Kind)
	})
	switch len(parts) {
	case 0:
		return Outcome{}
	case 1:
		return parts[0]
	}
	row := Outcome{Parts: parts}
	for _, k := range outcomeKinds {
		for _, o := range parts {
			if o.Kind == k && row.Kind == "" {
				row.Kind, row.At = k, o.At
			}
			row.Retryable = row.Retryable || o.Retryable
		}
	}
	return row
}

// UnmarshalJSON also reads the plain Sync texts that the state files of an older SheetOps
// hold.
func (o *Outcome) UnmarshalJSON(data []byte) error {
	var text string
	if json.Unmarshal(data, &text) == nil {
		*o = legacyOutcome(text)
		return nil
	}
	type plain Outcome
	var p plain
	if err := json.Unmarshal(data, &p); err != nil {
		return err
	}
	*o = Outcome(p)
	return nil
}

// legacyOutcome reads a Sync text that an older SheetOps kept in its state file. Only
// loading such a file uses it; the engine never decides from a cell's text.
func legacyOutcome(text string) Outcome {
	for _, k := range outcomeKinds {
		rest, ok := strings.CutPrefix(text, string(k))
		if !ok {
			continue
		}
		o := Outcome{Kind: k}
		if k.Done() {
			return o // the time of day alone cannot be placed in time
		}
		rest = strings.TrimPrefix(strings.TrimPrefix(rest, ":"), " ")
		if m, _, ok := strings.Cut(rest, " (will retry"); ok {
			rest, o.Retryable = m, true
		}
		o.Message = rest
		return o
	}
	return Outcome{}
}

// syncColors are the Sync column's colour rules: each outcome kind's colour, matched by
// the first word Cell writes for it.
func syncColors() []sheets.ColorRule {
	var rules []sheets.ColorRule
	for _, k := range outcomeKinds {
		prefixes := []string{string(k)}
		switch {
		case k == OutcomeScaled:
			prefixes = scheduleVerbs
		case !k.Done():
			prefixes = []string{string(k) + ":"}
		}
		for _, p := range prefixes {
			rules = append(rules, sheets.ColorRule{Match: sheets.Prefix, Value: p, Color: k.Color()})
		}
	}
	return rules
}
