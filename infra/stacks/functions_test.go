package stacks_test

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/carer-outcomes/carer-outcomes/infra/stacks"
)

func TestFunctions_AllDeployed(t *testing.T) {
	d := deployed(t)
	for _, f := range folders {
		if len(d[f]) == 0 {
			t.Errorf("functions/%s has no Lambda function in the stacks: every function is deployed", f)
		}
	}
	for name := range d {
		if !slices.Contains(folders, name) {
			t.Errorf("a Lambda function says it is functions/%s, which does not exist", name)
		}
	}
	var names []string
	for name := range d {
		names = append(names, name)
	}
	if sort.Strings(names); !slices.Equal(names, sortedCopy(stacks.Functions)) {
		t.Errorf("stacks.Functions (the zips a synth checks for) is %v, the stacks deploy %v", stacks.Functions, names)
	}
	for name, fs := range d {
		for _, f := range fs {
			p := f.res.Properties
			if p["Runtime"] != "provided.al2023" || p["Handler"] != "bootstrap" || fmt.Sprint(p["Architectures"]) != "[arm64]" {
				t.Errorf("%s: runtime %v, handler %v, architectures %v; want provided.al2023, bootstrap, arm64", name, p["Runtime"], p["Handler"], p["Architectures"])
			}
		}
	}
}

// localOnly are variables a function reads that a deployment never sets,
// each with the reason.
var localOnly = map[string]string{
	"S3_ENDPOINT":       "an S3-compatible server instead of AWS (tests, one machine)",
	"S3_PATH_STYLE":     "path-style addressing for such a server",
	"SES_ENDPOINT":      "an SES-compatible server (tests)",
	"OUTCOMES_KEY_FILE": "the pseudonymisation key from a file, on one machine; in AWS it is the secret",
	"AWS_SESSION_TOKEN": "Lambda sets it",
}

