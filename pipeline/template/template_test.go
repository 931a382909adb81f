package template_test

import (
	"bytes"
	"encoding/csv"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/xuri/excelize/v2"

	"github.com/carer-outcomes/carer-outcomes/pipeline/standard"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard/standardtest"
	"github.com/carer-outcomes/carer-outcomes/pipeline/template"
)

func writeXLSX(tb testing.TB, std *standard.Standard) []byte {
	tb.Helper()
	var b bytes.Buffer
	if err := template.WriteXLSX(&b, std); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

func openXLSX(tb testing.TB, data []byte) *excelize.File {
	tb.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := f.Close(); err != nil {
			tb.Error(err)
		}
	})
	return f
}

func fieldTitles(k *standard.Kind) []string {
	out := make([]string, len(k.Fields))
	for i, f := range k.Fields {
		out[i] = f.Title
	}
	return out
}

func TestWriteCSV(t *testing.T) {
	std := standardtest.Load(t)
	for _, k := range std.Kinds {
		t.Run(k.Name, func(t *testing.T) {
			var b bytes.Buffer
			if err := template.WriteCSV(&b, std, k); err != nil {
				t.Fatal(err)
			}
			data := b.String()
			body, ok := strings.CutPrefix(data, "\uFEFF")
			if !ok {
				t.Fatalf("does not begin with a UTF-8 BOM: % x", data[:min(3, len(data))])
			}
			if !strings.HasSuffix(body, "\r\n") || strings.Count(body, "\n") != 1 || strings.Count(body, "\r\n") != 1 {
				t.Errorf("want exactly one CRLF-terminated line, got %q", body)
			}
			records, err := csv.NewReader(strings.NewReader(body)).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if len(records) != 1 {
				t.Fatalf("got %d rows, want only the header", len(records))
			}
			if want := fieldTitles(k); !slices.Equal(records[0], want) {
				t.Errorf("header = %q, want %q", records[0], want)
			}
		})
	}
}

func TestWriteCSV_Errors(t *testing.T) {
	std := standardtest.Load(t)
	other := standardtest.Load(t)
	tests := []struct {
		name string
		kind *standard.Kind
	}{
		{"nil kind", nil},
		{"kind of another standard", other.Kinds[0]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := template.WriteCSV(&bytes.Buffer{}, std, tt.kind); err == nil {
				t.Error("no error")
			}
		})
	}
}

func TestWriteXLSX_Sheets(t *testing.T) {
	std := standardtest.Load(t)
	f := openXLSX(t, writeXLSX(t, std))
	want := []string{template.ReadmeSheet}
	for _, k := range std.Kinds {
		want = append(want, k.Name)
	}
	want = append(want, template.ListsSheet)
	if got := f.GetSheetList(); !slices.Equal(got, want) {
		t.Errorf("sheets = %q, want %q", got, want)
	}
	if visible, err := f.GetSheetVisible(template.ListsSheet); err != nil || visible {
		t.Errorf("sheet %s visible = %v, %v; want hidden", template.ListsSheet, visible, err)
	}
	if f.GetActiveSheetIndex() != 0 {
		t.Errorf("active sheet = %d, want the README", f.GetActiveSheetIndex())
	}
	for _, k := range std.Kinds {
		t.Run(k.Name, func(t *testing.T) {
			rows, err := f.GetRows(k.Name)
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) != 1 {
				t.Fatalf("sheet has %d rows with values, want only the titles", len(rows))
			}
			if want := fieldTitles(k); !slices.Equal(rows[0], want) {
				t.Errorf("row 1 = %q, want %q", rows[0], want)
			}
			panes, err := f.GetPanes(k.Name)
			if err != nil {
				t.Fatal(err)
			}
			if !panes.Freeze || panes.YSplit != 1 || panes.TopLeftCell != "A2" {
				t.Errorf("panes = %+v, want row 1 frozen", panes)
			}
			comments, err := f.GetComments(k.Name)
			if err != nil {
				t.Fatal(err)
			}
			notes := map[string]string{}
			for _, c := range comments {
				notes[c.Cell] = c.Text
			}
			for i, fld := range k.Fields {
				cell, _ := excelize.CoordinatesToCellName(i+1, 1)
				note := notes[cell]
				if !strings.Contains(note, fld.Title) || !strings.Contains(note, fld.Type.String()) {
					t.Errorf("%s: note %q does not give the title and type", fld.Name, note)
				}
				if fld.Description != "" && !strings.Contains(note, fld.Description) {
					t.Errorf("%s: note %q lacks the description", fld.Name, note)
				}
				if fld.Example != "" && !strings.Contains(note, fld.Example) {
					t.Errorf("%s: note %q lacks the example", fld.Name, note)
				}
				if got, want := strings.Contains(note, "Required"), fld.Required || fld.RequiredWhen != nil; got != want {
					t.Errorf("%s: note %q says required = %v, want %v", fld.Name, note, got, want)
				}
			}
		})
	}
}

