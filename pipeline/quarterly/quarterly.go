// Package quarterly builds the consortium's quarterly report from the lake:
// every figure of the metrics definitions for the consortium and each
// organisation, small numbers suppressed wherever the report is not an
// organisation's own, the data-quality table from the ingest log, and the
// cost model's assumptions. The CLI and the report function both call it, so
// a report is the same wherever it is made.
package quarterly

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/carer-outcomes/carer-outcomes/costmodel"
	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/lake"
	"github.com/carer-outcomes/carer-outcomes/pipeline/metrics"
	"github.com/carer-outcomes/carer-outcomes/pipeline/metrics/lakedata"
	"github.com/carer-outcomes/carer-outcomes/pipeline/reportpage"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard"
)

// Build computes every figure of the consortium and of each organisation,
// and suppresses small numbers wherever the report is not the
// organisation's own (own is "" for the consortium's report). now dates it.
func Build(ctx context.Context, l *lake.Lake, std *standard.Standard, period pipeline.Period, orgs []string, own string, now time.Time) (reportpage.Report, error) {
	ix, err := index(ctx, l, std, period)
	if err != nil {
		return reportpage.Report{}, err
	}
	model, err := costmodel.Load(costmodel.Latest)
	if err != nil {
		return reportpage.Report{}, err
	}
	consortium, err := ix.Figures(std, metrics.Consortium, model)
	if err != nil {
		return reportpage.Report{}, err
	}
	subgroups, err := ix.Subgroups(std, metrics.Consortium)
	if err != nil {
		return reportpage.Report{}, err
	}
	consortium = append(consortium, subgroups...)
	var byOrg []metrics.Figure
	scopes := orgs
	if own != "" {
		scopes = []string{own} // an organisation's report shows only its own
	}
	for _, o := range scopes {
		f, err := ix.Figures(std, o, model)
		if err != nil {
			return reportpage.Report{}, err
		}
		byOrg = append(byOrg, f...)
	}
	r := reportpage.Report{Period: period.String(), Scope: metrics.Consortium, Orgs: orgs, Generated: now.UTC(),
		Assumptions: assumptions(model), Methods: methods(), MissingFinance: ix.MissingFinance(metrics.Consortium),
		Labels: labels(std)}
	if own == "" {
		// Consortium reports go to every member: everything below the
		// consortium's totals, each organisation's figures included, is
		// protected.
		r.Figures = metrics.Suppress(append(consortium, byOrg...))
	} else {
		r.Scope = own
		r.MissingFinance = ix.MissingFinance(own)
		var mine []metrics.Figure
		for _, f := range byOrg {
			if f.Scope == own {
				mine = append(mine, f)
			}
		}
		r.Figures = append(mine, metrics.Suppress(consortium)...)
	}
	ledger, err := l.QuarterLedger(ctx, period.String())
	if err != nil {
		return reportpage.Report{}, err
	}
	kinds := make([]string, len(std.Kinds))
	for i, k := range std.Kinds {
		kinds[i] = k.Name
	}
	quality := orgs
	if own != "" {
		quality = []string{own}
	}
	r.Quality = metrics.QualityOf(ledger, quality, kinds, period)
	return r, nil
}

