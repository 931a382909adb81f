package stacks_test

import (
	"encoding/json"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/carer-outcomes/carer-outcomes/infra/stacks"
)

func TestIngest_QueueAndRedrive(t *testing.T) {
	ing := stack(t, "Ingest")
	_, q := ing.byPath(t, "Ingest/Queue")
	_, dlq := ing.byPath(t, "Ingest/DeadLetter")
	if ing.render(get(q.Properties, "RedrivePolicy", "deadLetterTargetArn")) != "${Ingest/DeadLetter.Arn}" ||
		get(q.Properties, "RedrivePolicy", "maxReceiveCount") != 5.0 {
		t.Errorf("redrive %v: want the dead-letter queue after 5 receives", ing.render(q.Properties["RedrivePolicy"]))
	}
	if dlq.Properties["RedrivePolicy"] != nil {
		t.Error("the dead-letter queue has a redrive of its own")
	}
	fn := deployed(t)["ingest"][0]
	timeout, _ := fn.res.Properties["Timeout"].(float64)
	vis, _ := q.Properties["VisibilityTimeout"].(float64)
	if timeout == 0 || vis <= timeout {
		t.Errorf("visibility timeout %vs, function timeout %vs: a message being ingested would be delivered again", vis, timeout)
	}
	maps := ing.ofType("AWS::Lambda::EventSourceMapping")
	if len(maps) != 1 {
		t.Fatalf("%d event source mappings", len(maps))
	}
	for _, m := range maps {
		if ing.render(m.Properties["EventSourceArn"]) != "${Ingest/Queue.Arn}" || ing.render(m.Properties["FunctionName"]) != "${Ingest/ingest}" {
			t.Errorf("mapping %v → %v", ing.render(m.Properties["EventSourceArn"]), ing.render(m.Properties["FunctionName"]))
		}
		if ing.render(m.Properties["FunctionResponseTypes"]) != "[ReportBatchItemFailures]" {
			t.Errorf("response types %v: want ReportBatchItemFailures (the function reports failed messages)", m.Properties["FunctionResponseTypes"])
		}
	}
	for _, n := range ing.ofType("Custom::S3BucketNotifications") {
		qc := list(get(n.Properties, "NotificationConfiguration", "QueueConfigurations"))
		if !strings.Contains(ing.render(n.Properties["BucketName"]), "${Data/Landing.Arn}") || len(qc) != 1 ||
			ing.render(get(qc[0], "QueueArn")) != "${Ingest/Queue.Arn}" || ing.render(get(qc[0], "Events")) != "[s3:ObjectCreated:*]" ||
			ing.render(get(qc[0], "Filter", "Key", "FilterRules")) != "[{Name: prefix, Value: landing/}]" {
			t.Errorf("notification of %s: %v", ing.render(n.Properties["BucketName"]), ing.render(qc))
		}
	}
}

func TestStacks_QueuesAndTopicsEncrypted(t *testing.T) {
	n := 0
	for id, tmpl := range assembly.templates {
		for l, q := range tmpl.ofType("AWS::SQS::Queue") {
			if tmpl.render(q.Properties["KmsMasterKeyId"]) != "${Ingest/Key.Arn}" {
				t.Errorf("%s: queue %s: key %v", id, tmpl.path(l), q.Properties["KmsMasterKeyId"])
			}
			n++
		}
		for l, q := range tmpl.ofType("AWS::SNS::Topic") {
			if tmpl.render(q.Properties["KmsMasterKeyId"]) != "${Ingest/Key.Arn}" {
				t.Errorf("%s: topic %s: key %v", id, tmpl.path(l), q.Properties["KmsMasterKeyId"])
			}
			n++
		}
		for l, s := range tmpl.ofType("AWS::SecretsManager::Secret") {
			if tmpl.render(s.Properties["KmsKeyId"]) != "${Data/Key.Arn}" {
				t.Errorf("%s: secret %s: key %v", id, tmpl.path(l), s.Properties["KmsKeyId"])
			}
		}
		// TLS only, for queues and topics too.
		for _, typ := range []string{"AWS::SQS::QueuePolicy", "AWS::SNS::TopicPolicy"} {
			for l, p := range tmpl.ofType(typ) {
				tls := false
				for _, s := range list(get(p.Properties, "PolicyDocument", "Statement")) {
					tls = tls || get(s, "Effect") == "Deny" && get(s, "Condition", "Bool", "aws:SecureTransport") == "false"
				}
				if !tls {
					t.Errorf("%s: %s allows requests without TLS", id, tmpl.path(l))
				}
			}
		}
	}
	if n != 5 {
		t.Errorf("%d queues and topics checked, want 5 (ingest's and the surveys' queue and dead-letter queue, the alarms topic)", n)
	}
}

