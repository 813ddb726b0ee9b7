package googlefake

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
)

type serviceAccount struct {
	email string
	pub   *rsa.PublicKey
}

type oauthClient struct{ id, secret string }

type refreshGrant struct {
	client, email string
	scopes        []string
	revoked       bool
}

type accessGrant struct {
	email  string
	scopes []string
	expiry time.Time
}

type authCode struct {
	client, redirect, email string
	scopes                  []string
	challenge, method       string
}

const jwtBearer = "urn:ietf:params:oauth:grant-type:jwt-bearer"

// DefaultUser is who approves the consent page unless SetConsentUser says otherwise.
const DefaultUser = "person@example.com"

// randomHex returns n random bytes in hex.
func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// CreateSpreadsheet makes a spreadsheet with one empty tab, Sheet1 (1000 rows, 26 columns),
// as Google makes a new one, and returns its ID. Share it with whoever should use it.
func (s *Server) CreateSpreadsheet(title string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextBook++
	id := fmt.Sprintf("1fake%04d%s", s.nextBook, randomHex(8))
	b := &spreadsheet{id: id, title: title, sharers: map[string]string{}}
	b.sheets = []*sheet{newSheet(0, "Sheet1", defaultRows, defaultColumns)}
	s.books[id] = b
	return id
}

// Share gives an account (a service account's or a person's email) a role on a
// spreadsheet: Writer or Reader; "" takes the access away.
func (s *Server) Share(id, email, role string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.books[id]
	if b == nil {
		panic("googlefake: Share: no spreadsheet " + id)
	}
	if role == "" {
		delete(b.sharers, email)
		return
	}
	b.sharers[email] = role
}

// SetTokenLifetime sets how long access tokens issued from now on stay valid (default an
// hour). Clients are told the lifetime in whole seconds, at least one.
func (s *Server) SetTokenLifetime(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lifetime = d
}

// ExpireAccessTokens makes every access token issued so far invalid, as if each had
// reached its expiry: the next request with one is answered 401.
func (s *Server) ExpireAccessTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, g := range s.access {
		g.expiry = time.Time{}
	}
}

// TokensIssued is the number of access tokens the token endpoint has issued.
func (s *Server) TokensIssued() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.issued
}

// SetConsentUser sets who approves the consent page of the installed-app flow.
func (s *Server) SetConsentUser(email string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.consentUser = email
}

// ServiceAccountKey makes a service account with a fresh RSA key and returns its key file,
// in the JSON format Google's console downloads, with token_uri pointing at the fake.
func (s *Server) ServiceAccountKey(email string) ([]byte, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.accounts[email] = &serviceAccount{email: email, pub: &key.PublicKey}
	s.mu.Unlock()
	return json.MarshalIndent(map[string]string{
		"type":                        "service_account",
		"project_id":                  "sheetops-test",
		"private_key_id":              randomHex(20),
		"private_key":                 string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})),
		"client_email":                email,
		"client_id":                   "1000000000000000000" + randomHex(2),
		"auth_uri":                    s.AuthURL(),
		"token_uri":                   s.TokenURL(),
		"auth_provider_x509_cert_url": s.srv.URL + "/oauth2/v1/certs",
		"client_x509_cert_url":        s.srv.URL + "/robot/v1/metadata/x509/" + url.PathEscape(email),
		"universe_domain":             "googleapis.com",
	}, "", "  ")
}

// WriteServiceAccountKey writes a new service account's key file (mode 0600) into dir and
// returns its path.
func (s *Server) WriteServiceAccountKey(dir, email string) (string, error) {
	data, err := s.ServiceAccountKey(email)
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, strings.NewReplacer("@", "_at_", "/", "_").Replace(email)+".json")
	return path, os.WriteFile(path, data, 0o600)
}

// OAuthClient registers an OAuth client (an installed app) and returns its ID and secret.
func (s *Server) OAuthClient() (id, secret string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id = randomHex(6) + ".apps.googleusercontent.com"
	secret = "GOCSPX-" + randomHex(12)
	s.clients[id] = &oauthClient{id: id, secret: secret}
	return id, secret
}

// ClientSecretJSON is the client_secret.json Google's console downloads for an installed
// app, pointing at the fake.
func (s *Server) ClientSecretJSON(id, secret string) []byte {
	b, _ := json.MarshalIndent(map[string]any{"installed": map[string]any{
		"client_id":     id,
		"client_secret": secret,
		"project_id":    "sheetops-test",
		"auth_uri":      s.AuthURL(),
		"token_uri":     s.TokenURL(),
		"redirect_uris": []string{"http://localhost"},
	}}, "", "  ")
	return b
}

// RefreshToken issues a refresh token to a client for a person, as if they had consented
// earlier, with the spreadsheets scope.
func (s *Server) RefreshToken(clientID, email string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.newRefreshLocked(clientID, email, []string{Scope})
}

