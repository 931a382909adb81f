package reportpage

import (
	"fmt"
	"strings"

	"github.com/carer-outcomes/carer-outcomes/pipeline/metrics"
)

// subgroups is metrics.md section 9: for each dimension of the carer's
// profile, a table of the quarter's figures and one of the cohort rates.
// An organisation's own report shows its own subgroups, then the
// consortium's (suppressed as in the consortium's report).
func subgroups(fs *figureSet) (*section, error) {
	columns := []item{
		{metrics.ReachRegistered, "Registered"},
		{metrics.ReachSupported, "Supported"},
		{metrics.OutcomesAnyHard, "Any hard outcome"},
	}
	for _, kind := range []item{{metrics.SustainedStarts, "Job starts sustained"}, {metrics.SustainedKept, "Jobs kept, sustained"}} {
		for _, n := range metrics.SustainedWeeks() {
			columns = append(columns, item{metrics.ID(kind.id, metrics.Weeks(n)), fmt.Sprintf("%s at %d weeks", kind.label, n)})
		}
	}
	var cohortColumns []item
	for _, n := range metrics.CohortWeeks() {
		cohortColumns = append(cohortColumns, item{metrics.ID(metrics.HardOutcomeRate, metrics.Weeks(n)), fmt.Sprintf("Hard outcome within %d weeks", n)})
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
