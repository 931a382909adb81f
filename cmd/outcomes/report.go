package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"time"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/lake"
	"github.com/carer-outcomes/carer-outcomes/pipeline/quarterly"
	"github.com/carer-outcomes/carer-outcomes/pipeline/reportpage"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard"
	"github.com/carer-outcomes/carer-outcomes/storage/fsstore"
)

// reportGCPercent is the report's garbage-collection target (GOGC).
const reportGCPercent = 50

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
	// What a report holds is its index of the quarter's carers, built
	// while every file of the lake is read and thrown away (about 200 MB
	// for the 5 million rows of docs/benchmarks.md). The collector's
	// default target lets the heap grow to twice what is live; half again
	// keeps the peak at 1.5 times, for about 15% more CPU time spent
	// collecting (measured there: 350 MB instead of 425 MB peak RSS). A
	// GOGC in the environment is obeyed.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(reportGCPercent)
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
	period, orgs, err := quarterly.Scope(ctx, l, std, *periodFlag)
	if err != nil {
		return fail(stderr, "report", err)
	}
	if *org != "" && !slices.Contains(orgs, *org) {
		return fail(stderr, "report", pipeline.Errorf(pipeline.NotFound, "organisation %s has no return in the lake", *org))
	}
	r, err := quarterly.Build(ctx, l, std, period, orgs, *org, time.Now())
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
