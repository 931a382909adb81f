package web

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/ingest"
	"github.com/carer-outcomes/carer-outcomes/pipeline/lake"
	"github.com/carer-outcomes/carer-outcomes/pipeline/quarterly"
	"github.com/carer-outcomes/carer-outcomes/pipeline/reportpage"
	"github.com/carer-outcomes/carer-outcomes/pipeline/returns"
	"github.com/carer-outcomes/carer-outcomes/pipeline/surveys"
	"github.com/carer-outcomes/carer-outcomes/pipeline/template"
)

var uploadIDPattern = regexp.MustCompile(`^[0-9a-f]{64}$`)

// formError is one problem with a form, for the error summary and the field.
type formError struct {
	Field, Message string
}

func (s *Server) home(w http.ResponseWriter, r *http.Request, v *view) error {
	switch v.se.role {
	case RoleOrg:
		http.Redirect(w, r, "/tasks", http.StatusSeeOther)
	case RoleLead:
		http.Redirect(w, r, "/lead", http.StatusSeeOther)
	default:
		http.Redirect(w, r, "/sign-in", http.StatusSeeOther)
	}
	return nil
}

type signInData struct {
	Orgs   []orgChoice
	Errors []formError
	// Provider is the sign-in through the OpenID Connect provider, a
	// link to /auth/start instead of the development choice.
	Provider  bool
	SignedOut bool
}

type orgChoice struct{ Code, Name string }

func (s *Server) signInPage(w http.ResponseWriter, r *http.Request, v *view) error {
	return s.signInForm(w, v, nil)
}

func (s *Server) signInForm(w http.ResponseWriter, v *view, errs []formError) error {
	d := signInData{Errors: errs, Provider: s.cfg.Auth != nil}
	for _, o := range s.cfg.Consortium.Organisations {
		d.Orgs = append(d.Orgs, orgChoice{o.Code, o.Name})
	}
	v.Title, v.Errors = "Sign in", len(errs) > 0
	if len(errs) > 0 {
		w.WriteHeader(http.StatusBadRequest)
	}
	return s.render(w, "sign-in", v, d)
}

// signIn is the development sign-in: the user picks an organisation or the
// lead role. It is marked as such on every page.
func (s *Server) signIn(w http.ResponseWriter, r *http.Request, v *view) error {
	if err := s.checkCSRF(r, v); err != nil {
		return err
	}
	choice := r.PostFormValue("account")
	switch {
	case choice == "lead":
		s.sessions.signIn(w, v.se, RoleLead, "")
		http.Redirect(w, r, "/lead", http.StatusSeeOther)
	case choice != "" && slices.Contains(s.cfg.Consortium.Codes(), choice):
		s.sessions.signIn(w, v.se, RoleOrg, choice)
		http.Redirect(w, r, "/tasks", http.StatusSeeOther)
	default:
		return s.signInForm(w, v, []formError{{"account", "Select your organisation, or the consortium lead"}})
	}
	return nil
}

func (s *Server) signOut(w http.ResponseWriter, r *http.Request, v *view) error {
	if err := s.checkCSRF(r, v); err != nil {
		return err
	}
	s.sessions.signOut(w, v.se)
	http.Redirect(w, r, "/sign-in", http.StatusSeeOther)
	return nil
}

func (s *Server) checkCSRF(r *http.Request, v *view) error {
	if !v.se.validCSRF(r.PostFormValue("csrf")) {
		return &httpError{http.StatusForbidden, "This form has expired", "Go back to the page, reload it and try again. Forms expire when you sign in or out, or after 8 hours."}
	}
	return nil
}

type tasksData struct {
	Period   pipeline.Period
	Quarters []pipeline.Period
	Return   returns.Return
	Kinds    []kindRow
	Done     int
	// Surveys are the follow-up surveys due and overdue today (as
	// `outcomes due` lists them), the first maxDueRows of them.
	Surveys                 []surveys.DueSurvey
	SurveysDue, SurveysLate int
	MoreSurveys             int
}

