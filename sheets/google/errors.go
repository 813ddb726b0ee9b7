package google

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"

	"google.golang.org/api/googleapi"
)

// Kinds of failure, for errors.Is.
var (
	// ErrNotFound: the spreadsheet ID names no spreadsheet.
	ErrNotFound = errors.New("spreadsheet not found")
	// ErrPermissionDenied: the account may not open (or may not edit) the spreadsheet.
	ErrPermissionDenied = errors.New("permission denied")
	// ErrCredentials: the credentials are unreadable, malformed, revoked or refused.
	ErrCredentials = errors.New("bad credentials")
	// ErrUnreachable: the API or token endpoint could not be reached.
	ErrUnreachable = errors.New("unreachable")
)

// Error is a failure that a setting explains: one line naming the setting, its value and
// the fix. errors.Is matches its Kind; errors.As reaches the underlying error.
type Error struct {
	Key   string // the setting, "google.spreadsheetID"
	Value string // its value, if it helps
	Kind  error  // ErrNotFound, ErrPermissionDenied, ErrCredentials or ErrUnreachable
	Msg   string
	Err   error // the cause, if any
}

func (e *Error) Error() string {
	if e.Value != "" {
		return fmt.Sprintf("%s %s: %s", e.Key, e.Value, e.Msg)
	}
	return e.Key + ": " + e.Msg
}

// Unwrap returns the kind and the cause.
func (e *Error) Unwrap() []error {
	var errs []error
	if e.Kind != nil {
		errs = append(errs, e.Kind)
	}
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	return errs
}

// explain turns an error of an API call into a one-line error naming what to fix; errors
// it cannot explain come back wrapped as they are.
func (s *Sheet) explain(op string, err error) error {
	if err == nil {
		return nil
	}
	var named *Error
	if errors.As(err, &named) {
		return named
	}
	var limit *CellLimitError
	if errors.As(err, &limit) {
		return limit
	}
	var te *tokenError
	if errors.As(err, &te) {
		return s.creds.explainToken(te.err)
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%s: %w", op, err)
	}
	var ge *googleapi.Error
	if errors.As(err, &ge) {
		return s.explainAPI(op, ge)
	}
	if isNetwork(err) {
		key, value := "google.endpoint", s.endpoint
		if value == "" {
			key, value = "the Google Sheets API", "(sheets.googleapis.com)"
		}
		return &Error{Key: key, Value: value, Kind: ErrUnreachable, Err: err, Msg: "is unreachable: " + rootCause(err)}
	}
	return fmt.Errorf("%s: %w", op, err)
}

func (s *Sheet) explainAPI(op string, ge *googleapi.Error) error {
	id := s.id
	if isCellLimit(ge) {
		return cellLimitOf(ge)
	}
	switch ge.Code {
	case http.StatusNotFound:
		return &Error{Key: "google.spreadsheetID", Value: id, Kind: ErrNotFound, Err: ge,
			Msg: "not found: copy the ID from the sheet's address, docs.google.com/spreadsheets/d/<ID>/edit"}
	case http.StatusForbidden:
		msg := ge.Message
		switch {
		case strings.Contains(msg, "insufficient authentication scopes"):
			return &Error{Key: "google.credentialsFile", Value: s.creds.file, Kind: ErrPermissionDenied, Err: ge,
				Msg: "the credentials lack the spreadsheets scope; run sheetops auth login again"}
		case strings.Contains(msg, "has not been used") || strings.Contains(msg, "is disabled") || reason(ge) == "SERVICE_DISABLED":
			return &Error{Key: "google.credentialsFile", Value: s.creds.file, Kind: ErrPermissionDenied, Err: ge,
				Msg: "the Google Sheets API is not enabled for the credentials' project; enable it in the Cloud console (APIs & Services, Library, Google Sheets API)"}
		}
		who, with, also := "the account of google.credentialsFile", "that account", ""
		switch {
		case s.creds.account != "":
			who, with = "the service account", s.creds.account
		case s.creds.kind == authorizedUserType:
			who, also = "the Google account you signed in with (sheetops auth login)", ", or sign in as an account that has access"
		case s.creds.kind == "adc":
			who = "the account of your Application Default Credentials"
		}
		verb := "cannot open it"
		if op == "write" {
			verb = "cannot edit it"
		}
		return &Error{Key: "google.spreadsheetID", Value: id, Kind: ErrPermissionDenied, Err: ge,
			Msg: fmt.Sprintf("%s %s: share the sheet with %s as Editor%s", who, verb, with, also)}
	case http.StatusUnauthorized:
		return &Error{Key: "google.credentialsFile", Value: s.creds.file, Kind: ErrCredentials, Err: ge,
			Msg: "Google did not accept the access token (401 " + oneLine(ge.Message) + ")"}
	}
	return fmt.Errorf("%s: google sheets API %d: %s", op, ge.Code, oneLine(ge.Message))
}

func reason(ge *googleapi.Error) string {
	for _, d := range ge.Details {
		if m, ok := d.(map[string]any); ok {
			if r, ok := m["reason"].(string); ok {
				return r
			}
		}
	}
	return ""
}

// isNetwork reports whether err is a failure to reach the server (refused, unknown host,
// timeout, reset), as opposed to an answer.
func isNetwork(err error) bool {
	var ne net.Error
	var oe *net.OpError
	var de *net.DNSError
	var ue *url.Error
	return errors.As(err, &oe) || errors.As(err, &de) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.ECONNRESET) || (errors.As(err, &ne) && ne.Timeout()) ||
		(errors.As(err, &ue) && !errors.Is(err, context.Canceled) && ue.Err != nil && !isAnswer(ue.Err))
}

// isAnswer reports whether err carries a server's answer rather than a transport failure.
func isAnswer(err error) bool {
	var te *tokenError
	var ge *googleapi.Error
	return errors.As(err, &te) || errors.As(err, &ge)
}

// rootCause is the innermost message of err, on one line.
func rootCause(err error) string {
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Err != nil {
		where := oe.Op
		if oe.Addr != nil {
			where += " " + oe.Addr.String()
		}
		return oneLine(where + ": " + oe.Err.Error())
	}
	for {
		u := errors.Unwrap(err)
		if u == nil {
			return oneLine(err.Error())
		}
		err = u
	}
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}
