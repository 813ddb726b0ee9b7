package mapping

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/robfig/cron/v3"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/sheetops/sheetops/sheets"
)

// TypeName names how a column's cells are read: the `type:` of a column in the config.
type TypeName string

// The types of a column.
const (
	// TypeString is text, surrounding whitespace trimmed. It is the default: "" means string.
	TypeString TypeName = "string"
	// TypeInteger is a whole number ("5"; "5.0" reads as 5), optionally within Min and Max.
	TypeInteger TypeName = "integer"
	// TypeNumber is a decimal number ("2.5", "1e3"), never NaN or infinite.
	TypeNumber TypeName = "number"
	// TypeBoolean is "true" or "false"; a cell may hold TRUE/FALSE, true/false or yes/no.
	TypeBoolean TypeName = "boolean"
	// TypeQuantity is a Kubernetes resource quantity ("500m", "2Gi").
	TypeQuantity TypeName = "quantity"
	// TypeDuration is a Go duration ("90s", "1h30m").
	TypeDuration TypeName = "duration"
	// TypeCron is a schedule as a CronJob's spec.schedule accepts it ("*/5 * * * *", "@daily").
	TypeCron TypeName = "cron"
	// TypeImage is a container image reference (ParseImage).
	TypeImage TypeName = "image"
	// TypeEnum is one of the ValueType's Values.
	TypeEnum TypeName = "enum"
	// TypeLabels is a map of label keys to values, written "app=web, tier=db".
	TypeLabels TypeName = "labels"
)

// TypeNames are the known types, in the order the config documents them.
var TypeNames = []TypeName{TypeString, TypeInteger, TypeNumber, TypeBoolean, TypeQuantity,
	TypeDuration, TypeCron, TypeImage, TypeEnum, TypeLabels}

// ParseTypeName parses the `type:` of a column: one of TypeNames, exactly as spelled there, or
// "" for TypeString. Anything else is a *ValueTypeError listing the known types.
func ParseTypeName(s string) (TypeName, error) {
	if s == "" {
		return TypeString, nil
	}
	if slices.Contains(TypeNames, TypeName(s)) {
		return TypeName(s), nil
	}
	known := make([]string, len(TypeNames))
	for i, t := range TypeNames {
		known[i] = string(t)
	}
	return "", &ValueTypeError{Key: "type", Value: s, Fix: "is not a type: use one of " + strings.Join(known, ", ")}
}

// ValueTypeError is a ValueType the config gave that cannot be used. Key is the setting at
// fault relative to the column ("type", "min", "values[2]"); the caller prefixes the column's
// own key ("tabs[1].columns[3].").
type ValueTypeError struct {
	Key   string
	Value string
	Fix   string
}

// Error returns `Key: "Value" Fix`, as the config's errors read.
func (e *ValueTypeError) Error() string {
	return fmt.Sprintf("%s: %q %s", e.Key, e.Value, e.Fix)
}

// ValueType is how a column's cells are read, checked, shown and written back: the type of a
// JSONPath column. The zero value is a string column.
//
// A ValueType is a value: its methods do not modify it and may be called from any number of
// goroutines. Methods given a ValueType that Validate refuses do not panic: an unknown Type
// behaves as a string, an enum without Values accepts only the empty cell.
type ValueType struct {
	// Type is how cells are read; "" is TypeString.
	Type TypeName `json:"type,omitempty"`
	// Min and Max bound an integer column, inclusive; nil: unbounded. Only for TypeInteger.
	Min *int64 `json:"min,omitempty"`
	Max *int64 `json:"max,omitempty"`
	// Values are the allowed values of an enum column, as they are written to the cluster and
	// offered in the sheet's drop-down. Required for TypeEnum and only for it.
	Values []string `json:"values,omitempty"`
}

// The whole numbers a spreadsheet's number cell holds exactly in the 15 significant digits
// it shows: the default bounds of an integer column's validation in the sheet.
const (
	sheetWholeMin = -999_999_999_999_999
	sheetWholeMax = 999_999_999_999_999
)

// maxListLength is the longest a drop-down's values may be together, joined with commas: the
// limit of an Excel list validation (excelize refuses a longer one).
const maxListLength = 255

