package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/lake"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard"
	"github.com/carer-outcomes/carer-outcomes/pipeline/surveys"
	"github.com/carer-outcomes/carer-outcomes/storage/fsstore"
)

// dueCmd prints an organisation's due list as CSV.
func dueCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("due", flag.ContinueOnError)
	fs.SetOutput(stderr)
	lakeDir := fs.String("lake", "", "the lake's folder")
	org := fs.String("org", "", "the organisation")
	on := fs.String("on", "", "the day to list from, YYYY-MM-DD (default today)")
	if err := fs.Parse(args); err != nil {
		return usageExit(err)
	}
	if *lakeDir == "" || *org == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "usage: outcomes due --lake DIR --org ORG [--on YYYY-MM-DD]")
		return exitFailure
	}
	today := pipeline.DaysOf(time.Now())
	if *on != "" {
		t, err := time.Parse(time.DateOnly, *on)
		if err != nil {
			return fail(stderr, "due", pipeline.Errorf(pipeline.Invalid, "--on %q: want YYYY-MM-DD", *on))
		}
		today = pipeline.DaysOf(t)
	}
	std, err := standard.Latest()
	if err != nil {
		return fail(stderr, "due", err)
	}
	store, err := fsstore.New(*lakeDir)
	if err != nil {
		return fail(stderr, "due", err)
	}
	list, err := surveys.DueList(context.Background(), &lake.Lake{Store: store}, std, *org, today)
	if err != nil {
		return fail(stderr, "due", err)
	}
	if err := surveys.WriteDueCSV(stdout, list); err != nil {
		return fail(stderr, "due", err)
	}
	return exitOK
}
