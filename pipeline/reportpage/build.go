package reportpage

import (
	"cmp"
	"fmt"
	"html/template"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/carer-outcomes/carer-outcomes/pipeline/metrics"
)

// Suppressed is what the page and the CSVs show for a suppressed figure.
const Suppressed = "suppressed (small numbers)"

type page struct {
	Title     string
	Scope     string
	Period    string
	Orgs      string
	Generated string
	GenISO    string
	Sections  []*section
	Methods   []MethodNote
	Quality   *table
	QualText  string
	QualParts []qualityPart
}

type section struct {
	ID     string
	Title  string
	Intro  []string
	Charts []chart
	Tables []*table
	Notes  []string
}

type chart struct {
	ID      string
	Caption string
	SVG     template.HTML
}

type table struct {
	ID      string // also the CSV's name
	Caption string
	Head    []string // the first is the row headers' column
	Num     []bool   // per data column: right-aligned
	Rows    []row
}

type row struct {
	Head  string
	Cells []cell
}

type cell struct {
	Text       string
	Suppressed bool
}

func (p *page) tables() []*table {
	var ts []*table
	for _, s := range p.Sections {
		ts = append(ts, s.Tables...)
	}
	if p.Quality != nil {
		ts = append(ts, p.Quality)
	}
	for _, q := range p.QualParts {
		ts = append(ts, q.Table)
	}
	return ts
}

// figureSet finds the figures the page shows.
type figureSet struct {
	r    *Report
	used map[int]bool
}

func (fs *figureSet) current(f *metrics.Figure) bool {
	return f.Scope == fs.r.Scope && f.Period == fs.r.Period && f.Subgroup == nil
}

// get returns the current figure with that id and no cohort.
func (fs *figureSet) get(id string) *metrics.Figure {
	for i := range fs.r.Figures {
		f := &fs.r.Figures[i]
		if f.ID == id && f.Cohort == "" && fs.current(f) {
			fs.used[i] = true
			return f
		}
	}
	return nil
}

// prefixed returns the current figures whose id starts with prefix, in
// report order.
func (fs *figureSet) prefixed(prefix string) []*metrics.Figure {
	var out []*metrics.Figure
	for i := range fs.r.Figures {
		f := &fs.r.Figures[i]
		if strings.HasPrefix(f.ID, prefix) && f.Cohort == "" && fs.current(f) {
			fs.used[i] = true
			out = append(out, f)
		}
	}
	return out
}

// cohorts returns the current figures with that id, one per cohort, by cohort.
func (fs *figureSet) cohorts(id string) []*metrics.Figure {
	var out []*metrics.Figure
	for i := range fs.r.Figures {
		f := &fs.r.Figures[i]
		if f.ID == id && f.Cohort != "" && fs.current(f) {
			fs.used[i] = true
			out = append(out, f)
		}
	}
	slices.SortStableFunc(out, func(a, b *metrics.Figure) int { return cmp.Compare(a.Cohort, b.Cohort) })
	return out
}

func build(r Report) (*page, error) {
	fs := &figureSet{r: &r, used: map[int]bool{}}
	scope := r.Scope
	if scope == metrics.Consortium {
		scope = "the consortium"
	}
	p := &page{
		Title:   fmt.Sprintf("Carer outcomes report for %s, %s", scope, r.Period),
		Scope:   scope,
		Period:  r.Period,
		Orgs:    strings.Join(r.Orgs, ", "),
		Methods: r.Methods,
	}
	if !r.Generated.IsZero() {
		g := r.Generated.UTC()
		p.Generated = g.Format("2 January 2006, 15:04 UTC")
		p.GenISO = g.Format(time.RFC3339)
	}
	steps := []func(*figureSet) (*section, error){
		headline, sustained, outcomes, support, referral, soft, costs, budgets, subgroups, other,
	}
	for _, step := range steps {
		s, err := step(fs)
		if err != nil {
			return nil, err
		}
		if s != nil {
			p.Sections = append(p.Sections, s)
		}
	}
	// A consortium's report goes on with a section per organisation: its
	// headline figures, as suppressed as the caller made them.
	if r.Scope == metrics.Consortium {
		for _, org := range r.Orgs {
			one := r
			one.Scope = org
			s, err := headline(&figureSet{r: &one, used: map[int]bool{}})
			if err != nil {
				return nil, err
			}
			if s == nil {
				continue
			}
			id := "org-" + clean(org)
			s.ID, s.Title, s.Notes = id, "Organisation "+clean(org), nil
			s.Tables[0].ID, s.Tables[0].Caption = id, "Headline figures of "+clean(org)+" for the quarter"
			p.Sections = append(p.Sections, s)
		}
	}
	if len(r.Assumptions) > 0 {
		t := &table{ID: "assumptions", Caption: "Values of the cost model",
			Head: []string{"Value", "Amount", "Price year", "Source"}, Num: []bool{true, false, false}}
		for _, a := range r.Assumptions {
			t.Rows = append(t.Rows, row{Head: clean(a.Name), Cells: []cell{
				{Text: assumptionValue(a)}, {Text: dash(clean(a.PriceYear))}, {Text: dash(clean(a.Source))}}})
		}
		p.Sections = append(p.Sections, &section{ID: "assumptions", Title: "Assumptions", Tables: []*table{t},
			Intro: []string{"Fiscal savings rest on these values; change them and the savings change."}})
	}
	for i := range p.Methods {
		p.Methods[i].ID = clean(p.Methods[i].ID)
		p.Methods[i].Definition = clean(p.Methods[i].Definition)
	}
	p.Quality, p.QualText = qualityTable(r.Quality)
	p.QualParts = qualityParts(r.Quality)
	return p, nil
}