// Validate checks the type as the config gave it and returns the first problem as a
// *ValueTypeError: an unknown type; Min or Max on a type other than integer, or Min above
// Max; Values on a type other than enum, or an enum without Values; an enum value that is
// empty, has surrounding whitespace, a comma, begins with "=" or repeats another (in any
// case), or values longer together than a spreadsheet's drop-down allows (255 characters).
func (v ValueType) Validate() error {
	t, err := ParseTypeName(string(v.Type))
	if err != nil {
		return err
	}
	if t != TypeInteger {
		if v.Min != nil {
			return &ValueTypeError{Key: "min", Value: strconv.FormatInt(*v.Min, 10), Fix: "is only for type integer"}
		}
		if v.Max != nil {
			return &ValueTypeError{Key: "max", Value: strconv.FormatInt(*v.Max, 10), Fix: "is only for type integer"}
		}
	}
	if v.Min != nil && v.Max != nil && *v.Min > *v.Max {
		return &ValueTypeError{Key: "min", Value: strconv.FormatInt(*v.Min, 10),
			Fix: "is greater than max " + strconv.FormatInt(*v.Max, 10)}
	}
	if t != TypeEnum {
		if len(v.Values) > 0 {
			return &ValueTypeError{Key: "values", Value: strings.Join(v.Values, ", "), Fix: "are only for type enum"}
		}
		return nil
	}
	if len(v.Values) == 0 {
		return &ValueTypeError{Key: "values", Value: "", Fix: "are required for type enum"}
	}
	for i, s := range v.Values {
		key := fmt.Sprintf("values[%d]", i)
		switch {
		case s == "":
			return &ValueTypeError{Key: key, Value: s, Fix: "must not be empty"}
		case !utf8.ValidString(s):
			return &ValueTypeError{Key: key, Value: s, Fix: "is not valid UTF-8"}
		case strings.TrimSpace(s) != s:
			return &ValueTypeError{Key: key, Value: s, Fix: "must not begin or end with whitespace"}
		case strings.Contains(s, ","):
			return &ValueTypeError{Key: key, Value: s, Fix: "must not contain a comma (a spreadsheet's drop-down separates values with commas)"}
		case strings.HasPrefix(s, "="):
			return &ValueTypeError{Key: key, Value: s, Fix: "must not begin with \"=\" (a spreadsheet would read a formula)"}
		}
		for j := range i {
			if strings.EqualFold(v.Values[j], s) {
				return &ValueTypeError{Key: key, Value: s, Fix: fmt.Sprintf("repeats values[%d] %q (values are matched in any case)", j, v.Values[j])}
			}
		}
	}
	if n := len(utf16.Encode([]rune(strings.Join(v.Values, ",")))); n > maxListLength {
		return &ValueTypeError{Key: "values", Value: strings.Join(v.Values, ", "),
			Fix: fmt.Sprintf("are %d characters joined with commas; a spreadsheet's drop-down holds at most %d", n, maxListLength)}
	}
	return nil
}

// name is the type, with "" and unknown types as TypeString.
func (v ValueType) name() TypeName {
	if slices.Contains(TypeNames, v.Type) {
		return v.Type
	}
	return TypeString
}

// Render turns the value found at a JSONPath in an object's unstructured form into the cell's
// canonical text. The value is what encoding/json decodes into: nil, bool, int64, float64 or
// json.Number, string, map[string]any, []any (other Go integer and float types are read as
// numbers). A missing field is nil and renders as "" ("false" for a boolean).
//
// A value the type can read renders in the type's canonical form, the same text Parse returns
// for it: a quantity stored as the number 2 renders "2", the duration "2160h0m0s" as "2160h",
// labels sorted by key. A value the type cannot read is shown as it is, so that the sheet tells
// the truth about the cluster (Parse refuses it only if a person types it back): text trimmed,
// numbers in plain decimal, booleans "true" and "false", maps and lists as compact JSON.
func (v ValueType) Render(value any) string {
	t := v.name()
	switch value := value.(type) {
	case nil:
		if t == TypeBoolean {
			return "false"
		}
		return ""
	case string:
		s := strings.TrimSpace(value)
		if canonical, err := v.Parse(s); err == nil {
			return canonical
		}
		return s
	case bool:
		if t == TypeBoolean || t == TypeString || t == TypeEnum {
			if canonical, err := v.Parse(strconv.FormatBool(value)); err == nil {
				return canonical
			}
		}
		return strconv.FormatBool(value)
	case map[string]any:
		if t == TypeLabels {
			return renderLabels(value)
		}
	case map[string]string:
		if t == TypeLabels {
			return renderLabels(stringMap(value))
		}
	}
	if n, ok := numberText(value); ok {
		switch t {
		case TypeInteger:
			if i, ok := wholeNumber(value); ok {
				return strconv.FormatInt(i, 10)
			}
		case TypeNumber, TypeQuantity, TypeEnum:
			if canonical, err := v.Parse(n); err == nil {
				return canonical
			}
		}
		return n
	}
	return plainText(value)
}

