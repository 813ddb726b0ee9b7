package mapping

import (
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/sheetops/sheetops/sheets"
)

func i64(n int64) *int64 { return &n }

func TestParseTypeName(t *testing.T) {
	for _, name := range TypeNames {
		if got, err := ParseTypeName(string(name)); err != nil || got != name {
			t.Errorf("ParseTypeName(%q) = %q, %v", name, got, err)
		}
	}
	if got, err := ParseTypeName(""); err != nil || got != TypeString {
		t.Errorf(`ParseTypeName("") = %q, %v; want string`, got, err)
	}
	for _, s := range []string{"int", "Integer", " integer", "bool", "list"} {
		_, err := ParseTypeName(s)
		var te *ValueTypeError
		if !errors.As(err, &te) || te.Key != "type" || te.Value != s {
			t.Fatalf("ParseTypeName(%q): error %v, want a *ValueTypeError for type", s, err)
		}
		if !strings.Contains(te.Fix, "integer") || !strings.Contains(te.Fix, "labels") {
			t.Errorf("ParseTypeName(%q): %q does not list the known types", s, te.Fix)
		}
	}
}

func TestValueTypeValidate(t *testing.T) {
	tests := []struct {
		name string
		v    ValueType
		key  string // "": valid
	}{
		{"zero", ValueType{}, ""},
		{"every type", ValueType{Type: TypeLabels}, ""},
		{"integer bounded", ValueType{Type: TypeInteger, Min: i64(0), Max: i64(10000)}, ""},
		{"integer min only", ValueType{Type: TypeInteger, Min: i64(1)}, ""},
		{"integer min is max", ValueType{Type: TypeInteger, Min: i64(3), Max: i64(3)}, ""},
		{"enum", ValueType{Type: TypeEnum, Values: []string{"db", "cache"}}, ""},
		{"unknown type", ValueType{Type: "int"}, "type"},
		{"min above max", ValueType{Type: TypeInteger, Min: i64(10), Max: i64(5)}, "min"},
		{"min on number", ValueType{Type: TypeNumber, Min: i64(0)}, "min"},
		{"max on string", ValueType{Max: i64(5)}, "max"},
		{"values on string", ValueType{Values: []string{"a"}}, "values"},
		{"enum without values", ValueType{Type: TypeEnum}, "values"},
		{"empty value", ValueType{Type: TypeEnum, Values: []string{"a", ""}}, "values[1]"},
		{"spaced value", ValueType{Type: TypeEnum, Values: []string{" a"}}, "values[0]"},
		{"comma", ValueType{Type: TypeEnum, Values: []string{"a,b"}}, "values[0]"},
		{"formula", ValueType{Type: TypeEnum, Values: []string{"=A1"}}, "values[0]"},
		{"repeated in another case", ValueType{Type: TypeEnum, Values: []string{"db", "cache", "DB"}}, "values[2]"},
		{"too long for a drop-down", ValueType{Type: TypeEnum, Values: []string{strings.Repeat("a", 200), strings.Repeat("b", 60)}}, "values"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.v.Validate()
			if tt.key == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			var te *ValueTypeError
			if !errors.As(err, &te) || te.Key != tt.key {
				t.Fatalf("Validate() = %v, want a *ValueTypeError for %s", err, tt.key)
			}
		})
	}
}