func TestIngest_Alarms(t *testing.T) {
	ing := stack(t, "Ingest")
	want := map[string]string{
		"AWS/SQS ApproximateNumberOfMessagesVisible ${Ingest/DeadLetter.QueueName}": "dead letters",
		"AWS/Lambda Errors ${Ingest/ingest}":                                        "errors",
		"AWS/SQS ApproximateAgeOfOldestMessage ${Ingest/Queue.QueueName}":           "age of the oldest message",
	}
	for _, a := range ing.ofType("AWS::CloudWatch::Alarm") {
		var dim string
		for _, d := range list(a.Properties["Dimensions"]) {
			dim = ing.render(get(d, "Value"))
		}
		key := get(a.Properties, "Namespace").(string) + " " + get(a.Properties, "MetricName").(string) + " " + dim
		if _, ok := want[key]; !ok {
			t.Errorf("unexpected alarm %s", key)
			continue
		}
		if ing.render(a.Properties["AlarmActions"]) != `[${Ingest/Alarms}]` {
			t.Errorf("alarm %s goes to %v, want the alarms topic", key, ing.render(a.Properties["AlarmActions"]))
		}
		delete(want, key)
	}
	for _, what := range want {
		t.Errorf("no alarm on %s", what)
	}
	for _, s := range ing.ofType("AWS::SNS::Subscription") {
		if s.Properties["Endpoint"] != cfg.Consortium.Operators[0] || s.Properties["Protocol"] != "email" {
			t.Errorf("subscription %v", s.Properties)
		}
	}
}

func TestReporting_Schedule(t *testing.T) {
	rep := stack(t, "Reporting")
	scheds := rep.ofType("AWS::Scheduler::Schedule")
	if len(scheds) != 1 {
		t.Fatalf("%d schedules", len(scheds))
	}
	for _, s := range scheds {
		p := s.Properties
		if p["ScheduleExpression"] != cfg.Consortium.Reports.Schedule || p["ScheduleExpressionTimezone"] != cfg.Consortium.Reports.Timezone {
			t.Errorf("schedule %v %v, want the consortium's %s %s", p["ScheduleExpression"], p["ScheduleExpressionTimezone"],
				cfg.Consortium.Reports.Schedule, cfg.Consortium.Reports.Timezone)
		}
		if rep.render(get(p, "Target", "Arn")) != "${Reporting/report.Arn}" {
			t.Errorf("target %v", rep.render(get(p, "Target", "Arn")))
		}
		// Scheduler sends the input as it is, with its context attributes
		// filled in: the function must read it as an EventBridge event
		// whose time is the run's.
		input, _ := get(p, "Target", "Input").(string)
		at := "2026-10-10T05:00:00Z"
		var ev events.EventBridgeEvent
		if err := json.Unmarshal([]byte(strings.ReplaceAll(input, "<aws.scheduler.scheduled-time>", at)), &ev); err != nil {
			t.Fatalf("input %s: %v", input, err)
		}
		if want, _ := time.Parse(time.RFC3339, at); !ev.Time.Equal(want) {
			t.Errorf("the event's time is %v, want the scheduled time: input %s", ev.Time, input)
		}
	}
	_, role := rep.byPath(t, "Reporting/SchedulerRoleForTarget-442360")
	if !strings.Contains(rep.render(role.Properties["AssumeRolePolicyDocument"]), "scheduler.amazonaws.com") {
		t.Error("the scheduler's role is not the scheduler's")
	}
	ids := rep.ofType("AWS::SES::EmailIdentity")
	for _, id := range ids {
		if id.Properties["EmailIdentity"] != cfg.Consortium.Reports.From {
			t.Errorf("SES identity %v, want %s", id.Properties["EmailIdentity"], cfg.Consortium.Reports.From)
		}
	}
	env, _ := get(deployed(t)["report"][0].res.Properties, "Environment", "Variables").(map[string]any)
	var orgs map[string]string
	if err := json.Unmarshal([]byte(env["ORG_ADDRESSES"].(string)), &orgs); err != nil || len(orgs) != len(cfg.Consortium.Organisations) {
		t.Errorf("ORG_ADDRESSES %v: want every organisation's contacts", env["ORG_ADDRESSES"])
	}
	if env["LEAD_ADDRESSES"] != strings.Join(cfg.Consortium.Leads, ",") || env["FROM_ADDRESS"] != cfg.Consortium.Reports.From {
		t.Errorf("addresses %v %v", env["LEAD_ADDRESSES"], env["FROM_ADDRESS"])
	}
}

