package main

import (
	"database/sql"
	"fmt"
	"io"
	"strings"

	_ "github.com/duckdb/duckdb-go/v2"
)

// anchorThreads is the DuckDB thread count: both of the machine's cores, as
// an analyst's DuckDB would use them.
const anchorThreads = 2

// anchor is the DuckDB side of a comparison, run as its own process:
//
//	anchor copy-csv IN.csv OUT.parquet       the bare CSV → zstd Parquet conversion
//	anchor copy-parquet IN.parquet OUT.parquet  our file's content re-encoded by DuckDB
//	anchor views LAKE                         the headline views over the benchmark lake
func anchor(args []string, stdout io.Writer) error {
	if len(args) == 2 && args[0] == "views" {
		return anchorViews(args[1], stdout)
	}
	if len(args) != 3 {
		return fmt.Errorf("want MODE IN OUT, got %q", args)
	}
	mode, in, out := args[0], args[1], args[2]
	var read string
	switch mode {
	case "copy-csv":
		read = "read_csv(" + quote(in) + ")"
	case "copy-parquet":
		read = "read_parquet(" + quote(in) + ")"
	default:
		return fmt.Errorf("unknown mode %q", mode)
	}
	db, err := openDuck()
	if err != nil {
		return err
	}
	defer db.Close()
	q := fmt.Sprintf("COPY (SELECT * FROM %s) TO %s (FORMAT parquet, COMPRESSION zstd)", read, quote(out))
	if _, err := db.Exec(q); err != nil {
		return fmt.Errorf("%s: %w", mode, err)
	}
	return nil
}

// openDuck is an in-memory DuckDB using anchorThreads.
func openDuck() (*sql.DB, error) {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return nil, fmt.Errorf("open duckdb: %w", err)
	}
	// One connection, so that the setting holds for every query.
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(fmt.Sprintf("SET threads=%d", anchorThreads)); err != nil {
		db.Close()
		return nil, fmt.Errorf("set threads: %w", err)
	}
	return db, nil
}

// quote is a SQL string literal.
func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
