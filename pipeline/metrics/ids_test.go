package metrics

import (
	"flag"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/carer-outcomes/carer-outcomes/costmodel"
	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard/standardtest"
)

// defPattern matches the ids of a Def: each <CODE> stands for one code.
func defPattern(d Def) *regexp.Regexp {
	parts := strings.Split(d.ID, ".")
	for i, p := range parts {
		if strings.HasPrefix(p, "<") && strings.HasSuffix(p, ">") {
			parts[i] = `[^.]+`
		} else {
			parts[i] = regexp.QuoteMeta(p)
		}
	}
	return regexp.MustCompile(`^` + strings.Join(parts, `\.`) + `$`)
}

// TestDefs_MatchComputed checks the declared list against what is computed
// from the hand-worked fixture of sections 1 to 8 for every scope: each
// figure has exactly one Def, with its unit, cohort and subgroup, and each
// Def is met.
func TestDefs_MatchComputed(t *testing.T) {
	std := standardtest.Load(t)
	model, err := costmodel.Load(costmodel.Latest)
	if err != nil {
		t.Fatal(err)
	}
	defs := Defs()
	patterns := make([]*regexp.Regexp, len(defs))
	for i, d := range defs {
		patterns[i] = defPattern(d)
	}
	met := make([]bool, len(defs))
	p := pipeline.Period{Year: 2026, Quarter: 2}
	for _, ds := range []Dataset{loadDataset(t, "dataset.json"), loadMore(t)} {
		ix, err := NewIndex(std, ds, p)
		if err != nil {
			t.Fatal(err)
		}
		for _, scope := range []string{Consortium, "ORG-A", "ORG-B"} {
			figs, err := ix.Figures(std, scope, model)
			if err != nil {
				t.Fatal(err)
			}
			subs, err := ix.Subgroups(std, scope)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range append(figs, subs...) {
				// An id declared whole wins over a family it would also
				// match (outcomes.quarter.any_hard, outcomes.quarter.<OUTCOME>).
				var which, families []int
				for i, d := range defs {
					switch {
					case d.ID == f.ID:
						which = append(which, i)
					case patterns[i].MatchString(f.ID):
						families = append(families, i)
					}
				}
				if len(which) == 0 {
					which = families
				}
				if len(which) != 1 {
					t.Errorf("%s: %d declared ids match, want 1", f.ID, len(which))
					continue
				}
				d := defs[which[0]]
				met[which[0]] = true
				switch {
				case f.Unit != d.Unit:
					t.Errorf("%s: unit %s, declared %s", f.ID, f.Unit, d.Unit)
				case (f.Cohort != "") != d.Cohort:
					t.Errorf("%s: cohort %q, declared cohort %v", f.ID, f.Cohort, d.Cohort)
				case f.Subgroup != nil && !d.Subgroups:
					t.Errorf("%s: given by subgroup, declared not", f.ID)
				}
			}
		}
	}
	// The fixtures have fewer than 10 pairs of IT-skills answers, so that
	// figure is not shown (metrics.md section 5).
	unmet := map[string]bool{SoftITSkillsChange: true}
	for i, d := range defs {
		if !met[i] && !unmet[d.ID] {
			t.Errorf("%s is declared but never computed from the fixtures", d.ID)
		}
	}
}

// defsTable is Defs as the table of docs/report.md.
func defsTable() string {
	var b strings.Builder
	b.WriteString("| id | unit | metrics.md section | also |\n| --- | --- | --- | --- |\n")
	for _, d := range Defs() {
		var also []string
		if d.Cohort {
			also = append(also, "one per registration cohort")
		}
		if d.Subgroups {
			also = append(also, "by subgroup (section 9)")
		}
		b.WriteString("| `" + d.ID + "` | " + string(d.Unit) + " | " + strconv.Itoa(d.Section) + " | " + dashIfEmpty(strings.Join(also, "; ")) + " |\n")
	}
	return b.String()
}

var updateDocs = flag.Bool("update", false, "rewrite docs/report.md's table of figure ids from Defs")

func dashIfEmpty(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// TestDefs_Docs checks that docs/report.md's table of figure ids is Defs;
// with -update it rewrites the table.
func TestDefs_Docs(t *testing.T) {
	const doc, begin, end = "../../docs/report.md", "<!-- figure ids: begin -->\n", "<!-- figure ids: end -->"
	b, err := os.ReadFile(doc)
	if err != nil {
		t.Fatal(err)
	}
	head, rest, ok1 := strings.Cut(string(b), begin)
	got, tail, ok2 := strings.Cut(rest, end)
	if !ok1 || !ok2 {
		t.Fatalf("docs/report.md has no %q … %q block", begin, end)
	}
	want := defsTable()
	if *updateDocs {
		if err := os.WriteFile(doc, []byte(head+begin+want+end+tail), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if got != want {
		t.Errorf("docs/report.md's table of figure ids differs from Defs (go test ./pipeline/metrics -run TestDefs_Docs -update rewrites it); it should read:\n%s", want)
	}
}

// TestIDs_NoLiterals checks that outside ids.go no production code spells a
// figure id or a unit itself: every string literal of every Go file of the
// module but the tests is looked at, and one that is a unit, a declared id
// or starts with a declared prefix fails.
func TestIDs_NoLiterals(t *testing.T) {
	units := []Unit{UnitCount, UnitRate, UnitMeanChange, UnitGBP, UnitRatio, UnitDifference}
	var ids, prefixes []string
	for _, d := range Defs() {
		fixed, _, family := strings.Cut(d.ID, ".<")
		if family {
			prefixes = append(prefixes, fixed+".")
		} else {
			ids = append(ids, d.ID)
		}
	}
	bad := func(s string) bool {
		for _, u := range units {
			if s == string(u) {
				return true
			}
		}
		for _, id := range ids {
			if s == id || strings.HasPrefix(s, id+".") {
				return true
			}
		}
		for _, p := range prefixes {
			if strings.HasPrefix(s, p) {
				return true
			}
		}
		return false
	}
	if !bad("outcomes.quarter.STARTED_WORK") || !bad("rate") || !bad("sustained.kept.w26") || bad("count of rows") {
		t.Fatal("the check itself is wrong")
	}
	// Every production file of the module: the root is two folders up.
	var files []string
	err := filepath.WalkDir("../..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if path != "../.." && (strings.HasPrefix(name, ".") || name == "testdata" || name == "build" || name == "node_modules" || name == "lake") {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(name, ".go") && !strings.HasSuffix(name, "_test.go") && path != filepath.Join("../..", "pipeline", "metrics", "ids.go") {
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, name := range files {
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		n++
		ast.Inspect(f, func(node ast.Node) bool {
			lit, ok := node.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			if s, err := strconv.Unquote(lit.Value); err == nil && bad(s) {
				t.Errorf("%s: %q: name it with the constants of pipeline/metrics/ids.go", fset.Position(lit.Pos()), s)
			}
			return true
		})
	}
	if n < 100 {
		t.Errorf("only %d files looked at", n)
	}
}
