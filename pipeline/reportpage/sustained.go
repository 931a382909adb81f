package reportpage

import (
	"fmt"
	"strings"

	"github.com/carer-outcomes/carer-outcomes/pipeline/metrics"
)

// sustained is metrics.md section 3: each job start and kept job due at 13,
// 26 and 52 weeks, sustained, not sustained or unknown.
func sustained(fs *figureSet) (*section, error) {
	kinds := []struct{ prefix, label, short string }{
		{metrics.SustainedStarts, "Job starts", "Starts"},
		{metrics.SustainedKept, "Jobs kept", "Kept"},
	}
	t := &table{ID: "sustained", Caption: "Sustained employment, cumulative",
		Head: []string{"Outcome", "Due", "Sustained", "Not sustained", "Unknown", "Unknown share", "Sustainment rate", "Lower bound (unknown counted as not sustained)"},
		Num:  []bool{true, true, true, true, true, true, true}}
	var labels []string
	var sus, not, unk []float64
	var hidden []string
	for _, k := range kinds {
		for _, w := range metrics.SustainedWeeks() {
			f := fs.get(metrics.ID(k.prefix, metrics.Weeks(w)))
			if f == nil {
				continue
			}
			label := fmt.Sprintf("%s at %d weeks", k.label, w)
			if f.Suppressed {
				cs := make([]cell, 7)
				for i := range cs {
					cs[i] = cell{Text: Suppressed, Suppressed: true}
				}
				t.Rows = append(t.Rows, row{Head: label, Cells: cs})
				hidden = append(hidden, label)
				continue
			}
			due, s, n, u := f.Counts[metrics.CountDue], f.Counts[metrics.CountSustained], f.Counts[metrics.CountNotSustained], f.Counts[metrics.CountUnknown]
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
				labels = append(labels, fmt.Sprintf("%s %d wk", k.short, w))
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