// maxDueRows bounds the due list on the task list page; the whole list is
// a download.
const maxDueRows = 50

type kindRow struct {
	returns.Kind
	ID, Title string
}

func (s *Server) tasks(w http.ResponseWriter, r *http.Request, v *view) error {
	p, err := s.period(r)
	if err != nil {
		return err
	}
	ret, err := s.returnOf(r.Context(), v.se.org, p)
	if err != nil {
		return err
	}
	d := tasksData{Period: p, Quarters: s.quarters(), Return: ret}
	for _, k := range ret.Kinds {
		d.Kinds = append(d.Kinds, kindRow{Kind: k, ID: k.Kind, Title: s.kindTitle(k.Kind)})
		if k.State == returns.Accepted || k.State == returns.AcceptedWithWarnings {
			d.Done++
		}
	}
	due, err := s.dueList(r.Context(), v.se.org)
	if err != nil {
		return err
	}
	for _, x := range due {
		if x.Status == surveys.StatusOverdue {
			d.SurveysLate++
		} else {
			d.SurveysDue++
		}
	}
	d.Surveys = due[:min(len(due), maxDueRows)]
	d.MoreSurveys = len(due) - len(d.Surveys)
	v.Title, v.Nav = "Your return for "+p.String(), "tasks"
	return s.render(w, "tasks", v, d)
}

// dueList is the organisation's follow-up surveys due today.
func (s *Server) dueList(ctx context.Context, org string) ([]surveys.DueSurvey, error) {
	return surveys.DueList(ctx, s.lake, s.std, org, pipeline.DaysOf(s.cfg.Now()))
}

