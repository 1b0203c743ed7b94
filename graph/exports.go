package graph

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/coverage/reconcile"
	"github.com/cilegon/jamsostek/export"
)

// Exports (docs/exports.md): GET /export/{name}.{csv|xlsx} writes a report
// as a spreadsheet (package export) from the answers of the API itself. The
// handler turns the URL's parameters into GraphQL requests and runs them
// through the /query handler in-process, each a new POST with the caller's
// Authorization, Origin, X-Request-Id, X-Forwarded-For, Host and address: authentication,
// the rate limit, the access policy, the officer's area, the masking of
// personal data and the audit apply to an export exactly as to the API. An
// error of the API becomes the HTTP status of its code (exportStatus), and
// nothing of the file is sent: the file is spooled (memory, then a temporary
// file) until its last row is in.
//
//	coverage             the coverage table: rows with every measure
//	discrepancies        the discrepancy list (officer and above), paged
//	discrepancy-summary  counts and rupiah at stake by kind
//	apbd                 the city-funded programme of a year, by category and by month
//	scenario             what-if scenarios of the programme, one or side by side (exports_scenario.go)

// ExportConfig tunes the exports; the zero value takes the defaults.
type ExportConfig struct {
	Logger *slog.Logger // nil: slog.Default()
	// MaxRows is the most rows an export holds (DefaultExportMaxRows); a
	// larger one is refused with 413 before its rows are read.
	MaxRows int
	// PageSize is the rows asked of the API a request
	// (DefaultExportPageSize, at most coverage.MaxPageSize).
	PageSize int
	// Timeout bounds an export, its requests to the API included
	// (DefaultExportTimeout); the connection's write deadline is moved past
	// it.
	Timeout time.Duration
	// MaxConcurrent is how many exports this process builds at once
	// (DefaultExportConcurrency); one credential builds one at a time. The
	// others are answered 429 with Retry-After at once: an export holds up
	// to tens of MiB of memory and temporary files while it is built.
	MaxConcurrent int
	Now           func() time.Time // nil: time.Now
}

// Defaults of ExportConfig.
const (
	DefaultExportMaxRows  = 200_000
	DefaultExportPageSize = 1000
	DefaultExportTimeout  = 5 * time.Minute
	// DefaultExportConcurrency: two exports at once per process. The
	// deployment's /tmp (deploy/k8s) is sized for them.
	DefaultExportConcurrency = 2
)

// Bounds of an export's patience with the API.
const (
	exportMinPage     = 50               // a page halved after COMPLEXITY_LIMIT_EXCEEDED goes no lower
	exportMaxWaits    = 30               // answers of 429 waited out in one export
	exportMaxWait     = 10 * time.Second // the longest of those waits
	exportSpoolMemory = 8 << 20          // a file's bytes kept in memory before a temporary file takes them
)

// ExportHandler serves GET /export/{name}.{csv|xlsx}, asking query, the
// handler of the API (NewHandler's, which routes /query), for every figure.
func ExportHandler(query http.Handler, cfg ExportConfig) http.Handler {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.MaxRows <= 0 {
		cfg.MaxRows = DefaultExportMaxRows
	}
	if cfg.PageSize <= 0 || cfg.PageSize > coverage.MaxPageSize {
		cfg.PageSize = DefaultExportPageSize
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultExportTimeout
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.MaxConcurrent <= 0 {
		cfg.MaxConcurrent = DefaultExportConcurrency
	}
	return &exporter{query: query, cfg: cfg, slots: make(chan struct{}, cfg.MaxConcurrent), running: map[[32]byte]bool{}}
}

type exporter struct {
	query http.Handler
	cfg   ExportConfig
	slots chan struct{} // one per export being built

	mu      sync.Mutex
	running map[[32]byte]bool // the credentials (hashed) with an export being built
}

// exportBusyRetry is the Retry-After of an export refused for the exports
// already being built.
const exportBusyRetry = "30"

// acquire takes a slot for an export by the credentials of r, or says why
// not; release gives it back.
func (e *exporter) acquire(r *http.Request) (release func(), err error) {
	cred := sha256.Sum256([]byte(r.Header.Get("Authorization")))
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.running[cred] {
		return nil, &exportError{status: http.StatusTooManyRequests, code: "RATE_LIMITED", retryAfter: exportBusyRetry,
			msg: "an export of yours is being built: one at a time per key; ask again when it is done"}
	}
	select {
	case e.slots <- struct{}{}:
	default:
		return nil, &exportError{status: http.StatusTooManyRequests, code: "RATE_LIMITED", retryAfter: exportBusyRetry,
			msg: fmt.Sprintf("this server is building %d exports, its most at once: ask again in %s s", cap(e.slots), exportBusyRetry)}
	}
	e.running[cred] = true
	return func() {
		e.mu.Lock()
		defer e.mu.Unlock()
		delete(e.running, cred)
		<-e.slots
	}, nil
}

// exportError is an export refused or failed: its HTTP status and the
// GraphQL-style code and message of the body.
type exportError struct {
	status     int
	code, msg  string
	retryAfter string
}

func (e *exportError) Error() string { return e.code + ": " + e.msg }

func badParam(format string, a ...any) error {
	return &exportError{status: http.StatusBadRequest, code: "BAD_REQUEST", msg: fmt.Sprintf(format, a...)}
}

// exportKinds are the exports, each with its parameters.
var exportKinds = map[string]struct {
	params []string
	run    func(*exportJob) error
}{
	"coverage":            {[]string{"from", "to", "areaCode", "groupBy", "granularity", "categories", "payers", "cityFunded"}, (*exportJob).coverage},
	"discrepancies":       {discrepancyParams, (*exportJob).discrepancies},
	"discrepancy-summary": {discrepancyParams, (*exportJob).discrepancySummary},
	"apbd":                {[]string{"year"}, (*exportJob).apbd},
	"scenario":            {[]string{"input", "saved", "name"}, (*exportJob).scenario}, // exports_scenario.go
}

var discrepancyParams = []string{"kinds", "statuses", "severities", "areaCode", "category", "period"}

func (e *exporter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := e.cfg.Now()
	job, err := e.parse(r)
	if err != nil {
		e.fail(w, r, "", err)
		return
	}
	release, err := e.acquire(r)
	if err != nil {
		e.fail(w, r, job.name, err)
		return
	}
	defer release()
	ctx, cancel := context.WithTimeout(r.Context(), e.cfg.Timeout)
	defer cancel()
	// A large export may take longer than the server's write timeout.
	_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(e.cfg.Timeout + 30*time.Second))
	job.ctx, job.api = ctx, &exportAPI{query: e.query, orig: r, ctx: ctx}
	defer job.out.close()
	err = exportKinds[job.name].run(job)
	if job.w != nil { // after an error too: the XLSX writer's temporary files go
		if cerr := job.w.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		if r.Context().Err() != nil {
			return // the client went away
		}
		if ctx.Err() == context.DeadlineExceeded && r.Context().Err() == nil {
			err = &exportError{status: http.StatusServiceUnavailable, code: "UNAVAILABLE",
				msg: fmt.Sprintf("the export took longer than %s: narrow it with its filters (%s)", e.cfg.Timeout, strings.Join(job.params, ", "))}
		}
		e.fail(w, r, job.name, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", job.format.ContentType())
	h.Set("Content-Disposition", `attachment; filename="jamsostek-`+job.name+"-"+job.meta.AsOf.In(export.WIB).Format("2006-01-02")+"."+string(job.format)+`"`)
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Length", strconv.FormatInt(job.out.n, 10))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		if err := job.out.writeTo(w); err != nil {
			e.cfg.Logger.WarnContext(r.Context(), "export: sending the file failed", "export", job.name, "error", err)
			return
		}
	}
	e.cfg.Logger.InfoContext(r.Context(), "export", "export", job.name, "format", job.format, "principal", job.caller.Name,
		"role", job.caller.Role, "area", deref(job.caller.AreaCode), "rows", job.rows, "requests", job.api.requests, "bytes", job.out.n,
		"duration", e.cfg.Now().Sub(start))
}

