package main

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/duckdb/duckdb-go/v2"
	"golang.org/x/term"

	"github.com/carer-outcomes/carer-outcomes/duckdblake"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard"
)

const queryUsage = "usage: outcomes query --lake DIR [--format table|csv|json] [SQL]"

// queryCmd runs SQL over the lake with DuckDB, under Athena's table and
// view names: the SQL argument, else the SQL read from stdin, else (stdin a
// terminal) a prompt.
func queryCmd(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("query", flag.ContinueOnError)
	fs.SetOutput(stderr)
	lakeDir := fs.String("lake", "", "the lake's folder")
	format := fs.String("format", "table", "how rows are written: table, csv or json")
	if err := fs.Parse(args); err != nil {
		return usageExit(err)
	}
	if *lakeDir == "" || fs.NArg() > 1 || (*format != "table" && *format != "csv" && *format != "json") {
		fmt.Fprintln(stderr, queryUsage)
		return exitFailure
	}
	ctx := context.Background()
	std, err := standard.Latest()
	if err != nil {
		return fail(stderr, "query", err)
	}
	db, err := duckdblake.Open(ctx, *lakeDir, std)
	if err != nil {
		return fail(stderr, "query", err)
	}
	defer db.Close()
	if fs.NArg() == 1 {
		return runQuery(ctx, db, fs.Arg(0), *format, stdout, stderr)
	}
	if f, ok := stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		return prompt(ctx, db, f, *format, stdout, stderr)
	}
	b, err := io.ReadAll(stdin)
	if err != nil {
		return fail(stderr, "query", err)
	}
	if strings.TrimSpace(string(b)) == "" {
		fmt.Fprintln(stderr, queryUsage+"\nNo SQL: give it as an argument or on stdin, or run on a terminal for a prompt.")
		return exitFailure
	}
	return runQuery(ctx, db, string(b), *format, stdout, stderr)
}

// runQuery runs one statement and writes its rows; a query DuckDB rejects
// gets DuckDB's own message and exit 1.
func runQuery(ctx context.Context, db *duckdblake.DB, q, format string, stdout, stderr io.Writer) int {
	cols, rows, err := query(ctx, db.DB, q)
	if err != nil {
		fmt.Fprintf(stderr, "outcomes query: %v\n", err)
		return exitRejected
	}
	if err := writeRows(stdout, format, cols, rows); err != nil {
		return fail(stderr, "query", err)
	}
	return exitOK
}

// query runs q and returns its column names and rows, each value as text
// (NULL as nil).
func query(ctx context.Context, db *sql.DB, q string) ([]string, [][]*string, error) {
	rs, err := db.QueryContext(ctx, q)
	if err != nil {
		return nil, nil, err
	}
	defer rs.Close()
	cols, err := rs.Columns()
	if err != nil {
		return nil, nil, err
	}
	var rows [][]*string
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rs.Next() {
		if err := rs.Scan(ptrs...); err != nil {
			return nil, nil, err
		}
		row := make([]*string, len(cols))
		for i, v := range vals {
			if v != nil {
				s := text(v)
				row[i] = &s
			}
		}
		rows = append(rows, row)
	}
	return cols, rows, rs.Err()
}

// text writes a value as an analyst reads it: dates as YYYY-MM-DD,
// decimals exactly, nested values as JSON.
func text(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case []byte:
		return string(v)
	case time.Time:
		if v.Hour() == 0 && v.Minute() == 0 && v.Second() == 0 && v.Nanosecond() == 0 {
			return v.Format(time.DateOnly)
		}
		return v.Format(time.RFC3339Nano)
	case duckdb.Decimal:
		return decimalText(v)
	case *big.Int:
		return v.String()
	case float64:
		return fmt.Sprint(v)
	case map[any]any, []any, map[string]any, duckdb.Map:
		b, err := json.Marshal(jsonable(v))
		if err != nil {
			return fmt.Sprint(v)
		}
		return string(b)
	}
	return fmt.Sprint(v)
}

// decimalText writes a decimal with all its scale's digits (1834907.00,
// not 1834907): money reads as money.
func decimalText(d duckdb.Decimal) string {
	if d.Value == nil {
		return "0"
	}
	digits := new(big.Int).Abs(d.Value).String()
	scale := int(d.Scale)
	if scale > 0 {
		if len(digits) <= scale {
			digits = strings.Repeat("0", scale-len(digits)+1) + digits
		}
		digits = digits[:len(digits)-scale] + "." + digits[len(digits)-scale:]
	}
	if d.Value.Sign() < 0 {
		digits = "-" + digits
	}
	return digits
}

// jsonable turns DuckDB's maps (keyed by any) into maps JSON can write.
func jsonable(v any) any {
	switch v := v.(type) {
	case duckdb.Map:
		m := map[string]any{}
		for k, e := range v {
			m[fmt.Sprint(k)] = jsonable(e)
		}
		return m
	case map[any]any:
		m := map[string]any{}
		for k, e := range v {
			m[fmt.Sprint(k)] = jsonable(e)
		}
		return m
	case map[string]any:
		m := map[string]any{}
		for k, e := range v {
			m[k] = jsonable(e)
		}
		return m
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = jsonable(e)
		}
		return out
	}
	return v
}

