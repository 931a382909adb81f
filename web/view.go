package web

import (
	"bytes"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/returns"
)

// pageNames are the templates in templates/, each a "content" block laid
// out by layout.html.
var pageNames = []string{"error", "sign-in", "tasks", "upload", "result", "history", "templates", "report", "lead", "lead-reports", "received"}

// view is what the layout needs on every page, and the page's own data.
type view struct {
	s     *Server
	se    *session
	Title string
	// Errors puts "Error: " before the title, as the GOV.UK pattern asks
	// when a page shows an error summary.
	Errors bool
	Nav    string // the navigation item of this page
	Data   any
}

func (v *view) Consortium() string { return v.s.cfg.Consortium.Name }
func (v *view) CSRF() string       { return v.se.csrf }
func (v *view) SignedIn() bool     { return v.se.role != RoleNone }
func (v *view) Lead() bool         { return v.se.role == RoleLead }
func (v *view) Styled() bool       { return v.s.assets != nil || v.s.cfg.AssetsServed }
func (v *view) Dev() bool          { return v.s.cfg.Auth == nil }

// Who names the signed-in user on every page.
func (v *view) Who() string {
	switch v.se.role {
	case RoleLead:
		return "the consortium lead"
	case RoleOrg:
		return v.s.orgName(v.se.org)
	}
	return ""
}

// NavItems are the service navigation's links for the user's role.
func (v *view) NavItems() []navItem {
	var items []navItem
	switch v.se.role {
	case RoleOrg:
		items = []navItem{{"tasks", "/tasks", "Your return", false}, {"upload", "/upload", "Upload", false}, {"history", "/history", "Upload history", false}, {"templates", "/templates", "Templates", false}, {"report", "/report", "Your report", false}}
	case RoleLead:
		items = []navItem{{"lead", "/lead", "Returns", false}, {"lead-reports", "/lead/reports", "Consortium reports", false}}
	}
	for i := range items {
		items[i].Current = items[i].ID == v.Nav
	}
	return items
}

type navItem struct {
	ID, Href, Text string
	Current        bool
}

func (s *Server) orgName(code string) string {
	if o, ok := s.cfg.Consortium.Organisation(code); ok && o.Name != "" {
		return o.Name + " (" + code + ")"
	}
	return code
}

func (s *Server) parseTemplates() error {
	s.pages = map[string]*template.Template{}
	for _, name := range pageNames {
		t, err := template.New(name).Funcs(funcs).ParseFS(templateFiles, "templates/layout.html", "templates/"+name+".html")
		if err != nil {
			return pipeline.Errorf(pipeline.Internal, "parse page %s: %w", name, err)
		}
		s.pages[name] = t
	}
	return nil
}

// render writes a page; it is rendered whole first, so that a template
// error is a 500, never half a page.
func (s *Server) render(w http.ResponseWriter, name string, v *view, data any) error {
	v.Data = data
	var b bytes.Buffer
	if err := s.pages[name].ExecuteTemplate(&b, "layout", v); err != nil {
		return pipeline.Errorf(pipeline.Internal, "render %s: %w", name, err)
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	_, err := b.WriteTo(w)
	return err
}

var funcs = template.FuncMap{
	"date": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format("2 January 2006")
	},
	"datetime": func(t any) string {
		var tt time.Time
		switch x := t.(type) {
		case time.Time:
			tt = x
		case *time.Time:
			if x == nil {
				return ""
			}
			tt = *x
		}
		if tt.IsZero() {
			return ""
		}
		return tt.UTC().Format("2 January 2006 at 15:04 UTC")
	},
	"iso": func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"day": func(d pipeline.Days) string { return d.Time().Format("2 January 2006") },
	"num": num,
	"plural": func(n int, one, many string) string {
		if n == 1 {
			return "1 " + one
		}
		return num(n) + " " + many
	},
	"short":  func(id string) string { return shortID(id) },
	"period": func(p pipeline.Period) string { return p.String() },
	"quarterWords": func(p pipeline.Period) string {
		return p.Start().Format("January") + " to " + p.End().Format("January 2006")
	},
	"stateTag": stateTag,
	"title":    func(s string) string { return strings.ToUpper(s[:1]) + s[1:] },
}

// stateTag is the GOV.UK tag colour of a return state ("" for plain text,
// which the task list pattern uses for a finished task).
func stateTag(st returns.State) string {
	switch st {
	case returns.Accepted:
		return ""
	case returns.AcceptedWithWarnings:
		return "govuk-tag--yellow"
	case returns.Rejected, returns.Overdue:
		return "govuk-tag--red"
	case returns.Received:
		return "govuk-tag--light-blue"
	}
	return "govuk-tag--grey"
}

func num(n int) string {
	s := strconv.Itoa(n)
	if n < 0 {
		return "-" + num(-n)
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

func shortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

// kindTitle is a kind's name in the standard's words.
func (s *Server) kindTitle(kind string) string {
	if k := s.std.Kind(kind); k != nil && k.Title != "" {
		return k.Title
	}
	if kind == "" {
		return "Table of unknown kind"
	}
	return fmt.Sprint(kind)
}