func dash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// figureRow is a row of label, value and "numerator of denominator".
func figureRow(label string, f *metrics.Figure) row {
	if f.Suppressed {
		return row{Head: label, Cells: []cell{{Text: Suppressed, Suppressed: true}, {Text: Suppressed, Suppressed: true}}}
	}
	base := "—"
	if f.Numerator != nil && f.Denominator != nil && (f.Unit == metrics.UnitRate || f.Unit == "difference") {
		base = fmt.Sprintf("%s of %s", num(*f.Numerator), num(*f.Denominator))
	} else if f.Unit == "mean_change" && f.Denominator != nil {
		base = num(*f.Denominator) + " pairs"
	} else if f.Unit == "gbp" && f.Numerator != nil && f.Denominator != nil {
		base = fmt.Sprintf("%s ÷ %s", money(*f.Numerator), num(*f.Denominator))
	}
	return row{Head: label, Cells: []cell{{Text: Value(*f)}, {Text: base}}}
}

func figureTable(id, caption string, rows []row) *table {
	return &table{ID: id, Caption: caption, Head: []string{"Figure", "Value", "From"}, Num: []bool{true, true}, Rows: rows}
}

func headline(fs *figureSet) (*section, error) {
	items := []struct{ id, label string }{
		{"reach.registered", "Carers registered in the quarter"},
		{"reach.registered_cumulative", "Carers registered to date"},
		{"reach.supported", "Carers supported in the quarter"},
		{"support.contacts", "Support contacts"},
		{"support.minutes", "Minutes of support"},
		{"support.outside_office_hours", "Contacts outside office hours"},
		{"outcomes.quarter.any_hard", "Carers with a hard outcome in the quarter"},
		{"sustained.starts.w26", "Job starts sustained at 26 weeks"},
		{"sustained.kept.w26", "Jobs kept, sustained at 26 weeks"},
	}
	var rows []row
	for _, it := range items {
		if f := fs.get(it.id); f != nil {
			rows = append(rows, figureRow(it.label, f))
		}
	}
	if len(rows) == 0 {
		return nil, nil
	}
	return &section{ID: "headline", Title: "Headline figures", Tables: []*table{figureTable("headline", "Headline figures for the quarter", rows)},
		Notes: []string{"Rates show the 95% interval in brackets. A sustainment rate counts only jobs whose status is known; the sustained employment section shows the unknown share beside it."}}, nil
}

// sustainedWeeks are section 3's check points, as figure id suffixes.
func sustainedWeeks() []string { return []string{"w13", "w26", "w52"} }

