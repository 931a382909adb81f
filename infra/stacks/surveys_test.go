package stacks_test

import (
	"archive/zip"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/carer-outcomes/carer-outcomes/infra/stacks"
)

// TestSurveys_Functions checks the three functions of functions/surveys:
// each handler's own environment, and one zip holding the bootstrap and
// the consortium file the webhook reads its forms from.
func TestSurveys_Functions(t *testing.T) {
	want := map[string][]string{
		stacks.SurveyWebhook:  {"CONSORTIUM_FILE", "OUTCOMES_KEY_SECRET_ID", "SURVEYS_HANDLER", "SURVEY_QUEUE_URL", "WEBHOOK_SECRET_PREFIX"},
		stacks.SurveyConsumer: {"LAKE_BUCKET", "LAKE_PREFIX", "SURVEYS_HANDLER"},
		stacks.SurveyCompact:  {"LAKE_BUCKET", "LAKE_PREFIX", "SURVEYS_HANDLER"},
	}
	handler := map[string]string{stacks.SurveyWebhook: "webhook", stacks.SurveyConsumer: "consumer", stacks.SurveyCompact: "compact"}
	fs := deployed(t)["surveys"]
	if len(fs) != len(want) {
		t.Fatalf("%d functions of functions/surveys, want %d", len(fs), len(want))
	}
	code := map[string]bool{}
	for _, f := range fs {
		name := f.name()
		env, _ := get(f.res.Properties, "Environment", "Variables").(map[string]any)
		var got []string
		for k := range env {
			if !strings.HasPrefix(k, "PARAMETERS_SECRETS_EXTENSION_") && !strings.HasPrefix(k, "SECRETS_MANAGER_") && !strings.HasPrefix(k, "SSM_PARAMETER_STORE_") {
				got = append(got, k)
			}
		}
		slices.Sort(got)
		if !slices.Equal(got, want[name]) {
			t.Errorf("%s: environment %v, want %v", name, got, want[name])
		}
		if env["SURVEYS_HANDLER"] != handler[name] {
			t.Errorf("%s: SURVEYS_HANDLER=%v, want %s", name, env["SURVEYS_HANDLER"], handler[name])
		}
		code[f.stack.render(get(f.res.Properties, "Code", "S3Key"))] = true
	}
	if len(code) != 1 {
		t.Errorf("the survey functions' code is %v: want one zip", code)
	}
	for k := range code {
		checkBundle(t, strings.TrimSuffix(k, ".zip"))
	}
	webhook := fs[slices.IndexFunc(fs, func(f deployedFunction) bool { return f.name() == stacks.SurveyWebhook })]
	env, _ := get(webhook.res.Properties, "Environment", "Variables").(map[string]any)
	if env["WEBHOOK_SECRET_PREFIX"] != stacks.WebhookSecretPrefix(cfg) || env["CONSORTIUM_FILE"] != "consortium.json" ||
		webhook.stack.render(env["SURVEY_QUEUE_URL"]) != "${Surveys/Queue}" {
		t.Errorf("webhook environment %v", webhook.stack.render(env))
	}
}

// checkBundle finds the zip asset of hash in the cloud assembly: it holds
// the bootstrap and, beside it, the consortium file deployed.
func checkBundle(t *testing.T, hash string) {
	t.Helper()
	matches, _ := filepath.Glob(filepath.Join(assembly.dir, "asset."+hash+"*"))
	if len(matches) != 1 {
		t.Fatalf("asset %s: %v", hash, matches)
	}
	z, err := zip.OpenReader(matches[0])
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	files := map[string][]byte{}
	for _, f := range z.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		files[f.Name] = b
	}
	consortium, err := os.ReadFile(cfg.ConsortiumFile)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := files["bootstrap"]; !ok || !bytes.Equal(files["consortium.json"], consortium) || len(files) != 2 {
		t.Errorf("the survey functions' zip holds %d files; want the bootstrap and the consortium file", len(files))
	}
}

