package validate_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/carer-outcomes/carer-outcomes/internal/zipdamage"
	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard/standardtest"
	"github.com/carer-outcomes/carer-outcomes/pipeline/tabular"
	"github.com/carer-outcomes/carer-outcomes/pipeline/validate"
)

func memInput(name string, data []byte) validate.Input {
	return validate.Input{Name: name, Data: bytes.NewReader(data), Size: int64(len(data))}
}

// recorder is a Sink that remembers what was committed and aborted.
type recorder struct {
	rows      map[string]int
	committed []string
	aborted   []string
}

type recordTable struct {
	r    *recorder
	name string
}

func (r *recorder) Table(info validate.TableInfo) (validate.TableSink, error) {
	return &recordTable{r, info.File + "/" + info.Kind.Name}, nil
}

func (t *recordTable) Row(*validate.Record) error { t.r.rows[t.name]++; return nil }
func (t *recordTable) Commit() error              { t.r.committed = append(t.r.committed, t.name); return nil }
func (t *recordTable) Abort()                     { t.r.aborted = append(t.r.aborted, t.name) }

type sheet struct {
	name string
	rows [][]any
}

func workbook(tb testing.TB, sheets ...sheet) []byte {
	tb.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for _, sh := range sheets {
		name, rows := sh.name, sh.rows
		if _, err := f.NewSheet(name); err != nil {
			tb.Fatal(err)
		}
		for r, row := range rows {
			cell, _ := excelize.CoordinatesToCellName(1, r+1)
			if err := f.SetSheetRow(name, cell, &row); err != nil {
				tb.Fatal(err)
			}
		}
	}
	f.DeleteSheet("Sheet1")
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

func TestRun_Sink(t *testing.T) {
	std := standardtest.Load(t)
	carers := []byte("client_ref,registration_date,employment_status,consent_followup\nA1,2026-07-01,U,Y\nA2,2026-07-02,U,N\nA3,2026-13-01,U,Y\n")
	finance := []byte("delivery_cost_gbp\n100\n200\n")
	support := [][]any{{"client_ref", "date", "activity"}, {"A1", "2026-07-03", "CV_WRITING"}}
	var tooMany [][]any
	tooMany = append(tooMany, []any{"client_ref", "outcome_date", "outcome"})
	for range 11 {
		tooMany = append(tooMany, []any{"A1", "2026-07-03", "QUALIFICATION"})
	}
	book := workbook(t, sheet{"support", support}, sheet{"outcomes", [][]any{{"client_ref", "outcome_date", "outcome"}, {"A2", "2026-07-04", "QUALIFICATION"}}})
	broken := workbook(t, sheet{"support", support}, sheet{"outcomes", tooMany})

	rec := &recorder{rows: map[string]int{}}
	cfg := validate.Config{Standard: std, Org: "LEEDS-CC", Period: pipeline.Period{Year: 2026, Quarter: 3},
		Limits: tabular.Limits{MaxRows: 10}, Sink: rec}
	rep, err := validate.Run(context.Background(), cfg, []validate.Input{
		memInput("finance.csv", finance), memInput("book.xlsx", book), memInput("broken.xlsx", broken), memInput("carers.csv", carers),
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(rec.committed)
	slices.Sort(rec.aborted)
	if want := []string{"book.xlsx/outcomes", "book.xlsx/support", "carers.csv/carers"}; !slices.Equal(rec.committed, want) {
		t.Errorf("committed %q, want %q", rec.committed, want)
	}
	// The finance table is rejected after its first row streamed; the broken
	// workbook's support sheet was read before its outcomes sheet failed.
	if want := []string{"broken.xlsx/outcomes", "broken.xlsx/support", "finance.csv/finance"}; !slices.Equal(rec.aborted, want) {
		t.Errorf("aborted %q, want %q", rec.aborted, want)
	}
	if got := rec.rows["carers.csv/carers"]; got != 2 {
		t.Errorf("carers rows streamed = %d, want the 2 accepted", got)
	}
	if e := rep.Files[2].Error; e == nil || e.Code != "unreadable_file" {
		t.Errorf("broken workbook: error %+v, want unreadable_file", e)
	}
	if tr := rep.Files[1].Tables; len(tr) != 2 || tr[0].Accepted != 1 || tr[1].Accepted != 1 {
		t.Errorf("workbook tables: %s (the carers of another file of the upload must count)", asJSON(tr))
	}
}

func TestRun_NeutralisesNames(t *testing.T) {
	std := standardtest.Load(t)
	data := []byte("client_ref,registration_date,employment_status,consent_followup,=HYPERLINK(\"x\")\nA1,2026-07-01,U,Y,1\n@SUM(1),2026-07-01,U,Y,\n")
	rep, err := validate.Run(context.Background(), validate.Config{Standard: std, Org: "LEEDS-CC",
		Period: pipeline.Period{Year: 2026, Quarter: 3}, Limits: tabular.DefaultLimits()}, []validate.Input{memInput("+file.csv", data)})
	if err != nil {
		t.Fatal(err)
	}
	f := rep.Files[0]
	if f.File != "'+file.csv" {
		t.Errorf("file = %q", f.File)
	}
	w := f.Tables[0].Warnings
	if len(w) != 2 || w[0].Code != "unknown_column" || w[0].Column != `'=HYPERLINK("x")` || w[1].Code != "formula_neutralised" || w[1].Value != "'@SUM(1)" {
		t.Errorf("warnings = %s", asJSON(w))
	}
	if tr := f.Tables[0]; tr.Accepted != 2 {
		t.Errorf("accepted %d, want 2", tr.Accepted)
	}
}

// carersBook is a valid carers sheet of n rows: damage to a sheet this long
// leaves a readable first part, which must not be taken for the whole.
func carersBook(tb testing.TB, n int) []byte {
	tb.Helper()
	rows := [][]any{{"client_ref", "registration_date", "employment_status", "consent_followup"}}
	for i := range n {
		rows = append(rows, []any{fmt.Sprintf("C%05d", i), "2026-07-01", "UNEMPLOYED", "Y"})
	}
	return workbook(tb, sheet{"carers", rows})
}

func TestRun_DamagedWorkbooks(t *testing.T) {
	std := standardtest.Load(t)
	good := carersBook(t, 2000)
	for _, d := range zipdamage.All() {
		t.Run(string(d), func(t *testing.T) {
			bad, err := zipdamage.Apply(good, zipdamage.FirstSheet(good), d)
			if err != nil {
				t.Fatal(err)
			}
			rec := &recorder{rows: map[string]int{}}
			cfg := validate.Config{Standard: std, Org: "LEEDS-CC", Period: pipeline.Period{Year: 2026, Quarter: 3},
				Limits: tabular.DefaultLimits(), Sink: rec}
			rep, err := validate.Run(context.Background(), cfg, []validate.Input{memInput("carers.xlsx", bad)})
			if err != nil {
				t.Fatal(err)
			}
			fr := rep.Files[0]
			if fr.Error == nil || fr.Error.Code != "unreadable_file" || !strings.HasPrefix(fr.Error.Message, "the workbook is damaged: open it in Excel and save it again") {
				t.Errorf("file error %+v, want unreadable_file saying the workbook is damaged", fr.Error)
			}
			if len(fr.Tables) != 0 || len(rec.committed) != 0 || len(rec.rows) != 0 {
				t.Errorf("tables %s, committed %q, rows %v: want nothing read or kept", asJSON(fr.Tables), rec.committed, rec.rows)
			}
		})
	}
	t.Run("undamaged", func(t *testing.T) {
		rep, err := validate.Run(context.Background(), validate.Config{Standard: std, Org: "LEEDS-CC", Period: pipeline.Period{Year: 2026, Quarter: 3},
			Limits: tabular.DefaultLimits()}, []validate.Input{memInput("carers.xlsx", good)})
		if err != nil || !rep.Clean() || rep.Files[0].Tables[0].Accepted != 2000 {
			t.Fatalf("the undamaged workbook: %v %s", err, asJSON(rep))
		}
	})
}

// TestRun_ReadErrorPartWay: a storage read that fails part way through a
// file is an error of the run (worth retrying), never a shorter table.
func TestRun_ReadErrorPartWay(t *testing.T) {
	std := standardtest.Load(t)
	data := []byte("client_ref,registration_date,employment_status,consent_followup\n" + strings.Repeat("C1,2026-07-01,U,Y\n", 50000))
	rec := &recorder{rows: map[string]int{}}
	flaky := &flakyReader{data: data}
	cfg := validate.Config{Standard: std, Org: "LEEDS-CC", Period: pipeline.Period{Year: 2026, Quarter: 3}, Limits: tabular.DefaultLimits(), Sink: rec,
		Progress: func(int, int) { flaky.armed = true }}
	in := validate.Input{Name: "carers.csv", Data: flaky, Size: int64(len(data))}
	rep, err := validate.Run(context.Background(), cfg, []validate.Input{in})
	if err == nil || pipeline.KindOf(err) == pipeline.Invalid {
		t.Fatalf("report %s, error %v: want the read error", asJSON(rep), err)
	}
	if len(rec.committed) != 0 || len(rec.aborted) != 1 {
		t.Errorf("committed %q, aborted %q: want the table aborted", rec.committed, rec.aborted)
	}
}

// flakyReader fails every read once it is armed: the file checks out when
// it is opened and breaks while its rows stream.
type flakyReader struct {
	data  []byte
	armed bool
}

func (f *flakyReader) ReadAt(p []byte, off int64) (int, error) {
	if f.armed {
		return 0, errors.New("connection reset by peer")
	}
	return bytes.NewReader(f.data).ReadAt(p, off)
}

// TestRun_ReportStaysSmall: however many problems a file has, its report
// lists a few of each column and code and counts the rest exactly.
func TestRun_ReportStaysSmall(t *testing.T) {
	std := standardtest.Load(t)
	var b strings.Builder
	b.WriteString("client_ref,date,activity,minutes")
	for i := range 300 {
		fmt.Fprintf(&b, ",extra %d", i)
	}
	b.WriteString("\n")
	const rows = 20000
	for range rows {
		b.WriteString("C1,31/13/2026,COOKING,sixty" + strings.Repeat(",x", 300) + ",beyond,the,header\n")
	}
	rep, err := validate.Run(context.Background(), validate.Config{Standard: std, Org: "LEEDS-CC", Period: pipeline.Period{Year: 2026, Quarter: 3},
		Limits: tabular.DefaultLimits()}, []validate.Input{memInput("support.csv", []byte(b.String()))})
	if err != nil {
		t.Fatal(err)
	}
	tr := rep.Files[0].Tables[0]
	if tr.Rows != rows || tr.Rejected != rows {
		t.Fatalf("rows %d, rejected %d", tr.Rows, tr.Rejected)
	}
	errs := tr.Counts("error")
	if errs["invalid_date"] != rows || errs["unknown_code"] != rows || errs["invalid_number"] != rows || errs["unregistered_carer"] != rows {
		t.Errorf("error counts %v, want %d of each", errs, rows)
	}
	// 300 unknown headings and the cells beyond the header, 3 per row.
	if got := tr.Counts("warning")["unknown_column"]; got != 300+3*rows {
		t.Errorf("unknown_column warnings = %d, want %d", got, 300+3*rows)
	}
	if len(tr.Groups) > validate.MaxGroups+1+4 {
		t.Errorf("%d groups, want at most %d warnings, the overflow and 4 of errors", len(tr.Groups), validate.MaxGroups)
	}
	for _, g := range tr.Groups {
		if g.Severity == "error" && g.Column == validate.OtherColumns {
			t.Errorf("errors of column %s lost their column to the warnings' groups", g.Code)
		}
	}
	other := false
	for _, g := range tr.Groups {
		if len(g.Rows) > validate.MaxExamples {
			t.Errorf("group %s/%s keeps %d rows", g.Column, g.Code, len(g.Rows))
		}
		other = other || g.Column == validate.OtherColumns
	}
	if !other {
		t.Errorf("no %q group for the headings past the %d groups", validate.OtherColumns, validate.MaxGroups)
	}
	if n := len(tr.Errors) + len(tr.Warnings); n > (validate.MaxGroups+1+4)*validate.MaxExamples {
		t.Errorf("%d issues listed", n)
	}
	if js := asJSON(rep); len(js) > 512<<10 {
		t.Errorf("the report is %d bytes", len(js))
	}
}

// TestReport_CountsBeyondTheList: the summary and the page give the counts
// of every issue, not of the ten listed per column and code.
func TestReport_CountsBeyondTheList(t *testing.T) {
	std := standardtest.Load(t)
	data := "client_ref,registration_date,employment_status,consent_followup\n" + strings.Repeat("C1,2026-07-01,WORKING,Y\n", 25)
	rep, err := validate.Run(context.Background(), validate.Config{Standard: std, Org: "LEEDS-CC", Period: pipeline.Period{Year: 2026, Quarter: 3},
		Limits: tabular.DefaultLimits()}, []validate.Input{memInput("carers.csv", []byte(data))})
	if err != nil {
		t.Fatal(err)
	}
	tr := rep.Files[0].Tables[0]
	if len(tr.Errors) != validate.MaxExamples+validate.MaxExamples || tr.Rejected != 25 {
		t.Fatalf("%d errors listed (unknown_code and duplicate_row, 10 each), %d rejected", len(tr.Errors), tr.Rejected)
	}
	var text strings.Builder
	if err := rep.WriteText(&text, 3); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"error unknown_code: 25", "error duplicate_row: 24", "… and 22 more", "… and 21 more"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("summary does not say %q:\n%s", want, text.String())
		}
	}
	page := htmlWrite(t, rep, validate.PageMeta{})
	if !strings.Contains(page, "25 errors, of which the first 10 of each column are listed") {
		t.Errorf("the page does not give the count of 25 unknown codes")
	}
}

// TestRun_DateOfBirthHeadings: "DOB" is the carers table's own date of
// birth, and personal data in any other table.
func TestRun_DateOfBirthHeadings(t *testing.T) {
	std := standardtest.Load(t)
	cfg := validate.Config{Standard: std, Org: "LEEDS-CC", Period: pipeline.Period{Year: 2026, Quarter: 3}, Limits: tabular.DefaultLimits()}
	rep, err := validate.Run(context.Background(), cfg, []validate.Input{
		memInput("carers.csv", []byte("client_ref,registration_date,DOB,employment_status,consent_followup\nA1,2026-07-01,2015-01-01,U,Y\n")),
		memInput("support.csv", []byte("client_ref,date,activity,DOB\nA1,2026-07-03,CV_WRITING,1970-01-01\n")),
	})
	if err != nil {
		t.Fatal(err)
	}
	carers, support := rep.Files[0].Tables[0], rep.Files[1].Tables[0]
	if len(carers.Errors) != 1 || carers.Errors[0].Code != "out_of_range" || carers.Errors[0].Field != "date_of_birth" {
		t.Errorf("carers: %s, want DOB read as date_of_birth (a carer aged 11)", asJSON(carers.Errors))
	}
	if len(support.Errors) != 1 || support.Errors[0].Code != "personal_data_column" || support.Errors[0].Column != "DOB" {
		t.Errorf("support: %s, want DOB refused as personal data", asJSON(support.Errors))
	}
}

// TestRun_NoTable: a workbook with no sheet named after a kind is an error
// of the file, not a success with warnings, and the page says so.
func TestRun_NoTable(t *testing.T) {
	std := standardtest.Load(t)
	book := workbook(t, sheet{"Gofalwyr", [][]any{{"client_ref", "registration_date", "employment_status", "consent_followup"}, {"A1", "2026-07-01", "U", "Y"}}})
	rec := &recorder{rows: map[string]int{}}
	rep, err := validate.Run(context.Background(), validate.Config{Standard: std, Org: "LEEDS-CC", Period: pipeline.Period{Year: 2026, Quarter: 3},
		Limits: tabular.DefaultLimits(), Sink: rec}, []validate.Input{memInput("return.xlsx", book)})
	if err != nil {
		t.Fatal(err)
	}
	fr := rep.Files[0]
	if fr.Error == nil || fr.Error.Code != validate.NoTable || rep.Clean() || rep.Unreadable() || len(rec.committed) != 0 {
		t.Fatalf("file %s: want no_table, not clean, not unreadable, nothing committed", asJSON(fr))
	}
	if page := htmlWrite(t, rep, validate.PageMeta{}); !strings.Contains(page, "No table was found in this file") {
		t.Errorf("the page does not say that no table was found")
	}
}
