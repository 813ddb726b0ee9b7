package mapping

import (
	"errors"
	"strings"
	"testing"
)

// reason returns the Reason of an *InvalidError, failing the test for any other error.
func reason(t *testing.T, err error) string {
	t.Helper()
	if !errors.Is(err, ErrInvalid) {
		t.Fatalf("error %v does not match ErrInvalid", err)
	}
	var ie *InvalidError
	if !errors.As(err, &ie) {
		t.Fatalf("error %v is not an *InvalidError", err)
	}
	return ie.Reason
}

func TestParseReplicas(t *testing.T) {
	accepted := []struct {
		cell string
		want int32
	}{
		{"0", 0},
		{"5", 5},
		{" 5 ", 5},
		{"\t12\n", 12},
		{"\u00a07\u00a0", 7}, // non-breaking spaces, as web sheets paste them
		{"10000", 10000},
		{"5.0", 5},
		{"5.00", 5},
		{"+3", 3},
		{"007", 7},
		{"-0", 0},
		{"0000000000000000000000001", 1},
	}
	for _, tt := range accepted {
		t.Run(tt.cell, func(t *testing.T) {
			got, err := ParseReplicas(tt.cell)
			if err != nil || got != tt.want {
				t.Errorf("ParseReplicas(%q) = %d, %v; want %d", tt.cell, got, err, tt.want)
			}
		})
	}
	rejected := []struct {
		cell, reason string
	}{
		{"", "must not be empty"},
		{"   ", "must not be empty"},
		{"abc", "not a whole number"},
		{"3.5", "not a whole number"},
		{"3.05", "not a whole number"},
		{"5.", "not a whole number"},
		{".5", "not a whole number"},
		{"1e3", "not a whole number"},
		{"1,000", "not a whole number"},
		{"0x10", "not a whole number"},
		{"5 5", "not a whole number"},
		{"five", "not a whole number"},
		{"+-5", "not a whole number"},
		{"-", "not a whole number"},
		{"-3.5", "not a whole number"},
		{"٣", "not a whole number"}, // an Arabic-Indic digit
		{"-1", "must be 0 to 10000"},
		{"-1.0", "must be 0 to 10000"},
		{"10001", "must be 0 to 10000"},
		{"99999999999999999999999", "must be 0 to 10000"},
	}
	for _, tt := range rejected {
		t.Run(tt.cell, func(t *testing.T) {
			got, err := ParseReplicas(tt.cell)
			if err == nil {
				t.Fatalf("ParseReplicas(%q) = %d, want an error", tt.cell, got)
			}
			if r := reason(t, err); r != tt.reason {
				t.Errorf("ParseReplicas(%q) reason = %q, want %q", tt.cell, r, tt.reason)
			}
		})
	}
}

func TestParseAction(t *testing.T) {
	accepted := []struct {
		cell string
		want RowAction
	}{
		{"", NoAction},
		{"  ", NoAction},
		{"delete", DeleteAction},
		{"DELETE", DeleteAction},
		{" Delete ", DeleteAction},
		{"force", ForceAction},
		{"Force\n", ForceAction},
	}
	for _, tt := range accepted {
		t.Run(tt.cell, func(t *testing.T) {
			got, err := ParseAction(tt.cell)
			if err != nil || got != tt.want {
				t.Errorf("ParseAction(%q) = %q, %v; want %q", tt.cell, got, err, tt.want)
			}
		})
	}
	for _, cell := range []string{"del", "remove", "delete!", "force delete", "yes", "x"} {
		t.Run(cell, func(t *testing.T) {
			_, err := ParseAction(cell)
			if err == nil {
				t.Fatalf("ParseAction(%q) accepted", cell)
			}
			if r := reason(t, err); r != "Action must be delete, force or empty" {
				t.Errorf("ParseAction(%q) reason = %q", cell, r)
			}
		})
	}
}