// numberText renders a number in plain decimal ("3", "2.5", "100000000000000000000"), and
// reports whether value is a number.
func numberText(value any) (string, bool) {
	switch n := value.(type) {
	case int:
		return strconv.Itoa(n), true
	case int8:
		return strconv.FormatInt(int64(n), 10), true
	case int16:
		return strconv.FormatInt(int64(n), 10), true
	case int32:
		return strconv.FormatInt(int64(n), 10), true
	case int64:
		return strconv.FormatInt(n, 10), true
	case uint:
		return strconv.FormatUint(uint64(n), 10), true
	case uint8:
		return strconv.FormatUint(uint64(n), 10), true
	case uint16:
		return strconv.FormatUint(uint64(n), 10), true
	case uint32:
		return strconv.FormatUint(uint64(n), 10), true
	case uint64:
		return strconv.FormatUint(n, 10), true
	case float32:
		return formatFloat(float64(n), 32), true
	case float64:
		return formatFloat(n, 64), true
	case json.Number:
		if i, err := n.Int64(); err == nil {
			return strconv.FormatInt(i, 10), true
		}
		if f, err := n.Float64(); err == nil {
			return formatFloat(f, 64), true
		}
		return n.String(), true
	}
	return "", false
}

// formatFloat is plain decimal without exponent, -0 as "0"; NaN and infinities (which JSON
// cannot hold) as Go prints them.
func formatFloat(f float64, bits int) string {
	if f == 0 {
		return "0"
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return strconv.FormatFloat(f, 'g', -1, bits)
	}
	return strconv.FormatFloat(f, 'f', -1, bits)
}

// wholeNumber returns a number value that is whole and fits an int64.
func wholeNumber(value any) (int64, bool) {
	n, ok := numberText(value)
	if !ok {
		return 0, false
	}
	if i, err := strconv.ParseInt(n, 10, 64); err == nil {
		return i, true
	}
	f, err := strconv.ParseFloat(n, 64)
	if err != nil || f != math.Trunc(f) || f < -(1<<63) || f >= 1<<63 {
		return 0, false
	}
	return int64(f), true
}

