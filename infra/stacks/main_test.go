package stacks_test

import (
	"archive/zip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/carer-outcomes/carer-outcomes/infra/stacks"
	"github.com/carer-outcomes/carer-outcomes/pipeline/consortium"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard"
)

// The whole app is synthesised once per test binary (a jsii runtime start
// costs seconds); every test reads the cloud assembly it wrote.
var (
	cfg      stacks.Config
	assembly *cloudAssembly
	// folders are the function folders under functions/.
	folders []string
)

func TestMain(m *testing.M) {
	code, err := setup()
	if err != nil {
		fmt.Fprintln(os.Stderr, "stacks tests:", err)
		os.Exit(1)
	}
	os.Exit(code(m))
}

func setup() (func(*testing.M) int, error) {
	os.Setenv("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
	tmp, err := os.MkdirTemp("", "stacks-test-")
	if err != nil {
		return nil, err
	}
	entries, err := os.ReadDir(filepath.Join(moduleRoot, "functions"))
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		if _, err := os.Stat(filepath.Join(moduleRoot, "functions", e.Name(), "main.go")); e.IsDir() && err == nil {
			folders = append(folders, e.Name())
		}
	}
	// The stacks are checked, not the functions' code (their own tests
	// run the real binaries): each zip holds a placeholder bootstrap, so
	// that the tests need no cross-compiled build of every function.
	dist := filepath.Join(tmp, "dist")
	if err := os.Mkdir(dist, 0o755); err != nil {
		return nil, err
	}
	for _, f := range folders {
		if err := placeholderZip(filepath.Join(dist, f+".zip")); err != nil {
			return nil, err
		}
	}
	if err := placeholderAssets(filepath.Join(dist, stacks.WebAssets)); err != nil {
		return nil, err
	}
	std, err := standard.Latest()
	if err != nil {
		return nil, err
	}
	// The example consortium with survey forms, one of each tool, so that
	// the survey webhooks' secrets are made.
	consortiumFile := filepath.Join(moduleRoot, "testdata", "consortium", "surveys.json")
	c, err := consortium.Load(consortiumFile, std)
	if err != nil {
		return nil, err
	}
	c.Operators = []string{"ops@example.org"}
	cfg = stacks.Config{Name: "test-outcomes", Consortium: c, ConsortiumFile: consortiumFile, Standard: std, Dist: dist}
	flags := stacks.FeatureFlags()
	flags["aws:cdk:enable-path-metadata"] = true // the construct paths the tests name resources by
	out := filepath.Join(tmp, "cdk.out")
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(out), Context: &flags})
	if _, err := stacks.Build(app, cfg); err != nil {
		return nil, err
	}
	app.Synth(nil)
	if assembly, err = readAssembly(out); err != nil {
		return nil, err
	}
	return func(m *testing.M) int {
		defer os.RemoveAll(tmp)
		defer jsii.Close()
		return m.Run()
	}, nil
}

func placeholderZip(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	z := zip.NewWriter(f)
	w, err := z.CreateHeader(&zip.FileHeader{Name: "bootstrap", Method: zip.Deflate, ExternalAttrs: 0o755 << 16})
	if err == nil {
		_, err = w.Write([]byte("#!/bin/sh\necho placeholder: build the function with make functions >&2\nexit 1\n"))
	}
	if err == nil {
		err = z.Close()
	}
	if err2 := f.Close(); err == nil {
		err = err2
	}
	return err
}

// placeholderAssets writes a small web assets zip, entries as
// `make functions` writes them (assets/…, static/…).
func placeholderAssets(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	z := zip.NewWriter(f)
	for name, body := range map[string]string{"static/app.js": "// placeholder\n", "assets/style.css": "/* placeholder */\n"} {
		var w io.Writer
		if w, err = z.Create(name); err != nil {
			break
		}
		if _, err = w.Write([]byte(body)); err != nil {
			break
		}
	}
	if err == nil {
		err = z.Close()
	}
	if err2 := f.Close(); err == nil {
		err = err2
	}
	return err
}

// cloudAssembly is what the synth wrote: each stack's template and the
// assembly manifest's messages.
type cloudAssembly struct {
	templates map[string]template // by stack id (Data, Ingest, …)
	// messages are the manifest's metadata entries, by stack id.
	messages map[string][]message
	exports  map[string]string // export name -> rendered value
	dir      string            // the cloud assembly's folder
	// nagChecked counts the cdk-nag report's rows (rule and resource).
	nagChecked int
}

type message struct {
	Path, Type, Data string
}

type template struct {
	Resources map[string]resource `json:"Resources"`
	Outputs   map[string]struct {
		Value  any `json:"Value"`
		Export struct {
			Name string `json:"Name"`
		} `json:"Export"`
	} `json:"Outputs"`
	stack string
}

type resource struct {
	Type       string         `json:"Type"`
	Properties map[string]any `json:"Properties"`
	Metadata   map[string]any `json:"Metadata"`
}

