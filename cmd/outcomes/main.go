// Command outcomes is the consortium's command-line tool, the pipeline on
// one machine with a folder lake: it validates a return the way an upload
// is validated, ingests one return or a whole history (backfill) into the
// lake, makes the quarterly report from it, creates the pseudonymisation
// key, and writes the templates and the data dictionary from the standard.
// It is thin wiring: flags into a config, the domain packages do the work.
//
// Exit codes: 0 when every row is accepted, 1 when any row or table is
// rejected, 2 for usage errors, unreadable files or failures, 3 for a
// failure worth retrying (a conflict with a concurrent ingest, storage
// briefly unavailable).
package main

import (
	"fmt"
	"io"
	"os"
)

const usage = `usage: outcomes COMMAND [flags]

commands:
  validate --org ORG --period YYYY-Qn [--json] FILE...
      check a return against the data standard and report every problem
  ingest --lake DIR --org ORG --period YYYY-Qn [--key-file FILE] [--received YYYY-MM-DD] FILE...
      validate a return and store its accepted rows in the lake
  backfill --lake DIR [--key-file FILE] MANIFEST.json
      ingest every return a manifest lists, in the order they arrived
  report --lake DIR --period YYYY-Qn|latest --out DIR [--org ORG]
      write a quarter's report (HTML, figures.json, CSV) from the lake
  erase --lake DIR [--key-file FILE] --org ORG --client-ref REF --reason TEXT
      remove one carer from the lake at their request (docs/erasure.md)
  explain --lake DIR --org ORG --period YYYY-Qn|latest FIGURE [--cohort C] [--subgroup DIM=VALUE] [--json]
      list the rows of an organisation's returns behind one of its figures
  survey check MAPPING
      check a survey form's mapping (or every form of a consortium file) against the standard
  survey replay --url URL --consortium FILE --secrets FILE --key-file FILE --org ORG MANIFEST.json
      send an organisation's follow-up returns to a webhook as signed survey deliveries
  survey rejected --lake DIR --org ORG
      list an organisation's rejected survey responses with the reasons, and those held (JSON)
  due --lake DIR --org ORG [--on YYYY-MM-DD]
      list the carers due a follow-up survey in the next 4 weeks, and those overdue (CSV)
  query --lake DIR [--format table|csv|json] [SQL]
      run SQL over the lake with DuckDB, under Athena's table and view names
      (no SQL: read it from stdin, or open a prompt on a terminal)
  ddl --database DB --bucket BUCKET [--prefix PREFIX] --consortium FILE
      print Athena's CREATE EXTERNAL TABLE and CREATE VIEW statements
  lake check --lake DIR|s3://BUCKET/PREFIX [--grace 24h]
      verify the lake's invariants: exit 0, or 1 with what is wrong
  lake gc --lake DIR|s3://BUCKET/PREFIX [--grace 24h] [--apply]
      remove curated files no pointer names, older than the grace period
  serve --lake DIR --consortium FILE [--key-file FILE] [--secrets FILE] [--addr 127.0.0.1:8080]
      one local server: the organisations' and the lead's web pages, with a development
      sign-in, and (given --secrets) the survey webhooks POST /surveys/{org}/{form}
  keygen --out FILE [--if-missing]
      create a consortium pseudonymisation key
  template --out DIR
      write a CSV template per kind and an Excel workbook with drop-down lists
  dictionary
      print the data dictionary (Markdown) generated from the standard

Run "outcomes COMMAND -h" for a command's flags.
`

// Exit codes shared by every command.
const (
	exitOK       = 0
	exitRejected = 1
	exitFailure  = 2
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitFailure
	}
	switch args[0] {
	case "validate":
		return validateCmd(args[1:], stdout, stderr)
	case "ingest":
		return ingestCmd(args[1:], stdout, stderr)
	case "backfill":
		return backfillCmd(args[1:], stdout, stderr)
	case "report":
		return reportCmd(args[1:], stdout, stderr)
	case "erase":
		return eraseCmd(args[1:], stdout, stderr)
	case "explain":
		return explainCmd(args[1:], stdout, stderr)
	case "due":
		return dueCmd(args[1:], stdout, stderr)
	case "survey":
		return surveyCmd(args[1:], stdout, stderr)
	case "query":
		return queryCmd(args[1:], os.Stdin, stdout, stderr)
	case "ddl":
		return ddlCmd(args[1:], stdout, stderr)
	case "lake":
		return lakeCmd(args[1:], stdout, stderr)
	case "serve":
		return serveCmd(args[1:], stdout, stderr)
	case "keygen":
		return keygenCmd(args[1:], stdout, stderr)
	case "template":
		return templateCmd(args[1:], stdout, stderr)
	case "dictionary":
		return dictionaryCmd(args[1:], stdout, stderr)
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage)
		return exitOK
	}
	fmt.Fprintf(stderr, "outcomes: unknown command %q\n\n%s", args[0], usage)
	return exitFailure
}
