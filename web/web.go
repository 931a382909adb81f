// Package web is the organisations' and the lead's web pages, served by
// `outcomes serve` and, in AWS, by functions/web: sign in, the quarter's
// task list, upload a return, the result with what to fix, the upload
// history, templates and reports, and for the lead every organisation's
// return status.
//
// Pages follow the GOV.UK Design System (error summary, file upload, task
// list, summary list) with the generic header, not the crown: the users are
// charities. The compiled GOV.UK Frontend CSS, JavaScript, fonts and images
// are read at serve time from a folder (web/node_modules/govuk-frontend after
// `npm ci`), so that the Go build never depends on npm having run; only the
// templates and two small hand-written files are embedded.
//
// Every page works without JavaScript: choosing files, uploading and reading
// the result are plain HTML forms and links. web/static/app.js adds
// GOV.UK Frontend's drag-and-drop file upload and an upload progress bar.
//
// The same handler runs in AWS (functions/web): sign-in there is an OpenID
// Connect provider's (Auth), the session a signed cookie, and uploads go to
// the landing bucket for the ingest function (Landing) instead of being
// checked while the user waits (IngestNow).
//
// Security: the organisation comes only from the session, never from a
// URL or form; every form post carries the session's CSRF token; the
// Content-Security-Policy allows no inline script; the lead's pages check
// the role on the server; neither URLs nor logs hold a file name or any
// carer data (an upload is named by its SHA-256).
package web

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/consortium"
	"github.com/carer-outcomes/carer-outcomes/pipeline/lake"
	"github.com/carer-outcomes/carer-outcomes/pipeline/returns"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static
var staticFiles embed.FS

// Config is what the pages need.
type Config struct {
	Standard *standard.Standard
	// Lake is read for the returns, the history, the results and the
	// reports.
	Lake *lake.Lake
	// Intake is where uploads go: IngestNow checks them while the user
	// waits (outcomes serve), Landing hands them to the ingest function.
	Intake     Intake
	Consortium *consortium.Consortium
	// Auth is the sign-in through an OpenID Connect provider, with signed
	// session cookies; nil is the development sign-in, where the user
	// picks an organisation or the lead, with sessions in memory.
	Auth *Auth
	// Assets is GOV.UK Frontend's dist/govuk folder; "" or a missing
	// folder serves the pages unstyled (and says so in the log).
	Assets string
	// AssetsServed says another serves the assets at /assets/ and
	// /static/ (in AWS, CloudFront from S3: see WriteAssets).
	AssetsServed bool
	Log          *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// MaxFiles bounds the files of one upload; MaxFileBytes each file.
	MaxFiles     int
	MaxFileBytes int64
}

// Server is the web pages' http.Handler.
type Server struct {
	cfg      Config
	std      *standard.Standard
	lake     *lake.Lake
	sessions sessionStore
	cookies  *cookieSessions // the signed cookies, with Auth
	pages    map[string]*template.Template
	mux      *http.ServeMux
	assets   fs.FS // nil when GOV.UK Frontend is missing
}

// New builds the server.
func New(cfg Config) (*Server, error) {
	if cfg.Standard == nil || cfg.Lake == nil || cfg.Intake == nil || cfg.Consortium == nil {
		return nil, pipeline.Errorf(pipeline.Invalid, "web: the standard, the lake, the intake and the consortium are required")
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.MaxFiles == 0 {
		cfg.MaxFiles = 10
	}
	if cfg.MaxFileBytes == 0 {
		cfg.MaxFileBytes = 50 << 20
	}
	s := &Server{cfg: cfg, std: cfg.Standard, lake: cfg.Lake, mux: http.NewServeMux()}
	if cfg.Auth == nil {
		s.sessions = newMemorySessions(cfg.Now)
	} else {
		if err := cfg.Auth.check(); err != nil {
			return nil, err
		}
		s.cookies = &cookieSessions{key: cfg.Auth.SessionKey, now: cfg.Now, secure: strings.HasPrefix(cfg.Auth.SiteURL, "https://")}
		s.sessions = s.cookies
	}
	if err := s.parseTemplates(); err != nil {
		return nil, err
	}
	if cfg.Assets != "" {
		if st, err := os.Stat(filepath.Join(cfg.Assets, "govuk-frontend.min.css")); err == nil && !st.IsDir() {
			s.assets = os.DirFS(cfg.Assets)
		}
	}
	if s.assets == nil && !cfg.AssetsServed {
		cfg.Log.Warn("GOV.UK Frontend not found: pages are served unstyled; run `npm ci` in web/ or give --assets", "assets", cfg.Assets)
	}
	s.routes()
	return s, nil
}

func (s *Server) routes() {
	page := func(pattern string, role Role, h pageHandler) { s.mux.Handle(pattern, s.page(role, h)) }
	page("GET /{$}", RoleNone, s.home)
	if s.cfg.Auth == nil {
		page("GET /sign-in", RoleNone, s.signInPage)
		page("POST /sign-in", RoleNone, s.signIn)
		page("POST /sign-out", RoleNone, s.signOut)
	} else {
		s.authRoutes(page)
	}
	page("GET /tasks", RoleOrg, s.tasks)
	page("GET /tasks/surveys-due.csv", RoleOrg, s.dueCSV)
	page("GET /upload", RoleOrg, s.uploadPage)
	page("POST /upload", RoleOrg, s.upload)
	page("GET /result", RoleOrg, s.result)
	page("GET /history", RoleOrg, s.history)
	page("GET /templates", RoleOrg, s.templatesPage)
	page("GET /templates/{file}", RoleOrg, s.templateFile)
	page("GET /report", RoleOrg, s.reportPage)
	page("GET /report/document", RoleOrg, s.reportDocument)
	page("GET /lead", RoleLead, s.leadOverview)
	page("GET /lead/reports", RoleLead, s.leadReports)
	page("GET /lead/reports/document", RoleLead, s.leadReportDocument)
	s.mux.HandleFunc("GET /static/{file}", s.static)
	s.mux.HandleFunc("GET /assets/{path...}", s.asset)
	page("/", RoleNone, func(w http.ResponseWriter, r *http.Request, v *view) error { return notFound() })
}

// ServeHTTP sets the headers every answer has and logs it: method, route,
// status and who, never the URL (which may carry an upload id) or a file name.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", pageCSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	rec := &statusWriter{ResponseWriter: w, status: http.StatusOK}
	start := time.Now()
	s.mux.ServeHTTP(rec, r)
	if strings.HasPrefix(r.URL.Path, "/assets/") || strings.HasPrefix(r.URL.Path, "/static/") {
		return
	}
	route := r.Pattern
	if route == "" || route == "/" {
		route = "(no route)"
	}
	s.cfg.Log.Info("answered", "route", route, "status", rec.status, "role", string(rec.role), "org", rec.org, "ms", time.Since(start).Milliseconds())
}

