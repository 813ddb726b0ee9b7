package google

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"

	"golang.org/x/oauth2"
	googleoauth "golang.org/x/oauth2/google"
)

// Scope is the OAuth scope SheetOps asks for: read and write the spreadsheets the account
// can open.
const Scope = "https://www.googleapis.com/auth/spreadsheets"

// Credential kinds.
const (
	serviceAccountType = "service_account"
	authorizedUserType = "authorized_user"
)

// credentials is how requests are authenticated.
type credentials struct {
	// kind is serviceAccountType, authorizedUserType or "adc".
	kind string
	// account is the service account's email, when known: whom to share the sheet with.
	account string
	// file is the credentials file ("" for ADC), named in errors.
	file   string
	tokens *tokenCache
}

// credentialsFile is the subset of the JSON credential files we read.
type credentialsFile struct {
	Type         string `json:"type"`
	ClientEmail  string `json:"client_email"`
	PrivateKey   string `json:"private_key"`
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
	RefreshToken string `json:"refresh_token"`
	TokenURI     string `json:"token_uri"`
}

// loadCredentials reads the credentials file (never writing or copying it), or finds
// Application Default Credentials when file is "". hc makes the token requests.
func loadCredentials(ctx context.Context, file string, hc *http.Client) (*credentials, error) {
	tokenCtx := context.WithValue(context.Background(), oauth2.HTTPClient, hc)
	if file == "" {
		creds, err := googleoauth.FindDefaultCredentials(ctx, Scope)
		if err != nil {
			return nil, &Error{Key: "google.credentialsFile", Kind: ErrCredentials,
				Msg: "is empty and no Application Default Credentials were found; set it to a service-account key or run sheetops auth login", Err: err}
		}
		c := &credentials{kind: "adc", tokens: &tokenCache{newSource: func() oauth2.TokenSource { return creds.TokenSource }}}
		var f credentialsFile
		if json.Unmarshal(creds.JSON, &f) == nil && f.Type == serviceAccountType {
			c.account = f.ClientEmail
		}
		return c, nil
	}
	bad := func(msg string, err error) error {
		return &Error{Key: "google.credentialsFile", Value: file, Kind: ErrCredentials, Msg: msg, Err: err}
	}
	data, err := os.ReadFile(file)
	if err != nil {
		reason := err
		if u := errors.Unwrap(err); u != nil {
			reason = u
		}
		return nil, bad("cannot be read: "+reason.Error(), err)
	}
	var f credentialsFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, bad("is not a JSON credentials file (a service-account key or the file sheetops auth login writes)", err)
	}
	switch f.Type {
	case serviceAccountType:
		if f.ClientEmail == "" || f.PrivateKey == "" {
			return nil, bad("is a service-account key without client_email or private_key; download a new JSON key", nil)
		}
		if err := checkPrivateKey(f.PrivateKey); err != nil {
			return nil, bad("has a private_key that cannot be read ("+err.Error()+"); download a new JSON key", err)
		}
		cfg, err := googleoauth.JWTConfigFromJSON(data, Scope)
		if err != nil {
			return nil, bad("is not a valid service-account key", err)
		}
		return &credentials{kind: serviceAccountType, account: f.ClientEmail, file: file,
			tokens: &tokenCache{newSource: func() oauth2.TokenSource { return cfg.TokenSource(tokenCtx) }}}, nil
	case authorizedUserType:
		if f.ClientID == "" || f.ClientSecret == "" || f.RefreshToken == "" {
			return nil, bad("is an authorized_user file without client_id, client_secret or refresh_token; run sheetops auth login again", nil)
		}
		cfg := &oauth2.Config{ClientID: f.ClientID, ClientSecret: f.ClientSecret, Scopes: []string{Scope},
			Endpoint: oauth2.Endpoint{TokenURL: googleoauth.Endpoint.TokenURL, AuthURL: googleoauth.Endpoint.AuthURL}}
		if f.TokenURI != "" {
			cfg.Endpoint.TokenURL = f.TokenURI
		}
		refresh := f.RefreshToken
		return &credentials{kind: authorizedUserType, file: file,
			tokens: &tokenCache{newSource: func() oauth2.TokenSource {
				return cfg.TokenSource(tokenCtx, &oauth2.Token{RefreshToken: refresh})
			}}}, nil
	case "":
		return nil, bad("has no \"type\"; use a service-account key (type service_account) or the file sheetops auth login writes (type authorized_user)", nil)
	default:
		return nil, bad(fmt.Sprintf("has type %q; use a service-account key, the file sheetops auth login writes, or leave it empty for Application Default Credentials", f.Type), nil)
	}
}

