package web

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/carer-outcomes/carer-outcomes/pipeline/validate"
)

// maxSummaryLinks bounds the error summary: a file with 5,000 bad dates
// would otherwise open with 5,000 links; the sections below list them all.
const maxSummaryLinks = 50

// resultPage is the uploader's report as a page: an error summary linking
// to each problem, then each file's tables with their problems grouped by
// column, row by row, with how to fix each.
type resultPage struct {
	Period   string
	Headline string
	Class    string // ok, warn or bad
	Summary  []summaryLink
	More     int // problems past the summary's links
	Files    []resultFile
}

type summaryLink struct {
	Href, Text string
}

type resultFile struct {
	ID       string
	Name     string
	UploadID string
	Received time.Time
	Again    bool
	Verdict  string
	Error    string // the file could not be read
	Explain  string
	Ignored  []string
	Tables   []resultTable
}

type resultTable struct {
	ID       string
	Title    string
	Sheet    string
	Rows     int
	Accepted int
	Rejected int
	Verdict  string
	Errors   []columnGroup
	Warnings []columnGroup
}

// columnGroup is one column's problems, in row order.
type columnGroup struct {
	ID     string
	Column string // "" for problems with the whole table
	Title  string // the standard's title of the column, when it differs
	Codes  []codeNote
	Issues []resultIssue
	// Total counts the column's problems: the report lists the first few
	// of each kind of problem and counts them all.
	Total int
}

// columnTotals counts a table's issues of one severity by column, from the
// report's groups (nil for a report stored before issues were grouped,
// which lists every issue).
func columnTotals(t *validate.TableReport, severity string) map[string]int {
	if len(t.Groups) == 0 {
		return nil
	}
	out := map[string]int{}
	for _, g := range t.Groups {
		if g.Severity == severity {
			out[g.Column] += g.Count
		}
	}
	return out
}

type codeNote struct{ Code, Meaning string }

type resultIssue struct {
	ID      string
	Row     string
	Cell    string
	Value   string
	Message string
}

// uploadResult is one upload's report with what the page adds.
type uploadResult struct {
	id       string
	received time.Time
	report   *validate.Report
	again    bool // the same bytes were sent before and are in use: nothing changed
}

func (s *Server) resultPage(ups []uploadResult) *resultPage {
	p := &resultPage{}
	var accepted, problems, tables int
	meaning := func(code string) string {
		c, _ := s.std.Issue(code)
		return strings.TrimRight(c.Meaning, ". ")
	}
	for i, up := range ups {
		p.Period = up.report.Period
		for _, f := range up.report.Files {
			rf := resultFile{ID: "file-" + strconv.Itoa(i+1), Name: f.File, UploadID: up.id, Received: up.received, Again: up.again}
			if f.Error != nil {
				rf.Error = f.Error.Message
				rf.Explain = meaning(f.Error.Code)
				problems++
				p.link(rf.ID, f.File+": "+f.Error.Message)
			}
			for _, w := range f.Warnings {
				rf.Ignored = append(rf.Ignored, w.Message)
			}
			for ti, t := range f.Tables {
				tables++
				rt := resultTable{ID: rf.ID + "-table-" + strconv.Itoa(ti+1), Title: s.kindTitle(t.Kind), Sheet: t.Sheet,
					Rows: t.Rows, Accepted: t.Accepted, Rejected: t.Rejected}
				rt.Errors = s.byColumn(rt.ID+"-error", t.Errors, columnTotals(t, "error"))
				rt.Warnings = s.byColumn(rt.ID+"-warning", t.Warnings, columnTotals(t, "warning"))
				rt.Verdict = tableVerdict(t)
				accepted += t.Accepted
				where := rt.Title
				if t.Sheet != "" {
					where = "Sheet “" + t.Sheet + "”"
				}
				for _, g := range rt.Errors {
					for _, is := range g.Issues {
						p.link(is.ID, issueText(where, g, is))
					}
				}
				problems += t.Total("error")
				rf.Tables = append(rf.Tables, rt)
			}
			rf.Verdict = fileVerdict(f)
			p.Files = append(p.Files, rf)
		}
	}
	p.More = problems - len(p.Summary)
	switch {
	case problems == 0 && tables == 0:
		p.Class, p.Headline = "warn", "No table was found in your upload"
	case problems == 0:
		p.Class, p.Headline = "ok", "Your return was accepted"
	case accepted == 0:
		p.Class, p.Headline = "bad", "Nothing in your upload was accepted"
	default:
		p.Class, p.Headline = "bad", "Part of your upload was not accepted"
	}
	return p
}

