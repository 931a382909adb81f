package validate_test

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/carer-outcomes/carer-outcomes/pipeline/pagestyle"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard/standardtest"
	"github.com/carer-outcomes/carer-outcomes/pipeline/validate"
)

const (
	htmlScript = `<script>alert(1)</script>`
	htmlImg    = `"><img src=x onerror=alert(1)>`
)

// htmlSampleReport is a realistic report with one of everything: a clean
// CSV table, a sheet with row errors and warnings, a sheet rejected whole,
// an ignored sheet, an unreadable file, and hostile names and values.
func htmlSampleReport() *validate.Report {
	return &validate.Report{
		Org: "LEEDS-CC", Period: "2026-Q3", StandardVersion: 1,
		Files: []*validate.FileReport{
			{
				File: "support.csv", Format: "csv", Encoding: "utf-8-bom",
				Tables: []*validate.TableReport{{Kind: "support", Rows: 120, Accepted: 120, Errors: []validate.Issue{}, Warnings: []validate.Issue{}}},
			},
			{
				File: "return Q3.xlsx", Format: "xlsx",
				Warnings: []validate.FileIssue{{Code: "ignored_sheet", Sheet: htmlScript,
					Message: `sheet "<script>alert(1)</script>" is not named after a kind of table (carers, support, outcomes, followups, finance): it was not read`}},
				Tables: []*validate.TableReport{
					{
						Kind: "followups", Sheet: "Followups", Rows: 120, Accepted: 116, Rejected: 4,
						Errors: []validate.Issue{
							{Row: 7, Column: "Survey date", Field: "survey_date", Title: "Date of survey", Cell: "B7", Value: "07/31/2026", Code: "invalid_date",
								Message: "there is no such month: dates are written day first, as DD/MM/YYYY (for example 31/07/2026 for 31 July)"},
							{Row: 12, Column: "Wave", Field: "wave", Title: "Survey wave", Cell: "C12", Value: "W12", Code: "unknown_code",
								Message: "Survey wave must be one of BASELINE, W13, W26, W52, W104"},
							{Row: 40, Column: "Survey date", Field: "survey_date", Title: "Date of survey", Cell: "B40", Value: "31/12/2026", Code: "date_out_of_range",
								Message: "Date of survey is after the end of the quarter (30/09/2026): check the date"},
							{Row: 55, Column: "Employment status", Field: "employment_status", Title: "Employment status now", Cell: "D55", Value: htmlScript, Code: "unknown_code",
								Message: "Employment status now must be one of EMPLOYED_FT, EMPLOYED_PT, SELF_EMPLOYED, or their labels in the data dictionary"},
							{Row: 61, Column: "Employment status", Field: "employment_status", Title: "Employment status now", Cell: "D61", Value: "", Code: "required",
								Message: "Employment status now is required: fill it in"},
						},
						Warnings: []validate.Issue{
							{Row: 9, Column: "SWEMWBS 3", Field: "swemwbs_3", Title: "SWEMWBS item 3", Cell: "J9", Code: "incomplete_group",
								Message: "only some of the seven SWEMWBS items are filled in: the response was kept, but gets no SWEMWBS score"},
							{Row: 14, Column: "Notes", Cell: "Q14", Value: `'=HYPERLINK("x")`, Code: "formula_neutralised",
								Message: "this cell starts like a spreadsheet formula: it was kept as text"},
						},
					},
					{
						Kind: "carers", Sheet: "carers", Rows: 45, Accepted: 0, Rejected: 45,
						Errors: []validate.Issue{
							{Row: 1, Column: "Date registered", Field: "registration_date", Title: "Date registered", Code: "missing_column",
								Message: `the required column "Date registered" (registration_date) is missing: add it to the header row`},
						},
						Warnings: []validate.Issue{
							{Row: 1, Column: htmlImg, Cell: "P1", Code: "unknown_column",
								Message: `"\"><img src=x onerror=alert(1)>" is not a column of the carers table: it was ignored and not stored`},
						},
					},
				},
			},
			{
				File:   "photo.csv",
				Error:  &validate.FileIssue{Code: "unreadable_file", Message: "the file is not text: save it from Excel as CSV UTF-8 (comma delimited)"},
				Tables: []*validate.TableReport{},
			},
		},
	}
}