// checkPrivateKey makes sure a PEM private key parses, so a damaged key file is reported
// at start-up rather than at the first token request.
func checkPrivateKey(p string) error {
	block, _ := pem.Decode([]byte(p))
	if block == nil {
		return errors.New("no PEM block")
	}
	if _, err := x509.ParsePKCS8PrivateKey(block.Bytes); err == nil {
		return nil
	}
	if _, err := x509.ParsePKCS1PrivateKey(block.Bytes); err == nil {
		return nil
	}
	return errors.New("not an RSA private key in PKCS#8 or PKCS#1 form")
}

// tokenCache hands out access tokens, refreshing them before they expire; invalidate
// forces a new one (after a 401, when the server no longer accepts the cached token).
type tokenCache struct {
	newSource func() oauth2.TokenSource

	mu  sync.Mutex
	src oauth2.TokenSource
}

func (c *tokenCache) token() (*oauth2.Token, error) {
	c.mu.Lock()
	if c.src == nil {
		c.src = c.newSource()
	}
	src := c.src
	c.mu.Unlock()
	return src.Token()
}

func (c *tokenCache) invalidate() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.src = nil
}

// tokenError is a failure to get an access token, kept apart from the API's own errors.
type tokenError struct{ err error }

func (e *tokenError) Error() string { return "get an access token: " + e.err.Error() }
func (e *tokenError) Unwrap() error { return e.err }

// explainToken turns a token failure into a one-line error naming the setting to fix.
func (c *credentials) explainToken(err error) error {
	key, value := "google.credentialsFile", c.file
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		code := re.ErrorCode
		if code == "" {
			// The JWT flow leaves the RFC 6749 error in the body.
			var body struct {
				Error string `json:"error"`
			}
			if json.Unmarshal(re.Body, &body) == nil {
				code = body.Error
			}
		}
		switch {
		case c.kind == authorizedUserType && (code == "invalid_grant" || code == "invalid_client" || code == "unauthorized_client"):
			return &Error{Key: key, Value: value, Kind: ErrCredentials, Err: err,
				Msg: fmt.Sprintf("Google refused the saved login (%s: the refresh token was revoked or has expired); run sheetops auth login again", code)}
		case c.kind == serviceAccountType && code != "":
			return &Error{Key: key, Value: value, Kind: ErrCredentials, Err: err,
				Msg: fmt.Sprintf("Google refused the service-account key of %s (%s); the key may have been deleted: create a new JSON key for the account", c.account, code)}
		case code != "":
			return &Error{Key: key, Value: value, Kind: ErrCredentials, Err: err,
				Msg: fmt.Sprintf("Google refused the credentials (%s)", code)}
		}
		status := ""
		if re.Response != nil {
			status = re.Response.Status
		}
		return &Error{Key: key, Value: value, Kind: ErrCredentials, Err: err,
			Msg: "the token endpoint answered " + strings.TrimSpace(status)}
	}
	if isNetwork(err) {
		return &Error{Key: key, Value: value, Kind: ErrUnreachable, Err: err,
			Msg: "the token endpoint is unreachable: " + rootCause(err)}
	}
	return &Error{Key: key, Value: value, Kind: ErrCredentials, Err: err, Msg: "cannot get an access token: " + rootCause(err)}
}
