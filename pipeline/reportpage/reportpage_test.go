package reportpage

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/carer-outcomes/carer-outcomes/pipeline/metrics"
	"github.com/carer-outcomes/carer-outcomes/pipeline/pagestyle"
)

func fp(v float64) *float64 { return &v }

const hostile = `<script>alert(1)</script>"'&`

func sampleReport() Report {
	c := metrics.Consortium
	count := func(id, period string, v float64) metrics.Figure {
		return metrics.Figure{ID: id, Scope: c, Period: period, Unit: "count", Value: fp(v)}
	}
	rate := func(id string, n, d, v, lo, hi float64) metrics.Figure {
		return metrics.Figure{ID: id, Scope: c, Period: "2026-Q3", Unit: "rate", Numerator: fp(n), Denominator: fp(d), Value: fp(v), CILow: fp(lo), CIHigh: fp(hi)}
	}
	sus := func(id string, due, s, n, u int) metrics.Figure {
		f := rate(id, float64(s), float64(s+n), float64(s)/float64(s+n), 0.5, 0.9)
		f.LowerBound = fp(float64(s) / float64(due))
		f.Counts = map[string]int{"due": due, "sustained": s, "not_sustained": n, "unknown": u}
		return f
	}
	figs := []metrics.Figure{
		count("reach.registered", "2026-Q3", 1234),
		count("reach.registered_cumulative", "2026-Q3", 15678),
		count("reach.supported", "2026-Q3", 987),
		count("support.minutes", "2026-Q3", 1234567),
		rate("support.outside_office_hours", 120, 400, 0.3, 0.256, 0.348),
		count("outcomes.quarter.any_hard", "2026-Q3", 150),
		count("outcomes.quarter.STARTED_WORK", "2026-Q3", 60),
		count("outcomes.quarter.STAYED_IN_WORK", "2026-Q3", 70),
		{ID: "outcomes.quarter.STARTED_EDUCATION", Scope: c, Period: "2026-Q3", Unit: "count", Suppressed: true},
		count("outcomes.quarter.STARTED_WORK", "2026-Q2", 48),
		count("outcomes.quarter.STAYED_IN_WORK", "2026-Q2", 66),
		count("outcomes.quarter.any_hard", "2026-Q2", 120),
		sus("sustained.starts.w13", 63, 41, 16, 6),
		sus("sustained.starts.w26", 50, 30, 10, 10),
		sus("sustained.starts.w52", 30, 15, 5, 10),
		sus("sustained.kept.w13", 80, 60, 10, 10),
		{ID: "sustained.kept.w26", Scope: c, Period: "2026-Q3", Unit: "rate", Suppressed: true},
		rate("referral.partner", 400, 1234, 0.3241, 0.298, 0.351),
		rate("referral.own_channels", 300, 1234, 0.2431, 0.22, 0.268),
		{ID: "referral.other", Scope: c, Period: "2026-Q3", Unit: "rate", Suppressed: true},
		{ID: "hard_outcome_rate.w26", Scope: c, Period: "2026-Q3", Unit: "rate", Cohort: "2025-Q4", Numerator: fp(20), Denominator: fp(80), Value: fp(0.25), CILow: fp(0.168), CIHigh: fp(0.354)},
		{ID: "cost.per_hard_outcome", Scope: c, Period: "2026-Q3", Unit: "gbp", Numerator: fp(250000), Denominator: fp(500), Value: fp(500)},
		{ID: "savings.net.central", Scope: c, Period: "2026-Q3", Unit: "gbp", Value: fp(312345.5)},
		{ID: "savings.ratio.central", Scope: c, Period: "2026-Q3", Unit: "ratio", Value: fp(1.249382)},
		{ID: "personal_budget.CARER.difference", Scope: c, Period: "2026-Q3", Unit: "difference", Value: fp(-0.052), CILow: fp(-0.13), CIHigh: fp(0.031)},
		rate("personal_budget.NONE.rate", 60, 200, 0.3, 0.239, 0.368),
		count("support.contacts.activity.ONE_TO_ONE_ADVICE", "2026-Q3", 4321),
		count("support.minutes.activity.ONE_TO_ONE_ADVICE", "2026-Q3", 98765),
		{ID: "reach.registered", Scope: c, Period: "2026-Q3", Unit: "count", Subgroup: &metrics.Subgroup{Dimension: "age_band", Value: hostile}, Value: fp(17)},
		{ID: "reach.supported", Scope: c, Period: "2026-Q3", Unit: "count", Subgroup: &metrics.Subgroup{Dimension: "age_band", Value: "65+"}, Value: fp(23)},
		{ID: "reach.registered", Scope: "ORG1", Period: "2026-Q3", Unit: "count", Value: fp(99999)},
	}
	return Report{
		Period:  "2026-Q3",
		Scope:   c,
		Orgs:    []string{"ORG1", "ORG2", hostile},
		Figures: figs,
		Methods: []MethodNote{{ID: "sustained", Definition: "Still in work at the check point. " + hostile}},
		Assumptions: []Assumption{
			{Name: "Yearly gain when a workless person moves into work", Value: 6897, Unit: "gbp", PriceYear: "2015/16", Source: "Joseph Rowntree Foundation"},
			{Name: "Deadweight", Value: 0.25, Unit: UnitShare, Source: "=1+1"},
		},
		Quality: []metrics.QualityRow{
			{Org: "ORG1", Period: "2026-Q3", Kind: "carers", Arrived: true, RowsAccepted: 12345, UploadID: "=1+1"},
			{Org: hostile, Period: "2026-Q3", Kind: "support", RowsRejected: 3, RejectedByReason: map[string]int{"unknown_code": 1, "date_invalid": 2}},
		},
		MissingFinance: []string{"ORG2", hostile},
		Labels:         map[string]map[string]string{"age_band": {"65+": "65 and over"}},
		Generated:      time.Date(2026, 10, 15, 9, 30, 0, 0, time.UTC),
	}
}