// index reads every current row of the lake, a file at a time, into an
// index of the quarter's figures: what the figures need of each carer, a
// fraction of the rows, which are never all held at once.
func index(ctx context.Context, l *lake.Lake, std *standard.Standard, period pipeline.Period) (*metrics.Index, error) {
	x, err := metrics.NewIndexer(std, period)
	if err != nil {
		return nil, err
	}
	err = lakedata.Scan(ctx, l, std, "", func(ds metrics.Dataset) error {
		x.Add(ds)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return x.Index(), nil
}

// Scope reads a quarter ("latest": the newest quarter any current upload
// is for) and lists the organisations with returns in the lake.
func Scope(ctx context.Context, l *lake.Lake, std *standard.Standard, s string) (pipeline.Period, []string, error) {
	var latest pipeline.Period
	var orgs []string
	for _, k := range std.Kinds {
		ptrs, err := l.Pointers(ctx, k.Name, "")
		if err != nil {
			return latest, nil, err
		}
		for _, p := range ptrs {
			if !slices.Contains(orgs, p.Org) {
				orgs = append(orgs, p.Org)
			}
			if q, err := pipeline.ParsePeriod(p.Period); err == nil && (q.Year > latest.Year || q.Year == latest.Year && q.Quarter > latest.Quarter) {
				latest = q
			}
		}
	}
	slices.Sort(orgs)
	if len(orgs) == 0 {
		return latest, nil, pipeline.Errorf(pipeline.NotFound, "the lake holds no return yet")
	}
	if s == "latest" {
		return latest, orgs, nil
	}
	p, err := pipeline.ParsePeriod(s)
	return p, orgs, err
}

func assumptions(m *costmodel.Model) []reportpage.Assumption {
	return []reportpage.Assumption{
		{Name: "Yearly gain to the public purse when a workless person moves into work", Value: m.JobStartYearlyGain.Value, Unit: "gbp", PriceYear: m.JobStartYearlyGain.PriceYear, Source: m.JobStartYearlyGain.Source},
		{Name: "Yearly public cost of a carer leaving work, avoided when a job is kept", Value: m.JobKeptYearlyCost.Value, Unit: "gbp", PriceYear: m.JobKeptYearlyCost.PriceYear, Source: m.JobKeptYearlyCost.Source},
		{Name: "Deadweight, central (low " + pct(m.Deadweight.Low) + ", high " + pct(m.Deadweight.High) + ")", Value: m.Deadweight.Central, Unit: "share", Source: m.Deadweight.Source},
		{Name: "Attribution to the service, central (low " + pct(m.Attribution.Low) + ", high " + pct(m.Attribution.High) + ")", Value: m.Attribution.Central, Unit: "share", Source: m.Attribution.Source},
		{Name: "Discount rate for claims past the first year", Value: m.DiscountRate.Value, Unit: m.DiscountRate.Unit, PriceYear: m.DiscountRate.PriceYear, Source: m.DiscountRate.Source},
	}
}

// labels are the standard's words for the codes of every coded column,
// by column name, for the page's tables of figures by code.
func labels(std *standard.Standard) map[string]map[string]string {
	out := map[string]map[string]string{}
	for _, k := range std.Kinds {
		for _, f := range k.Fields {
			if f.CodeList == nil || out[f.Name] != nil {
				continue
			}
			m := map[string]string{}
			for _, e := range f.CodeList.Entries {
				m[e.Code] = e.Label
			}
			out[f.Name] = m
		}
	}
	return out
}

func pct(x float64) string { return fmt.Sprintf("%.0f%%", x*100) }

// methods are the definitions a reader needs beside the figures, in the
// words of the metrics definitions (docs: ../shared/metrics.md).
func methods() []reportpage.MethodNote {
	return []reportpage.MethodNote{
		{ID: "rates", Definition: "Rates are proportions with a 95% Wilson score interval; a rate with nothing to divide has no value."},
		{ID: "sustained", Definition: "A job start or kept job is sustained at N weeks when the follow-up nearest its check point (start + 7N days), within 28 days before to 56 days after, says the carer is in work; the rate counts only known outcomes, and the lower bound counts every unknown as not sustained."},
		{ID: "cohorts", Definition: "A cohort is the carers registered in one quarter; its hard-outcome rate at N weeks is shown once every member has had N weeks."},
		{ID: "soft", Definition: "Soft outcomes compare each carer's baseline with their latest later survey; mean changes have a 95% t interval and are not shown for fewer than 10 pairs."},
		{ID: "savings", Definition: "Savings count only sustained outcomes, for the time they are evidenced (half a year at 26 weeks, a year at 52), less deadweight and times attribution, never more than a year per outcome."},
		{ID: "personal budgets", Definition: "The personal-budget comparison is observational, not evidence of cause."},
		{ID: "small numbers", Definition: "In the consortium's report a figure below consortium level is suppressed when its denominator is under 10 or it shows a count from 1 to 4, and one more is suppressed beside it when it alone would be."},
	}
}