func sustained(fs *figureSet) (*section, error) {
	kinds := []struct{ key, label string }{{"starts", "Job starts"}, {"kept", "Jobs kept"}}
	t := &table{ID: "sustained", Caption: "Sustained employment, cumulative",
		Head: []string{"Outcome", "Due", "Sustained", "Not sustained", "Unknown", "Unknown share", "Sustainment rate", "Lower bound (unknown counted as not sustained)"},
		Num:  []bool{true, true, true, true, true, true, true}}
	var labels []string
	var sus, not, unk []float64
	var hidden []string
	for _, k := range kinds {
		for _, w := range sustainedWeeks() {
			f := fs.get("sustained." + k.key + "." + w)
			if f == nil {
				continue
			}
			label := fmt.Sprintf("%s at %s weeks", k.label, strings.TrimPrefix(w, "w"))
			if f.Suppressed {
				cs := make([]cell, 7)
				for i := range cs {
					cs[i] = cell{Text: Suppressed, Suppressed: true}
				}
				t.Rows = append(t.Rows, row{Head: label, Cells: cs})
				hidden = append(hidden, label)
				continue
			}
			due, s, n, u := f.Counts["due"], f.Counts["sustained"], f.Counts["not_sustained"], f.Counts["unknown"]
			share := "—"
			if due > 0 {
				share = pct(float64(u)/float64(due), 1)
			}
			lb := "—"
			if f.LowerBound != nil {
				lb = pct(*f.LowerBound, 1)
			}
			t.Rows = append(t.Rows, row{Head: label, Cells: []cell{
				{Text: num(float64(due))}, {Text: num(float64(s))}, {Text: num(float64(n))}, {Text: num(float64(u))},
				{Text: share}, {Text: Value(*f)}, {Text: lb}}})
			if due > 0 {
				labels = append(labels, fmt.Sprintf("%s %s wk", map[string]string{"starts": "Starts", "kept": "Kept"}[k.key], strings.TrimPrefix(w, "w")))
				d := float64(due)
				sus = append(sus, 100*float64(s)/d)
				not = append(not, 100*float64(n)/d)
				unk = append(unk, 100*float64(u)/d)
			}
		}
	}
	if len(t.Rows) == 0 {
		return nil, nil
	}
	s := &section{ID: "sustained-employment", Title: "Sustained employment",
		Intro: []string{"For every job start and every job kept that is due, whether the carer was still in work at the check point: sustained, not sustained, or unknown when no follow-up survey answered. The sustainment rate leaves the unknown out; the lower bound counts every unknown as not sustained. The true rate lies between them."}}
	if len(labels) > 0 {
		svg, err := barChart("chart-sustained", labels, []string{"Sustained", "Not sustained", "Unknown"},
			[][]float64{sus, not, unk}, true, "%", []string{"#1e7b3a", "#b3261e", "#8c8c8c"}, "Share of due outcomes (%)")
		if err != nil {
			return nil, err
		}
		s.Charts = append(s.Charts, chart{ID: "chart-sustained", SVG: svg,
			Caption: "Share of due job starts and jobs kept that were sustained, not sustained or unknown, at 13, 26 and 52 weeks (each bar is 100% of those due)"})
	}
	if len(hidden) > 0 {
		s.Notes = append(s.Notes, "Not in the chart because they are suppressed (small numbers): "+strings.Join(hidden, "; ")+".")
	}
	s.Tables = append(s.Tables, t)
	return s, nil
}

// hardOutcomes are metrics.md section 2's hard outcome codes, in order.
func hardOutcomes() []struct{ code, label string } {
	return []struct{ code, label string }{
		{"STAYED_IN_WORK", "Stayed in work"},
		{"STARTED_WORK", "Started work"},
		{"STARTED_SELF_EMPLOYMENT", "Started self-employment"},
		{"STARTED_TRAINING", "Started training"},
		{"STARTED_EDUCATION", "Started education"},
	}
}

func outcomeLabel(code string) string {
	for _, h := range hardOutcomes() {
		if h.code == code {
			return h.label
		}
	}
	if code == "any_hard" {
		return "Any hard outcome"
	}
	return code
}

