package reportpage

import (
	"fmt"
	"slices"
	"strings"

	"github.com/carer-outcomes/carer-outcomes/pipeline/metrics"
)

// outcomeColumn is the column of the outcomes table whose code list names
// the hard outcomes: the labels of the page's outcome rows are its.
const outcomeColumn = "outcome"

// outcomeLabel is the words for the figure outcomes.quarter.<code>: the
// standard's label of the code, or "Any hard outcome".
func (fs *figureSet) outcomeLabel(id string) string {
	if id == metrics.OutcomesAnyHard {
		return "Any hard outcome"
	}
	return fs.label(outcomeColumn, strings.TrimPrefix(id, metrics.OutcomesQuarter+"."))
}

// outcomeIDs are the ids of the hard-outcome figures of the report's scope,
// of any quarter, in the order metrics gives them (the standard's order of
// the codes), any hard outcome last.
func (fs *figureSet) outcomeIDs() []string {
	var ids []string
	for _, f := range fs.r.Figures {
		if strings.HasPrefix(f.ID, metrics.OutcomesQuarter+".") && f.ID != metrics.OutcomesAnyHard &&
			f.Scope == fs.r.Scope && f.Subgroup == nil && !slices.Contains(ids, f.ID) {
			ids = append(ids, f.ID)
		}
	}
	return append(ids, metrics.OutcomesAnyHard)
}

// outcomes is metrics.md section 2: carers with each hard outcome in the
// quarter (and by quarter, when figures of several are given), and each
// cohort's hard-outcome rate.
func outcomes(fs *figureSet) (*section, error) {
	ids := fs.outcomeIDs()
	var rows []row
	var shown []string
	var vals []float64
	for _, id := range ids {
		f := fs.get(id)
		if f == nil {
			continue
		}
		rows = append(rows, row{Head: clean(fs.outcomeLabel(id)), Cells: []cell{valueCell(f)}})
		if id != metrics.OutcomesAnyHard && !f.Suppressed && f.Value != nil {
			shown = append(shown, id)
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
		if strings.HasPrefix(f.ID, metrics.OutcomesQuarter+".") && f.Scope == fs.r.Scope && f.Subgroup == nil && f.Cohort == "" {
			periods[f.Period] = true
		}
	}
	if len(periods) > 1 {
		if err := fs.outcomesByQuarter(s, ids, periods); err != nil {
			return nil, err
		}
	} else if len(shown) > 0 {
		labels := make([]string, len(shown))
		for i, id := range shown {
			labels[i] = fs.outcomeLabel(id)
		}
		svg, err := barChart("chart-outcomes", labels, []string{"Carers"}, [][]float64{vals}, false, "", nil, "Carers")
		if err != nil {
			return nil, err
		}
		s.Charts = append(s.Charts, chart{ID: "chart-outcomes", SVG: svg, Caption: "Carers with each hard outcome in " + fs.r.Period})
	}

	if ct := cohortRates(fs); ct != nil {
		s.Tables = append(s.Tables, ct)
	}
	if len(s.Tables) == 0 {
		return nil, nil
	}
	return s, nil
}

// outcomesByQuarter adds to s a table and a chart of each hard outcome by
// quarter.
func (fs *figureSet) outcomesByQuarter(s *section, ids []string, periods map[string]bool) error {
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
	for _, id := range ids {
		var cells []cell
		vs := make([]float64, len(ps))
		given, drawn := false, false
		for i, p := range ps {
			f := fs.find(id, p)
			switch {
			case f == nil:
				cells = append(cells, cell{Text: "—"})
			case f.Suppressed:
				cells = append(cells, cell{Text: Suppressed, Suppressed: true})
				given = true
			default:
				cells = append(cells, valueCell(f))
				given = true
				if f.Value != nil {
					vs[i] = *f.Value
					drawn = true
				}
			}
		}
		if !given {
			continue
		}
		qt.Rows = append(qt.Rows, row{Head: clean(fs.outcomeLabel(id)), Cells: cells})
		if id != metrics.OutcomesAnyHard && drawn {
			names = append(names, fs.outcomeLabel(id))
			series = append(series, vs)
		}
	}
	if len(series) > 0 {
		svg, err := barChart("chart-outcomes", ps, names, series, false, "", nil, "Carers")
		if err != nil {
			return err
		}
		s.Charts = append(s.Charts, chart{ID: "chart-outcomes", SVG: svg, Caption: "Carers with each hard outcome, by quarter"})
		s.Notes = append(s.Notes, "A suppressed or missing figure is drawn as 0 in the chart; the table shows which.")
	}
	s.Tables = append(s.Tables, qt)
	return nil
}

// cohortRates is the table of each registration cohort's hard-outcome rate
// at 26 and 52 weeks, or nil when there is none.
func cohortRates(fs *figureSet) *table {
	ct := &table{ID: "cohort-rates", Caption: "Hard-outcome rate of each registration cohort", Head: []string{"Cohort"}}
	weeks := metrics.CohortWeeks()
	byCohort := map[string][]*metrics.Figure{}
	var cohorts []string
	for j, w := range weeks {
		ct.Head = append(ct.Head, fmt.Sprintf("Within %d weeks", w))
		ct.Num = append(ct.Num, true)
		for _, f := range fs.cohorts(metrics.ID(metrics.HardOutcomeRate, metrics.Weeks(w))) {
			e, ok := byCohort[f.Cohort]
			if !ok {
				cohorts = append(cohorts, f.Cohort)
				e = make([]*metrics.Figure, len(weeks))
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
	if len(ct.Rows) == 0 {
		return nil
	}
	return ct
}
