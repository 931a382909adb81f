package catalog

import (
	"fmt"
	"io"
	"maps"
	"regexp"
	"slices"
	"strings"
)

// structField finds the field names of struct types, which Athena's DDL
// needs quoted (rows, columns and column are reserved words there).
var structField = regexp.MustCompile(`([<,])([a-z_][a-z0-9_]*):`)

// WriteDDL writes Athena's statements for the catalog, in database: a
// CREATE EXTERNAL TABLE for every table, then a CREATE OR REPLACE VIEW for
// every view, each ending in a semicolon.
func WriteDDL(w io.Writer, database string, tables []Table, views []View) error {
	var b strings.Builder
	for _, t := range tables {
		fmt.Fprintf(&b, "CREATE EXTERNAL TABLE IF NOT EXISTS `%s`.`%s` (\n", database, t.Name)
		writeColumns(&b, t.Columns)
		fmt.Fprintf(&b, ")\nCOMMENT %s\n", literal(t.Comment))
		if len(t.PartitionKeys) > 0 {
			b.WriteString("PARTITIONED BY (\n")
			writeColumns(&b, t.PartitionKeys)
			b.WriteString(")\n")
		}
		fmt.Fprintf(&b, "ROW FORMAT SERDE %s\nSTORED AS INPUTFORMAT %s\nOUTPUTFORMAT %s\nLOCATION %s\nTBLPROPERTIES (\n",
			literal(t.SerDe()), literal(t.InputFormat()), literal(t.OutputFormat()), literal(t.Location))
		keys := slices.Sorted(maps.Keys(t.Parameters))
		for i, k := range keys {
			sep := ","
			if i == len(keys)-1 {
				sep = ""
			}
			fmt.Fprintf(&b, "  %s = %s%s\n", literal(k), literal(t.Parameters[k]), sep)
		}
		b.WriteString(");\n\n")
	}
	for _, v := range views {
		fmt.Fprintf(&b, "-- %s\nCREATE OR REPLACE VIEW \"%s\".\"%s\" AS\n%s;\n\n", v.Comment, database, v.Name, v.SQL)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func writeColumns(b *strings.Builder, cols []Column) {
	for i, c := range cols {
		sep := ","
		if i == len(cols)-1 {
			sep = ""
		}
		fmt.Fprintf(b, "  `%s` %s COMMENT %s%s\n", c.Name, structField.ReplaceAllString(c.Type, "$1`$2`:"), literal(c.Comment), sep)
	}
}

// literal is a single-quoted Hive string literal.
func literal(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}