func TestSecrets_OnlyTheirFunctions(t *testing.T) {
	sec := stack(t, "Secrets")
	tests := []struct {
		secret, variable string
		stacksReaders    []string
	}{
		{"PseudonymKey", "OUTCOMES_KEY_SECRET_ID", stacks.Pseudonymisers},
		{"LinkKey", "LINK_KEY_SECRET_ID", stacks.LinkKeyReaders},
	}
	role := func(f string) string {
		return "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/" + cfg.Name + "-" + f
	}
	for _, tt := range tests {
		t.Run(tt.secret, func(t *testing.T) {
			// The functions that may read a secret are those whose code
			// reads its variable, and each is given that secret.
			// A folder deployed as several functions (surveys) gives the
			// secret to those that set its variable, and one at least does.
			var readers []string
			for _, f := range folders {
				if !envReads(t, f)[tt.variable] {
					continue
				}
				n := 0
				for _, fn := range deployed(t)[f] {
					env, _ := get(fn.res.Properties, "Environment", "Variables").(map[string]any)
					v, ok := env[tt.variable]
					if !ok && len(deployed(t)[f]) > 1 {
						continue
					}
					n++
					readers = append(readers, fn.name())
					if got := fn.stack.render(v); got != "${Secrets/"+tt.secret+"}" {
						t.Errorf("%s: %s is %s, want the secret %s", fn.name(), tt.variable, got, tt.secret)
					}
				}
				if n == 0 {
					t.Errorf("functions/%s reads %s, and no function of it is given it", f, tt.variable)
				}
			}
			sort.Strings(readers)
			if got, want := strings.Join(readers, " "), strings.Join(sortedCopy(tt.stacksReaders), " "); got != want {
				t.Errorf("the functions that read %s are %s; the stacks let %s", tt.variable, got, want)
			}
			_, secret := sec.byPath(t, "Secrets/"+tt.secret)
			if sec.render(secret.Properties["KmsKeyId"]) != "${Data/Key.Arn}" {
				t.Errorf("encrypted with %v", secret.Properties["KmsKeyId"])
			}
			g := secret.Properties["GenerateSecretString"]
			// 64 characters from 0-9a-f: a 32-byte key in hex.
			if get(g, "PasswordLength") != 64.0 || get(g, "ExcludeUppercase") != true || get(g, "ExcludePunctuation") != true ||
				get(g, "ExcludeCharacters") != "ghijklmnopqrstuvwxyz" || get(g, "IncludeSpace") != false {
				t.Errorf("generated key %v: want 64 hexadecimal digits", g)
			}
			var arns []string
			for _, f := range readers {
				arns = append(arns, role(f))
			}
			denied := false
			for _, p := range sec.ofType("AWS::SecretsManager::ResourcePolicy") {
				if sec.render(p.Properties["SecretId"]) != "${Secrets/"+tt.secret+"}" {
					continue
				}
				for _, s := range list(get(p.Properties, "ResourcePolicy", "Statement")) {
					if get(s, "Effect") == "Deny" && get(s, "Action") == "secretsmanager:GetSecretValue" && sec.render(get(s, "Principal")) == "{AWS: *}" {
						got, want := sec.render(get(s, "Condition", "ArnNotEquals", "aws:PrincipalArn")), "["+strings.Join(arns, ", ")+"]"
						denied = got == want
						if !denied {
							t.Errorf("denied to all but %s, want %s", got, want)
						}
					}
				}
			}
			if !denied {
				t.Error("no statement denies the secret to other principals")
			}
			for _, fs := range deployed(t) {
				for _, fn := range fs {
					name := fn.name()
					for _, l := range statements(t, fn.stack, name+"Role") {
						if strings.Contains(l, "${Secrets/"+tt.secret+"}") && !slices.Contains(readers, name) {
							t.Errorf("%s may %s", name, l)
						}
					}
				}
			}
		})
	}
}

func sortedCopy(s []string) []string {
	out := append([]string(nil), s...)
	sort.Strings(out)
	return out
}