func htmlSampleMeta(tb testing.TB) validate.PageMeta {
	std := standardtest.Load(tb)
	return validate.PageMeta{
		UploadID: "3f2a9c1b0d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8",
		Received: time.Date(2026, 10, 3, 14, 5, 0, 0, time.UTC),
		Status:   "accepted with rejected rows",
		Explain: func(code string) string {
			c, _ := std.Issue(code)
			return c.Meaning
		},
		TableLevel: func(code string) bool {
			c, _ := std.Issue(code)
			return c.Level == "table"
		},
	}
}

func htmlWrite(tb testing.TB, r *validate.Report, meta validate.PageMeta) string {
	tb.Helper()
	var b bytes.Buffer
	if err := r.WriteHTML(&b, meta); err != nil {
		tb.Fatalf("WriteHTML: %v", err)
	}
	return b.String()
}

// htmlDoc is a page as a reader sees it: its text, its table rows and its
// elements, read with encoding/xml in its HTML mode.
type htmlDoc struct {
	text     string     // all text outside <style>, entities decoded
	rows     [][]string // every <tr>'s cells' text
	elements map[string]int
	attrs    []xml.Attr
}

func htmlParse(tb testing.TB, page string) htmlDoc {
	tb.Helper()
	d := xml.NewDecoder(strings.NewReader(page))
	d.Strict, d.AutoClose, d.Entity = false, xml.HTMLAutoClose, xml.HTMLEntity
	doc := htmlDoc{elements: map[string]int{}}
	var text strings.Builder
	var stack []string
	var row []string
	var cell *strings.Builder
	inStyle := false
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			tb.Fatalf("the page does not tokenise: %v", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			name := strings.ToLower(t.Name.Local)
			stack = append(stack, name)
			doc.elements[name]++
			doc.attrs = append(doc.attrs, t.Attr...)
			switch name {
			case "style":
				inStyle = true
			case "tr":
				row = []string{}
			case "td", "th":
				cell = &strings.Builder{}
			}
		case xml.EndElement:
			name := strings.ToLower(t.Name.Local)
			if len(stack) == 0 || stack[len(stack)-1] != name {
				tb.Fatalf("</%s> closes <%s>", name, strings.Join(stack, "><"))
			}
			stack = stack[:len(stack)-1]
			switch name {
			case "style":
				inStyle = false
			case "td", "th":
				if cell != nil {
					row = append(row, strings.TrimSpace(cell.String()))
					cell = nil
				}
			case "tr":
				doc.rows = append(doc.rows, row)
			}
		case xml.CharData:
			if inStyle {
				continue
			}
			text.Write(t)
			if cell != nil {
				cell.Write(t)
			}
		}
	}
	if len(stack) > 0 {
		tb.Fatalf("unclosed elements at the end: %v", stack)
	}
	doc.text = strings.Join(strings.Fields(text.String()), " ")
	return doc
}

// hasRow reports whether the page lists the issue in a table row of its own.
func (d htmlDoc) hasRow(is validate.Issue) bool {
	want := []string{strconv.Itoa(is.Row), is.Column, is.Cell, is.Value, is.Message}
	if is.Cell == "" {
		want[2] = "—"
	}
	for _, r := range d.rows {
		if len(r) != 5 || r[0] != want[0] || !strings.HasPrefix(r[1], want[1]) || r[2] != want[2] || r[4] != want[4] {
			continue
		}
		if r[3] == want[3] || want[3] == "" && (r[3] == "(empty)" || r[3] == "—") {
			return true
		}
	}
	return false
}

