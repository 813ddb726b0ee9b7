package google

import (
	"context"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/utils/clock"
)

// Request kinds, the "kind" label of the metrics.
const (
	kindGet               = "spreadsheets.get"
	kindBatchGet          = "values.batchGet"
	kindValuesBatchUpdate = "values.batchUpdate"
	kindBatchUpdate       = "spreadsheets.batchUpdate"
)

var (
	requestsTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "sheetops",
		Name:      "sheet_requests_total",
		Help:      "Google Sheets API requests, by kind and HTTP status code (\"error\" when no answer came).",
	}, []string{"kind", "code"})
	throttledSeconds = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "sheetops",
		Name:      "sheet_throttled_seconds_total",
		Help:      "Seconds Google Sheets API requests waited: for the client-side rate limit (reason limit) or backing off after a 429 or 5xx (reason backoff).",
	}, []string{"reason"})
	backoffsTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "sheetops",
		Name:      "sheet_backoffs_total",
		Help:      "Google Sheets API requests retried after a 429, a 5xx or a network failure, by kind.",
	}, []string{"kind"})
)

// Collectors are the Google backend's Prometheus metrics, for the daemon to register.
func Collectors() []prometheus.Collector {
	return []prometheus.Collector{requestsTotal, throttledSeconds, backoffsTotal}
}

// transport sends the Sheets API requests: it waits for the rate limit, adds the access
// token, retries reads after a 429, a 5xx or a network failure with exponential backoff and
// jitter, retries once with a fresh token after a 401, and counts everything. It never sends
// a write again after a 429, a 5xx or a network failure: the write was built from a read
// that may be stale by then, and it may even have been applied. Sheet.Write retries it
// after reading again (writeAgain). Requests must have replayable bodies (GetBody), as the
// API client's JSON requests do.
type transport struct {
	base          http.RoundTripper
	tokens        *tokenCache
	reads, writes *window
	clock         clock.Clock
	log           *slog.Logger
	backoff       time.Duration // the first wait; it doubles per attempt
	maxBackoff    time.Duration
	attempts      int // the most tries of one request for 429 and 5xx
	netAttempts   int // the most tries of one request for network failures

	mu     sync.Mutex
	jitter *rand.Rand
}

// kindOf classifies a request and says whether it counts against the write limit.
func kindOf(r *http.Request) (string, bool) {
	p := r.URL.Path
	switch {
	case strings.HasSuffix(p, "/values:batchGet"):
		return kindBatchGet, false
	case strings.HasSuffix(p, "/values:batchUpdate"):
		return kindValuesBatchUpdate, true
	case strings.HasSuffix(p, ":batchUpdate"):
		return kindBatchUpdate, true
	case r.Method == http.MethodGet:
		return kindGet, false
	}
	return "other", r.Method != http.MethodGet
}

func retryable(code int) bool {
	return code == http.StatusTooManyRequests || code == http.StatusInternalServerError ||
		code == http.StatusBadGateway || code == http.StatusServiceUnavailable || code == http.StatusGatewayTimeout
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	kind, write := kindOf(req)
	limit := t.reads
	if write {
		limit = t.writes
	}
	refreshed := false
	for attempt := 1; ; attempt++ {
		waited, err := limit.wait(ctx)
		if waited > 0 {
			throttledSeconds.WithLabelValues("limit").Add(waited.Seconds())
		}
		if err != nil {
			return nil, err
		}
		tok, err := t.tokens.token()
		if err != nil {
			return nil, &tokenError{err}
		}
		r := req.Clone(ctx)
		if req.Body != nil && req.GetBody != nil {
			if r.Body, err = req.GetBody(); err != nil {
				return nil, err
			}
		}
		r.Header.Set("Authorization", "Bearer "+tok.AccessToken)
		resp, err := t.base.RoundTrip(r)
		code := "error"
		if err == nil {
			code = strconv.Itoa(resp.StatusCode)
		}
		requestsTotal.WithLabelValues(kind, code).Inc()
		var header http.Header
		switch {
		case err != nil:
			// A write is not sent again: it may have reached the server.
			if write || ctx.Err() != nil || attempt >= t.netAttempts || !isNetwork(err) {
				return nil, err
			}
		case resp.StatusCode == http.StatusUnauthorized && !refreshed:
			// The server no longer takes the token (expired early, clock skew): get a new
			// one and try once more. The request was refused, so a write may go again too.
			refreshed = true
			drain(resp)
			t.tokens.invalidate()
			t.log.Info("google sheets: access token refused; getting a new one", "kind", kind)
			continue
		case retryable(resp.StatusCode) && attempt < t.attempts && !write:
			header = resp.Header
			drain(resp)
		default:
			return resp, nil
		}
		if err := t.pause(ctx, kind, code, attempt, header); err != nil {
			return nil, err
		}
	}
}

// pause waits before the next attempt of a request that failed with a 429, a 5xx or no
// answer: one log line, the backoff counted in the metrics, then the delay on the clock.
// extra are more key/value pairs for the log line.
func (t *transport) pause(ctx context.Context, kind, code string, attempt int, header http.Header, extra ...any) error {
	delay := t.delay(attempt, header)
	args := append([]any{"kind", kind, "status", code, "attempt", attempt, "wait", delay.Round(time.Millisecond)}, extra...)
	t.log.Warn("google sheets: backing off", args...)
	backoffsTotal.WithLabelValues(kind).Inc()
	throttledSeconds.WithLabelValues("backoff").Add(delay.Seconds())
	return sleep(ctx, t.clock, delay)
}

// delay is the wait before the next attempt: a Retry-After the server asked for, else
// backoff·2^(attempt-1) capped at maxBackoff, with up to a quarter of it added at random.
func (t *transport) delay(attempt int, header http.Header) time.Duration {
	if header != nil {
		if s, err := strconv.Atoi(header.Get("Retry-After")); err == nil && s >= 0 {
			return min(time.Duration(s)*time.Second, t.maxBackoff)
		}
	}
	d := t.backoff << min(attempt-1, 30)
	if d <= 0 || d > t.maxBackoff {
		d = t.maxBackoff
	}
	t.mu.Lock()
	j := time.Duration(t.jitter.Int64N(int64(d)/4 + 1))
	t.mu.Unlock()
	return d + j
}

func drain(resp *http.Response) {
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
}

func sleep(ctx context.Context, c clock.Clock, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := c.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C():
		return nil
	}
}

// window is a sliding-window rate limit: at most n requests in any period.
type window struct {
	n      int
	period time.Duration
	clock  clock.Clock

	mu    sync.Mutex
	times []time.Time // the start times of the requests in the last period, oldest first
}

func newWindow(n int, period time.Duration, c clock.Clock) *window {
	return &window{n: n, period: period, clock: c}
}

// wait blocks until a request may start without exceeding the limit and records it. It
// returns how long it waited.
func (w *window) wait(ctx context.Context) (time.Duration, error) {
	var waited time.Duration
	for {
		w.mu.Lock()
		now := w.clock.Now()
		i := 0
		for i < len(w.times) && !w.times[i].Add(w.period).After(now) {
			i++
		}
		w.times = w.times[i:]
		if len(w.times) < w.n {
			w.times = append(w.times, now)
			w.mu.Unlock()
			return waited, nil
		}
		d := w.times[0].Add(w.period).Sub(now)
		w.mu.Unlock()
		if err := sleep(ctx, w.clock, d); err != nil {
			return waited, err
		}
		waited += d
	}
}
