package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard"
	"github.com/carer-outcomes/carer-outcomes/pipeline/tabular"
	"github.com/carer-outcomes/carer-outcomes/pipeline/validate"
)

type validateConfig struct {
	org, period string
	json        bool
	examples    int
	limits      tabular.Limits
	files       []string
	carers      []string
	reportFile  string
}

func parseValidate(args []string, stderr io.Writer) (validateConfig, error) {
	c := validateConfig{limits: tabular.DefaultLimits()}
	fs := flag.NewFlagSet("validate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: outcomes validate --org ORG --period YYYY-Qn [--json] FILE...")
		fs.PrintDefaults()
	}
	fs.StringVar(&c.org, "org", "", "the uploading organisation's code, such as LEEDS-CC")
	fs.StringVar(&c.period, "period", "", "the quarter of the return, such as 2026-Q3")
	fs.BoolVar(&c.json, "json", false, "print the machine-readable report (docs/validation-report.md)")
	fs.IntVar(&c.examples, "examples", 3, "examples shown per error code in the summary")
	fs.StringVar(&c.reportFile, "report", "", "also write the JSON report to this file")
	fs.Func("carers", "an earlier return whose carers count as registered (repeatable)", func(s string) error {
		c.carers = append(c.carers, s)
		return nil
	})
	maxMB := fs.Int64("max-file-mb", c.limits.MaxFileBytes>>20, "largest file accepted, in MB")
	maxUnpackedMB := fs.Int64("max-unpacked-mb", c.limits.MaxUnpackedBytes>>20, "largest unpacked size of an .xlsx, in MB")
	fs.IntVar(&c.limits.MaxRows, "max-rows", c.limits.MaxRows, "most data rows in one table")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	c.limits.MaxFileBytes, c.limits.MaxUnpackedBytes = *maxMB<<20, *maxUnpackedMB<<20
	c.files = fs.Args()
	switch {
	case c.org == "" || c.period == "":
		return c, fmt.Errorf("--org and --period are required")
	case len(c.files) == 0:
		return c, fmt.Errorf("name at least one file")
	}
	return c, nil
}

func validateCmd(args []string, stdout, stderr io.Writer) int {
	c, err := parseValidate(args, stderr)
	if err == flag.ErrHelp {
		return exitOK
	}
	if err != nil {
		fmt.Fprintf(stderr, "outcomes validate: %v\n", err)
		return exitFailure
	}
	std, err := standard.Latest()
	if err != nil {
		fmt.Fprintf(stderr, "outcomes validate: %v\n", err)
		return exitFailure
	}
	period, err := pipeline.ParsePeriod(c.period)
	if err == nil {
		err = std.ValidOrg(c.org)
	}
	if err != nil {
		fmt.Fprintf(stderr, "outcomes validate: %v\n", err)
		return exitFailure
	}
	cfg := validate.Config{Standard: std, Org: c.org, Period: period, Limits: c.limits}
	rep, err := runValidate(cfg, c.carers, c.files)
	if err != nil {
		fmt.Fprintf(stderr, "outcomes validate: %v\n", err)
		return exitFailure
	}
	if c.reportFile != "" {
		err = writeJSONFile(c.reportFile, rep)
	}
	if err == nil && c.json {
		err = writeJSON(stdout, rep)
	} else if err == nil {
		err = rep.WriteText(stdout, c.examples)
	}
	if err != nil {
		fmt.Fprintf(stderr, "outcomes validate: write report: %v\n", err)
		return exitFailure
	}
	return reportExit(rep)
}

// runValidate validates files, first collecting the carers of the earlier
// returns named by carers so that the files may refer to them.
func runValidate(cfg validate.Config, carers, files []string) (*validate.Report, error) {
	if len(carers) > 0 {
		inputs, closeAll, err := openInputs(carers)
		defer closeAll()
		if err != nil {
			return nil, err
		}
		known := validate.Carers{}
		earlier := cfg
		earlier.Sink = known
		if _, err := validate.Run(context.Background(), earlier, inputs); err != nil {
			return nil, fmt.Errorf("read earlier carers: %w", err)
		}
		cfg.Registry = known
	}
	inputs, closeAll, err := openInputs(files)
	defer closeAll()
	if err != nil {
		return nil, err
	}
	return validate.Run(context.Background(), cfg, inputs)
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func writeJSONFile(name string, v any) error {
	f, err := os.Create(name)
	if err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	if err := writeJSON(f, v); err != nil {
		f.Close()
		return fmt.Errorf("write report: %w", err)
	}
	return f.Close()
}

func reportExit(rep *validate.Report) int {
	switch {
	case rep.Unreadable():
		return exitFailure
	case !rep.Clean():
		return exitRejected
	}
	return exitOK
}

// openInputs opens the named files; a file that cannot be opened at all is
// a usage error, not a report entry, because nothing was uploaded.
func openInputs(names []string) ([]validate.Input, func(), error) {
	var files []*os.File
	closeAll := func() {
		for _, f := range files {
			f.Close()
		}
	}
	var inputs []validate.Input
	for _, name := range names {
		f, err := os.Open(name)
		if err != nil {
			return nil, closeAll, fmt.Errorf("open %s: %w", name, err)
		}
		files = append(files, f)
		st, err := f.Stat()
		if err != nil {
			return nil, closeAll, fmt.Errorf("open %s: %w", name, err)
		}
		if st.IsDir() {
			return nil, closeAll, fmt.Errorf("open %s: is a directory", name)
		}
		inputs = append(inputs, validate.Input{Name: filepath.ToSlash(name), Data: f, Size: st.Size()})
	}
	return inputs, closeAll, nil
}
