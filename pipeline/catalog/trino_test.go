package catalog_test

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/carer-outcomes/carer-outcomes/internal/lakefixture"
	"github.com/carer-outcomes/carer-outcomes/pipeline/catalog"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard/standardtest"
)

// statement is one SQL statement to check, as scripts/sqlcheck reads them.
type statement struct {
	Name  string `json:"name"`
	SQL   string `json:"sql"`
	OK    bool   `json:"ok"`
	Error string `json:"error"`
}

// trinoParse parses each statement with node-sql-parser's Trino grammar
// (scripts/sqlcheck, installed by make test).
func trinoParse(t *testing.T, stmts []statement) []statement {
	t.Helper()
	dir := filepath.Join(lakefixture.Root(), "scripts", "sqlcheck")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "node-sql-parser")); err != nil {
		t.Fatalf("node-sql-parser is not installed in %s: run make test (or make sqlcheck)", dir)
	}
	in, err := json.Marshal(stmts)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("node", filepath.Join(dir, "check.js"))
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node check.js: %v\n%s", err, stderr.String())
	}
	var res []statement
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatal(err)
	}
	return res
}

// notPortable finds what docs/analysts.md lists as outside the subset that
// both Athena (Trino) and DuckDB run but the Trino grammar accepts (it
// reads `::` casts, strftime and date_format calls as valid): each pattern
// with why it is out. Division is allowed only of a value cast to DOUBLE,
// because an integer divided by an integer is a whole number in Trino and
// a fraction in DuckDB.
var notPortable = []struct {
	re  *regexp.Regexp
	why string
}{
	{regexp.MustCompile(`::`), ":: casts are DuckDB's and PostgreSQL's; write CAST(x AS type)"},
	{regexp.MustCompile(`(?i)\bQUALIFY\b`), "QUALIFY is not Trino's; filter a window function in an outer query"},
	{regexp.MustCompile(`(?i)\bGROUP\s+BY\s+ALL\b`), "GROUP BY ALL is DuckDB's; list the columns"},
	{regexp.MustCompile(`(?i)\b(strftime|date_format|strptime|date_parse)\s*\(`), "date formatting differs between the engines"},
	{regexp.MustCompile(`(?i)\b(date_add|date_sub|datediff|approx_\w+|list_\w+|epoch\w*)\s*\(`), "the function differs between the engines (or exists in one only)"},
	{regexp.MustCompile(`(?i)\bdate_diff\s*\(\s*'(?:[^d]|d[^a]|da[^y]|day[^'])`), "date_diff only in days: the engines count other units differently"},
	{regexp.MustCompile(`//`), "// is DuckDB's integer division"},
	{regexp.MustCompile(`(?i)(?:^|[^E]\)|[^)\s])\s*/[^/*]`), "division of anything but CAST(x AS DOUBLE): integer division differs"},
}

func lintPortable(sql string) []string {
	// Comments say what they like.
	sql = regexp.MustCompile(`--[^\n]*`).ReplaceAllString(sql, "")
	var out []string
	for _, p := range notPortable {
		if loc := p.re.FindStringIndex(sql); loc != nil {
			if p.why == notPortable[len(notPortable)-1].why && regexp.MustCompile(`(?i)AS DOUBLE\)\s*$`).MatchString(sql[:loc[1]-2]) {
				continue
			}
			out = append(out, p.why+": "+strings.TrimSpace(sql[max(0, loc[0]-20):min(len(sql), loc[1]+20)]))
		}
	}
	return out
}

// TestViews_Trino parses every view with a Trino grammar and checks it for
// the constructs the grammar accepts that Trino and DuckDB read
// differently, so that SQL only DuckDB runs fails CI; statements DuckDB
// alone accepts show that both checks can fail.
func TestViews_Trino(t *testing.T) {
	std := standardtest.Load(t)
	views, err := catalog.Views(std)
	if err != nil {
		t.Fatal(err)
	}
	var stmts []statement
	for _, v := range views {
		stmts = append(stmts, statement{Name: v.Name, SQL: v.SQL})
	}
	duckOnly := []statement{
		{Name: "QUALIFY", SQL: "SELECT a FROM t QUALIFY row_number() OVER (PARTITION BY b ORDER BY c) = 1"},
		{Name: "GROUP BY ALL", SQL: "SELECT a, count(*) FROM t GROUP BY ALL"},
		{Name: "SELECT * EXCLUDE", SQL: "SELECT * EXCLUDE (a) FROM t"},
		{Name: ":: cast", SQL: "SELECT a::INTEGER FROM t"},
		{Name: "strftime", SQL: "SELECT strftime(d, '%Y') FROM t"},
		{Name: "integer division", SQL: "SELECT COUNT(*) / SUM(n) FROM t"},
		{Name: "date_diff in weeks", SQL: "SELECT date_diff('week', a, b) FROM t"},
	}
	all := append(stmts, duckOnly...)
	res := trinoParse(t, all)
	if len(res) != len(all) {
		t.Fatalf("%d results for %d statements", len(res), len(all))
	}
	for i, r := range res {
		r.SQL = all[i].SQL
		problems := lintPortable(r.SQL)
		if !r.OK {
			problems = append(problems, "the Trino grammar rejects it: "+r.Error)
		}
		if i < len(stmts) {
			for _, p := range problems {
				t.Errorf("view %s: %s", r.Name, p)
			}
		} else if len(problems) == 0 {
			t.Errorf("%s: neither the Trino grammar nor the lint catches %q", r.Name, r.SQL)
		}
	}
	t.Logf("%d views parsed with the Trino grammar", len(stmts))
}
