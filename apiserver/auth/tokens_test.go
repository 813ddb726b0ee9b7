package auth

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// Tokens used in test files. They are long enough that finding one in an error message
// means it was put there.
const (
	tokAdmin  = "adm1n-t0ken-9d2f6c4b1e8a7"
	tokViewer = "v1ewer-t0ken-3b5a8c2d9f01"
	tokOther  = "0ther-t0ken-77aa21c9e4d3b"
)

func writeTokenFile(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "tokens.csv")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLoadTokenFile(t *testing.T) {
	tests := []struct {
		name    string
		content string
		token   string
		want    User
	}{
		{
			name:    "groups quoted",
			content: tokAdmin + ",alice,1,\"system:masters,team-a\"\n",
			token:   tokAdmin,
			want:    User{Name: "alice", UID: "1", Groups: []string{"system:masters", "team-a", GroupAuthenticated}},
		},
		{
			name:    "no groups",
			content: tokAdmin + ",alice,1\n",
			token:   tokAdmin,
			want:    User{Name: "alice", UID: "1", Groups: []string{GroupAuthenticated}},
		},
		{
			name:    "empty groups column",
			content: tokAdmin + ",alice,1,\n",
			token:   tokAdmin,
			want:    User{Name: "alice", UID: "1", Groups: []string{GroupAuthenticated}},
		},
		{
			name:    "comments, blank lines and extra columns",
			content: "# token,user,uid,groups\n\n   \n" + tokAdmin + ",alice,1,a\n\n# " + tokViewer + ",bob,2\n" + tokOther + ",carol,3,\"b,c\",extra\n",
			token:   tokOther,
			want:    User{Name: "carol", UID: "3", Groups: []string{"b", "c", GroupAuthenticated}},
		},
		{
			name:    "commented-out token does not authenticate",
			content: "#" + tokViewer + ",bob,2\n" + tokAdmin + ",alice,1\n",
			token:   tokViewer,
		},
		{
			name:    "CRLF line endings",
			content: tokAdmin + ",alice,1,g\r\n" + tokViewer + ",bob,2,h\r\n",
			token:   tokViewer,
			want:    User{Name: "bob", UID: "2", Groups: []string{"h", GroupAuthenticated}},
		},
		{
			name:    "already authenticated group not repeated",
			content: tokAdmin + ",alice,1,system:authenticated\n",
			token:   tokAdmin,
			want:    User{Name: "alice", UID: "1", Groups: []string{GroupAuthenticated}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := LoadTokenFile(writeTokenFile(t, tt.content))
			if err != nil {
				t.Fatalf("LoadTokenFile: %v", err)
			}
			r := httptest.NewRequest(http.MethodGet, "/api", nil)
			r.Header.Set("Authorization", "Bearer "+tt.token)
			got, ok := a.AuthenticateRequest(r)
			if wantOK := tt.want.Name != ""; ok != wantOK {
				t.Fatalf("authenticated = %v, want %v", ok, wantOK)
			}
			if got.Name != tt.want.Name || got.UID != tt.want.UID || !slices.Equal(got.Groups, tt.want.Groups) {
				t.Errorf("user %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestLoadTokenFileErrors(t *testing.T) {
	tests := []struct {
		name     string
		content  string
		wantLine int
		wantErr  error
	}{
		{name: "two columns", content: "# header\n" + tokAdmin + ",alice,1\n" + tokViewer + ",bob\n", wantLine: 3, wantErr: errTooFewColumns},
		{name: "one column", content: tokAdmin + "\n", wantLine: 1, wantErr: errTooFewColumns},
		{name: "empty token", content: tokAdmin + ",alice,1\n,bob,2\n", wantLine: 2, wantErr: errEmptyToken},
		{name: "empty user", content: "\n\n" + tokAdmin + ",,1\n", wantLine: 3, wantErr: errEmptyUser},
		{name: "token with a space", content: "v1ewer t0ken-3b5a8c2d9f01,bob,2\n", wantLine: 1, wantErr: errTokenSpace},
		{name: "duplicate token", content: tokAdmin + ",alice,1\n" + tokViewer + ",bob,2\n" + tokAdmin + ",carol,3\n", wantLine: 3, wantErr: errDuplicateToken},
		{name: "bare quote", content: tokAdmin + ",alice,1\n" + tokViewer + "\",bob,2\n", wantLine: 2},
		{name: "unterminated quote", content: tokAdmin + ",alice,1\n\"" + tokViewer + ",bob,2\n", wantLine: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeTokenFile(t, tt.content)
			_, err := LoadTokenFile(path)
			if err == nil {
				t.Fatal("LoadTokenFile accepted a malformed file")
			}
			var fe *TokenFileError
			if !errors.As(err, &fe) {
				t.Fatalf("error %v is not a *TokenFileError", err)
			}
			if fe.Path != path || fe.Line != tt.wantLine {
				t.Errorf("error at %s:%d, want %s:%d", fe.Path, fe.Line, path, tt.wantLine)
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("error %v, want %v", err, tt.wantErr)
			}
			msg := err.Error()
			if !strings.Contains(msg, path) {
				t.Errorf("error %q does not name the file", msg)
			}
			for _, secret := range []string{tokAdmin, tokViewer, tokOther, "3b5a8c2d9f01"} {
				if strings.Contains(msg, secret) {
					t.Errorf("error %q contains a token", msg)
				}
			}
		})
	}
}

func TestLoadTokenFileMissing(t *testing.T) {
	_, err := LoadTokenFile(filepath.Join(t.TempDir(), "absent.csv"))
	if !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("error %v, want one wrapping os.ErrNotExist", err)
	}
}

func TestEnsureTokenFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "secrets", "tokens.csv")
	first, err := EnsureTokenFile(path)
	if err != nil {
		t.Fatalf("EnsureTokenFile: %v", err)
	}
	if len(first.Admin) != 43 || len(first.Viewer) != 43 || first.Admin == first.Viewer {
		t.Fatalf("tokens %d and %d characters, equal %v: want two different 43-character tokens",
			len(first.Admin), len(first.Viewer), first.Admin == first.Viewer)
	}
	for _, tt := range []struct {
		name string
		path string
		want os.FileMode
	}{
		{name: "file", path: path, want: 0o600},
		{name: "dir", path: filepath.Dir(path), want: os.ModeDir | 0o700},
	} {
		fi, err := os.Stat(tt.path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode() != tt.want {
			t.Errorf("%s mode %v, want %v", tt.name, fi.Mode(), tt.want)
		}
	}
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}

	second, err := EnsureTokenFile(path)
	if err != nil {
		t.Fatalf("second EnsureTokenFile: %v", err)
	}
	if second != first {
		t.Error("second EnsureTokenFile returned other tokens")
	}
	after, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, after) {
		t.Error("second EnsureTokenFile changed the file")
	}

	a, err := LoadTokenFile(path)
	if err != nil {
		t.Fatalf("LoadTokenFile of the generated file: %v", err)
	}
	tests := []struct {
		name  string
		token string
		want  User
	}{
		{name: "admin", token: first.Admin, want: User{Name: AdminUser, UID: "1", Groups: []string{GroupMasters, GroupAuthenticated}}},
		{name: "viewer", token: first.Viewer, want: User{Name: ViewerUser, UID: "2", Groups: []string{GroupViewers, GroupAuthenticated}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/api", nil)
			r.Header.Set("Authorization", "Bearer "+tt.token)
			got, ok := a.AuthenticateRequest(r)
			if !ok || got.Name != tt.want.Name || got.UID != tt.want.UID || !slices.Equal(got.Groups, tt.want.Groups) {
				t.Errorf("got %+v, %v; want %+v", got, ok, tt.want)
			}
		})
	}
}

