package reportpage

import (
	"strconv"
	"strings"

	"github.com/carer-outcomes/carer-outcomes/pipeline/metrics"
)

// other shows the figures of the quarter no other section showed, such as
// follow-up response, experience and subgroup figures.
func other(fs *figureSet) (*section, error) {
	t := &table{ID: "other-figures", Caption: "Other figures", Head: []string{"Figure", "Subgroup", "Cohort", "Value", "From"}, Num: []bool{false, false, true, true}}
	for i := range fs.r.Figures {
		f := &fs.r.Figures[i]
		if fs.used[i] || f.Scope != fs.r.Scope || f.Period != fs.r.Period || strings.HasPrefix(f.ID, metrics.OutcomesQuarter+".") {
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

// assumptions is the section of the cost model's values, or nil when none
// is given.
func assumptions(as []Assumption) *section {
	if len(as) == 0 {
		return nil
	}
	t := &table{ID: "assumptions", Caption: "Values of the cost model",
		Head: []string{"Value", "Amount", "Price year", "Source"}, Num: []bool{true, false, false}}
	for _, a := range as {
		t.Rows = append(t.Rows, row{Head: clean(a.Name), Cells: []cell{
			{Text: assumptionValue(a)}, {Text: dash(clean(a.PriceYear))}, {Text: dash(clean(a.Source))}}})
	}
	return &section{ID: "assumptions", Title: "Assumptions", Tables: []*table{t},
		Intro: []string{"Fiscal savings rest on these values; change them and the savings change."}}
}

// assumptionValue writes an assumption's value in its unit.
func assumptionValue(a Assumption) string {
	switch metrics.Unit(strings.ToLower(string(a.Unit))) {
	case metrics.UnitGBP, "£":
		return money(a.Value)
	case UnitShare, metrics.UnitRate, "proportion":
		return minus(strconv.FormatFloat(100*a.Value, 'f', -1, 64)) + "%"
	case "percent", "%":
		return minus(strconv.FormatFloat(a.Value, 'f', -1, 64)) + "%"
	}
	s := minus(strconv.FormatFloat(a.Value, 'f', -1, 64))
	if a.Unit != "" {
		s += " " + clean(string(a.Unit))
	}
	return s
}
