package validate

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/carer-outcomes/carer-outcomes/pipeline/formula"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard"
)

// Report is what an upload's uploader gets back. Its JSON form is a stable
// contract documented in docs/validation-report.md: fields are only ever added.
type Report struct {
	Org             string        `json:"org"`
	Period          string        `json:"period"`
	StandardVersion int           `json:"standard_version"`
	Files           []*FileReport `json:"files"`
}

// FileReport covers one uploaded file.
type FileReport struct {
	File     string         `json:"file"`
	Format   string         `json:"format,omitempty"`
	Encoding string         `json:"encoding,omitempty"`
	Error    *FileIssue     `json:"error,omitempty"`
	Warnings []FileIssue    `json:"warnings,omitempty"`
	Tables   []*TableReport `json:"tables"`
}

// FileIssue is a problem with a whole file, or a sheet that was not read.
type FileIssue struct {
	Code    string `json:"code"`
	Sheet   string `json:"sheet,omitempty"`
	Message string `json:"message"`
}

// TableReport covers one table: a CSV file or one sheet of a workbook.
// Errors and Warnings list at most MaxExamples issues of each group (column
// and code); Groups count them all, so that a file with a million problems
// gets a report of a few hundred kilobytes that still says how many.
type TableReport struct {
	Kind     string       `json:"kind"`
	Sheet    string       `json:"sheet"`
	Rows     int          `json:"rows"`
	Accepted int          `json:"accepted"`
	Rejected int          `json:"rejected"`
	Errors   []Issue      `json:"errors"`
	Warnings []Issue      `json:"warnings"`
	Groups   []IssueGroup `json:"groups"`
}

// IssueGroup counts the issues of one severity, column and code in a table.
type IssueGroup struct {
	Severity string `json:"severity"` // error or warning
	Column   string `json:"column"`   // as in Issue.Column; OtherColumns past MaxGroups
	Field    string `json:"field,omitempty"`
	Code     string `json:"code"`
	Count    int    `json:"count"`
	Rows     []int  `json:"rows"` // the rows of the first MaxExamples, which Errors or Warnings list
}

// Limits of a table's report. They bound the report's size whatever the
// file: a group keeps the first MaxExamples issues, and past MaxGroups
// groups of errors (or of warnings) a new column's issues are counted under
// OtherColumns.
const (
	MaxExamples  = 10
	MaxGroups    = 100
	OtherColumns = "(other columns)"
)

// Counts sums the table's issues of one severity by code. A report stored
// before issues were grouped has no groups, and lists every issue.
func (t *TableReport) Counts(severity string) map[string]int {
	out := map[string]int{}
	if len(t.Groups) == 0 {
		list := t.Errors
		if severity == "warning" {
			list = t.Warnings
		}
		for _, is := range list {
			out[is.Code]++
		}
		return out
	}
	for _, g := range t.Groups {
		if g.Severity == severity {
			out[g.Code] += g.Count
		}
	}
	return out
}

// Total is the number of the table's issues of one severity.
func (t *TableReport) Total(severity string) int {
	n := 0
	for _, c := range t.Counts(severity) {
		n += c
	}
	return n
}

