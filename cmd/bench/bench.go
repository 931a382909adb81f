package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/carer-outcomes/carer-outcomes/pipeline/standard"
	"github.com/carer-outcomes/carer-outcomes/pipeline/synth"
)

// config is the command's flags.
type config struct {
	work  string // where inputs, binaries and lakes are kept between runs
	runs  int    // measured runs of each side
	rows  []int  // follow-up rows of the ingest comparisons
	only  map[string]bool
	write string // the benchmarks page to write the table into ("" = print only)
	repo  string // the repository's root (go commands run there)
}

// parts are the comparisons, in the order they run.
var partNames = []string{"ingest", "validate", "report", "start"}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	c := config{}
	fs.StringVar(&c.work, "work", filepath.Join(os.TempDir(), "carer-outcomes-bench"), "folder for generated inputs, binaries and lakes (kept between runs)")
	fs.IntVar(&c.runs, "runs", 5, "measured runs of each side")
	rows := fs.String("rows", "1000000,5000000", "follow-up rows of each ingest comparison, comma-separated")
	only := fs.String("only", strings.Join(partNames, ","), "comparisons to run: "+strings.Join(partNames, ","))
	fs.StringVar(&c.write, "write", "docs/benchmarks.md", "page to write the results into (empty: print only)")
	fs.StringVar(&c.repo, "repo", ".", "the repository's root")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	for s := range strings.SplitSeq(*rows, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			fmt.Fprintf(stderr, "bench: -rows %q: want whole numbers\n", *rows)
			return c, errors.New("bad -rows")
		}
		c.rows = append(c.rows, n)
	}
	c.only = map[string]bool{}
	for s := range strings.SplitSeq(*only, ",") {
		if !slices.Contains(partNames, s) {
			fmt.Fprintf(stderr, "bench: -only %q: want some of %s\n", s, strings.Join(partNames, ","))
			return c, errors.New("bad -only")
		}
		c.only[s] = true
	}
	if c.runs < 1 {
		fmt.Fprintln(stderr, "bench: -runs must be at least 1")
		return c, errors.New("bad -runs")
	}
	return c, nil
}

// sample is one measured process.
type sample struct {
	wall time.Duration
	rss  int64 // peak resident set, bytes
}

// measure runs a program to completion and returns its wall time and peak
// RSS. Its output is kept for an error message only.
func measure(dir, bin string, args ...string) (sample, error) {
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	if err != nil {
		return sample{}, fmt.Errorf("run %s %s: %w\n%s", filepath.Base(bin), strings.Join(args, " "), err, tail(out.String()))
	}
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		return sample{}, fmt.Errorf("run %s: no resource usage", bin)
	}
	return sample{wall: wall, rss: ru.Maxrss << 10}, nil // Linux reports KiB
}

// tail is the end of a long output.
func tail(s string) string {
	if len(s) > 4000 {
		return "…" + s[len(s)-4000:]
	}
	return s
}

// bench is one run of the command: where things are and what was measured.
type bench struct {
	cfg      config
	std      *standard.Standard
	self     string // this binary, for the anchor
	outcomes string // the CLI, built for this run
	key      string
	results  []result
	log      io.Writer
	// loadStart is the load average when the run began: the machine is
	// shared, and the page says how busy it was at both ends of the run.
	loadStart string
}

// result is one comparison's line in the table.
type result struct {
	name, ours, anchor    string    // what was compared
	ourTimes, anchorTimes []float64 // seconds, or the unit below
	ourRSS, anchorRSS     []int64
	unit                  string  // "s" (default), "ms", "rows/s"
	target                float64 // ratio ours/anchor that meets the target; for rows/s, the floor
	targetText            string
	extra                 []string // further lines (sizes, RSS targets)
}

func runAll(cfg config, stdout, stderr io.Writer) error {
	start := time.Now()
	if err := os.MkdirAll(filepath.Join(cfg.work, "bin"), 0o755); err != nil {
		return err
	}
	std, err := standard.Latest()
	if err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find this binary: %w", err)
	}
	b := &bench{cfg: cfg, std: std, self: self, log: stderr, outcomes: filepath.Join(cfg.work, "bin", "outcomes"), loadStart: loadAverage()}
	b.logf("building outcomes")
	if err := b.goCmd("build", "-o", b.outcomes, "./cmd/outcomes"); err != nil {
		return err
	}
	b.key = filepath.Join(cfg.work, "consortium.key")
	if _, err := measure(cfg.repo, b.outcomes, "keygen", "--out", b.key, "--if-missing"); err != nil {
		return err
	}
	for _, p := range partNames {
		if !cfg.only[p] {
			continue
		}
		var err error
		switch p {
		case "ingest":
			err = b.ingest()
		case "validate":
			err = b.validate()
		case "report":
			err = b.report()
		case "start":
			err = b.start()
		}
		if err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
	}
	page := b.page(time.Since(start))
	fmt.Fprint(stdout, page)
	if cfg.write != "" {
		return writeSection(filepath.Join(cfg.repo, cfg.write), page)
	}
	return nil
}

func (b *bench) logf(format string, args ...any) {
	fmt.Fprintf(b.log, "bench: "+format+"\n", args...)
}

// goCmd runs the go command in the repository.
func (b *bench) goCmd(args ...string) error {
	_, err := b.goOutput(args...)
	return err
}

func (b *bench) goOutput(args ...string) (string, error) {
	cmd := exec.Command("go", args...)
	cmd.Dir = b.cfg.repo
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return out.String(), fmt.Errorf("go %s: %w\n%s", strings.Join(args, " "), err, tail(out.String()))
	}
	return out.String(), nil
}

// bigInput is the generator's follow-up table of n rows with its carers,
// generated once into the work folder.
func (b *bench) bigInput(n int) (synth.BigResult, synth.BigConfig, error) {
	gen := synth.DefaultBigConfig()
	gen.Followups = n
	gen.Out = filepath.Join(b.cfg.work, fmt.Sprintf("followups-%d-seed%d", n, gen.Seed))
	res := synth.BigResult{CarersCSV: filepath.Join(gen.Out, synth.BigCarersFile), FollowCSV: filepath.Join(gen.Out, synth.BigFollowupsFile)}
	done := filepath.Join(gen.Out, "generated")
	if _, err := os.Stat(done); err == nil {
		return res, gen, nil
	}
	b.logf("generating %d follow-ups into %s", n, gen.Out)
	if err := os.RemoveAll(gen.Out); err != nil {
		return res, gen, err
	}
	res, err := synth.GenerateBig(b.std, gen)
	if err != nil {
		return res, gen, err
	}
	return res, gen, os.WriteFile(done, nil, 0o644)
}
