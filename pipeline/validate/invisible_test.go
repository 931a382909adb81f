package validate_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard/standardtest"
	"github.com/carer-outcomes/carer-outcomes/pipeline/tabular"
	"github.com/carer-outcomes/carer-outcomes/pipeline/validate"
)

// invisibles are the characters the issue and the standard name, with the
// words an error must use for them (written here, not read from schemas/).
var invisibles = []struct {
	char string
	name string
}{
	{"\u00A0", "a no-break space (U+00A0)"},
	{"\u202F", "a narrow no-break space (U+202F)"},
	{"\u2007", "a figure space (U+2007)"},
	{"\u200B", "a zero-width space (U+200B)"},
	{"\u200C", "a zero-width non-joiner (U+200C)"},
	{"\u200D", "a zero-width joiner (U+200D)"},
	{"\u2060", "a word joiner (U+2060)"},
	{"\uFEFF", "a byte-order mark (U+FEFF)"},
}

const invisibleHeader = "client_ref,registration_date,employment_status,consent_followup,caring_hours_per_week,postcode,gender\n"

func validateCarers(tb testing.TB, rows ...string) (*validate.Report, validate.Carers) {
	tb.Helper()
	data := invisibleHeader + strings.Join(rows, "\n") + "\n"
	carers := validate.Carers{}
	rep, err := validate.Run(context.Background(), validate.Config{Standard: standardtest.Load(tb), Org: "LEEDS-CC",
		Period: pipeline.Period{Year: 2026, Quarter: 3}, Limits: tabular.DefaultLimits(), Sink: carers},
		[]validate.Input{memInput("carers.csv", []byte(data))})
	if err != nil {
		tb.Fatal(err)
	}
	return rep, carers
}

// TestRun_InvisibleCharactersAtTheEnds: each invisible character, before,
// after or around every kind of value (text, date, code, whole number,
// pattern), alone or mixed with spaces, is trimmed before any rule.
func TestRun_InvisibleCharactersAtTheEnds(t *testing.T) {
	positions := []struct {
		name string
		wrap func(ch, v string) string
	}{
		{"before", func(ch, v string) string { return ch + v }},
		{"after", func(ch, v string) string { return v + ch }},
		{"both ends", func(ch, v string) string { return ch + v + ch }},
		{"twice, among spaces", func(ch, v string) string { return " " + ch + " " + ch + v + " " + ch + ch + " " }},
	}
	for _, inv := range invisibles {
		for _, p := range positions {
			t.Run(fmt.Sprintf("U+%04X/%s", []rune(inv.char)[0], p.name), func(t *testing.T) {
				w := func(v string) string { return p.wrap(inv.char, v) }
				row := strings.Join([]string{w("C1"), w("2026-07-01"), w("UNEMPLOYED"), w("Y"), w("20"), w("LS6 3AA"), w("F")}, ",")
				rep, carers := validateCarers(t, row)
				tr := rep.Files[0].Tables[0]
				if tr.Accepted != 1 || len(tr.Errors) != 0 || len(tr.Warnings) != 0 {
					t.Fatalf("row %q: %s", row, asJSON(tr))
				}
				if _, ok := carers["C1"]; !ok || len(carers) != 1 {
					t.Errorf("client_ref stored as %q, want C1", keysOf(carers))
				}
			})
		}
	}
}

// TestRun_InvisibleCharactersInside: a character left inside a value stays,
// and the error names it.
func TestRun_InvisibleCharactersInside(t *testing.T) {
	fields := []struct {
		name, code string
		row        func(ch string) string
	}{
		{"code", "unknown_code", func(ch string) string { return "C1,2026-07-01,UNEM" + ch + "PLOYED,Y,20,LS6 3AA,F" }},
		{"date", "invalid_date", func(ch string) string { return "C1,2026-07" + ch + "-01,UNEMPLOYED,Y,20,LS6 3AA,F" }},
		{"whole number", "invalid_number", func(ch string) string { return "C1,2026-07-01,UNEMPLOYED,Y,2" + ch + "0,LS6 3AA,F" }},
		{"pattern", "invalid_format", func(ch string) string { return "C1,2026-07-01,UNEMPLOYED,Y,20,LS6" + ch + "3AA,F" }},
		{"yes/no", "unknown_code", func(ch string) string { return "C1,2026-07-01,UNEMPLOYED,Y" + ch + "Y,20,LS6 3AA,F" }},
	}
	for _, inv := range invisibles {
		for _, f := range fields {
			t.Run(fmt.Sprintf("U+%04X/%s", []rune(inv.char)[0], f.name), func(t *testing.T) {
				rep, _ := validateCarers(t, f.row(inv.char))
				tr := rep.Files[0].Tables[0]
				if tr.Rejected != 1 || len(tr.Errors) != 1 {
					t.Fatalf("%s", asJSON(tr))
				}
				if e := tr.Errors[0]; e.Code != f.code || !strings.Contains(e.Message, inv.name) {
					t.Errorf("error %s %q, want %s naming %q", e.Code, e.Message, f.code, inv.name)
				}
			})
		}
	}
}

func keysOf(c validate.Carers) []string {
	var out []string
	for k := range c {
		out = append(out, k)
	}
	return out
}

// valueSink keeps the values of every accepted row, by field name.
type valueSink struct{ rows []map[string]validate.Value }