// pageCSP allows only the page's own origin, and no inline script; GOV.UK
// Frontend's inline "js-enabled" snippet is in app.js instead.
const pageCSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"

// reportCSP is the self-contained report's own: inline styles, nothing else.
const reportCSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

type statusWriter struct {
	http.ResponseWriter
	status    int
	role      Role
	org       string
	wroteHead bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wroteHead {
		w.status, w.wroteHead = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

// pageHandler answers a page; an error is answered as an error page.
type pageHandler func(w http.ResponseWriter, r *http.Request, v *view) error

// httpError is an answer other than 200 with a page that says why.
type httpError struct {
	status  int
	title   string
	message string
}

func (e *httpError) Error() string { return e.title }

func notFound() error {
	return &httpError{http.StatusNotFound, "Page not found", "If you typed the web address, check it is correct. If you followed a link to an upload, it may belong to another organisation or no longer exist."}
}

func forbidden() error {
	return &httpError{http.StatusForbidden, "You cannot see this page", "This page is for the consortium's lead. Sign in with the lead role to see it."}
}

func badRequest(msg string) error {
	return &httpError{http.StatusBadRequest, "There is a problem with the request", msg}
}

// page wraps a handler: the session, the role it needs, and error pages.
func (s *Server) page(need Role, h pageHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		se := s.sessions.get(w, r)
		if sw, ok := w.(*statusWriter); ok {
			sw.role, sw.org = se.role, se.org
		}
		v := &view{s: s, se: se}
		switch {
		case need != RoleNone && se.role == RoleNone:
			http.Redirect(w, r, "/sign-in", http.StatusSeeOther)
			return
		case need == RoleLead && se.role != RoleLead:
			s.fail(w, r, v, forbidden())
			return
		case need == RoleOrg && se.role != RoleOrg:
			// The lead has no returns of its own: its pages are the overview.
			http.Redirect(w, r, "/lead", http.StatusSeeOther)
			return
		}
		if r.Method == http.MethodPost && !sameOrigin(r, s.site()) {
			s.fail(w, r, v, &httpError{http.StatusForbidden, "This form could not be sent", "The form was sent from another site. Go back to the page, reload it and try again."})
			return
		}
		if err := h(w, r, v); err != nil {
			s.fail(w, r, v, err)
		}
	})
}

// site is the site's own origin when it is configured, else "".
func (s *Server) site() string {
	if s.cfg.Auth != nil {
		return s.cfg.Auth.SiteURL
	}
	return ""
}

