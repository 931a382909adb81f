package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/ingest"
	"github.com/carer-outcomes/carer-outcomes/pipeline/lake"
	"github.com/carer-outcomes/carer-outcomes/pipeline/pseudonym"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard"
	"github.com/carer-outcomes/carer-outcomes/pipeline/tabular"
	"github.com/carer-outcomes/carer-outcomes/storage/fsstore"
)

// keyEnv names the environment variable that may name the key file.
const keyEnv = "OUTCOMES_KEY_FILE"

// exitRetry is for a failure worth trying again: a conflict with a
// concurrent ingest, or storage that was briefly unavailable.
const exitRetry = 3

type lakeFlags struct {
	lake, keyFile string
	limits        tabular.Limits
}

func (l *lakeFlags) register(fs *flag.FlagSet) {
	l.limits = tabular.DefaultLimits()
	fs.StringVar(&l.lake, "lake", "", "the lake's folder")
	fs.StringVar(&l.keyFile, "key-file", "", "the consortium's pseudonymisation key (default $"+keyEnv+")")
	fs.IntVar(&l.limits.MaxRows, "max-rows", l.limits.MaxRows, "most data rows in one table")
	fs.Func("max-file-mb", fmt.Sprintf("largest file accepted, in MB (default %d)", l.limits.MaxFileBytes>>20), func(s string) error {
		var mb int64
		if _, err := fmt.Sscan(s, &mb); err != nil || mb <= 0 {
			return fmt.Errorf("want a whole number of MB")
		}
		l.limits.MaxFileBytes = mb << 20
		return nil
	})
}

// open builds the ingest configuration: the standard, the lake on the
// filesystem and the key.
func (l *lakeFlags) open(now func() time.Time) (ingest.Config, error) {
	if l.lake == "" {
		return ingest.Config{}, pipeline.Errorf(pipeline.Invalid, "--lake is required")
	}
	keyFile := l.keyFile
	if keyFile == "" {
		keyFile = os.Getenv(keyEnv)
	}
	if keyFile == "" {
		return ingest.Config{}, pipeline.Errorf(pipeline.Invalid, "no pseudonymisation key: give --key-file or set %s", keyEnv)
	}
	key, err := pseudonym.LoadKey(keyFile)
	if err != nil {
		return ingest.Config{}, err
	}
	std, err := standard.Latest()
	if err != nil {
		return ingest.Config{}, err
	}
	store, err := fsstore.New(l.lake)
	if err != nil {
		return ingest.Config{}, err
	}
	return ingest.Config{Standard: std, Lake: &lake.Lake{Store: store}, Key: key, Limits: l.limits, Now: now}, nil
}

type ingestConfig struct {
	lakeFlags
	org, period, received string
	json                  bool
	files                 []string
}

func ingestCmd(args []string, stdout, stderr io.Writer) int {
	var c ingestConfig
	fs := flag.NewFlagSet("ingest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: outcomes ingest --lake DIR --org ORG --period YYYY-Qn [--key-file FILE] [--received YYYY-MM-DD] [--json] FILE...")
		fs.PrintDefaults()
	}
	c.register(fs)
	fs.StringVar(&c.org, "org", "", "the uploading organisation's code")
	fs.StringVar(&c.period, "period", "", "the quarter of the return, such as 2026-Q3")
	fs.StringVar(&c.received, "received", "", "when the return arrived, YYYY-MM-DD or RFC 3339 (default now); a return received before the current one never replaces it")
	fs.BoolVar(&c.json, "json", false, "print the result as JSON")
	if err := fs.Parse(args); err != nil {
		return usageExit(err)
	}
	c.files = fs.Args()
	if c.org == "" || c.period == "" || len(c.files) == 0 {
		fs.Usage()
		return exitFailure
	}
	cfg, err := c.open(nil)
	if err != nil {
		return fail(stderr, "ingest", err)
	}
	req, closeAll, err := request(cfg.Standard, c.org, c.period, c.received, c.files)
	defer closeAll()
	if err != nil {
		return fail(stderr, "ingest", err)
	}
	if bar := newProgress(stderr, &req); bar != nil {
		cfg.Progress = bar.update
		defer bar.done()
	}
	res, err := ingest.Run(context.Background(), cfg, req)
	if err != nil {
		return fail(stderr, "ingest", err)
	}
	if c.json {
		err = writeJSON(stdout, res)
	} else {
		err = writeResult(stdout, c.lake, res)
	}
	if err != nil {
		return fail(stderr, "ingest", err)
	}
	return reportExit(res.Report)
}

