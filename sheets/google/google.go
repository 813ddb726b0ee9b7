package google

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	mrand "math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"google.golang.org/api/googleapi"
	"google.golang.org/api/option"
	sheetsapi "google.golang.org/api/sheets/v4"
	"k8s.io/utils/clock"

	"github.com/sheetops/sheetops/sheets"
)

// Options configure a Sheet. The first five are the settings under sheet.google.
type Options struct {
	// SpreadsheetID is the ID in the sheet's address, docs.google.com/spreadsheets/d/<ID>/edit.
	SpreadsheetID string
	// CredentialsFile is a service-account key (JSON) or the authorized_user file that
	// sheetops auth login writes; it is read, never written. Empty: Application Default
	// Credentials.
	CredentialsFile string
	// Endpoint overrides the API's address (tests, proxies). Default: Google's.
	Endpoint string
	// ReadsPerMinute and WritesPerMinute bound the requests in any 60 seconds. Default 60
	// each, Google's default quota per user.
	ReadsPerMinute, WritesPerMinute int
	// Logger receives one line per backoff and per layout repair. Default slog.Default().
	Logger *slog.Logger

	// Clock paces the rate limit, the backoff and the layout checks. Default: the real one.
	Clock clock.Clock
	// Backoff is the first wait after a 429 or 5xx; it doubles per attempt up to
	// MaxBackoff. Default 1s and 64s.
	Backoff, MaxBackoff time.Duration
	// MaxAttempts bounds the tries of one read, and the sends of one Write (each after a
	// fresh read), that keep getting 429 or 5xx. Default 10.
	MaxAttempts int
	// RepairInterval is how often the layout is checked and repaired. Default 5 minutes.
	RepairInterval time.Duration
	// Transport carries the API and token requests. Default: http.DefaultTransport's
	// settings with a 60 s limit on waiting for an answer.
	Transport http.RoundTripper
}

// metaTab is the hidden tab where every Write leaves a new write ID, so that the version
// (a hash of every value) changes on each Write even when no other value does.
const metaTab = "_sheetops"

// readCacheFor is how long the values read by Version serve the Read that follows it.
const readCacheFor = 2 * time.Second

// Sheet is a Google Sheet as a sheets.Sheet. Its Version is a hash of every tab's values,
// read with one values.batchGet; Read right after Version reuses that read. It is safe for
// concurrent use, though the sync engine calls it from one goroutine.
type Sheet struct {
	id, endpoint string
	svc          *sheetsapi.Service
	tr           *transport
	creds        *credentials
	log          *slog.Logger
	clock        clock.Clock
	repairEvery  time.Duration

	mu        sync.Mutex
	tabs      []tabInfo // in the spreadsheet's order, as last seen
	tabsStale bool      // a spreadsheets.batchUpdate failed: it may have changed the tabs
	cached    *snapshot // from Version, for the Read that follows
	layout    *sheets.Layout
	laidOut   map[string]bool // tabs whose layout this process applied or checked
	lastCheck time.Time
}

var _ sheets.Sheet = (*Sheet)(nil)

// tabInfo is what we know of a tab's properties.
type tabInfo struct {
	id         int64
	title      string
	hidden     bool
	rows, cols int
	frozen     int
}

// snapshot is one read of every tab.
type snapshot struct {
	at      time.Time
	version string
	tabs    []namedGrid
	book    *sheets.Book
}

func (s *snapshot) grid(title string) (grid, bool) {
	for _, t := range s.tabs {
		if t.title == title {
			return t.grid, true
		}
	}
	return nil, false
}