// listRange reads the values of a one-column range such as lists!$A$2:$A$11.
func listRange(tb testing.TB, f *excelize.File, ref string) []string {
	tb.Helper()
	sheet, cells, ok := strings.Cut(ref, "!")
	if !ok || sheet != template.ListsSheet {
		tb.Fatalf("formula %q does not refer to sheet %s", ref, template.ListsSheet)
	}
	from, to, ok := strings.Cut(strings.ReplaceAll(cells, "$", ""), ":")
	if !ok {
		tb.Fatalf("formula %q is not a range", ref)
	}
	c1, r1, err := excelize.CellNameToCoordinates(from)
	if err != nil {
		tb.Fatal(err)
	}
	c2, r2, err := excelize.CellNameToCoordinates(to)
	if err != nil {
		tb.Fatal(err)
	}
	if c1 != c2 || r1 < 2 {
		tb.Fatalf("range %q is not one column below a header", ref)
	}
	// The range must hold the whole list: nothing just below it.
	below, _ := excelize.CoordinatesToCellName(c1, r2+1)
	if v, _ := f.GetCellValue(sheet, below); v != "" {
		tb.Errorf("range %q stops before %s = %q", ref, below, v)
	}
	var out []string
	for r := r1; r <= r2; r++ {
		cell, _ := excelize.CoordinatesToCellName(c1, r)
		v, err := f.GetCellValue(sheet, cell)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, v)
	}
	return out
}

func TestWriteXLSX_Validations(t *testing.T) {
	std := standardtest.Load(t)
	f := openXLSX(t, writeXLSX(t, std))
	for _, k := range std.Kinds {
		t.Run(k.Name, func(t *testing.T) {
			dvs, err := f.GetDataValidations(k.Name)
			if err != nil {
				t.Fatal(err)
			}
			byCol := map[string][]*excelize.DataValidation{}
			for _, dv := range dvs {
				from, _, _ := strings.Cut(dv.Sqref, ":")
				col, row, err := excelize.SplitCellName(from)
				if err != nil || row != 2 {
					t.Errorf("validation on %q does not start in row 2", dv.Sqref)
				}
				byCol[col] = append(byCol[col], dv)
				for _, m := range []struct {
					text  *string
					limit int
				}{{dv.PromptTitle, 32}, {dv.ErrorTitle, 32}, {dv.Prompt, 255}, {dv.Error, 255}} {
					if m.text != nil && len(utf16.Encode([]rune(*m.text))) > m.limit {
						t.Errorf("%s: %q is longer than the %d characters Excel allows", dv.Sqref, *m.text, m.limit)
					}
				}
			}
			for i, fld := range k.Fields {
				col, _ := excelize.ColumnNumberToName(i + 1)
				var lists []*excelize.DataValidation
				for _, dv := range byCol[col] {
					if dv.Type == "list" {
						lists = append(lists, dv)
					}
				}
				if fld.Type != standard.Code {
					if len(lists) != 0 {
						t.Errorf("%s (%s) is not coded but has a list validation", fld.Name, col)
					}
					continue
				}
				if len(lists) != 1 {
					t.Fatalf("%s (%s) has %d list validations, want 1", fld.Name, col, len(lists))
				}
				dv := lists[0]
				want := make([]string, len(fld.CodeList.Entries))
				for j, e := range fld.CodeList.Entries {
					want[j] = e.Label
				}
				if got := listRange(t, f, dv.Formula1); !slices.Equal(got, want) {
					t.Errorf("%s: list %s = %q, want the labels of %s %q", fld.Name, dv.Formula1, got, fld.CodeList.Name, want)
				}
				for _, label := range want {
					if _, ok := fld.CodeList.Lookup([]byte(label)); !ok {
						t.Errorf("%s: label %q is not accepted by its code list", fld.Name, label)
					}
				}
				if !dv.ShowInputMessage || dv.PromptTitle == nil || !dv.ShowErrorMessage || dv.Error == nil {
					t.Errorf("%s: validation lacks an input or an error message", fld.Name)
				}
				last := template.LastRow
				if k.MaxRows > 0 {
					last = 1 + k.MaxRows
				}
				if wantRef := col + "2:" + col + strconv.Itoa(last); dv.Sqref != wantRef {
					t.Errorf("%s: validation applies to %s, want %s", fld.Name, dv.Sqref, wantRef)
				}
			}
		})
	}
}

