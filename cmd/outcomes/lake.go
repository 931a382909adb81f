package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/curated"
	"github.com/carer-outcomes/carer-outcomes/pipeline/lake"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard"
	"github.com/carer-outcomes/carer-outcomes/storage/fsstore"
	"github.com/carer-outcomes/carer-outcomes/storage/s3store"
)

const lakeUsage = `usage: outcomes lake check --lake DIR|s3://BUCKET[/PREFIX] [--grace 24h]
       outcomes lake gc    --lake DIR|s3://BUCKET[/PREFIX] [--grace 24h] [--apply]
check verifies the lake's invariants and exits 1 with a list of what is wrong;
gc removes curated files no pointer names that are older than the grace period,
and writes the log entry of a commit that stopped after its switch: a dry run
unless --apply is given. An s3:// lake is reached as the functions reach it
(AWS credentials from the environment; S3_ENDPOINT and S3_PATH_STYLE for an
S3-compatible server).
`

// lakeCmd checks or tidies a lake, on a folder or on S3, through the same
// code as the scheduled maintenance function.
func lakeCmd(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "check" && args[0] != "gc" {
		fmt.Fprint(stderr, lakeUsage)
		return exitFailure
	}
	sub := args[0]
	fs := flag.NewFlagSet("lake "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, lakeUsage); fs.PrintDefaults() }
	where := fs.String("lake", "", "the lake: a folder, or s3://bucket/prefix")
	grace := fs.Duration("grace", lake.DefaultGrace, "how old an unnamed file must be to be an orphan")
	apply := false
	if sub == "gc" {
		fs.BoolVar(&apply, "apply", false, "remove the orphans (default: only list them)")
	}
	if err := fs.Parse(args[1:]); err != nil {
		return usageExit(err)
	}
	if *where == "" || fs.NArg() > 0 || *grace <= 0 {
		fs.Usage()
		return exitFailure
	}
	ctx := context.Background()
	store, err := openLake(ctx, *where)
	if err != nil {
		return fail(stderr, "lake "+sub, err)
	}
	std, err := standard.Latest()
	if err != nil {
		return fail(stderr, "lake "+sub, err)
	}
	l := &lake.Lake{Store: store}
	opt := curated.CheckOptions(std)
	opt.Grace = *grace
	if sub == "gc" {
		rep, err := l.GC(ctx, opt, apply)
		if err != nil {
			return fail(stderr, "lake gc", err)
		}
		printGC(stdout, rep, apply)
		return exitOK
	}
	rep, err := l.Check(ctx, opt)
	if err != nil {
		return fail(stderr, "lake check", err)
	}
	return printCheck(stdout, *where, rep)
}

// openLake opens a folder lake or, for s3://bucket/prefix, an S3 one.
func openLake(ctx context.Context, where string) (lake.Store, error) {
	rest, ok := strings.CutPrefix(where, "s3://")
	if !ok {
		return fsstore.New(where)
	}
	bucket, prefix, _ := strings.Cut(rest, "/")
	if bucket == "" {
		return nil, pipeline.Errorf(pipeline.Invalid, "--lake %q: want s3://BUCKET[/PREFIX]", where)
	}
	loc, err := s3store.LocationFromEnv(os.Getenv)
	if err != nil {
		return nil, pipeline.Errorf(pipeline.Invalid, "%w", err)
	}
	return s3store.New(ctx, s3store.Config{Bucket: bucket, Prefix: prefix, Endpoint: loc.Endpoint, PathStyle: loc.PathStyle})
}

func printCheck(w io.Writer, where string, rep lake.CheckReport) int {
	fmt.Fprintf(w, "lake %s: %d pointers, %d curated files, %d ingest log entries\n", where, rep.Pointers, rep.Files, rep.Entries)
	if len(rep.Findings) == 0 {
		fmt.Fprintln(w, "lake check: OK, every invariant holds")
		return exitOK
	}
	for _, f := range rep.Findings {
		fmt.Fprintf(w, "  %s\n", f)
	}
	fmt.Fprintf(w, "lake check: %d problem(s)\n", len(rep.Findings))
	return exitRejected
}

func printGC(w io.Writer, rep lake.GCReport, apply bool) {
	verb, entry := "would remove", "would write the log entry of"
	if apply {
		verb, entry = "removed", "wrote the log entry of"
	}
	for _, o := range rep.Removed {
		fmt.Fprintf(w, "%s %s (%d bytes, %s)\n", verb, o.Key, o.Size, o.Modified.UTC().Format(time.RFC3339))
	}
	for _, k := range rep.Completed {
		fmt.Fprintf(w, "%s %s\n", entry, k)
	}
	fmt.Fprintf(w, "lake gc: %d orphan(s), %d unfinished commit(s)", len(rep.Removed), len(rep.Completed))
	if !apply && len(rep.Removed)+len(rep.Completed) > 0 {
		fmt.Fprint(w, "; a dry run: give --apply to do it")
	}
	fmt.Fprintln(w)
}