// fail answers an error page; an unexpected error is logged and answered
// as a 500 that says nothing of its cause.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, v *view, err error) {
	var he *httpError
	if !errors.As(err, &he) {
		switch pipeline.KindOf(err) {
		case pipeline.NotFound:
			he = notFound().(*httpError)
		case pipeline.Forbidden:
			he = forbidden().(*httpError)
		case pipeline.Invalid:
			he = badRequest("Go back to the page and try again. If it happens again, tell the consortium's lead what you were doing.").(*httpError)
			s.cfg.Log.Info("refused", "route", r.Pattern, "kind", pipeline.KindOf(err).String())
		case pipeline.Conflict, pipeline.Transient:
			s.cfg.Log.Warn("failed, worth a retry", "route", r.Pattern, "kind", pipeline.KindOf(err).String(), "error", err.Error())
			he = &httpError{http.StatusServiceUnavailable, "Sorry, there is a problem with the service", "Try again in a few minutes. Nothing you sent was stored twice."}
		default:
			s.cfg.Log.Error("failed", "route", r.Pattern, "kind", pipeline.KindOf(err).String(), "error", err.Error())
			he = &httpError{http.StatusInternalServerError, "Sorry, there is a problem with the service", "Try again later."}
		}
	}
	v.Title = he.title
	w.WriteHeader(he.status)
	if err := s.render(w, "error", v, struct{ Title, Message string }{he.title, he.message}); err != nil {
		s.cfg.Log.Error("render the error page", "error", err.Error())
	}
}

// static serves the hand-written app.js and app.css.
func (s *Server) static(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	b, err := staticFiles.ReadFile("static/" + name)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", contentType(name))
	w.Header().Set("Cache-Control", "no-cache")
	_, _ = w.Write(b)
}

// asset serves GOV.UK Frontend's compiled files: the CSS and JavaScript at
// /assets/, its fonts and images at /assets/fonts/ and /assets/images/,
// where the compiled CSS looks for them.
func (s *Server) asset(w http.ResponseWriter, r *http.Request) {
	if s.assets == nil {
		http.NotFound(w, r)
		return
	}
	p := path.Clean(r.PathValue("path"))
	b, err := assetBytes(s.assets, p)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", contentType(p))
	w.Header().Set("Cache-Control", "public, max-age=3600")
	_, _ = w.Write(b)
}

// assetBytes is the content of the asset at /assets/<p>, read from GOV.UK
// Frontend's dist/govuk folder: the same bytes whether this server or, in
// AWS, CloudFront serves them (WriteAssets).
func assetBytes(govuk fs.FS, p string) ([]byte, error) {
	if !fs.ValidPath(p) {
		return nil, fs.ErrNotExist
	}
	name := p
	if strings.HasPrefix(p, "fonts/") || strings.HasPrefix(p, "images/") {
		name = "assets/" + p
	} else if p != "govuk-frontend.min.css" && p != "govuk-frontend.min.js" {
		return nil, fs.ErrNotExist
	}
	b, err := fs.ReadFile(govuk, name)
	if err != nil {
		return nil, err
	}
	if p == "govuk-frontend.min.css" {
		b = []byte(plainFont(string(b)))
	}
	return b, nil
}

// plainFont takes the GDS Transport typeface out of the compiled CSS: it is
// licensed for GOV.UK services only, and these pages are the consortium's.
func plainFont(css string) string {
	return strings.ReplaceAll(css, "font-family:GDS Transport,arial,sans-serif", "font-family:arial,sans-serif")
}

func contentType(name string) string {
	switch path.Ext(name) {
	case ".css":
		return "text/css; charset=utf-8"
	case ".js", ".mjs":
		return "text/javascript; charset=utf-8"
	case ".woff2":
		return "font/woff2"
	case ".woff":
		return "font/woff"
	case ".svg":
		return "image/svg+xml"
	case ".png":
		return "image/png"
	case ".ico":
		return "image/x-icon"
	}
	return "application/octet-stream"
}

// period reads the quarter a page is about from ?period=, this quarter when
// none is given: from the consortium's first quarter up to this one.
func (s *Server) period(r *http.Request) (pipeline.Period, error) {
	now := pipeline.PeriodOf(s.cfg.Now().UTC())
	q := r.FormValue("period")
	if q == "" {
		return now, nil
	}
	p, err := pipeline.ParsePeriod(q)
	if err != nil || p.Compare(s.cfg.Consortium.FirstQuarter) < 0 || p.Compare(now) > 0 {
		return p, badRequest(fmt.Sprintf("Choose a quarter from %s to %s.", s.cfg.Consortium.FirstQuarter, now))
	}
	return p, nil
}

// quarters are the quarters a user can choose, newest first.
func (s *Server) quarters() []pipeline.Period {
	qs := s.cfg.Consortium.Quarters(pipeline.PeriodOf(s.cfg.Now().UTC()))
	for i, j := 0, len(qs)-1; i < j; i, j = i+1, j-1 {
		qs[i], qs[j] = qs[j], qs[i]
	}
	return qs
}

// returnOf is the state of an organisation's return for a quarter.
// Files handed over and not checked yet count as received.
func (s *Server) returnOf(ctx context.Context, org string, p pipeline.Period) (returns.Return, error) {
	waiting, err := s.cfg.Intake.Waiting(ctx, org, p)
	if err != nil {
		return returns.Return{}, err
	}
	return returns.Of(ctx, s.lake, s.std, returns.Query{Org: org, Period: p, DueDays: s.cfg.Consortium.DueDays(), Now: s.cfg.Now(), Waiting: waiting})
}