// request opens the files of one return.
func request(std *standard.Standard, org, period, received string, names []string) (ingest.Request, func(), error) {
	req := ingest.Request{Org: org}
	var err error
	if req.Period, err = pipeline.ParsePeriod(period); err != nil {
		return req, func() {}, err
	}
	if err := std.ValidOrg(org); err != nil {
		return req, func() {}, err
	}
	if received != "" {
		if req.Received, err = time.Parse(time.DateOnly, received); err != nil {
			if req.Received, err = time.Parse(time.RFC3339, received); err != nil {
				return req, func() {}, pipeline.Errorf(pipeline.Invalid, "--received %q: write it as YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ", received)
			}
		}
	}
	inputs, closeAll, err := openInputs(names)
	for _, in := range inputs {
		req.Files = append(req.Files, ingest.File{Name: in.Name, Data: in.Data, Size: in.Size})
	}
	return req, closeAll, err
}

// writeResult prints a line per table of each upload and where the reports are.
func writeResult(w io.Writer, lakeDir string, res *ingest.Result) error {
	var b strings.Builder
	for i, up := range res.Uploads {
		fmt.Fprintf(&b, "%s: upload %s, %s\n", up.File, up.UploadID[:12], up.Status)
		if fr := res.Report.Files[i]; fr != nil && fr.Error != nil {
			fmt.Fprintf(&b, "  not read (%s): %s\n", fr.Error.Code, fr.Error.Message)
		}
		for _, t := range up.Tables {
			name := t.Kind
			if name == "" {
				name = "unknown table"
			}
			if t.Sheet != "" {
				name += fmt.Sprintf(" (sheet %q)", t.Sheet)
			}
			fmt.Fprintf(&b, "  %-28s %-9s %6d rows %6d accepted %5d rejected", name, t.Status, t.Rows, t.Accepted, t.Rejected)
			if t.Superseded != "" {
				fmt.Fprintf(&b, "  replaces upload %s", t.Superseded[:12])
			}
			switch {
			case t.Current != "" && t.Status == ingest.TableReplaced:
				fmt.Fprintf(&b, "  replaced since by upload %s", t.Current[:min(12, len(t.Current))])
			case t.Current != "":
				fmt.Fprintf(&b, "  not kept: upload %s, received later, is current", t.Current[:min(12, len(t.Current))])
			}
			b.WriteByte('\n')
		}
		fmt.Fprintf(&b, "  report: %s\n", filepath.Join(lakeDir, filepath.FromSlash(lake.UploadKey(res.Report.Org, up.UploadID, "report.html"))))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// fail prints an error and maps its kind to an exit code.
func fail(stderr io.Writer, cmd string, err error) int {
	fmt.Fprintf(stderr, "outcomes %s: %v\n", cmd, err)
	switch pipeline.KindOf(err) {
	case pipeline.Conflict, pipeline.Transient:
		fmt.Fprintln(stderr, "This may succeed if you try again.")
		return exitRetry
	}
	return exitFailure
}

func usageExit(err error) int {
	if err == flag.ErrHelp {
		return exitOK
	}
	return exitFailure
}

// backfill ingests every return a manifest lists, in its order, as they
// arrived: the way a consortium's history is loaded into a new lake.
type manifest struct {
	Returns []returnEntry `json:"returns"`
}

type returnEntry struct {
	Org       string   `json:"org"`
	Period    string   `json:"period"`
	Files     []string `json:"files"`
	Submitted string   `json:"submitted"`
	// FirstAttempt is a version of the return sent before it, which the
	// return replaces: ingested first, at its own date.
	FirstAttempt *struct {
		Files     []string `json:"files"`
		Submitted string   `json:"submitted"`
	} `json:"first_attempt"`
}

func backfillCmd(args []string, stdout, stderr io.Writer) int {
	var l lakeFlags
	fs := flag.NewFlagSet("backfill", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: outcomes backfill --lake DIR [--key-file FILE] [--except ORG/KIND]... MANIFEST.json")
		fmt.Fprintln(stderr, "Ingests every return the manifest lists: {\"returns\":[{\"org\",\"period\",\"files\":[paths relative to the manifest],\"submitted\":\"YYYY-MM-DD\"}]}")
		fs.PrintDefaults()
	}
	l.register(fs)
	except := map[string]bool{}
	fs.Func("except", "leave out an organisation's CSV files of a kind, ORG/KIND (the demo sends one organisation's follow-ups through the survey webhook instead)", func(s string) error {
		if !strings.Contains(s, "/") {
			return fmt.Errorf("want ORG/KIND")
		}
		except[s] = true
		return nil
	})
	if err := fs.Parse(args); err != nil {
		return usageExit(err)
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return exitFailure
	}
	b, err := os.ReadFile(fs.Arg(0))
	if err != nil {
		return fail(stderr, "backfill", pipeline.Errorf(pipeline.Invalid, "read manifest: %w", err))
	}
	var m manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return fail(stderr, "backfill", pipeline.Errorf(pipeline.Invalid, "read manifest %s: %w", fs.Arg(0), err))
	}
	cfg, err := l.open(nil)
	if err != nil {
		return fail(stderr, "backfill", err)
	}
	dir := filepath.Dir(fs.Arg(0))
	var sent []returnEntry
	for _, r := range m.Returns {
		if a := r.FirstAttempt; a != nil {
			sent = append(sent, returnEntry{Org: r.Org, Period: r.Period, Files: a.Files, Submitted: a.Submitted})
		}
		sent = append(sent, r)
	}
	// Returns go in in the order they arrived: a late return comes after the
	// next quarter's if that arrived first. The receipt dates order them in
	// the lake too, so a backfill in any order would end the same.
	slices.SortStableFunc(sent, func(a, b returnEntry) int { return strings.Compare(a.Submitted, b.Submitted) })
	var tally struct{ uploads, duplicates, rejectedFiles, rows, accepted, rejected int }
	var example string // one uploader's page, to show where they are
	for _, r := range sent {
		var names []string
		for _, f := range r.Files {
			if strings.EqualFold(path.Ext(f), ".csv") && except[r.Org+"/"+strings.TrimSuffix(path.Base(f), path.Ext(f))] {
				continue
			}
			names = append(names, filepath.Join(dir, filepath.FromSlash(f)))
		}
		req, closeAll, err := request(cfg.Standard, r.Org, r.Period, r.Submitted, names)
		if err != nil {
			closeAll()
			return fail(stderr, "backfill", err)
		}
		res, err := ingest.Run(context.Background(), cfg, req)
		closeAll()
		if err != nil {
			return fail(stderr, "backfill", fmt.Errorf("%s %s: %w", r.Org, r.Period, err))
		}
		var rows, accepted, rejected, replaced int
		var statuses []string
		for _, up := range res.Uploads {
			tally.uploads++
			switch up.Status {
			case lake.UploadDuplicate:
				tally.duplicates++
			case lake.UploadRejected:
				tally.rejectedFiles++
			}
			example = filepath.Join(l.lake, filepath.FromSlash(lake.UploadKey(r.Org, up.UploadID, "report.html")))
			if !slices.Contains(statuses, string(up.Status)) {
				statuses = append(statuses, string(up.Status))
			}
			if up.Status == lake.UploadDuplicate {
				continue
			}
			for _, t := range up.Tables {
				rows, accepted, rejected = rows+t.Rows, accepted+t.Accepted, rejected+t.Rejected
				if t.Superseded != "" {
					replaced++
				}
			}
		}
		tally.rows, tally.accepted, tally.rejected = tally.rows+rows, tally.accepted+accepted, tally.rejected+rejected
		fmt.Fprintf(stdout, "%-12s %s  %d file(s) %-18s %6d rows %6d accepted %4d rejected", r.Org, r.Period, len(res.Uploads), strings.Join(statuses, ", "), rows, accepted, rejected)
		if replaced > 0 {
			fmt.Fprintf(stdout, "  (replaces %d table(s) sent before)", replaced)
		}
		fmt.Fprintln(stdout)
	}
	fmt.Fprintf(stdout, "\n%d uploads: %d new, %d already ingested, %d not stored; %d rows read, %d accepted, %d rejected.\n",
		tally.uploads, tally.uploads-tally.duplicates, tally.duplicates, tally.rejectedFiles, tally.rows, tally.accepted, tally.rejected)
	fmt.Fprintf(stdout, "Lake:               %s (curated/ Parquet, current/ pointers, ledger/ ingest log)\n", l.lake)
	fmt.Fprintf(stdout, "Uploaders' reports: %s, for example\n                    %s\n", filepath.Join(l.lake, "uploads", "<org>", "<upload-id>", "report.html"), example)
	// Rejected rows are part of a normal backfill: the summary and the
	// uploaders' reports say what they were.
	return exitOK
}
