package main

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/pseudonym"
)

// keygenCmd writes a new pseudonymisation key. It never overwrites a key:
// a lake's pseudonyms are only consistent while its key stays the same.
func keygenCmd(args []string, stdout, stderr io.Writer) int {
	fset := flag.NewFlagSet("keygen", flag.ContinueOnError)
	fset.SetOutput(stderr)
	out := fset.String("out", "", "the key file to create (mode 0600)")
	ifMissing := fset.Bool("if-missing", false, "do nothing when the key file already exists")
	if err := fset.Parse(args); err != nil {
		return usageExit(err)
	}
	if *out == "" || fset.NArg() > 0 {
		fmt.Fprintln(stderr, "usage: outcomes keygen --out FILE [--if-missing]")
		return exitFailure
	}
	if _, err := os.Stat(*out); err == nil {
		if *ifMissing {
			return exitOK
		}
		return fail(stderr, "keygen", pipeline.Errorf(pipeline.Conflict, "%s exists: a lake's key must not change, so it is not overwritten", *out))
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fail(stderr, "keygen", err)
	}
	secret := make([]byte, pseudonym.MinKeyBytes)
	if _, err := rand.Read(secret); err != nil {
		return fail(stderr, "keygen", err)
	}
	if err := os.MkdirAll(filepath.Dir(*out), 0o700); err != nil {
		return fail(stderr, "keygen", err)
	}
	f, err := os.OpenFile(*out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fail(stderr, "keygen", err)
	}
	if _, err := fmt.Fprintln(f, base64.StdEncoding.EncodeToString(secret)); err != nil {
		f.Close()
		return fail(stderr, "keygen", err)
	}
	if err := f.Close(); err != nil {
		return fail(stderr, "keygen", err)
	}
	fmt.Fprintf(stdout, "wrote a new pseudonymisation key to %s: keep it secret and keep it safe\n", *out)
	return exitOK
}