func TestValueTypeParse(t *testing.T) {
	var (
		str      = ValueType{}
		integer  = ValueType{Type: TypeInteger}
		replicas = ValueType{Type: TypeInteger, Min: i64(0), Max: i64(10000)}
		atLeast  = ValueType{Type: TypeInteger, Min: i64(1)}
		atMost   = ValueType{Type: TypeInteger, Max: i64(-1)}
		number   = ValueType{Type: TypeNumber}
		boolean  = ValueType{Type: TypeBoolean}
		quantity = ValueType{Type: TypeQuantity}
		duration = ValueType{Type: TypeDuration}
		schedule = ValueType{Type: TypeCron}
		image    = ValueType{Type: TypeImage}
		tier     = ValueType{Type: TypeEnum, Values: []string{"db", "cache", "Web"}}
		labels   = ValueType{Type: TypeLabels}
	)
	tests := []struct {
		name   string
		v      ValueType
		cell   string
		want   string
		reason string // "": valid; else the start of the error's Reason
	}{
		{"string trimmed", str, "  hello world \t", "hello world", ""},
		{"string empty", str, "", "", ""},
		{"string unknown type", ValueType{Type: "bogus"}, " x ", "x", ""},
		{"string invalid UTF-8", str, "a\xffb", "", "not valid text"},

		{"integer", integer, "42", "42", ""},
		{"integer spaces", integer, " 42\u00a0", "42", ""},
		{"integer decimal zeros", integer, "5.0", "5", ""},
		{"integer plus and zeros", integer, "+007", "7", ""},
		{"integer negative", integer, "-12", "-12", ""},
		{"integer minus zero", integer, "-0", "0", ""},
		{"integer min int64", integer, "-9223372036854775808", "-9223372036854775808", ""},
		{"integer empty is unset", integer, " ", "", ""},
		{"integer fraction", integer, "3.5", "", "not a whole number"},
		{"integer exponent", integer, "1e3", "", "not a whole number"},
		{"integer separator", integer, "1,000", "", "not a whole number"},
		{"integer word", integer, "five", "", "not a whole number"},
		{"integer trailing point", integer, "5.", "", "not a whole number"},
		{"integer overflow", integer, "9223372036854775808", "", "too large for a whole number"},
		{"integer in range", replicas, "10000", "10000", ""},
		{"integer above max", replicas, "10001", "", "must be from 0 to 10000"},
		{"integer below min", replicas, "-1", "", "must be from 0 to 10000"},
		{"integer overflow with bounds", replicas, "99999999999999999999", "", "must be from 0 to 10000"},
		{"integer at least", atLeast, "0", "", "must be at least 1"},
		{"integer at most", atMost, "0", "", "must be at most -1"},

		{"number", number, "2.5", "2.5", ""},
		{"number trailing zeros", number, "2.50", "2.5", ""},
		{"number whole", number, "3.0", "3", ""},
		{"number exponent", number, "1e3", "1000", ""},
		{"number small", number, "-1.5E-3", "-0.0015", ""},
		{"number leading point", number, ".5", "0.5", ""},
		{"number minus zero", number, "-0.0", "0", ""},
		{"number big integer exact", number, "9007199254740993", "9007199254740993", ""},
		{"number NaN", number, "NaN", "", "not a number"},
		{"number Inf", number, "-Inf", "", "not a number"},
		{"number hex", number, "0x1p-2", "", "not a number"},
		{"number comma", number, "1,5", "", "not a number"},
		{"number overflow", number, "1e400", "", "number too large"},

		{"boolean TRUE", boolean, "TRUE", "true", ""},
		{"boolean False", boolean, " False ", "false", ""},
		{"boolean yes", boolean, "yes", "true", ""},
		{"boolean NO", boolean, "NO", "false", ""},
		{"boolean empty is false", boolean, "", "false", ""},
		{"boolean one", boolean, "1", "", "must be TRUE or FALSE"},
		{"boolean word", boolean, "on", "", "must be TRUE or FALSE"},

		{"quantity", quantity, "500m", "500m", ""},
		{"quantity canonical", quantity, "1000m", "1", ""},
		{"quantity binary", quantity, "2Gi", "2Gi", ""},
		{"quantity decimal", quantity, "1.5", "1500m", ""},
		{"quantity exponent", quantity, "1e3", "1e3", ""},
		{"quantity bytes", quantity, "1024Mi", "1Gi", ""},
		{"quantity unset", quantity, "", "", ""},
		{"quantity unit", quantity, "2GB", "", "not a quantity"},
		{"quantity space", quantity, "2 Gi", "", "not a quantity"},
		{"quantity exponent large", quantity, "1e300", "1e300", ""},
		{"quantity beyond suffixes", quantity, "1" + strings.Repeat("0", 300), "", "quantity too large"},
		{"quantity tiny exponent", quantity, "1e-99999999", "", "quantity exponent must be at least -1000"},
		{"quantity tiny exponent bound", quantity, "1e-1000", "1e-9", ""},
		{"quantity tiny exponent beyond", quantity, "1e-1001", "", "quantity exponent must be at least -1000"},
		{"quantity huge exponent", quantity, "123456789012345678901234567890e999999", "", "quantity too large"},
		{"quantity huge exponent text", quantity, "1e99999999999", "", "quantity too large"},
		{"quantity large canonical", quantity, "100e997", "1e999", ""},
		{"quantity exponent zeros", quantity, "1e-000000000000005", "10e-6", ""},
		{"quantity exponent bound", quantity, "1e999", "1e999", ""},
		{"quantity exponent above bound", quantity, "1e1000", "", "quantity too large"},
		{"quantity mantissa above bound", quantity, "10e999", "", "quantity too large"},
		{"quantity binary capped", quantity, "9223372036854775807Ei", "9223372036854775807", ""},

		{"duration", duration, "90s", "1m30s", ""},
		{"duration hours", duration, "2160h", "2160h", ""},
		{"duration Go form", duration, "2160h0m0s", "2160h", ""},
		{"duration fraction of hour", duration, "1.5h", "1h30m", ""},
		{"duration millis", duration, "500ms", "500ms", ""},
		{"duration fraction of second", duration, "1m30.5s", "1m30.5s", ""},
		{"duration zero", duration, "0", "0s", ""},
		{"duration negative", duration, "-61s", "-1m1s", ""},
		{"duration us", duration, "1500us", "1.5ms", ""},
		{"duration days", duration, "1d", "", "not a duration"},
		{"duration no unit", duration, "90", "", "not a duration"},

		{"cron", schedule, "*/5 * * * *", "*/5 * * * *", ""},
		{"cron spaces", schedule, "  0   3 * *\t1-5 ", "0 3 * * 1-5", ""},
		{"cron names", schedule, "0 0 1 jan-jun MON", "0 0 1 jan-jun MON", ""},
		{"cron descriptor", schedule, "@daily", "@daily", ""},
		{"cron descriptor case", schedule, "@Hourly", "@hourly", ""},
		{"cron every", schedule, "@every  5m", "@every 5m", ""},
		{"cron unset", schedule, "", "", ""},
		{"cron four fields", schedule, "0 0 * *", "", "not a cron schedule: expected exactly 5 fields"},
		{"cron seconds field", schedule, "0 0 0 * * *", "", "not a cron schedule: expected exactly 5 fields"},
		{"cron out of range", schedule, "60 * * * *", "", "not a cron schedule: "},
		{"cron unknown descriptor", schedule, "@fortnightly", "", "not a cron schedule: "},
		{"cron CRON_TZ", schedule, "CRON_TZ=UTC 0 0 * * *", "", "not a cron schedule: TZ= and CRON_TZ= are not allowed"},
		{"cron TZ without space", schedule, "TZ=UTC", "", "not a cron schedule: TZ= and CRON_TZ= are not allowed"},

		{"image", image, " nginx:1.27 ", "nginx:1.27", ""},
		{"image registry", image, "registry.example.com:5000/team/app:v1", "registry.example.com:5000/team/app:v1", ""},
		{"image unset", image, "", "", ""},
		{"image uppercase", image, "Nginx", "", "image repository must be lowercase"},
		{"image spaces", image, "nginx 1.27", "", "image must not contain spaces"},

		{"enum", tier, "db", "db", ""},
		{"enum case", tier, " CACHE ", "cache", ""},
		{"enum listed spelling", tier, "web", "Web", ""},
		{"enum unset", tier, "", "", ""},
		{"enum other", tier, "queue", "", "must be one of db, cache, Web"},
		{"enum without values", ValueType{Type: TypeEnum}, "x", "", "must be empty"},

		{"labels", labels, "app=web", "app=web", ""},
		{"labels sorted", labels, "tier=db,app=web", "app=web, tier=db", ""},
		{"labels spaces", labels, " tier = db ,  app=web ", "app=web, tier=db", ""},
		{"labels semicolon", labels, "tier=db; app=web", "", `label tier value "db; app=web": `},
		{"labels lines", labels, "tier=db\napp=web,", "app=web, tier=db", ""},
		{"labels prefixed key", labels, "app.kubernetes.io/name=web", "app.kubernetes.io/name=web", ""},
		{"labels empty value", labels, "canary=", "canary=", ""},
		{"labels unset", labels, "", "", ""},
		{"labels no equals", labels, "app", "", `"app" is not key=value`},
		{"labels bad key", labels, "my key=x", "", `label key "my key": `},
		{"labels bad value", labels, "app=a b", "", `label app value "a b": `},
		{"labels long value", labels, "app=" + strings.Repeat("a", 64), "", "label app value"},
		{"labels twice", labels, "app=a, app=b", "", "label app is given twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.v.Parse(tt.cell)
			if tt.reason == "" {
				if err != nil || got != tt.want {
					t.Fatalf("Parse(%q) = %q, %v; want %q", tt.cell, got, err, tt.want)
				}
				if again, err := tt.v.Parse(got); err != nil || again != got {
					t.Fatalf("Parse(%q) = %q, but that parses as %q, %v", tt.cell, got, again, err)
				}
				return
			}
			checkInvalid(t, tt.cell, err)
			var ie *InvalidError
			errors.As(err, &ie)
			if !strings.HasPrefix(ie.Reason, tt.reason) {
				t.Fatalf("Parse(%q): reason %q, want it to begin %q", tt.cell, ie.Reason, tt.reason)
			}
		})
	}
}

