package googlefake

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// Kind names a kind of request, for Count.
type Kind string

// The kinds of request the fake answers.
const (
	Get               Kind = "spreadsheets.get"
	BatchGet          Kind = "values.batchGet"
	ValuesBatchUpdate Kind = "values.batchUpdate"
	BatchUpdate       Kind = "spreadsheets.batchUpdate"
	Token             Kind = "token"
	Other             Kind = "other"
)

// Scope is the OAuth scope that reads and writes spreadsheets.
const Scope = "https://www.googleapis.com/auth/spreadsheets"

// Roles a spreadsheet is shared with.
const (
	Writer = "writer" // Editor in the Share dialog
	Reader = "reader" // Viewer
)

// Server is the fake. Its zero value is not usable; call New or Start.
type Server struct {
	srv *httptest.Server

	mu        sync.Mutex
	now       func() time.Time
	anonymous bool
	books     map[string]*spreadsheet
	nextBook  int
	counts    map[Kind]map[int]int
	received  []Request
	faults    []Fault
	onFault   func(Kind, int)

	// OAuth
	accounts    map[string]*serviceAccount // by email
	clients     map[string]*oauthClient    // by client ID
	refresh     map[string]*refreshGrant   // by refresh token
	access      map[string]*accessGrant    // by access token
	codes       map[string]*authCode       // by authorization code
	lifetime    time.Duration
	consentUser string
	issued      int
	seq         int
}

// New starts a fake on a loopback port. Close it when done.
func New() *Server {
	s := &Server{
		now:      time.Now,
		books:    map[string]*spreadsheet{},
		counts:   map[Kind]map[int]int{},
		accounts: map[string]*serviceAccount{},
		clients:  map[string]*oauthClient{},
		refresh:  map[string]*refreshGrant{},
		access:   map[string]*accessGrant{},
		codes:    map[string]*authCode{},
		lifetime: time.Hour,
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/token", s.serveToken)
	mux.HandleFunc("/o/oauth2/auth", s.serveConsent)
	mux.HandleFunc("/v4/spreadsheets/", s.serveSheets)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.count(Other, http.StatusNotFound)
		writeError(w, http.StatusNotFound, "NOT_FOUND", fmt.Sprintf("The requested URL %s was not found on this server.", r.URL.Path))
	})
	s.srv = httptest.NewServer(mux)
	return s
}

// Start starts a fake that closes when the test ends.
func Start(t testing.TB) *Server {
	s := New()
	t.Cleanup(s.Close)
	return s
}

// Close stops the server.
func (s *Server) Close() { s.srv.Close() }

// URL is the API endpoint, for option.WithEndpoint (it ends in a slash).
func (s *Server) URL() string { return s.srv.URL + "/" }

// TokenURL is the OAuth 2.0 token endpoint.
func (s *Server) TokenURL() string { return s.srv.URL + "/token" }

// AuthURL is the OAuth 2.0 consent page of the installed-app flow.
func (s *Server) AuthURL() string { return s.srv.URL + "/o/oauth2/auth" }

// SetClock makes the fake read the time from now (token expiry); default time.Now.
func (s *Server) SetClock(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.now = now
}

// AllowUnauthenticated lets requests without an Authorization header through with the
// rights of an owner (for the fake's own tests, with option.WithoutAuthentication).
func (s *Server) AllowUnauthenticated() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.anonymous = true
}

// FailNext answers the next n Sheets API requests (not token requests) with the HTTP status
// code and Google's error body for it (429 RESOURCE_EXHAUSTED, 500 INTERNAL,
// 503 UNAVAILABLE, ...).
func (s *Server) FailNext(n, code int) { s.Inject(n, Fault{Code: code}) }

// Fault is a failure injected into Sheets API requests.
type Fault struct {
	// Code is the HTTP status answered, with Google's error body for it (429, 500, 503, ...).
	Code int
	// Kinds are the requests it hits; none: any Sheets API request.
	Kinds []Kind
	// Applied carries the request out before answering Code, as when the change was made
	// but Google's answer was lost on its way back (a 502 from a proxy, a timeout).
	Applied bool
	// After lets that many requests of its kinds through before the fault hits (1: the
	// second such request fails). The fault waits at its place in the queue meanwhile.
	After int
}

// Writes are the kinds of request that change a spreadsheet.
var Writes = []Kind{ValuesBatchUpdate, BatchUpdate}

// Inject queues n copies of a fault. Each request takes the first queued fault that hits
// its kind; requests of other kinds pass untouched.
func (s *Server) Inject(n int, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.faults = append(s.faults, f)
	}
}

// Faults returns how many injected faults are still queued.
func (s *Server) Faults() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.faults)
}

// OnFault makes the fake call fn after each injected fault is decided and before it is
// answered, outside the fake's lock: fn may change the spreadsheet (Edit, SetCell) as a
// person typing while the request fails, and the client sees the failure only after fn
// returns. nil removes it.
func (s *Server) OnFault(fn func(k Kind, code int)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onFault = fn
}