func TestWriteXLSX_Readme(t *testing.T) {
	std := standardtest.Load(t)
	f := openXLSX(t, writeXLSX(t, std))
	rows, err := f.GetRows(template.ReadmeSheet)
	if err != nil {
		t.Fatal(err)
	}
	var all strings.Builder
	cells := map[string]bool{}
	for _, r := range rows {
		for _, c := range r {
			all.WriteString(c)
			all.WriteString("\n")
			cells[c] = true
		}
	}
	text := all.String()
	tests := []struct {
		name  string
		items func() []string
		find  func(s string) bool
	}{
		{"kinds", func() []string {
			var out []string
			for _, k := range std.Kinds {
				out = append(out, k.Name, k.RowPer)
			}
			return out
		}, func(s string) bool { return strings.Contains(text, s) }},
		{"issue codes and meanings", func() []string {
			var out []string
			for _, c := range std.Issues {
				out = append(out, c.Code, c.Meaning)
			}
			return out
		}, func(s string) bool { return cells[s] }},
		{"codes and labels", func() []string {
			var out []string
			for _, c := range std.CodeLists {
				for _, e := range c.Entries {
					out = append(out, e.Code, e.Label)
				}
			}
			return out
		}, func(s string) bool { return cells[s] }},
		{"field titles", func() []string {
			var out []string
			for _, k := range std.Kinds {
				out = append(out, fieldTitles(k)...)
			}
			return out
		}, func(s string) bool { return cells[s] }},
		{"shared rules", func() []string {
			out := []string{std.DateRule, std.PersonalRule, std.PeriodRule, std.OrgColumn.Description, std.EarliestDate.String()}
			for _, v := range std.MissingValues {
				if v != "" {
					out = append(out, v)
				}
			}
			return out
		}, func(s string) bool { return strings.Contains(text, s) }},
		{"exactly one finance row", func() []string {
			var out []string
			for _, k := range std.Kinds {
				if k.MinRows == 1 && k.MaxRows == 1 {
					out = append(out, "exactly 1 row")
				}
			}
			return out
		}, func(s string) bool { return strings.Contains(text, s) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			items := tt.items()
			if len(items) == 0 {
				t.Fatal("nothing to look for")
			}
			for _, s := range items {
				if !tt.find(s) {
					t.Errorf("README does not mention %q", s)
				}
			}
		})
	}
}

func TestWriteXLSX_Deterministic(t *testing.T) {
	std := standardtest.Load(t)
	first := writeXLSX(t, std)
	tests := []struct {
		name string
		std  func(testing.TB) *standard.Standard
	}{
		{"same standard again", func(testing.TB) *standard.Standard { return std }},
		{"standard loaded again", standardtest.Load},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := writeXLSX(t, tt.std(t)); !bytes.Equal(got, first) {
				t.Error("the workbook's bytes differ from the first write")
			}
		})
	}
	t.Run("fixed document times", func(t *testing.T) {
		props, err := openXLSX(t, first).GetDocProps()
		if err != nil {
			t.Fatal(err)
		}
		if props.Created == "" || props.Created != props.Modified {
			t.Errorf("created %q, modified %q: want one fixed time", props.Created, props.Modified)
		}
	})
}

func TestWrite(t *testing.T) {
	std := standardtest.Load(t)
	dir := t.TempDir()
	paths, err := template.Write(dir, std)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, k := range std.Kinds {
		want = append(want, filepath.Join(dir, k.Name+".csv"))
	}
	want = append(want, filepath.Join(dir, template.WorkbookName))
	if !slices.Equal(paths, want) {
		t.Fatalf("paths = %q, want %q", paths, want)
	}
	tests := []struct {
		name  string
		path  string
		write func(*bytes.Buffer) error
	}{
		{"workbook", want[len(want)-1], func(b *bytes.Buffer) error { return template.WriteXLSX(b, std) }},
	}
	for i, k := range std.Kinds {
		tests = append(tests, struct {
			name  string
			path  string
			write func(*bytes.Buffer) error
		}{k.Name, want[i], func(b *bytes.Buffer) error { return template.WriteCSV(b, std, k) }})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := os.ReadFile(tt.path)
			if err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			if err := tt.write(&b); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, b.Bytes()) {
				t.Errorf("%s differs from what the writer gives", tt.path)
			}
		})
	}
	if _, err := template.Write(filepath.Join(dir, "missing"), std); err == nil {
		t.Error("writing into a missing folder: no error")
	}
}
