package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/carer-outcomes/carer-outcomes/costmodel"
	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/lake"
	"github.com/carer-outcomes/carer-outcomes/pipeline/lineage"
	"github.com/carer-outcomes/carer-outcomes/pipeline/metrics"
	"github.com/carer-outcomes/carer-outcomes/pipeline/quarterly"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard"
	"github.com/carer-outcomes/carer-outcomes/storage/fsstore"
)

// explainCmd lists the rows behind one of an organisation's own figures:
// for each, the upload, file, sheet, source row and carer_id, and whether it
// is in the numerator or only in the denominator; then the counts that give
// the figure, for the data officer to check against their spreadsheet.
func explainCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("explain", flag.ContinueOnError)
	fs.SetOutput(stderr)
	lakeDir := fs.String("lake", "", "the lake's folder")
	org := fs.String("org", "", "the organisation whose figure it is")
	periodFlag := fs.String("period", "", "the report's quarter, YYYY-Qn, or latest")
	cohort := fs.String("cohort", "", "the cohort of a cohort rate, YYYY-Qn")
	subgroup := fs.String("subgroup", "", "the subgroup of a subgroup figure, DIMENSION=VALUE")
	asJSON := fs.Bool("json", false, "print the listing as JSON")
	// The figure id may come before the flags, as the usage line shows it
	// after them: take it out of the arguments wherever it is.
	var figure []string
	var rest []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if !strings.HasPrefix(a, "-") {
			figure = append(figure, a)
			continue
		}
		rest = append(rest, a)
		if !strings.Contains(a, "=") && a != "--json" && a != "-json" && i+1 < len(args) {
			i++
			rest = append(rest, args[i])
		}
	}
	if err := fs.Parse(rest); err != nil {
		return usageExit(err)
	}
	if *lakeDir == "" || *org == "" || *periodFlag == "" || len(figure) != 1 || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "usage: outcomes explain --lake DIR --org ORG --period YYYY-Qn|latest FIGURE [--cohort YYYY-Qn] [--subgroup DIM=VALUE] [--json]")
		return exitFailure
	}
	q := metrics.Query{ID: figure[0], Cohort: *cohort}
	if *subgroup != "" {
		sub, err := metrics.ParseSubgroup(*subgroup)
		if err != nil {
			return fail(stderr, "explain", err)
		}
		q.Subgroup = sub
	}
	ctx := context.Background()
	std, err := standard.Latest()
	if err != nil {
		return fail(stderr, "explain", err)
	}
	store, err := fsstore.New(*lakeDir)
	if err != nil {
		return fail(stderr, "explain", err)
	}
	l := &lake.Lake{Store: store}
	period, orgs, err := quarterly.Scope(ctx, l, std, *periodFlag)
	if err != nil {
		return fail(stderr, "explain", err)
	}
	if !slices.Contains(orgs, *org) {
		return fail(stderr, "explain", pipeline.Errorf(pipeline.NotFound, "organisation %s has no return in the lake", *org))
	}
	model, err := costmodel.Load(costmodel.Latest)
	if err != nil {
		return fail(stderr, "explain", err)
	}
	tr, err := lineage.Open(ctx, l, std, model, *org, period)
	if err != nil {
		return fail(stderr, "explain", err)
	}
	res, err := tr.Explain(q)
	if err != nil {
		return fail(stderr, "explain", err)
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(res); err != nil {
			return fail(stderr, "explain", err)
		}
		return exitOK
	}
	printExplanation(stdout, res)
	return exitOK
}

// printExplanation writes the listing as a table, then the counts.
func printExplanation(w io.Writer, res *lineage.Result) {
	fmt.Fprintf(w, "%s, %s, %s\n\n", res.Query, res.Org, res.Period)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ROLE\tUPLOAD\tFILE\tSHEET\tROW\tCARER_ID\tWHAT")
	for _, r := range res.Rows {
		sheet := r.Sheet
		if sheet == "" {
			sheet = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\t%s\n", r.Role, r.UploadID[:min(12, len(r.UploadID))], r.File, sheet, r.Row, r.CarerID, r.What)
	}
	tw.Flush()
	if len(res.Rows) == 0 {
		fmt.Fprintln(w, "(no rows)")
	}
	fmt.Fprintln(w)
	keys := []string{"value", "numerator", "denominator", "due", "sustained", "not_sustained", "unknown"}
	var parts []string
	for _, k := range keys {
		if v, ok := res.Counts[k]; ok {
			parts = append(parts, strings.ReplaceAll(k, "_", " ")+" "+strconv.Itoa(v))
		}
	}
	fmt.Fprintf(w, "Counts (%s): %s\n", res.Unit, strings.Join(parts, ", "))
	if f := res.Figure; f.Value != nil {
		fmt.Fprintf(w, "Figure: %s = %s\n", f.ID, strconv.FormatFloat(*f.Value, 'f', -1, 64))
	} else {
		fmt.Fprintf(w, "Figure: %s has no value (nothing to divide)\n", f.ID)
	}
	fmt.Fprintln(w, "Roles: counted, numerator (also in the denominator), denominator (only there), due (unknown: in the lower bound's denominator only), evidence (the follow-up that decided a job's status).")
}