func outcomes(fs *figureSet) (*section, error) {
	const prefix = "outcomes.quarter."
	// The codes of the quarter's figures: the known ones in order, then others.
	var codes []string
	for _, h := range hardOutcomes() {
		codes = append(codes, h.code)
	}
	for _, f := range fs.r.Figures {
		c, ok := strings.CutPrefix(f.ID, prefix)
		if ok && !slices.Contains(codes, c) && c != "any_hard" && f.Scope == fs.r.Scope && f.Subgroup == nil {
			codes = append(codes, c)
		}
	}
	codes = append(codes, "any_hard")

	var rows []row
	var shown []string
	var vals []float64
	for _, c := range codes {
		f := fs.get(prefix + c)
		if f == nil {
			continue
		}
		rows = append(rows, row{Head: clean(outcomeLabel(c)), Cells: []cell{valueCell(f)}})
		if c != "any_hard" && !f.Suppressed && f.Value != nil {
			shown = append(shown, c)
			vals = append(vals, *f.Value)
		}
	}
	s := &section{ID: "hard-outcomes", Title: "Hard outcomes",
		Intro: []string{"Carers who stayed in work or started work, self-employment, training or education. A carer with two kinds of outcome counts under each, and once under any hard outcome."}}
	if len(rows) > 0 {
		s.Tables = append(s.Tables, &table{ID: "hard-outcomes", Caption: "Carers with each hard outcome in " + fs.r.Period,
			Head: []string{"Outcome", "Carers"}, Num: []bool{true}, Rows: rows})
	}

	// By quarter, when figures of several quarters are given.
	periods := map[string]bool{}
	for _, f := range fs.r.Figures {
		if strings.HasPrefix(f.ID, prefix) && f.Scope == fs.r.Scope && f.Subgroup == nil && f.Cohort == "" {
			periods[f.Period] = true
		}
	}
	if len(periods) > 1 {
		ps := make([]string, 0, len(periods))
		for p := range periods {
			ps = append(ps, p)
		}
		slices.Sort(ps)
		var names []string
		var series [][]float64
		qt := &table{ID: "hard-outcomes-by-quarter", Caption: "Carers with each hard outcome, by quarter",
			Head: append([]string{"Outcome"}, ps...)}
		for range ps {
			qt.Num = append(qt.Num, true)
		}
		for _, c := range codes {
			var cells []cell
			vs := make([]float64, len(ps))
			any, drawn := false, false
			for i, p := range ps {
				f := fs.find(prefix+c, p)
				switch {
				case f == nil:
					cells = append(cells, cell{Text: "—"})
				case f.Suppressed:
					cells = append(cells, cell{Text: Suppressed, Suppressed: true})
					any = true
				default:
					cells = append(cells, valueCell(f))
					any = true
					if f.Value != nil {
						vs[i] = *f.Value
						drawn = true
					}
				}
			}
			if !any {
				continue
			}
			qt.Rows = append(qt.Rows, row{Head: clean(outcomeLabel(c)), Cells: cells})
			if c != "any_hard" && drawn {
				names = append(names, outcomeLabel(c))
				series = append(series, vs)
			}
		}
		if len(series) > 0 {
			svg, err := barChart("chart-outcomes", ps, names, series, false, "", nil, "Carers")
			if err != nil {
				return nil, err
			}
			s.Charts = append(s.Charts, chart{ID: "chart-outcomes", SVG: svg, Caption: "Carers with each hard outcome, by quarter"})
			s.Notes = append(s.Notes, "A suppressed or missing figure is drawn as 0 in the chart; the table shows which.")
		}
		s.Tables = append(s.Tables, qt)
	} else if len(shown) > 0 {
		labels := make([]string, len(shown))
		for i, c := range shown {
			labels[i] = outcomeLabel(c)
		}
		svg, err := barChart("chart-outcomes", labels, []string{"Carers"}, [][]float64{vals}, false, "", nil, "Carers")
		if err != nil {
			return nil, err
		}
		s.Charts = append(s.Charts, chart{ID: "chart-outcomes", SVG: svg, Caption: "Carers with each hard outcome in " + fs.r.Period})
	}

	// Cohort rates.
	ct := &table{ID: "cohort-rates", Caption: "Hard-outcome rate of each registration cohort",
		Head: []string{"Cohort", "Within 26 weeks", "Within 52 weeks"}, Num: []bool{true, true}}
	byCohort := map[string][2]*metrics.Figure{}
	var cohorts []string
	for j, id := range []string{"hard_outcome_rate.w26", "hard_outcome_rate.w52"} {
		for _, f := range fs.cohorts(id) {
			e, ok := byCohort[f.Cohort]
			if !ok {
				cohorts = append(cohorts, f.Cohort)
			}
			e[j] = f
			byCohort[f.Cohort] = e
		}
	}
	slices.Sort(cohorts)
	for _, c := range cohorts {
		e := byCohort[c]
		r := row{Head: clean(c)}
		for _, f := range e {
			if f == nil {
				r.Cells = append(r.Cells, cell{Text: "—"})
				continue
			}
			vc := valueCell(f)
			if !f.Suppressed && f.Numerator != nil && f.Denominator != nil {
				vc.Text += fmt.Sprintf(", %s of %s", num(*f.Numerator), num(*f.Denominator))
			}
			r.Cells = append(r.Cells, vc)
		}
		ct.Rows = append(ct.Rows, r)
	}
	if len(ct.Rows) > 0 {
		s.Tables = append(s.Tables, ct)
	}
	if len(s.Tables) == 0 {
		return nil, nil
	}
	return s, nil
}

// find returns the figure of the report's scope with that id and period.
func (fs *figureSet) find(id, period string) *metrics.Figure {
	for i := range fs.r.Figures {
		f := &fs.r.Figures[i]
		if f.ID == id && f.Period == period && f.Scope == fs.r.Scope && f.Subgroup == nil && f.Cohort == "" {
			fs.used[i] = true
			return f
		}
	}
	return nil
}

func valueCell(f *metrics.Figure) cell {
	if f.Suppressed {
		return cell{Text: Suppressed, Suppressed: true}
	}
	return cell{Text: Value(*f)}
}

func simpleSection(fs *figureSet, id, title, caption string, intro []string, items [][2]string) *section {
	var rows []row
	for _, it := range items {
		if f := fs.get(it[0]); f != nil {
			rows = append(rows, figureRow(it[1], f))
		}
	}
	if len(rows) == 0 {
		return nil
	}
	return &section{ID: id, Title: title, Intro: intro, Tables: []*table{figureTable(id, caption, rows)}}
}

func referral(fs *figureSet) (*section, error) {
	return simpleSection(fs, "referral", "How carers came to the service", "Share of carers registered in the quarter, by how they came",
		[]string{"Partner referral: GP, hospital, pharmacy, college, Jobcentre, training provider, local authority or another charity. Own channels: on site or the organisation's own marketing."},
		[][2]string{
			{"referral.partner", "Partner referral"},
			{"referral.own_channels", "Organisation's own channels"},
			{"referral.outreach_social", "Outreach and social media"},
			{"referral.other", "Other, or not known"},
		}), nil
}