// New connects to the spreadsheet: it reads the credentials and the spreadsheet's tabs
// (one spreadsheets.get), so that a wrong ID, an unshared sheet or bad credentials are
// reported at once, as an *Error naming the setting to fix.
func New(ctx context.Context, opts Options) (*Sheet, error) {
	id := strings.TrimSpace(opts.SpreadsheetID)
	if id == "" {
		return nil, &Error{Key: "google.spreadsheetID", Msg: "is required with sheet.backend google (the ID in the sheet's address, docs.google.com/spreadsheets/d/<ID>/edit)"}
	}
	if strings.ContainsAny(id, "/?#") {
		msg := "is an address, not an ID; use the part between /d/ and /edit"
		if _, after, ok := strings.Cut(id, "/d/"); ok {
			if guess, _, _ := strings.Cut(after, "/"); guess != "" {
				msg += ": " + guess
			}
		}
		return nil, &Error{Key: "google.spreadsheetID", Value: id, Msg: msg}
	}
	endpoint := opts.Endpoint
	if endpoint != "" {
		u, err := url.Parse(endpoint)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, &Error{Key: "google.endpoint", Value: endpoint, Msg: "must be an http or https URL such as https://sheets.googleapis.com/"}
		}
		if !strings.HasSuffix(endpoint, "/") {
			endpoint += "/"
		}
	}
	if opts.ReadsPerMinute <= 0 {
		opts.ReadsPerMinute = 60
	}
	if opts.WritesPerMinute <= 0 {
		opts.WritesPerMinute = 60
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Clock == nil {
		opts.Clock = clock.RealClock{}
	}
	if opts.Backoff <= 0 {
		opts.Backoff = time.Second
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = 64 * time.Second
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = 10
	}
	if opts.RepairInterval <= 0 {
		opts.RepairInterval = 5 * time.Minute
	}
	base := opts.Transport
	if base == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.ResponseHeaderTimeout = 60 * time.Second
		base = t
	}
	log := opts.Logger.With("component", "google-sheets")
	creds, err := loadCredentials(ctx, opts.CredentialsFile, &http.Client{Transport: base, Timeout: 60 * time.Second})
	if err != nil {
		return nil, err
	}
	seed, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tr := &transport{
		base: base, tokens: creds.tokens, clock: opts.Clock, log: log,
		reads:   newWindow(opts.ReadsPerMinute, time.Minute, opts.Clock),
		writes:  newWindow(opts.WritesPerMinute, time.Minute, opts.Clock),
		backoff: opts.Backoff, maxBackoff: opts.MaxBackoff, attempts: opts.MaxAttempts, netAttempts: 3,
		jitter: mrand.New(mrand.NewPCG(seed.Uint64(), 1)),
	}
	svcOpts := []option.ClientOption{option.WithHTTPClient(&http.Client{Transport: tr})}
	if endpoint != "" {
		svcOpts = append(svcOpts, option.WithEndpoint(endpoint))
	}
	svc, err := sheetsapi.NewService(ctx, svcOpts...)
	if err != nil {
		return nil, fmt.Errorf("google sheets client: %w", err)
	}
	s := &Sheet{
		id: id, endpoint: opts.Endpoint, svc: svc, tr: tr, creds: creds, log: log.With("spreadsheet", id),
		clock: opts.Clock, repairEvery: opts.RepairInterval, laidOut: map[string]bool{},
	}
	if err := s.refreshTabs(ctx); err != nil {
		return nil, s.explain("open", err)
	}
	return s, nil
}

// Account is the service account's email the sheet must be shared with, or "" when the
// credentials are a person's.
func (s *Sheet) Account() string { return s.creds.account }

// tabFields are the tab properties we keep.
const tabFields = "properties(sheetId,title,index,hidden,gridProperties(rowCount,columnCount,frozenRowCount))"

// refreshTabs learns the spreadsheet's tabs (one spreadsheets.get).
func (s *Sheet) refreshTabs(ctx context.Context) error {
	sp, err := s.svc.Spreadsheets.Get(s.id).Fields(googleapi.Field("spreadsheetId,sheets." + tabFields)).Context(ctx).Do()
	if err != nil {
		return err
	}
	s.setTabs(sp.Sheets)
	return nil
}

