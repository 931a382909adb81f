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
	"github.com/carer-outcomes/carer-outcomes/pipeline/lineage"
	"github.com/carer-outcomes/carer-outcomes/pipeline/metrics"
	"github.com/carer-outcomes/carer-outcomes/pipeline/metrics/lakedata"
	"github.com/carer-outcomes/carer-outcomes/pipeline/reportpage"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard"
)

// Build computes every figure of the consortium and of each organisation,
// and suppresses small numbers wherever the report is not the
// organisation's own (own is "" for the consortium's report). now dates it.
// To make several reports of one quarter, Read it once and ask it for each.
func Build(ctx context.Context, l *lake.Lake, std *standard.Standard, period pipeline.Period, orgs []string, own string, now time.Time) (reportpage.Report, error) {
	q, err := Read(ctx, l, std, period, orgs, now)
	if err != nil {
		return reportpage.Report{}, err
	}
	return q.Report(ctx, own)
}

// Quarter is one quarter read from the lake, once: its index of figures and
// its ingest log, from which the consortium's report and each
// organisation's own are made without reading the lake again.
type Quarter struct {
	lake   *lake.Lake
	std    *standard.Standard
	period pipeline.Period
	orgs   []string
	now    time.Time
	model  *costmodel.Model
	ix     *metrics.Index
	ledger []lake.LedgerEntry
	// responses are the survey responses submitted in the quarter, by
	// organisation, for the data-quality rows.
	responses map[string]int

	consortium []metrics.Figure            // the consortium's figures and subgroups, unsuppressed
	byOrg      map[string][]metrics.Figure // each organisation's, as first asked for
}

// Read reads the quarter's rows and ingest log from the lake and computes
// the consortium's figures. orgs are the organisations the reports cover.
func Read(ctx context.Context, l *lake.Lake, std *standard.Standard, period pipeline.Period, orgs []string, now time.Time) (*Quarter, error) {
	model, err := costmodel.Load(costmodel.Latest)
	if err != nil {
		return nil, err
	}
	ix, err := index(ctx, l, std, period)
	if err != nil {
		return nil, err
	}
	ledger, err := l.QuarterLedger(ctx, period.String())
	if err != nil {
		return nil, err
	}
	mans, err := l.SurveyPartitions(ctx, "")
	if err != nil {
		return nil, err
	}
	responses := map[string]int{}
	for _, m := range mans {
		if m.Period == period.String() {
			responses[m.Org] += m.Rows
		}
	}
	q := &Quarter{lake: l, std: std, period: period, orgs: orgs, now: now, model: model, ix: ix, ledger: ledger, responses: responses, byOrg: map[string][]metrics.Figure{}}
	if q.consortium, err = ix.Figures(std, metrics.Consortium, model); err != nil {
		return nil, err
	}
	subgroups, err := ix.Subgroups(std, metrics.Consortium)
	if err != nil {
		return nil, err
	}
	q.consortium = append(q.consortium, subgroups...)
	return q, nil
}

// figures returns an organisation's figures, unsuppressed.
func (q *Quarter) figures(org string) ([]metrics.Figure, error) {
	if f, ok := q.byOrg[org]; ok {
		return f, nil
	}
	f, err := q.ix.Figures(q.std, org, q.model)
	if err != nil {
		return nil, err
	}
	q.byOrg[org] = f
	return f, nil
}

// own returns an organisation's figures and its subgroups (metrics.md
// section 9: in its own report, in full), unsuppressed.
func (q *Quarter) own(org string) ([]metrics.Figure, error) {
	f, err := q.figures(org)
	if err != nil {
		return nil, err
	}
	subgroups, err := q.ix.Subgroups(q.std, org)
	if err != nil {
		return nil, err
	}
	return slices.Concat(f, subgroups), nil
}

// Report is the consortium's report (own "") or an organisation's own: its
// own figures and subgroups in full, beside the consortium's figures and
// subgroups suppressed as in the consortium's report. The consortium's
// report has the consortium's subgroups only: an organisation's subgroups
// are in its own report. In an organisation's own report each of its
// figures names the uploads it was computed from (pipeline/lineage), which
// reads the organisation's rows once more, with their provenance.
func (q *Quarter) Report(ctx context.Context, own string) (reportpage.Report, error) {
	r := reportpage.Report{Period: q.period.String(), Scope: metrics.Consortium, Orgs: q.orgs, Generated: q.now.UTC(),
		Assumptions: assumptions(q.model), Methods: methods(), MissingFinance: q.ix.MissingFinance(metrics.Consortium),
		Labels: labels(q.std)}
	quality := q.orgs
	if own == "" {
		// Consortium reports go to every member: everything below the
		// consortium's totals, each organisation's figures included, is
		// protected.
		all := slices.Clone(q.consortium)
		for _, o := range q.orgs {
			f, err := q.figures(o)
			if err != nil {
				return reportpage.Report{}, err
			}
			all = append(all, f...)
		}
		r.Figures = metrics.Suppress(all)
	} else {
		mine, err := q.own(own)
		if err != nil {
			return reportpage.Report{}, err
		}
		mine = slices.Clone(mine)
		tr, err := lineage.Open(ctx, q.lake, q.std, q.model, own, q.period)
		if err != nil {
			return reportpage.Report{}, err
		}
		if err := tr.Annotate(mine); err != nil {
			return reportpage.Report{}, err
		}
		r.Scope = own
		r.MissingFinance = q.ix.MissingFinance(own)
		r.Figures = slices.Concat(mine, metrics.Suppress(q.consortium))
		quality = []string{own}
	}
	kinds := make([]string, len(q.std.Kinds))
	for i, k := range q.std.Kinds {
		kinds[i] = k.Name
	}
	r.Quality = metrics.QualityOf(q.ledger, quality, kinds, q.period)
	for i := range r.Quality {
		if r.Quality[i].Kind == "followups" {
			r.Quality[i].SurveyResponses = q.responses[r.Quality[i].Org]
		}
	}
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
		parts, err := l.Partitions(ctx, k.Name, "")
		if err != nil {
			return latest, nil, err
		}
		for _, p := range parts {
			if !slices.Contains(orgs, p.Org) {
				orgs = append(orgs, p.Org)
			}
			if p.Period.Compare(latest) > 0 {
				latest = p.Period
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
		{Name: "Yearly gain to the public purse when a workless person moves into work", Value: m.JobStartYearlyGain.Value, Unit: metrics.UnitGBP, PriceYear: m.JobStartYearlyGain.PriceYear, Source: m.JobStartYearlyGain.Source},
		{Name: "Yearly public cost of a carer leaving work, avoided when a job is kept", Value: m.JobKeptYearlyCost.Value, Unit: metrics.UnitGBP, PriceYear: m.JobKeptYearlyCost.PriceYear, Source: m.JobKeptYearlyCost.Source},
		{Name: "Deadweight, central (low " + pct(m.Deadweight.Low) + ", high " + pct(m.Deadweight.High) + ")", Value: m.Deadweight.Central, Unit: reportpage.UnitShare, Source: m.Deadweight.Source},
		{Name: "Attribution to the service, central (low " + pct(m.Attribution.Low) + ", high " + pct(m.Attribution.High) + ")", Value: m.Attribution.Central, Unit: reportpage.UnitShare, Source: m.Attribution.Source},
		{Name: "Discount rate for claims past the first year", Value: m.DiscountRate.Value, Unit: metrics.Unit(m.DiscountRate.Unit), PriceYear: m.DiscountRate.PriceYear, Source: m.DiscountRate.Source},
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