func soft(fs *figureSet) (*section, error) {
	return simpleSection(fs, "soft-outcomes", "Soft outcomes", "Change between the baseline survey and the latest later survey",
		[]string{"Mean change per carer, later survey minus baseline, with its 95% interval; fewer than 10 pairs are not shown."},
		[][2]string{
			{"soft.confidence.change", "Confidence, mean change"},
			{"soft.it_skills.change", "IT skills, mean change"},
			{"soft.swemwbs.change", "Wellbeing (SWEMWBS metric score), mean change"},
			{"soft.swemwbs.improved", "Wellbeing improved by 3 points or more"},
		}), nil
}

func costs(fs *figureSet) (*section, error) {
	s := simpleSection(fs, "cost-and-savings", "Cost against savings", "Delivery cost and fiscal savings over the four quarters",
		[]string{"Delivery cost over the four quarters, and savings to the public purse from sustained outcomes only, net of deadweight and attribution (low, central and high assumptions)."},
		[][2]string{
			{"cost.per_carer_supported", "Cost per carer supported"},
			{"cost.per_hard_outcome", "Cost per hard outcome"},
			{"cost.per_sustained_job_w26", "Cost per job sustained at 26 weeks"},
			{"funding.runway_months", "Months of funding secured"},
			{"savings.gross", "Gross fiscal saving"},
			{"savings.net.low", "Net fiscal saving, low"},
			{"savings.net.central", "Net fiscal saving, central"},
			{"savings.net.high", "Net fiscal saving, high"},
			{"savings.ratio.central", "Pounds saved per pound spent (central)"},
		})
	if missing := fs.r.MissingFinance; len(missing) > 0 {
		note := fmt.Sprintf("Cost and savings figures leave out %s: a finance return is missing for one of the four quarters.", clean(strings.Join(missing, ", ")))
		if s == nil {
			s = &section{ID: "cost-and-savings", Title: "Cost against savings"}
		}
		s.Notes = append(s.Notes, note)
	}
	if s == nil {
		return nil, nil
	}
	// The chart: delivery cost (the numerator of a cost per unit) beside the
	// net savings.
	var labels []string
	var vals []float64
	for _, id := range []string{"cost.per_carer_supported", "cost.per_hard_outcome", "cost.per_sustained_job_w26"} {
		if f := fs.get(id); f != nil && !f.Suppressed && f.Numerator != nil {
			labels, vals = append(labels, "Delivery cost"), append(vals, *f.Numerator)
			break
		}
	}
	for _, it := range [][2]string{{"savings.net.low", "Net saving, low"}, {"savings.net.central", "Net saving, central"}, {"savings.net.high", "Net saving, high"}} {
		if f := fs.get(it[0]); f != nil && !f.Suppressed && f.Value != nil {
			labels, vals = append(labels, it[1]), append(vals, *f.Value)
		}
	}
	if len(labels) > 1 && labels[0] == "Delivery cost" {
		svg, err := barChart("chart-cost", labels, []string{"Pounds"}, [][]float64{vals}, false, "£", []string{"#1d4f91"}, "Pounds")
		if err != nil {
			return nil, err
		}
		s.Charts = append(s.Charts, chart{ID: "chart-cost", SVG: svg, Caption: "Delivery cost over the four quarters against net fiscal savings (pounds)"})
	}
	return s, nil
}

// grid is a table of figures: one row per label, one column per figure
// id, each cell the figure's value, or a dash where there is none.
type grid struct {
	t      *table
	rows   map[string]int
	column map[string]int
}

func newGrid(id, caption, rowHead string, columns [][2]string) *grid {
	g := &grid{t: &table{ID: id, Caption: caption, Head: []string{rowHead}}, rows: map[string]int{}, column: map[string]int{}}
	for i, c := range columns {
		g.column[c[0]] = i
		g.t.Head = append(g.t.Head, c[1])
		g.t.Num = append(g.t.Num, true)
	}
	return g
}

// put sets the cell of a figure, adding its row the first time.
func (g *grid) put(label, id string, f *metrics.Figure) {
	c, ok := g.column[id]
	if !ok {
		return
	}
	r, ok := g.rows[label]
	if !ok {
		r = len(g.t.Rows)
		g.rows[label] = r
		cells := make([]cell, len(g.column))
		for i := range cells {
			cells[i] = cell{Text: "—"}
		}
		g.t.Rows = append(g.t.Rows, row{Head: clean(label), Cells: cells})
	}
	g.t.Rows[r].Cells[c] = valueCell(f)
}

// label is the standard's words for a code of a column, or codeLabel's.
func (fs *figureSet) label(column, code string) string {
	if l, ok := fs.r.Labels[column][code]; ok {
		return l
	}
	return codeLabel(code)
}

// codeLabel turns a code into words: "ONE_TO_ONE_ADVICE" → "One to one advice".
func codeLabel(code string) string {
	w := strings.ToLower(strings.ReplaceAll(code, "_", " "))
	if w == "" {
		return w
	}
	return strings.ToUpper(w[:1]) + w[1:]
}

