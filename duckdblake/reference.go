package duckdblake

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/carer-outcomes/carer-outcomes/pipeline/standard"
)

// WriteReference writes the catalog's table and view reference in
// Markdown (docs/analysts.md): every table with its columns, partition
// keys and location, then every view with what it shows and its columns,
// read by DuckDB from the view itself over an empty lake, so that the
// reference says what the SQL gives, not what someone remembered.
func WriteReference(ctx context.Context, w io.Writer, std *standard.Standard) error {
	dir, err := os.MkdirTemp("", "catalog-reference-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	db, err := Open(ctx, dir, std)
	if err != nil {
		return err
	}
	defer db.Close()
	var b strings.Builder
	b.WriteString("### Tables\n\n")
	for _, t := range db.Tables {
		fmt.Fprintf(&b, "#### `%s`\n\n%s Files: `%s%s` (%s).\n\n| column | type | |\n| --- | --- | --- |\n", t.Name, t.Comment, t.Path, t.Glob, t.Format)
		for _, c := range t.Columns {
			fmt.Fprintf(&b, "| `%s` | %s | %s |\n", c.Name, strings.ReplaceAll(c.Type, ",", ", "), cell(c.Comment))
		}
		for _, c := range t.PartitionKeys {
			fmt.Fprintf(&b, "| `%s` | %s | partition key. %s |\n", c.Name, c.Type, cell(c.Comment))
		}
		b.WriteString("\n")
	}
	b.WriteString("### Views\n\n")
	for _, v := range db.Views {
		source := "generated from `schemas/`"
		if v.Headline {
			source = "`pipeline/catalog/views/" + v.Name + ".sql`"
		}
		fmt.Fprintf(&b, "#### `%s`\n\n%s (%s)\n\n", v.Name, v.Comment, source)
		rs, err := db.QueryContext(ctx, "SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM "+v.Name+")")
		if err != nil {
			return fmt.Errorf("describe view %s: %w", v.Name, err)
		}
		var cols []string
		for rs.Next() {
			var name, typ string
			if err := rs.Scan(&name, &typ); err != nil {
				rs.Close()
				return err
			}
			cols = append(cols, fmt.Sprintf("`%s` %s", name, strings.ToLower(typ)))
		}
		rs.Close()
		if err := rs.Err(); err != nil {
			return err
		}
		fmt.Fprintf(&b, "Columns: %s.\n\n", strings.Join(cols, ", "))
	}
	_, err = io.WriteString(w, b.String())
	return err
}

func cell(s string) string { return strings.ReplaceAll(s, "|", "\\|") }