// Issue is one problem in a table, located as the uploader sees it in Excel.
type Issue struct {
	Row     int    `json:"row"`
	Column  string `json:"column"`
	Field   string `json:"field,omitempty"`
	Title   string `json:"title,omitempty"`
	Cell    string `json:"cell,omitempty"`
	Value   string `json:"value"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// neutralise makes every name the uploader chose safe to open in a
// spreadsheet: a heading, sheet or file name can start like a formula too.
// Values are already neutralised where they are shortened.
func (r *Report) neutralise() {
	issues := func(list []Issue) {
		for i := range list {
			list[i].Column = formula.Neutralise(list[i].Column)
		}
	}
	for _, f := range r.Files {
		f.File = formula.Neutralise(f.File)
		for i := range f.Warnings {
			f.Warnings[i].Sheet = formula.Neutralise(f.Warnings[i].Sheet)
		}
		for _, t := range f.Tables {
			t.Sheet = formula.Neutralise(t.Sheet)
			issues(t.Errors)
			issues(t.Warnings)
		}
	}
}

// Clean reports whether every row of every file was accepted.
func (r *Report) Clean() bool {
	for _, f := range r.Files {
		if f.Error != nil {
			return false
		}
		for _, t := range f.Tables {
			if t.Rejected > 0 || len(t.Errors) > 0 {
				return false
			}
		}
	}
	return true
}

// Unreadable reports whether any file could not be read at all. A workbook
// with no table (no_table) was read, and is rejected like a table whose
// columns match no kind.
func (r *Report) Unreadable() bool {
	return slices.ContainsFunc(r.Files, func(f *FileReport) bool { return f.Error != nil && f.Error.Code == UnreadableFile })
}

// WriteText writes the summary a person reads in a terminal: per table the
// counts, then the errors grouped by code with the first few examples.
func (r *Report) WriteText(w io.Writer, examples int) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Return of %s for %s (standard version %d)\n", r.Org, r.Period, r.StandardVersion)
	for _, f := range r.Files {
		fmt.Fprintf(&b, "\n%s\n", f.File)
		if f.Error != nil {
			verdict := "NOT READ"
			if f.Error.Code == NoTable {
				verdict = "NO TABLE"
			}
			fmt.Fprintf(&b, "  %s (%s): %s\n", verdict, f.Error.Code, f.Error.Message)
		}
		for _, w := range f.Warnings {
			fmt.Fprintf(&b, "  warning (%s): %s\n", w.Code, w.Message)
		}
		for _, t := range f.Tables {
			where := t.Kind
			if where == "" {
				where = "unknown table"
			}
			if t.Sheet != "" {
				where = fmt.Sprintf("sheet %q (%s)", t.Sheet, where)
			}
			fmt.Fprintf(&b, "  %s: %d rows, %d accepted, %d rejected\n", where, t.Rows, t.Accepted, t.Rejected)
			writeGroups(&b, "error", t.Errors, t.Counts("error"), examples)
			writeGroups(&b, "warning", t.Warnings, t.Counts("warning"), examples)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func writeGroups(b *strings.Builder, what string, issues []Issue, counts map[string]int, examples int) {
	groups := map[string][]Issue{}
	for _, is := range issues {
		groups[is.Code] = append(groups[is.Code], is)
	}
	codes := make([]string, 0, len(groups))
	for c := range groups {
		codes = append(codes, c)
	}
	slices.SortFunc(codes, func(a, c string) int {
		return cmp.Or(cmp.Compare(counts[c], counts[a]), cmp.Compare(a, c))
	})
	for _, c := range codes {
		g := groups[c]
		fmt.Fprintf(b, "    %s %s: %d\n", what, c, counts[c])
		for _, is := range g[:min(len(g), examples)] {
			loc := fmt.Sprintf("row %d", is.Row)
			if is.Column != "" {
				loc += fmt.Sprintf(", %s", is.Column)
			}
			if is.Value != "" {
				loc += fmt.Sprintf(" %q", is.Value)
			}
			fmt.Fprintf(b, "      %s: %s\n", loc, is.Message)
		}
		if shown := min(len(g), examples); counts[c] > shown {
			fmt.Fprintf(b, "      … and %d more\n", counts[c]-shown)
		}
	}
}

// Withheld replaces the value of a personal column in a stored report.
const Withheld = "[withheld]"

// WithholdPersonal blanks the values of personal columns (client reference,
// date of birth, postcode) before a report is stored: the uploader finds the
// cell by its row and column, and the lake keeps no raw identifier.
func (r *Report) WithholdPersonal(std *standard.Standard) {
	personal := map[string]bool{}
	for _, k := range std.Kinds {
		for _, f := range k.Fields {
			if f.Personal != "" {
				personal[f.Name] = true
			}
		}
	}
	withhold := func(list []Issue) {
		for i := range list {
			if personal[list[i].Field] && list[i].Value != "" {
				list[i].Value = Withheld
			}
		}
	}
	for _, f := range r.Files {
		for _, t := range f.Tables {
			withhold(t.Errors)
			withhold(t.Warnings)
		}
	}
}
