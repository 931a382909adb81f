package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/consortium"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard"
	"github.com/carer-outcomes/carer-outcomes/pipeline/surveys"
)

// surveyCmd runs the survey subcommands.
func surveyCmd(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "usage: outcomes survey check MAPPING | outcomes survey replay [flags]")
		return exitFailure
	}
	switch args[0] {
	case "check":
		return surveyCheckCmd(args[1:], stdout, stderr)
	case "replay":
		return surveyReplayCmd(args[1:], stdout, stderr)
	}
	fmt.Fprintf(stderr, "outcomes survey: unknown subcommand %q\n", args[0])
	return exitFailure
}

// surveyCheckCmd validates a form's mapping against the standard: a file
// holding one form (as in an organisation's "forms"), or a whole
// consortium file, every form of which is checked.
func surveyCheckCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("survey check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	if err := fs.Parse(args); err != nil {
		return usageExit(err)
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(stderr, "usage: outcomes survey check MAPPING")
		return exitFailure
	}
	std, err := standard.Latest()
	if err != nil {
		return fail(stderr, "survey check", err)
	}
	path := fs.Arg(0)
	b, err := os.ReadFile(path)
	if err != nil {
		return fail(stderr, "survey check", pipeline.Errorf(pipeline.Invalid, "read %s: %w", path, err))
	}
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(b, &probe); err != nil {
		return fail(stderr, "survey check", pipeline.Errorf(pipeline.Invalid, "%s: %w", path, err))
	}
	if _, ok := probe["organisations"]; ok {
		c, err := consortium.Parse(b, std)
		if err != nil {
			return fail(stderr, "survey check", fmt.Errorf("%s: %w", path, err))
		}
		n := 0
		for _, o := range c.Organisations {
			for _, f := range o.Forms {
				fmt.Fprintf(stdout, "%s/%s: %s mapping version %d, %d columns: ok\n", o.Code, f.ID, f.Tool, f.Mapping.Version, len(f.Mapping.Columns))
				n++
			}
		}
		fmt.Fprintf(stdout, "%d forms checked against standard version %d\n", n, std.Version)
		return exitOK
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var f surveys.Form
	if err := dec.Decode(&f); err != nil {
		return fail(stderr, "survey check", pipeline.Errorf(pipeline.Invalid, "%s: %w", path, err))
	}
	if err := f.Check(std); err != nil {
		fmt.Fprintf(stderr, "outcomes survey check: %s: %v\n", path, err)
		return exitRejected
	}
	fmt.Fprintf(stdout, "%s: %s mapping version %d, %d columns: ok against standard version %d\n", f.ID, f.Tool, f.Mapping.Version, len(f.Mapping.Columns), std.Version)
	return exitOK
}

func surveyReplayCmd(args []string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "outcomes survey replay: not yet")
	return exitFailure
}
