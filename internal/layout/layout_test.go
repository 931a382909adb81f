package layout

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// pkg is what the rules need of `go list -json` for one package.
type pkg struct {
	ImportPath string
	Standard   bool
	CgoFiles   []string
	Imports    []string
	Module     *struct{ Path string }
}

// goTool is the go command on the PATH, the one `make test` runs.
func goTool(tb testing.TB) string {
	tb.Helper()
	p, err := exec.LookPath("go")
	if err != nil {
		tb.Fatalf("these tests run go list: %v", err)
	}
	return p
}

// list runs `go list -deps -json` on patterns from the module's root, with
// env added to the environment, and returns every package, the patterns'
// own among them, by import path.
func list(tb testing.TB, env []string, args ...string) map[string]*pkg {
	tb.Helper()
	cmd := exec.Command(goTool(tb), append([]string{"list", "-deps", "-json=ImportPath,Standard,CgoFiles,Imports,Module"}, args...)...)
	cmd.Dir = "../.."
	cmd.Env = append(os.Environ(), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		tb.Fatalf("go list %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	pkgs := map[string]*pkg{}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		p := new(pkg)
		if err := dec.Decode(p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			tb.Fatal(err)
		}
		pkgs[p.ImportPath] = p
	}
	return pkgs
}

// offending returns, for each package of the module under prefix, the first
// package it depends on (itself included) for which bad is true, as a chain
// of imports from it.
func offending(pkgs map[string]*pkg, prefix string, bad func(*pkg) bool) map[string][]string {
	out := map[string][]string{}
	for root, p := range pkgs {
		if !strings.HasPrefix(root, prefix) || p.Module == nil {
			continue
		}
		// Breadth first, so that the chain reported is a shortest one.
		from := map[string]string{root: ""}
		queue := []string{root}
		for len(queue) > 0 {
			cur := queue[0]
			queue = queue[1:]
			q := pkgs[cur]
			if q == nil {
				continue
			}
			if bad(q) {
				chain := []string{cur}
				for at := cur; from[at] != ""; at = from[at] {
					chain = append(chain, from[at])
				}
				slices.Reverse(chain)
				out[root] = chain
				break
			}
			for _, imp := range q.Imports {
				if _, seen := from[imp]; !seen {
					from[imp] = cur
					queue = append(queue, imp)
				}
			}
		}
	}
	return out
}

const module = "github.com/carer-outcomes/carer-outcomes/"

// under counts the packages listed whose path starts with prefix: a check
// of a rule is worth no more than the packages it looked at.
func under(pkgs map[string]*pkg, prefix string) int {
	n := 0
	for path := range pkgs {
		if strings.HasPrefix(path, prefix) {
			n++
		}
	}
	return n
}

func isAWS(p *pkg) bool {
	return p.Module != nil && strings.HasPrefix(p.Module.Path, "github.com/aws/")
}

// isCgo is a package outside the standard library with cgo files: the
// standard library's (net, os/user, runtime/cgo) build without cgo when
// CGO_ENABLED=0, a third party's such as DuckDB's do not.
func isCgo(p *pkg) bool {
	return !p.Standard && len(p.CgoFiles) > 0 || p.Module != nil && strings.HasPrefix(p.Module.Path, "github.com/duckdb/")
}

// TestDomain_ImportsNoAWS checks that no package under pipeline/ depends,
// directly or not, on an AWS module (the SDK, smithy, aws-lambda-go).
func TestDomain_ImportsNoAWS(t *testing.T) {
	pkgs := list(t, nil, "./pipeline/...", "./storage/s3store")
	// The check can fail: s3store, an adapter, uses the SDK.
	if len(offending(pkgs, module+"storage/s3store", isAWS)) == 0 {
		t.Fatal("storage/s3store seems to import no AWS module: the check is broken")
	}
	if n := under(pkgs, module+"pipeline"); n < 19 {
		t.Errorf("only %d packages under pipeline/ listed", n)
	}
	for root, chain := range offending(pkgs, module+"pipeline", isAWS) {
		t.Errorf("%s imports AWS: %s", root, strings.Join(chain, " → "))
	}
}

// TestFunctions_LinkNoCgo checks that no Lambda binary depends on DuckDB or
// any other cgo package, as built for Lambda (linux/arm64, tag lambda.norpc)
// but with cgo enabled, so that a cgo package is listed rather than left
// out.
func TestFunctions_LinkNoCgo(t *testing.T) {
	env := []string{"GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=1", "GOFLAGS=-tags=lambda.norpc"}
	// The check can fail: the tests of pipeline/curated read Parquet back
	// with DuckDB.
	withTests := list(t, env, "-test", "./pipeline/curated")
	if len(offending(withTests, module+"pipeline/curated", isCgo)) == 0 {
		t.Fatal("pipeline/curated's tests seem to link no cgo package: the check is broken")
	}
	pkgs := list(t, env, "./functions/...")
	if n := under(pkgs, module+"functions/"); n < 3 {
		t.Errorf("only %d functions listed", n)
	}
	for root, chain := range offending(pkgs, module+"functions/", isCgo) {
		t.Errorf("%s links cgo: %s", root, strings.Join(chain, " → "))
	}
}