// support is the rest of metrics.md section 1: contacts and minutes by
// activity and by mode.
func support(fs *figureSet) (*section, error) {
	s := &section{ID: "support-given", Title: "Support given",
		Intro: []string{"Support contacts dated in the quarter and their minutes (a contact without minutes counts as a contact and adds none), by type of support and by how it was delivered."}}
	for _, col := range []struct{ key, title string }{{"activity", "Type of support"}, {"mode", "How it was delivered"}} {
		g := newGrid("support-by-"+col.key, "Support contacts and minutes by "+strings.ToLower(col.title), col.title,
			[][2]string{{"support.contacts", "Contacts"}, {"support.minutes", "Minutes"}})
		for _, id := range []string{"support.contacts", "support.minutes"} {
			prefix := id + "." + col.key + "."
			for _, f := range fs.prefixed(prefix) {
				g.put(fs.label(col.key, strings.TrimPrefix(f.ID, prefix)), id, f)
			}
		}
		if len(g.t.Rows) > 0 {
			s.Tables = append(s.Tables, g.t)
		}
	}
	if len(s.Tables) == 0 {
		return nil, nil
	}
	return s, nil
}

// subgroups is metrics.md section 9: for each dimension of the carer's
// profile, a table of the quarter's figures and one of the cohort rates.
// An organisation's own report shows its own subgroups, then the
// consortium's (suppressed as in the consortium's report).
func subgroups(fs *figureSet) (*section, error) {
	columns := [][2]string{
		{"reach.registered", "Registered"},
		{"reach.supported", "Supported"},
		{"outcomes.quarter.any_hard", "Any hard outcome"},
		{"sustained.starts.w13", "Job starts sustained at 13 weeks"},
		{"sustained.starts.w26", "Job starts sustained at 26 weeks"},
		{"sustained.starts.w52", "Job starts sustained at 52 weeks"},
		{"sustained.kept.w13", "Jobs kept, sustained at 13 weeks"},
		{"sustained.kept.w26", "Jobs kept, sustained at 26 weeks"},
		{"sustained.kept.w52", "Jobs kept, sustained at 52 weeks"},
	}
	cohortColumns := [][2]string{
		{"hard_outcome_rate.w26", "Hard outcome within 26 weeks"},
		{"hard_outcome_rate.w52", "Hard outcome within 52 weeks"},
	}
	scopes := []string{fs.r.Scope}
	if fs.r.Scope != metrics.Consortium {
		scopes = append(scopes, metrics.Consortium)
	}
	s := &section{ID: "subgroups", Title: "Who the service reaches, and for whom it works",
		Intro: []string{"The quarter's figures by the carer's profile (their latest carers row; the age band at their first registration). Each carer is in one group of each table, so a column adds up to the total; \"not recorded\" is the carers whose profile leaves it empty. A sustainment rate counts only jobs whose status is known. The cohort rates are those of each cohort shown at 26 or 52 weeks, over the group's members of that cohort."}}
	for _, scope := range scopes {
		var order []string
		grids := map[string][2]*grid{}
		for i := range fs.r.Figures {
			f := &fs.r.Figures[i]
			if f.Subgroup == nil || f.Scope != scope || f.Period != fs.r.Period {
				continue
			}
			d := f.Subgroup.Dimension
			g, ok := grids[d]
			if !ok {
				id, caption := "subgroups-"+clean(d), "By "+clean(dimensionLabel(d))
				if scope != fs.r.Scope {
					id, caption = "consortium-"+id, "The consortium, by "+clean(dimensionLabel(d))
				}
				g = [2]*grid{newGrid(id, caption, codeLabel(clean(d)), columns),
					newGrid(id+"-cohorts", caption+": hard outcomes by cohort", codeLabel(clean(d))+", cohort", cohortColumns)}
				grids[d] = g
				order = append(order, d)
			}
			label, target := fs.label(d, f.Subgroup.Value), g[0]
			if f.Cohort != "" {
				label, target = label+", "+f.Cohort, g[1]
			}
			if _, ok := target.column[f.ID]; ok {
				fs.used[i] = true
				target.put(label, f.ID, f)
			}
		}
		for _, d := range order {
			for _, g := range grids[d] {
				if len(g.t.Rows) > 0 {
					s.Tables = append(s.Tables, g.t)
				}
			}
		}
	}
	if len(s.Tables) == 0 {
		return nil, nil
	}
	return s, nil
}

// dimensionLabel names a subgroup dimension for a reader.
func dimensionLabel(d string) string {
	switch d {
	case "age_band":
		return "age band (16-24: young adult carers; 65+: older carers)"
	case "cared_for_condition":
		return "the cared-for person's condition"
	case "limiting_illness":
		return "the carer's own limiting illness"
	case "referral_group":
		return "how the carer came to the service"
	}
	return strings.ToLower(codeLabel(d))
}

