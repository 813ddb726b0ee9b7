package auth

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode"
)

// Users and groups EnsureTokenFile writes and the authorizer knows.
const (
	AdminUser  = "sheetops-admin"
	ViewerUser = "sheetops-viewer"

	// GroupMasters may do everything (upstream's privileged group).
	GroupMasters = "system:masters"
	// GroupViewers is the read-only user's group in the token file; what the user may do
	// comes from the bootstrap binding of ViewerUser to the view cluster role.
	GroupViewers = "sheetops:viewers"
	// GroupAuthenticated is added to every user a token authenticates, as upstream does.
	GroupAuthenticated = "system:authenticated"

	groupUnauthenticated = "system:unauthenticated"
	userAnonymous        = "system:anonymous"
)

// User is an authenticated identity.
type User struct {
	Name   string
	UID    string
	Groups []string
	// Extra is what else the authenticator knows (a ServiceAccount token's credential id
	// and bound pod), as upstream's user.Info extra.
	Extra map[string][]string
}

// Tokens are the bearer tokens of the two users EnsureTokenFile creates. A token is empty
// when the file has no line for that user.
type Tokens struct {
	Admin  string
	Viewer string
}

// TokenFileError is a malformed line in a token file. It names the file and line, never the
// token.
type TokenFileError struct {
	Path string
	Line int
	Err  error
}

func (e *TokenFileError) Error() string {
	return fmt.Sprintf("token file %s line %d: %v", e.Path, e.Line, e.Err)
}

func (e *TokenFileError) Unwrap() error { return e.Err }

// tokenRecord is one line of a token file.
type tokenRecord struct {
	token string
	user  User
	line  int
}

// tokenEntry is what the authenticator keeps of a record: a digest, not the token.
type tokenEntry struct {
	digest [sha256.Size]byte
	user   User
}

// TokenAuthenticator authenticates requests by bearer token. It is immutable and safe for
// concurrent use.
type TokenAuthenticator struct {
	entries []tokenEntry
}

// LoadTokenFile reads a kube-apiserver --token-auth-file CSV file.
func LoadTokenFile(path string) (*TokenAuthenticator, error) {
	records, err := readTokenFile(path)
	if err != nil {
		return nil, err
	}
	return newTokenAuthenticator(records), nil
}

func newTokenAuthenticator(records []tokenRecord) *TokenAuthenticator {
	a := &TokenAuthenticator{entries: make([]tokenEntry, 0, len(records))}
	for _, r := range records {
		a.entries = append(a.entries, tokenEntry{digest: sha256.Sum256([]byte(r.token)), user: r.user})
	}
	return a
}

// AuthenticateRequest returns the user whose token is in the request's
// "Authorization: Bearer <token>" header. The scheme is matched case-insensitively and the
// token is compared in constant time. As upstream, a header that authenticates is removed
// from the request, so nothing downstream can see or log the token; one that does not is
// left alone.
func (a *TokenAuthenticator) AuthenticateRequest(r *http.Request) (User, bool) {
	auth := strings.TrimSpace(r.Header.Get("Authorization"))
	if auth == "" {
		return User{}, false
	}
	parts := strings.SplitN(auth, " ", 3)
	if len(parts) < 2 || strings.ToLower(parts[0]) != "bearer" {
		return User{}, false
	}
	token := parts[1]
	if token == "" {
		return User{}, false
	}
	u, ok := a.lookup(token)
	if !ok {
		return User{}, false
	}
	r.Header.Del("Authorization")
	return withAuthenticatedGroup(u), true
}

// lookup compares the token's digest with every entry, without stopping at a match, so the
// time taken says nothing about which token, or how much of one, matched.
func (a *TokenAuthenticator) lookup(token string) (User, bool) {
	digest := sha256.Sum256([]byte(token))
	found := -1
	for i := range a.entries {
		eq := subtle.ConstantTimeCompare(digest[:], a.entries[i].digest[:])
		unset := subtle.ConstantTimeEq(int32(found), -1)
		found = subtle.ConstantTimeSelect(eq&unset, i, found)
	}
	if found < 0 {
		return User{}, false
	}
	return a.entries[found].user, true
}

// withAuthenticatedGroup returns a copy of u with system:authenticated added, as upstream's
// AuthenticatedGroupAdder does (not for system:anonymous, nor when either of the
// system:authenticated and system:unauthenticated groups is present).
func withAuthenticatedGroup(u User) User {
	groups := slices.Clone(u.Groups)
	if u.Name != userAnonymous &&
		!slices.Contains(groups, GroupAuthenticated) && !slices.Contains(groups, groupUnauthenticated) {
		groups = append(groups, GroupAuthenticated)
	}
	u.Groups = groups
	return u
}