func TestUploads_Cognito(t *testing.T) {
	up := stack(t, "Uploads")
	for _, p := range up.ofType("AWS::Cognito::UserPool") {
		if get(p.Properties, "AdminCreateUserConfig", "AllowAdminCreateUserOnly") != true {
			t.Error("self sign-up is on")
		}
		if p.Properties["MfaConfiguration"] != "OPTIONAL" && p.Properties["MfaConfiguration"] != "ON" {
			t.Errorf("MFA %v: want it available", p.Properties["MfaConfiguration"])
		}
		found := false
		for _, a := range list(p.Properties["Schema"]) {
			if get(a, "Name") == stacks.OrgAttribute {
				found = true
				if get(a, "Mutable") != false {
					t.Error("custom:org can be changed after the user is created")
				}
			}
		}
		if !found {
			t.Error("no custom:org attribute")
		}
	}
	// The lead's role is the pool's group the function is told of, and no
	// other claim.
	groups := up.ofType("AWS::Cognito::UserPoolGroup")
	if len(groups) != 1 {
		t.Errorf("%d user pool groups; want the leads' only", len(groups))
	}
	for _, g := range groups {
		if g.Properties["GroupName"] != stacks.LeadGroup || up.render(g.Properties["UserPoolId"]) != "${Uploads/Users}" {
			t.Errorf("group %v: want %q in the pool", up.render(g.Properties), stacks.LeadGroup)
		}
	}
	for _, f := range up.ofType("AWS::Lambda::Function") {
		if env := get(f.Properties, "Environment", "Variables"); env != nil && get(env, "LEAD_GROUP") != nil && get(env, "LEAD_GROUP") != stacks.LeadGroup {
			t.Errorf("LEAD_GROUP %v: want the pool's group %q", get(env, "LEAD_GROUP"), stacks.LeadGroup)
		}
	}
	clients := up.ofType("AWS::Cognito::UserPoolClient")
	if len(clients) == 0 {
		t.Fatal("no app client")
	}
	for l, c := range clients {
		// With no write list, a client may write every attribute.
		w := list(c.Properties["WriteAttributes"])
		if len(w) == 0 {
			t.Errorf("%s: no write attributes: it could write custom:org", up.path(l))
		}
		for _, a := range w {
			if a == "custom:"+stacks.OrgAttribute {
				t.Errorf("%s may write custom:org", up.path(l))
			}
		}
	}
	auths := up.ofType("AWS::ApiGatewayV2::Authorizer")
	for _, a := range auths {
		jc := get(a.Properties, "JwtConfiguration")
		if a.Properties["AuthorizerType"] != "JWT" || up.render(get(jc, "Issuer")) != "${Uploads/Users.ProviderURL}" ||
			up.render(get(jc, "Audience")) != "[${Uploads/Users/Web}]" {
			t.Errorf("authoriser %v: want the pool's issuer and the web client's audience", up.render(a.Properties))
		}
	}
	for l, r := range up.ofType("AWS::ApiGatewayV2::Route") {
		if r.Properties["AuthorizationType"] != "JWT" || up.render(r.Properties["AuthorizerId"]) != "${Uploads/Api/Cognito}" {
			t.Errorf("route %s (%s) is not behind the authoriser", up.path(l), r.Properties["RouteKey"])
		}
		if r.Properties["RouteKey"] != "ANY /{proxy+}" {
			t.Errorf("route %s: want every request to go to the uploads function, which routes", r.Properties["RouteKey"])
		}
	}
	for _, i := range up.ofType("AWS::ApiGatewayV2::Integration") {
		if up.render(i.Properties["IntegrationUri"]) != "${Uploads/uploads.Arn}" {
			t.Errorf("the API calls %s, want the uploads function", up.render(i.Properties["IntegrationUri"]))
		}
	}
	for _, s := range up.ofType("AWS::ApiGatewayV2::Stage") {
		if get(s.Properties, "AccessLogSettings", "DestinationArn") == nil {
			t.Error("the API stage has no access log")
		}
	}
}

func TestNag_NoUnsuppressedError(t *testing.T) {
	for id, msgs := range assembly.messages {
		for _, m := range msgs {
			if m.Type == "aws:cdk:error" {
				t.Errorf("%s %s: %s", id, m.Path, m.Data)
			}
		}
	}
	// A nag pack that did not run would pass the loop above: its reports
	// must list the rules it checked.
	if assembly.nagChecked < 50 {
		t.Errorf("cdk-nag's reports list %d checks: did it run?", assembly.nagChecked)
	}
	checked := 0
	for _, tmpl := range assembly.templates {
		for _, r := range tmpl.Resources {
			rules, _ := get(r.Metadata, "cdk_nag", "rules_to_suppress").([]any)
			for _, s := range rules {
				checked++
				if reason, _ := get(s, "reason").(string); len(strings.Fields(reason)) < 8 {
					t.Errorf("suppression %v: the reason %q says too little", get(s, "id"), reason)
				}
			}
		}
	}
	if checked == 0 {
		t.Error("no suppressions found")
	}
}