func TestWriteHTML_Sample(t *testing.T) {
	r := htmlSampleReport()
	meta := htmlSampleMeta(t)
	page := htmlWrite(t, r, meta)
	if path := os.Getenv("VALIDATE_HTML_SAMPLE"); path != "" {
		if err := os.WriteFile(path, []byte(page), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	doc := htmlParse(t, page)

	for _, want := range []string{
		"Return from LEEDS-CC for 2026-Q3",
		"2026-Q3 (July to September 2026)",
		"3f2a9c1b0d4e",
		meta.UploadID,
		"Saturday 3 October 2026 at 14:05 UTC",
		"accepted with rejected rows",
		"Part of this return was not accepted",
		"4 rows were rejected, in 1 table.",
		"1 table was not stored at all",
		"1 file could not be read.",
		"upload the whole file again",
		// the verdicts
		"All 120 rows accepted",
		"4 of 120 rows rejected: fix them and upload the whole file again",
		`This table was not stored: the required column "Date registered" (registration_date) is missing: add it to the header row`,
		"This file could not be read: the file is not text: save it from Excel as CSV UTF-8 (comma delimited)",
		`Ignored: sheet "<script>alert(1)</script>" is not named after a kind of table`,
		"Warnings: these did not stop any row being accepted",
	} {
		if !strings.Contains(doc.text, want) {
			t.Errorf("the page does not say %q", want)
		}
	}
	for _, f := range r.Files {
		for _, tr := range f.Tables {
			for _, is := range append(append([]validate.Issue{}, tr.Errors...), tr.Warnings...) {
				if !doc.hasRow(is) {
					t.Errorf("no table row for the %s issue at row %d, %q", is.Code, is.Row, is.Column)
				}
				if want := "What this means: " + meta.Explain(is.Code) + "."; !strings.Contains(doc.text, want) {
					t.Errorf("the explanation of %s is missing: want %q", is.Code, want)
				}
			}
		}
	}
	for _, code := range []string{"unreadable_file", "ignored_sheet"} {
		if !strings.Contains(doc.text, meta.Explain(code)) {
			t.Errorf("the explanation of %s is missing", code)
		}
	}
	// Every summary row: file, sheet, table, rows, accepted, rejected,
	// errors, warnings, result.
	for _, want := range [][]string{
		{"support.csv", "—", "support", "120", "120", "0", "0", "0", "All 120 rows accepted"},
		{"return Q3.xlsx", "Followups", "followups", "120", "116", "4", "5", "2", "4 of 120 rows rejected: fix them and upload the whole file again"},
		{"carers", "carers", "45", "0", "45", "1", "1"},
		{htmlScript, "not read", "—", "—", "—", "—", "1"},
		{"photo.csv", "This file could not be read: the file is not text: save it from Excel as CSV UTF-8 (comma delimited)"},
	} {
		found := false
		for _, row := range doc.rows {
			if len(row) >= len(want) && strings.Join(row[:len(want)], "|") == strings.Join(want, "|") {
				found = true
			}
		}
		if !found {
			t.Errorf("no summary row starting %q", want)
		}
	}
}

func TestWriteHTML_Verdicts(t *testing.T) {
	table := func(tr *validate.TableReport) *validate.Report {
		return &validate.Report{Org: "TEST-ORG", Period: "2026-Q3", StandardVersion: 1,
			Files: []*validate.FileReport{{File: "t.csv", Format: "csv", Tables: []*validate.TableReport{tr}}}}
	}
	rowErr := func(row int) validate.Issue {
		return validate.Issue{Row: row, Column: "Date of support", Cell: fmt.Sprintf("B%d", row), Value: "32/01/2026", Code: "invalid_date", Message: "there is no such day: check the day and the month"}
	}
	for _, tc := range []struct {
		name     string
		report   *validate.Report
		verdict  string
		headline string
	}{
		{"clean", table(&validate.TableReport{Kind: "support", Rows: 1234, Accepted: 1234}),
			"All 1,234 rows accepted", "Everything was accepted"},
		{"one row", table(&validate.TableReport{Kind: "finance", Rows: 1, Accepted: 1}),
			"The only row was accepted", "Everything was accepted"},
		{"warnings only", table(&validate.TableReport{Kind: "support", Rows: 2, Accepted: 2, Warnings: []validate.Issue{{Row: 1, Column: "Colour", Cell: "G1", Code: "unknown_column", Message: "ignored"}}}),
			"All 2 rows accepted", "Everything was accepted, with warnings to look at"},
		{"some rows", table(&validate.TableReport{Kind: "support", Rows: 120, Accepted: 117, Rejected: 3, Errors: []validate.Issue{rowErr(3), rowErr(4), rowErr(9)}}),
			"3 of 120 rows rejected: fix them and upload the whole file again", "Part of this return was not accepted"},
		{"every row", table(&validate.TableReport{Kind: "support", Rows: 2, Rejected: 2, Errors: []validate.Issue{rowErr(2), rowErr(3)}}),
			"All 2 rows rejected: fix them and upload the whole file again", "Nothing in this return was accepted"},
		{"the only row", table(&validate.TableReport{Kind: "support", Rows: 1, Rejected: 1, Errors: []validate.Issue{rowErr(2)}}),
			"The only row was rejected: fix it and upload the whole file again", "Nothing in this return was accepted"},
		{"unknown table", table(&validate.TableReport{Rows: 5, Rejected: 5, Errors: []validate.Issue{{Row: 1, Code: "unknown_table", Message: "the columns match no kind of table"}}}),
			"This table was not stored: the columns match no kind of table", "Nothing in this return was accepted"},
		{"two table errors", table(&validate.TableReport{Kind: "carers", Rows: 5, Rejected: 5, Errors: []validate.Issue{
			{Row: 1, Column: "Name", Cell: "C1", Code: "personal_data_column", Message: `"Name" looks like personal data`},
			{Row: 1, Column: "Date registered", Code: "missing_column", Message: "the required column is missing"}}}),
			"This table was not stored: it has 2 problems listed below", "Nothing in this return was accepted"},
		{"finance with no row", table(&validate.TableReport{Kind: "finance", Errors: []validate.Issue{{Row: 1, Code: "required", Message: "the finance table has no row: fill in one row for the quarter"}}}),
			"This table was not stored: the finance table has no row: fill in one row for the quarter", "Nothing in this return was accepted"},
		{"unreadable file", &validate.Report{Org: "TEST-ORG", Period: "2026-Q3", Files: []*validate.FileReport{{File: "x.xls", Tables: []*validate.TableReport{},
			Error: &validate.FileIssue{Code: "unreadable_file", Message: "this is an old .xls workbook: save it as .xlsx"}}}},
			"This file could not be read: this is an old .xls workbook: save it as .xlsx", "Nothing in this return was accepted"},
		{"ignored sheet", &validate.Report{Org: "TEST-ORG", Period: "2026-Q3", Files: []*validate.FileReport{{File: "r.xlsx", Format: "xlsx", Tables: []*validate.TableReport{},
			Warnings: []validate.FileIssue{{Code: "ignored_sheet", Sheet: "Notes", Message: `sheet "Notes" is not named after a kind of table: it was not read`}}}}},
			`Ignored: sheet "Notes" is not named after a kind of table: it was not read`, "Everything was accepted, with warnings to look at"},
		{"no file", &validate.Report{Org: "TEST-ORG", Period: "2026-Q3"}, "The upload held no file.", "No file was uploaded"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			meta := validate.PageMeta{TableLevel: htmlSampleMeta(t).TableLevel}
			doc := htmlParse(t, htmlWrite(t, tc.report, meta))
			for _, want := range []string{tc.verdict, tc.headline} {
				if !strings.Contains(doc.text, want) {
					t.Errorf("the page does not say %q:\n%s", want, doc.text)
				}
			}
			for _, f := range tc.report.Files {
				for _, tr := range f.Tables {
					for _, is := range append(append([]validate.Issue{}, tr.Errors...), tr.Warnings...) {
						if !doc.hasRow(is) {
							t.Errorf("no table row for the %s issue at row %d", is.Code, is.Row)
						}
					}
				}
			}
			if strings.Contains(doc.text, "What this means") {
				t.Error("an explanation is shown without Explain")
			}
		})
	}
}

func TestWriteHTML_Escapes(t *testing.T) {
	hostile := []string{
		htmlScript,
		htmlImg,
		`<a href="https://evil.example/">x</a>`,
		`</td></tr></table><iframe src="//evil.example">`,
		`'=HYPERLINK("https://evil.example","click")`,
		"control\x01\x1b\x7fchars",
		"bidi \u202eevil\u202c",
		"bad utf-8 \xff\xfe",
		"&amp; &lt;b&gt; {{.Org}}",
	}
	var errs []validate.Issue
	for i, v := range hostile {
		errs = append(errs, validate.Issue{Row: i + 2, Column: v, Title: v, Cell: fmt.Sprintf("A%d", i+2), Value: v, Code: "unknown_code", Message: "bad: " + v})
	}
	r := &validate.Report{Org: "TEST-ORG", Period: "2026-Q3", Files: []*validate.FileReport{{
		File: htmlImg + ".xlsx", Format: "xlsx",
		Warnings: []validate.FileIssue{{Code: htmlScript, Sheet: htmlScript, Message: htmlScript}},
		Tables: []*validate.TableReport{{Kind: htmlScript, Sheet: htmlImg, Rows: len(hostile), Rejected: len(hostile), Errors: errs,
			Warnings: []validate.Issue{{Row: 1, Column: htmlScript, Cell: "Z1", Code: htmlImg, Message: htmlImg}}}},
	}}}
	page := htmlWrite(t, r, validate.PageMeta{UploadID: htmlImg, Status: htmlScript, Explain: func(string) string { return htmlScript }})
	doc := htmlParse(t, page)

	lower := strings.ToLower(page)
	for _, bad := range []string{"<script", "<img", "<iframe", "<a href=\"https", "<link", "<object", "<embed", "<form", "<base", "onerror=alert", "url(", "@import"} {
		if i := strings.Index(lower, bad); i >= 0 && !(bad == "onerror=alert" && htmlEscapedAt(page, i)) {
			t.Errorf("the page holds %q unescaped: …%s…", bad, page[max(0, i-60):min(len(page), i+60)])
		}
	}
	if !strings.Contains(page, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Error("the page does not hold the escaped <script> value")
	}
	if n := doc.elements["script"] + doc.elements["img"] + doc.elements["iframe"]; n != 0 {
		t.Errorf("%d script, img or iframe elements", n)
	}
	htmlCheckAttrs(t, doc)
	// Each hostile value is shown as text, as the uploader wrote it (with
	// control characters made visible).
	for _, v := range []string{htmlScript, htmlImg, `<a href="https://evil.example/">x</a>`, `'=HYPERLINK("https://evil.example","click")`, "control␁␛␡chars", "bad utf-8 \uFFFD", "&amp; &lt;b&gt; {{.Org}}"} {
		if !strings.Contains(doc.text, v) {
			t.Errorf("the value %q is not shown as text", v)
		}
	}
}

// htmlEscapedAt reports whether the match at i is inside an escaped value
// (after &lt; or &#34;), as a harmless text can be.
func htmlEscapedAt(page string, i int) bool {
	before := page[max(0, i-40):i]
	return strings.Contains(before, "&lt;") || strings.Contains(before, "&#34;")
}

// htmlCheckAttrs checks that nothing on the page points anywhere but at the
// page itself.
func htmlCheckAttrs(t *testing.T, doc htmlDoc) {
	t.Helper()
	for _, a := range doc.attrs {
		name := strings.ToLower(a.Name.Local)
		switch {
		case name == "src" || name == "srcset" || name == "action" || name == "style" || strings.HasPrefix(name, "on"):
			t.Errorf("attribute %s=%q", name, a.Value)
		case name == "href" && !strings.HasPrefix(a.Value, "#"):
			t.Errorf("link to %q", a.Value)
		case strings.Contains(strings.ToLower(a.Value), "http:") || strings.Contains(strings.ToLower(a.Value), "https:"):
			t.Errorf("attribute %s=%q names a URL", name, a.Value)
		}
	}
}

func TestWriteHTML_SelfContained(t *testing.T) {
	page := htmlWrite(t, htmlSampleReport(), htmlSampleMeta(t))
	doc := htmlParse(t, page)
	for _, bad := range []string{"http://", "https://", "<script", "<link", "url(", "@import", "@font-face", " style="} {
		if strings.Contains(strings.ToLower(page), bad) {
			t.Errorf("the page holds %q", bad)
		}
	}
	htmlCheckAttrs(t, doc)
	for _, want := range []string{
		`<html lang="en-GB">`,
		`<meta name="viewport" content="width=device-width, initial-scale=1">`,
		"default-src 'none'",
		"@media print",
		"break-inside:avoid",
		`<th scope="col"`,
		`<th scope="row"`,
		`<div class="scroll"`,
		"<h1>", "<h2", "<h3", "<h4>", "<h5",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
}

func TestWriteHTML_SharedStyle(t *testing.T) {
	// The page must look like the quarterly report, so its style element
	// starts with the shared base and adds only this page's own rules.
	for _, tc := range []struct {
		name string
		r    *validate.Report
		meta validate.PageMeta
	}{
		{"sample report", htmlSampleReport(), htmlSampleMeta(t)},
		{"empty report", &validate.Report{Org: "TEST-ORG", Period: "2026-Q3"}, validate.PageMeta{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			page := htmlWrite(t, tc.r, tc.meta)
			_, rest, ok := strings.Cut(page, "<style>")
			css, _, closed := strings.Cut(rest, "</style>")
			if !ok || !closed {
				t.Fatal("the page has no style element")
			}
			if !strings.HasPrefix(css, pagestyle.Base) {
				t.Error("the style element does not start with the shared base")
			}
			if n := strings.Count(page, pagestyle.Base); n != 1 {
				t.Errorf("the shared base is on the page %d times, want once", n)
			}
			// The page's own rules: the verdict boxes and the issue tables.
			for _, want := range []string{".box.bad{", ".issues{", ".v{"} {
				if !strings.Contains(strings.TrimPrefix(css, pagestyle.Base), want) {
					t.Errorf("the page's own rules lack %q", want)
				}
			}
		})
	}
}

func TestWriteHTML_Deterministic(t *testing.T) {
	meta := htmlSampleMeta(t)
	first := htmlWrite(t, htmlSampleReport(), meta)
	for range 5 {
		if again := htmlWrite(t, htmlSampleReport(), meta); again != first {
			t.Fatal("two pages for the same report differ")
		}
	}
}

func TestWriteHTML_Large(t *testing.T) {
	const n = 1500
	codes := []string{"invalid_date", "unknown_code", "required", "out_of_range", "invalid_number"}
	tr := &validate.TableReport{Kind: "support", Rows: n + 10, Accepted: 10, Rejected: n}
	for i := range n {
		tr.Errors = append(tr.Errors, validate.Issue{Row: i + 2, Column: "Date of support", Cell: fmt.Sprintf("B%d", i+2),
			Value: fmt.Sprintf("v%d", i), Code: codes[i%len(codes)], Message: "a problem to fix"})
	}
	r := &validate.Report{Org: "TEST-ORG", Period: "2026-Q3", Files: []*validate.FileReport{{File: "big.csv", Format: "csv", Tables: []*validate.TableReport{tr}}}}
	page := htmlWrite(t, r, validate.PageMeta{})
	doc := htmlParse(t, page)
	listed := 0
	for _, row := range doc.rows {
		if len(row) == 5 && strings.HasPrefix(row[3], "v") {
			listed++
		}
	}
	if listed != n {
		t.Errorf("%d issues listed, want all %d", listed, n)
	}
	if !strings.Contains(doc.text, "1,500 of 1,510 rows rejected") {
		t.Error("the verdict is missing")
	}
	if per := len(page) / n; per > 400 {
		t.Errorf("%d bytes of HTML per issue: keep the page lean", per)
	}
}

type htmlFailWriter struct{}

func (htmlFailWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWriteHTML_Errors(t *testing.T) {
	if err := htmlSampleReport().WriteHTML(htmlFailWriter{}, validate.PageMeta{}); err == nil {
		t.Error("a failing writer gave no error")
	}
	var r *validate.Report
	if err := r.WriteHTML(io.Discard, validate.PageMeta{}); err == nil {
		t.Error("a nil report gave no error")
	}
}
