package mapping

import (
	"errors"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"
)

// MaxReplicas is the most replicas a person may type.
const MaxReplicas = 10000

// ErrInvalid is matched (errors.Is) by every error this package returns for something a person
// typed: it is terminal, reported in the Sync column and never retried.
var ErrInvalid = errors.New("invalid input")

// InvalidError is what a person typed and cannot be applied.
type InvalidError struct {
	// Column is the header of the column at fault when the error is about a row (NewObject,
	// Patch); "" from the Parse functions, which see one cell.
	Column string
	// Reason is short text for the Sync column: "not a whole number", "must be 0 to 10000".
	Reason string
}

// Error returns "Column: Reason", or the Reason alone when no column is known.
func (e *InvalidError) Error() string {
	if e.Column == "" {
		return e.Reason
	}
	return e.Column + ": " + e.Reason
}

// Is makes every *InvalidError match ErrInvalid.
func (e *InvalidError) Is(target error) bool { return target == ErrInvalid }

func invalid(reason string) error { return &InvalidError{Reason: reason} }

// inColumn names the column an *InvalidError is about; other errors are returned as they are.
func inColumn(header string, err error) error {
	var ie *InvalidError
	if errors.As(err, &ie) {
		return &InvalidError{Column: header, Reason: ie.Reason}
	}
	return err
}

// RowAction is what a person asks of a row in the Action column. (It is not called Action,
// which is the column's header.)
type RowAction string

// The actions.
const (
	// NoAction: an empty Action cell.
	NoAction RowAction = ""
	// DeleteAction deletes the row's object.
	DeleteAction RowAction = "delete"
	// ForceAction applies the row's edits over a conflict (DESIGN.md, "Sync semantics").
	ForceAction RowAction = "force"
)

// ParseAction parses an Action cell: "delete", "force" or empty, in any case, surrounding
// whitespace ignored.
func ParseAction(cell string) (RowAction, error) {
	switch s := strings.ToLower(strings.TrimSpace(cell)); s {
	case "":
		return NoAction, nil
	case string(DeleteAction):
		return DeleteAction, nil
	case string(ForceAction):
		return ForceAction, nil
	}
	return NoAction, invalid("Action must be delete, force or empty")
}

// ParseReplicas parses a Replicas cell: a whole number from 0 to MaxReplicas, surrounding
// whitespace ignored. Decimal forms of a whole number are accepted ("5.0", "5.00": a number
// cell formatted with decimals, or a person typing 5.0, means 5), as are a leading "+" and
// leading zeros; the canonical form is strconv.Itoa of the result. Fractions ("3.5"),
// exponents ("1e3"), thousands separators ("1,000"), words and the empty cell are refused.
func ParseReplicas(cell string) (int32, error) {
	s := strings.TrimSpace(cell)
	if s == "" {
		return 0, invalid("must not be empty")
	}
	negative := false
	switch s[0] {
	case '-':
		negative = true
		s = s[1:]
	case '+':
		s = s[1:]
	}
	whole, frac, hasPoint := strings.Cut(s, ".")
	if whole == "" || !allDigits(whole) || (hasPoint && (frac == "" || !allDigits(frac))) {
		return 0, invalid("not a whole number")
	}
	if strings.Trim(frac, "0") != "" {
		return 0, invalid("not a whole number")
	}
	whole = strings.TrimLeft(whole, "0")
	if len(whole) > len(strconv.Itoa(MaxReplicas)) {
		return 0, invalid(replicasRange)
	}
	n, err := strconv.Atoi("0" + whole)
	if err != nil || n > MaxReplicas || (negative && n != 0) {
		return 0, invalid(replicasRange)
	}
	return int32(n), nil
}

var replicasRange = "must be 0 to " + strconv.Itoa(MaxReplicas)

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// ParseName parses an object's name: a DNS-1123 subdomain ("web", "web.v2"), surrounding
// whitespace ignored. The reason for a bad name is the API server's own message.
func ParseName(cell string) (string, error) {
	s := strings.TrimSpace(cell)
	if s == "" {
		return "", invalid("must not be empty")
	}
	if msgs := validation.IsDNS1123Subdomain(s); len(msgs) > 0 {
		return "", invalid(strings.Join(msgs, "; "))
	}
	return s, nil
}

// ParseNamespace parses a namespace: a DNS-1123 label ("shop"), surrounding whitespace
// ignored. The reason for a bad namespace is the API server's own message.
func ParseNamespace(cell string) (string, error) {
	s := strings.TrimSpace(cell)
	if s == "" {
		return "", invalid("must not be empty")
	}
	if msgs := validation.IsDNS1123Label(s); len(msgs) > 0 {
		return "", invalid(strings.Join(msgs, "; "))
	}
	return s, nil
}
