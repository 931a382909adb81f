package dictionary_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/carer-outcomes/carer-outcomes/pipeline/dictionary"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard/standardtest"
)

func render(tb testing.TB, std *standard.Standard) string {
	tb.Helper()
	var b bytes.Buffer
	if err := dictionary.Markdown(&b, std); err != nil {
		tb.Fatal(err)
	}
	return b.String()
}

// mentions reports whether md names s as a code span, which is how the
// dictionary writes every name and code.
func mentions(md, s string) bool { return strings.Contains(md, "`"+s+"`") }

func TestMarkdown_Mentions(t *testing.T) {
	std := standardtest.Load(t)
	md := render(t, std)
	tests := []struct {
		name  string
		items func() []string
		find  func(md, s string) bool
	}{
		{"kinds", func() []string {
			var out []string
			for _, k := range std.Kinds {
				out = append(out, k.Name)
			}
			return out
		}, mentions},
		{"field names", func() []string {
			var out []string
			for _, k := range std.Kinds {
				for _, f := range k.Fields {
					out = append(out, f.Name)
				}
			}
			return out
		}, mentions},
		{"field titles", func() []string {
			var out []string
			for _, k := range std.Kinds {
				for _, f := range k.Fields {
					out = append(out, f.Title)
				}
			}
			return out
		}, strings.Contains},
		{"codes", func() []string {
			var out []string
			for _, c := range std.CodeLists {
				out = append(out, c.Name)
				out = append(out, c.Codes()...)
			}
			return out
		}, mentions},
		{"labels", func() []string {
			var out []string
			for _, c := range std.CodeLists {
				for _, e := range c.Entries {
					out = append(out, e.Label)
				}
			}
			return out
		}, strings.Contains},
		{"issue codes", func() []string {
			var out []string
			for _, c := range std.Issues {
				out = append(out, c.Code, c.Meaning)
			}
			return out
		}, func(md, s string) bool { return mentions(md, s) || strings.Contains(md, s) }},
		{"bands", func() []string {
			var out []string
			for _, b := range append(std.AgeBands, std.HoursBands...) {
				out = append(out, b.Band)
			}
			return out
		}, mentions},
		{"missing values", func() []string {
			var out []string
			for _, v := range std.MissingValues {
				if v != "" {
					out = append(out, v)
				}
			}
			return out
		}, mentions},
		{"shared rules", func() []string {
			return []string{std.OrgCodeRule, std.PeriodRule, std.DateRule, std.PersonalRule, std.OrgColumn.Name, std.Pseudonym.Rule}
		}, strings.Contains},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			items := tt.items()
			if len(items) == 0 {
				t.Fatal("nothing to look for")
			}
			for _, s := range items {
				if !tt.find(md, s) {
					t.Errorf("the dictionary does not mention %q", s)
				}
			}
		})
	}
}

func TestMarkdown_Deterministic(t *testing.T) {
	std := standardtest.Load(t)
	first := render(t, std)
	tests := []struct {
		name string
		std  func(testing.TB) *standard.Standard
	}{
		{"same standard again", func(testing.TB) *standard.Standard { return std }},
		{"standard loaded again", standardtest.Load},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for i := range 10 {
				if got := render(t, tt.std(t)); got != first {
					t.Fatalf("render %d differs from the first", i+1)
				}
			}
		})
	}
}

func TestMarkdown_Tables(t *testing.T) {
	md := render(t, standardtest.Load(t))
	tests := []struct {
		name string
		bad  func(line string) bool
	}{
		{"no unescaped pipe in a cell", func(line string) bool {
			// Every row of a table starts with "| " and ends with " |";
			// each cell boundary is " | ". A pipe anywhere else must be escaped.
			if !strings.HasPrefix(line, "| ") {
				return false
			}
			inner := strings.TrimSuffix(strings.TrimPrefix(line, "| "), " |")
			inner = strings.ReplaceAll(inner, " | ", "")
			inner = strings.ReplaceAll(inner, `\|`, "")
			return strings.Contains(inner, "|")
		}},
		{"no carriage return", func(line string) bool { return strings.Contains(line, "\r") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for i, line := range strings.Split(md, "\n") {
				if tt.bad(line) {
					t.Errorf("line %d: %s", i+1, line)
				}
			}
		})
	}
}

// failWriter accepts n bytes, then fails.
type failWriter struct{ n int }

func (w *failWriter) Write(p []byte) (int, error) {
	if len(p) <= w.n {
		w.n -= len(p)
		return len(p), nil
	}
	k := w.n
	w.n = 0
	return k, errors.New("disk full")
}

func TestMarkdown_WriteError(t *testing.T) {
	std := standardtest.Load(t)
	tests := []struct {
		name string
		n    int
	}{
		{"fails at once", 0},
		{"fails part way", 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := dictionary.Markdown(&failWriter{n: tt.n}, std)
			if err == nil || !strings.Contains(err.Error(), "disk full") {
				t.Errorf("err = %v, want the writer's error wrapped", err)
			}
		})
	}
}