func (s *Sheet) setTabs(list []*sheetsapi.Sheet) {
	s.tabs = s.tabs[:0]
	for _, sh := range list {
		if sh.Properties == nil {
			continue
		}
		s.tabs = append(s.tabs, infoOf(sh.Properties))
	}
}

func infoOf(p *sheetsapi.SheetProperties) tabInfo {
	t := tabInfo{id: p.SheetId, title: p.Title, hidden: p.Hidden}
	if g := p.GridProperties; g != nil {
		t.rows, t.cols, t.frozen = int(g.RowCount), int(g.ColumnCount), int(g.FrozenRowCount)
	}
	return t
}

func (s *Sheet) tab(title string) (int, *tabInfo) {
	for i := range s.tabs {
		if s.tabs[i].title == title {
			return i, &s.tabs[i]
		}
	}
	return -1, nil
}

// badRange reports the API's answer to a range naming a tab that is gone.
func badRange(err error) bool {
	var ge *googleapi.Error
	return errors.As(err, &ge) && ge.Code == http.StatusBadRequest && strings.Contains(ge.Message, "Unable to parse range")
}

// fetch reads every tab's values with one values.batchGet (two requests more when a tab
// was deleted or renamed meanwhile: the tab list is read again).
func (s *Sheet) fetch(ctx context.Context) (*snapshot, error) {
	for attempt := 0; ; attempt++ {
		ranges := make([]string, len(s.tabs))
		for i, t := range s.tabs {
			ranges[i] = quote(t.title)
		}
		resp, err := s.svc.Spreadsheets.Values.BatchGet(s.id).Ranges(ranges...).
			ValueRenderOption("UNFORMATTED_VALUE").MajorDimension("ROWS").Context(ctx).Do()
		if badRange(err) && attempt == 0 {
			if err := s.refreshTabs(ctx); err != nil {
				return nil, err
			}
			continue
		}
		if err != nil {
			return nil, err
		}
		if len(resp.ValueRanges) != len(s.tabs) {
			return nil, fmt.Errorf("read %d tabs: the API answered %d value ranges", len(s.tabs), len(resp.ValueRanges))
		}
		snap := &snapshot{at: s.clock.Now(), book: &sheets.Book{}}
		meta, content := false, false
		for i, vr := range resp.ValueRanges {
			t := s.tabs[i]
			g := toGrid(vr.Values)
			snap.tabs = append(snap.tabs, namedGrid{t.title, g})
			if t.title == metaTab {
				meta = true
				continue
			}
			if len(g) > 0 {
				content = true
				snap.book.Tabs = append(snap.book.Tabs, bookTab(t.title, g))
			}
		}
		if meta || content {
			snap.version = versionOf(snap.tabs)
		}
		snap.book.Version = snap.version
		return snap, nil
	}
}

// Version reads every tab's values (one values.batchGet) and returns their hash; the Read
// that follows within a moment returns what this read found. When a layout check is due
// (every RepairInterval, once a Write has given the layout) it also checks the
// presentation (one spreadsheets.get) and repairs what is missing (one
// spreadsheets.batchUpdate); a failed repair is logged, not returned.
func (s *Sheet) Version(ctx context.Context) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	snap, err := s.fetch(ctx)
	if err != nil {
		s.cached = nil
		return "", s.explain("read", err)
	}
	s.cached = snap
	if s.layout != nil && s.clock.Since(s.lastCheck) >= s.repairEvery {
		if err := s.repair(ctx); err != nil {
			s.log.Warn("layout check failed; will try again", "err", s.explain("repair layout", err))
		}
	}
	return snap.version, nil
}

// Read returns every tab's values (not the hidden bookkeeping tab, nor tabs with no values).
func (s *Sheet) Read(ctx context.Context) (*sheets.Book, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.cached; c != nil {
		s.cached = nil
		if s.clock.Since(c.at) < readCacheFor {
			return c.book, nil
		}
	}
	snap, err := s.fetch(ctx)
	if err != nil {
		return nil, s.explain("read", err)
	}
	return snap.book, nil
}

