package reportpage

import (
	"strings"

	"github.com/carer-outcomes/carer-outcomes/pipeline/metrics"
)

// support is the rest of metrics.md section 1: contacts and minutes by
// activity and by mode.
func support(fs *figureSet) (*section, error) {
	s := &section{ID: "support-given", Title: "Support given",
		Intro: []string{"Support contacts dated in the quarter and their minutes (a contact without minutes counts as a contact and adds none), by type of support and by how it was delivered."}}
	totals := []item{{metrics.SupportContacts, "Contacts"}, {metrics.SupportMinutes, "Minutes"}}
	for _, col := range []struct{ key, title string }{{"activity", "Type of support"}, {"mode", "How it was delivered"}} {
		g := newGrid("support-by-"+col.key, "Support contacts and minutes by "+strings.ToLower(col.title), col.title, totals)
		for _, total := range totals {
			prefix := metrics.ID(total.id, col.key) + "."
			for _, f := range fs.prefixed(prefix) {
				g.put(fs.label(col.key, strings.TrimPrefix(f.ID, prefix)), total.id, f)
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

// referral is the second part of metrics.md section 6: how the quarter's
// new carers came to the service.
func referral(fs *figureSet) (*section, error) {
	return simpleSection(fs, "referral", "How carers came to the service", "Share of carers registered in the quarter, by how they came",
		[]string{"Partner referral: GP, hospital, pharmacy, college, Jobcentre, training provider, local authority or another charity. Own channels: on site or the organisation's own marketing."},
		[]item{
			{metrics.ID(metrics.Referral, "partner"), "Partner referral"},
			{metrics.ID(metrics.Referral, "own_channels"), "Organisation's own channels"},
			{metrics.ID(metrics.Referral, "outreach_social"), "Outreach and social media"},
			{metrics.ID(metrics.Referral, "other"), "Other, or not known"},
		}), nil
}
