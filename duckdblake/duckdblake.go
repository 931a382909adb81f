// Package duckdblake queries a lake in a folder with DuckDB, under the names
// Athena knows it by: the catalog's tables (read_parquet and read_json over
// the lake's files) and views (the same SQL Athena runs), so that an
// analyst's query runs unchanged on one machine and in AWS.
//
// It links DuckDB (cgo), so only the command-line tool and tests import it,
// never a Lambda function.
package duckdblake

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	_ "github.com/duckdb/duckdb-go/v2" // the database/sql driver "duckdb"
	"github.com/parquet-go/parquet-go"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/catalog"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard"
)

// DB is an in-memory DuckDB database with the catalog's tables and views
// over one lake.
type DB struct {
	*sql.DB
	Tables []catalog.Table
	Views  []catalog.View
}

// Open makes the catalog of std over the lake in dir. The Parquet tables
// are views over the files, read as each query runs; the pointers and the
// ingest log are read once, here (a prompt left open does not see later
// commits: start it again). A table whose folder has no file yet is an
// empty table of the catalog's columns, so that every view can be created
// (and queried) on a lake that lacks a kind.
func Open(ctx context.Context, dir string, std *standard.Standard) (*DB, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, pipeline.Errorf(pipeline.Invalid, "open the lake %s: %w", dir, err)
	}
	if fi, err := os.Stat(abs); err != nil || !fi.IsDir() {
		return nil, pipeline.Errorf(pipeline.NotFound, "open the lake %s: no such folder", dir)
	}
	tables, err := catalog.Tables(std, nil, "", "")
	if err != nil {
		return nil, err
	}
	views, err := catalog.Views(std)
	if err != nil {
		return nil, err
	}
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return nil, pipeline.Errorf(pipeline.Internal, "open DuckDB: %w", err)
	}
	// One connection: an in-memory database is per connection.
	db.SetMaxOpenConns(1)
	// Creating each view, and each query, binds read_parquet over all of
	// a kind's files again: with their footers cached, each file's is read
	// once a session rather than once a view.
	if _, err := db.ExecContext(ctx, "SET parquet_metadata_cache = true"); err != nil {
		db.Close()
		return nil, pipeline.Errorf(pipeline.Internal, "configure DuckDB: %w", err)
	}
	out := &DB{DB: db, Tables: tables, Views: views}
	for _, t := range tables {
		stmt, tmp, err := tableSQL(abs, t)
		if err == nil {
			_, err = db.ExecContext(ctx, stmt)
		}
		if tmp != "" {
			os.Remove(tmp)
		}
		if err != nil {
			db.Close()
			return nil, pipeline.Errorf(pipeline.Internal, "create table %s: %w", t.Name, err)
		}
	}
	for _, v := range views {
		if _, err := db.ExecContext(ctx, "CREATE VIEW "+v.Name+" AS\n"+v.SQL); err != nil {
			db.Close()
			return nil, pipeline.Errorf(pipeline.Internal, "create view %s: %w", v.Name, err)
		}
	}
	return out, nil
}

// sameColumns reports whether every file has exactly the columns cols,
// in order.
func sameColumns(files []string, cols []catalog.Column) (bool, error) {
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			return false, err
		}
		fi, err := f.Stat()
		if err != nil {
			f.Close()
			return false, err
		}
		pf, err := parquet.OpenFile(f, fi.Size(), parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true))
		if err != nil {
			f.Close()
			return false, fmt.Errorf("read %s: %w", name, err)
		}
		fields := pf.Schema().Fields()
		f.Close()
		if len(fields) != len(cols) {
			return false, nil
		}
		for i, c := range cols {
			if fields[i].Name() != c.Name {
				return false, nil
			}
		}
	}
	return true, nil
}

// gather copies the JSON objects of files, one a line, into a new file in
// the temporary folder and returns its name; the caller removes it.
func gather(files []string) (string, error) {
	f, err := os.CreateTemp("", "duckdblake-*.ndjson")
	if err != nil {
		return "", err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Close()
			os.Remove(f.Name())
			return "", err
		}
		b = bytes.TrimSpace(b)
		if bytes.IndexByte(b, '\n') >= 0 {
			// An object written over several lines: one line, as
			// newline-delimited JSON needs.
			var c bytes.Buffer
			if err := json.Compact(&c, b); err != nil {
				f.Close()
				os.Remove(f.Name())
				return "", fmt.Errorf("read %s: %w", name, err)
			}
			b = c.Bytes()
		}
		w.Write(b)
		w.WriteByte('\n')
	}
	if err := w.Flush(); err != nil {
		f.Close()
		os.Remove(f.Name())
		return "", err
	}
	return f.Name(), f.Close()
}