// budgets is metrics.md section 8: each personal-budget group's
// hard-outcome rate and its difference from carers without one.
func budgets(fs *figureSet) (*section, error) {
	return simpleSection(fs, "personal-budgets", "Personal budgets", "Hard outcome within 52 weeks of registration, carers not in work when registered, by personal budget",
		[]string{"Carers of every cohort shown at 52 weeks who were not in work when they registered, grouped by personal budget; each group's hard-outcome rate, and its difference from carers without one. This is an observational comparison, not evidence that personal budgets cause the difference."},
		[][2]string{
			{"personal_budget.NONE.rate", "No personal budget"},
			{"personal_budget.CARER.rate", "The carer's own personal budget or direct payment"},
			{"personal_budget.CARED_FOR.rate", "The cared-for person's personal budget"},
			{"personal_budget.BOTH.rate", "Both"},
			{"personal_budget.CARER.difference", "The carer's own budget, difference from none"},
			{"personal_budget.CARED_FOR.difference", "The cared-for person's budget, difference from none"},
			{"personal_budget.BOTH.difference", "Both, difference from none"},
		}), nil
}

// other shows the figures of the quarter no other section showed, such as
// follow-up response, experience and subgroup figures.
func other(fs *figureSet) (*section, error) {
	t := &table{ID: "other-figures", Caption: "Other figures", Head: []string{"Figure", "Subgroup", "Cohort", "Value", "From"}, Num: []bool{false, false, true, true}}
	for i := range fs.r.Figures {
		f := &fs.r.Figures[i]
		if fs.used[i] || f.Scope != fs.r.Scope || f.Period != fs.r.Period || strings.HasPrefix(f.ID, "outcomes.quarter.") {
			continue
		}
		sub := "—"
		if f.Subgroup != nil {
			sub = clean(f.Subgroup.Dimension + " " + f.Subgroup.Value)
		}
		r := figureRow(clean(f.ID), f)
		r.Cells = append([]cell{{Text: sub}, {Text: dash(clean(f.Cohort))}}, r.Cells...)
		t.Rows = append(t.Rows, r)
	}
	if len(t.Rows) == 0 {
		return nil, nil
	}
	return &section{ID: "other-figures", Title: "Other figures", Tables: []*table{t},
		Intro: []string{"Further figures of the quarter, by id (see the methods section)."}}, nil
}

