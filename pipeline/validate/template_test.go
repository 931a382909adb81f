package validate_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard/standardtest"
	"github.com/carer-outcomes/carer-outcomes/pipeline/tabular"
	"github.com/carer-outcomes/carer-outcomes/pipeline/template"
	"github.com/carer-outcomes/carer-outcomes/pipeline/validate"
)

// A data officer's filled-in return: the values are what a person picks from
// the drop-downs (labels) or types, written row by row under the titles.
var filledIn = map[string][][]any{
	"carers": {
		{"C-0001", "date:2026-07-06", "date:1970-05-17", "Female", "White", "LS6 3AB", "E08000035", 35, "Dementia", "Son or daughter", "No", "Yes", "Not working because of caring", "No personal budget", "GP practice", "Yes"},
		{"C-0002", "08/07/2026", "", "Male", "Asian or Asian British", "", "", 50, "Frailty", "Partner or spouse", "", "", "Employed part-time (under 30 hours a week)", "Carer's own personal budget or direct payment", "Outreach session", "No"},
	},
	"support": {
		{"C-0001", "date:2026-07-10", "CV writing", "In person", 60, "No"},
		{"C-0002", "2026-07-20", "Replacement care", "Phone", 30, "Yes"},
	},
	"outcomes": {
		{"C-0001", "date:2026-09-01", "Started paid work", 16, "Small (10-49 staff)", "Confirmed by the employer"},
		{"C-0002", "15/09/2026", "Gained a qualification", "", "", ""},
	},
	"followups": {
		{"C-0001", "date:2026-07-06", "Baseline (at registration)", "Not working because of caring", 0, 2, 3, 3, 2, 3, 3, 3, 4, 3, "Yes", "Yes", "GP practice", "In person"},
		{"C-0002", "date:2026-07-08", "Baseline (at registration)", "Employed part-time (under 30 hours a week)", 12, 3, 4, "", "", "", "", "", "", "", "No", "Yes", "Social media", "Phone"},
	},
	"finance": {
		{12500.5, 2.5, 120, 6, 5000, 2500, 3000, "", 2000.5, "date:2027-03-31"},
	},
}

func fillWorkbook(tb testing.TB, path string) {
	tb.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	dateStyle, err := f.NewStyle(&excelize.Style{NumFmt: 14})
	if err != nil {
		tb.Fatal(err)
	}
	for kind, rows := range filledIn {
		for r, row := range rows {
			for c, v := range row {
				cell, _ := excelize.CoordinatesToCellName(c+1, r+2)
				if s, ok := v.(string); ok && len(s) > 5 && s[:5] == "date:" {
					var y, m, d int
					fmt.Sscanf(s[5:], "%d-%d-%d", &y, &m, &d)
					err = f.SetCellValue(kind, cell, pipeline.CivilDays(y, m, d).Time())
					if err == nil {
						err = f.SetCellStyle(kind, cell, cell, dateStyle)
					}
				} else {
					err = f.SetCellValue(kind, cell, v)
				}
				if err != nil {
					tb.Fatal(err)
				}
			}
		}
	}
	if err := f.Save(); err != nil {
		tb.Fatal(err)
	}
}

func fillCSV(tb testing.TB, path string, rows [][]any) {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	var buf bytes.Buffer
	buf.Write(b)
	for _, row := range rows {
		for c, v := range row {
			if c > 0 {
				buf.WriteByte(',')
			}
			s := fmt.Sprint(v)
			if len(s) > 5 && s[:5] == "date:" {
				s = s[5:]
			}
			fmt.Fprintf(&buf, "%q", s)
		}
		buf.WriteString("\r\n")
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		tb.Fatal(err)
	}
}

func TestTemplate_FilledInValidatesClean(t *testing.T) {
	std := standardtest.Load(t)
	dir := t.TempDir()
	paths, err := template.Write(dir, std)
	if err != nil {
		t.Fatal(err)
	}
	period, _ := pipeline.ParsePeriod("2026-Q3")
	cfg := validate.Config{Standard: std, Org: "LEEDS-CC", Period: period, Limits: tabular.DefaultLimits()}
	t.Run("workbook", func(t *testing.T) {
		wb := filepath.Join(dir, template.WorkbookName)
		fillWorkbook(t, wb)
		rep, err := validate.Run(context.Background(), cfg, []validate.Input{openInput(t, wb)})
		if err != nil {
			t.Fatal(err)
		}
		checkClean(t, rep, len(std.Kinds))
	})
	t.Run("csv", func(t *testing.T) {
		var inputs []validate.Input
		for _, p := range paths {
			if filepath.Ext(p) != ".csv" {
				continue
			}
			kind := filepath.Base(p[:len(p)-4])
			fillCSV(t, p, filledIn[kind])
			inputs = append(inputs, openInput(t, p))
		}
		rep, err := validate.Run(context.Background(), cfg, inputs)
		if err != nil {
			t.Fatal(err)
		}
		checkClean(t, rep, len(std.Kinds))
	})
}

func checkClean(t *testing.T, rep *validate.Report, tables int) {
	t.Helper()
	n := 0
	for _, f := range rep.Files {
		if f.Error != nil {
			t.Fatalf("%s unreadable: %s", f.File, f.Error.Message)
		}
		for _, tr := range f.Tables {
			n++
			if tr.Rows == 0 || tr.Rejected > 0 || len(tr.Errors) > 0 || len(tr.Warnings) > 0 {
				t.Errorf("%s %s: %d rows, %d rejected\nerrors %s\nwarnings %s", f.File, tr.Kind, tr.Rows, tr.Rejected, asJSON(tr.Errors), asJSON(tr.Warnings))
			}
		}
	}
	if n != tables {
		t.Errorf("%d tables read, want %d", n, tables)
	}
}
