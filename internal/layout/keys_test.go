package layout

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// lakeLiterals lists, file by file, the string literals of the module's
// non-test Go files that name a key under the lake's own folders.
func lakeLiterals(tb testing.TB) map[string][]string {
	tb.Helper()
	out := map[string][]string{}
	err := filepath.WalkDir("../..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "node_modules" || d.Name() == "cdk.out" || strings.HasPrefix(d.Name(), ".")) && path != "../.." {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
				if s, err := strconv.Unquote(lit.Value); err == nil {
					for _, prefix := range []string{"curated/", "current/", "ledger/", "surveys/"} {
						if strings.HasPrefix(s, prefix) {
							rel, _ := filepath.Rel("../..", path)
							out[filepath.ToSlash(rel)] = append(out[filepath.ToSlash(rel)], s)
						}
					}
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

// TestLake_OwnsItsKeys: only pipeline/lake names keys under curated/,
// current/, ledger/ and surveys/ (the store conformance suite uses such keys as
// sample keys of a generic store); everything else goes through the lake's
// API, so that the commit protocol lives in one place.
func TestLake_OwnsItsKeys(t *testing.T) {
	found := lakeLiterals(t)
	if len(found["pipeline/lake/lake.go"]) == 0 {
		t.Fatal("no key literal found in pipeline/lake/lake.go: the check is broken")
	}
	for file, lits := range found {
		if strings.HasPrefix(file, "pipeline/lake/") || strings.HasPrefix(file, "storage/storetest/") {
			continue
		}
		t.Errorf("%s names the lake's keys %q: use pipeline/lake's API", file, lits)
	}
}