func TestValueTypeRender(t *testing.T) {
	tests := []struct {
		name  string
		v     ValueType
		value any
		want  string
	}{
		{"missing", ValueType{}, nil, ""},
		{"missing integer", ValueType{Type: TypeInteger}, nil, ""},
		{"missing boolean", ValueType{Type: TypeBoolean}, nil, "false"},
		{"string", ValueType{}, " web ", "web"},
		{"string of int", ValueType{}, int64(3), "3"},
		{"string of float", ValueType{}, 2.5, "2.5"},
		{"string of big float", ValueType{}, 1e21, "1000000000000000000000"},
		{"string of bool", ValueType{}, true, "true"},
		{"string of map", ValueType{}, map[string]any{"b": "<1>", "a": []any{int64(1), "x"}}, `{"a":[1,"x"],"b":"<1>"}`},
		{"string of list", ValueType{}, []any{"a", "b"}, `["a","b"]`},
		{"string of json.Number", ValueType{}, json.Number("1e3"), "1000"},

		{"integer", ValueType{Type: TypeInteger}, int64(42), "42"},
		{"integer from float", ValueType{Type: TypeInteger}, float64(42), "42"},
		{"integer from json.Number", ValueType{Type: TypeInteger}, json.Number("42"), "42"},
		{"integer from int32", ValueType{Type: TypeInteger}, int32(-7), "-7"},
		{"integer with a fraction", ValueType{Type: TypeInteger}, 2.5, "2.5"},
		{"integer held as text", ValueType{Type: TypeInteger}, "25%", "25%"},
		{"integer out of bounds shown", ValueType{Type: TypeInteger, Max: i64(3)}, int64(5), "5"},

		{"number", ValueType{Type: TypeNumber}, 0.1, "0.1"},
		{"number int", ValueType{Type: TypeNumber}, int64(-3), "-3"},
		{"number tiny", ValueType{Type: TypeNumber}, 1.5e-7, "0.00000015"},
		{"number text", ValueType{Type: TypeNumber}, "2.50", "2.5"},

		{"boolean", ValueType{Type: TypeBoolean}, true, "true"},
		{"boolean false", ValueType{Type: TypeBoolean}, false, "false"},
		{"boolean text", ValueType{Type: TypeBoolean}, "True", "true"},
		{"boolean other", ValueType{Type: TypeBoolean}, "maybe", "maybe"},

		{"quantity", ValueType{Type: TypeQuantity}, "1000m", "1"},
		{"quantity number", ValueType{Type: TypeQuantity}, int64(2), "2"},
		{"quantity fraction", ValueType{Type: TypeQuantity}, 0.5, "500m"},
		{"quantity bad", ValueType{Type: TypeQuantity}, "lots", "lots"},

		{"duration Go form", ValueType{Type: TypeDuration}, "2160h0m0s", "2160h"},
		{"duration", ValueType{Type: TypeDuration}, "1h0m5s", "1h5s"},
		{"duration number", ValueType{Type: TypeDuration}, int64(30), "30"},

		{"cron", ValueType{Type: TypeCron}, "0  3 * * *", "0 3 * * *"},
		{"cron with TZ as held", ValueType{Type: TypeCron}, "CRON_TZ=UTC 0 3 * * *", "CRON_TZ=UTC 0 3 * * *"},

		{"image", ValueType{Type: TypeImage}, "nginx:1.27", "nginx:1.27"},

		{"enum", ValueType{Type: TypeEnum, Values: []string{"db", "cache"}}, "DB", "db"},
		{"enum other", ValueType{Type: TypeEnum, Values: []string{"db"}}, "queue", "queue"},
		{"enum number", ValueType{Type: TypeEnum, Values: []string{"1", "2"}}, int64(2), "2"},
		{"enum bool", ValueType{Type: TypeEnum, Values: []string{"True", "False"}}, true, "True"},

		{"labels", ValueType{Type: TypeLabels}, map[string]any{"tier": "db", "app": "web"}, "app=web, tier=db"},
		{"labels typed", ValueType{Type: TypeLabels}, map[string]string{"b": "2", "a": "1"}, "a=1, b=2"},
		{"labels empty", ValueType{Type: TypeLabels}, map[string]any{}, ""},
		{"labels not strings", ValueType{Type: TypeLabels}, map[string]any{"n": int64(1), "t": true}, "n=1, t=true"},
		{"labels text", ValueType{Type: TypeLabels}, "b=2,a=1", "a=1, b=2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.v.Render(tt.value); got != tt.want {
				t.Fatalf("Render(%#v) = %q, want %q", tt.value, got, tt.want)
			}
		})
	}
}

