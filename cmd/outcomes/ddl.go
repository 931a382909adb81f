package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/carer-outcomes/carer-outcomes/pipeline/catalog"
	"github.com/carer-outcomes/carer-outcomes/pipeline/consortium"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard"
)

// ddlCmd prints Athena's CREATE EXTERNAL TABLE and CREATE VIEW statements
// for the consortium's lake, from the catalog the CDK stacks use too.
func ddlCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("ddl", flag.ContinueOnError)
	fs.SetOutput(stderr)
	database := fs.String("database", "", "the Glue database (Athena schema)")
	bucket := fs.String("bucket", "", "the lake's S3 bucket")
	prefix := fs.String("prefix", "", "the lake's key prefix in the bucket, if any")
	file := fs.String("consortium", "", "the consortium's configuration file")
	if err := fs.Parse(args); err != nil {
		return usageExit(err)
	}
	if *database == "" || *bucket == "" || *file == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "usage: outcomes ddl --database DB --bucket BUCKET [--prefix PREFIX] --consortium FILE")
		return exitFailure
	}
	std, err := standard.Latest()
	if err != nil {
		return fail(stderr, "ddl", err)
	}
	c, err := consortium.Load(*file, std)
	if err != nil {
		return fail(stderr, "ddl", err)
	}
	tables, err := catalog.Tables(std, c, *bucket, *prefix)
	if err != nil {
		return fail(stderr, "ddl", err)
	}
	views, err := catalog.Views(std)
	if err != nil {
		return fail(stderr, "ddl", err)
	}
	if err := catalog.WriteDDL(stdout, *database, tables, views); err != nil {
		return fail(stderr, "ddl", err)
	}
	return exitOK
}