// tableSQL is the DuckDB view standing for one of the catalog's tables:
// its columns, then its partition keys, in the catalog's order and types.
// The JSON tables are read into tables, from a file the caller removes
// once the statement has run (tmp; "" for none).
func tableSQL(root string, t catalog.Table) (stmt, tmp string, err error) {
	all := append(append([]catalog.Column{}, t.Columns...), t.PartitionKeys...)
	names := make([]string, len(all))
	for i, c := range all {
		names[i] = quoteIdent(c.Name)
	}
	glob := filepath.ToSlash(filepath.Join(root, filepath.FromSlash(t.Path))) + "/" + t.Glob
	matches, err := filepath.Glob(filepath.FromSlash(glob))
	if err != nil {
		return "", "", err
	}
	if len(matches) == 0 {
		casts := make([]string, len(all))
		for i, c := range all {
			typ, err := DuckType(c.Type)
			if err != nil {
				return "", "", err
			}
			casts[i] = fmt.Sprintf("CAST(NULL AS %s) AS %s", typ, quoteIdent(c.Name))
		}
		return fmt.Sprintf("CREATE VIEW %s AS SELECT %s WHERE FALSE", t.Name, strings.Join(casts, ", ")), "", nil
	}
	switch t.Format {
	case catalog.Parquet:
		var keys []string
		for _, k := range t.PartitionKeys {
			keys = append(keys, fmt.Sprintf("%s: 'VARCHAR'", quoteString(k.Name)))
		}
		// Files written under different versions of the standard have
		// different columns: merged by name, a column a file lacks reads
		// as null. Merging costs a read of every file's footer each time
		// a view over the table is bound (a dozen times when the lake is
		// opened), so it is asked for only when the files differ.
		uniform, err := sameColumns(matches, t.Columns)
		if err != nil {
			return "", "", err
		}
		return fmt.Sprintf("CREATE VIEW %s AS SELECT %s FROM read_parquet(%s, hive_partitioning = true, hive_types = {%s}, union_by_name = %t)",
			t.Name, strings.Join(names, ", "), quoteString(glob), strings.Join(keys, ", "), !uniform), "", nil
	case catalog.JSON:
		// Every field is read from the object itself: the pointers and the
		// log hold their partition's keys too, so no path is parsed. The
		// objects are read once, when the lake is opened, gathered into
		// one newline-delimited file: DuckDB's read_json opens and buffers
		// each file of a glob on its own, which for 10,000 small objects
		// (50 organisations' ten years) takes many seconds and gigabytes,
		// and the views read the pointers several times a query.
		cols := make([]string, len(all))
		for i, c := range all {
			typ, err := DuckType(c.Type)
			if err != nil {
				return "", "", err
			}
			cols[i] = fmt.Sprintf("%s: %s", quoteString(c.Name), quoteString(typ))
		}
		tmp, err := gather(matches)
		if err != nil {
			return "", "", err
		}
		return fmt.Sprintf("CREATE TABLE %s AS SELECT %s FROM read_json(%s, format = 'newline_delimited', columns = {%s})",
			t.Name, strings.Join(names, ", "), quoteString(filepath.ToSlash(tmp)), strings.Join(cols, ", ")), tmp, nil
	}
	return "", "", fmt.Errorf("format %q", t.Format)
}

// DuckType is the DuckDB type of a catalog (Hive) type.
func DuckType(hive string) (string, error) {
	p := &typeParser{s: hive}
	t, err := p.parse()
	if err == nil && p.i != len(p.s) {
		err = fmt.Errorf("unexpected %q", p.s[p.i:])
	}
	if err != nil {
		return "", fmt.Errorf("type %s: %w", hive, err)
	}
	return t, nil
}

type typeParser struct {
	s string
	i int
}

func (p *typeParser) name() string {
	j := p.i
	for j < len(p.s) && (p.s[j] == '_' || p.s[j] >= 'a' && p.s[j] <= 'z' || p.s[j] >= '0' && p.s[j] <= '9') {
		j++
	}
	n := p.s[p.i:j]
	p.i = j
	return n
}

func (p *typeParser) expect(c byte) error {
	if p.i >= len(p.s) || p.s[p.i] != c {
		return fmt.Errorf("want %q at %d", c, p.i)
	}
	p.i++
	return nil
}

func (p *typeParser) parse() (string, error) {
	n := p.name()
	switch n {
	case "string":
		return "VARCHAR", nil
	case "int":
		return "INTEGER", nil
	case "bigint":
		return "BIGINT", nil
	case "double":
		return "DOUBLE", nil
	case "date":
		return "DATE", nil
	case "boolean":
		return "BOOLEAN", nil
	case "timestamp":
		return "TIMESTAMP", nil
	case "decimal":
		j := strings.IndexByte(p.s[p.i:], ')')
		if j < 0 {
			return "", fmt.Errorf("decimal without (p,s)")
		}
		d := "DECIMAL" + p.s[p.i:p.i+j+1]
		p.i += j + 1
		return d, nil
	case "array":
		if err := p.expect('<'); err != nil {
			return "", err
		}
		e, err := p.parse()
		if err != nil {
			return "", err
		}
		return e + "[]", p.expect('>')
	case "map":
		if err := p.expect('<'); err != nil {
			return "", err
		}
		k, err := p.parse()
		if err != nil {
			return "", err
		}
		if err := p.expect(','); err != nil {
			return "", err
		}
		v, err := p.parse()
		if err != nil {
			return "", err
		}
		return "MAP(" + k + ", " + v + ")", p.expect('>')
	case "struct":
		if err := p.expect('<'); err != nil {
			return "", err
		}
		var fields []string
		for {
			f := p.name()
			if err := p.expect(':'); err != nil {
				return "", err
			}
			t, err := p.parse()
			if err != nil {
				return "", err
			}
			fields = append(fields, quoteIdent(f)+" "+t)
			if p.i < len(p.s) && p.s[p.i] == ',' {
				p.i++
				continue
			}
			return "STRUCT(" + strings.Join(fields, ", ") + ")", p.expect('>')
		}
	}
	return "", fmt.Errorf("unknown type %q", n)
}

func quoteIdent(s string) string  { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
func quoteString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