// Value formats a figure's value as the page shows it: a rate as a
// percentage with one decimal and its interval in brackets, a count as a
// whole number with thousands commas, money as pounds, a mean change and a
// difference with their sign and interval. A suppressed figure is
// Suppressed; a figure with no value is "no value".
func Value(f metrics.Figure) string {
	if f.Suppressed {
		return Suppressed
	}
	if f.Value == nil || math.IsNaN(*f.Value) || math.IsInf(*f.Value, 0) {
		return "no value"
	}
	v := *f.Value
	ci := f.CILow != nil && f.CIHigh != nil
	switch f.Unit {
	case metrics.UnitRate:
		s := pct(v, 1)
		if ci {
			s += fmt.Sprintf(" (%s–%s)", pct(*f.CILow, 1), pct(*f.CIHigh, 1))
		}
		return s
	case metrics.UnitCount:
		return num(v)
	case "gbp":
		return money(v)
	case "ratio":
		return strconv.FormatFloat(v, 'f', 2, 64)
	case "mean_change":
		s := signed(v, 2)
		if ci {
			s += fmt.Sprintf(" (%s to %s)", signed(*f.CILow, 2), signed(*f.CIHigh, 2))
		}
		return s
	case "difference":
		s := signed(100*v, 1) + " percentage points"
		if ci {
			s += fmt.Sprintf(" (%s to %s)", signed(100**f.CILow, 1), signed(100**f.CIHigh, 1))
		}
		return s
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// pct writes a proportion as a percentage.
func pct(v float64, dec int) string {
	return minus(strconv.FormatFloat(100*v, 'f', dec, 64)) + "%"
}

func signed(v float64, dec int) string {
	s := strconv.FormatFloat(v, 'f', dec, 64)
	if !strings.HasPrefix(s, "-") && strings.Trim(s, "0.") != "" {
		s = "+" + s
	}
	return minus(s)
}

func minus(s string) string {
	if t, ok := strings.CutPrefix(s, "-"); ok {
		if strings.Trim(t, "0.") == "" {
			return t
		}
		return "−" + t
	}
	return s
}

// num writes v rounded to a whole number, with thousands commas.
func num(v float64) string {
	return minus(commas(strconv.FormatFloat(math.Round(v), 'f', 0, 64)))
}

// money writes pounds with thousands commas, and pence unless whole.
func money(v float64) string {
	p := math.Round(v * 100)
	neg := p < 0
	p = math.Abs(p)
	s := "£" + commas(strconv.FormatFloat(math.Floor(p/100), 'f', 0, 64))
	if pence := math.Mod(p, 100); pence != 0 {
		s += fmt.Sprintf(".%02d", int(pence))
	}
	if neg {
		return "−" + s
	}
	return s
}

func commas(s string) string {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

func assumptionValue(a Assumption) string {
	switch strings.ToLower(a.Unit) {
	case "gbp", "£":
		return money(a.Value)
	case "share", "rate", "proportion":
		return minus(strconv.FormatFloat(100*a.Value, 'f', -1, 64)) + "%"
	case "percent", "%":
		return minus(strconv.FormatFloat(a.Value, 'f', -1, 64)) + "%"
	}
	s := minus(strconv.FormatFloat(a.Value, 'f', -1, 64))
	if a.Unit != "" {
		s += " " + clean(a.Unit)
	}
	return s
}

// qualityTable turns the data-quality summary into a table, or into text
// when it is not a struct or a slice of structs.
func qualityTable(q any) (*table, string) {
	if q == nil {
		return nil, ""
	}
	v := reflect.ValueOf(q)
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return nil, ""
		}
		v = v.Elem()
	}
	var elems []reflect.Value
	var et reflect.Type
	switch v.Kind() {
	case reflect.Struct:
		elems, et = []reflect.Value{v}, v.Type()
	case reflect.Slice, reflect.Array:
		et = v.Type().Elem()
		for et.Kind() == reflect.Pointer {
			et = et.Elem()
		}
		if et.Kind() != reflect.Struct {
			return nil, clean(fmt.Sprint(q))
		}
		for i := range v.Len() {
			elems = append(elems, v.Index(i))
		}
	default:
		return nil, clean(fmt.Sprint(q))
	}
	var fields []int
	t := &table{ID: "data-quality", Caption: "Data quality of the returns"}
	for i := range et.NumField() {
		sf := et.Field(i)
		if !sf.IsExported() {
			continue
		}
		name := sf.Tag.Get("report")
		if name == "-" {
			continue
		}
		if name == "" {
			name = words(sf.Name)
		}
		fields = append(fields, i)
		t.Head = append(t.Head, clean(name))
	}
	if len(fields) == 0 {
		return nil, ""
	}
	for _, i := range fields[1:] {
		k := et.Field(i).Type.Kind()
		t.Num = append(t.Num, k >= reflect.Int && k <= reflect.Float64)
	}
	for _, e := range elems {
		for e.Kind() == reflect.Pointer {
			if e.IsNil() {
				break
			}
			e = e.Elem()
		}
		if e.Kind() != reflect.Struct {
			continue
		}
		var r row
		for j, i := range fields {
			s := cellText(e.Field(i))
			if j == 0 {
				r.Head = s
			} else {
				r.Cells = append(r.Cells, cell{Text: s})
			}
		}
		t.Rows = append(t.Rows, r)
	}
	return t, ""
}

var timeType = reflect.TypeFor[time.Time]()

func cellText(v reflect.Value) string {
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return "—"
		}
		v = v.Elem()
	}
	if v.Type() == timeType {
		t := v.Interface().(time.Time)
		if t.IsZero() {
			return "—"
		}
		if t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 {
			return t.Format("2 Jan 2006")
		}
		return t.UTC().Format("2 Jan 2006 15:04 UTC")
	}
	switch v.Kind() {
	case reflect.Bool:
		if v.Bool() {
			return "yes"
		}
		return "no"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return minus(commas(strconv.FormatInt(v.Int(), 10)))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return commas(strconv.FormatUint(v.Uint(), 10))
	case reflect.Float32, reflect.Float64:
		return minus(strconv.FormatFloat(v.Float(), 'f', -1, 64))
	case reflect.String:
		return dash(clean(v.String()))
	case reflect.Map:
		// Counts by code, such as rows rejected by reason: "date_invalid 3,
		// unknown_code 1", in key order.
		parts := make([]string, 0, v.Len())
		for _, k := range v.MapKeys() {
			parts = append(parts, cellText(k)+" "+cellText(v.MapIndex(k)))
		}
		slices.Sort(parts)
		return dash(strings.Join(parts, ", "))
	}
	if s, ok := v.Interface().(fmt.Stringer); ok {
		return dash(clean(s.String()))
	}
	return dash(clean(fmt.Sprint(v.Interface())))
}

// words turns a Go field name into words: "RowsRejected" → "Rows rejected".
func words(s string) string {
	var b strings.Builder
	rs := []rune(s)
	for i, r := range rs {
		upper := r >= 'A' && r <= 'Z'
		if i > 0 && upper && (rs[i-1] < 'A' || rs[i-1] > 'Z' || i+1 < len(rs) && rs[i+1] >= 'a' && rs[i+1] <= 'z') {
			b.WriteByte(' ')
		}
		if i > 0 && upper && (i+1 >= len(rs) || rs[i+1] >= 'a' && rs[i+1] <= 'z') {
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// clean makes text fit to stand in an HTML page and an SVG: invalid UTF-8
// becomes U+FFFD and control characters are dropped. Escaping is left to the
// template.
func clean(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.Map(func(r rune) rune {
		if r < 0x20 && r != '\t' && r != '\n' || r == 0x7f || r == 0xFFFE || r == 0xFFFF {
			return -1
		}
		return r
	}, s)
}