// TestValueTypeRoundTrip checks that what the cluster can hold renders in canonical form:
// Parse(Render(x)) == Render(x), so an untouched cell never reads as an edit.
func TestValueTypeRoundTrip(t *testing.T) {
	held := map[TypeName][]any{
		TypeString:   {nil, "", "web", "  padded ", int64(1), 2.5, true, map[string]any{"a": "b"}},
		TypeInteger:  {nil, int64(0), int64(-5), int64(math.MaxInt64), int64(math.MinInt64), float64(3), json.Number("7"), 1e18},
		TypeNumber:   {nil, int64(3), 2.5, 0.1, -1e-9, 1e21, 1e300, math.MaxFloat64, math.SmallestNonzeroFloat64, float64(1 << 63), json.Number("2.50")},
		TypeBoolean:  {nil, true, false, "true"},
		TypeQuantity: {nil, "100m", "0.1", "1Gi", "1024Mi", "1e3", "5E6", "1.5Ki", "0", "-1", int64(4), 0.25, "123456789012345678901234567890"},
		TypeDuration: {nil, "0s", "1h0m0s", "2160h0m0s", "1m30.5s", "1.5ms", "-5s", "2562047h47m16.854775807s"},
		TypeCron:     {nil, "*/5 * * * *", "0 0 1 1 *", "@yearly", "@every 1h30m", "0 9-17 * * MON-FRI"},
		TypeImage:    {nil, "nginx", "nginx:1.27", "ghcr.io/a/b@sha256:" + strings.Repeat("ab", 32)},
		TypeEnum:     {nil, "db", "cache"},
		TypeLabels:   {nil, map[string]any{}, map[string]any{"app": "web", "app.kubernetes.io/name": "x", "canary": ""}},
	}
	for _, name := range TypeNames {
		v := ValueType{Type: name}
		if name == TypeEnum {
			v.Values = []string{"db", "cache"}
		}
		for _, x := range held[name] {
			r := v.Render(x)
			if got, err := v.Parse(r); err != nil || got != r {
				t.Errorf("%s: Render(%#v) = %q, which parses as %q, %v", name, x, r, got, err)
			}
		}
	}
}