// fail answers an error as /query does: {"errors":[{"message","extensions":{"code"}}]}.
func (e *exporter) fail(w http.ResponseWriter, r *http.Request, name string, err error) {
	var xe *exportError
	if !errors.As(err, &xe) {
		e.cfg.Logger.ErrorContext(r.Context(), "export failed", "export", name, "error", err)
		xe = &exportError{status: http.StatusInternalServerError, code: "INTERNAL", msg: "internal error"}
	} else if xe.status >= 500 {
		e.cfg.Logger.WarnContext(r.Context(), "export failed", "export", name, "status", xe.status, "code", xe.code, "error", xe.msg)
	}
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	switch xe.status {
	case http.StatusUnauthorized:
		h.Set("WWW-Authenticate", `Bearer realm="jamsostek"`)
	case http.StatusTooManyRequests:
		if xe.retryAfter != "" {
			h.Set("Retry-After", xe.retryAfter)
		}
	}
	writeError(w, xe.status, xe.code, xe.msg)
}

// parse reads the path and the parameters.
func (e *exporter) parse(r *http.Request) (*exportJob, error) {
	file, ok := strings.CutPrefix(r.URL.Path, "/export/")
	name, ext, dot := strings.Cut(file, ".")
	if !ok || !dot || strings.Contains(file, "/") {
		return nil, badParam("an export is GET /export/{name}.{csv|xlsx}, e.g. /export/coverage.xlsx")
	}
	kind, ok := exportKinds[name]
	if !ok {
		return nil, badParam("there is no export %q: the exports are apbd, coverage, discrepancies, discrepancy-summary and scenario", name)
	}
	format, ok := export.ParseFormat(ext)
	if !ok {
		return nil, badParam("format %q: an export is .csv or .xlsx", ext)
	}
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, badParam("the query string does not parse: %v", err)
	}
	job := &exportJob{name: name, format: format, cfg: e.cfg, params: kind.params, p: map[string]any{}, out: &spool{}}
	for _, k := range slices.Sorted(func(yield func(string) bool) {
		for k := range q {
			if !yield(k) {
				return
			}
		}
	}) {
		if !slices.Contains(kind.params, k) {
			return nil, badParam("unknown parameter %q: export %s takes %s", k, name, strings.Join(kind.params, ", "))
		}
		v, err := exportParam(k, q[k])
		if err != nil {
			return nil, err
		}
		if v != nil {
			job.p[k] = v
		}
	}
	if name == "apbd" && job.p["year"] == nil {
		return nil, badParam("parameter year is required: the year of the programme, e.g. year=2026")
	}
	return job, nil
}

var (
	periodPattern = regexp.MustCompile(`^[0-9]{4}-(0[1-9]|1[0-2])$`)
	areaPattern   = regexp.MustCompile(`^([0-9]{4}|[0-9]{6}|[0-9]{10})$`)
)

// exportParam reads one parameter: nil when it is empty. A list may be
// comma-separated, repeated or both; any other parameter is given once.
func exportParam(name string, vals []string) (any, error) {
	if name == "input" || name == "saved" || name == "name" {
		return scenarioParam(name, vals)
	}
	var list []string
	for _, v := range vals {
		for s := range strings.SplitSeq(v, ",") {
			if s = strings.TrimSpace(s); s != "" {
				list = append(list, s)
			}
		}
	}
	enum := func(allowed []string) (any, error) {
		for _, s := range list {
			if !slices.Contains(allowed, s) {
				return nil, badParam("parameter %s: %q is not one of %s", name, s, strings.Join(allowed, ", "))
			}
		}
		return list, nil
	}
	switch name {
	case "groupBy":
		return enum(strs(reconcile.Dimensions))
	case "payers":
		return enum(strs(coverage.PayerTypes))
	case "kinds":
		return enum(strs(coverage.DiscrepancyKinds))
	case "statuses":
		return enum(strs(coverage.DiscrepancyStatuses))
	case "severities":
		return enum(strs(coverage.Severities))
	case "categories":
		return list, nil
	}
	if len(list) == 0 {
		return nil, nil
	}
	if len(vals) > 1 || len(list) > 1 {
		return nil, badParam("parameter %s takes one value, got %q", name, strings.Join(vals, ","))
	}
	v := list[0]
	switch name {
	case "from", "to", "period":
		if !periodPattern.MatchString(v) {
			return nil, badParam("parameter %s: %q is not a month YYYY-MM", name, v)
		}
	case "areaCode":
		if !areaPattern.MatchString(v) {
			return nil, badParam("parameter areaCode: %q is not an area code (4, 6 or 10 digits)", v)
		}
	case "granularity":
		if !slices.Contains([]string{"MONTH", "QUARTER", "YEAR"}, v) {
			return nil, badParam("parameter granularity: %q is not one of MONTH, QUARTER, YEAR", v)
		}
	case "cityFunded":
		b, err := strconv.ParseBool(v)
		if err != nil {
			return nil, badParam("parameter cityFunded: %q is not true or false", v)
		}
		return b, nil
	case "year":
		y, err := strconv.Atoi(v)
		if err != nil || y < 1900 || y > 9999 {
			return nil, badParam("parameter year: %q is not a year", v)
		}
		return y, nil
	}
	return v, nil
}