// Write makes the sheet hold next's tabs. It reads the sheet first (one values.batchGet)
// and returns sheets.ErrModified, writing nothing, if the version is no longer base's:
// Google has no conditional write, so a save in the moment between that read and the
// write can still be overwritten in the cells this Write changes. Then the
// spreadsheets.batchUpdate requests (new tabs, grid growth, layout) and the
// values.batchUpdate requests (only the cells that change, as RAW values: text stays
// text) follow, each under 2 MB of JSON: one of each for a render that changes little.
// A write after which the spreadsheet would pass Google's 10,000,000 cells is refused
// before anything is sent, with a *CellLimitError.
//
// A write answered with a 429 or a 5xx, or not answered, is never sent again as it was:
// Write backs off, reads again and, if someone saved meanwhile, returns sheets.ErrModified
// (the caller reads, merges and decides again); else it plans again from that read and
// sends what still differs — after a failure part-way, the parts that landed are not sent
// again. If the read finds exactly what the failed write meant to leave, the write was
// applied and only its answer was lost: Write returns its version. After MaxAttempts
// sends (3 for network failures) it returns the last error.
func (s *Sheet) Write(ctx context.Context, layout *sheets.Layout, base, next *sheets.Book) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cached = nil
	baseVersion := ""
	if base != nil {
		baseVersion = base.Version
	}
	if next == nil {
		next = &sheets.Book{}
	}
	for _, t := range next.Tabs {
		if t != nil && t.Name == metaTab {
			return "", fmt.Errorf("write tab %s: the name is reserved for SheetOps' own hidden tab", metaTab)
		}
	}
	// unchanged are the versions that hold nobody else's save: base's, and base's with what
	// requests of ours that failed may have left (tabs, layout, some of the values).
	unchanged := []string{baseVersion}
	var lost *writePlan // a plan whose last values.batchUpdate failed: it may have been applied
	limitRefused := false
	for attempt := 1; ; attempt++ {
		if s.tabsStale {
			if err := s.refreshTabs(ctx); err != nil {
				return "", s.explain("read", err)
			}
			s.tabsStale = false
		}
		cur, err := s.fetch(ctx)
		if err != nil {
			return "", s.explain("read", err)
		}
		if lost != nil && cur.version == lost.version {
			return lost.version, nil // applied; only the answer was lost
		}
		if !slices.Contains(unchanged, cur.version) {
			return "", sheets.ErrModified
		}
		p, err := s.plan(ctx, layout, cur, next)
		if err != nil {
			return "", s.explain("write", err)
		}
		f := s.send(ctx, layout, p)
		if f == nil {
			return p.version, nil
		}
		// What the requests before the failed one left, and what the failed one leaves
		// if it was applied: no one else's save.
		lost = nil
		switch f.kind {
		case kindBatchUpdate:
			unchanged = append(unchanged, p.tabsVersion(cur, f.batch), p.tabsVersion(cur, f.batch+1))
		case kindValuesBatchUpdate:
			unchanged = append(unchanged, p.laidOutVersion)
			if f.batch == len(p.values)-1 {
				lost = p
			} else {
				unchanged = append(unchanged, p.valuesVersion(cur, f.batch), p.valuesVersion(cur, f.batch+1))
			}
		}
		if isCellLimit(f.err) && !limitRefused {
			// Google counts cells of tabs we had not seen (a person added or grew one):
			// learn the tabs (tabsStale) and plan again, which says what to change.
			limitRefused = true
			continue
		}
		if err := s.writeAgain(ctx, f.kind, attempt, f.err); err != nil {
			return "", s.explain("write", err)
		}
	}
}