func TestEnsureTokenFileReadsUserFile(t *testing.T) {
	tests := []struct {
		name    string
		content string
		want    Tokens
	}{
		{name: "both", content: tokViewer + ",sheetops-viewer,2,sheetops:viewers\n" + tokAdmin + ",sheetops-admin,1,system:masters\n",
			want: Tokens{Admin: tokAdmin, Viewer: tokViewer}},
		{name: "admin only", content: tokAdmin + ",sheetops-admin,1,system:masters\n" + tokOther + ",carol,3\n",
			want: Tokens{Admin: tokAdmin}},
		{name: "neither", content: tokOther + ",carol,3\n", want: Tokens{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeTokenFile(t, tt.content)
			if err := os.Chmod(path, 0o640); err != nil {
				t.Fatal(err)
			}
			got, err := EnsureTokenFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got other tokens than the file's") // never print tokens
			}
			content, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if string(content) != tt.content || fi.Mode() != 0o640 {
				t.Error("the user's token file was changed")
			}
		})
	}
	t.Run("malformed", func(t *testing.T) {
		path := writeTokenFile(t, tokAdmin+",sheetops-admin\n")
		_, err := EnsureTokenFile(path)
		var fe *TokenFileError
		if !errors.As(err, &fe) || fe.Line != 1 {
			t.Fatalf("error %v, want a *TokenFileError at line 1", err)
		}
	})
}