// takeFault removes and returns the first queued fault that hits kind; a fault still
// letting requests through (After) lets this one through.
func (s *Server) takeFault(kind Kind) (Fault, bool) {
	for i, f := range s.faults {
		if len(f.Kinds) == 0 || slices.Contains(f.Kinds, kind) {
			if f.After > 0 {
				s.faults[i].After--
				return Fault{}, false
			}
			s.faults = slices.Delete(s.faults, i, i+1)
			return f, true
		}
	}
	return Fault{}, false
}

// Count returns how many requests of a kind came, whatever their answer.
func (s *Server) Count(k Kind) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, c := range s.counts[k] {
		n += c
	}
	return n
}

// CountCode returns how many requests of a kind were answered with an HTTP status code.
func (s *Server) CountCode(k Kind, code int) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[k][code]
}

// Counts returns the number of requests by kind (token requests included).
func (s *Server) Counts() map[Kind]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := map[Kind]int{}
	for k, codes := range s.counts {
		for _, c := range codes {
			m[k] += c
		}
	}
	return m
}

// Request is a Sheets API request the fake received.
type Request struct {
	Kind  Kind
	Code  int // the HTTP status answered
	Bytes int // the size of its body (0 for a GET)
}

// Received returns the Sheets API requests received since the start or the last
// ResetCounts, in order, with their answers' codes and their bodies' sizes.
func (s *Server) Received() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.received)
}

// ResetCounts sets every counter to zero and forgets the requests received.
func (s *Server) ResetCounts() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.counts = map[Kind]map[int]int{}
	s.received = nil
}

func (s *Server) count(k Kind, code int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.countLocked(k, code)
}

func (s *Server) countLocked(k Kind, code int) {
	if s.counts[k] == nil {
		s.counts[k] = map[int]int{}
	}
	s.counts[k][code]++
}

// apiError is an error answered in Google's JSON shape.
type apiError struct {
	code     int
	status   string
	message  string
	injected bool // a Fault
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %s: %s", e.code, e.status, e.message) }

func invalid(format string, args ...any) *apiError {
	return &apiError{code: http.StatusBadRequest, status: "INVALID_ARGUMENT", message: fmt.Sprintf(format, args...)}
}

func writeError(w http.ResponseWriter, code int, status, message string) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{
		"code": code, "message": message, "status": status,
	}})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	json.NewEncoder(w).Encode(v)
}

// statusText is Google's status for an HTTP code and a message like the real one's.
func statusText(code int) (string, string) {
	switch code {
	case http.StatusTooManyRequests:
		return "RESOURCE_EXHAUSTED", "Quota exceeded for quota metric 'Requests' and limit 'Requests per minute per user' of service 'sheets.googleapis.com'."
	case http.StatusInternalServerError:
		return "INTERNAL", "Internal error encountered."
	case http.StatusBadGateway:
		return "UNKNOWN", "Bad gateway."
	case http.StatusServiceUnavailable:
		return "UNAVAILABLE", "The service is currently unavailable."
	case http.StatusGatewayTimeout:
		return "DEADLINE_EXCEEDED", "The request timed out."
	case http.StatusBadRequest:
		return "INVALID_ARGUMENT", "Invalid request."
	case http.StatusUnauthorized:
		return "UNAUTHENTICATED", "Request had invalid authentication credentials."
	case http.StatusForbidden:
		return "PERMISSION_DENIED", "The caller does not have permission"
	case http.StatusNotFound:
		return "NOT_FOUND", "Requested entity was not found."
	}
	return "UNKNOWN", http.StatusText(code)
}

// serveSheets routes /v4/spreadsheets/{id}[...] requests.
func (s *Server) serveSheets(w http.ResponseWriter, r *http.Request) {
	rest := strings.TrimPrefix(r.URL.Path, "/v4/spreadsheets/")
	var id string
	kind := Other
	switch {
	case strings.HasSuffix(rest, "/values:batchGet") && r.Method == http.MethodGet:
		id, kind = strings.TrimSuffix(rest, "/values:batchGet"), BatchGet
	case strings.HasSuffix(rest, "/values:batchUpdate") && r.Method == http.MethodPost:
		id, kind = strings.TrimSuffix(rest, "/values:batchUpdate"), ValuesBatchUpdate
	case strings.HasSuffix(rest, ":batchUpdate") && r.Method == http.MethodPost:
		id, kind = strings.TrimSuffix(rest, ":batchUpdate"), BatchUpdate
	case !strings.ContainsAny(rest, "/:") && rest != "" && r.Method == http.MethodGet:
		id, kind = rest, Get
	}
	size := 0
	if r.Body != nil {
		data, err := io.ReadAll(r.Body)
		if err != nil {
			writeError(w, http.StatusBadRequest, "INVALID_ARGUMENT", "Unreadable request body.")
			return
		}
		size = len(data)
		r.Body = io.NopCloser(bytes.NewReader(data))
	}
	_, body, err := s.handle(kind, id, r, size)
	if err != nil {
		ae, ok := err.(*apiError)
		if !ok {
			ae = &apiError{code: http.StatusInternalServerError, status: "INTERNAL", message: err.Error()}
		}
		if ae.injected {
			s.mu.Lock()
			hook := s.onFault
			s.mu.Unlock()
			if hook != nil {
				hook(kind, ae.code)
			}
		}
		if ae.code == http.StatusUnauthorized {
			w.Header().Set("WWW-Authenticate", `Bearer realm="https://accounts.google.com/", error="invalid_token"`)
		}
		writeError(w, ae.code, ae.status, ae.message)
		return
	}
	writeJSON(w, body)
}

