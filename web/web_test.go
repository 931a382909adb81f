package web_test

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"log/slog"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/carer-outcomes/carer-outcomes/pipeline/consortium"
	"github.com/carer-outcomes/carer-outcomes/pipeline/ingest"
	"github.com/carer-outcomes/carer-outcomes/pipeline/lake"
	"github.com/carer-outcomes/carer-outcomes/pipeline/pseudonym"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard/standardtest"
	"github.com/carer-outcomes/carer-outcomes/pipeline/tabular"
	"github.com/carer-outcomes/carer-outcomes/storage/fsstore"
	"github.com/carer-outcomes/carer-outcomes/web"
)

const carers = "client_ref,registration_date,date_of_birth,gender,postcode,employment_status,consent_followup\r\n" +
	"P1,2026-07-02,1980-05-17,F,LS6 3AB,UNEMPLOYED,Y\r\nP2,2026-02-30,1975-01-09,M,M14 5RB,INACTIVE_CARING,N\r\n"

type fixture struct {
	srv    *httptest.Server
	url    string // the server's, known before it starts
	lake   *lake.Lake
	ingest ingest.Config // the local intake's
	logs   *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newFixture(t *testing.T, opts ...func(*fixture, *web.Config)) *fixture {
	t.Helper()
	std := standardtest.Load(t)
	store, err := fsstore.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	key, err := pseudonym.ParseKey([]byte(strings.Repeat("ef", 32)))
	if err != nil {
		t.Fatal(err)
	}
	c, err := consortium.Load("../testdata/consortium/example.json", std)
	if err != nil {
		t.Fatal(err)
	}
	// The server's address is known before the server is built: the
	// provider's sign-in needs the site's own URL.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{lake: &lake.Lake{Store: store}, logs: &syncBuffer{}, url: "http://" + ln.Addr().String()}
	now := func() time.Time { return time.Date(2026, 11, 10, 12, 0, 0, 0, time.UTC) }
	f.ingest = ingest.Config{Standard: std, Lake: f.lake, Key: key, Limits: tabular.DefaultLimits(), TempDir: t.TempDir(), Now: now}
	cfg := web.Config{
		Standard: std, Lake: f.lake, Intake: web.IngestNow(f.ingest), MaxFileBytes: f.ingest.Limits.MaxFileBytes,
		Consortium: c, Log: slog.New(slog.NewTextHandler(f.logs, nil)), Now: now,
	}
	for _, o := range opts {
		o(f, &cfg)
	}
	s, err := web.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	f.srv = &httptest.Server{Listener: ln, Config: &http.Server{Handler: s}}
	f.srv.Start()
	t.Cleanup(f.srv.Close)
	return f
}

// user is a browser: a cookie jar that does not follow redirects.
type user struct {
	t    *testing.T
	base string
	c    *http.Client
}

func (f *fixture) user(t *testing.T) *user {
	jar, _ := cookiejar.New(nil)
	return &user{t: t, base: f.srv.URL, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (u *user) get(path string) (*http.Response, string) {
	u.t.Helper()
	res, err := u.c.Get(u.base + path)
	if err != nil {
		u.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

var csrfPattern = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf is the token of the user's session, read from the sign-in form.
func (u *user) csrf() string {
	u.t.Helper()
	return u.pageCSRF("/sign-in")
}

// pageCSRF is the token of the user's session, read from a page's form.
func (u *user) pageCSRF(path string) string {
	u.t.Helper()
	_, page := u.get(path)
	m := csrfPattern.FindStringSubmatch(page)
	if m == nil {
		u.t.Fatalf("no CSRF token on %s", path)
	}
	return m[1]
}

func (u *user) post(path string, form url.Values) *http.Response {
	u.t.Helper()
	res, err := u.c.PostForm(u.base+path, form)
	if err != nil {
		u.t.Fatal(err)
	}
	res.Body.Close()
	return res
}

func (u *user) signIn(account string) {
	u.t.Helper()
	res := u.post("/sign-in", url.Values{"csrf": {u.csrf()}, "account": {account}})
	if res.StatusCode != http.StatusSeeOther {
		u.t.Fatalf("sign in as %s: %s", account, res.Status)
	}
}

// upload posts files as the upload form does, with extra fields; it
// returns the redirect's location.
func (u *user) upload(period string, extra map[string]string, files map[string]string) *http.Response {
	u.t.Helper()
	_, page := u.get("/upload")
	m := csrfPattern.FindStringSubmatch(page)
	if m == nil {
		u.t.Fatal("no CSRF token on the upload page")
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("csrf", m[1])
	_ = mw.WriteField("period", period)
	for k, v := range extra {
		_ = mw.WriteField(k, v)
	}
	for name, content := range files {
		w, _ := mw.CreateFormFile("files", name)
		_, _ = io.WriteString(w, content)
	}
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, u.base+"/upload", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	res, err := u.c.Do(req)
	if err != nil {
		u.t.Fatal(err)
	}
	res.Body.Close()
	return res
}

func uploads(t *testing.T, l *lake.Lake, org string) []string {
	t.Helper()
	objs, err := l.Store.List(context.Background(), "uploads/"+org+"/")
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, o := range objs {
		if strings.HasSuffix(o.Key, "/status.json") {
			keys = append(keys, o.Key)
		}
	}
	return keys
}

func TestServer_Isolation(t *testing.T) {
	f := newFixture(t)
	leeds := f.user(t)
	leeds.signIn("LEEDS-CC")
	res := leeds.upload("2026-Q3", nil, map[string]string{"carers-secret.csv": carers})
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/result?u=") {
		t.Fatalf("upload: %s to %q", res.Status, res.Header.Get("Location"))
	}
	theirs := res.Header.Get("Location")
	if r, page := leeds.get(theirs); r.StatusCode != http.StatusOK || !strings.Contains(page, "carers-secret.csv") {
		t.Fatalf("own result: %s", r.Status)
	}

	bristol := f.user(t)
	bristol.signIn("BRISTOL-CW")
	if r, page := bristol.get(theirs); r.StatusCode != http.StatusNotFound || strings.Contains(page, "carers-secret") {
		t.Errorf("another organisation's result: %s", r.Status)
	}
	if _, page := bristol.get("/history?period=2026-Q3"); strings.Contains(page, "carers-secret") {
		t.Error("another organisation's upload is in the history")
	}
	// An organisation named in the form, as org or any other field, is ignored.
	res = bristol.upload("2026-Q3", map[string]string{"org": "LEEDS-CC", "organisation": "LEEDS-CC", "Org": "LEEDS-CC"}, map[string]string{"mine.csv": strings.Replace(carers, "P1", "B1", 1)})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("upload with an org field: %s", res.Status)
	}
	if got := uploads(t, f.lake, "LEEDS-CC"); len(got) != 1 {
		t.Errorf("LEEDS-CC has %d uploads after BRISTOL-CW's, want 1: %v", len(got), got)
	}
	if got := uploads(t, f.lake, "BRISTOL-CW"); len(got) != 1 {
		t.Errorf("BRISTOL-CW has %d uploads, want 1", len(got))
	}
	// An organisation's pages are not the lead's.
	for _, p := range []string{"/lead", "/lead/reports", "/lead/reports/document?period=2026-Q3"} {
		if r, _ := bristol.get(p); r.StatusCode != http.StatusForbidden {
			t.Errorf("%s as an organisation: %s, want 403", p, r.Status)
		}
	}
	lead := f.user(t)
	lead.signIn("lead")
	if r, page := lead.get("/lead?period=2026-Q3"); r.StatusCode != http.StatusOK || !strings.Contains(page, `data-org="LEEDS-CC"`) {
		t.Errorf("/lead as the lead: %s", r.Status)
	}
	if r, _ := lead.get(theirs); r.StatusCode != http.StatusSeeOther {
		t.Errorf("an organisation's result as the lead: %s, want a redirect to the lead's pages", r.Status)
	}
	// Neither the file names nor any carer's data reach the log.
	for _, secret := range []string{"carers-secret", "mine.csv", "P2", "LS6 3AB", "2026-02-30"} {
		if strings.Contains(f.logs.String(), secret) {
			t.Errorf("the log holds %q", secret)
		}
	}
}

func TestServer_CSRF(t *testing.T) {
	f := newFixture(t)
	u := f.user(t)
	if res := u.post("/sign-in", url.Values{"account": {"LEEDS-CC"}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("sign in without a token: %s, want 403", res.Status)
	}
	other := f.user(t)
	if res := u.post("/sign-in", url.Values{"account": {"LEEDS-CC"}, "csrf": {other.csrf()}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("sign in with another session's token: %s, want 403", res.Status)
	}
	token := u.csrf()
	req, _ := http.NewRequest(http.MethodPost, u.base+"/sign-in", strings.NewReader(url.Values{"account": {"LEEDS-CC"}, "csrf": {token}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "http://evil.example")
	res, err := u.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("sign in from another origin: %s, want 403", res.Status)
	}
	// Signing in starts a new session: the token from before is spent.
	u.signIn("LEEDS-CC")
	if res := u.post("/sign-out", url.Values{"csrf": {token}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("sign out with the token from before signing in: %s, want 403", res.Status)
	}
	if r, _ := u.get("/tasks"); r.StatusCode != http.StatusOK {
		t.Errorf("still signed in: %s", r.Status)
	}
}

func TestServer_SignInRequired(t *testing.T) {
	f := newFixture(t)
	u := f.user(t)
	for _, p := range []string{"/tasks", "/upload", "/history", "/templates", "/report", "/lead", "/result?u=" + strings.Repeat("a", 64)} {
		if r, _ := u.get(p); r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/sign-in" {
			t.Errorf("%s signed out: %s to %q, want a redirect to /sign-in", p, r.Status, r.Header.Get("Location"))
		}
	}
	if res := u.post("/sign-in", url.Values{"csrf": {u.csrf()}, "account": {"NOT-A-MEMBER"}}); res.StatusCode != http.StatusBadRequest {
		t.Errorf("sign in as an organisation not in the consortium: %s, want 400", res.Status)
	}
}

var inlineScript = regexp.MustCompile(`<script(?:\s[^>]*)?>`)

func TestServer_CSP(t *testing.T) {
	f := newFixture(t)
	u := f.user(t)
	u.signIn("LEEDS-CC")
	u.upload("2026-Q3", nil, map[string]string{"c.csv": carers})
	for _, p := range []string{"/sign-in", "/tasks", "/upload", "/history?period=2026-Q3", "/templates", "/report", "/no-such-page"} {
		r, page := u.get(p)
		csp := r.Header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
			t.Errorf("%s: Content-Security-Policy %q", p, csp)
		}
		for _, tag := range inlineScript.FindAllString(page, -1) {
			if !strings.Contains(tag, `src="/static/`) {
				t.Errorf("%s: a script that is not a file of the page's origin: %s", p, tag)
			}
		}
		if strings.Contains(page, "http://") || strings.Contains(page, "https://") {
			t.Errorf("%s: the page names another origin", p)
		}
	}
}

func TestServer_Templates(t *testing.T) {
	f := newFixture(t)
	u := f.user(t)
	u.signIn("LEEDS-CC")
	r, body := u.get("/templates/carers.csv")
	if r.StatusCode != http.StatusOK || !strings.HasPrefix(body, "\uFEFFClient reference,") || !strings.Contains(r.Header.Get("Content-Disposition"), "attachment") {
		t.Errorf("carers.csv: %s %q", r.Status, body[:min(len(body), 40)])
	}
	if r, body := u.get("/templates/return-template.xlsx"); r.StatusCode != http.StatusOK || !strings.HasPrefix(body, "PK") {
		t.Errorf("the workbook: %s", r.Status)
	}
	for _, p := range []string{"/templates/nothing.csv", "/templates/..%2Fweb.go", "/templates/carers.xlsx"} {
		if r, _ := u.get(p); r.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %s, want 404", p, r.Status)
		}
	}
}

// fakeFrontend writes a GOV.UK Frontend dist/govuk folder of the given
// files (path -> content).
func fakeFrontend(tb testing.TB, files map[string]string) string {
	tb.Helper()
	dir := tb.TempDir()
	for name, body := range files {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	return dir
}

// assetServer is the pages over an empty lake with GOV.UK Frontend from dir.
func assetServer(tb testing.TB, dir string) *web.Server {
	tb.Helper()
	std := standardtest.Load(tb)
	store, _ := fsstore.New(tb.TempDir())
	c, err := consortium.Load("../testdata/consortium/example.json", std)
	if err != nil {
		tb.Fatal(err)
	}
	l := &lake.Lake{Store: store}
	s, err := web.New(web.Config{Standard: std, Lake: l, Intake: web.IngestNow(ingest.Config{Standard: std, Lake: l}), Consortium: c, Assets: dir, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

func TestServer_Assets(t *testing.T) {
	dir := fakeFrontend(t, map[string]string{"govuk-frontend.min.css": `a{font-family:GDS Transport,arial,sans-serif}`, "govuk-frontend.min.js": "export {}", "assets/fonts/x.woff2": "font", "secret.txt": "no"})
	s := assetServer(t, dir)
	srv := httptest.NewServer(s)
	defer srv.Close()
	get := func(p string) (int, string, string) {
		res, err := http.Get(srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, res.Header.Get("Content-Type"), string(b)
	}
	if code, ctype, body := get("/assets/govuk-frontend.min.css"); code != 200 || !strings.HasPrefix(ctype, "text/css") || body != `a{font-family:arial,sans-serif}` {
		t.Errorf("the CSS: %d %s %q, want it served without GDS Transport", code, ctype, body)
	}
	if code, ctype, _ := get("/assets/fonts/x.woff2"); code != 200 || ctype != "font/woff2" {
		t.Errorf("a font: %d %s", code, ctype)
	}
	for _, p := range []string{"/assets/secret.txt", "/assets/../web.go", "/assets/fonts/../../secret.txt"} {
		if code, _, _ := get(p); code != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", p, code)
		}
	}
	if code, ctype, body := get("/static/app.js"); code != 200 || !strings.HasPrefix(ctype, "text/javascript") || !strings.Contains(body, "initAll") {
		t.Errorf("app.js: %d %s", code, ctype)
	}
}

// TestWriteAssets checks that the static site's zip holds, at each path,
// exactly what `outcomes serve` answers there, and nothing it would not.
func TestWriteAssets(t *testing.T) {
	dir := fakeFrontend(t, map[string]string{
		"govuk-frontend.min.css": `a{font-family:GDS Transport,arial,sans-serif}`, "govuk-frontend.min.js": "export {}",
		"assets/fonts/x.woff2": "font", "assets/images/y.svg": "<svg/>", "secret.txt": "no", "all.bundle.js": "no",
	})
	var b bytes.Buffer
	if err := web.WriteAssets(&b, os.DirFS(dir)); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(b.Bytes()), int64(b.Len()))
	if err != nil {
		t.Fatal(err)
	}
	s := assetServer(t, dir)
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(rc)
		rc.Close()
		w := httptest.NewRecorder()
		s.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/"+f.Name, nil))
		if w.Code != http.StatusOK || !bytes.Equal(w.Body.Bytes(), got) {
			t.Errorf("%s: the zip holds %d bytes, the server answers %d with %d bytes", f.Name, len(got), w.Code, w.Body.Len())
		}
	}
	want := []string{"assets/fonts/x.woff2", "assets/govuk-frontend.min.css", "assets/govuk-frontend.min.js", "assets/images/y.svg", "static/app.css", "static/app.js"}
	slices.Sort(names)
	if !slices.Equal(names, want) {
		t.Errorf("the zip holds %v, want %v", names, want)
	}
}

func TestServer_SameFileAgain(t *testing.T) {
	f := newFixture(t)
	u := f.user(t)
	u.signIn("LEEDS-CC")
	first := u.upload("2026-Q3", nil, map[string]string{"c.csv": carers}).Header.Get("Location")
	if _, page := u.get(first); strings.Contains(page, "You sent this same file before") {
		t.Error("the first upload is said to be a repeat")
	}
	again := u.upload("2026-Q3", nil, map[string]string{"c.csv": carers}).Header.Get("Location")
	if !strings.Contains(again, "&again=") {
		t.Fatalf("the repeat's result %q does not say it is a repeat", again)
	}
	if r, page := u.get(again); r.StatusCode != http.StatusOK || !strings.Contains(page, "You sent this same file before") {
		t.Errorf("the repeat's result: %s, without the notice", r.Status)
	}
	if got := uploads(t, f.lake, "LEEDS-CC"); len(got) != 1 {
		t.Errorf("%d uploads after sending the same file twice, want 1", len(got))
	}
}

// TestServer_SurveysDue checks the task list's follow-up surveys due on a
// hand-worked list (today is 2026-11-10): a survey is due when its date
// (registration + the wave's weeks) falls in the next 28 days, overdue when
// it passed in the last 56 days with no answer; a carer who did not agree
// to follow-ups (D3) is never listed. The CSV download is the same list.
func TestServer_SurveysDue(t *testing.T) {
	f := newFixture(t)
	u := f.user(t)
	u.signIn("LEEDS-CC")
	if _, page := u.get("/tasks?period=2026-Q3"); !strings.Contains(page, "No carer is due a follow-up survey") {
		t.Error("an empty lake: the page does not say no survey is due")
	}
	const due = "client_ref,registration_date,date_of_birth,gender,postcode,employment_status,consent_followup\r\n" +
		"D1,2026-08-15,1980-05-17,F,LS6 3AB,UNEMPLOYED,Y\r\n" + // W13 due 2026-11-14
		"D2,2026-07-02,1975-01-09,M,M14 5RB,INACTIVE_CARING,Y\r\n" + // W13 2026-10-01: overdue until 2026-11-26
		"D3,2026-08-15,1990-01-01,F,LS6 3AB,UNEMPLOYED,N\r\n" + // no consent
		"D4,2025-11-14,1985-03-03,F,LS6 3AB,EMPLOYED_PT,Y\r\n" + // W52 due 2026-11-13; W13, W26 closed
		"D5,2026-04-01,1970-06-06,M,M14 5RB,UNEMPLOYED,Y\r\n" // W26 2026-09-30: overdue until 2026-11-25; W13 closed
	if res := u.upload("2026-Q3", nil, map[string]string{"carers-due.csv": due}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("upload: %s", res.Status)
	}
	_, page := u.get("/tasks?period=2026-Q3")
	rows := regexp.MustCompile(`(?s)<tr class="govuk-table__row"><td class="govuk-table__cell">(.*?)</tr>`).FindAllStringSubmatch(page, -1)
	var got []string
	for _, r := range rows {
		got = append(got, regexp.MustCompile(`<[^>]+>`).ReplaceAllString(strings.ReplaceAll(r[1], "</td>", "|"), ""))
	}
	want := []string{
		"W26|30 September 2026|1 April 2026|carers-due.csv, row 6|Overdue|",
		"W13|1 October 2026|2 July 2026|carers-due.csv, row 3|Overdue|",
		"W52|13 November 2026|14 November 2025|carers-due.csv, row 5|Due|",
		"W13|14 November 2026|15 August 2026|carers-due.csv, row 2|Due|",
	}
	if !slices.Equal(got, want) {
		t.Errorf("surveys due:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
	if !strings.Contains(page, "2 surveys are due in the next 4 weeks and 2 are overdue") {
		t.Error("the page does not count 2 due and 2 overdue")
	}
	res, csv := u.get("/tasks/surveys-due.csv")
	lines := strings.Split(strings.TrimSpace(csv), "\n")
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/csv") || len(lines) != 5 ||
		!strings.HasPrefix(lines[1], "W26,2026-09-30,overdue,2026-04-01,carers-due.csv,,6,") {
		t.Errorf("the CSV: %s %q", res.Status, csv)
	}
	other := f.user(t)
	other.signIn("BRISTOL-CW")
	if _, page := other.get("/tasks?period=2026-Q3"); strings.Contains(page, "carers-due.csv") {
		t.Error("another organisation sees LEEDS-CC's due list")
	}
}