func TestAuthenticateRequest(t *testing.T) {
	a, err := LoadTokenFile(writeTokenFile(t,
		tokAdmin+",sheetops-admin,1,system:masters\n"+tokViewer+",sheetops-viewer,2,sheetops:viewers\n"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		header   []string // Authorization values; none means no header
		wantUser string
	}{
		{name: "no header"},
		{name: "empty header", header: []string{""}},
		{name: "wrong token", header: []string{"Bearer " + tokOther}},
		{name: "prefix of a token", header: []string{"Bearer " + tokAdmin[:10]}},
		{name: "token with extra characters", header: []string{"Bearer " + tokAdmin + "x"}},
		{name: "scheme only", header: []string{"Bearer"}},
		{name: "empty token", header: []string{"Bearer "}},
		{name: "space before token", header: []string{"Bearer  " + tokAdmin}},
		{name: "basic auth", header: []string{"Basic " + tokAdmin}},
		{name: "token without scheme", header: []string{tokAdmin}},
		{name: "admin", header: []string{"Bearer " + tokAdmin}, wantUser: AdminUser},
		{name: "viewer", header: []string{"Bearer " + tokViewer}, wantUser: ViewerUser},
		{name: "lowercase bearer", header: []string{"bearer " + tokAdmin}, wantUser: AdminUser},
		{name: "uppercase BEARER", header: []string{"BEARER " + tokViewer}, wantUser: ViewerUser},
		{name: "surrounding spaces", header: []string{"  Bearer " + tokViewer + "  "}, wantUser: ViewerUser},
		{name: "trailing words ignored", header: []string{"Bearer " + tokViewer + " extra"}, wantUser: ViewerUser},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/api/v1/pods", nil)
			for _, h := range tt.header {
				r.Header.Add("Authorization", h)
			}
			got, ok := a.AuthenticateRequest(r)
			if ok != (tt.wantUser != "") || got.Name != tt.wantUser {
				t.Fatalf("got %q, %v; want %q", got.Name, ok, tt.wantUser)
			}
			_, present := r.Header["Authorization"]
			if ok && present {
				t.Error("Authorization header left on an authenticated request")
			}
			if !ok && len(tt.header) > 0 && !present {
				t.Error("Authorization header removed from a refused request")
			}
		})
	}
}

func TestAuthenticateRequestGroupsNotShared(t *testing.T) {
	a, err := LoadTokenFile(writeTokenFile(t, tokAdmin+",alice,1,g\n"))
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Header.Set("Authorization", "Bearer "+tokAdmin)
		u, ok := a.AuthenticateRequest(r)
		if !ok {
			t.Fatal("not authenticated")
		}
		if !slices.Equal(u.Groups, []string{"g", GroupAuthenticated}) {
			t.Fatalf("groups %q", u.Groups)
		}
		u.Groups[0] = "changed"
	}
}

func FuzzParseTokens(f *testing.F) {
	f.Add(tokAdmin + ",alice,1,\"system:masters,team\"\n# comment\n\n" + tokViewer + ",bob,2\n")
	f.Add(tokAdmin + ",alice\n")
	f.Add("\"" + tokAdmin + ",alice,1\n")
	f.Add(tokAdmin + "\",alice,1\n")
	f.Add(tokAdmin + ",alice,1\n" + tokAdmin + ",bob,2\n")
	f.Fuzz(func(t *testing.T, content string) {
		const path = "/etc/sheetops/tokens.csv"
		records, err := parseTokens(strings.NewReader(content), path)
		if err != nil {
			var fe *TokenFileError
			if errors.As(err, &fe) && (fe.Line < 1 || fe.Path != path) {
				t.Errorf("error %v has line %d", err, fe.Line)
			}
			// No token-looking text of the input may appear in the message beyond the
			// fixed wording: every field of 12 or more characters is checked.
			msg := err.Error()
			for _, field := range strings.FieldsFunc(content, func(r rune) bool { return r == ',' || r == '\n' || r == '"' }) {
				if len(field) >= 12 && !strings.Contains(path+fixedWording, field) && strings.Contains(msg, field) {
					t.Errorf("error %q contains input text %q", msg, field)
				}
			}
			return
		}
		seen := make(map[string]bool)
		for _, r := range records {
			if r.token == "" || r.user.Name == "" || seen[r.token] {
				t.Errorf("record at line %d accepted with an empty or repeated token or user", r.line)
			}
			seen[r.token] = true
		}
	})
}

// fixedWording is every message parseTokens can produce, so a fuzzed field that happens to
// be part of it is not mistaken for a leak.
var fixedWording = strings.Join([]string{
	errTooFewColumns.Error(), errEmptyToken.Error(), errTokenSpace.Error(), errEmptyUser.Error(),
	errDuplicateToken.Error(), "token file", "line", "found", "extraneous or missing \" in quoted-field",
	"bare \" in non-quoted-field", "wrong number of fields",
}, " ")

func BenchmarkAuthenticateRequest(b *testing.B) {
	var content strings.Builder
	for i := range 20 {
		tok, err := randomToken()
		if err != nil {
			b.Fatal(err)
		}
		content.WriteString(tok + ",user" + string(rune('a'+i)) + ",1,g\n")
	}
	content.WriteString(tokAdmin + ",alice,1,system:masters\n")
	path := filepath.Join(b.TempDir(), "tokens.csv")
	if err := os.WriteFile(path, []byte(content.String()), 0o600); err != nil {
		b.Fatal(err)
	}
	a, err := LoadTokenFile(path)
	if err != nil {
		b.Fatal(err)
	}
	r := httptest.NewRequest(http.MethodGet, "/api", nil)
	b.ReportAllocs()
	for b.Loop() {
		r.Header.Set("Authorization", "Bearer "+tokAdmin)
		if _, ok := a.AuthenticateRequest(r); !ok {
			b.Fatal("not authenticated")
		}
	}
}
