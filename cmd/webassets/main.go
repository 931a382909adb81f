// Command webassets writes the web pages' static files (GOV.UK Frontend's
// compiled files and the pages' own app.js and app.css) as a zip for the
// static site's bucket in AWS, at the paths the pages load them from:
//
//	webassets -o dist/web-assets.zip web/node_modules/govuk-frontend/dist/govuk
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/carer-outcomes/carer-outcomes/web"
)

func main() {
	out := flag.String("o", "", "the zip file to write")
	flag.Parse()
	if *out == "" || flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: webassets -o web-assets.zip GOVUK_FRONTEND_DIST_GOVUK_DIR")
		os.Exit(2)
	}
	if err := write(*out, flag.Arg(0)); err != nil {
		fmt.Fprintln(os.Stderr, "webassets:", err)
		os.Exit(1)
	}
}

// write writes the zip beside out and renames it into place: a failed run
// leaves no half zip for CDK to deploy.
func write(out, govuk string) error {
	tmp, err := os.CreateTemp(filepath.Dir(out), ".web-assets-*.zip")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	bw := bufio.NewWriter(tmp)
	if err := web.WriteAssets(bw, os.DirFS(govuk)); err != nil {
		tmp.Close()
		return err
	}
	if err := bw.Flush(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), out)
}