func TestValueTypePatchValue(t *testing.T) {
	tests := []struct {
		name     string
		v        ValueType
		old, new string
		want     any
	}{
		{"string", ValueType{}, "a", "b", "b"},
		{"string cleared", ValueType{}, "a", "", ""},
		{"integer", ValueType{Type: TypeInteger}, "1", "5", int64(5)},
		{"integer unset", ValueType{Type: TypeInteger}, "1", "", nil},
		{"number whole", ValueType{Type: TypeNumber}, "", "3", int64(3)},
		{"number fraction", ValueType{Type: TypeNumber}, "", "2.5", 2.5},
		{"number huge", ValueType{Type: TypeNumber}, "", "100000000000000000000", 1e20},
		{"boolean true", ValueType{Type: TypeBoolean}, "false", "true", true},
		{"boolean false", ValueType{Type: TypeBoolean}, "true", "false", false},
		{"quantity", ValueType{Type: TypeQuantity}, "1", "500m", "500m"},
		{"quantity unset", ValueType{Type: TypeQuantity}, "1", "", nil},
		{"duration", ValueType{Type: TypeDuration}, "", "1m30s", "1m30s"},
		{"cron", ValueType{Type: TypeCron}, "", "@daily", "@daily"},
		{"image", ValueType{Type: TypeImage}, "nginx:1", "nginx:2", "nginx:2"},
		{"image unset", ValueType{Type: TypeImage}, "nginx:1", "", nil},
		{"enum", ValueType{Type: TypeEnum, Values: []string{"db"}}, "", "db", "db"},
		{"labels", ValueType{Type: TypeLabels}, "app=web, tier=db", "app=api, env=prod",
			map[string]any{"app": "api", "env": "prod", "tier": nil}},
		{"labels cleared", ValueType{Type: TypeLabels}, "app=web", "", map[string]any{"app": nil}},
		{"labels from none", ValueType{Type: TypeLabels}, "", "app=web", map[string]any{"app": "web"}},
		{"labels old not labels", ValueType{Type: TypeLabels}, "a b=c d", "x=y", map[string]any{"a b": nil, "x": "y"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.v.PatchValue(tt.old, tt.new)
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("PatchValue(%q, %q) = %#v, %v; want %#v", tt.old, tt.new, got, err, tt.want)
			}
		})
	}
	for _, tt := range []struct {
		v   ValueType
		new string
	}{
		{ValueType{Type: TypeInteger, Max: i64(3)}, "5"},
		{ValueType{Type: TypeBoolean}, "maybe"},
		{ValueType{Type: TypeEnum, Values: []string{"db"}}, "cache"},
		{ValueType{Type: TypeLabels}, "x"},
	} {
		if _, err := tt.v.PatchValue("", tt.new); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s PatchValue(%q): error %v, want ErrInvalid", tt.v.Type, tt.new, err)
		}
	}
}