// EnsureTokenFile returns the tokens of sheetops-admin and sheetops-viewer from the token
// file at path. When there is no file it creates one (0600, atomically, its directory 0700
// if missing) with a new random token for each; an existing file is only read.
func EnsureTokenFile(path string) (Tokens, error) {
	records, err := readTokenFile(path)
	if err == nil {
		return tokensOf(records), nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return Tokens{}, err
	}
	admin, err := randomToken()
	if err != nil {
		return Tokens{}, err
	}
	viewer, err := randomToken()
	if err != nil {
		return Tokens{}, err
	}
	var buf bytes.Buffer
	buf.WriteString("# token,user,uid,\"group1,group2\" (kube-apiserver --token-auth-file format)\n")
	buf.WriteString("# Anyone holding a token acts as its user: keep this file private.\n")
	w := csv.NewWriter(&buf)
	_ = w.Write([]string{admin, AdminUser, "1", GroupMasters})
	_ = w.Write([]string{viewer, ViewerUser, "2", GroupViewers})
	w.Flush()
	if err := w.Error(); err != nil {
		return Tokens{}, fmt.Errorf("encode token file: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return Tokens{}, fmt.Errorf("create token file directory: %w", err)
	}
	err = writeFileAtomic(path, buf.Bytes(), 0o600, true)
	if errors.Is(err, fs.ErrExist) {
		// Created by someone else since we looked: theirs wins.
		records, err := readTokenFile(path)
		if err != nil {
			return Tokens{}, err
		}
		return tokensOf(records), nil
	}
	if err != nil {
		return Tokens{}, err
	}
	return Tokens{Admin: admin, Viewer: viewer}, nil
}

// tokensOf returns the first token of each of the two users.
func tokensOf(records []tokenRecord) Tokens {
	var t Tokens
	for _, r := range records {
		switch {
		case r.user.Name == AdminUser && t.Admin == "":
			t.Admin = r.token
		case r.user.Name == ViewerUser && t.Viewer == "":
			t.Viewer = r.token
		}
	}
	return t
}

// randomToken is 32 random bytes, base64url without padding: 43 characters that need no
// quoting in CSV, a header or a URL.
func randomToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generate token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

func readTokenFile(path string) ([]tokenRecord, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read token file: %w", err)
	}
	defer f.Close()
	return parseTokens(f, path)
}

// Reasons a token file line is malformed.
var (
	errTooFewColumns  = errors.New("want at least 3 columns: token, user name, uid")
	errEmptyToken     = errors.New("empty token")
	errTokenSpace     = errors.New("token contains whitespace or control characters")
	errEmptyUser      = errors.New("empty user name")
	errDuplicateToken = errors.New("token repeats an earlier line")
)

// parseTokens reads the CSV format of kube-apiserver's --token-auth-file:
// token,user,uid[,"group1,group2"[,...ignored]]. Blank lines and lines starting with # are
// skipped. Errors name the file and line, never the token.
func parseTokens(r io.Reader, path string) ([]tokenRecord, error) {
	reader := csv.NewReader(r)
	reader.FieldsPerRecord = -1
	reader.Comment = '#'
	var records []tokenRecord
	firstLine := make(map[[sha256.Size]byte]int)
	for {
		record, err := reader.Read()
		if err == io.EOF {
			return records, nil
		}
		if err != nil {
			// csv.ParseError holds a line, a column and a fixed reason, never the text.
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, &TokenFileError{Path: path, Line: pe.StartLine, Err: pe.Err}
			}
			return nil, fmt.Errorf("read token file %s: %w", path, err)
		}
		line, _ := reader.FieldPos(0)
		if len(record) == 1 && strings.TrimSpace(record[0]) == "" {
			continue // a line of only spaces counts as blank
		}
		if len(record) < 3 {
			return nil, &TokenFileError{Path: path, Line: line, Err: fmt.Errorf("%w, found %d", errTooFewColumns, len(record))}
		}
		token := record[0]
		switch {
		case token == "":
			return nil, &TokenFileError{Path: path, Line: line, Err: errEmptyToken}
		case strings.IndexFunc(token, func(c rune) bool { return unicode.IsSpace(c) || unicode.IsControl(c) }) >= 0:
			return nil, &TokenFileError{Path: path, Line: line, Err: errTokenSpace}
		case record[1] == "":
			return nil, &TokenFileError{Path: path, Line: line, Err: errEmptyUser}
		}
		digest := sha256.Sum256([]byte(token))
		if first, ok := firstLine[digest]; ok {
			return nil, &TokenFileError{Path: path, Line: line, Err: fmt.Errorf("%w (line %d)", errDuplicateToken, first)}
		}
		firstLine[digest] = line
		u := User{Name: record[1], UID: record[2]}
		if len(record) >= 4 {
			for _, g := range strings.Split(record[3], ",") {
				if g = strings.TrimSpace(g); g != "" {
					u.Groups = append(u.Groups, g)
				}
			}
		}
		records = append(records, tokenRecord{token: token, user: u, line: line})
	}
}
