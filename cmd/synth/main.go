// Command synth writes a synthetic consortium's quarterly returns, or one
// large follow-up table for benchmarks. See package synth for what is in
// them; run synth -h for the flags.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard"
	"github.com/carer-outcomes/carer-outcomes/pipeline/synth"
)

// Exit codes.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

const usage = `usage:
  synth -out DIR [-seed N] [-orgs 6] [-quarters 8] [-last 2026-Q3] [-history 4]
  synth -big-followups N -out DIR [-seed N] [-org LEEDS-CC] [-last 2026-Q3]

The first form writes a synthetic consortium's quarterly returns, every one
valid under the data standard:

  DIR/<ORG>/<YYYY-Qn>/carers.csv, support.csv, outcomes.csv, followups.csv,
                      finance.csv        (organisations that send CSV)
  DIR/<ORG>/<YYYY-Qn>/return.xlsx        (organisations that send a workbook:
                      one sheet per kind, perhaps a Notes sheet too)
  DIR/manifest.json                      organisations (one is lead) and every
                      return: {org, period, files, submitted}

Organisations write their files as people and Excel do: labels for codes,
DD/MM/YYYY dates, £1,234.50, titles for headers, byte-order marks, CRLF,
Windows-1252, trailing empty rows, real Excel dates, an ignored Notes sheet.
A first return also brings the -history quarters of earlier work.

The second form writes DIR/followups.csv with exactly N follow-up rows for one
organisation's return for the -last quarter, and DIR/carers.csv with every
carer they name. It streams, so N can be in the millions.

The same flags and seed always write the same bytes.

Exit status: 0 done, 1 failed, 2 usage error.

flags:
`

// config is what the command line asks for.
type config struct {
	out          string
	seed         uint64
	orgs         int
	quarters     int
	last         string
	history      int
	bigFollowups int
	org          string
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	cfg, code := parse(args, stderr)
	if code >= 0 {
		return code
	}
	std, err := standard.Latest()
	if err != nil {
		fmt.Fprintln(stderr, "synth:", err)
		return exitFailure
	}
	last, err := pipeline.ParsePeriod(cfg.last)
	if err != nil {
		fmt.Fprintln(stderr, "synth: -last:", err)
		return exitUsage
	}
	start := time.Now()
	if cfg.bigFollowups > 0 {
		res, err := synth.GenerateBig(std, synth.BigConfig{Out: cfg.out, Seed: cfg.seed, Followups: cfg.bigFollowups, Org: cfg.org, Period: last})
		if err != nil {
			return fail(stderr, err)
		}
		fmt.Fprintf(stdout, "wrote %d follow-ups to %s and %d carers to %s in %v\n",
			res.Followups, res.FollowCSV, res.Carers, res.CarersCSV, time.Since(start).Round(time.Millisecond))
		return exitOK
	}
	m, err := synth.Generate(std, synth.Config{Out: cfg.out, Seed: cfg.seed, Orgs: cfg.orgs, Quarters: cfg.quarters, Last: last, History: cfg.history})
	if err != nil {
		return fail(stderr, err)
	}
	fmt.Fprintf(stdout, "wrote %d returns of %d organisations (%s to %s) and %s to %s in %v\n",
		len(m.Returns), len(m.Organisations), m.First, m.Last, synth.ManifestFile, cfg.out, time.Since(start).Round(time.Millisecond))
	return exitOK
}

// parse reads the command line. code is -1 to go on, or the exit code.
func parse(args []string, stderr io.Writer) (config, int) {
	def, big := synth.DefaultConfig(), synth.DefaultBigConfig()
	var cfg config
	fs := flag.NewFlagSet("synth", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fs.PrintDefaults()
	}
	fs.StringVar(&cfg.out, "out", "", "folder to write to (required)")
	fs.Uint64Var(&cfg.seed, "seed", def.Seed, "random seed: the same seed and flags write the same bytes")
	fs.IntVar(&cfg.orgs, "orgs", def.Orgs, fmt.Sprintf("number of organisations, 1 to %d", synth.MaxOrgs()))
	fs.IntVar(&cfg.quarters, "quarters", def.Quarters, "number of quarterly returns per organisation")
	fs.StringVar(&cfg.last, "last", def.Last.String(), "quarter of the latest returns, YYYY-Qn")
	fs.IntVar(&cfg.history, "history", def.History, "quarters of earlier work each organisation brings in its first return")
	fs.IntVar(&cfg.bigFollowups, "big-followups", 0, "write one table of exactly N follow-ups (and its carers) instead")
	fs.StringVar(&cfg.org, "org", big.Org, "with -big-followups: the organisation")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return cfg, exitOK
		}
		return cfg, exitUsage
	}
	switch {
	case fs.NArg() > 0:
		fmt.Fprintf(stderr, "synth: unexpected argument %q\n", fs.Arg(0))
	case cfg.out == "":
		fmt.Fprintln(stderr, "synth: -out is required")
	case cfg.bigFollowups < 0:
		fmt.Fprintln(stderr, "synth: -big-followups must be positive")
	default:
		return cfg, -1
	}
	fs.Usage()
	return cfg, exitUsage
}

// fail reports err; an invalid request is a usage error.
func fail(stderr io.Writer, err error) int {
	fmt.Fprintln(stderr, err)
	if pipeline.KindOf(err) == pipeline.Invalid {
		return exitUsage
	}
	return exitFailure
}
