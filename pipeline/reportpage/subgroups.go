package reportpage

import (
	"strings"

	"github.com/carer-outcomes/carer-outcomes/pipeline/metrics"
)

// subgroups is metrics.md section 9: one table per dimension of the carer's
// profile.
func subgroups(fs *figureSet) (*section, error) {
	columns := []item{
		{metrics.ReachRegistered, "Registered"},
		{metrics.ReachSupported, "Supported"},
		{metrics.OutcomesAnyHard, "Any hard outcome"},
		{metrics.SustainedStartsW26, "Job starts sustained at 26 weeks"},
		{metrics.SustainedKeptW26, "Jobs kept, sustained at 26 weeks"},
	}
	var order []string
	grids := map[string]*grid{}
	for i := range fs.r.Figures {
		f := &fs.r.Figures[i]
		if f.Subgroup == nil || f.Scope != fs.r.Scope || f.Period != fs.r.Period || f.Cohort != "" {
			continue
		}
		d := f.Subgroup.Dimension
		g := grids[d]
		if g == nil {
			g = newGrid("subgroups-"+clean(d), "By "+clean(dimensionLabel(d)), codeLabel(clean(d)), columns)
			grids[d] = g
			order = append(order, d)
		}
		if _, ok := g.column[f.ID]; ok {
			fs.used[i] = true
			g.put(fs.label(d, f.Subgroup.Value), f.ID, f)
		}
	}
	if len(order) == 0 {
		return nil, nil
	}
	s := &section{ID: "subgroups", Title: "Who the service reaches, and for whom it works",
		Intro: []string{"The quarter's figures by the carer's profile (their latest carers row; the age band at their first registration). Each carer is in one group of each table, so a column adds up to the total; \"not recorded\" is the carers whose profile leaves it empty. A sustainment rate counts only jobs whose status is known."}}
	for _, d := range order {
		s.Tables = append(s.Tables, grids[d].t)
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