func write(t *testing.T, r Report) (string, string) {
	t.Helper()
	dir := t.TempDir()
	if err := Write(dir, r); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, HTMLFile))
	if err != nil {
		t.Fatal(err)
	}
	return dir, string(b)
}

func TestHTML(t *testing.T) {
	r := sampleReport()
	_, page := write(t, r)
	for _, want := range []string{
		`lang="en-GB"`, "1,234", "15,678", "1,234,567", "30.0% (25.6%–34.8%)", "65.1%", // 41/63 lower bound
		"71.9% (50.0%–90.0%)", "32.4% (29.8%–35.1%)", "£500", "£250,000 ÷ 500", "£312,345.50", "1.25",
		"−5.2 percentage points (−13.0 to &#43;3.1)", "25.0% (16.8%–35.4%), 20 of 80", "2025-Q4",
		"£6,897", "25%", "12,345", "Rows accepted", "<th scope=\"col\"", "<th scope=\"row\"",
		Suppressed, "<svg", "chart-sustained", "chart-outcomes", "2026-Q2",
		"Personal budgets", "No personal budget", "30.0% (23.9%–36.8%)", "not evidence that personal budgets cause",
		"leave out ORG2, &lt;script&gt;", "a finance return is missing", "date_invalid 2, unknown_code 1",
		"Support given", "One to one advice", "4,321", "98,765", "Who the service reaches", "By age band",
		"65 and over", // the standard's label
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	// Absent sections and other scopes are not shown.
	// ORG1's figure shows in its own section of the consortium's report.
	if !strings.Contains(page, "Organisation ORG1") || !strings.Contains(page, "99,999") {
		t.Error("the page has no section for ORG1 with its figure")
	}
	for _, absent := range []string{"Soft outcomes", "secret", "STARTED_TRAINING", "Started training", "Organisation ORG2"} {
		if strings.Contains(page, absent) {
			t.Errorf("page shows %q", absent)
		}
	}
	for _, bad := range []string{"http://", "https://", "<script", "<link", "@import", "url(", "<img", "<iframe"} {
		if strings.Contains(strings.ToLower(page), bad) {
			t.Errorf("page holds %q", bad)
		}
	}
	if !strings.Contains(page, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Error("hostile text not escaped as expected")
	}
	// Every chart is inline SVG inside a figure with a caption.
	if n := strings.Count(page, "<svg"); n != 3 {
		t.Errorf("%d charts, want 3 (sustained, outcomes by quarter, cost)", n)
	}
	if strings.Count(page, "<figure>") != strings.Count(page, "<svg") {
		t.Error("a chart outside a figure")
	}
	tokenise(t, page)
}

func TestWrite_SharedStyle(t *testing.T) {
	// The page must look like the uploader's validation report, so its style
	// element starts with the shared base and adds only this page's own rules.
	for _, tc := range []struct {
		name string
		r    Report
	}{
		{"sample report", sampleReport()},
		{"no figures", Report{Period: "2026-Q3", Scope: metrics.Consortium}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, page := write(t, tc.r)
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
			// The page's own rules: suppressed cells, charts and A4 printing.
			for _, want := range []string{".sup{", "figure svg{", "@page{size:A4"} {
				if !strings.Contains(strings.TrimPrefix(css, pagestyle.Base), want) {
					t.Errorf("the page's own rules lack %q", want)
				}
			}
		})
	}
}

