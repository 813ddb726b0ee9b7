package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sheetops/sheetops/sheets/google"
	"github.com/sheetops/sheetops/sheets/googlefake"
)

// TestAuthLogin runs `sheetops auth login` against the fake's consent page and token
// endpoint, the code arriving by the browser's redirect or pasted on standard input.
func TestAuthLogin(t *testing.T) {
	for _, how := range []string{"browser redirect", "pasted address", "pasted code"} {
		t.Run(how, func(t *testing.T) {
			f := googlefake.Start(t)
			clientID, secret := f.OAuthClient()
			dir := t.TempDir()
			secretFile := filepath.Join(dir, "client_secret.json")
			if err := os.WriteFile(secretFile, f.ClientSecretJSON(clientID, secret), 0o600); err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(dir, "login.json")
			pr, pw := io.Pipe()
			defer pw.Close()
			authStdin = pr
			defer func() { authStdin = os.Stdin }()
			stdout := &syncBuffer{}
			done := make(chan error, 1)
			go func() {
				done <- runAuth(context.Background(), []string{"login", "--client-secret", secretFile, "--out", out}, stdout, io.Discard)
			}()
			consent := waitForLine(t, stdout, f.AuthURL())
			switch how {
			case "browser redirect":
				resp, err := http.Get(consent) // the fake approves and redirects to the loopback listener
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if !strings.Contains(string(body), "signed in") {
					t.Errorf("the browser was shown %q", body)
				}
			default:
				// The browser cannot reach this machine: the person copies what it shows.
				noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
				resp, err := noFollow.Get(consent)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				loc, err := resp.Location()
				if err != nil {
					t.Fatal(err)
				}
				pasted := loc.String()
				if how == "pasted code" {
					pasted = loc.Query().Get("code")
				}
				io.WriteString(pw, pasted+"\n")
			}
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("auth login: %v\n%s", err, stdout)
				}
			case <-time.After(20 * time.Second):
				t.Fatalf("auth login did not finish\n%s", stdout)
			}
			st, err := os.Stat(out)
			if err != nil {
				t.Fatal(err)
			}
			if st.Mode().Perm() != 0o600 {
				t.Errorf("login file mode %v, want 0600", st.Mode().Perm())
			}
			data, _ := os.ReadFile(out)
			var file map[string]string
			if err := json.Unmarshal(data, &file); err != nil {
				t.Fatal(err)
			}
			tokens := f.RefreshTokens(googlefake.DefaultUser)
			if file["type"] != "authorized_user" || file["client_id"] != clientID || file["client_secret"] != secret ||
				len(tokens) != 1 || file["refresh_token"] != tokens[0] {
				t.Errorf("login file %v, refresh tokens issued %v", file, tokens)
			}
			if strings.Contains(stdout.String(), tokens[0]) {
				t.Error("the refresh token was printed")
			}
			// The file is what the google backend takes.
			id := f.CreateSpreadsheet("mine")
			f.Share(id, googlefake.DefaultUser, googlefake.Writer)
			if _, err := google.New(context.Background(), google.Options{SpreadsheetID: id, CredentialsFile: out, Endpoint: f.URL()}); err != nil {
				t.Errorf("google.New with the login: %v", err)
			}
		})
	}
}

// waitForLine waits until out has a line starting with prefix (after spaces) and returns it.
func waitForLine(t *testing.T, out *syncBuffer, prefix string) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		for _, l := range strings.Split(out.String(), "\n") {
			if l = strings.TrimSpace(l); strings.HasPrefix(l, prefix) {
				return l
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("no line starting with %s in %q", prefix, out.String())
	return ""
}

func TestAuthUsage(t *testing.T) {
	dir := t.TempDir()
	notJSON := filepath.Join(dir, "secret.json")
	os.WriteFile(notJSON, []byte("{}"), 0o600)
	for _, tt := range []struct {
		args []string
		says string
	}{
		{[]string{"auth"}, "usage: sheetops auth login"},
		{[]string{"auth", "logout"}, "usage: sheetops auth login"},
		{[]string{"auth", "login"}, "--client-secret and --out are required"},
		{[]string{"auth", "login", "--client-secret", filepath.Join(dir, "none.json"), "--out", "x.json"}, "cannot be read"},
		{[]string{"auth", "login", "--client-secret", notJSON, "--out", "x.json"}, "not an OAuth client file"},
		{[]string{"auth", "login", "--client-secret", notJSON, "--out", filepath.Join(dir, "no", "x.json")}, "not an OAuth client file"},
	} {
		var stdout, stderr bytes.Buffer
		if code := run(tt.args, &stdout, &stderr); code != 2 {
			t.Errorf("%q: exit %d, want 2", tt.args, code)
		}
		msg := strings.TrimSpace(stderr.String())
		if !strings.Contains(msg, tt.says) || strings.Contains(msg, "\n") {
			t.Errorf("%q: stderr %q, want one line saying %q", tt.args, msg, tt.says)
		}
	}
}
