package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/carer-outcomes/carer-outcomes/pipeline/dictionary"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard"
	"github.com/carer-outcomes/carer-outcomes/pipeline/template"
)

func templateCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("template", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "", "folder to write the templates into")
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return exitOK
		}
		return exitFailure
	}
	if *out == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "usage: outcomes template --out DIR")
		return exitFailure
	}
	std, err := standard.Latest()
	if err != nil {
		fmt.Fprintf(stderr, "outcomes template: %v\n", err)
		return exitFailure
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		fmt.Fprintf(stderr, "outcomes template: %v\n", err)
		return exitFailure
	}
	paths, err := template.Write(*out, std)
	if err != nil {
		fmt.Fprintf(stderr, "outcomes template: %v\n", err)
		return exitFailure
	}
	for _, p := range paths {
		fmt.Fprintln(stdout, p)
	}
	return exitOK
}

func dictionaryCmd(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		fmt.Fprintln(stderr, "usage: outcomes dictionary > docs/data-dictionary.md")
		return exitFailure
	}
	std, err := standard.Latest()
	if err != nil {
		fmt.Fprintf(stderr, "outcomes dictionary: %v\n", err)
		return exitFailure
	}
	if err := dictionary.Markdown(stdout, std); err != nil {
		fmt.Fprintf(stderr, "outcomes dictionary: %v\n", err)
		return exitFailure
	}
	return exitOK
}