func strs[T ~string](vs []T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

// exportAPI asks the API in-process as the export's caller.
type exportAPI struct {
	query    http.Handler
	orig     *http.Request
	ctx      context.Context
	requests int
	waits    int
}

// apiError is one error of an answer.
type apiError struct {
	Message    string         `json:"message"`
	Extensions map[string]any `json:"extensions"`
}

// ask runs one GraphQL request and decodes its data into out. patient: a
// 429 is waited out (Retry-After, exportMaxWait at most) rather than
// answered, for the later pages of an export the API has begun.
func (a *exportAPI) ask(op, query string, vars map[string]any, out any, patient bool) error {
	body, err := json.Marshal(map[string]any{"operationName": op, "query": query, "variables": vars})
	if err != nil {
		return err
	}
	for {
		req, err := http.NewRequestWithContext(a.ctx, http.MethodPost, "/query", bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		// Origin too: a page of another origin is refused by /query's CORS
		// policy before anything runs (the answer carries no CORS headers
		// anyway, so no other origin could read it).
		for _, h := range []string{"Authorization", "Origin", "X-Request-Id", "X-Forwarded-For"} {
			if v := a.orig.Header.Values(h); len(v) > 0 {
				req.Header[h] = slices.Clone(v)
			}
		}
		req.RemoteAddr, req.Host = a.orig.RemoteAddr, a.orig.Host
		rec := &exportRecorder{header: http.Header{}, code: http.StatusOK}
		a.query.ServeHTTP(rec, req)
		a.requests++
		var resp struct {
			Data   json.RawMessage `json:"data"`
			Errors []apiError      `json:"errors"`
		}
		if err := json.Unmarshal(rec.body.Bytes(), &resp); err != nil {
			if a.ctx.Err() != nil {
				return a.ctx.Err()
			}
			return fmt.Errorf("export: the API answered %d with %.200q: %w", rec.code, rec.body.Bytes(), err)
		}
		if len(resp.Errors) == 0 && rec.code == http.StatusOK {
			return json.Unmarshal(resp.Data, out)
		}
		xe := &exportError{status: rec.code, code: "INTERNAL", msg: http.StatusText(rec.code)}
		if len(resp.Errors) > 0 {
			e := resp.Errors[0]
			xe.msg = e.Message
			if c, ok := e.Extensions["code"].(string); ok {
				xe.code = c
			}
		}
		xe.status = exportStatus(xe.code, rec.code)
		xe.retryAfter = rec.header.Get("Retry-After")
		if xe.status == http.StatusTooManyRequests && patient && a.waits < exportMaxWaits {
			a.waits++
			wait := exportMaxWait
			if s, err := strconv.Atoi(xe.retryAfter); err == nil && s >= 0 {
				wait = min(time.Duration(s)*time.Second, exportMaxWait)
			}
			select {
			case <-time.After(max(wait, 100*time.Millisecond)):
				continue
			case <-a.ctx.Done():
				return a.ctx.Err()
			}
		}
		return xe
	}
}

// exportStatus is the HTTP status of an API error code; status is the
// API's own HTTP status.
func exportStatus(code string, status int) int {
	switch code {
	case "UNAUTHENTICATED":
		return http.StatusUnauthorized
	case "FORBIDDEN":
		return http.StatusForbidden
	case "BAD_USER_INPUT", "INVALID", "BAD_REQUEST", "GRAPHQL_VALIDATION_FAILED", "GRAPHQL_PARSE_FAILED",
		errComplexityLimit, "DEPTH_LIMIT_EXCEEDED":
		return http.StatusBadRequest
	case "NOT_FOUND":
		return http.StatusNotFound
	case "UNAVAILABLE":
		return http.StatusServiceUnavailable
	case "RATE_LIMITED":
		return http.StatusTooManyRequests
	case "RESPONSE_TOO_LARGE", "REQUEST_TOO_LARGE":
		return http.StatusRequestEntityTooLarge
	}
	if status >= 400 && status != http.StatusUnprocessableEntity {
		return status
	}
	return http.StatusInternalServerError
}

// exportRecorder keeps the API's answer to one request.
type exportRecorder struct {
	header http.Header
	code   int
	body   bytes.Buffer
	wrote  bool
}

func (r *exportRecorder) Header() http.Header { return r.header }
func (r *exportRecorder) WriteHeader(code int) {
	if !r.wrote {
		r.code, r.wrote = code, true
	}
}
func (r *exportRecorder) Write(p []byte) (int, error) {
	r.wrote = true
	return r.body.Write(p)
}

// spool keeps a file's bytes in memory, then in a temporary file past
// exportSpoolMemory, until they are sent.
type spool struct {
	mem  bytes.Buffer
	file *os.File
	n    int64
}

func (s *spool) Write(p []byte) (int, error) {
	if s.file == nil && s.mem.Len()+len(p) > exportSpoolMemory {
		f, err := os.CreateTemp("", "jamsostek-export-*")
		if err != nil {
			return 0, err
		}
		s.file = f
		if _, err := f.Write(s.mem.Bytes()); err != nil {
			return 0, err
		}
		s.mem = bytes.Buffer{}
	}
	var n int
	var err error
	if s.file != nil {
		n, err = s.file.Write(p)
	} else {
		n, err = s.mem.Write(p)
	}
	s.n += int64(n)
	return n, err
}

func (s *spool) writeTo(w io.Writer) error {
	if s.file == nil {
		_, err := w.Write(s.mem.Bytes())
		return err
	}
	if _, err := s.file.Seek(0, io.SeekStart); err != nil {
		return err
	}
	_, err := io.Copy(w, s.file)
	return err
}

func (s *spool) close() {
	if s.file != nil {
		_ = s.file.Close()
		_ = os.Remove(s.file.Name())
	}
}

// exportJob is one export under way.
type exportJob struct {
	ctx    context.Context
	cfg    ExportConfig
	api    *exportAPI
	name   string
	format export.Format
	params []string       // the parameters it takes
	p      map[string]any // the parameters given
	out    *spool
	w      export.Writer
	meta   export.Meta
	caller exportCaller
	rows   int
}

// The caller and the city, asked with the first page of every export.
type exportCaller struct {
	Name     string      `json:"name"`
	Role     string      `json:"role"`
	AreaCode *string     `json:"areaCode"`
	Area     *exportArea `json:"area"`
}

// exportArea is an area as the API names it.
type exportArea struct {
	Name  string `json:"name"`
	Level string `json:"level"`
}

// words names an area with its level: "Kecamatan Cibeber".
func (a *exportArea) words() string {
	switch a.Level {
	case "KECAMATAN":
		return "Kecamatan " + a.Name
	case "KELURAHAN":
		return "Kelurahan " + a.Name
	}
	return a.Name
}

type exportHead struct {
	Me   exportCaller `json:"me"`
	City struct {
		Code string `json:"code"`
		Name string `json:"name"`
	} `json:"city"`
	FilterArea *exportArea `json:"filterArea"`
}

type exportRollup struct {
	Version int       `json:"version"`
	AsOf    time.Time `json:"asOf"`
}

// headFields asks the caller, the city and the area of the filter (whose
// variable is $areaCode).
func (j *exportJob) headFields() (fields, vars string) {
	fields = `me { name role areaCode area { name level } } city { code name }`
	if j.p["areaCode"] != nil {
		return fields + ` filterArea: area(code: $areaCode) { name level }`, `, $areaCode: String!`
	}
	return fields, ""
}

func (j *exportJob) str(name string) string { s, _ := j.p[name].(string); return s }
func (j *exportJob) list(name string) []string {
	l, _ := j.p[name].([]string)
	return l
}

// opt sets a variable that was given.
func (j *exportJob) opt(vars map[string]any, name string) {
	if v, ok := j.p[name]; ok {
		vars[name] = v
	}
}

// open starts the file once the first answer tells its header block.
func (j *exportJob) open(title string, head exportHead, rollup exportRollup, filters []export.Filter) error {
	j.caller = head.Me
	by := head.Me.Name + " (" + head.Me.Role
	if a := head.Me.AreaCode; a != nil {
		by += ", wilayah " + *a
		if head.Me.Area != nil {
			by += " " + head.Me.Area.words()
		}
	}
	j.meta = export.Meta{Title: title, Filters: filters, AsOf: rollup.AsOf, RollupVersion: rollup.Version,
		GeneratedAt: j.cfg.Now(), By: by + ")"}
	w, err := export.New(j.format, j.out, j.meta)
	j.w = w
	return err
}

// areaFilter is the area of the export in words.
func (j *exportJob) areaFilter(head exportHead) export.Filter {
	f := export.Filter{Label: "Wilayah"}
	switch {
	case j.p["areaCode"] != nil:
		f.Value = j.str("areaCode")
		if head.FilterArea != nil {
			f.Value += " " + head.FilterArea.words()
		}
	case head.Me.AreaCode != nil:
		f.Value = *head.Me.AreaCode
		if head.Me.Area != nil {
			f.Value += " " + head.Me.Area.words()
		}
		f.Value += " (wilayah pengguna)"
	default:
		f.Value = head.City.Code + " " + head.City.Name + " (seluruh kota)"
	}
	return f
}

// tooMany refuses an export of more rows than the cap.
func (j *exportJob) tooMany(n int, what string) error {
	if n <= j.cfg.MaxRows {
		return nil
	}
	return &exportError{status: http.StatusRequestEntityTooLarge, code: "EXPORT_TOO_LARGE",
		msg: fmt.Sprintf("the export would hold %d %s, more than the cap of %d rows: narrow it with %s",
			n, what, j.cfg.MaxRows, strings.Join(j.params, ", "))}
}

// firstPage asks a first page, halving its size while the API finds the
// request too costly.
func (j *exportJob) firstPage(op, query string, vars map[string]any, out any) (int, error) {
	first := j.cfg.PageSize
	for {
		vars["first"] = first
		err := j.api.ask(op, query, vars, out, false)
		var xe *exportError
		if errors.As(err, &xe) && (xe.code == errComplexityLimit || xe.code == "RESPONSE_TOO_LARGE") && first/2 >= exportMinPage {
			first /= 2
			continue
		}
		return first, err
	}
}

// Coverage.

type exportMeasures struct {
	ActiveParticipants     int64 `json:"activeParticipants"`
	NewMembers             int64 `json:"newMembers"`
	LapsedMembers          int64 `json:"lapsedMembers"`
	ContributionsBilled    int64 `json:"contributionsBilled"`
	ContributionsDue       int64 `json:"contributionsDue"`
	ContributionsPaidCount int64 `json:"contributionsPaidCount"`
	ContributionsPaid      int64 `json:"contributionsPaid"`
	UnpaidOverdue          int64 `json:"unpaidOverdue"`
	Arrears                int64 `json:"arrears"`
	ClaimsSubmitted        int64 `json:"claimsSubmitted"`
	ClaimsSubmittedAmount  int64 `json:"claimsSubmittedAmount"`
	ClaimsPaid             int64 `json:"claimsPaid"`
	ClaimsPaidAmount       int64 `json:"claimsPaidAmount"`
	ClaimsByProgram        []struct {
		Program         string `json:"program"`
		Submitted       int64  `json:"submitted"`
		SubmittedAmount int64  `json:"submittedAmount"`
		Paid            int64  `json:"paid"`
		PaidAmount      int64  `json:"paidAmount"`
	} `json:"claimsByProgram"`
	FundedWorkers     int64 `json:"fundedWorkers"`
	FundedEnrolled    int64 `json:"fundedEnrolled"`
	FundedMonthlyCost int64 `json:"fundedMonthlyCost"`
}

type exportCoverageRow struct {
	Cursor        string         `json:"cursor"`
	Bucket        *string        `json:"bucket"`
	From          string         `json:"from"`
	To            string         `json:"to"`
	KecamatanCode *string        `json:"kecamatanCode"`
	KelurahanCode *string        `json:"kelurahanCode"`
	Category      *string        `json:"category"`
	Payer         *string        `json:"payer"`
	Segment       *string        `json:"segment"`
	Gender        *string        `json:"gender"`
	AgeBand       *string        `json:"ageBand"`
	Measures      exportMeasures `json:"measures"`
}

type exportCoverageResult struct {
	TotalRows int                 `json:"totalRows"`
	From      *string             `json:"from"`
	To        *string             `json:"to"`
	Rollup    exportRollup        `json:"rollup"`
	Rows      []exportCoverageRow `json:"rows"`
}

const coverageRowFields = `cursor bucket from to kecamatanCode kelurahanCode category payer segment gender ageBand
	measures { activeParticipants newMembers lapsedMembers contributionsBilled contributionsDue contributionsPaidCount
		contributionsPaid unpaidOverdue arrears claimsSubmitted claimsSubmittedAmount claimsPaid claimsPaidAmount
		claimsByProgram { program submitted submittedAmount paid paidAmount } fundedWorkers fundedEnrolled fundedMonthlyCost }`

func (j *exportJob) coverage() error {
	filter := map[string]any{}
	for _, k := range []string{"from", "to", "areaCode", "categories", "payers", "cityFunded"} {
		j.opt(filter, k)
	}
	vars := map[string]any{"filter": filter}
	if g := j.list("groupBy"); len(g) > 0 {
		vars["groupBy"] = g
	}
	j.opt(vars, "granularity")
	if j.p["areaCode"] != nil {
		vars["areaCode"] = j.str("areaCode")
	}
	head, headVars := j.headFields()
	args := `$filter: CoverageFilter, $groupBy: [CoverageDimension!], $granularity: Granularity, $first: Int, $after: String`
	field := `coverage(filter: $filter, groupBy: $groupBy, granularity: $granularity)`
	var first struct {
		exportHead
		Areas []struct {
			Code, Name string
			Kelurahan  []struct{ Code, Name string }
		} `json:"areas"`
		Coverage exportCoverageResult `json:"coverage"`
	}
	page, err := j.firstPage("ExportCoverage", `query ExportCoverage(`+args+headVars+`) { `+head+` areas { code name kelurahan { code name } }
		`+field+` { totalRows from to rollup { version asOf } rows(first: $first, after: $after) { `+coverageRowFields+` } } }`, vars, &first)
	if err != nil {
		return err
	}
	res := first.Coverage
	if err := j.tooMany(res.TotalRows, "coverage rows"); err != nil {
		return err
	}
	names := map[string]string{}
	for _, k := range first.Areas {
		names[k.Code] = k.Name
		for _, l := range k.Kelurahan {
			names[l.Code] = l.Name
		}
	}

	// The header block and the columns: the time bucket and the grouped
	// dimensions, then every measure.
	groups := j.list("groupBy")
	grouped := func(d reconcile.Dimension) bool { return slices.Contains(groups, string(d)) }
	filters := []export.Filter{j.areaFilter(first.exportHead)}
	// The months asked for, else those the answer holds.
	from, to := cmp.Or(j.str("from"), deref(res.From)), cmp.Or(j.str("to"), deref(res.To))
	if from != "" || to != "" {
		filters = append(filters, export.Filter{Label: "Periode", Value: monthRange(from, to)})
	}
	if len(groups) > 0 {
		filters = append(filters, export.Filter{Label: "Dikelompokkan per", Value: export.Labels(export.DimensionLabels, groups)})
	}
	if g := j.str("granularity"); g != "" {
		filters = append(filters, export.Filter{Label: "Waktu", Value: export.Label(export.GranularityLabels, g)})
	}
	if c := j.list("categories"); len(c) > 0 {
		filters = append(filters, export.Filter{Label: "Kategori", Value: strings.Join(c, ", ")})
	}
	if p := j.list("payers"); len(p) > 0 {
		filters = append(filters, export.Filter{Label: "Pembayar", Value: export.Labels(export.PayerLabels, p)})
	}
	if b, ok := j.p["cityFunded"].(bool); ok {
		filters = append(filters, export.Filter{Label: "Didanai kota (APBD)", Value: map[bool]string{true: "ya", false: "tidak"}[b]})
	}
	if err := j.open("Cakupan kepesertaan BPJS Ketenagakerjaan", first.exportHead, res.Rollup, filters); err != nil {
		return err
	}
	cols := []export.Column{}
	if j.str("granularity") != "" {
		cols = append(cols, export.Column{Header: "Periode", Kind: export.Text, Width: 10})
	}
	cols = append(cols, export.Column{Header: "Dari", Kind: export.Period}, export.Column{Header: "Sampai", Kind: export.Period})
	kec, kel := grouped(reconcile.DimKecamatan) || grouped(reconcile.DimKelurahan), grouped(reconcile.DimKelurahan)
	if kec {
		cols = append(cols, export.Column{Header: "Kode kecamatan", Kind: export.Text, Width: 10}, export.Column{Header: "Kecamatan", Kind: export.Text})
	}
	if kel {
		cols = append(cols, export.Column{Header: "Kode kelurahan", Kind: export.Text, Width: 13}, export.Column{Header: "Kelurahan", Kind: export.Text})
	}
	for _, d := range []struct {
		dim    reconcile.Dimension
		header string
	}{{reconcile.DimCategory, "Kategori"}, {reconcile.DimPayer, "Pembayar"}, {reconcile.DimSegment, "Segmen"},
		{reconcile.DimGender, "Jenis kelamin"}, {reconcile.DimAgeBand, "Kelompok umur"}} {
		if grouped(d.dim) {
			cols = append(cols, export.Column{Header: d.header, Kind: export.Text})
			if d.dim == reconcile.DimCategory {
				cols = append(cols, export.Column{Header: "Nama kategori", Kind: export.Text, Width: 24})
			}
		}
	}
	for _, h := range []struct {
		h string
		k export.Kind
	}{{"Peserta aktif", export.Int}, {"Peserta baru", export.Int}, {"Peserta berhenti", export.Int},
		{"Iuran ditagih (jumlah)", export.Int}, {"Iuran terutang (Rp)", export.Money}, {"Iuran dibayar (jumlah)", export.Int},
		{"Iuran dibayar (Rp)", export.Money}, {"Tunggakan (jumlah)", export.Int}, {"Tunggakan (Rp)", export.Money},
		{"Klaim diajukan (jumlah)", export.Int}, {"Klaim diajukan (Rp)", export.Money}, {"Klaim dibayar (jumlah)", export.Int},
		{"Klaim dibayar (Rp)", export.Money}} {
		cols = append(cols, export.Column{Header: h.h, Kind: h.k})
	}
	for _, p := range coverage.Programs {
		cols = append(cols, export.Column{Header: "Klaim " + string(p) + " diajukan (jumlah)", Kind: export.Int},
			export.Column{Header: "Klaim " + string(p) + " diajukan (Rp)", Kind: export.Money},
			export.Column{Header: "Klaim " + string(p) + " dibayar (jumlah)", Kind: export.Int},
			export.Column{Header: "Klaim " + string(p) + " dibayar (Rp)", Kind: export.Money})
	}
	cols = append(cols, export.Column{Header: "Pekerja didanai kota", Kind: export.Int},
		export.Column{Header: "Didanai dan terdaftar", Kind: export.Int}, export.Column{Header: "Biaya bulanan pendanaan (Rp)", Kind: export.Money})
	if err := j.w.Table(export.Table{Sheet: "Cakupan", Title: "Cakupan", Columns: cols}); err != nil {
		return err
	}

	write := func(rows []exportCoverageRow) error {
		for _, r := range rows {
			cells := make([]any, 0, len(cols))
			if j.str("granularity") != "" {
				cells = append(cells, r.Bucket)
			}
			cells = append(cells, r.From, r.To)
			if kec {
				cells = append(cells, r.KecamatanCode, names[deref(r.KecamatanCode)])
			}
			if kel {
				cells = append(cells, r.KelurahanCode, names[deref(r.KelurahanCode)])
			}
			for _, d := range []struct {
				dim reconcile.Dimension
				v   *string
			}{{reconcile.DimCategory, r.Category}, {reconcile.DimPayer, r.Payer}, {reconcile.DimSegment, r.Segment},
				{reconcile.DimGender, r.Gender}, {reconcile.DimAgeBand, r.AgeBand}} {
				if grouped(d.dim) {
					cells = append(cells, d.v)
					if d.dim == reconcile.DimCategory {
						cells = append(cells, coverage.CategoryNames[coverage.Category(deref(r.Category))])
					}
				}
			}
			m := r.Measures
			cells = append(cells, m.ActiveParticipants, m.NewMembers, m.LapsedMembers, m.ContributionsBilled, m.ContributionsDue,
				m.ContributionsPaidCount, m.ContributionsPaid, m.UnpaidOverdue, m.Arrears, m.ClaimsSubmitted, m.ClaimsSubmittedAmount,
				m.ClaimsPaid, m.ClaimsPaidAmount)
			for _, p := range coverage.Programs {
				var s, sa, pd, pa int64
				for _, c := range m.ClaimsByProgram {
					if c.Program == string(p) {
						s, sa, pd, pa = c.Submitted, c.SubmittedAmount, c.Paid, c.PaidAmount
					}
				}
				cells = append(cells, s, sa, pd, pa)
			}
			cells = append(cells, m.FundedWorkers, m.FundedEnrolled, m.FundedMonthlyCost)
			if err := j.w.Row(cells...); err != nil {
				return err
			}
			j.rows++
		}
		return nil
	}
	if err := write(res.Rows); err != nil {
		return err
	}
	// The next pages ask the rows only.
	query := `query ExportCoverage(` + args + `) { ` + field + ` { rows(first: $first, after: $after) { ` + coverageRowFields + ` } } }`
	delete(vars, "areaCode")
	vars["first"] = page
	for rows := res.Rows; len(rows) == page && j.rows < res.TotalRows; {
		vars["after"] = rows[len(rows)-1].Cursor
		var next struct {
			Coverage struct {
				Rows []exportCoverageRow `json:"rows"`
			} `json:"coverage"`
		}
		if err := j.api.ask("ExportCoverage", query, vars, &next, true); err != nil {
			// The question is the first page's, with that page's cursor: a
			// cursor refused now is one of figures rebuilt in between.
			if xe := (*exportError)(nil); errors.As(err, &xe) && xe.status == http.StatusBadRequest {
				return &exportError{status: http.StatusConflict, code: "CONFLICT",
					msg: "the coverage figures were rebuilt while the export was read (a reconciliation finished): ask again"}
			}
			return err
		}
		rows = next.Coverage.Rows
		if err := write(rows); err != nil {
			return err
		}
	}
	return nil
}

// monthRange writes a range of months in words.
func monthRange(from, to string) string {
	switch {
	case from != "" && to != "":
		return export.MonthName(from) + " s.d. " + export.MonthName(to)
	case from != "":
		return "sejak " + export.MonthName(from)
	}
	return "sampai " + export.MonthName(to)
}

// Discrepancies.

type exportDiscrepancy struct {
	ID             string                 `json:"id"`
	Kind           string                 `json:"kind"`
	Severity       string                 `json:"severity"`
	Status         string                 `json:"status"`
	NIK            *string                `json:"nik"`
	KPJ            *string                `json:"kpj"`
	Category       *string                `json:"category"`
	ClaimNo        *string                `json:"claimNo"`
	AreaCode       *string                `json:"areaCode"`
	Kelurahan      *struct{ Name string } `json:"kelurahan"`
	Periods        []string               `json:"periods"`
	Amount         int64                  `json:"amount"`
	Detail         string                 `json:"detail"`
	FirstSeen      time.Time              `json:"firstSeen"`
	LastSeen       time.Time              `json:"lastSeen"`
	FirstRun       string                 `json:"firstRun"`
	AcknowledgedBy *string                `json:"acknowledgedBy"`
	AcknowledgedAt *time.Time             `json:"acknowledgedAt"`
	ResolvedBy     *string                `json:"resolvedBy"`
	ResolvedAt     *time.Time             `json:"resolvedAt"`
	ResolutionNote *string                `json:"resolutionNote"`
	AutoResolved   bool                   `json:"autoResolved"`
}

const discrepancyFields = `id kind severity status nik kpj category claimNo areaCode kelurahan { name } periods amount detail
	firstSeen lastSeen firstRun acknowledgedBy acknowledgedAt resolvedBy resolvedAt resolutionNote autoResolved`

// discrepancyVars are the filter's variables and its words.
func (j *exportJob) discrepancyFilter(head exportHead) []export.Filter {
	var fs []export.Filter
	if k := j.list("kinds"); len(k) > 0 {
		fs = append(fs, export.Filter{Label: "Jenis temuan", Value: export.Labels(export.KindLabels, k)})
	}
	if s := j.list("statuses"); len(s) > 0 {
		fs = append(fs, export.Filter{Label: "Status", Value: export.Labels(export.StatusLabels, s)})
	}
	if s := j.list("severities"); len(s) > 0 {
		fs = append(fs, export.Filter{Label: "Tingkat", Value: export.Labels(export.SeverityLabels, s)})
	}
	fs = append(fs, j.areaFilter(head))
	if c := j.str("category"); c != "" {
		fs = append(fs, export.Filter{Label: "Kategori", Value: c})
	}
	if p := j.str("period"); p != "" {
		fs = append(fs, export.Filter{Label: "Bulan", Value: export.MonthName(p)})
	}
	return fs
}

func (j *exportJob) discrepancyVars() map[string]any {
	filter := map[string]any{}
	for _, k := range discrepancyParams {
		j.opt(filter, k)
	}
	vars := map[string]any{"filter": filter}
	if j.p["areaCode"] != nil {
		vars["areaCode"] = j.str("areaCode")
	}
	return vars
}

func (j *exportJob) discrepancies() error {
	vars := j.discrepancyVars()
	head, headVars := j.headFields()
	args := `$filter: DiscrepancyFilter, $first: Int, $after: String`
	var first struct {
		exportHead
		Coverage struct {
			Rollup exportRollup `json:"rollup"`
		} `json:"coverage"`
		Discrepancies exportDiscrepancyPage `json:"discrepancies"`
	}
	page, err := j.firstPage("ExportDiscrepancies", `query ExportDiscrepancies(`+args+headVars+`) { `+head+` coverage { rollup { version asOf } }
		discrepancies(filter: $filter, first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { `+discrepancyFields+` } } } }`,
		vars, &first)
	if err != nil {
		return err
	}
	if err := j.tooMany(first.Discrepancies.TotalCount, "discrepancies"); err != nil {
		return err
	}
	if err := j.open("Daftar temuan rekonsiliasi", first.exportHead, first.Coverage.Rollup, j.discrepancyFilter(first.exportHead)); err != nil {
		return err
	}
	cols := []export.Column{
		{Header: "ID", Kind: export.Text, Width: 24}, {Header: "Jenis", Kind: export.Text, Width: 24}, {Header: "Uraian jenis", Kind: export.Text, Width: 32},
		{Header: "Tingkat", Kind: export.Text, Width: 8}, {Header: "Status", Kind: export.Text, Width: 13},
		{Header: "NIK", Kind: export.Text, Width: 18}, {Header: "KPJ", Kind: export.Text, Width: 13}, {Header: "Kategori", Kind: export.Text},
		{Header: "No. klaim", Kind: export.Text}, {Header: "Kode wilayah", Kind: export.Text, Width: 12}, {Header: "Kelurahan", Kind: export.Text},
		{Header: "Bulan", Kind: export.Text, Width: 18}, {Header: "Nilai (Rp)", Kind: export.Money}, {Header: "Rincian", Kind: export.Text, Width: 40},
		{Header: "Pertama ditemukan (WIB)", Kind: export.Time}, {Header: "Terakhir ditemukan (WIB)", Kind: export.Time},
		{Header: "Run pertama", Kind: export.Text}, {Header: "Ditindaklanjuti oleh", Kind: export.Text},
		{Header: "Ditindaklanjuti pada (WIB)", Kind: export.Time}, {Header: "Diselesaikan oleh", Kind: export.Text},
		{Header: "Diselesaikan pada (WIB)", Kind: export.Time}, {Header: "Catatan penyelesaian", Kind: export.Text, Width: 32},
		{Header: "Selesai otomatis", Kind: export.Text, Width: 9},
	}
	if err := j.w.Table(export.Table{Sheet: "Temuan", Title: "Temuan", Columns: cols}); err != nil {
		return err
	}
	write := func(d *exportDiscrepancy) error {
		var kel *string
		if d.Kelurahan != nil {
			kel = &d.Kelurahan.Name
		}
		j.rows++
		return j.w.Row(d.ID, d.Kind, export.Label(export.KindLabels, d.Kind), export.Label(export.SeverityLabels, d.Severity),
			export.Label(export.StatusLabels, d.Status), d.NIK, d.KPJ, d.Category, d.ClaimNo, d.AreaCode, kel,
			strings.Join(d.Periods, ", "), d.Amount, d.Detail, d.FirstSeen, d.LastSeen, d.FirstRun, d.AcknowledgedBy,
			d.AcknowledgedAt, d.ResolvedBy, d.ResolvedAt, d.ResolutionNote, map[bool]string{true: "ya", false: "tidak"}[d.AutoResolved])
	}
	for i := range first.Discrepancies.Edges {
		if err := write(&first.Discrepancies.Edges[i].Node); err != nil {
			return err
		}
	}
	query := `query ExportDiscrepancies(` + args + `) { discrepancies(filter: $filter, first: $first, after: $after) {
		pageInfo { hasNextPage endCursor } edges { node { ` + discrepancyFields + ` } } } }`
	delete(vars, "areaCode")
	vars["first"] = page
	next, after := first.Discrepancies.PageInfo.HasNextPage, first.Discrepancies.PageInfo.EndCursor
	for next {
		if j.rows >= j.cfg.MaxRows { // more were added since the count
			return j.tooMany(j.rows+1, "discrepancies")
		}
		vars["after"] = after
		var pg struct {
			Discrepancies exportDiscrepancyPage `json:"discrepancies"`
		}
		if err := j.api.ask("ExportDiscrepancies", query, vars, &pg, true); err != nil {
			return err
		}
		for i := range pg.Discrepancies.Edges {
			if err := write(&pg.Discrepancies.Edges[i].Node); err != nil {
				return err
			}
		}
		next, after = pg.Discrepancies.PageInfo.HasNextPage && len(pg.Discrepancies.Edges) > 0, pg.Discrepancies.PageInfo.EndCursor
	}
	return nil
}

func (j *exportJob) discrepancySummary() error {
	vars := j.discrepancyVars()
	head, headVars := j.headFields()
	var ans struct {
		exportHead
		Coverage struct {
			Rollup exportRollup `json:"rollup"`
		} `json:"coverage"`
		DiscrepancyCounts struct {
			Total  int64 `json:"total"`
			ByKind []struct {
				Kind   string `json:"kind"`
				Count  int64  `json:"count"`
				Amount int64  `json:"amount"`
			} `json:"byKind"`
		} `json:"discrepancyCounts"`
	}
	err := j.api.ask("ExportDiscrepancySummary", `query ExportDiscrepancySummary($filter: DiscrepancyCountsFilter`+headVars+`) { `+head+`
		coverage { rollup { version asOf } } discrepancyCounts(filter: $filter) { total byKind { kind count amount } } }`, vars, &ans, false)
	if err != nil {
		return err
	}
	if err := j.open("Ringkasan temuan rekonsiliasi", ans.exportHead, ans.Coverage.Rollup, j.discrepancyFilter(ans.exportHead)); err != nil {
		return err
	}
	cols := []export.Column{{Header: "Jenis", Kind: export.Text, Width: 24}, {Header: "Uraian jenis", Kind: export.Text, Width: 40},
		{Header: "Jumlah temuan", Kind: export.Int}, {Header: "Nilai (Rp)", Kind: export.Money}}
	if err := j.w.Table(export.Table{Sheet: "Ringkasan", Title: "Ringkasan", Columns: cols}); err != nil {
		return err
	}
	var sum int64
	for _, k := range ans.DiscrepancyCounts.ByKind {
		if err := j.w.Row(k.Kind, export.Label(export.KindLabels, k.Kind), k.Count, k.Amount); err != nil {
			return err
		}
		sum += k.Amount
		j.rows++
	}
	j.rows++
	return j.w.Row("", "Jumlah", ans.DiscrepancyCounts.Total, sum)
}

// The APBD programme.

type exportApbdLine struct {
	Category          *string  `json:"category"`
	CategoryName      *string  `json:"categoryName"`
	Workers           int64    `json:"workers"`
	ContributionsDue  int64    `json:"contributionsDue"`
	ContributionsPaid int64    `json:"contributionsPaid"`
	ClaimsPaidCount   int64    `json:"claimsPaidCount"`
	ClaimsPaid        int64    `json:"claimsPaid"`
	Net               int64    `json:"net"`
	LossRatio         *float64 `json:"lossRatio"`
	MonthlyCost       int64    `json:"monthlyCost"`
	NextYearCost      int64    `json:"nextYearCost"`
	Months            []struct {
		Period            string `json:"period"`
		Funded            int64  `json:"funded"`
		FundedEnrolled    int64  `json:"fundedEnrolled"`
		ContributionsDue  int64  `json:"contributionsDue"`
		ContributionsPaid int64  `json:"contributionsPaid"`
		ClaimsPaidCount   int64  `json:"claimsPaidCount"`
		ClaimsPaid        int64  `json:"claimsPaid"`
	} `json:"months"`
}

// Names of the APBD lines without a category.
const (
	apbdNoRoster = "Tanpa daftar kota"
	apbdTotal    = "Jumlah"
)

func (j *exportJob) apbd() error {
	head, _ := j.headFields()
	var ans struct {
		exportHead
		ApbdProgram struct {
			Year       int              `json:"year"`
			From       string           `json:"from"`
			To         string           `json:"to"`
			Rollup     exportRollup     `json:"rollup"`
			Categories []exportApbdLine `json:"categories"`
			Total      exportApbdLine   `json:"total"`
		} `json:"apbdProgram"`
	}
	err := j.api.ask("ExportApbd", `query ExportApbd($year: Int!) { `+head+` apbdProgram(year: $year) { year from to rollup { version asOf }
		categories { ...line } total { ...line } } }
		fragment line on ApbdLine { category categoryName workers contributionsDue contributionsPaid claimsPaidCount claimsPaid net lossRatio
			monthlyCost nextYearCost months { period funded fundedEnrolled contributionsDue contributionsPaid claimsPaidCount claimsPaid } }`,
		map[string]any{"year": j.p["year"]}, &ans, false)
	if err != nil {
		return err
	}
	p := ans.ApbdProgram
	filters := []export.Filter{{Label: "Tahun", Value: strconv.Itoa(p.Year)}, {Label: "Periode", Value: monthRange(p.From, p.To)}}
	if err := j.open("Program jaminan sosial pekerja rentan APBD", ans.exportHead, p.Rollup, filters); err != nil {
		return err
	}
	lines := append(slices.Clone(p.Categories), p.Total)
	name := func(i int, l *exportApbdLine) string {
		switch {
		case i == len(lines)-1:
			return apbdTotal
		case l.CategoryName != nil:
			return *l.CategoryName
		case l.Category == nil:
			return apbdNoRoster
		}
		return *l.Category
	}
	cols := []export.Column{{Header: "Kategori", Kind: export.Text}, {Header: "Nama kategori", Kind: export.Text, Width: 28},
		{Header: "Pekerja", Kind: export.Int}, {Header: "Iuran terutang (Rp)", Kind: export.Money}, {Header: "Iuran dibayar (Rp)", Kind: export.Money},
		{Header: "Klaim dibayar (jumlah)", Kind: export.Int}, {Header: "Klaim dibayar (Rp)", Kind: export.Money},
		{Header: "Selisih iuran dan klaim (Rp)", Kind: export.Money}, {Header: "Rasio klaim", Kind: export.Rate},
		{Header: "Biaya bulanan (Rp)", Kind: export.Money}, {Header: "Biaya tahun depan (Rp)", Kind: export.Money}}
	if err := j.w.Table(export.Table{Sheet: "Per kategori", Title: "Per kategori", Columns: cols}); err != nil {
		return err
	}
	for i := range lines {
		l := &lines[i]
		if err := j.w.Row(l.Category, name(i, l), l.Workers, l.ContributionsDue, l.ContributionsPaid, l.ClaimsPaidCount, l.ClaimsPaid,
			l.Net, l.LossRatio, l.MonthlyCost, l.NextYearCost); err != nil {
			return err
		}
		j.rows++
	}
	months := []export.Column{{Header: "Kategori", Kind: export.Text}, {Header: "Nama kategori", Kind: export.Text, Width: 28},
		{Header: "Bulan", Kind: export.Period}, {Header: "Pekerja didanai", Kind: export.Int}, {Header: "Didanai dan terdaftar", Kind: export.Int},
		{Header: "Iuran terutang (Rp)", Kind: export.Money}, {Header: "Iuran dibayar (Rp)", Kind: export.Money},
		{Header: "Klaim dibayar (jumlah)", Kind: export.Int}, {Header: "Klaim dibayar (Rp)", Kind: export.Money}}
	if err := j.w.Table(export.Table{Sheet: "Per bulan", Title: "Bulan demi bulan", Columns: months}); err != nil {
		return err
	}
	for i := range lines {
		l := &lines[i]
		for _, m := range l.Months {
			if err := j.w.Row(l.Category, name(i, l), m.Period, m.Funded, m.FundedEnrolled, m.ContributionsDue, m.ContributionsPaid,
				m.ClaimsPaidCount, m.ClaimsPaid); err != nil {
				return err
			}
			j.rows++
		}
	}
	return nil
}

// exportDiscrepancyPage is a page of the discrepancies list as the export
// asks it (totalCount on the first page only).
type exportDiscrepancyPage struct {
	TotalCount int `json:"totalCount"`
	PageInfo   struct {
		HasNextPage bool   `json:"hasNextPage"`
		EndCursor   string `json:"endCursor"`
	} `json:"pageInfo"`
	Edges []struct {
		Node exportDiscrepancy `json:"node"`
	} `json:"edges"`
}
