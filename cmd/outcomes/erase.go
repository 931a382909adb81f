package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os/user"
	"time"

	"github.com/carer-outcomes/carer-outcomes/pipeline/erasure"
)

// eraseCmd removes one carer from the lake at their request
// (docs/erasure.md): every curated file holding them, the uploaders'
// reports, and a record in the erasure register. Running it again finishes
// an erasure that stopped part way.
func eraseCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("erase", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var l lakeFlags
	l.register(fs)
	org := fs.String("org", "", "the organisation that registered the carer")
	ref := fs.String("client-ref", "", "the carer's client reference at that organisation")
	reason := fs.String("reason", "", "why: the request, its date and reference (recorded)")
	by := fs.String("requested-by", "", "who asked for and who ran the erasure (recorded; default: the carer, through the organisation, run by this user)")
	asJSON := fs.Bool("json", false, "print the erasure record as JSON")
	if err := fs.Parse(args); err != nil {
		return usageExit(err)
	}
	if *org == "" || *ref == "" || *reason == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "usage: outcomes erase --lake DIR [--key-file FILE] --org ORG --client-ref REF --reason TEXT [--requested-by TEXT] [--json]")
		return exitFailure
	}
	cfg, err := l.open(nil)
	if err != nil {
		return fail(stderr, "erase", err)
	}
	who := *by
	if who == "" {
		name := "unknown user"
		if u, err := user.Current(); err == nil {
			name = u.Username
		}
		who = "the carer, through " + *org + "; run by " + name + " with outcomes erase"
	}
	rec, err := erasure.Erase(context.Background(), erasure.Config{Standard: cfg.Standard, Lake: cfg.Lake, Key: cfg.Key},
		erasure.Request{Org: *org, ClientRef: *ref, Reason: *reason, RequestedBy: who})
	if err != nil {
		return fail(stderr, "erase", err)
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rec); err != nil {
			return fail(stderr, "erase", err)
		}
		return exitOK
	}
	n := 0
	for _, f := range rec.Files {
		n += f.Rows
	}
	fmt.Fprintf(stdout, "Erased: %d rows in %d files of %s; %d objects rewritten or removed (run %d).\n", n, len(rec.Files), *org, len(rec.Objects), rec.Runs)
	fmt.Fprintf(stdout, "Record: %s (completed %s)\n", rec.ID, rec.CompletedAt.Format(time.RFC3339))
	fmt.Fprintln(stdout, "Later rows of this carer are refused (erased_carer). Figures are recomputed at the next report;")
	fmt.Fprintln(stdout, "backups and any copies outside the lake are the consortium's to handle: see docs/erasure.md.")

	return exitOK
}