func (p *resultPage) link(id, text string) {
	if len(p.Summary) < maxSummaryLinks {
		p.Summary = append(p.Summary, summaryLink{Href: "#" + id, Text: text})
	}
}

// issueText is an error summary line: where, then what to do.
func issueText(where string, g columnGroup, is resultIssue) string {
	var b strings.Builder
	b.WriteString(where)
	if is.Row != "" {
		b.WriteString(", row " + is.Row)
	}
	if g.Column != "" {
		b.WriteString(", column “" + g.Column + "”")
	}
	b.WriteString(": " + is.Message)
	return b.String()
}

// byColumn groups issues by column, the columns in the order their first
// problem appears (the order of the sheet's rows, then columns), and the
// problems with no column (the whole table) first.
func (s *Server) byColumn(prefix string, issues []validate.Issue, totals map[string]int) []columnGroup {
	var out []columnGroup
	index := map[string]int{}
	for n, is := range issues {
		col := is.Column
		if col == "" && is.Field != "" {
			col = is.Field
		}
		gi, ok := index[col]
		if !ok {
			g := columnGroup{ID: prefix + "-col-" + strconv.Itoa(len(out)+1), Column: col}
			if is.Title != "" && !strings.EqualFold(is.Title, col) {
				g.Title = is.Title
			}
			if col == "" {
				out = append([]columnGroup{g}, out...)
				for k := range index {
					index[k]++
				}
				gi = 0
			} else {
				out = append(out, g)
				gi = len(out) - 1
			}
			index[col] = gi
		}
		g := &out[gi]
		ri := resultIssue{ID: prefix + "-" + strconv.Itoa(n+1), Cell: is.Cell, Value: is.Value, Message: is.Message}
		if is.Row > 0 {
			ri.Row = strconv.Itoa(is.Row)
		}
		g.Issues = append(g.Issues, ri)
		if !containsCode(g.Codes, is.Code) {
			c, _ := s.std.Issue(is.Code)
			g.Codes = append(g.Codes, codeNote{Code: is.Code, Meaning: strings.TrimRight(c.Meaning, ". ")})
		}
	}
	for i := range out {
		out[i].Total = max(len(out[i].Issues), totals[out[i].Column])
	}
	return out
}

func containsCode(notes []codeNote, code string) bool {
	for _, n := range notes {
		if n.Code == code {
			return true
		}
	}
	return false
}

func tableVerdict(t *validate.TableReport) string {
	switch {
	case t.Accepted == 0 && len(t.Errors) > 0 && t.Rejected == 0:
		return "Not stored: there is a problem with the whole table"
	case t.Rejected > 0 && t.Accepted == 0:
		return "Not stored: every row has a problem"
	case t.Rejected > 0:
		return fmt.Sprintf("%s of %s rows accepted; %s rejected", num(t.Accepted), num(t.Rows), num(t.Rejected))
	case t.Rows == 0:
		return "No rows of data"
	case t.Total("warning") > 0:
		return fmt.Sprintf("All %s rows accepted, with warnings", num(t.Rows))
	}
	return fmt.Sprintf("All %s rows accepted", num(t.Rows))
}

func fileVerdict(f *validate.FileReport) string {
	if f.Error != nil {
		return "Not read"
	}
	rejected, accepted := 0, 0
	for _, t := range f.Tables {
		rejected += t.Rejected
		accepted += t.Accepted
		if len(t.Errors) > 0 && t.Rejected == 0 && t.Accepted == 0 {
			rejected++
		}
	}
	switch {
	case len(f.Tables) == 0:
		return "No table found"
	case rejected == 0:
		return "Accepted"
	case accepted == 0:
		return "Rejected"
	}
	return "Partly accepted"
}
