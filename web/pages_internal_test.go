package web

import (
	"errors"
	"strings"
	"testing"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/ingest"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard/standardtest"
	"github.com/carer-outcomes/carer-outcomes/pipeline/validate"
)

func TestRedacted_Error(t *testing.T) {
	cause := pipeline.Errorf(pipeline.Transient, "commit carers of Smith family.csv: store: timeout")
	err := redacted{cause, []ingest.File{{Name: "other.xlsx"}, {Name: "Smith family.csv"}}}
	if got := err.Error(); strings.Contains(got, "Smith") || got != "commit carers of file 2: store: timeout" {
		t.Errorf("Error() = %q", got)
	}
	if !errors.Is(err, cause) || pipeline.KindOf(err) != pipeline.Transient {
		t.Errorf("the cause and its kind are lost: %v", pipeline.KindOf(err))
	}
}

func TestServer_ResultPage_SummaryBounded(t *testing.T) {
	s := &Server{std: standardtest.Load(t)}
	var issues []validate.Issue
	for row := 2; row < 122; row++ {
		col := "registration_date"
		if row%2 == 0 {
			col = "gender"
		}
		issues = append(issues, validate.Issue{Row: row, Column: col, Field: col, Code: "bad_date", Message: "fix it"})
	}
	issues = append(issues, validate.Issue{Code: "missing_column", Message: "add the column"}) // no column: the whole table
	rep := &validate.Report{Period: "2026-Q3", Files: []*validate.FileReport{{File: "a.csv", Tables: []*validate.TableReport{
		{Kind: "carers", Rows: 120, Accepted: 0, Rejected: 120, Errors: issues},
	}}}}
	p := s.resultPage([]uploadResult{{id: strings.Repeat("a", 64), report: rep}})
	if len(p.Summary) != maxSummaryLinks || p.More != 121-maxSummaryLinks {
		t.Errorf("summary of %d links and %d more, want %d and %d", len(p.Summary), p.More, maxSummaryLinks, 121-maxSummaryLinks)
	}
	groups := p.Files[0].Tables[0].Errors
	if len(groups) != 3 || groups[0].Column != "" || groups[1].Column != "gender" || groups[2].Column != "registration_date" {
		t.Fatalf("groups %+v, want the whole table's first, then by the column's first row", groups)
	}
	if len(groups[1].Issues) != 60 || groups[1].Issues[0].Row != "2" || groups[2].Issues[0].Row != "3" {
		t.Errorf("gender has %d problems from row %s; registration_date from row %s", len(groups[1].Issues), groups[1].Issues[0].Row, groups[2].Issues[0].Row)
	}
	// Every summary link points at a row that the page has.
	ids := map[string]bool{}
	for _, g := range groups {
		for _, is := range g.Issues {
			ids["#"+is.ID] = true
		}
	}
	for _, l := range p.Summary {
		if !ids[l.Href] {
			t.Errorf("summary link %s goes nowhere", l.Href)
		}
	}
	if p.Headline != "Nothing in your upload was accepted" {
		t.Errorf("headline %q", p.Headline)
	}
}

// A report lists the first few issues of a group and counts them all: the
// page says how many there are, not how many are listed.
func TestServer_ResultPage_CountsBeyondTheListed(t *testing.T) {
	s := &Server{std: standardtest.Load(t)}
	var listed []validate.Issue
	for row := 2; row < 2+validate.MaxExamples; row++ {
		listed = append(listed, validate.Issue{Row: row, Column: "gender", Field: "gender", Code: "unknown_code", Message: "use a code"})
	}
	rep := &validate.Report{Period: "2026-Q3", Files: []*validate.FileReport{{File: "a.csv", Tables: []*validate.TableReport{{
		Kind: "carers", Rows: 600, Accepted: 100, Rejected: 500, Errors: listed,
		Groups: []validate.IssueGroup{{Severity: "error", Column: "gender", Field: "gender", Code: "unknown_code", Count: 500}},
	}}}}}
	p := s.resultPage([]uploadResult{{id: strings.Repeat("b", 64), report: rep}})
	g := p.Files[0].Tables[0].Errors
	if len(g) != 1 || g[0].Total != 500 || len(g[0].Issues) != validate.MaxExamples {
		t.Fatalf("groups %+v, want one of 500 problems with %d listed", g, validate.MaxExamples)
	}
	if len(p.Summary) != validate.MaxExamples || p.More != 500-validate.MaxExamples {
		t.Errorf("summary of %d links and %d more, want %d and %d", len(p.Summary), p.More, validate.MaxExamples, 500-validate.MaxExamples)
	}
}