func TestParseImage(t *testing.T) {
	digest := "sha256:" + strings.Repeat("ab", 32)
	accepted := []struct{ cell, want string }{
		{"nginx", "nginx"},
		{" nginx:1.27 ", "nginx:1.27"},
		{"library/nginx:latest", "library/nginx:latest"},
		{"docker.io/library/nginx:1.27-alpine", "docker.io/library/nginx:1.27-alpine"},
		{"registry.example.com:5000/team/app:v1", "registry.example.com:5000/team/app:v1"},
		{"localhost/app", "localhost/app"},
		{"localhost:5000/app:dev", "localhost:5000/app:dev"},
		{"[::1]:5000/app", "[::1]:5000/app"},
		{"10.0.0.1:5000/a/b/c", "10.0.0.1:5000/a/b/c"},
		{"MyRegistry/app", "MyRegistry/app"}, // an upper-case first component is a registry
		{"ghcr.io/acme/my_app__x-y.z:1.0_rc", "ghcr.io/acme/my_app__x-y.z:1.0_rc"},
		{"app@" + digest, "app@" + digest},
		{"app:1.0@" + digest, "app:1.0@" + digest},
		{"app:" + strings.Repeat("t", 128), "app:" + strings.Repeat("t", 128)},
		{"a--b", "a--b"},
	}
	for _, tt := range accepted {
		t.Run(tt.cell, func(t *testing.T) {
			got, err := ParseImage(tt.cell)
			if err != nil || got != tt.want {
				t.Errorf("ParseImage(%q) = %q, %v; want %q", tt.cell, got, err, tt.want)
			}
		})
	}
	const bad = "not a valid image reference (repository[:tag][@digest])"
	rejected := []struct{ cell, reason string }{
		{"", "image must not be empty"},
		{"  \t", "image must not be empty"},
		{"nginx 1.27", "image must not contain spaces"},
		{"nginx:\t1", "image must not contain spaces"},
		{"ng\u00a0inx", "image must not contain spaces"},
		{"Nginx", "image repository must be lowercase"},
		{"library/Nginx:1", "image repository must be lowercase"},
		{"nginx:", "image tag must be 1 to 128 letters, digits, '_', '.' or '-', not starting with '.' or '-'"},
		{"nginx:-x", "image tag must be 1 to 128 letters, digits, '_', '.' or '-', not starting with '.' or '-'"},
		{"app:" + strings.Repeat("t", 129), "image tag must be 1 to 128 letters, digits, '_', '.' or '-', not starting with '.' or '-'"},
		{"nginx@sha256:abc", "image digest must be algorithm:hex, e.g. sha256: and 64 hex digits"},
		{"nginx@", "image digest must be algorithm:hex, e.g. sha256: and 64 hex digits"},
		{"@" + digest, "image must name a repository"},
		{":1", "image must name a repository"},
		{"-bad.example.com/app", "image registry must be a host name or IP address with an optional :port"},
		{"example.com:port/app", "image registry must be a host name or IP address with an optional :port"},
		{"=cmd", bad},
		{"+evil", bad},
		{"app/", bad},
		{"/app", bad},
		{"a//b", bad},
		{"_app", bad},
		{"app_", bad},
		{"a...b", bad},
		{"a___b", bad},
		{"ngïnx", bad},
		{"a/b:t/c", bad},
		{strings.Repeat("a", 256), "image name must be no more than 255 characters"},
	}
	for _, tt := range rejected {
		t.Run(tt.cell, func(t *testing.T) {
			got, err := ParseImage(tt.cell)
			if err == nil {
				t.Fatalf("ParseImage(%q) = %q, want an error", tt.cell, got)
			}
			if r := reason(t, err); r != tt.reason {
				t.Errorf("ParseImage(%q) reason = %q, want %q", tt.cell, r, tt.reason)
			}
		})
	}
}

func TestParseName(t *testing.T) {
	for _, tt := range []struct{ cell, want string }{
		{"web", "web"},
		{" web ", "web"},
		{"web.v2", "web.v2"},
		{"0-web", "0-web"},
		{strings.Repeat("a", 253), strings.Repeat("a", 253)},
	} {
		t.Run(tt.cell, func(t *testing.T) {
			got, err := ParseName(tt.cell)
			if err != nil || got != tt.want {
				t.Errorf("ParseName(%q) = %q, %v; want %q", tt.cell, got, err, tt.want)
			}
		})
	}
	const regex = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
	for _, tt := range []struct{ cell, reason string }{
		{"", "must not be empty"},
		{"Web", regex},
		{"web_1", regex},
		{"-web", regex},
		{"web.", regex},
		{"my web", regex},
		{strings.Repeat("a", 254), "must be no more than 253 characters"},
	} {
		t.Run(tt.cell, func(t *testing.T) {
			_, err := ParseName(tt.cell)
			if err == nil {
				t.Fatalf("ParseName(%q) accepted", tt.cell)
			}
			if r := reason(t, err); r != tt.reason {
				t.Errorf("ParseName(%q) reason = %q, want %q", tt.cell, r, tt.reason)
			}
		})
	}
}

func TestParseNamespace(t *testing.T) {
	for _, tt := range []struct{ cell, want string }{
		{"shop", "shop"},
		{" kube-system\t", "kube-system"},
		{strings.Repeat("a", 63), strings.Repeat("a", 63)},
	} {
		t.Run(tt.cell, func(t *testing.T) {
			got, err := ParseNamespace(tt.cell)
			if err != nil || got != tt.want {
				t.Errorf("ParseNamespace(%q) = %q, %v; want %q", tt.cell, got, err, tt.want)
			}
		})
	}
	const regex = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
	for _, tt := range []struct{ cell, reason string }{
		{"", "must not be empty"},
		{"Shop", regex},
		{"=cmd", regex},
		{"a.b", "must not contain dots"},
		{strings.Repeat("a", 64), "must be no more than 63 characters"},
	} {
		t.Run(tt.cell, func(t *testing.T) {
			_, err := ParseNamespace(tt.cell)
			if err == nil {
				t.Fatalf("ParseNamespace(%q) accepted", tt.cell)
			}
			if r := reason(t, err); r != tt.reason {
				t.Errorf("ParseNamespace(%q) reason = %q, want %q", tt.cell, r, tt.reason)
			}
		})
	}
}

func TestInvalidError(t *testing.T) {
	err := error(&InvalidError{Column: Replicas, Reason: "not a whole number"})
	if got, want := err.Error(), "Replicas: not a whole number"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if got, want := (&InvalidError{Reason: "r"}).Error(), "r"; got != want {
		t.Errorf("Error() without column = %q, want %q", got, want)
	}
	if !errors.Is(err, ErrInvalid) {
		t.Error("an *InvalidError does not match ErrInvalid")
	}
	if errors.Is(errors.New("other"), ErrInvalid) {
		t.Error("another error matches ErrInvalid")
	}
}
