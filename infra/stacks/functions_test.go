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
	"SQS_ENDPOINT":      "an SQS-compatible server (tests)",
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

// TestFunctions_Environment checks that a function's environment is
// exactly the variables its folder's code reads. A folder deployed as
// several functions (surveys: one per handler) may split them: each
// function sets only variables the code reads, and together they set all
// of them (TestSurveys_Functions checks each one's).
func TestFunctions_Environment(t *testing.T) {
	for name, fs := range deployed(t) {
		t.Run(name, func(t *testing.T) {
			reads := envReads(t, name)
			want := map[string]bool{}
			for v := range reads {
				if _, ok := localOnly[v]; !ok {
					want[v] = true
				}
			}
			all := map[string]bool{}
			for _, f := range fs {
				got := functionEnv(f, reads)
				for v := range got {
					all[v] = true
					if !want[v] {
						t.Errorf("%s sets %s, which its code does not read", f.name(), v)
					}
				}
				if len(fs) == 1 && !slices.Equal(sorted(got), sorted(want)) {
					t.Errorf("environment %v\nwant the variables its code reads %v", sorted(got), sorted(want))
				}
			}
			if g, w := sorted(all), sorted(want); !slices.Equal(g, w) {
				t.Errorf("environments %v\nwant the variables its code reads %v", g, w)
			}
		})
	}
}

// functionEnv are the variables a function sets, less the extension's
// settings its layer brings and its code does not read.
func functionEnv(f deployedFunction, reads map[string]bool) map[string]bool {
	env, _ := get(f.res.Properties, "Environment", "Variables").(map[string]any)
	got := map[string]bool{}
	layered := len(list(f.res.Properties["Layers"])) > 0
	for v := range env {
		if extensionSetting(v) && layered && !reads[v] {
			continue
		}
		got[v] = true
	}
	return got
}

func TestFunctions_NoWildcardActions(t *testing.T) {
	deployedAt = deployed(t)
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
		for _, fs := range deployedAt {
			for _, f := range fs {
				if tmpl.render(role) == "${"+f.stack.stack+"/"+f.name()+"Role}" {
					return true
				}
			}
		}
	}
	return false
}

// deployedAt are the functions, for isFunctionPolicy.
var deployedAt map[string][]deployedFunction

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
			conds := []string{""}
			if c := get(s, "Condition"); c != nil {
				conds = []string{" if " + tmpl.render(c)}
			}
			// A list allowed under several prefixes is a line each.
			if like := get(s, "Condition", "StringLike", "s3:prefix"); like != nil && len(get(s, "Condition").(map[string]any)) == 1 {
				conds = nil
				for _, p := range list(like) {
					conds = append(conds, " if {StringLike: {s3:prefix: "+tmpl.render(p)+"}}")
				}
			}
			for _, a := range list(get(s, "Action")) {
				for _, res := range list(get(s, "Resource")) {
					for _, cond := range conds {
						out = append(out, fmt.Sprintf("%v %v %s%s", get(s, "Effect"), a, tmpl.render(res), cond))
					}
				}
			}
		}
	}
	sort.Strings(out)
	return out
}

// wantStatements are each function's whole policy: what it does, and
// nothing else. The uploads function's are its routes' (wantUploadsRoutes).
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
		// Erasure alone reads the pseudonymisation key.
		"uploads": slices.Concat(logs("Uploads", "uploads"), kms, []string{
			"Allow secretsmanager:GetSecretValue ${Secrets/PseudonymKey}",
		}, routeUnion(wantUploadsRoutes())),
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
		"web": slices.Concat(logs("Web", "web"), kms, []string{
			"Allow secretsmanager:GetSecretValue arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:" + cfg.Name + "/web/site-??????",
			"Allow secretsmanager:GetSecretValue arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:" + cfg.Name + "/web/origin-??????",
		}, routeUnion(wantWebPages())),
		"links": slices.Concat(logs("Reporting", "links"), []string{
			"Allow kms:Decrypt ${Data/Key.Arn}",
			"Allow s3:GetObject ${Data/Reports.Arn}/reports/*",
			"Allow secretsmanager:GetSecretValue ${Secrets/LinkKey}",
		}),
	}
	lake := []string{
		"Allow s3:GetObject ${Data/Curated.Arn}/*",
		"Allow s3:PutObject ${Data/Curated.Arn}/*",
		"Allow s3:DeleteObject ${Data/Curated.Arn}/*",
		"Allow s3:ListBucket ${Data/Curated.Arn}",
	}
	w[stacks.SurveyWebhook] = slices.Concat(logs("Surveys", stacks.SurveyWebhook), []string{
		"Allow sqs:SendMessage ${Surveys/Queue.Arn}",
		"Allow kms:Decrypt ${Ingest/Key.Arn}",
		"Allow kms:GenerateDataKey ${Ingest/Key.Arn}",
		"Allow kms:Decrypt ${Data/Key.Arn}",
		"Allow secretsmanager:GetSecretValue ${Secrets/PseudonymKey}",
	})
	for _, o := range cfg.Consortium.Organisations {
		for _, f := range o.Forms {
			w[stacks.SurveyWebhook] = append(w[stacks.SurveyWebhook], "Allow secretsmanager:GetSecretValue ${Surveys/Form-"+o.Code+"-"+f.ID+"}")
		}
	}
	w[stacks.SurveyConsumer] = slices.Concat(logs("Surveys", stacks.SurveyConsumer), kms, lake, []string{
		"Allow kms:Decrypt ${Ingest/Key.Arn}",
		"Allow sqs:ChangeMessageVisibility ${Surveys/Queue.Arn}",
		"Allow sqs:DeleteMessage ${Surveys/Queue.Arn}",
		"Allow sqs:GetQueueAttributes ${Surveys/Queue.Arn}",
		"Allow sqs:GetQueueUrl ${Surveys/Queue.Arn}",
		"Allow sqs:ReceiveMessage ${Surveys/Queue.Arn}",
	})
	w[stacks.SurveyCompact] = slices.Concat(logs("Surveys", stacks.SurveyCompact), kms, lake)
	return w
}

