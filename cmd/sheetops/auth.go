package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/oauth2"
	googleoauth "golang.org/x/oauth2/google"

	"github.com/sheetops/sheetops/sheets/google"
)

// authStdin is where `auth login` reads a pasted code; tests replace it.
var authStdin io.Reader = os.Stdin

const authUsage = "usage: sheetops auth login --client-secret FILE --out FILE"

// runAuth is `sheetops auth login`: the installed-app OAuth flow for the google backend. It
// prints the consent address, takes the code from the browser's redirect to a loopback
// listener or from a code pasted on standard input, exchanges it for a refresh token and
// writes an authorized_user file (mode 0600) for sheet.google.credentialsFile.
func runAuth(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "login" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
			fmt.Fprintln(stdout, authUsage)
			return nil
		}
		return usagef("%s", authUsage)
	}
	fs := newFlagSet("auth login", stderr)
	secretPath := fs.String("client-secret", "", "the OAuth client's JSON (Google Cloud console: APIs & Services, Credentials, an OAuth client ID of type Desktop app)")
	outPath := fs.String("out", "", "where to write the login (an authorized_user file for sheet.google.credentialsFile)")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	if *secretPath == "" || *outPath == "" {
		return usagef("--client-secret and --out are required (%s)", authUsage)
	}
	data, err := os.ReadFile(*secretPath)
	if err != nil {
		return usagef("--client-secret %s: cannot be read: %v", *secretPath, errors.Unwrap(err))
	}
	cfg, err := googleoauth.ConfigFromJSON(data, google.Scope)
	if err != nil || cfg.ClientID == "" || cfg.Endpoint.TokenURL == "" {
		return usagef("--client-secret %s: not an OAuth client file (download the JSON of an OAuth client ID of type Desktop app)", *secretPath)
	}
	if dir := filepath.Dir(*outPath); dir != "" {
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			return usagef("--out %s: the directory %s does not exist", *outPath, dir)
		}
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("listen for the browser's redirect: %w", err)
	}
	cfg.RedirectURL = "http://" + ln.Addr().String() + "/"
	var b [16]byte
	rand.Read(b[:])
	state := hex.EncodeToString(b[:])
	verifier := oauth2.GenerateVerifier()
	consent := cfg.AuthCodeURL(state, oauth2.AccessTypeOffline, oauth2.S256ChallengeOption(verifier),
		oauth2.SetAuthURLParam("prompt", "consent"))

	codes := make(chan result, 2)
	srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		res := codeFrom(r.URL.Query(), state)
		if res.err == nil && res.code == "" {
			http.NotFound(w, r) // a favicon or a stray request
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if res.err != nil {
			fmt.Fprintf(w, "<p>SheetOps was not signed in: %s</p>", html.EscapeString(res.err.Error()))
		} else {
			io.WriteString(w, "<p>SheetOps is signed in. You can close this tab.</p>")
		}
		codes <- res
	})}
	go srv.Serve(ln)
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	}()
	in := authStdin
	go func() {
		// A pasted code, or the whole address the browser ended at.
		line, _ := bufio.NewReader(in).ReadString('\n')
		line = strings.TrimSpace(line)
		if line == "" {
			return // nothing pasted (or no terminal): wait for the browser
		}
		if u, perr := url.Parse(line); perr == nil && u.RawQuery != "" {
			codes <- codeFrom(u.Query(), state)
			return
		}
		codes <- result{code: line}
	}()

	fmt.Fprintf(stdout, "Open this address in a browser, sign in with the Google account that may edit the sheet, and allow access:\n\n  %s\n\n", consent)
	fmt.Fprintf(stdout, "Waiting for the browser to come back to %s\n", cfg.RedirectURL)
	fmt.Fprintln(stdout, "(On another machine? Paste the code, or the address the browser ended at, here and press Enter.)")

	var res result
	select {
	case <-ctx.Done():
		return errors.New("interrupted before the sign-in finished")
	case res = <-codes:
	}
	if res.err != nil {
		return res.err
	}
	tok, err := cfg.Exchange(ctx, res.code, oauth2.VerifierOption(verifier))
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) && re.ErrorCode != "" {
			return fmt.Errorf("the token endpoint refused the code (%s); run sheetops auth login again", re.ErrorCode)
		}
		return fmt.Errorf("exchange the code for a token: %w", err)
	}
	if tok.RefreshToken == "" {
		return errors.New("Google sent no refresh token; remove SheetOps' access at myaccount.google.com/permissions and run sheetops auth login again")
	}
	file, err := json.MarshalIndent(map[string]string{
		"type":          "authorized_user",
		"client_id":     cfg.ClientID,
		"client_secret": cfg.ClientSecret,
		"refresh_token": tok.RefreshToken,
		"token_uri":     cfg.Endpoint.TokenURL,
	}, "", "  ")
	if err != nil {
		return err
	}
	if err := writePrivate(*outPath, append(file, '\n')); err != nil {
		return fmt.Errorf("--out %s: %w", *outPath, err)
	}
	fmt.Fprintf(stdout, "Signed in. Saved the login to %s (readable by you only).\nIn the config: sheet.google.credentialsFile: %s\n", *outPath, *outPath)
	return nil
}

type result struct {
	code string
	err  error
}

// codeFrom reads the authorization response's parameters.
func codeFrom(q url.Values, state string) result {
	if e := q.Get("error"); e != "" {
		return result{err: fmt.Errorf("Google answered %s; run sheetops auth login again and allow access", e)}
	}
	code := q.Get("code")
	if code == "" {
		return result{}
	}
	if q.Get("state") != state {
		return result{err: errors.New("the answer does not belong to this sign-in (state mismatch); run sheetops auth login again")}
	}
	return result{code: code}
}

// writePrivate writes a file only its owner can read, atomically: a temporary file in the
// same directory, then a rename.
func writePrivate(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".sheetops-login-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