// tokenise checks that the page is well formed enough for encoding/xml in
// HTML mode, and that every element opened is closed.
func tokenise(t *testing.T, page string) {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(page))
	d.Strict = false
	d.AutoClose = xml.HTMLAutoClose
	d.Entity = xml.HTMLEntity
	depth := 0
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("tokenise: %v", err)
		}
		switch tok.(type) {
		case xml.StartElement:
			depth++
		case xml.EndElement:
			depth--
		}
	}
	if depth != 0 {
		t.Errorf("unbalanced elements: depth %d at the end", depth)
	}
}

func TestSuppressedNeverANumber(t *testing.T) {
	r := sampleReport()
	// A caller who leaves numbers in a suppressed figure still shows none.
	r.Figures = append(r.Figures, metrics.Figure{ID: "soft.confidence.change", Scope: r.Scope, Period: r.Period, Unit: "mean_change",
		Value: fp(4242.42), Denominator: fp(7777), CILow: fp(1), CIHigh: fp(2), Suppressed: true})
	dir, page := write(t, r)
	if strings.Contains(page, "4242") || strings.Contains(page, "7,777") || strings.Contains(page, "7777") {
		t.Error("a suppressed figure's number is on the page")
	}
	if !strings.Contains(page, "Soft outcomes") {
		t.Error("soft outcome section missing")
	}
	js, _ := os.ReadFile(filepath.Join(dir, FiguresFile))
	if bytes.Contains(js, []byte("4242")) || bytes.Contains(js, []byte("7777")) {
		t.Error("a suppressed figure's number is in figures.json")
	}
	for _, f := range []string{"soft-outcomes.csv", "headline.csv"} {
		b, _ := os.ReadFile(filepath.Join(dir, f))
		if bytes.Contains(b, []byte("4242")) {
			t.Errorf("%s: suppressed number", f)
		}
	}
}

func TestFiguresJSON(t *testing.T) {
	r := sampleReport()
	dir, _ := write(t, r)
	b, err := os.ReadFile(filepath.Join(dir, FiguresFile))
	if err != nil {
		t.Fatal(err)
	}
	var got []metrics.Figure
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, r.Figures) {
		t.Errorf("figures.json does not round-trip:\n got %+v\nwant %+v", got, r.Figures)
	}
	// The shape of section 12.
	var raw []map[string]any
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"id", "scope", "period", "unit", "numerator", "denominator", "value", "ci_low", "ci_high", "lower_bound", "counts", "suppressed"} {
		if _, ok := raw[12][k]; !ok {
			t.Errorf("sustained figure lacks %q", k)
		}
	}
	if len(raw[8]) != 5 || raw[8]["suppressed"] != true {
		t.Errorf("suppressed figure: %v", raw[8])
	}
	empty, err := FiguresJSON(nil)
	if err != nil || strings.TrimSpace(string(empty)) != "[]" {
		t.Errorf("no figures: %q %v", empty, err)
	}
}