func (s *Server) newRefreshLocked(clientID, email string, scopes []string) string {
	tok := "1//fake-" + randomHex(16)
	s.refresh[tok] = &refreshGrant{client: clientID, email: email, scopes: scopes}
	return tok
}

// AuthorizedUserJSON is an authorized_user credentials file for a refresh token, as
// gcloud and `sheetops auth login` write it, with token_uri pointing at the fake.
func (s *Server) AuthorizedUserJSON(clientID, secret, refreshToken string) []byte {
	b, _ := json.MarshalIndent(map[string]string{
		"type":          "authorized_user",
		"client_id":     clientID,
		"client_secret": secret,
		"refresh_token": refreshToken,
		"token_uri":     s.TokenURL(),
	}, "", "  ")
	return b
}

// RevokeRefreshToken revokes a refresh token: the token endpoint answers invalid_grant.
func (s *Server) RevokeRefreshToken(tok string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if g := s.refresh[tok]; g != nil {
		g.revoked = true
	}
}

// RefreshTokens returns the refresh tokens issued to a person, newest last.
func (s *Server) RefreshTokens(email string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for tok, g := range s.refresh {
		if g.email == email && !g.revoked {
			out = append(out, tok)
		}
	}
	return out
}

// oauthError is an error of the token endpoint (RFC 6749 section 5.2).
type oauthError struct {
	status      int
	code, descr string
}

func grantError(code, descr string) *oauthError {
	return &oauthError{http.StatusBadRequest, code, descr}
}

func (s *Server) serveToken(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		s.count(Token, http.StatusMethodNotAllowed)
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	if err := r.ParseForm(); err != nil {
		s.count(Token, http.StatusBadRequest)
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	resp, oerr := s.grant(r)
	status := http.StatusOK
	if oerr != nil {
		status = oerr.status
	}
	s.countLocked(Token, status)
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if oerr != nil {
		w.WriteHeader(oerr.status)
		json.NewEncoder(w).Encode(map[string]string{"error": oerr.code, "error_description": oerr.descr})
		return
	}
	json.NewEncoder(w).Encode(resp)
}

func (s *Server) grant(r *http.Request) (map[string]any, *oauthError) {
	switch gt := r.PostForm.Get("grant_type"); gt {
	case jwtBearer:
		email, scopes, err := s.verifyAssertion(r.PostForm.Get("assertion"))
		if err != nil {
			return nil, err
		}
		return s.issueLocked(email, scopes, ""), nil
	case "refresh_token":
		c, err := s.client(r)
		if err != nil {
			return nil, err
		}
		g := s.refresh[r.PostForm.Get("refresh_token")]
		if g == nil || g.revoked || g.client != c.id {
			return nil, grantError("invalid_grant", "Token has been expired or revoked.")
		}
		return s.issueLocked(g.email, g.scopes, ""), nil
	case "authorization_code":
		c, err := s.client(r)
		if err != nil {
			return nil, err
		}
		code := r.PostForm.Get("code")
		ac := s.codes[code]
		if ac == nil || ac.client != c.id {
			return nil, grantError("invalid_grant", "Malformed auth code.")
		}
		delete(s.codes, code) // a code is good once
		if r.PostForm.Get("redirect_uri") != ac.redirect {
			return nil, grantError("redirect_uri_mismatch", "Bad Request")
		}
		if ac.challenge != "" {
			v := r.PostForm.Get("code_verifier")
			sum := sha256.Sum256([]byte(v))
			want := ac.challenge
			got := base64.RawURLEncoding.EncodeToString(sum[:])
			if ac.method == "plain" {
				got = v
			}
			if v == "" || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
				return nil, grantError("invalid_grant", "Invalid code verifier.")
			}
		}
		rt := s.newRefreshLocked(c.id, ac.email, ac.scopes)
		return s.issueLocked(ac.email, ac.scopes, rt), nil
	case "":
		return nil, grantError("unsupported_grant_type", "Invalid grant_type: ")
	default:
		return nil, grantError("unsupported_grant_type", "Invalid grant_type: "+gt)
	}
}