func writeRows(w io.Writer, format string, cols []string, rows [][]*string) error {
	switch format {
	case "csv":
		cw := csv.NewWriter(w)
		if err := cw.Write(cols); err != nil {
			return err
		}
		for _, r := range rows {
			rec := make([]string, len(r))
			for i, v := range r {
				if v != nil {
					rec[i] = *v
				}
			}
			if err := cw.Write(rec); err != nil {
				return err
			}
		}
		cw.Flush()
		return cw.Error()
	case "json":
		out := make([]map[string]*string, len(rows))
		for i, r := range rows {
			m := make(map[string]*string, len(cols))
			for j, c := range cols {
				m[c] = r[j]
			}
			out[i] = m
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(cols, "\t"))
	for _, r := range rows {
		cells := make([]string, len(r))
		for i, v := range r {
			cells[i] = "NULL"
			if v != nil {
				cells[i] = strings.ReplaceAll(*v, "\t", " ")
			}
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	fmt.Fprintf(tw, "(%d rows)\n", len(rows))
	return tw.Flush()
}

const promptHelp = `Type SQL ending in ; to run it. Commands:
  \d          list the tables and views
  \d NAME     describe a table or view
  \q          quit (or Ctrl-D)
Up and down arrows recall earlier lines (kept in %s).
`

// prompt reads statements from a terminal until \q or end of input.
func prompt(ctx context.Context, db *duckdblake.DB, tty *os.File, format string, stdout, stderr io.Writer) int {
	old, err := term.MakeRaw(int(tty.Fd()))
	if err != nil {
		return fail(stderr, "query", err)
	}
	defer term.Restore(int(tty.Fd()), old)
	return promptLoop(ctx, db, struct {
		io.Reader
		io.Writer
	}{tty, stdout}, format, openHistory())
}

// promptLoop is the prompt over a terminal's bytes (raw mode: lines end in
// carriage returns), with its history.
func promptLoop(ctx context.Context, db *duckdblake.DB, rw io.ReadWriter, format string, hist *history) int {
	t := term.NewTerminal(rw, "outcomes> ")
	t.History = hist
	fmt.Fprintf(t, promptHelp, hist.path)
	var stmt strings.Builder
	for {
		line, err := t.ReadLine()
		if err != nil { // io.EOF: Ctrl-D
			return exitOK
		}
		trimmed := strings.TrimSpace(line)
		if stmt.Len() == 0 && strings.HasPrefix(trimmed, `\`) {
			switch f := strings.Fields(trimmed); {
			case f[0] == `\q`:
				return exitOK
			case f[0] == `\d` && len(f) == 1:
				runPrompted(ctx, db, t, "table", listSQL)
			case f[0] == `\d`:
				runPrompted(ctx, db, t, "table", "DESCRIBE "+f[1])
			default:
				fmt.Fprintf(t, promptHelp, hist.path)
			}
			continue
		}
		stmt.WriteString(line + "\n")
		if strings.HasSuffix(trimmed, ";") {
			runPrompted(ctx, db, t, format, stmt.String())
			stmt.Reset()
			t.SetPrompt("outcomes> ")
		} else if trimmed != "" || stmt.Len() > 1 {
			t.SetPrompt("     ...> ")
		}
	}
}

// listSQL lists what an analyst can query: the catalog's tables and views.
const listSQL = `SELECT table_name AS name, CASE table_type WHEN 'VIEW' THEN 'view' ELSE 'table' END AS type
FROM information_schema.tables ORDER BY name`

func runPrompted(ctx context.Context, db *duckdblake.DB, t *term.Terminal, format, q string) {
	cols, rows, err := query(ctx, db.DB, q)
	if err != nil {
		fmt.Fprintf(t, "%v\n", err)
		return
	}
	var b strings.Builder
	if err := writeRows(&b, format, cols, rows); err != nil {
		fmt.Fprintf(t, "%v\n", err)
		return
	}
	t.Write([]byte(b.String()))
}

// history is the prompt's history, kept in a file across sessions.
type history struct {
	path  string
	lines []string
}

func openHistory() *history {
	dir, err := os.UserConfigDir()
	if err != nil {
		dir = os.TempDir()
	}
	return loadHistory(filepath.Join(dir, "carer-outcomes", "query_history"))
}

func loadHistory(path string) *history {
	h := &history{path: path}
	if f, err := os.Open(h.path); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			h.lines = append(h.lines, sc.Text())
		}
		f.Close()
	}
	return h
}

func (h *history) Add(line string) {
	if strings.TrimSpace(line) == "" {
		return
	}
	h.lines = append(h.lines, line)
	if os.MkdirAll(filepath.Dir(h.path), 0o700) != nil {
		return
	}
	if f, err := os.OpenFile(h.path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600); err == nil {
		fmt.Fprintln(f, line)
		f.Close()
	}
}

func (h *history) Len() int        { return len(h.lines) }
func (h *history) At(i int) string { return h.lines[len(h.lines)-1-i] }
