package mapping

import (
	"bytes"
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/robfig/cron/v3"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation"
)

// fuzzValueType checks what holds for every type: Parse never panics; what it refuses is an
// *InvalidError with a one-line reason; what it accepts is canonical (trimmed, valid text,
// parsing to itself); and the value PatchValue writes for it, sent to the API server as JSON
// and read back, renders as the same text, so that a cell the daemon applied does not read
// as an edit on the next pass. It returns the canonical value, or ok false if Parse refused
// the cell.
func fuzzValueType(t *testing.T, v ValueType, cell string) (canonical string, ok bool) {
	t.Helper()
	canonical, err := v.Parse(cell)
	if err != nil {
		checkInvalid(t, cell, err)
		return "", false
	}
	if !utf8.ValidString(canonical) || strings.TrimSpace(canonical) != canonical {
		t.Fatalf("%s Parse(%q) = %q, not trimmed text", v.Type, cell, canonical)
	}
	if again, err := v.Parse(canonical); err != nil || again != canonical {
		t.Fatalf("%s Parse(%q) = %q, but that parses as %q, %v", v.Type, cell, canonical, again, err)
	}
	patch, err := v.PatchValue("", canonical)
	if err != nil {
		t.Fatalf("%s PatchValue(%q): %v", v.Type, canonical, err)
	}
	b, err := json.Marshal(patch)
	if err != nil {
		t.Fatalf("%s PatchValue(%q) = %#v, not JSON: %v", v.Type, canonical, patch, err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var held any
	if err := dec.Decode(&held); err != nil {
		t.Fatalf("%s PatchValue(%q): decode %s: %v", v.Type, canonical, b, err)
	}
	if r := v.Render(held); r != canonical {
		t.Fatalf("%s Parse(%q) = %q, written as %s, which renders as %q", v.Type, cell, canonical, b, r)
	}
	return canonical, true
}

func FuzzValueTypeString(f *testing.F) {
	for _, s := range []string{"", " ", "web", "  padded\t", "a\xffb", "\u00a0x\u00a0", "=SUM(A1)", `{"a":1}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, cell string) {
		s, ok := fuzzValueType(t, ValueType{}, cell)
		if ok && s != strings.TrimSpace(cell) {
			t.Fatalf("string Parse(%q) = %q, not the trimmed text", cell, s)
		}
	})
}

func FuzzValueTypeInteger(f *testing.F) {
	for _, s := range []string{"0", "5", " 5 ", "5.0", "+007", "-0", "-12", "3.5", "1e3", "1,000", "5.", ".5", "",
		"9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809", "٣", "-", "+"} {
		f.Add(s, int64(0), int64(10000), true)
		f.Add(s, int64(0), int64(0), false)
	}
	f.Fuzz(func(t *testing.T, cell string, lo, hi int64, bounded bool) {
		v := ValueType{Type: TypeInteger}
		if bounded {
			v.Min, v.Max = &lo, &hi
		}
		s, ok := fuzzValueType(t, v, cell)
		if !ok || s == "" {
			return
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || strconv.FormatInt(n, 10) != s {
			t.Fatalf("integer Parse(%q) = %q, not a canonical int64", cell, s)
		}
		if bounded && (n < lo || n > hi) {
			t.Fatalf("integer Parse(%q) = %d, outside %d..%d", cell, n, lo, hi)
		}
	})
}

func FuzzValueTypeNumber(f *testing.F) {
	for _, s := range []string{"0", "2.5", "2.50", "-0.0", "1e3", "1E-3", ".5", "5.", "NaN", "Inf", "-inf", "0x1p-2",
		"1_000", "1e400", "1e-400", "9007199254740993", "99999999999999999999", "", "+", "1,5"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, cell string) {
		s, ok := fuzzValueType(t, ValueType{Type: TypeNumber}, cell)
		if !ok || s == "" {
			return
		}
		x, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsInf(x, 0) || math.IsNaN(x) || strings.ContainsAny(s, "eE+") {
			t.Fatalf("number Parse(%q) = %q, not a finite number in plain decimal", cell, s)
		}
	})
}

func FuzzValueTypeBoolean(f *testing.F) {
	for _, s := range []string{"", "TRUE", "FALSE", "true", "False", "yes", "NO", "1", "0", "on", " true ", "trüe", "ſ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, cell string) {
		s, ok := fuzzValueType(t, ValueType{Type: TypeBoolean}, cell)
		if ok && s != "true" && s != "false" {
			t.Fatalf("boolean Parse(%q) = %q", cell, s)
		}
	})
}

func FuzzValueTypeQuantity(f *testing.F) {
	for _, s := range []string{"", "500m", "1000m", "1", "1.5", "2Gi", "1024Mi", "1e3", "5E6", "0.1m", "1n", "-1",
		"+1", "1.", ".5", "2GB", "2 Gi", "1e", "123456789012345678901234567890", "0.000000001", "9223372036854775807Ei",
		"1" + strings.Repeat("0", 300), "1" + strings.Repeat("0", 21) + "m", "1e100", "1000e997", "999e997",
		"1e-1000", "1e-1001", "0.5e-1000", "1e+0999", "1e-0", "1E", "1Ei", "1e"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, cell string) {
		s, ok := fuzzValueType(t, ValueType{Type: TypeQuantity}, cell)
		if !ok || s == "" {
			return
		}
		q, err := resource.ParseQuantity(s)
		if err != nil {
			t.Fatalf("quantity Parse(%q) = %q, which ParseQuantity refuses: %v", cell, s, err)
		}
		if typed, err := resource.ParseQuantity(strings.TrimSpace(cell)); err != nil || typed.Cmp(q) != 0 {
			t.Fatalf("quantity Parse(%q) = %q, which is not the value typed (%v, %v)", cell, s, typed.String(), err)
		}
	})
}

func FuzzValueTypeDuration(f *testing.F) {
	for _, s := range []string{"", "0", "90s", "1h30m", "2160h0m0s", "1.5h", "500ms", "1500us", "1µs", "1m30.5s",
		"-61s", "1d", "90", "9223372036854775807ns", "-9223372036854775808ns", "2562047h47m16.854775808s", ".5s", "1h-1m"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, cell string) {
		s, ok := fuzzValueType(t, ValueType{Type: TypeDuration}, cell)
		if !ok || s == "" {
			return
		}
		d, err := time.ParseDuration(s)
		if err != nil {
			t.Fatalf("duration Parse(%q) = %q, which Go refuses: %v", cell, s, err)
		}
		if want, _ := time.ParseDuration(strings.TrimSpace(cell)); d != want {
			t.Fatalf("duration Parse(%q) = %q, which is %v, not %v", cell, s, d, want)
		}
		if strings.Contains(s, "h0m") || (len(s) > 2 && strings.HasSuffix(s, "m0s")) {
			t.Fatalf("duration Parse(%q) = %q, which has a zero unit", cell, s)
		}
	})
}

func FuzzValueTypeCron(f *testing.F) {
	for _, s := range []string{"", "*/5 * * * *", "  0   3 * *\t1-5 ", "0 0 1 jan-jun MON", "@daily", "@Hourly",
		"@every 5m", "@every  -1s", "@every", "@", "0 0 * *", "0 0 0 * * *", "60 * * * *", "*/0 * * * *", "1-2-3 * * * *",
		"CRON_TZ=UTC 0 0 * * *", "TZ=", "? ? ? ? ?", "0 0 31 2 *", "L * * * *", "0 0 * * 7"} {
		f.Add(s)
	}
	parser := cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)
	f.Fuzz(func(t *testing.T, cell string) {
		s, ok := fuzzValueType(t, ValueType{Type: TypeCron}, cell)
		if !ok || s == "" {
			return
		}
		// What the API server checks (batch/v1 CronJob validation).
		if _, err := cron.ParseStandard(s); err != nil || strings.Contains(s, "TZ") {
			t.Fatalf("cron Parse(%q) = %q, which a CronJob refuses: %v", cell, s, err)
		}
		if _, err := parser.Parse(s); err != nil {
			t.Fatalf("cron Parse(%q) = %q: %v", cell, s, err)
		}
		if strings.Join(strings.Fields(s), " ") != s {
			t.Fatalf("cron Parse(%q) = %q, not single-spaced", cell, s)
		}
	})
}

func FuzzValueTypeImage(f *testing.F) {
	for _, s := range []string{"", "nginx", "nginx:1.27", " nginx ", "registry.example.com:5000/team/app:v1", "Nginx",
		"nginx 1.27", "app@sha256:" + strings.Repeat("0", 64), "a//b", "localhost"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, cell string) {
		s, ok := fuzzValueType(t, ValueType{Type: TypeImage}, cell)
		if !ok || s == "" {
			return
		}
		if again, err := ParseImage(s); err != nil || again != s {
			t.Fatalf("image Parse(%q) = %q, which ParseImage reads as %q, %v", cell, s, again, err)
		}
	})
}

func FuzzValueTypeEnum(f *testing.F) {
	for _, s := range []string{"", "db", "DB", " cache ", "Web", "web", "queue", "ſ", "K", "\u212a"} {
		f.Add(s)
	}
	v := ValueType{Type: TypeEnum, Values: []string{"db", "cache", "Web", "s", "k"}}
	if err := v.Validate(); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, cell string) {
		s, ok := fuzzValueType(t, v, cell)
		if ok && s != "" && !slices.Contains(v.Values, s) {
			t.Fatalf("enum Parse(%q) = %q, not one of %q", cell, s, v.Values)
		}
	})
}

func FuzzValueTypeLabels(f *testing.F) {
	for _, s := range []string{"", "app=web", "tier=db,app=web", " tier = db ,\n app=web, ", "app.kubernetes.io/name=x",
		"canary=", "=x", "app", "app=a=b", "app=a, app=b", "a b=c", "app=" + strings.Repeat("a", 64), ",,,", "x/y/z=1",
		"example.com/=v", "A=B"} {
		f.Add(s, "app=old, gone=x")
	}
	f.Fuzz(func(t *testing.T, cell, old string) {
		v := ValueType{Type: TypeLabels}
		s, ok := fuzzValueType(t, v, cell)
		if !ok {
			return
		}
		m, err := parseLabels(s)
		if err != nil {
			t.Fatalf("labels Parse(%q) = %q, which does not parse: %v", cell, s, err)
		}
		for k, val := range m {
			if len(validation.IsQualifiedName(k)) > 0 || len(validation.IsValidLabelValue(val)) > 0 {
				t.Fatalf("labels Parse(%q) = %q, with an invalid label %s=%s", cell, s, k, val)
			}
		}
		// Against any old value: the patch sets every new pair and removes only keys old had.
		patch, err := v.PatchValue(old, s)
		if err != nil {
			t.Fatalf("labels PatchValue(%q, %q): %v", old, s, err)
		}
		pm := patch.(map[string]any)
		for k, val := range pm {
			if want, ok := m[k]; ok {
				if val != want {
					t.Fatalf("labels PatchValue(%q, %q) sets %s to %v, want %q", old, s, k, val, want)
				}
			} else if val != nil || !slices.Contains(labelKeys(old), k) {
				t.Fatalf("labels PatchValue(%q, %q) sets %s to %v, a key neither old nor new has", old, s, k, val)
			}
		}
		if len(pm) < len(m) {
			t.Fatalf("labels PatchValue(%q, %q) = %v, missing pairs of %v", old, s, pm, m)
		}
	})
}