// handle counts, injects faults, authenticates and dispatches one Sheets API request.
func (s *Server) handle(kind Kind, id string, r *http.Request, size int) (int, any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	code, body, err := s.handleLocked(kind, id, r)
	if err != nil {
		if ae, ok := err.(*apiError); ok {
			code = ae.code
		} else {
			code = http.StatusInternalServerError
		}
	}
	s.countLocked(kind, code)
	s.received = append(s.received, Request{Kind: kind, Code: code, Bytes: size})
	return code, body, err
}

func (s *Server) handleLocked(kind Kind, id string, r *http.Request) (int, any, error) {
	f, faulty := s.takeFault(kind)
	if !faulty {
		return s.dispatchLocked(kind, id, r)
	}
	if f.Applied {
		s.dispatchLocked(kind, id, r) // the change is made; its answer is lost
	}
	status, msg := statusText(f.Code)
	return f.Code, nil, &apiError{code: f.Code, status: status, message: msg, injected: true}
}

// dispatchLocked authenticates and carries out one Sheets API request.
func (s *Server) dispatchLocked(kind Kind, id string, r *http.Request) (int, any, error) {
	if kind == Other {
		return 0, nil, &apiError{code: http.StatusNotFound, status: "NOT_FOUND", message: fmt.Sprintf("The requested URL %s was not found on this server.", r.URL.Path)}
	}
	who, scopes, err := s.authenticate(r)
	if err != nil {
		return 0, nil, err
	}
	write := kind == ValuesBatchUpdate || kind == BatchUpdate
	if scopes != nil && !scopeAllows(scopes, write) {
		return 0, nil, &apiError{code: http.StatusForbidden, status: "PERMISSION_DENIED", message: "Request had insufficient authentication scopes."}
	}
	book := s.books[id]
	if book == nil {
		return 0, nil, &apiError{code: http.StatusNotFound, status: "NOT_FOUND", message: "Requested entity was not found."}
	}
	if who != "" {
		role := book.sharers[who]
		if role == "" || (write && role != Writer) {
			return 0, nil, &apiError{code: http.StatusForbidden, status: "PERMISSION_DENIED", message: "The caller does not have permission"}
		}
	}
	switch kind {
	case Get:
		v, err := book.get(r.URL.Query())
		return http.StatusOK, v, err
	case BatchGet:
		v, err := book.batchGet(r.URL.Query())
		return http.StatusOK, v, err
	case ValuesBatchUpdate:
		v, err := book.valuesBatchUpdate(r)
		return http.StatusOK, v, err
	case BatchUpdate:
		v, err := s.batchUpdate(id, r)
		return http.StatusOK, v, err
	}
	return 0, nil, &apiError{code: http.StatusNotFound, status: "NOT_FOUND", message: "Requested entity was not found."}
}

// authenticate returns the caller's email from its bearer token, with the token's scopes;
// an anonymous caller (when allowed) is "" with nil scopes.
func (s *Server) authenticate(r *http.Request) (string, []string, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		if s.anonymous {
			return "", nil, nil
		}
		return "", nil, &apiError{code: http.StatusUnauthorized, status: "UNAUTHENTICATED", message: "Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential."}
	}
	tok, ok := strings.CutPrefix(h, "Bearer ")
	g := s.access[tok]
	if !ok || g == nil || !s.now().Before(g.expiry) {
		return "", nil, &apiError{code: http.StatusUnauthorized, status: "UNAUTHENTICATED", message: "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential."}
	}
	return g.email, g.scopes, nil
}

func scopeAllows(scopes []string, write bool) bool {
	for _, sc := range scopes {
		switch sc {
		case Scope, "https://www.googleapis.com/auth/drive", "https://www.googleapis.com/auth/drive.file":
			return true
		case Scope + ".readonly", "https://www.googleapis.com/auth/drive.readonly":
			if !write {
				return true
			}
		}
	}
	return false
}