func TestCSV(t *testing.T) {
	dir, _ := write(t, sampleReport())
	names, _ := filepath.Glob(filepath.Join(dir, "*.csv"))
	want := []string{"assumptions", "cohort-rates", "cost-and-savings", "data-quality-consent", "data-quality-values", "data-quality", "hard-outcomes-by-quarter", "hard-outcomes", "headline", "org-ORG1", "personal-budgets", "referral", "subgroups-age_band", "support-by-activity", "sustained"}
	var got []string
	for _, n := range names {
		got = append(got, strings.TrimSuffix(filepath.Base(n), ".csv"))
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("CSVs %v, want %v", got, want)
	}
	for _, n := range names {
		f, err := os.Open(n)
		if err != nil {
			t.Fatal(err)
		}
		recs, err := csv.NewReader(f).ReadAll()
		f.Close()
		if err != nil {
			t.Errorf("%s: %v", n, err)
			continue
		}
		if len(recs) < 2 {
			t.Errorf("%s: %d records", n, len(recs))
		}
		for _, rec := range recs {
			for _, c := range rec {
				if c == "=1+1" {
					t.Errorf("%s: formula not neutralised", n)
				}
			}
		}
	}
	for _, n := range []string{"assumptions.csv", "data-quality.csv"} {
		b, _ := os.ReadFile(filepath.Join(dir, n))
		if !strings.Contains(string(b), "'=1+1") {
			t.Errorf("%s lacks the neutralised '=1+1", n)
		}
	}
	b, _ := os.ReadFile(filepath.Join(dir, "sustained.csv"))
	recs, _ := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if recs[1][0] != "Job starts at 13 weeks" || recs[1][1] != "63" || recs[1][5] != "9.5%" {
		t.Errorf("sustained.csv row: %q", recs[1])
	}
}

func TestSingleQuarterAndEmpty(t *testing.T) {
	r := sampleReport()
	var figs []metrics.Figure
	for _, f := range r.Figures {
		if f.Period == "2026-Q3" {
			figs = append(figs, f)
		}
	}
	r.Figures = figs
	r.Quality = nil
	_, page := write(t, r)
	if strings.Contains(page, "by quarter") {
		t.Error("chart by quarter with one quarter")
	}
	if !strings.Contains(page, "chart-outcomes") || !strings.Contains(page, "No data-quality summary") {
		t.Error("bar per outcome or quality note missing")
	}
	tokenise(t, page)

	dir, page := write(t, Report{Period: "2026-Q3", Scope: "ORG1"})
	tokenise(t, page)
	if strings.Contains(page, "<svg") {
		t.Error("chart with no figures")
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "*.csv")); len(m) != 0 {
		t.Errorf("CSVs with no tables: %v", m)
	}
}

func TestValue(t *testing.T) {
	for _, c := range []struct {
		f    metrics.Figure
		want string
	}{
		{metrics.Figure{Unit: "rate", Value: fp(0.7193), CILow: fp(0.592), CIHigh: fp(0.819)}, "71.9% (59.2%–81.9%)"},
		{metrics.Figure{Unit: "count", Value: fp(1234567)}, "1,234,567"},
		{metrics.Figure{Unit: "count", Value: fp(12)}, "12"},
		{metrics.Figure{Unit: "gbp", Value: fp(1234.5)}, "£1,234.50"},
		{metrics.Figure{Unit: "gbp", Value: fp(-6897)}, "−£6,897"},
		{metrics.Figure{Unit: "mean_change", Value: fp(1.234), CILow: fp(-0.5), CIHigh: fp(2.9)}, "+1.23 (−0.50 to +2.90)"},
		{metrics.Figure{Unit: "rate"}, "no value"},
		{metrics.Figure{Unit: "rate", Value: fp(0.5), Suppressed: true}, Suppressed},
	} {
		if got := Value(c.f); got != c.want {
			t.Errorf("Value(%s) = %q, want %q", c.f.Unit, got, c.want)
		}
	}
}