// sendFailure is a request of a plan that failed: its kind, and its place among the
// plan's requests of that kind.
type sendFailure struct {
	kind  string
	batch int
	err   error
}

// send sends a plan: its spreadsheets.batchUpdate requests, then its values.batchUpdate
// requests, in order. It stops at the first that fails and says which.
func (s *Sheet) send(ctx context.Context, layout *sheets.Layout, p *writePlan) *sendFailure {
	for i, reqs := range p.requests {
		_, err := s.svc.Spreadsheets.BatchUpdate(s.id, &sheetsapi.BatchUpdateSpreadsheetRequest{Requests: reqs}).Context(ctx).Do()
		if err != nil {
			// Applied or not, we cannot tell: learn the tabs and check the layout again
			// before the next write.
			s.laidOut = map[string]bool{}
			s.tabsStale = true
			return &sendFailure{kindBatchUpdate, i, err}
		}
	}
	if len(p.requests) > 0 {
		s.tabs = p.tabs
	}
	if layout != nil {
		// The layout is in place now (sent, or checked and complete).
		s.layout = layout
		for t := range p.laidOut {
			s.laidOut[t] = true
		}
		if p.checked || s.lastCheck.IsZero() {
			s.lastCheck = s.clock.Now() // the next check is due in RepairInterval
		}
	}
	for i, batch := range p.values {
		_, err := s.svc.Spreadsheets.Values.BatchUpdate(s.id, &sheetsapi.BatchUpdateValuesRequest{
			ValueInputOption: "RAW", Data: apiRanges(batch),
		}).Context(ctx).Do()
		if err != nil {
			return &sendFailure{kindValuesBatchUpdate, i, err}
		}
	}
	return nil
}

// writeAgain decides whether a failed write of a Write's attempt-th send is tried again:
// after a 429, a 5xx or a network failure, while attempts remain, it backs off (one log
// line, the metrics) and returns nil; otherwise it returns err.
func (s *Sheet) writeAgain(ctx context.Context, kind string, attempt int, err error) error {
	if ctx.Err() != nil {
		return err
	}
	var ge *googleapi.Error
	code, header, limit := "", http.Header(nil), 0
	switch {
	case errors.As(err, &ge) && retryable(ge.Code):
		code, header, limit = strconv.Itoa(ge.Code), ge.Header, s.tr.attempts
	case !errors.As(err, &ge) && !isAnswer(err) && isNetwork(err):
		code, limit = "error", s.tr.netAttempts
	default:
		return err
	}
	if attempt >= limit {
		return err
	}
	if perr := s.tr.pause(ctx, kind, code, attempt, header, "then", "read the sheet again before writing"); perr != nil {
		return perr
	}
	return nil
}

// writePlan is what one Write sends: spreadsheets.batchUpdate requests (new tabs, grid
// growth, layout), then values.batchUpdate requests (the cells that change, the write ID
// last), each under maxRequestBytes of JSON.
type writePlan struct {
	requests [][]*sheetsapi.Request
	values   [][]valueRange
	tabs     []tabInfo // the tabs after the requests
	newTabs  int       // the last newTabs of tabs are added by the requests, in order
	addsIn   []int     // the tabs each of requests adds
	laidOut  map[string]bool
	checked  bool // the layout of the existing tabs was checked
	version  string
	// laidOutVersion is the version a read finds after the spreadsheets.batchUpdate
	// requests alone: the new tabs, still empty, and the values as they were.
	laidOutVersion string
}

// tabsVersion is the version a read finds after the first n spreadsheets.batchUpdate
// requests: their new tabs, empty, and the values as they were.
func (p *writePlan) tabsVersion(cur *snapshot, n int) string {
	if n >= len(p.requests) {
		return p.laidOutVersion
	}
	added := 0
	for _, a := range p.addsIn[:n] {
		added += a
	}
	return versionAfter(p.tabs[:len(p.tabs)-p.newTabs+added], cur, nil)
}