// wantUploadsRoutes are what each route of the uploads function reads and
// writes, written out from the code each calls ({org}: every member's
// code). A grant missing here, or a wider one there, fails.
func wantUploadsRoutes() map[string][]string {
	list := func(bucket, prefix string) string {
		return "Allow s3:ListBucket ${Data/" + bucket + ".Arn} if {StringLike: {s3:prefix: " + prefix + "*}}"
	}
	versions := func(bucket, prefix string) string {
		return "Allow s3:ListBucketVersions ${Data/" + bucket + ".Arn} if {StringLike: {s3:prefix: " + prefix + "*}}"
	}
	obj := func(action, bucket, prefix string) string {
		return "Allow s3:" + action + " ${Data/" + bucket + ".Arn}/" + prefix + "*"
	}
	status := []string{
		list("Landing", "landing/org="),
		obj("GetObject", "Curated", "uploads/"), list("Curated", "uploads/"),
		obj("GetObject", "Curated", "current/"), list("Curated", "current/"),
	}
	due := []string{
		obj("GetObject", "Curated", "current/"), list("Curated", "current/"),
		obj("GetObject", "Curated", "curated/"),
		obj("GetObject", "Curated", "surveys/current/"), list("Curated", "surveys/current/"),
		obj("GetObject", "Curated", "surveys/responses/"),
	}
	surveyRecords := func(actions ...string) []string {
		var out []string
		for _, area := range []string{"surveys/held/", "surveys/rejected/"} {
			for _, a := range actions {
				if strings.HasPrefix(a, "List") {
					out = append(out, "Allow s3:"+a+" ${Data/Curated.Arn} if {StringLike: {s3:prefix: "+area+"*}}")
				} else {
					out = append(out, obj(a, "Curated", area))
				}
			}
		}
		return out
	}
	w := map[string][]string{
		"GET /uploads, GET /uploads/{id}": status,
		"GET /returns, GET /history, GET /lead/returns": slices.Concat(status,
			[]string{obj("GetObject", "Curated", "ledger/ingest_log/"), list("Curated", "ledger/ingest_log/")}, due),
		"GET /uploads/due":               due,
		"GET /uploads/survey-rejections": surveyRecords("GetObject", "ListBucket"),
		"GET /reports":                   {obj("GetObject", "Reports", "reports/")},
		"GET /explain": {
			obj("GetObject", "Curated", "current/"), list("Curated", "current/"),
			obj("GetObject", "Curated", "curated/"),
		},
		"POST /erasures": append([]string{
			obj("GetObject", "Curated", "erasures/"), obj("PutObject", "Curated", "erasures/"), list("Curated", "erasures/"),
			obj("GetObject", "Curated", "uploads/"), obj("PutObject", "Curated", "uploads/"), list("Curated", "uploads/"),
			obj("GetObject", "Curated", "current/"), obj("PutObject", "Curated", "current/"), list("Curated", "current/"),
			obj("GetObject", "Curated", "ledger/ingest_log/"), obj("PutObject", "Curated", "ledger/ingest_log/"), list("Curated", "ledger/ingest_log/"),
			obj("GetObject", "Curated", "curated/"), obj("PutObject", "Curated", "curated/"), list("Curated", "curated/"),
			obj("DeleteObject", "Curated", "curated/"), obj("DeleteObjectVersion", "Curated", "curated/"), versions("Curated", "curated/"),
			obj("DeleteObject", "Landing", "landing/org="), obj("DeleteObjectVersion", "Landing", "landing/org="), versions("Landing", "landing/org="),
			obj("DeleteObject", "Raw", "landing/org="), obj("DeleteObjectVersion", "Raw", "landing/org="), versions("Raw", "landing/org="),
			obj("GetObject", "Curated", "surveys/current/"), obj("PutObject", "Curated", "surveys/current/"), list("Curated", "surveys/current/"),
			obj("GetObject", "Curated", "surveys/responses/"), obj("PutObject", "Curated", "surveys/responses/"), list("Curated", "surveys/responses/"),
			obj("DeleteObject", "Curated", "surveys/responses/"), obj("DeleteObjectVersion", "Curated", "surveys/responses/"), versions("Curated", "surveys/responses/"),
		}, surveyRecords("GetObject", "ListBucket", "DeleteObject", "DeleteObjectVersion", "ListBucketVersions")...),
	}
	for _, code := range cfg.Consortium.Codes() {
		w["POST /uploads"] = append(w["POST /uploads"], obj("PutObject", "Landing", "landing/org="+code+"/"))
	}
	return w
}

