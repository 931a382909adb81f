package reportpage

import (
	"github.com/carer-outcomes/carer-outcomes/pipeline/metrics"
)

// headline is the page's first table: the quarter's main figures.
func headline(fs *figureSet) (*section, error) {
	items := []item{
		{metrics.ReachRegistered, "Carers registered in the quarter"},
		{metrics.ReachRegisteredCumulative, "Carers registered to date"},
		{metrics.ReachSupported, "Carers supported in the quarter"},
		{metrics.SupportContacts, "Support contacts"},
		{metrics.SupportMinutes, "Minutes of support"},
		{metrics.SupportOutsideOfficeHours, "Contacts outside office hours"},
		{metrics.OutcomesAnyHard, "Carers with a hard outcome in the quarter"},
		{metrics.SustainedStartsW26, "Job starts sustained at 26 weeks"},
		{metrics.SustainedKeptW26, "Jobs kept, sustained at 26 weeks"},
	}
	s := simpleSection(fs, "headline", "Headline figures", "Headline figures for the quarter", nil, items)
	if s == nil {
		return nil, nil
	}
	s.Notes = []string{"Rates show the 95% interval in brackets. A sustainment rate counts only jobs whose status is known; the sustained employment section shows the unknown share beside it."}
	return s, nil
}

// orgSections are the sections a consortium's report goes on with, one per
// organisation: its headline figures, as suppressed as the caller made them.
func orgSections(r Report) ([]*section, error) {
	var out []*section
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
		out = append(out, s)
	}
	return out, nil
}