// dueCSV is the whole due list as CSV, as `outcomes due` writes it.
func (s *Server) dueCSV(w http.ResponseWriter, r *http.Request, v *view) error {
	due, err := s.dueList(r.Context(), v.se.org)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	if err := surveys.WriteDueCSV(&b, due); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="follow-up-surveys-due.csv"`)
	_, err = b.WriteTo(w)
	return err
}

type uploadData struct {
	Period   pipeline.Period
	Quarters []pipeline.Period
	Errors   []formError
	MaxMB    int64
	MaxFiles int
}

func (s *Server) uploadPage(w http.ResponseWriter, r *http.Request, v *view) error {
	p, err := s.period(r)
	if err != nil {
		return err
	}
	return s.uploadForm(w, v, p, nil)
}

func (s *Server) uploadForm(w http.ResponseWriter, v *view, p pipeline.Period, errs []formError) error {
	v.Title, v.Nav, v.Errors = "Upload your return", "upload", len(errs) > 0
	if len(errs) > 0 {
		w.WriteHeader(http.StatusBadRequest)
	}
	return s.render(w, "upload", v, uploadData{Period: p, Quarters: s.quarters(), Errors: errs,
		MaxMB: s.cfg.MaxFileBytes >> 20, MaxFiles: s.cfg.MaxFiles})
}

// upload ingests the files of a form post the way `outcomes ingest` does,
// for the session's organisation and the quarter chosen, then shows the
// result. Problems with the form itself are shown on the form.
func (s *Server) upload(w http.ResponseWriter, r *http.Request, v *view) error {
	maxFile := s.cfg.MaxFileBytes
	r.Body = http.MaxBytesReader(w, r.Body, int64(s.cfg.MaxFiles)*maxFile+1<<20)
	if err := r.ParseMultipartForm(8 << 20); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return s.uploadForm(w, v, pipeline.PeriodOf(s.cfg.Now().UTC()), []formError{{"files", "The selected files must be smaller than " + num(int(maxFile>>20)) + " MB each"}})
		}
		return badRequest("The form could not be read. Go back to the upload page and try again.")
	}
	defer r.MultipartForm.RemoveAll()
	if err := s.checkCSRF(r, v); err != nil {
		return err
	}
	p, err := s.period(r)
	if err != nil {
		return err
	}
	heads := r.MultipartForm.File["files"]
	var errs []formError
	switch {
	case len(heads) == 0:
		errs = append(errs, formError{"files", "Select a CSV file or an Excel workbook to upload"})
	case len(heads) > s.cfg.MaxFiles:
		errs = append(errs, formError{"files", "Select at most " + num(s.cfg.MaxFiles) + " files at a time"})
	}
	req := ingest.Request{Org: v.se.org, Period: p}
	for _, h := range heads {
		name := baseName(h.Filename)
		ext := strings.ToLower(path.Ext(name))
		switch {
		case ext != ".csv" && ext != ".xlsx":
			errs = append(errs, formError{"files", "“" + name + "” must be a CSV file or an Excel workbook (.xlsx)"})
			continue
		case h.Size == 0:
			errs = append(errs, formError{"files", "“" + name + "” is empty"})
			continue
		case h.Size > maxFile:
			errs = append(errs, formError{"files", "“" + name + "” must be smaller than " + num(int(maxFile>>20)) + " MB"})
			continue
		}
		f, err := h.Open()
		if err != nil {
			return pipeline.Errorf(pipeline.Internal, "open an uploaded file: %w", err)
		}
		defer f.Close()
		req.Files = append(req.Files, ingest.File{Name: name, Data: f, Size: h.Size})
	}
	if len(errs) > 0 {
		return s.uploadForm(w, v, p, errs)
	}
	subs, err := s.cfg.Intake.Submit(r.Context(), req)
	if err != nil {
		// The error may name a file: the log gets it without the names.
		return redacted{err, req.Files}
	}
	q := make([]string, 0, len(subs))
	for _, sub := range subs {
		switch {
		case !sub.Checked:
			q = append(q, "l="+sub.ID)
		case sub.Again:
			q = append(q, "u="+sub.ID, "again="+sub.ID)
		default:
			q = append(q, "u="+sub.ID)
		}
	}
	http.Redirect(w, r, "/result?"+strings.Join(q, "&"), http.StatusSeeOther)
	return nil
}

// redacted is an ingest error whose text names the files by number: file
// names stay out of the log.
type redacted struct {
	err   error
	files []ingest.File
}

func (r redacted) Error() string {
	msg := r.err.Error()
	for i, f := range r.files {
		msg = strings.ReplaceAll(msg, f.Name, "file "+strconv.Itoa(i+1))
	}
	return msg
}

func (r redacted) Unwrap() error { return r.err }

// baseName is a browser's file name without any folder (old browsers send
// the whole Windows path).
func baseName(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	return strings.TrimSpace(name)
}

// result shows the reports of the uploads named in ?u=, each of which must
// be the session's organisation's.
func (s *Server) result(w http.ResponseWriter, r *http.Request, v *view) error {
	ids, again, landed := r.URL.Query()["u"], r.URL.Query()["again"], r.URL.Query()["l"]
	if len(landed) > 0 {
		return s.landedResult(w, r, v, ids, landed)
	}
	if len(ids) == 0 || len(ids) > s.cfg.MaxFiles {
		return notFound()
	}
	var ups []uploadResult
	for _, id := range ids {
		if !uploadIDPattern.MatchString(id) {
			return notFound()
		}
		rep, err := returns.ReadReport(r.Context(), s.lake, v.se.org, id)
		if err != nil {
			return err
		}
		st, _, err := s.lake.Status(r.Context(), v.se.org, id)
		if err != nil {
			return err
		}
		ups = append(ups, uploadResult{id: id, received: st.Received, report: rep, again: slices.Contains(again, id)})
	}
	d := s.resultPage(ups)
	v.Title, v.Nav, v.Errors = d.Headline, "upload", len(d.Summary) > 0
	return s.render(w, "result", v, d)
}

// landedResult answers the result of files handed to the ingest function
// (?l= landing ids): once every one is checked, a redirect to their
// results; until then, a page that says they were received.
func (s *Server) landedResult(w http.ResponseWriter, r *http.Request, v *view, ids, landed []string) error {
	if len(ids)+len(landed) > s.cfg.MaxFiles {
		return notFound()
	}
	q := make([]string, 0, len(ids)+len(landed))
	for _, id := range ids {
		q = append(q, "u="+id)
	}
	waiting := 0
	for _, id := range landed {
		up, ok, err := s.cfg.Intake.Landed(r.Context(), v.se.org, id)
		switch {
		case err != nil:
			return err
		case !ok:
			return notFound()
		case up == "":
			waiting++
			q = append(q, "l="+id)
		default:
			q = append(q, "u="+up)
		}
	}
	if waiting == 0 {
		http.Redirect(w, r, "/result?"+strings.Join(q, "&"), http.StatusSeeOther)
		return nil
	}
	v.Title, v.Nav = "Your files have been received", "upload"
	return s.render(w, "received", v, receivedData{Files: len(landed), Waiting: waiting, Again: "/result?" + strings.Join(q, "&")})
}

type receivedData struct {
	Files, Waiting int
	Again          string // this page's address, to check again
}

type historyData struct {
	Period   pipeline.Period
	Quarters []pipeline.Period
	// Waiting are the files received and not checked yet (in AWS, while
	// the ingest function has not read them), newest first.
	Waiting []returns.Waiting
	Uploads []historyRow
}

type historyRow struct {
	returns.Upload
	Kinds  []string // titles
	InUse  []string
	Result string
}

func (s *Server) history(w http.ResponseWriter, r *http.Request, v *view) error {
	p, err := s.period(r)
	if err != nil {
		return err
	}
	ups, err := returns.History(r.Context(), s.lake, v.se.org, p)
	if err != nil {
		return err
	}
	waiting, err := s.cfg.Intake.Waiting(r.Context(), v.se.org, p)
	if err != nil {
		return err
	}
	d := historyData{Period: p, Quarters: s.quarters(), Waiting: waiting}
	for _, u := range ups {
		row := historyRow{Upload: u, Result: "Accepted"}
		switch {
		case u.Status == lake.UploadRejected:
			row.Result = "Rejected"
		case u.Rejected > 0:
			row.Result = "Partly accepted: " + num(u.Accepted) + " of " + num(u.Rows) + " rows"
		}
		for _, k := range u.Kinds {
			row.Kinds = append(row.Kinds, s.kindTitle(k))
		}
		for _, k := range u.InUse {
			row.InUse = append(row.InUse, s.kindTitle(k))
		}
		d.Uploads = append(d.Uploads, row)
	}
	v.Title, v.Nav = "Upload history for "+p.String(), "history"
	return s.render(w, "history", v, d)
}

type templatesData struct {
	Workbook string
	Kinds    []templateKind
}

type templateKind struct{ File, Title, RowPer string }

func (s *Server) templatesPage(w http.ResponseWriter, r *http.Request, v *view) error {
	d := templatesData{Workbook: template.WorkbookName}
	for _, k := range s.std.Kinds {
		d.Kinds = append(d.Kinds, templateKind{File: k.Name + ".csv", Title: k.Title, RowPer: k.RowPer})
	}
	v.Title, v.Nav = "Templates", "templates"
	return s.render(w, "templates", v, d)
}

// templateFile writes a template from the standard as a download.
func (s *Server) templateFile(w http.ResponseWriter, r *http.Request, v *view) error {
	name := r.PathValue("file")
	var b bytes.Buffer
	var ctype string
	switch kind, isCSV := strings.CutSuffix(name, ".csv"); {
	case name == template.WorkbookName:
		if err := template.WriteXLSX(&b, s.std); err != nil {
			return err
		}
		ctype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	case isCSV && s.std.Kind(kind) != nil:
		if err := template.WriteCSV(&b, s.std, s.std.Kind(kind)); err != nil {
			return err
		}
		ctype = "text/csv; charset=utf-8"
	default:
		return notFound()
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	_, err := b.WriteTo(w)
	return err
}

type reportData struct {
	Period   pipeline.Period
	Quarters []pipeline.Period
	Scope    string
	Href     string
}

// reportPage offers an organisation its own quarterly report.
func (s *Server) reportPage(w http.ResponseWriter, r *http.Request, v *view) error {
	p, err := s.period(r)
	if err != nil {
		return err
	}
	if r.FormValue("period") == "" {
		p = s.latestWithData(r, v.se.org, p)
	}
	v.Title, v.Nav = "Your quarterly report", "report"
	return s.render(w, "report", v, reportData{Period: p, Quarters: s.quarters(), Scope: s.orgName(v.se.org),
		Href: "/report/document?period=" + p.String()})
}

// latestWithData is the newest quarter for which the organisation (or,
// org "", anyone) has a return in the lake, or p when there is none.
func (s *Server) latestWithData(r *http.Request, org string, p pipeline.Period) pipeline.Period {
	var latest pipeline.Period
	for _, k := range s.std.Kinds {
		parts, err := s.lake.Partitions(r.Context(), k.Name, org)
		if err != nil {
			return p
		}
		for _, pt := range parts {
			if pt.Period.Compare(latest) > 0 && pt.Period.Compare(pipeline.PeriodOf(s.cfg.Now().UTC())) <= 0 {
				latest = pt.Period
			}
		}
	}
	if latest == (pipeline.Period{}) {
		return p
	}
	return latest
}

func (s *Server) reportDocument(w http.ResponseWriter, r *http.Request, v *view) error {
	return s.writeReport(w, r, v, v.se.org)
}

// writeReport answers a quarter's report: the organisation's own (own is
// its code) or the consortium's (own ""), as `outcomes report` writes it.
func (s *Server) writeReport(w http.ResponseWriter, r *http.Request, v *view, own string) error {
	p, err := s.period(r)
	if err != nil {
		return err
	}
	_, orgs, err := quarterly.Scope(r.Context(), s.lake, s.std, p.String())
	if pipeline.KindOf(err) == pipeline.NotFound || err == nil && own != "" && !slices.Contains(orgs, own) {
		return &httpError{http.StatusNotFound, "There is no report yet", "Nothing has been accepted yet: a report is made from the returns accepted."}
	}
	if err != nil {
		return err
	}
	rep, err := quarterly.Build(r.Context(), s.lake, s.std, p, orgs, own, s.cfg.Now())
	if err != nil {
		return err
	}
	var b bytes.Buffer
	if err := reportpage.WriteHTML(&b, rep); err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Security-Policy", reportCSP)
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	_, err = b.WriteTo(w)
	return err
}

type leadData struct {
	Period   pipeline.Period
	Quarters []pipeline.Period
	Kinds    []string
	Orgs     []leadRow
	Missing  int
	Late     int
	Due      string
}

type leadRow struct {
	Code, Name string
	Return     returns.Return
}

// leadOverview is every organisation's return for a quarter, the missing
// and late ones marked.
func (s *Server) leadOverview(w http.ResponseWriter, r *http.Request, v *view) error {
	p, err := s.period(r)
	if err != nil {
		return err
	}
	d := leadData{Period: p, Quarters: s.quarters()}
	for _, k := range s.std.Kinds {
		d.Kinds = append(d.Kinds, k.Title)
	}
	for _, o := range s.cfg.Consortium.Organisations {
		ret, err := s.returnOf(r.Context(), o.Code, p)
		if err != nil {
			return err
		}
		d.Due = ret.Due.Format("2 January 2006")
		if ret.Missing() {
			d.Missing++
		}
		if ret.Late() {
			d.Late++
		}
		d.Orgs = append(d.Orgs, leadRow{Code: o.Code, Name: o.Name, Return: ret})
	}
	v.Title, v.Nav = "Returns for "+p.String(), "lead"
	return s.render(w, "lead", v, d)
}

type leadReportsData struct {
	Quarters []pipeline.Period
}

func (s *Server) leadReports(w http.ResponseWriter, r *http.Request, v *view) error {
	v.Title, v.Nav = "Consortium reports", "lead-reports"
	return s.render(w, "lead-reports", v, leadReportsData{Quarters: s.quarters()})
}

func (s *Server) leadReportDocument(w http.ResponseWriter, r *http.Request, v *view) error {
	return s.writeReport(w, r, v, "")
}
