package mapping

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"k8s.io/apimachinery/pkg/util/validation"
)

// checkInvalid fails unless a parse error is an *InvalidError with a short, one-line reason
// that fits the Sync column.
func checkInvalid(t *testing.T, cell string, err error) {
	t.Helper()
	var ie *InvalidError
	if !errors.As(err, &ie) || !errors.Is(err, ErrInvalid) {
		t.Fatalf("parse %q: error %v is not an *InvalidError", cell, err)
	}
	if ie.Reason == "" || strings.ContainsAny(ie.Reason, "\n\r") || !utf8.ValidString(ie.Reason) {
		t.Fatalf("parse %q: reason %q is not one line of text", cell, ie.Reason)
	}
}

func FuzzParseReplicas(f *testing.F) {
	for _, s := range []string{"0", "5", " 5 ", "5.0", "5.00", "+3", "007", "-0", "10000", "10001", "-1",
		"3.5", "abc", "", "1e3", "1,000", "5.", ".5", "99999999999999999999", "\u00a07", "٣", "-"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, cell string) {
		n, err := ParseReplicas(cell)
		if err != nil {
			checkInvalid(t, cell, err)
			return
		}
		if n < 0 || n > MaxReplicas {
			t.Fatalf("ParseReplicas(%q) = %d, out of 0..%d", cell, n, MaxReplicas)
		}
		canonical := strconv.Itoa(int(n))
		again, err := ParseReplicas(canonical)
		if err != nil || again != n {
			t.Fatalf("ParseReplicas(%q) = %d, but its canonical form %q parses as %d, %v", cell, n, canonical, again, err)
		}
	})
}

func FuzzParseImage(f *testing.F) {
	for _, s := range []string{"nginx", "nginx:1.27", " nginx ", "registry.example.com:5000/team/app:v1",
		"[::1]:5000/app", "app@sha256:" + strings.Repeat("0", 64), "Nginx", "nginx 1.27", "nginx:", ":",
		"@", "a//b", "=cmd", "localhost", "ghcr.io/a/b_c__d-e.f:1_0", "a:b@c:d", "\u00a0a"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, cell string) {
		image, err := ParseImage(cell)
		if err != nil {
			checkInvalid(t, cell, err)
			return
		}
		if image == "" {
			t.Fatalf("ParseImage(%q) accepted an empty image", cell)
		}
		if i := strings.IndexFunc(image, unicode.IsSpace); i >= 0 {
			t.Fatalf("ParseImage(%q) = %q, which contains whitespace", cell, image)
		}
		for i := 0; i < len(image); i++ {
			if image[i] < 0x21 || image[i] > 0x7e {
				t.Fatalf("ParseImage(%q) = %q, which has a byte outside printable ASCII", cell, image)
			}
		}
		if again, err := ParseImage(image); err != nil || again != image {
			t.Fatalf("ParseImage(%q) = %q, but that parses as %q, %v", cell, image, again, err)
		}
		if name := containerName(image); len(validation.IsDNS1123Label(name)) > 0 {
			t.Fatalf("containerName(%q) = %q, not a DNS-1123 label", image, name)
		}
	})
}

func FuzzParseName(f *testing.F) {
	for _, s := range []string{"web", " web ", "web.v2", "Web", "web_1", "-web", "web.", "", strings.Repeat("a", 254), "a..b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, cell string) {
		name, err := ParseName(cell)
		if err != nil {
			checkInvalid(t, cell, err)
		} else {
			if msgs := validation.IsDNS1123Subdomain(name); len(msgs) > 0 {
				t.Fatalf("ParseName(%q) = %q, not a DNS-1123 subdomain: %v", cell, name, msgs)
			}
			if again, err := ParseName(name); err != nil || again != name {
				t.Fatalf("ParseName(%q) = %q, but that parses as %q, %v", cell, name, again, err)
			}
		}
		ns, err := ParseNamespace(cell)
		if err != nil {
			checkInvalid(t, cell, err)
			return
		}
		if msgs := validation.IsDNS1123Label(ns); len(msgs) > 0 {
			t.Fatalf("ParseNamespace(%q) = %q, not a DNS-1123 label: %v", cell, ns, msgs)
		}
	})
}

func FuzzParseAction(f *testing.F) {
	for _, s := range []string{"", " ", "delete", "DELETE", " Force ", "del", "force delete", "ſorce", "delete\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, cell string) {
		a, err := ParseAction(cell)
		if err != nil {
			checkInvalid(t, cell, err)
			return
		}
		switch a {
		case NoAction, DeleteAction, ForceAction:
		default:
			t.Fatalf("ParseAction(%q) = %q, not one of the actions", cell, a)
		}
		if again, err := ParseAction(string(a)); err != nil || again != a {
			t.Fatalf("ParseAction(%q) = %q, but that parses as %q, %v", cell, a, again, err)
		}
	})
}