// client authenticates the OAuth client by HTTP basic auth or the form's client_id and
// client_secret.
func (s *Server) client(r *http.Request) (*oauthClient, *oauthError) {
	id, secret, ok := r.BasicAuth()
	if ok {
		id, _ = url.QueryUnescape(id)
		secret, _ = url.QueryUnescape(secret)
	} else {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	c := s.clients[id]
	if c == nil || subtle.ConstantTimeCompare([]byte(c.secret), []byte(secret)) != 1 {
		return nil, &oauthError{http.StatusUnauthorized, "invalid_client", "The OAuth client was not found."}
	}
	return c, nil
}

func (s *Server) issueLocked(email string, scopes []string, refresh string) map[string]any {
	tok := "ya29.fake-" + randomHex(24)
	s.access[tok] = &accessGrant{email: email, scopes: scopes, expiry: s.now().Add(s.lifetime)}
	s.issued++
	resp := map[string]any{
		"access_token": tok,
		"token_type":   "Bearer",
		"expires_in":   max(int(s.lifetime/time.Second), 1),
		"scope":        strings.Join(scopes, " "),
	}
	if refresh != "" {
		resp["refresh_token"] = refresh
	}
	return resp
}

// verifyAssertion checks a service account's signed JWT (RS256) and its claims.
func (s *Server) verifyAssertion(assertion string) (string, []string, *oauthError) {
	parts := strings.Split(assertion, ".")
	if len(parts) != 3 {
		return "", nil, grantError("invalid_request", "Invalid JWT: not three parts.")
	}
	var header struct {
		Alg string `json:"alg"`
		Typ string `json:"typ"`
	}
	var claims struct {
		Iss   string `json:"iss"`
		Scope string `json:"scope"`
		Aud   string `json:"aud"`
		Exp   int64  `json:"exp"`
		Iat   int64  `json:"iat"`
		Sub   string `json:"sub"`
	}
	if err := decodeSegment(parts[0], &header); err != nil {
		return "", nil, grantError("invalid_request", "Invalid JWT header.")
	}
	if err := decodeSegment(parts[1], &claims); err != nil {
		return "", nil, grantError("invalid_request", "Invalid JWT claim set.")
	}
	if header.Alg != "RS256" {
		return "", nil, grantError("invalid_grant", "Invalid JWT: alg must be RS256.")
	}
	sa := s.accounts[claims.Iss]
	if sa == nil {
		return "", nil, grantError("invalid_grant", "Invalid grant: account not found")
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return "", nil, grantError("invalid_grant", "Invalid JWT Signature.")
	}
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if rsa.VerifyPKCS1v15(sa.pub, crypto.SHA256, sum[:], sig) != nil {
		return "", nil, grantError("invalid_grant", "Invalid JWT Signature.")
	}
	if claims.Aud != s.TokenURL() {
		return "", nil, grantError("invalid_grant", "Invalid JWT: audience must be "+s.TokenURL())
	}
	now := s.now().Unix()
	const skew = 300
	if claims.Iat > now+skew || claims.Exp <= now-skew || claims.Exp <= claims.Iat || claims.Exp-claims.Iat > 3600 {
		return "", nil, grantError("invalid_grant", "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.")
	}
	if claims.Scope == "" {
		return "", nil, grantError("invalid_scope", "Empty or missing scope not allowed.")
	}
	if claims.Sub != "" && claims.Sub != claims.Iss {
		return "", nil, grantError("unauthorized_client", "Client is unauthorized to retrieve access tokens using this method, or client not authorized for any of the scopes requested.")
	}
	return sa.email, strings.Fields(claims.Scope), nil
}

func decodeSegment(seg string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(seg, "="))
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// serveConsent is the consent page: it approves at once as the consent user and redirects
// to the app's loopback redirect URI with a code, as the browser would after "Allow".
func (s *Server) serveConsent(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.clients[q.Get("client_id")]
	if c == nil {
		http.Error(w, "Error 401: invalid_client. The OAuth client was not found.", http.StatusUnauthorized)
		return
	}
	redirect := q.Get("redirect_uri")
	u, err := url.Parse(redirect)
	if err != nil || u.Scheme != "http" || !loopback(u.Hostname()) {
		http.Error(w, "Error 400: redirect_uri_mismatch. Installed apps must redirect to a loopback address.", http.StatusBadRequest)
		return
	}
	if q.Get("response_type") != "code" {
		http.Error(w, "Error 400: unsupported_response_type", http.StatusBadRequest)
		return
	}
	scopes := strings.Fields(q.Get("scope"))
	if len(scopes) == 0 {
		http.Error(w, "Error 400: invalid_request. Missing required parameter: scope", http.StatusBadRequest)
		return
	}
	user := s.consentUser
	if user == "" {
		user = DefaultUser
	}
	code := "4/fake-" + randomHex(16)
	s.codes[code] = &authCode{client: c.id, redirect: redirect, email: user, scopes: scopes,
		challenge: q.Get("code_challenge"), method: q.Get("code_challenge_method")}
	back := u.Query()
	back.Set("code", code)
	back.Set("scope", strings.Join(scopes, " "))
	if st := q.Get("state"); st != "" {
		back.Set("state", st)
	}
	u.RawQuery = back.Encode()
	http.Redirect(w, r, u.String(), http.StatusFound)
}

func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