type valueTable struct {
	s    *valueSink
	info validate.TableInfo
}

func (s *valueSink) Table(info validate.TableInfo) (validate.TableSink, error) {
	return &valueTable{s, info}, nil
}

func (t *valueTable) Row(r *validate.Record) error {
	m := map[string]validate.Value{}
	for _, f := range t.info.Kind.Fields {
		v := r.Values[f.Index]
		v.Text = bytes.Clone(v.Text)
		m[f.Name] = v
	}
	t.s.rows = append(t.s.rows, m)
	return nil
}
func (t *valueTable) Commit() error { return nil }
func (t *valueTable) Abort()        {}

// TestRun_ExportFormats: the standard's decisions on export formats, as the
// values that reach the lake.
func TestRun_ExportFormats(t *testing.T) {
	std := standardtest.Load(t)
	run := func(t *testing.T, name, data string) []map[string]validate.Value {
		t.Helper()
		sink := &valueSink{}
		cfg := validate.Config{Standard: std, Org: "LEEDS-CC", Period: pipeline.Period{Year: 2026, Quarter: 3}, Limits: tabular.DefaultLimits(), Sink: sink}
		if _, err := validate.Run(context.Background(), cfg, []validate.Input{memInput(name, []byte(data))}); err != nil {
			t.Fatal(err)
		}
		return sink.rows
	}
	t.Run("Accounting-format zero is £0.00, a dash alone is missing", func(t *testing.T) {
		rows := run(t, "finance.csv", "delivery_cost_gbp,funding_nhs_gbp,funding_trusts_gbp,funding_lottery_gbp,funding_other_gbp\n\" £ -   \",£-,£ 1.50, - ,£ - -\n")
		if len(rows) != 0 {
			t.Fatalf("accepted %v, want the row rejected for £ - -", rows)
		}
		rows = run(t, "finance.csv", "delivery_cost_gbp,funding_nhs_gbp,funding_trusts_gbp,funding_lottery_gbp\n\" £ -   \",£-,£ 1.50, - \n")
		if len(rows) != 1 {
			t.Fatalf("%d rows accepted, want 1", len(rows))
		}
		r := rows[0]
		for _, f := range []string{"delivery_cost_gbp", "funding_nhs_gbp"} {
			if v := r[f]; !v.Present || v.Int != 0 {
				t.Errorf("%s = %+v, want £0.00 present", f, v)
			}
		}
		if v := r["funding_trusts_gbp"]; !v.Present || v.Int != 150 {
			t.Errorf("funding_trusts_gbp = %+v, want 150 pence", v)
		}
		if v := r["funding_lottery_gbp"]; v.Present {
			t.Errorf("funding_lottery_gbp = %+v, want missing", v)
		}
	})
	t.Run("zoned midnight is the date written", func(t *testing.T) {
		data := "client_ref,registration_date,employment_status,consent_followup\nA,2026-07-03T00:00:00Z,U,Y\nB,2026-07-03T00:00:00+01:00,U,Y\nC,2026-07-03T00:00:00.000-05:00,U,Y\nD,2026-07-03T09:00:00Z,U,Y\n"
		rows := run(t, "carers.csv", data)
		if len(rows) != 3 {
			t.Fatalf("%d rows accepted, want 3 (D's time is not midnight)", len(rows))
		}
		want := int64(pipeline.CivilDays(2026, 7, 3))
		for _, r := range rows {
			if v := r["registration_date"]; v.Int != want {
				t.Errorf("%s: registration_date = %d, want %d", r["client_ref"].Text, v.Int, want)
			}
		}
	})
}

// TestRun_InvisibleCharactersInHeadings: the same normalisation applies to
// headings, in every position.
func TestRun_InvisibleCharactersInHeadings(t *testing.T) {
	std := standardtest.Load(t)
	for _, inv := range invisibles {
		for _, p := range []struct {
			name string
			wrap func(string) string
		}{
			{"before", func(h string) string { return inv.char + h }},
			{"after", func(h string) string { return h + inv.char }},
			{"both ends, among spaces", func(h string) string { return " " + inv.char + h + inv.char + " " }},
		} {
			t.Run(fmt.Sprintf("U+%04X/%s", []rune(inv.char)[0], p.name), func(t *testing.T) {
				header := strings.Join([]string{p.wrap("client_ref"), p.wrap("Date registered"), p.wrap("employment_status"), p.wrap("consent_followup"), p.wrap("Venue")}, ",")
				rep, err := validate.Run(context.Background(), validate.Config{Standard: std, Org: "LEEDS-CC", Period: pipeline.Period{Year: 2026, Quarter: 3},
					Limits: tabular.DefaultLimits()}, []validate.Input{memInput("carers.csv", []byte(header+"\nC1,2026-07-01,U,Y,hall\n"))})
				if err != nil {
					t.Fatal(err)
				}
				tr := rep.Files[0].Tables[0]
				if tr.Kind != "carers" || tr.Accepted != 1 {
					t.Fatalf("header %q: %s", header, asJSON(tr))
				}
				// The heading is reported as written, without what does not show.
				if len(tr.Warnings) != 1 || tr.Warnings[0].Column != "Venue" {
					t.Errorf("warnings %s, want one unknown_column for \"Venue\"", asJSON(tr.Warnings))
				}
			})
		}
	}
}