func TestValueTypeSheet(t *testing.T) {
	tests := []struct {
		name string
		v    ValueType
		want sheets.Column
	}{
		{"string", ValueType{}, sheets.Column{}},
		{"integer bounded", ValueType{Type: TypeInteger, Min: i64(0), Max: i64(10000)},
			sheets.Column{Number: true, WholeNumber: &sheets.Range{Min: 0, Max: 10000}}},
		{"integer unbounded", ValueType{Type: TypeInteger},
			sheets.Column{Number: true, WholeNumber: &sheets.Range{Min: -999_999_999_999_999, Max: 999_999_999_999_999}}},
		{"integer min only", ValueType{Type: TypeInteger, Min: i64(1)},
			sheets.Column{Number: true, WholeNumber: &sheets.Range{Min: 1, Max: 999_999_999_999_999}}},
		{"integer bounds cut", ValueType{Type: TypeInteger, Min: i64(math.MinInt64), Max: i64(math.MaxInt64)},
			sheets.Column{Number: true, WholeNumber: &sheets.Range{Min: -999_999_999_999_999, Max: 999_999_999_999_999}}},
		{"enum", ValueType{Type: TypeEnum, Values: []string{"db", "cache"}}, sheets.Column{List: []string{"db", "cache"}}},
		{"boolean", ValueType{Type: TypeBoolean}, sheets.Column{List: []string{"true", "false"}}},
		{"quantity", ValueType{Type: TypeQuantity}, sheets.Column{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.v.Sheet(); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("Sheet() = %+v, want %+v", got, tt.want)
			}
		})
	}
	v := ValueType{Type: TypeEnum, Values: []string{"db"}}
	v.Sheet().List[0] = "changed"
	if v.Values[0] != "db" {
		t.Fatal("Sheet().List shares the Values")
	}
	// Every value of the boolean drop-down parses.
	for _, s := range (ValueType{Type: TypeBoolean}).Sheet().List {
		if _, err := (ValueType{Type: TypeBoolean}).Parse(s); err != nil {
			t.Errorf("boolean list value %q: %v", s, err)
		}
	}
}

func TestFormatDuration(t *testing.T) {
	for _, tt := range []struct {
		d    time.Duration
		want string
	}{
		{0, "0s"},
		{time.Nanosecond, "1ns"},
		{1500 * time.Microsecond, "1.5ms"},
		{500 * time.Millisecond, "500ms"},
		{time.Second, "1s"},
		{90 * time.Second, "1m30s"},
		{time.Hour, "1h"},
		{time.Hour + 5*time.Second, "1h5s"},
		{time.Hour + time.Minute, "1h1m"},
		{2160 * time.Hour, "2160h"},
		{time.Minute + 500*time.Millisecond, "1m0.5s"},
		{time.Hour + time.Nanosecond, "1h0.000000001s"},
		{-90 * time.Second, "-1m30s"},
		{-500 * time.Millisecond, "-500ms"},
		{math.MaxInt64, "2562047h47m16.854775807s"},
		{math.MinInt64, "-2562047h47m16.854775808s"},
	} {
		got := formatDuration(tt.d)
		if got != tt.want {
			t.Errorf("formatDuration(%v) = %q, want %q", tt.d, got, tt.want)
		}
		if back, err := time.ParseDuration(got); err != nil || back != tt.d {
			t.Errorf("formatDuration(%v) = %q, which parses as %v, %v", tt.d, got, back, err)
		}
	}
}
