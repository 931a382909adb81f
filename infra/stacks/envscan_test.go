package stacks_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// The module whose functions the stacks deploy, and where it is.
const (
	modulePath = "github.com/carer-outcomes/carer-outcomes"
	moduleRoot = "../.."
)

// envReads is the set of environment variables a function's code reads:
// every string passed to os.Getenv or os.LookupEnv, or to a getter
// parameter (func(string) string) in the function's package, and, where
// the getter is passed on to a function of another package of the module
// (s3store.LocationFromEnv(getenv), keysource.FromEnvironment(ctx,
// getenv)), every string that function passes to it; and the names read
// through a lambdaboot.Env made from a getter (env.Required("LAKE_BUCKET")). It reads the Go
// code, so a variable added to a configuration struct's reader is seen
// here without being retyped.
func envReads(tb testing.TB, function string) map[string]bool {
	tb.Helper()
	s := &envScan{tb: tb, out: map[string]bool{}, seen: map[string]bool{}}
	dir := filepath.Join(moduleRoot, "functions", function)
	for _, f := range s.parse(dir) {
		getters := map[string]bool{"getenv": true}
		ast.Inspect(f, func(n ast.Node) bool {
			if fd, ok := n.(*ast.FuncDecl); ok {
				for name := range getterParams(fd) {
					getters[name] = true
				}
			}
			return true
		})
		s.body(dir, f, f, getters)
	}
	return s.out
}

type envScan struct {
	tb   testing.TB
	out  map[string]bool
	seen map[string]bool // package dir + function + getter already scanned
}

func (s *envScan) parse(dir string) []*ast.File {
	entries, err := os.ReadDir(dir)
	if err != nil {
		s.tb.Fatalf("read %s: %v", dir, err)
	}
	var files []*ast.File
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".go") || strings.HasSuffix(e.Name(), "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), filepath.Join(dir, e.Name()), nil, 0)
		if err != nil {
			s.tb.Fatalf("parse %s: %v", e.Name(), err)
		}
		files = append(files, f)
	}
	return files
}

// body records the variables read in node (a file or a function body of
// file, in package dir) through os.Getenv, os.LookupEnv or the getters,
// and follows the getters into the module's other packages.
func (s *envScan) body(dir string, file *ast.File, node ast.Node, getters map[string]bool) {
	imports := map[string]string{} // local name -> import path
	for _, im := range file.Imports {
		p, _ := strconv.Unquote(im.Path.Value)
		name := filepath.Base(p)
		if im.Name != nil {
			name = im.Name.Name
		}
		imports[name] = p
	}
	isGetter := func(e ast.Expr) bool {
		switch e := e.(type) {
		case *ast.Ident:
			return getters[e.Name]
		case *ast.SelectorExpr:
			x, ok := e.X.(*ast.Ident)
			return ok && x.Name == "os" && (e.Sel.Name == "Getenv" || e.Sel.Name == "LookupEnv")
		}
		return false
	}
	// A lambdaboot.Env made from a getter reads through its methods:
	// env.Required("LAKE_BUCKET"), env.Duration("GC_GRACE", ...).
	envs := map[string]bool{}
	ast.Inspect(node, func(n ast.Node) bool {
		as, ok := n.(*ast.AssignStmt)
		if !ok || len(as.Lhs) != 1 || len(as.Rhs) != 1 {
			return true
		}
		call, ok := as.Rhs[0].(*ast.CallExpr)
		if !ok || len(call.Args) != 1 || !isGetter(call.Args[0]) {
			return true
		}
		if sel, ok := call.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "NewEnv" {
			if x, ok := sel.X.(*ast.Ident); ok && imports[x.Name] == modulePath+"/internal/lambdaboot" {
				if id, ok := as.Lhs[0].(*ast.Ident); ok {
					envs[id.Name] = true
				}
			}
		}
		return true
	})
	ast.Inspect(node, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		if sel, ok := call.Fun.(*ast.SelectorExpr); ok && len(call.Args) > 0 && sel.Sel.Name != "Err" {
			if x, ok := sel.X.(*ast.Ident); ok && envs[x.Name] {
				if v, ok := stringValue(file, call.Args[0]); ok {
					s.out[v] = true
				} else {
					s.tb.Errorf("%s: an environment variable read with a name that is not a constant string: the stack test cannot see it", dir)
				}
			}
		}
		if isGetter(call.Fun) && len(call.Args) == 1 {
			if v, ok := stringValue(file, call.Args[0]); ok {
				s.out[v] = true
			} else {
				s.tb.Errorf("%s: an environment variable read with a name that is not a constant string: the stack test cannot see it", dir)
			}
		}
		sel, ok := call.Fun.(*ast.SelectorExpr)
		if !ok {
			return true
		}
		pkg, ok := sel.X.(*ast.Ident)
		if !ok || !strings.HasPrefix(imports[pkg.Name], modulePath+"/") {
			return true
		}
		for i, a := range call.Args {
			if isGetter(a) {
				s.follow(filepath.Join(moduleRoot, strings.TrimPrefix(imports[pkg.Name], modulePath+"/")), sel.Sel.Name, i)
			}
		}
		return true
	})
}

// follow scans the function name of the package in dir whose argument
// number arg is a getter.
func (s *envScan) follow(dir, name string, arg int) {
	key := dir + "." + name + "." + strconv.Itoa(arg)
	if s.seen[key] {
		return
	}
	s.seen[key] = true
	for _, f := range s.parse(dir) {
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Name.Name != name || fd.Recv != nil || fd.Body == nil {
				continue
			}
			i := 0
			for _, field := range fd.Type.Params.List {
				for _, n := range field.Names {
					if i == arg {
						s.body(dir, f, fd.Body, map[string]bool{n.Name: true})
						return
					}
					i++
				}
				if len(field.Names) == 0 {
					i++
				}
			}
		}
	}
	s.tb.Errorf("%s: no function %s with a getter argument %d", dir, name, arg)
}

// getterParams are a function's parameters of type func(string) string.
func getterParams(fd *ast.FuncDecl) map[string]bool {
	out := map[string]bool{}
	for _, field := range fd.Type.Params.List {
		ft, ok := field.Type.(*ast.FuncType)
		if !ok || len(ft.Params.List) != 1 || ft.Results == nil || len(ft.Results.List) != 1 {
			continue
		}
		in, ok1 := ft.Params.List[0].Type.(*ast.Ident)
		res, ok2 := ft.Results.List[0].Type.(*ast.Ident)
		if ok1 && ok2 && in.Name == "string" && res.Name == "string" {
			for _, n := range field.Names {
				out[n.Name] = true
			}
		}
	}
	return out
}

// stringValue is a string literal, or a string constant of the file.
func stringValue(file *ast.File, e ast.Expr) (string, bool) {
	switch e := e.(type) {
	case *ast.BasicLit:
		if e.Kind == token.STRING {
			v, err := strconv.Unquote(e.Value)
			return v, err == nil
		}
	case *ast.Ident:
		if e.Obj != nil {
			if vs, ok := e.Obj.Decl.(*ast.ValueSpec); ok {
				for i, n := range vs.Names {
					if n.Name == e.Name && i < len(vs.Values) {
						return stringValue(file, vs.Values[i])
					}
				}
			}
		}
	}
	return "", false
}