func readAssembly(dir string) (*cloudAssembly, error) {
	b, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		return nil, err
	}
	var manifest struct {
		Artifacts map[string]struct {
			Type       string `json:"type"`
			Properties struct {
				TemplateFile string `json:"templateFile"`
			} `json:"properties"`
			MetadataFile string `json:"additionalMetadataFile"`
			Metadata     map[string][]struct {
				Type string `json:"type"`
				Data any    `json:"data"`
			} `json:"metadata"`
		} `json:"artifacts"`
	}
	if err := json.Unmarshal(b, &manifest); err != nil {
		return nil, err
	}
	a := &cloudAssembly{templates: map[string]template{}, messages: map[string][]message{}, exports: map[string]string{}, dir: dir}
	for id, art := range manifest.Artifacts {
		if art.Type != "aws:cloudformation:stack" {
			continue
		}
		var t template
		b, err := os.ReadFile(filepath.Join(dir, art.Properties.TemplateFile))
		if err != nil {
			return nil, err
		}
		if err := json.Unmarshal(b, &t); err != nil {
			return nil, fmt.Errorf("%s: %w", art.Properties.TemplateFile, err)
		}
		t.stack = id
		a.templates[id] = t
		metadata := art.Metadata
		if art.MetadataFile != "" {
			b, err := os.ReadFile(filepath.Join(dir, art.MetadataFile))
			if err != nil {
				return nil, err
			}
			if err := json.Unmarshal(b, &metadata); err != nil {
				return nil, fmt.Errorf("%s: %w", art.MetadataFile, err)
			}
		}
		for path, entries := range metadata {
			for _, e := range entries {
				d, _ := e.Data.(string)
				a.messages[id] = append(a.messages[id], message{Path: path, Type: e.Type, Data: d})
			}
		}
	}
	reports, _ := filepath.Glob(filepath.Join(dir, "AwsSolutions-*-NagReport.csv"))
	for _, r := range reports {
		b, err := os.ReadFile(r)
		if err != nil {
			return nil, err
		}
		a.nagChecked += strings.Count(string(b), "\n") - 1
	}
	for _, t := range a.templates {
		for _, o := range t.Outputs {
			if o.Export.Name != "" {
				a.exports[o.Export.Name] = t.render(o.Value)
			}
		}
	}
	return a, nil
}

// stack is a stack's template; the test fails if there is none.
func stack(tb testing.TB, id string) template {
	tb.Helper()
	t, ok := assembly.templates[id]
	if !ok {
		tb.Fatalf("no stack %s in the assembly", id)
	}
	return t
}

// ofType are the resources of a type, by logical id.
func (t template) ofType(typ string) map[string]resource {
	out := map[string]resource{}
	for id, r := range t.Resources {
		if r.Type == typ {
			out[id] = r
		}
	}
	return out
}

// path is a resource's construct path without "/Resource": "Data/Landing".
func (t template) path(logical string) string {
	r, ok := t.Resources[logical]
	if !ok {
		return t.stack + "/" + logical
	}
	p, _ := r.Metadata["aws:cdk:path"].(string)
	return strings.TrimSuffix(p, "/Resource")
}

// byPath finds a resource by its construct path.
func (t template) byPath(tb testing.TB, path string) (string, resource) {
	tb.Helper()
	for id, r := range t.Resources {
		if t.path(id) == path {
			return id, r
		}
	}
	tb.Fatalf("no resource %s", path)
	return "", resource{}
}

// render writes a template value as text, references as ${Stack/Path} or
// ${Stack/Path.Attribute}, so that a test can say what it expects:
// "${Data/Landing.Arn}/landing/*".
func (t template) render(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case map[string]any:
		if len(v) == 1 {
			for k, x := range v {
				switch k {
				case "Ref":
					s, _ := x.(string)
					if strings.HasPrefix(s, "AWS::") {
						return "${" + s + "}"
					}
					return "${" + t.path(s) + "}"
				case "Fn::GetAtt":
					l, _ := x.([]any)
					if len(l) == 2 {
						return "${" + t.path(fmt.Sprint(l[0])) + "." + fmt.Sprint(l[1]) + "}"
					}
				case "Fn::Join":
					l, _ := x.([]any)
					if len(l) == 2 {
						parts, _ := l[1].([]any)
						var s []string
						for _, p := range parts {
							s = append(s, t.render(p))
						}
						return strings.Join(s, fmt.Sprint(l[0]))
					}
				case "Fn::Select", "Fn::Split":
					l, _ := x.([]any)
					if len(l) == 2 {
						return strings.ToLower(strings.TrimPrefix(k, "Fn::")) + "(" + fmt.Sprint(l[0]) + ", " + t.render(l[1]) + ")"
					}
				case "Fn::ImportValue":
					if s, ok := assembly.exports[fmt.Sprint(x)]; ok {
						return s
					}
				}
			}
		}
	}
	switch v := v.(type) {
	case []any:
		var s []string
		for _, x := range v {
			s = append(s, t.render(x))
		}
		return "[" + strings.Join(s, ", ") + "]"
	case map[string]any:
		var s []string
		for k, x := range v {
			s = append(s, k+": "+t.render(x))
		}
		sort.Strings(s)
		return "{" + strings.Join(s, ", ") + "}"
	}
	return fmt.Sprint(v)
}

// list is a template value that may be one value or a list of them.
func list(v any) []any {
	if l, ok := v.([]any); ok {
		return l
	}
	if v == nil {
		return nil
	}
	return []any{v}
}

// get walks into nested maps: get(r.Properties, "A", "B").
func get(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// deployed are the pipeline's functions in the stacks, by folder name.
type deployedFunction struct {
	stack   template
	logical string
	res     resource
}

// name is the function's construct id: its folder's name, or for one of
// several functions of a folder (surveys-webhook) its own.
func (f deployedFunction) name() string {
	p := f.stack.path(f.logical)
	return p[strings.LastIndex(p, "/")+1:]
}

func deployed(tb testing.TB) map[string][]deployedFunction {
	tb.Helper()
	out := map[string][]deployedFunction{}
	for _, t := range assembly.templates {
		for id, r := range t.ofType("AWS::Lambda::Function") {
			if name, ok := r.Metadata[stacks.FunctionMetadata].(string); ok {
				out[name] = append(out[name], deployedFunction{t, id, r})
			}
		}
	}
	return out
}

func sorted(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

var _ = slices.Sort[[]string]