// plainText renders any other value: maps and lists as compact JSON (keys sorted, HTML
// characters not escaped).
func plainText(value any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(value); err != nil {
		return fmt.Sprint(value)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// Parse turns what a person typed into the type's canonical text, the form Render gives the
// same value, so that the sync engine compares cells as strings. Surrounding whitespace is
// ignored. An empty cell is "" (unset), except for a boolean, where it is "false". What the
// type refuses is an *InvalidError (errors.Is(err, ErrInvalid)) whose Reason fits the Sync
// column: "not a whole number", "must be from 0 to 10000", "must be one of db, cache".
//
// Canonical forms: string: the text; integer: decimal digits ("5.0", "+5" and "005" read as
// "5"; no exponent, no separators); number: plain decimal without exponent ("1e3" is "1000",
// "2.50" is "2.5"); boolean: "true" or "false"; quantity: resource.Quantity's String ("1000m"
// is "1"); duration: Go's notation without zero units ("90s" is "1m30s", "2160h0m0s" is
// "2160h", sub-second as "500ms"); cron: the fields separated by single spaces, a descriptor
// in lower case ("@daily"); image: the reference as typed; enum: the value as Values spells
// it; labels: "key=value" pairs sorted by key and joined by ", " ("tier=db,app=web" is
// "app=web, tier=db").
func (v ValueType) Parse(cell string) (string, error) {
	if !utf8.ValidString(cell) {
		return "", invalid("not valid text")
	}
	s := strings.TrimSpace(cell)
	t := v.name()
	if s == "" {
		if t == TypeBoolean {
			return "false", nil
		}
		return "", nil
	}
	switch t {
	case TypeInteger:
		return v.parseInteger(s)
	case TypeNumber:
		return parseNumber(s)
	case TypeBoolean:
		return parseBoolean(s)
	case TypeQuantity:
		return parseQuantity(s)
	case TypeDuration:
		return parseDuration(s)
	case TypeCron:
		return parseCron(s)
	case TypeImage:
		return ParseImage(s)
	case TypeEnum:
		return v.parseEnum(s)
	case TypeLabels:
		m, err := parseLabels(s)
		if err != nil {
			return "", err
		}
		return renderLabels(stringMap(m)), nil
	}
	return s, nil
}

// parseInteger reads a whole number as ParseReplicas does: an optional sign, decimal digits,
// and optionally a point followed by zeros.
func (v ValueType) parseInteger(s string) (string, error) {
	digits := s
	negative := false
	switch digits[0] {
	case '-':
		negative = true
		digits = digits[1:]
	case '+':
		digits = digits[1:]
	}
	whole, frac, hasPoint := strings.Cut(digits, ".")
	if whole == "" || !allDigits(whole) || (hasPoint && (frac == "" || !allDigits(frac))) ||
		strings.Trim(frac, "0") != "" {
		return "", invalid("not a whole number")
	}
	whole = strings.TrimLeft(whole, "0")
	if whole == "" {
		whole = "0"
	}
	if negative {
		whole = "-" + whole // ParseInt reads -9223372036854775808, not its absolute value
	}
	n, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		if v.Min != nil || v.Max != nil {
			return "", invalid(v.rangeReason())
		}
		return "", invalid("too large for a whole number")
	}
	if (v.Min != nil && n < *v.Min) || (v.Max != nil && n > *v.Max) {
		return "", invalid(v.rangeReason())
	}
	return strconv.FormatInt(n, 10), nil
}

func (v ValueType) rangeReason() string {
	switch {
	case v.Min != nil && v.Max != nil:
		return fmt.Sprintf("must be from %d to %d", *v.Min, *v.Max)
	case v.Min != nil:
		return fmt.Sprintf("must be at least %d", *v.Min)
	default:
		return fmt.Sprintf("must be at most %d", *v.Max)
	}
}

// decimalRE is a decimal number as a person writes it: no hexadecimal, no underscores, no
// "Inf" or "NaN", which strconv.ParseFloat would accept.
var decimalRE = regexp.MustCompile(`^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$`)

func parseNumber(s string) (string, error) {
	if !decimalRE.MatchString(s) {
		return "", invalid("not a number")
	}
	// Whole numbers that fit an int64 keep every digit; a float64 has only 53 bits.
	if i, err := strconv.ParseInt(strings.TrimPrefix(s, "+"), 10, 64); err == nil {
		return strconv.FormatInt(i, 10), nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) {
		return "", invalid("number too large")
	}
	return formatFloat(f, 64), nil
}

func parseBoolean(s string) (string, error) {
	switch strings.ToLower(s) {
	case "true", "yes":
		return "true", nil
	case "false", "no":
		return "false", nil
	}
	return "", invalid("must be TRUE or FALSE")
}

// maxQuantityExponent bounds the quantities Parse reads to 1e-1000 < |q| < 1e1000:
// resource.ParseQuantity takes seconds, then minutes, to round a quantity whose exponent runs
// into the millions ("1e-99999999", "123456789012345678901234567890e999999").
const maxQuantityExponent = 1000

func parseQuantity(s string) (string, error) {
	if err := checkQuantityExponent(s); err != nil {
		return "", err
	}
	q, err := resource.ParseQuantity(s)
	if err != nil {
		return "", invalid("not a quantity (e.g. 500m, 2Gi, 1.5)")
	}
	// Quantity.String loses values beyond its largest suffix ("1" and 300 zeros is "1"): refuse
	// what its own canonical form does not keep.
	canonical := q.String()
	if again, err := resource.ParseQuantity(canonical); err != nil || again.Cmp(q) != 0 {
		return "", invalid("quantity too large")
	}
	return canonical, nil
}

// checkQuantityExponent refuses a quantity written with an exponent ("1e3") whose value has
// more than maxQuantityExponent digits before the point, or whose exponent is below
// -maxQuantityExponent. It bounds the value, not the text, so that canonical forms, whose
// exponents are multiples of 3 ("1000e1000" is "10e1002"), stay within it.
func checkQuantityExponent(s string) error {
	i := strings.IndexAny(s, "eE")
	if i < 0 {
		return nil
	}
	mantissa, exp := s[:i], s[i+1:]
	negative := strings.HasPrefix(exp, "-")
	exp = strings.TrimLeft(strings.TrimPrefix(strings.TrimPrefix(exp, "-"), "+"), "0")
	if !allDigits(exp) || (exp == "" && !strings.ContainsAny(s[i+1:], "0")) {
		return nil // "1E" (exa), "1Ei": a suffix; or not a quantity at all
	}
	tooSmall := invalid("quantity exponent must be at least -" + strconv.Itoa(maxQuantityExponent))
	tooLarge := invalid("quantity too large")
	if len(exp) > 9 {
		if negative {
			return tooSmall
		}
		return tooLarge
	}
	n, _ := strconv.Atoi("0" + exp)
	if negative {
		n = -n
	}
	whole, _, _ := strings.Cut(strings.TrimLeft(mantissa, "+-"), ".")
	if n < -maxQuantityExponent {
		return tooSmall
	}
	if n+len(strings.TrimLeft(whole, "0")) > maxQuantityExponent {
		return tooLarge
	}
	return nil
}

func parseDuration(s string) (string, error) {
	d, err := time.ParseDuration(s)
	if err != nil {
		return "", invalid("not a duration (e.g. 90s, 1h30m, 500ms)")
	}
	return formatDuration(d), nil
}

// formatDuration writes d as time.Duration.String does, without the zero units it adds to
// durations of a second or more: "1m30s", "2160h", "1h5s", "1m30.5s"; below a second
// "500ms", "1.5µs"; zero "0s".
func formatDuration(d time.Duration) string {
	if d > -time.Second && d < time.Second {
		return d.String() // "0s", "500ms", "-1.5µs": no units to drop
	}
	var b strings.Builder
	u := uint64(d)
	if d < 0 {
		b.WriteByte('-')
		u = -u // also right for math.MinInt64
	}
	h, m := u/uint64(time.Hour), u%uint64(time.Hour)/uint64(time.Minute)
	ns := u % uint64(time.Minute)
	if h > 0 {
		b.WriteString(strconv.FormatUint(h, 10) + "h")
	}
	if m > 0 {
		b.WriteString(strconv.FormatUint(m, 10) + "m")
	}
	if ns > 0 || (h == 0 && m == 0) {
		b.WriteString(strconv.FormatUint(ns/uint64(time.Second), 10))
		if frac := ns % uint64(time.Second); frac > 0 {
			b.WriteString("." + strings.TrimRight(fmt.Sprintf("%09d", frac), "0"))
		}
		b.WriteByte('s')
	}
	return b.String()
}

// cronParser reads schedules as the API server validates a CronJob's spec.schedule: five
// fields or a descriptor (@yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly,
// @every <duration>).
var cronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

func parseCron(s string) (canonical string, err error) {
	// The API server refuses "TZ" anywhere in a new schedule (batch/v1 validation); checking
	// first also keeps the time zone out of robfig/cron, which loads it from the system and
	// panics on "TZ=x" without a space.
	if strings.Contains(s, "TZ") {
		return "", invalid("not a cron schedule: TZ= and CRON_TZ= are not allowed, set the CronJob's timeZone")
	}
	fields := strings.Fields(s)
	if strings.HasPrefix(fields[0], "@") {
		fields[0] = strings.ToLower(fields[0])
	}
	spec := strings.Join(fields, " ")
	defer func() {
		if recover() != nil {
			canonical, err = "", invalid("not a cron schedule")
		}
	}()
	if _, err := cronParser.Parse(spec); err != nil {
		return "", invalid("not a cron schedule: " + err.Error())
	}
	return spec, nil
}

func (v ValueType) parseEnum(s string) (string, error) {
	for _, value := range v.Values {
		if strings.EqualFold(s, value) {
			return value, nil
		}
	}
	if len(v.Values) == 0 {
		return "", invalid("must be empty: the column lists no values")
	}
	return "", invalid("must be one of " + strings.Join(v.Values, ", "))
}

// labelSeparator joins the pairs of a labels cell.
const labelSeparator = ", "

// parseLabels reads "key=value" pairs separated by commas or line breaks; whitespace around
// pairs, keys and values is ignored, as are empty pairs ("app=web,"). Keys are qualified names
// and values label values, as the API server checks labels; a key given twice is refused.
func parseLabels(s string) (map[string]string, error) {
	m := map[string]string{}
	for _, pair := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '\n' || r == '\r' }) {
		pair = strings.TrimSpace(pair)
		if pair == "" {
			continue
		}
		k, val, ok := strings.Cut(pair, "=")
		if !ok {
			return nil, invalid(fmt.Sprintf("%q is not key=value", pair))
		}
		k, val = strings.TrimSpace(k), strings.TrimSpace(val)
		if msgs := validation.IsQualifiedName(k); len(msgs) > 0 {
			return nil, invalid(fmt.Sprintf("label key %q: %s", k, strings.Join(msgs, "; ")))
		}
		if msgs := validation.IsValidLabelValue(val); len(msgs) > 0 {
			return nil, invalid(fmt.Sprintf("label %s value %q: %s", k, val, strings.Join(msgs, "; ")))
		}
		if _, dup := m[k]; dup {
			return nil, invalid(fmt.Sprintf("label %s is given twice", k))
		}
		m[k] = val
	}
	return m, nil
}

