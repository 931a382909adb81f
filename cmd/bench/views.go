package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"regexp"
	"slices"
	"time"

	"github.com/carer-outcomes/carer-outcomes/duckdblake"
	"github.com/carer-outcomes/carer-outcomes/internal/benchlake"
	"github.com/carer-outcomes/carer-outcomes/pipeline/catalog"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard"
)

// anchorViews is what an analyst runs for the report's headline figures
// with `outcomes query`: the lake opened in DuckDB with the catalog's
// tables and views (duckdblake.Open, the pointers and the ingest log read
// once), then each headline view of figures read to its last row for the
// benchmark lake's quarter (`SELECT * FROM view WHERE period = …`). The
// views of figures are the headline views no other view selects from; the
// others (the quarters, the scopes, the profiles, the deduplicated
// outcomes and ranked follow-ups) are what they are built on, and run
// inside them.
func anchorViews(lake string, log io.Writer) error {
	ctx := context.Background()
	start := time.Now()
	std, err := standard.Latest()
	if err != nil {
		return err
	}
	db, err := duckdblake.Open(ctx, lake, std)
	if err != nil {
		return err
	}
	defer db.Close()
	fmt.Fprintf(log, "opened the lake in %s\n", time.Since(start).Round(time.Millisecond))
	if _, err := db.ExecContext(ctx, fmt.Sprintf("SET threads=%d", anchorThreads)); err != nil {
		return fmt.Errorf("set threads: %w", err)
	}
	n := 0
	for _, v := range figureViews(db.Views) {
		start := time.Now()
		rows, err := drain(ctx, db.DB, "SELECT * FROM "+v.Name+" WHERE period = ?", benchlake.Last.String())
		fmt.Fprintf(log, "%s: %d rows in %s\n", v.Name, rows, time.Since(start).Round(time.Millisecond))
		if err != nil {
			return fmt.Errorf("view %s: %w", v.Name, err)
		}
		if rows == 0 {
			return fmt.Errorf("view %s: no rows for %s", v.Name, benchlake.Last)
		}
		n++
	}
	if n == 0 {
		return fmt.Errorf("no headline view by quarter in the catalog")
	}
	return nil
}

// figureViews are the headline views that no other view selects from.
func figureViews(views []catalog.View) []catalog.View {
	var out []catalog.View
	for _, v := range views {
		if !v.Headline {
			continue
		}
		name := regexp.MustCompile(`\b` + regexp.QuoteMeta(v.Name) + `\b`)
		used := slices.ContainsFunc(views, func(w catalog.View) bool { return w.Name != v.Name && name.MatchString(w.SQL) })
		if !used {
			out = append(out, v)
		}
	}
	return out
}

// drain runs a query and reads every row, returning how many there were.
func drain(ctx context.Context, db *sql.DB, q string, args ...any) (int, error) {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return 0, err
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	n := 0
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return n, err
		}
		n++
	}
	return n, rows.Err()
}
