package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"time"

	"github.com/carer-outcomes/carer-outcomes/costmodel"
	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/lake"
	"github.com/carer-outcomes/carer-outcomes/pipeline/metrics"
	"github.com/carer-outcomes/carer-outcomes/pipeline/metrics/lakedata"
	"github.com/carer-outcomes/carer-outcomes/pipeline/reportpage"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard"
	"github.com/carer-outcomes/carer-outcomes/storage/fsstore"
)

// reportCmd writes a quarter's report from the lake: the consortium's, with
// small numbers suppressed below consortium level, or (with --org) one
// organisation's, its own figures in full beside the consortium's.
func reportCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	fs.SetOutput(stderr)
	lakeDir := fs.String("lake", "", "the lake's folder")
	periodFlag := fs.String("period", "", "the quarter to report, YYYY-Qn, or latest")
	out := fs.String("out", "", "the folder to write the report into")
	org := fs.String("org", "", "an organisation's own report (default: the consortium's)")
	if err := fs.Parse(args); err != nil {
		return usageExit(err)
	}
	if *lakeDir == "" || *periodFlag == "" || *out == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "usage: outcomes report --lake DIR --period YYYY-Qn|latest --out DIR [--org ORG]")
		return exitFailure
	}
	ctx := context.Background()
	std, err := standard.Latest()
	if err != nil {
		return fail(stderr, "report", err)
	}
	store, err := fsstore.New(*lakeDir)
	if err != nil {
		return fail(stderr, "report", err)
	}
	l := &lake.Lake{Store: store}
	period, orgs, err := reportScope(ctx, l, std, *periodFlag)
	if err != nil {
		return fail(stderr, "report", err)
	}
	if *org != "" && !slices.Contains(orgs, *org) {
		return fail(stderr, "report", pipeline.Errorf(pipeline.NotFound, "organisation %s has no return in the lake", *org))
	}
	r, err := buildReport(ctx, l, std, period, orgs, *org)
	if err != nil {
		return fail(stderr, "report", err)
	}
	if err := reportpage.Write(*out, r); err != nil {
		return fail(stderr, "report", err)
	}
	fmt.Fprintf(stdout, "Report for %s (%s): %s\n", period, r.Scope, filepath.Join(*out, reportpage.HTMLFile))
	fmt.Fprintf(stdout, "Figures as data:    %s\n", filepath.Join(*out, reportpage.FiguresFile))
	return exitOK
}

// buildReport computes every figure of the consortium and of each
// organisation, and suppresses small numbers wherever the report is not the
// organisation's own.
func buildReport(ctx context.Context, l *lake.Lake, std *standard.Standard, period pipeline.Period, orgs []string, own string) (reportpage.Report, error) {
	ds, err := lakedata.Load(ctx, l, std, "")
	if err != nil {
		return reportpage.Report{}, err
	}
	model, err := costmodel.Load(costmodel.Latest)
	if err != nil {
		return reportpage.Report{}, err
	}
	compute := func(scope string) ([]metrics.Figure, error) {
		a, err := metrics.Compute(std, ds, period, scope)
		if err != nil {
			return nil, err
		}
		b, err := metrics.ComputeMore(std, ds, period, scope, model)
		return append(a, b...), err
	}
	consortium, err := compute(metrics.Consortium)
	if err != nil {
		return reportpage.Report{}, err
	}
	var byOrg []metrics.Figure
	for _, o := range orgs {
		f, err := compute(o)
		if err != nil {
			return reportpage.Report{}, err
		}
		byOrg = append(byOrg, f...)
	}
	r := reportpage.Report{Period: period.String(), Scope: metrics.Consortium, Orgs: orgs, Generated: time.Now().UTC(),
		Assumptions: assumptions(model), Methods: methods()}
	if own == "" {
		// Consortium reports go to every member: everything below the
		// consortium's totals, each organisation's figures included, is
		// protected.
		r.Figures = metrics.Suppress(append(consortium, byOrg...))
	} else {
		r.Scope = own
		var mine []metrics.Figure
		for _, f := range byOrg {
			if f.Scope == own {
				mine = append(mine, f)
			}
		}
		r.Figures = append(mine, metrics.Suppress(consortium)...)
	}
	ledger, err := l.Ledger(ctx, "")
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

// reportScope reads --period ("latest": the newest quarter any current
// upload is for) and lists the organisations with returns in the lake.
func reportScope(ctx context.Context, l *lake.Lake, std *standard.Standard, s string) (pipeline.Period, []string, error) {
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