func stringMap(m map[string]string) map[string]any {
	out := make(map[string]any, len(m))
	for k, s := range m {
		out[k] = s
	}
	return out
}

// renderLabels writes a map as "key=value" pairs sorted by key; values that are not strings
// in plain text.
func renderLabels(m map[string]any) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteString(labelSeparator)
		}
		val, ok := m[k].(string)
		if !ok {
			val = ValueType{}.Render(m[k])
		}
		b.WriteString(k + "=" + val)
	}
	return b.String()
}

// PatchValue is the JSON value a merge patch sets the field to for the canonical value new,
// the field's canonical value being old (only labels need it). "" is unset for every type but
// string: nil, JSON null, with which a merge patch removes the field. Otherwise: string, cron,
// image, enum, quantity and duration: the canonical text; integer: int64; number: int64 when
// whole and within int64, else float64; boolean: bool; labels: a map[string]any of the new
// pairs, with the keys old had that new lacks set to nil, so that the merge patch removes them
// and leaves the others alone. A new value that Parse refuses is its *InvalidError.
func (v ValueType) PatchValue(old, new string) (any, error) {
	t := v.name()
	if t == TypeString {
		return v.Parse(new)
	}
	if strings.TrimSpace(new) == "" && t != TypeLabels {
		return nil, nil
	}
	canonical, err := v.Parse(new)
	if err != nil {
		return nil, err
	}
	switch t {
	case TypeInteger:
		return strconv.ParseInt(canonical, 10, 64)
	case TypeNumber:
		if i, err := strconv.ParseInt(canonical, 10, 64); err == nil {
			return i, nil
		}
		return strconv.ParseFloat(canonical, 64)
	case TypeBoolean:
		return canonical == "true", nil
	case TypeLabels:
		m, err := parseLabels(canonical)
		if err != nil {
			return nil, err
		}
		patch := make(map[string]any, len(m))
		for _, k := range labelKeys(old) {
			patch[k] = nil
		}
		for k, val := range m {
			patch[k] = val
		}
		return patch, nil
	}
	return canonical, nil
}