func TestSurveys_QueueScheduleAndRoute(t *testing.T) {
	s := stack(t, "Surveys")
	_, q := s.byPath(t, "Surveys/Queue")
	if s.render(get(q.Properties, "RedrivePolicy", "deadLetterTargetArn")) != "${Surveys/DeadLetter.Arn}" ||
		get(q.Properties, "RedrivePolicy", "maxReceiveCount") != 5.0 {
		t.Errorf("redrive %v: want the dead-letter queue after 5 receives", s.render(q.Properties["RedrivePolicy"]))
	}
	var consumer deployedFunction
	for _, f := range deployed(t)["surveys"] {
		if f.name() == stacks.SurveyConsumer {
			consumer = f
		}
	}
	timeout, _ := consumer.res.Properties["Timeout"].(float64)
	if vis, _ := q.Properties["VisibilityTimeout"].(float64); timeout == 0 || vis <= timeout {
		t.Errorf("visibility timeout %vs, consumer timeout %vs: a batch being written would be delivered again", vis, timeout)
	}
	maps := s.ofType("AWS::Lambda::EventSourceMapping")
	if len(maps) != 1 {
		t.Fatalf("%d event source mappings", len(maps))
	}
	for _, m := range maps {
		if s.render(m.Properties["EventSourceArn"]) != "${Surveys/Queue.Arn}" || s.render(m.Properties["FunctionName"]) != "${Surveys/"+stacks.SurveyConsumer+"}" ||
			s.render(m.Properties["FunctionResponseTypes"]) != "[ReportBatchItemFailures]" || m.Properties["BatchSize"] != 100.0 ||
			m.Properties["MaximumBatchingWindowInSeconds"] != 60.0 {
			t.Errorf("mapping %v", s.render(m.Properties))
		}
	}
	scheds := s.ofType("AWS::Scheduler::Schedule")
	if len(scheds) != 1 {
		t.Fatalf("%d schedules", len(scheds))
	}
	for _, sc := range scheds {
		if sc.Properties["ScheduleExpression"] != stacks.CompactSchedule || sc.Properties["ScheduleExpressionTimezone"] != cfg.Consortium.Reports.Timezone ||
			s.render(get(sc.Properties, "Target", "Arn")) != "${Surveys/"+stacks.SurveyCompact+".Arn}" {
			t.Errorf("schedule %v", s.render(sc.Properties))
		}
	}
	routes := s.ofType("AWS::ApiGatewayV2::Route")
	if len(routes) != 1 {
		t.Fatalf("%d routes", len(routes))
	}
	for _, r := range routes {
		// The tools sign their deliveries; they hold no sign-in token.
		if r.Properties["RouteKey"] != "POST /surveys/{org}/{form}" || r.Properties["AuthorizationType"] != "NONE" {
			t.Errorf("route %v, authorisation %v", r.Properties["RouteKey"], r.Properties["AuthorizationType"])
		}
	}
	if n := len(s.ofType("AWS::ApiGatewayV2::Authorizer")); n != 0 {
		t.Errorf("%d authorisers on the webhooks' API", n)
	}
	// One secret per form, where the webhook looks for it.
	var names, forms []string
	for _, sec := range s.ofType("AWS::SecretsManager::Secret") {
		names = append(names, sec.Properties["Name"].(string))
	}
	for _, o := range cfg.Consortium.Organisations {
		for _, f := range o.Forms {
			forms = append(forms, stacks.WebhookSecretPrefix(cfg)+o.Code+"/"+f.ID)
		}
	}
	slices.Sort(names)
	slices.Sort(forms)
	if len(forms) == 0 || !slices.Equal(names, forms) {
		t.Errorf("secrets %v, want one per form %v", names, forms)
	}
	alarms := map[string]bool{}
	for _, a := range s.ofType("AWS::CloudWatch::Alarm") {
		var dim string
		for _, d := range list(a.Properties["Dimensions"]) {
			dim = s.render(get(d, "Value"))
		}
		alarms[a.Properties["MetricName"].(string)+" "+dim] = true
		if s.render(a.Properties["AlarmActions"]) != "[${Ingest/Alarms}]" {
			t.Errorf("alarm on %s goes to %v", dim, s.render(a.Properties["AlarmActions"]))
		}
	}
	for _, w := range []string{"ApproximateNumberOfMessagesVisible ${Surveys/DeadLetter.QueueName}", "Errors ${Surveys/" + stacks.SurveyWebhook + "}",
		"Errors ${Surveys/" + stacks.SurveyConsumer + "}", "Errors ${Surveys/" + stacks.SurveyCompact + "}"} {
		if !alarms[w] {
			t.Errorf("no alarm on %s (alarms: %v)", w, alarms)
		}
	}
}