// routeUnion is every route's grants, once each.
func routeUnion(want map[string][]string) []string {
	var out []string
	for _, lines := range want {
		out = append(out, lines...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// TestUploads_RouteGrants checks the one table the uploads function's
// policy is made from, route by route; TestFunctions_Statements checks that
// the synthesised policy is their union and nothing else.
func TestUploads_RouteGrants(t *testing.T) {
	checkRouteGrants(t, stacks.UploadsRoutes, wantUploadsRoutes(), "stacks.UploadsRoutes")
}

// checkRouteGrants checks a table of routes' grants against what is
// written down for each: every route's, and no route missing from either.
func checkRouteGrants(t *testing.T, routes []stacks.Route, want map[string][]string, table string) {
	t.Helper()
	seen := map[string]bool{}
	for _, r := range routes {
		t.Run(r.Name, func(t *testing.T) {
			seen[r.Name] = true
			w, ok := want[r.Name]
			if !ok {
				t.Fatalf("no grants written down for %s", r.Name)
			}
			got := routeLines(r)
			slices.Sort(got)
			got = slices.Compact(got)
			w = slices.Clone(w)
			slices.Sort(w)
			w = slices.Compact(w)
			if !slices.Equal(got, w) {
				t.Errorf("grants:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(w, "\n  "))
			}
		})
	}
	for name := range want {
		if !seen[name] {
			t.Errorf("%s has no grants in %s", name, table)
		}
	}
}

// routeLines are a route's grants as statements' lines, the members'
// codes put in.
func routeLines(r stacks.Route) []string {
	arn := map[string]string{"landing": "Data/Landing", "raw": "Data/Raw", "curated": "Data/Curated", "reports": "Data/Reports"}
	var got []string
	for _, g := range r.Grants {
		for _, p := range g.Prefixes {
			ps := []string{p}
			if strings.Contains(p, stacks.OrgToken) {
				ps = nil
				for _, c := range cfg.Consortium.Codes() {
					ps = append(ps, strings.ReplaceAll(p, stacks.OrgToken, c))
				}
			}
			for _, p := range ps {
				for _, a := range g.Actions {
					if strings.HasPrefix(a, "s3:List") {
						got = append(got, "Allow "+a+" ${"+arn[g.Bucket]+".Arn} if {StringLike: {s3:prefix: "+p+"*}}")
					} else {
						got = append(got, "Allow "+a+" ${"+arn[g.Bucket]+".Arn}/"+p+"*")
					}
				}
			}
		}
	}
	return got
}

func TestFunctions_Statements(t *testing.T) {
	want := wantStatements()
	for _, fs := range deployed(t) {
		for _, f := range fs {
			name := f.name()
			t.Run(name, func(t *testing.T) {
				w, ok := want[name]
				if !ok {
					t.Fatalf("no statements written down for function %s", name)
				}
				got := statements(t, f.stack, name+"Role")
				w = slices.Clone(w)
				sort.Strings(w)
				if !slices.Equal(got, w) {
					t.Errorf("statements:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(w, "\n  "))
				}
			})
		}
	}
}

func TestFunctions_Roles(t *testing.T) {
	for _, fs := range deployed(t) {
		for _, f := range fs {
			checkRole(t, f)
		}
	}
}

func checkRole(t *testing.T, f deployedFunction) {
	t.Helper()
	name := f.name()
	ref := f.stack.render(f.res.Properties["Role"])
	if want := "${" + f.stack.stack + "/" + name + "Role.Arn}"; ref != want {
		t.Errorf("%s: role %s, want its own %s", name, ref, want)
		return
	}
	_, role := f.stack.byPath(t, f.stack.stack+"/"+name+"Role")
	if mp := role.Properties["ManagedPolicyArns"]; mp != nil {
		t.Errorf("%s: managed policies %v: every statement is written out", name, mp)
	}
	if role.Properties["RoleName"] != cfg.Name+"-"+name {
		t.Errorf("%s: role name %v, want %s (resource policies name it)", name, role.Properties["RoleName"], cfg.Name+"-"+name)
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