// labelKeys returns the keys of a labels cell without checking it: old is what the cluster
// held, and every key it had must be removable.
func labelKeys(cell string) []string {
	var keys []string
	for _, pair := range strings.FieldsFunc(cell, func(r rune) bool { return r == ',' || r == '\n' || r == '\r' }) {
		k, _, _ := strings.Cut(pair, "=")
		if k = strings.TrimSpace(k); k != "" {
			keys = append(keys, k)
		}
	}
	return keys
}

// Sheet is the presentation the type gives an editable column's cells; the caller adds the
// Name, Width, Editable and colours. Integer: Number (whole numbers stored as numbers) and
// WholeNumber validation from Min to Max, where an unset bound is ±999,999,999,999,999 (the
// whole numbers a spreadsheet holds exactly) and a bound beyond it is cut to it; enum: a List
// of the Values; boolean: a List of "true" and "false", the text Render writes, so that the
// daemon's own cells match the drop-down whatever a spreadsheet's case rules (a spreadsheet
// that turns a choice or a typed true into its boolean TRUE reads back "TRUE", which Parse
// reads). Other types: nothing.
func (v ValueType) Sheet() sheets.Column {
	switch v.name() {
	case TypeInteger:
		lo, hi := int64(sheetWholeMin), int64(sheetWholeMax)
		if v.Min != nil {
			lo = min(max(*v.Min, sheetWholeMin), sheetWholeMax)
		}
		if v.Max != nil {
			hi = min(max(*v.Max, sheetWholeMin), sheetWholeMax)
		}
		return sheets.Column{Number: true, WholeNumber: &sheets.Range{Min: clampInt(lo), Max: clampInt(hi)}}
	case TypeEnum:
		return sheets.Column{List: slices.Clone(v.Values)}
	case TypeBoolean:
		return sheets.Column{List: []string{"true", "false"}}
	}
	return sheets.Column{}
}

// clampInt converts to int, cutting to its range where int has 32 bits.
func clampInt(n int64) int {
	return int(min(max(n, math.MinInt), math.MaxInt))
}