// valuesVersion is the version a read finds after all the spreadsheets.batchUpdate
// requests and the first n values.batchUpdate requests.
func (p *writePlan) valuesVersion(cur *snapshot, n int) string {
	if n == 0 {
		return p.laidOutVersion
	}
	if n >= len(p.values) {
		return p.version
	}
	return versionAfter(p.tabs, cur, applied(cur, p.values[:n]))
}

// newSheetID picks a sheet ID no tab has.
func (s *Sheet) newSheetID(tabs []tabInfo) int64 {
	for {
		var b [4]byte
		rand.Read(b[:])
		id := int64(b[0]&0x7f)<<24 | int64(b[1])<<16 | int64(b[2])<<8 | int64(b[3])
		ok := id != 0
		for _, t := range tabs {
			if t.id == id {
				ok = false
			}
		}
		if ok {
			return id
		}
	}
}

// plan works out what turns cur into next: new tabs, grid growth and layout, then the
// cells that change, cut into requests under maxRequestBytes. It refuses, with a
// *CellLimitError, a write after which the spreadsheet would pass Google's cell limit.
func (s *Sheet) plan(ctx context.Context, layout *sheets.Layout, cur *snapshot, next *sheets.Book) (*writePlan, error) {
	p := &writePlan{tabs: append([]tabInfo(nil), s.tabs...), laidOut: map[string]bool{}}
	find := func(title string) *tabInfo {
		for i := range p.tabs {
			if p.tabs[i].title == title {
				return &p.tabs[i]
			}
		}
		return nil
	}
	var reqs []*sheetsapi.Request
	var data []valueRange
	// The layout of tabs that exist but that this process has not checked yet.
	var toCheck []string
	if layout != nil {
		for _, t := range next.Tabs {
			if t != nil && layout.Tab(t.Name) != nil && find(t.Name) != nil && !s.laidOut[t.Name] {
				toCheck = append(toCheck, t.Name)
			}
		}
	}
	if len(toCheck) > 0 {
		r, err := s.check(ctx, layout, toCheck)
		if err != nil {
			return nil, err
		}
		reqs = append(reqs, r...)
		p.tabs = append([]tabInfo(nil), s.tabs...) // check read the tabs again
		p.checked = true
		for _, t := range toCheck {
			p.laidOut[t] = true
		}
	}
	tabs := tabsOf(next, layout)
	roomy, err := fitCells(p.tabs, tabs)
	if err != nil {
		return nil, err
	}
	written := map[string]grid{}
	for _, w := range tabs {
		t := w.tab
		g := make(grid, 0, len(t.Rows)+1)
		g = append(g, t.Header)
		g = append(g, t.Rows...)
		var tl *sheets.TabLayout
		if layout != nil {
			tl = layout.Tab(t.Name)
		}
		info := find(t.Name)
		if info == nil {
			rows, cols := w.grid(nil, roomy)
			p.tabs = append(p.tabs, tabInfo{id: s.newSheetID(p.tabs), title: t.Name, rows: rows, cols: cols, frozen: 1})
			info = &p.tabs[len(p.tabs)-1]
			p.newTabs++
			reqs = append(reqs, &sheetsapi.Request{AddSheet: &sheetsapi.AddSheetRequest{Properties: &sheetsapi.SheetProperties{
				SheetId: info.id, Title: info.title,
				GridProperties: &sheetsapi.GridProperties{RowCount: int64(info.rows), ColumnCount: int64(info.cols), FrozenRowCount: 1},
			}}})
			if tl != nil {
				reqs = append(reqs, layoutRequests(*info, tl, t.Header, t.Rows, layout.Summary, allParts)...)
				p.laidOut[t.Name] = true
			}
		} else {
			rows, cols := w.grid(info, roomy)
			grown := false
			if rows > info.rows {
				reqs = append(reqs, &sheetsapi.Request{AppendDimension: &sheetsapi.AppendDimensionRequest{SheetId: info.id, Dimension: "ROWS", Length: int64(rows - info.rows)}})
				info.rows = rows
				grown = true
			}
			if cols > info.cols {
				reqs = append(reqs, &sheetsapi.Request{AppendDimension: &sheetsapi.AppendDimensionRequest{SheetId: info.id, Dimension: "COLUMNS", Length: int64(cols - info.cols)}})
				info.cols = cols
				grown = true
			}
			if grown && tl != nil {
				// Validation and formats belong to cells: give the new ones theirs.
				reqs = append(reqs, layoutRequests(*info, tl, t.Header, nil, nil, partValidation|partReadOnly)...)
			}
		}
		old, _ := cur.grid(t.Name)
		var number func(int) bool = func(int) bool { return false }
		if tl != nil {
			header := t.Header
			number = func(c int) bool {
				if c >= len(header) {
					return false
				}
				col := tl.Column(header[c])
				return col != nil && col.Number
			}
		}
		data = append(data, changedRanges(t.Name, old, g, number)...)
		written[t.Name] = g.trimmed()
	}
	// The write ID, on the hidden bookkeeping tab.
	if find(metaTab) == nil {
		p.tabs = append(p.tabs, tabInfo{id: s.newSheetID(p.tabs), title: metaTab, hidden: true, rows: 2, cols: 2})
		p.newTabs++
		reqs = append(reqs, &sheetsapi.Request{AddSheet: &sheetsapi.AddSheetRequest{Properties: &sheetsapi.SheetProperties{
			SheetId: p.tabs[len(p.tabs)-1].id, Title: metaTab, Hidden: true,
			GridProperties: &sheetsapi.GridProperties{RowCount: 2, ColumnCount: 2},
		}}})
	}
	var id [8]byte
	rand.Read(id[:])
	meta := grid{{"SheetOps write", hex.EncodeToString(id[:])}}
	data = append(data, valueRange{title: metaTab, rows: [][]any{{meta[0][0], meta[0][1]}}})
	written[metaTab] = meta
	// Requests of at most batchBytes each, in order; the write ID goes last.
	if p.requests, err = requestBatches(reqs, batchBytes); err != nil {
		return nil, err
	}
	for _, batch := range p.requests {
		n := 0
		for _, r := range batch {
			if r.AddSheet != nil {
				n++
			}
		}
		p.addsIn = append(p.addsIn, n)
	}
	p.values = valueBatches(data, batchBytes)
	// The version the next read will find, and the one it finds if only the
	// spreadsheets.batchUpdate requests land.
	p.version = versionAfter(p.tabs, cur, written)
	p.laidOutVersion = versionAfter(p.tabs, cur, nil)
	return p, nil
}

// versionAfter is the version a read finds when the spreadsheet has tabs, holding
// written's values where given and cur's elsewhere; like fetch, "" when no tab has values
// and the bookkeeping tab is missing.
func versionAfter(tabs []tabInfo, cur *snapshot, written map[string]grid) string {
	var after []namedGrid
	meta, content := false, false
	for _, t := range tabs {
		g, ok := written[t.title]
		if !ok {
			g, _ = cur.grid(t.title)
		}
		after = append(after, namedGrid{t.title, g})
		if t.title == metaTab {
			meta = true
		} else if len(g) > 0 {
			content = true
		}
	}
	if !meta && !content {
		return ""
	}
	return versionOf(after)
}

// RepairLayout checks the presentation now and restores what someone removed (one
// spreadsheets.get, and one spreadsheets.batchUpdate when something is missing); values are
// not touched. The sync engine calls it on each scheduled reconcile. Before the first Write
// there is no layout to check.
func (s *Sheet) RepairLayout(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.layout == nil {
		return nil
	}
	if err := s.repair(ctx); err != nil {
		return s.explain("repair layout", err)
	}
	return nil
}
