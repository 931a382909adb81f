package validate

import (
	"bufio"
	"cmp"
	"errors"
	"fmt"
	"html/template"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/pagestyle"
)

// PageMeta is what the uploader's HTML page shows that the report itself
// does not hold.
type PageMeta struct {
	// UploadID is the upload's SHA-256 in hex; "" when there is none.
	UploadID string
	// Received is when the upload arrived; zero when unknown.
	Received time.Time
	// Status is the upload's overall status as the caller words it, such as
	// "accepted", "accepted with rejected rows", "rejected" or "already
	// ingested"; "" leaves it out.
	Status string
	// Explain says in plain words what an error or warning code means,
	// normally from the standard:
	//
	//	func(code string) string { c, _ := std.Issue(code); return c.Meaning }
	//
	// When it is nil or returns "", no explanation is shown.
	Explain func(code string) string
	// TableLevel says whether a code rejects a whole table (the standard's
	// level "table"); nil treats only errors that rejected no row so.
	TableLevel func(code string) bool
}

// WriteHTML writes the report as one self-contained HTML page for the person
// who uploaded the return: what was accepted, and every problem to fix,
// located as they see it in Excel. The page has no script and makes no
// request of any kind; every value from the upload is escaped as text.
// The same report and meta always give the same bytes.
func (r *Report) WriteHTML(w io.Writer, meta PageMeta) error {
	if r == nil {
		return errors.New("write HTML report: no report")
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	if err := pageTemplate.Execute(bw, r.htmlPage(meta)); err != nil {
		return err
	}
	return bw.Flush()
}

// tableRejected reports whether the table was refused whole: an error at
// table level, or errors that rejected no row (a finance table with no row).
func tableRejected(t *TableReport, meta PageMeta) bool {
	tableLevel := func(is Issue) bool { return meta.TableLevel != nil && meta.TableLevel(is.Code) }
	return slices.ContainsFunc(t.Errors, tableLevel) || len(t.Errors) > 0 && t.Rejected == 0
}

// The page's view of the report: every string is final text, cleaned of
// characters HTML cannot hold, and escaped by the template.

type htmlPage struct {
	Title           string
	Org             string
	Period          string
	PeriodLong      string
	StandardVersion int
	UploadID        string
	UploadShort     string
	Shortened       bool
	Received        string
	ReceivedISO     string
	Status          string
	Class           string // ok, warn or bad
	Headline        string
	Facts           []string
	Todo            []string
	Files           []*htmlFile
}

type htmlFile struct {
	ID      string
	Name    string
	About   string
	Entries []htmlEntry // the summary's rows for this file
	Error   *htmlFileError
	Ignored []htmlIgnored
	Explain string // what ignored_sheet means
	Tables  []*htmlTable
}

type htmlFileError struct {
	Verdict string
	Code    string
	Explain string
}

type htmlIgnored struct {
	Sheet   string
	Message string
}

// htmlEntry is one row of the summary table: a table, an ignored sheet, or
// the whole file when it has neither (Span).
type htmlEntry struct {
	Link     string
	Sheet    string
	Kind     string
	Counts   bool
	Rows     string
	Accepted string
	Rejected string
	Errors   string
	Warnings string
	Verdict  string
	Class    string
	Span     bool
}

type htmlTable struct {
	ID       string
	Sheet    string
	Kind     string
	Verdict  string
	Class    string
	Counts   string
	Errors   []htmlGroup
	Warnings []htmlGroup
}

type htmlGroup struct {
	ID      string
	Warn    bool
	Code    string
	Count   string
	Explain string
	Issues  []htmlIssue
}

type htmlIssue struct {
	Row     string
	Column  string
	Title   string
	Cell    string
	Value   string
	Empty   string // shown instead of an empty value
	Message string
}

func (r *Report) htmlPage(meta PageMeta) *htmlPage {
	explained := map[string]string{}
	explain := func(code string) string {
		if meta.Explain == nil || code == "" {
			return ""
		}
		e, ok := explained[code]
		if !ok {
			e = clean(strings.TrimRight(strings.TrimSpace(meta.Explain(code)), ". "))
			explained[code] = e
		}
		return e
	}
	p := &htmlPage{
		Org:             clean(r.Org),
		Period:          clean(r.Period),
		StandardVersion: r.StandardVersion,
		UploadID:        clean(meta.UploadID),
		Status:          clean(meta.Status),
	}
	p.Title = "Check of the return from " + p.Org + " for " + p.Period
	if q, err := pipeline.ParsePeriod(r.Period); err == nil {
		p.PeriodLong = q.Start().Format("January") + " to " + q.End().Format("January 2006")
	}
	p.UploadShort = p.UploadID
	if n := 12; len(p.UploadShort) > n+4 {
		p.UploadShort, p.Shortened = p.UploadShort[:n], true
	}
	if !meta.Received.IsZero() {
		p.Received = meta.Received.Format("Monday 2 January 2006 at 15:04 MST")
		p.ReceivedISO = meta.Received.Format(time.RFC3339)
	}

	var acceptedRows, rejectedRows, rejectedTables, notStored, unreadable, warnings, tables int
	for fi, f := range r.Files {
		if f == nil {
			continue
		}
		hf := &htmlFile{ID: "f" + strconv.Itoa(fi+1), Name: clean(f.File), About: fileAbout(f)}
		p.Files = append(p.Files, hf)
		if f.Error != nil {
			unreadable++
			hf.Error = &htmlFileError{
				Verdict: fileVerdict(f.Error),
				Code:    clean(f.Error.Code),
				Explain: explain(f.Error.Code),
			}
			hf.Entries = append(hf.Entries, htmlEntry{Link: hf.ID, Verdict: hf.Error.Verdict, Class: "bad", Span: true})
		}
		for ti, t := range f.Tables {
			if t == nil {
				continue
			}
			tables++
			ht := &htmlTable{ID: hf.ID + "t" + strconv.Itoa(ti+1), Sheet: clean(t.Sheet), Kind: kindLabel(t.Kind, t.Sheet)}
			whole := tableRejected(t, meta)
			ht.Verdict, ht.Class = tableVerdict(t, whole)
			ht.Counts = count(t.Rows, "row", "rows") + ": " + num(t.Accepted) + " accepted, " + num(t.Rejected) + " rejected"
			ht.Errors = groups(ht.ID+"e", "error", t.Errors, t.Counts("error"), whole, explain)
			ht.Warnings = groups(ht.ID+"w", "warning", t.Warnings, t.Counts("warning"), false, explain)
			hf.Tables = append(hf.Tables, ht)
			hf.Entries = append(hf.Entries, htmlEntry{
				Link: ht.ID, Sheet: ht.Sheet, Kind: kindName(t.Kind), Counts: true,
				Rows: num(t.Rows), Accepted: num(t.Accepted), Rejected: num(t.Rejected),
				Errors: num(t.Total("error")), Warnings: num(t.Total("warning")),
				Verdict: ht.Verdict, Class: ht.Class,
			})
			acceptedRows += t.Accepted
			warnings += t.Total("warning")
			switch {
			case whole:
				notStored++
			case t.Rejected > 0:
				rejectedRows += t.Rejected
				rejectedTables++
			}
		}
		for _, fw := range f.Warnings {
			warnings++
			ig := htmlIgnored{Sheet: clean(fw.Sheet), Message: clean(fw.Message)}
			hf.Ignored = append(hf.Ignored, ig)
			hf.Explain = explain(fw.Code)
			hf.Entries = append(hf.Entries, htmlEntry{
				Link: hf.ID + "-ignored", Sheet: ig.Sheet, Kind: "not read", Counts: true,
				Rows: "—", Accepted: "—", Rejected: "—", Errors: "—", Warnings: "1",
				Verdict: "Ignored: " + ig.Message, Class: "warn",
			})
		}
		if len(hf.Entries) == 0 {
			hf.Entries = append(hf.Entries, htmlEntry{Link: hf.ID, Verdict: "No table was found in this file: nothing was stored", Class: "warn", Span: true})
		}
	}

	bad := rejectedRows > 0 || notStored > 0 || unreadable > 0
	switch {
	case len(p.Files) == 0:
		p.Class, p.Headline = "warn", "No file was uploaded"
	case bad && acceptedRows == 0:
		p.Class, p.Headline = "bad", "Nothing in this return was accepted"
	case bad:
		p.Class, p.Headline = "bad", "Part of this return was not accepted"
	case warnings > 0:
		p.Class, p.Headline = "ok", "Everything was accepted, with warnings to look at"
	default:
		p.Class, p.Headline = "ok", "Everything was accepted"
	}
	if tables > 0 {
		p.Facts = append(p.Facts, count(acceptedRows, "row was", "rows were")+" accepted.")
	}
	if rejectedRows > 0 {
		p.Facts = append(p.Facts, count(rejectedRows, "row was", "rows were")+" rejected, in "+count(rejectedTables, "table", "tables")+".")
	}
	if notStored > 0 {
		p.Facts = append(p.Facts, count(notStored, "table was", "tables were")+" not stored at all, because of a problem with the whole table.")
	}
	if unreadable > 0 {
		p.Facts = append(p.Facts, count(unreadable, "file", "files")+" could not be read.")
	}
	if warnings > 0 {
		p.Facts = append(p.Facts, count(warnings, "warning", "warnings")+": warnings did not stop anything being accepted, but are worth a look.")
	}
	if bad {
		p.Todo = append(p.Todo,
			"Fix every problem listed below in your spreadsheet, then upload the whole file again.",
			"A new upload of a table replaces the earlier one whole, so the rows accepted this time will not be counted twice.")
	}
	return p
}

func fileAbout(f *FileReport) string {
	switch f.Format {
	case "xlsx":
		return "Excel workbook"
	case "csv":
		if f.Encoding != "" {
			return "CSV file (" + clean(f.Encoding) + ")"
		}
		return "CSV file"
	}
	return clean(f.Format)
}

func kindName(kind string) string {
	if kind == "" {
		return "unknown"
	}
	return clean(kind)
}

// kindLabel names a table in a heading: "Sheet “x”: " goes before it in a
// workbook, and nothing in a CSV file, where it starts the heading.
func kindLabel(kind, sheet string) string {
	label := "table of unknown kind"
	if kind != "" {
		label = clean(kind) + " table"
	}
	if sheet == "" {
		label = strings.ToUpper(label[:1]) + label[1:]
	}
	return label
}

// tableVerdict says in a sentence what became of a table, and its class.
func tableVerdict(t *TableReport, whole bool) (string, string) {
	switch {
	case whole:
		// A table rejected whole lists only the errors that rejected it.
		list := t.Errors
		if len(list) == 1 {
			return "This table was not stored: " + clean(list[0].Message), "bad"
		}
		return "This table was not stored: it has " + count(len(list), "problem", "problems") + " listed below", "bad"
	case t.Rejected > 0 && t.Rejected == t.Rows && t.Rows == 1:
		return "The only row was rejected: fix it and upload the whole file again", "bad"
	case t.Rejected > 0 && t.Rejected == t.Rows:
		return "All " + num(t.Rows) + " rows rejected: fix them and upload the whole file again", "bad"
	case t.Rejected > 0:
		return num(t.Rejected) + " of " + count(t.Rows, "row", "rows") + " rejected: fix them and upload the whole file again", "bad"
	case t.Rows == 0:
		return "No rows of data: nothing was stored", "warn"
	case t.Rows == 1:
		return "The only row was accepted", "ok"
	}
	return "All " + num(t.Rows) + " rows accepted", "ok"
}

// groups gathers issues by code, the largest group first, as WriteText does;
// within a group the issues keep the report's order.
// groups lists a table's issues by code; counts are the totals, of which
// the report keeps only the first few of each column.
func groups(id, noun string, issues []Issue, counts map[string]int, whole bool, explain func(string) string) []htmlGroup {
	byCode := map[string][]Issue{}
	for _, is := range issues {
		byCode[is.Code] = append(byCode[is.Code], is)
	}
	codes := make([]string, 0, len(byCode))
	for c := range byCode {
		codes = append(codes, c)
	}
	slices.SortFunc(codes, func(a, b string) int {
		return cmp.Or(cmp.Compare(counts[b], counts[a]), cmp.Compare(a, b))
	})
	out := make([]htmlGroup, 0, len(codes))
	for i, c := range codes {
		list := byCode[c]
		g := htmlGroup{ID: id + strconv.Itoa(i+1), Warn: noun == "warning", Code: clean(c), Explain: explain(c), Issues: make([]htmlIssue, len(list))}
		for j, is := range list {
			hi := htmlIssue{Row: "—", Column: clean(is.Column), Cell: clean(is.Cell), Value: clean(is.Value), Message: clean(is.Message)}
			if is.Row > 0 {
				hi.Row = strconv.Itoa(is.Row)
			}
			if t := clean(is.Title); t != "" && !strings.EqualFold(t, hi.Column) {
				hi.Title = t
			}
			switch {
			case hi.Value != "":
			case whole || is.Field == "":
				// A problem with a table or a heading has no value.
				hi.Empty = "—"
			default:
				hi.Empty = "(empty)"
			}
			g.Issues[j] = hi
		}
		total := max(counts[c], len(list))
		g.Count = count(total, noun, noun+"s")
		if total > len(list) {
			g.Count += fmt.Sprintf(", of which the first %s of each column are listed", num(MaxExamples))
		}
		out = append(out, g)
	}
	return out
}

// num writes n with thousands commas.
func num(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

func count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return num(n) + " " + many
}

// clean makes an uploader's text fit to stand in an HTML page: invalid UTF-8
// becomes U+FFFD, and control characters (which HTML cannot hold) are shown
// as their Unicode pictures, so that the uploader can see them. Tabs and
// line breaks stay. Escaping is left to the template.
func clean(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if strings.IndexFunc(s, unfit) < 0 {
		return s
	}
	return strings.Map(func(r rune) rune {
		switch {
		case r == 0x7f:
			return '\u2421'
		case r < 0x20 && unfit(r):
			return 0x2400 + r
		case unfit(r):
			return '\uFFFD'
		}
		return r
	}, s)
}

func unfit(r rune) bool {
	return r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0x7f || r == 0xFFFE || r == 0xFFFF
}

// pageCSS is the shared base and then what only this page needs: the
// verdict boxes, the issue tables and the values quoted from the upload.
const pageCSS = pagestyle.Base + `
h3{font-size:1.2rem;line-height:1.3;margin:2rem 0 .5rem}
h4{font-size:1.05rem;margin:1.5rem 0 .5rem}
h5{font-size:1rem;margin:1.25rem 0 .25rem}
.v{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace;font-size:.9em;white-space:pre-wrap;overflow-wrap:anywhere;unicode-bidi:isolate;background:#f0f0f0;border:1px solid #dcdcdc;border-radius:3px;padding:0 .25em}
.id{overflow-wrap:anywhere}
.none{color:#595959;font-style:italic}
.box{border-left:6px solid;padding:.6rem 1rem;margin:1rem 0;border-radius:0 4px 4px 0}
.box p{margin:.3rem 0}
.box ul{margin:.3rem 0;padding-left:1.25rem}
.headline{font-size:1.2rem;font-weight:700}
.box.ok{background:#ebf6ee;border-color:#1e7b3a}
.box.warn{background:#fff6d9;border-color:#9a6700}
.box.bad{background:#fdeded;border-color:#b3261e}
.explain{color:#333;margin:.25rem 0 .5rem}
thead th{white-space:nowrap}
.n{white-space:nowrap}
td.ok{color:#17612c}
td.warn{color:#6b4700}
td.bad{color:#a1140c}
td.ok,td.warn,td.bad{font-weight:600}
.issues{table-layout:fixed;min-width:46rem}
.issues .c-row{width:4.5rem}
.issues .c-col{width:22%}
.issues .c-cell{width:4.5rem}
.issues .c-val{width:22%}
.issues.sheets{min-width:30rem}
.issues.sheets .c-col{width:30%}
.issues tbody tr:nth-child(even){background:#f7f7f7}
.issues.warnings thead th{background:#fbf0cf}
.group{margin:0 0 1.5rem}
.back{font-size:.9rem}
@media (max-width:40rem){
dl.meta dd{margin-bottom:.4rem}
}
@media print{
.issues,.issues.sheets{min-width:0}
.box,.explain{break-inside:avoid;page-break-inside:avoid}
h3,h4,h5{break-after:avoid;page-break-after:avoid}
.back{display:none}
.box,.v,.issues tbody tr{-webkit-print-color-adjust:exact;print-color-adjust:exact}
}
`

const pageHTML = `<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'">
<meta name="referrer" content="no-referrer">
<title>{{.Title}}</title>
<style>/*css*/</style>
</head>
<body>
<div class="page">
<header>
<p class="eyebrow">Check of a quarterly data return against the consortium data standard</p>
<h1>Return from {{.Org}} for {{.Period}}</h1>
<dl class="meta">
<dt>Organisation</dt><dd>{{.Org}}</dd>
<dt>Quarter</dt><dd>{{.Period}}{{with .PeriodLong}} ({{.}}){{end}}</dd>
{{- with .UploadShort}}
<dt>Upload id</dt><dd><code title="{{$.UploadID}}">{{.}}</code>{{if $.Shortened}} <span class="muted">(<a href="#upload-id">full id</a> at the end of this page)</span>{{end}}</dd>
{{- end}}
{{- with .Received}}
<dt>Received</dt><dd><time datetime="{{$.ReceivedISO}}">{{.}}</time></dd>
{{- end}}
{{- with .Status}}
<dt>Status</dt><dd><strong>{{.}}</strong></dd>
{{- end}}
<dt>Checked against</dt><dd>data standard version {{.StandardVersion}}</dd>
</dl>
</header>
<main>
<section aria-labelledby="summary">
<h2 id="summary">Summary</h2>
<div class="box {{.Class}}">
<p class="headline">{{.Headline}}</p>
{{- if .Facts}}
<ul>
{{- range .Facts}}
<li>{{.}}</li>
{{- end}}
</ul>
{{- end}}
{{- range .Todo}}
<p>{{.}}</p>
{{- end}}
</div>
{{- if .Files}}
<div class="scroll" role="region" aria-labelledby="summary-caption" tabindex="0">
<table class="summary">
<caption id="summary-caption">Each file and table</caption>
<thead><tr><th scope="col">File</th><th scope="col">Sheet</th><th scope="col">Table</th><th scope="col" class="n">Rows</th><th scope="col" class="n">Accepted</th><th scope="col" class="n">Rejected</th><th scope="col" class="n">Errors</th><th scope="col" class="n">Warnings</th><th scope="col">Result</th></tr></thead>
{{- range $f := .Files}}
<tbody>
{{- range $i, $e := .Entries}}
<tr>
{{- if eq $i 0}}<th scope="rowgroup"{{if gt (len $f.Entries) 1}} rowspan="{{len $f.Entries}}"{{end}}><a href="#{{$f.ID}}">{{$f.Name}}</a></th>{{end}}
{{- if .Span}}<td colspan="8" class="{{.Class}}">{{.Verdict}}</td>
{{- else}}<td>{{if .Sheet}}{{.Sheet}}{{else}}<span class="muted">—</span>{{end}}</td><th scope="row"><a href="#{{.Link}}">{{.Kind}}</a></th><td class="n">{{.Rows}}</td><td class="n">{{.Accepted}}</td><td class="n">{{.Rejected}}</td><td class="n">{{.Errors}}</td><td class="n">{{.Warnings}}</td><td class="{{.Class}}">{{.Verdict}}</td>
{{- end}}</tr>
{{- end}}
</tbody>
{{- end}}
</table>
</div>
{{- else}}
<p>The upload held no file.</p>
{{- end}}
</section>
{{- range .Files}}
<section id="{{.ID}}" aria-labelledby="{{.ID}}-h">
<h2 id="{{.ID}}-h">File “<bdi>{{.Name}}</bdi>”</h2>
{{- with .About}}
<p class="muted">{{.}}</p>
{{- end}}
{{- with .Error}}
<div class="box bad">
<p><strong>{{.Verdict}}</strong></p>
<p>Nothing from this file was stored.</p>
<p class="explain">Code <code>{{.Code}}</code>{{with .Explain}}: {{.}}.{{end}}</p>
</div>
{{- end}}
{{- range .Tables}}
<section id="{{.ID}}" aria-labelledby="{{.ID}}-h">
<h3 id="{{.ID}}-h">{{if .Sheet}}Sheet “<bdi>{{.Sheet}}</bdi>”: {{end}}{{.Kind}}</h3>
<div class="box {{.Class}}">
<p><strong>{{.Verdict}}</strong></p>
<p>{{.Counts}}.</p>
</div>
{{- if .Errors}}
<h4>Errors to fix</h4>
{{- range .Errors}}
{{template "group" .}}
{{- end}}
{{- end}}
{{- if .Warnings}}
<h4>Warnings: these did not stop any row being accepted</h4>
{{- range .Warnings}}
{{template "group" .}}
{{- end}}
{{- end}}
<p class="back"><a href="#summary">Back to the summary</a></p>
</section>
{{- end}}
{{- if .Ignored}}
<section id="{{.ID}}-ignored" aria-labelledby="{{.ID}}-ignored-h">
<h3 id="{{.ID}}-ignored-h">Sheets not read</h3>
<p>Warning: these sheets were skipped. This did not stop anything else in the file being accepted.</p>
{{- with .Explain}}
<p class="explain">What this means: {{.}}.</p>
{{- end}}
<div class="scroll" role="region" aria-labelledby="{{.ID}}-ignored-h" tabindex="0">
<table class="issues sheets warnings">
<thead><tr><th scope="col" class="c-col">Sheet</th><th scope="col">What happened</th></tr></thead>
<tbody>
{{- range .Ignored}}
<tr><th scope="row"><span class="v">{{.Sheet}}</span></th><td>{{.Message}}</td></tr>
{{- end}}
</tbody>
</table>
</div>
</section>
{{- end}}
</section>
{{- end}}
</main>
<footer>
<h2 id="about">About this report</h2>
{{- with .UploadID}}
<p id="upload-id">Upload id (SHA-256 of the upload): <code class="id">{{.}}</code>. Quote it if you ask about this upload.</p>
{{- end}}
<p>Row numbers and cells (such as B7) are as Excel shows them; the header is row 1 when it is the first row. Values are shown as written in the file, without surrounding spaces; long values are cut short with “…”, and a value that starts like a spreadsheet formula is shown with a ' in front.</p>
</footer>
</div>
</body>
</html>
{{define "group" -}}
<div class="group">
<h5 id="{{.ID}}"><code>{{.Code}}</code>: {{.Count}}</h5>
{{- with .Explain}}
<p class="explain">What this means: {{.}}.</p>
{{- end}}
<div class="scroll" role="region" aria-labelledby="{{.ID}}" tabindex="0">
<table class="issues{{if .Warn}} warnings{{end}}">
<thead><tr><th scope="col" class="n c-row">Row</th><th scope="col" class="c-col">Column</th><th scope="col" class="c-cell">Cell</th><th scope="col" class="c-val">Value</th><th scope="col">What is wrong and how to fix it</th></tr></thead>
<tbody>
{{- range .Issues}}
<tr><th scope="row" class="n">{{.Row}}</th><td>{{if .Column}}{{.Column}}{{else}}<span class="muted">—</span>{{end}}{{with .Title}} <span class="muted">({{.}})</span>{{end}}</td><td>{{if .Cell}}{{.Cell}}{{else}}<span class="muted">—</span>{{end}}</td><td>{{if .Value}}<span class="v">{{.Value}}</span>{{else}}<span class="none">{{.Empty}}</span>{{end}}</td><td>{{.Message}}</td></tr>
{{- end}}
</tbody>
</table>
</div>
</div>
{{- end}}`

var pageTemplate = template.Must(template.New("page").Parse(strings.Replace(pageHTML, "/*css*/", pageCSS, 1)))

// fileVerdict is the headline for a file with a file-level error.
func fileVerdict(e *FileIssue) string {
	if e.Code == NoTable {
		return "No table was found in this file: " + clean(e.Message)
	}
	return "This file could not be read: " + clean(e.Message)
}