// extensionSettings are the variables the Parameters and Secrets
// extension reads (CDK sets them with its layer); the functions read
// PARAMETERS_SECRETS_EXTENSION_HTTP_PORT themselves.
func extensionSetting(name string) bool {
	for _, p := range []string{"PARAMETERS_SECRETS_EXTENSION_", "SECRETS_MANAGER_", "SSM_PARAMETER_STORE_"} {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

func TestFunctions_Environment(t *testing.T) {
	for name, fs := range deployed(t) {
		t.Run(name, func(t *testing.T) {
			f := fs[0]
			reads := envReads(t, name)
			want := map[string]bool{}
			for v := range reads {
				if _, ok := localOnly[v]; !ok {
					want[v] = true
				}
			}
			env, _ := get(f.res.Properties, "Environment", "Variables").(map[string]any)
			got := map[string]bool{}
			layered := len(list(f.res.Properties["Layers"])) > 0
			for v := range env {
				if extensionSetting(v) && layered && !reads[v] {
					continue
				}
				got[v] = true
			}
			if g, w := sorted(got), sorted(want); !slices.Equal(g, w) {
				t.Errorf("environment %v\nwant the variables its code reads %v", g, w)
			}
		})
	}
}

func TestFunctions_NoWildcardActions(t *testing.T) {
	for _, tmpl := range assembly.templates {
		for id, r := range tmpl.ofType("AWS::IAM::Policy") {
			for _, s := range list(get(r.Properties, "PolicyDocument", "Statement")) {
				for _, a := range list(get(s, "Action")) {
					if strings.Contains(fmt.Sprint(a), "*") && isFunctionPolicy(tmpl, r) {
						t.Errorf("%s: action %v", tmpl.path(id), a)
					}
				}
			}
		}
	}
}

func isFunctionPolicy(tmpl template, r resource) bool {
	for _, role := range list(r.Properties["Roles"]) {
		if strings.HasSuffix(tmpl.render(role), "Role}") {
			for _, f := range folders {
				if tmpl.render(role) == "${"+tmpl.stack+"/"+f+"Role}" {
					return true
				}
			}
		}
	}
	return false
}

// statements are a role's allowed actions, one line per action and
// resource: "s3:GetObject ${Data/Landing.Arn}/landing/*".
func statements(tb testing.TB, tmpl template, role string) []string {
	tb.Helper()
	var out []string
	for _, r := range tmpl.ofType("AWS::IAM::Policy") {
		attached := false
		for _, x := range list(r.Properties["Roles"]) {
			attached = attached || tmpl.render(x) == "${"+tmpl.stack+"/"+role+"}"
		}
		if !attached {
			continue
		}
		for _, s := range list(get(r.Properties, "PolicyDocument", "Statement")) {
			cond := ""
			if c := get(s, "Condition"); c != nil {
				cond = " if " + tmpl.render(c)
			}
			for _, a := range list(get(s, "Action")) {
				for _, res := range list(get(s, "Resource")) {
					out = append(out, fmt.Sprintf("%v %v %s%s", get(s, "Effect"), a, tmpl.render(res), cond))
				}
			}
		}
	}
	sort.Strings(out)
	return out
}

// wantStatements are each function's whole policy: what it does, and
// nothing else. The uploads function may write only under the landing
// prefixes of the consortium's organisations (the one it signs for is the
// caller's token's), and read only the lake's uploads/ records.
func wantStatements() map[string][]string {
	logs := func(stack, f string) []string {
		return []string{
			"Allow logs:CreateLogStream ${" + stack + "/" + f + "Logs.Arn}",
			"Allow logs:PutLogEvents ${" + stack + "/" + f + "Logs.Arn}",
		}
	}
	kms := []string{"Allow kms:Decrypt ${Data/Key.Arn}", "Allow kms:GenerateDataKey ${Data/Key.Arn}"}
	w := map[string][]string{
		"ingest": slices.Concat(logs("Ingest", "ingest"), kms, []string{
			"Allow kms:Decrypt ${Ingest/Key.Arn}",
			"Allow s3:GetObject ${Data/Landing.Arn}/landing/*",
			"Allow s3:GetObject ${Data/Raw.Arn}/landing/*",
			"Allow s3:GetObject ${Data/Curated.Arn}/*",
			"Allow s3:PutObject ${Data/Curated.Arn}/*",
			"Allow s3:DeleteObject ${Data/Curated.Arn}/*",
			"Allow s3:ListBucket ${Data/Curated.Arn}",
			"Allow secretsmanager:GetSecretValue ${Secrets/PseudonymKey}",
			"Allow sqs:ChangeMessageVisibility ${Ingest/Queue.Arn}",
			"Allow sqs:DeleteMessage ${Ingest/Queue.Arn}",
			"Allow sqs:GetQueueAttributes ${Ingest/Queue.Arn}",
			"Allow sqs:GetQueueUrl ${Ingest/Queue.Arn}",
			"Allow sqs:ReceiveMessage ${Ingest/Queue.Arn}",
		}),
		"uploads": slices.Concat(logs("Uploads", "uploads"), kms, []string{
			"Allow s3:ListBucket ${Data/Landing.Arn} if {StringLike: {s3:prefix: landing/org=*}}",
			"Allow s3:GetObject ${Data/Curated.Arn}/uploads/*",
			"Allow s3:ListBucket ${Data/Curated.Arn} if {StringLike: {s3:prefix: uploads/*}}",
		}),
		"report": slices.Concat(logs("Reporting", "report"), kms, []string{
			"Allow s3:GetObject ${Data/Curated.Arn}/*",
			"Allow s3:ListBucket ${Data/Curated.Arn}",
			"Allow s3:PutObject ${Data/Reports.Arn}/reports/*",
			"Allow ses:SendEmail arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/${Reporting/Sender}",
			"Allow secretsmanager:GetSecretValue ${Secrets/LinkKey}",
		}),
		"maintenance": slices.Concat(logs("Maintenance", "maintenance"), kms, []string{
			"Allow s3:GetObject ${Data/Curated.Arn}/*",
			"Allow s3:PutObject ${Data/Curated.Arn}/*",
			"Allow s3:DeleteObject ${Data/Curated.Arn}/*",
			"Allow s3:ListBucket ${Data/Curated.Arn}",
		}),
		"links": slices.Concat(logs("Reporting", "links"), []string{
			"Allow kms:Decrypt ${Data/Key.Arn}",
			"Allow s3:GetObject ${Data/Reports.Arn}/reports/*",
			"Allow secretsmanager:GetSecretValue ${Secrets/LinkKey}",
		}),
	}
	for _, code := range cfg.Consortium.Codes() {
		w["uploads"] = append(w["uploads"], "Allow s3:PutObject ${Data/Landing.Arn}/landing/org="+code+"/*")
	}
	return w
}

func TestFunctions_Statements(t *testing.T) {
	want := wantStatements()
	for name, fs := range deployed(t) {
		t.Run(name, func(t *testing.T) {
			w, ok := want[name]
			if !ok {
				t.Fatalf("no statements written down for functions/%s", name)
			}
			got := statements(t, fs[0].stack, name+"Role")
			w = slices.Clone(w)
			sort.Strings(w)
			if !slices.Equal(got, w) {
				t.Errorf("statements:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(w, "\n  "))
			}
		})
	}
}

func TestFunctions_Roles(t *testing.T) {
	for name, fs := range deployed(t) {
		f := fs[0]
		ref := f.stack.render(f.res.Properties["Role"])
		if want := "${" + f.stack.stack + "/" + name + "Role.Arn}"; ref != want {
			t.Errorf("%s: role %s, want its own %s", name, ref, want)
			continue
		}
		_, role := f.stack.byPath(t, f.stack.stack+"/"+name+"Role")
		if mp := role.Properties["ManagedPolicyArns"]; mp != nil {
			t.Errorf("%s: managed policies %v: every statement is written out", name, mp)
		}
		if role.Properties["RoleName"] != cfg.Name+"-"+name {
			t.Errorf("%s: role name %v, want %s (resource policies name it)", name, role.Properties["RoleName"], cfg.Name+"-"+name)
		}
	}
}

// TestFunctions_EnvironmentValues checks where the variables that name a
// resource point.
func TestFunctions_EnvironmentValues(t *testing.T) {
	want := map[string]string{
		"LAKE_BUCKET":            "${Data/Curated}",
		"LAKE_PREFIX":            "",
		"LANDING_BUCKET":         "${Data/Landing}",
		"REPORTS_BUCKET":         "${Data/Reports}",
		"OUTCOMES_KEY_SECRET_ID": "${Secrets/PseudonymKey}",
		"LINK_KEY_SECRET_ID":     "${Secrets/LinkKey}",
		"LINK_BASE_URL":          "${Reporting/links/FunctionUrl.FunctionUrl}",
		"CLAIM_ORG":              "custom:org",
		"FROM_ADDRESS":           cfg.Consortium.Reports.From,
	}
	for name, fs := range deployed(t) {
		for _, f := range fs {
			env, _ := get(f.res.Properties, "Environment", "Variables").(map[string]any)
			for k, w := range want {
				if v, ok := env[k]; ok && f.stack.render(v) != w {
					t.Errorf("%s: %s=%s, want %s", name, k, f.stack.render(v), w)
				}
			}
		}
	}
}
