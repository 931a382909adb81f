package stacks_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/carer-outcomes/carer-outcomes/infra/stacks"
)

// webFunction is the web function in the Web stack.
func webFunction(t *testing.T) deployedFunction {
	t.Helper()
	fs := deployed(t)["web"]
	if len(fs) != 1 || fs[0].stack.stack != "Web" {
		t.Fatalf("%d functions of functions/web, want one in the Web stack", len(fs))
	}
	return fs[0]
}

// wantWebPages are what each page of the web function reads and writes,
// written out from the code each calls ({org}: every member's code), as
// wantUploadsRoutes are for the uploads API's routes that serve the same
// views.
func wantWebPages() map[string][]string {
	list := func(bucket, prefix string) string {
		return "Allow s3:ListBucket ${Data/" + bucket + ".Arn} if {StringLike: {s3:prefix: " + prefix + "*}}"
	}
	obj := func(action, bucket, prefix string) string {
		return "Allow s3:" + action + " ${Data/" + bucket + ".Arn}/" + prefix + "*"
	}
	w := map[string][]string{
		"GET /tasks, GET /history, GET /result, GET /lead (returns, statuses, an upload's report)": {
			list("Landing", "landing/org="),
			obj("GetObject", "Curated", "uploads/"), list("Curated", "uploads/"),
			obj("GetObject", "Curated", "current/"), list("Curated", "current/"),
			obj("GetObject", "Curated", "ledger/ingest_log/"), list("Curated", "ledger/ingest_log/"),
		},
		"GET /tasks, GET /tasks/surveys-due.csv (the follow-up surveys due)": {
			obj("GetObject", "Curated", "current/"), list("Curated", "current/"),
			obj("GetObject", "Curated", "surveys/current/"), list("Curated", "surveys/current/"),
			obj("GetObject", "Curated", "curated/"), obj("GetObject", "Curated", "surveys/responses/"),
		},
		"GET /report, GET /lead/reports (the quarterly report)": {
			obj("GetObject", "Curated", "current/"), list("Curated", "current/"),
			obj("GetObject", "Curated", "ledger/ingest_log/"), list("Curated", "ledger/ingest_log/"),
			obj("GetObject", "Curated", "surveys/current/"), list("Curated", "surveys/current/"),
			obj("GetObject", "Curated", "curated/"), obj("GetObject", "Curated", "surveys/responses/"),
		},
	}
	for _, code := range cfg.Consortium.Codes() {
		w["POST /upload"] = append(w["POST /upload"], obj("PutObject", "Landing", "landing/org="+code+"/"))
	}
	return w
}

// TestWeb_PageGrants checks the table the web function's S3 policy is
// made from, page by page; TestFunctions_Statements/web and TestWeb_Role
// check that the synthesised policy is their union and nothing else.
func TestWeb_PageGrants(t *testing.T) {
	checkRouteGrants(t, stacks.WebPages, wantWebPages(), "stacks.WebPages")
}

// TestWeb_Environment checks the web function's environment: exactly the
// variables functions/web reads, each pointing where it should, and none
// naming the client, the distribution or the secrets by a reference (the
// distribution names the function's URL, the client the distribution,
// the site secret both: a reference back would be a cycle).
func TestWeb_Environment(t *testing.T) {
	f := webFunction(t)
	env, _ := get(f.res.Properties, "Environment", "Variables").(map[string]any)
	reads := envReads(t, "web")
	var want []string
	for v := range reads {
		if _, ok := localOnly[v]; !ok && !extensionSetting(v) {
			want = append(want, v)
		}
	}
	slices.Sort(want)
	var got []string
	for v := range env {
		if !extensionSetting(v) {
			got = append(got, v)
		}
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("environment %v\nwant the variables functions/web reads %v", got, want)
	}
	tests := []struct{ variable, want string }{
		{"LAKE_BUCKET", "${Data/Curated}"},
		{"LAKE_PREFIX", ""},
		{"LANDING_BUCKET", "${Data/Landing}"},
		{"CONSORTIUM_FILE", "consortium.json"},
		{"OIDC_ISSUER", "${Uploads/Users.ProviderURL}"},
		{"SITE_SECRET_ID", cfg.Name + "/web/site"},
		{"ORIGIN_SECRET_ID", cfg.Name + "/web/origin"},
		{"CLAIM_ORG", "custom:" + stacks.OrgAttribute},
		{"LEAD_GROUP", stacks.LeadGroup},
		{"MAX_UPLOAD_MB", "4"},
	}
	uploads, _ := get(deployed(t)["uploads"][0].res.Properties, "Environment", "Variables").(map[string]any)
	for _, tt := range tests {
		t.Run(tt.variable, func(t *testing.T) {
			v, ok := env[tt.variable]
			if !ok {
				t.Fatalf("%s is not set", tt.variable)
			}
			if got := f.stack.render(v); got != tt.want {
				t.Errorf("%s=%s, want %s", tt.variable, got, tt.want)
			}
			// The secrets are named, never referenced.
			if strings.HasSuffix(tt.variable, "_SECRET_ID") {
				if _, literal := v.(string); !literal {
					t.Errorf("%s is %v, want the secret's name as a literal", tt.variable, v)
				}
			}
			// The claim and the group are the uploads function's.
			if tt.variable == "CLAIM_ORG" || tt.variable == "LEAD_GROUP" {
				if uploads[tt.variable] != v {
					t.Errorf("%s=%v, the uploads function's is %v", tt.variable, v, uploads[tt.variable])
				}
			}
		})
	}
	for _, forbidden := range []string{"Web/Client", "Web/Distribution", "Web/SiteSecret", "Web/OriginSecret", "Web/SignIn"} {
		for v, x := range env {
			if r := f.stack.render(x); strings.Contains(r, "${"+forbidden) {
				t.Errorf("%s=%s refers to %s: a cycle", v, r, forbidden)
			}
		}
	}
}

// TestWeb_Role checks the web function's role: its pages' grants (the
// landing bucket written only under the members' landing/org= prefixes),
// the data key, and the two secrets by their names.
func TestWeb_Role(t *testing.T) {
	f := webFunction(t)
	checkRole(t, f)
	got := statements(t, f.stack, "webRole")
	w := wantStatements()["web"]
	slices.Sort(w)
	if !slices.Equal(got, w) {
		t.Errorf("statements:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(w, "\n  "))
	}
	secrets := 0
	for _, l := range got {
		fields := strings.Fields(l)
		action, res := fields[1], fields[2]
		switch {
		case strings.HasPrefix(action, "s3:Put") || strings.HasPrefix(action, "s3:Delete"):
			if action != "s3:PutObject" || !strings.HasPrefix(res, "${Data/Landing.Arn}/landing/org=") {
				t.Errorf("%s: the function writes only uploads under landing/org=", l)
			}
		case strings.HasPrefix(action, "secretsmanager:"):
			secrets++
			if action != "secretsmanager:GetSecretValue" || strings.Contains(res, "${") && !strings.Contains(res, "${AWS::") {
				t.Errorf("%s: want a read of a secret by its name", l)
			}
		}
	}
	if secrets != 2 {
		t.Errorf("%d secrets granted, want the site's and the origin's", secrets)
	}
}

// webDistribution is the Web stack's distribution's configuration.
func webDistribution(t *testing.T) (template, map[string]any) {
	t.Helper()
	web := stack(t, "Web")
	_, d := web.byPath(t, "Web/Distribution")
	c, _ := d.Properties["DistributionConfig"].(map[string]any)
	return web, c
}

// CloudFront's managed policies, by id.
const (
	cachingDisabled             = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
	cachingOptimized            = "658327ea-f89d-4fab-a63d-7e88639e58f6"
	allViewerExceptHostHeader   = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
	originSecretDynamicRefWants = "{{resolve:secretsmanager:${Web/OriginSecret}:SecretString:::}}"
)

// TestWeb_Distribution checks each behaviour: the pages to the function
// URL with the origin secret's header, uncached, every method; the assets
// to the bucket through origin access control, cached, GET and HEAD, with
// the security headers; every one HTTPS only.
func TestWeb_Distribution(t *testing.T) {
	web, c := webDistribution(t)
	origins := map[string]any{}
	for _, o := range list(c["Origins"]) {
		origins[get(o, "Id").(string)] = o
	}
	behaviours := map[string]any{"": c["DefaultCacheBehavior"]}
	for _, b := range list(c["CacheBehaviors"]) {
		behaviours[get(b, "PathPattern").(string)] = b
	}
	tests := []struct {
		path, methods, cache, originRequest string
		assets                              bool
	}{
		{"", "[GET, HEAD, OPTIONS, PUT, PATCH, POST, DELETE]", cachingDisabled, allViewerExceptHostHeader, false},
		{"/assets/*", "[GET, HEAD]", cachingOptimized, "<nil>", true},
		{"/static/*", "[GET, HEAD]", cachingOptimized, "<nil>", true},
	}
	if len(behaviours) != len(tests) {
		t.Errorf("%d behaviours, want %d", len(behaviours), len(tests))
	}
	for _, tt := range tests {
		t.Run("behaviour "+tt.path, func(t *testing.T) {
			b, ok := behaviours[tt.path]
			if !ok {
				t.Fatalf("no behaviour %q", tt.path)
			}
			if get(b, "ViewerProtocolPolicy") != "redirect-to-https" {
				t.Errorf("viewer protocol %v, want redirect-to-https", get(b, "ViewerProtocolPolicy"))
			}
			if got := web.render(get(b, "AllowedMethods")); got != tt.methods {
				t.Errorf("methods %s, want %s", got, tt.methods)
			}
			if got := web.render(get(b, "CachePolicyId")); got != tt.cache {
				t.Errorf("cache policy %s, want %s", got, tt.cache)
			}
			if got := web.render(get(b, "OriginRequestPolicyId")); got != tt.originRequest {
				t.Errorf("origin request policy %s, want %s", got, tt.originRequest)
			}
			o := origins[get(b, "TargetOriginId").(string)]
			if tt.assets {
				if got := web.render(get(o, "DomainName")); got != "${Web/Assets.RegionalDomainName}" {
					t.Errorf("origin %s, want the assets bucket", got)
				}
				if get(o, "OriginAccessControlId") == nil || get(o, "S3OriginConfig", "OriginAccessIdentity") != "" {
					t.Errorf("origin %s: want origin access control, no identity", web.render(o))
				}
				if got := web.render(get(b, "ResponseHeadersPolicyId")); got != "${Web/AssetHeaders}" {
					t.Errorf("response headers policy %s, want the security headers", got)
				}
				return
			}
			if got := web.render(get(o, "DomainName")); got != "select(2, split(/, ${Web/web/FunctionUrl.FunctionUrl}))" {
				t.Errorf("origin %s, want the web function's URL", got)
			}
			if get(o, "CustomOriginConfig", "OriginProtocolPolicy") != "https-only" {
				t.Errorf("origin protocol %v, want https-only", get(o, "CustomOriginConfig", "OriginProtocolPolicy"))
			}
			var header string
			for _, h := range list(get(o, "OriginCustomHeaders")) {
				if get(h, "HeaderName") == stacks.OriginHeader {
					header = web.render(get(h, "HeaderValue"))
				}
			}
			if header != originSecretDynamicRefWants {
				t.Errorf("%s: %q, want the origin secret's value %q", stacks.OriginHeader, header, originSecretDynamicRefWants)
			}
		})
	}
	if c["PriceClass"] != "PriceClass_100" || get(c, "Logging", "Bucket") == nil {
		t.Errorf("price class %v, logging %v: want PriceClass_100 and access logs", c["PriceClass"], web.render(c["Logging"]))
	}
	// The function URL is open (CloudFront cannot sign a form's POST for
	// it): the function checks the origin header.
	for _, u := range web.ofType("AWS::Lambda::Url") {
		if u.Properties["AuthType"] != "NONE" || web.render(u.Properties["TargetFunctionArn"]) != "${Web/web.Arn}" {
			t.Errorf("function URL %s", web.render(u.Properties))
		}
	}
	_, headers := web.byPath(t, "Web/AssetHeaders")
	sh := get(headers.Properties, "ResponseHeadersPolicyConfig", "SecurityHeadersConfig")
	if get(sh, "StrictTransportSecurity", "AccessControlMaxAgeSec") == nil || get(sh, "ContentTypeOptions") == nil ||
		get(sh, "FrameOptions", "FrameOption") != "DENY" || get(sh, "ReferrerPolicy", "ReferrerPolicy") != "no-referrer" {
		t.Errorf("security headers %s: want HSTS, nosniff, frame DENY, no-referrer", web.render(sh))
	}
}

// TestWeb_Client checks the web pages' app client: the code flow with
// PKCE only (a public client), back to the distribution's pages, the
// organisation readable and not writable, and the hosted UI's domain.
func TestWeb_Client(t *testing.T) {
	web := stack(t, "Web")
	_, c := web.byPath(t, "Web/Client")
	p := c.Properties
	site := "https://${Web/Distribution.DomainName}"
	tests := []struct{ property, want string }{
		{"UserPoolId", "${Uploads/Users}"},
		{"AllowedOAuthFlows", "[code]"},
		{"AllowedOAuthFlowsUserPoolClient", "true"},
		{"AllowedOAuthScopes", "[openid, email, profile]"},
		{"CallbackURLs", "[" + site + stacks.CallbackPath + "]"},
		{"LogoutURLs", "[" + site + stacks.SignedOutPath + "]"},
		{"GenerateSecret", "false"},
		{"SupportedIdentityProviders", "[COGNITO]"},
		{"PreventUserExistenceErrors", "ENABLED"},
	}
	for _, tt := range tests {
		t.Run(tt.property, func(t *testing.T) {
			if got := web.render(p[tt.property]); got != tt.want {
				t.Errorf("%s %s, want %s", tt.property, got, tt.want)
			}
		})
	}
	if !slices.Contains(list(p["ReadAttributes"]), any("custom:"+stacks.OrgAttribute)) {
		t.Errorf("read attributes %v: want custom:org", p["ReadAttributes"])
	}
	if w := list(p["WriteAttributes"]); len(w) == 0 || slices.Contains(w, any("custom:"+stacks.OrgAttribute)) {
		t.Errorf("write attributes %v: the client must not write custom:org", w)
	}
	for _, u := range stack(t, "Uploads").ofType("AWS::Cognito::UserPoolClient") {
		if web.render(p["IdTokenValidity"]) != web.render(u.Properties["IdTokenValidity"]) {
			t.Errorf("ID tokens valid %v, the uploads client's %v", p["IdTokenValidity"], u.Properties["IdTokenValidity"])
		}
	}
	_, d := web.byPath(t, "Web/SignIn")
	domain := web.render(d.Properties["Domain"])
	if web.render(d.Properties["UserPoolId"]) != "${Uploads/Users}" || !strings.HasPrefix(domain, cfg.Name) {
		t.Errorf("domain %s of %s: want a prefix from the name in the pool", domain, web.render(d.Properties["UserPoolId"]))
	}
	for _, w := range []string{"aws", "amazon", "cognito"} {
		if strings.Contains(strings.ReplaceAll(domain, "${AWS::AccountId}", ""), w) {
			t.Errorf("domain prefix %s contains %q", domain, w)
		}
	}
}

// TestWeb_Secrets checks the two secrets: the origin's generated with no
// reference; the site's the client id and the site URL, with the session
// key generated into it.
func TestWeb_Secrets(t *testing.T) {
	web := stack(t, "Web")
	tests := []struct {
		path, name, template, key string
		length                    float64
	}{
		{"Web/OriginSecret", cfg.Name + "/web/origin", "<nil>", "<nil>", 48},
		{"Web/SiteSecret", cfg.Name + "/web/site",
			`{"client_id":"${Web/Client}","site_url":"https://${Web/Distribution.DomainName}"}`, "session_key", 64},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			_, s := web.byPath(t, tt.path)
			g := s.Properties["GenerateSecretString"]
			if s.Properties["Name"] != tt.name {
				t.Errorf("name %v, want %s (the function is given it by name)", s.Properties["Name"], tt.name)
			}
			if got := web.render(get(g, "SecretStringTemplate")); got != tt.template {
				t.Errorf("template %s, want %s", got, tt.template)
			}
			if got := web.render(get(g, "GenerateStringKey")); got != tt.key {
				t.Errorf("generated key %s, want %s", got, tt.key)
			}
			if n, _ := get(g, "PasswordLength").(float64); n < tt.length || get(g, "ExcludePunctuation") != true {
				t.Errorf("generated %v: want %v characters, no punctuation", web.render(g), tt.length)
			}
			if web.render(s.Properties["KmsKeyId"]) != "${Data/Key.Arn}" {
				t.Errorf("encrypted with %s", web.render(s.Properties["KmsKeyId"]))
			}
		})
	}
}

// TestWeb_AssetsBucket checks the assets bucket: not public, TLS only,
// its server access logged, readable only by CloudFront for this
// distribution; and that the assets zip is deployed to it.
func TestWeb_AssetsBucket(t *testing.T) {
	web := stack(t, "Web")
	_, b := web.byPath(t, "Web/Assets")
	pab := b.Properties["PublicAccessBlockConfiguration"]
	for _, k := range []string{"BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"} {
		if get(pab, k) != true {
			t.Errorf("public access block %s is %v", k, get(pab, k))
		}
	}
	if got := web.render(get(b.Properties, "LoggingConfiguration", "DestinationBucketName")); got != "${Data/AccessLogs}" {
		t.Errorf("access logs to %s, want the Data stack's log bucket", got)
	}
	if got := web.render(get(b.Properties, "BucketEncryption")); !strings.Contains(got, "AES256") {
		t.Errorf("encryption %s, want S3-managed", got)
	}
	allows, tlsOnly := 0, false
	for _, s := range policyStatements(t, "Web", "Assets") {
		if get(s, "Effect") == "Deny" {
			tlsOnly = tlsOnly || get(s, "Condition", "Bool", "aws:SecureTransport") == "false"
			continue
		}
		allows++
		want := "arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:distribution/${Web/Distribution}"
		if web.render(get(s, "Principal")) != "{Service: cloudfront.amazonaws.com}" || web.render(get(s, "Action")) != "s3:GetObject" ||
			web.render(get(s, "Condition", "StringEquals", "AWS:SourceArn")) != want || web.render(get(s, "Resource")) != "${Web/Assets.Arn}/*" {
			t.Errorf("bucket policy allows %s; want only CloudFront's GetObject for %s", web.render(s), want)
		}
	}
	if allows != 1 || !tlsOnly {
		t.Errorf("%d statements allow, TLS only %v: want CloudFront's one, and TLS only", allows, tlsOnly)
	}
	for _, d := range web.ofType("Custom::CDKBucketDeployment") {
		if got := web.render(d.Properties["DestinationBucketName"]); got != "${Web/Assets}" {
			t.Errorf("assets deployed to %s, want the assets bucket", got)
		}
		if got := web.render(d.Properties["DistributionPaths"]); got != "["+strings.Join(stacks.AssetPaths, ", ")+"]" {
			t.Errorf("invalidates %s, want %v", got, stacks.AssetPaths)
		}
	}
}

// TestWeb_Bundle checks that the web function's deployed code is the
// bootstrap with the consortium file beside it, as the survey functions'.
func TestWeb_Bundle(t *testing.T) {
	fs := deployed(t)["web"]
	if len(fs) != 1 {
		t.Fatalf("%d web functions deployed, want 1", len(fs))
	}
	checkBundle(t, strings.TrimSuffix(fs[0].stack.render(get(fs[0].res.Properties, "Code", "S3Key")), ".zip"))
}

func TestWeb_Outputs(t *testing.T) {
	web := stack(t, "Web")
	tests := []struct{ output, want string }{
		{"SiteUrl", "https://${Web/Distribution.DomainName}"},
		{"FunctionName", "${Web/web}"},
	}
	for _, tt := range tests {
		if got := web.render(web.Outputs[tt.output].Value); got != tt.want {
			t.Errorf("output %s = %s, want %s", tt.output, got, tt.want)
		}
	}
}

// TestWeb_DomainPrefixChecked checks that a hosted UI domain Cognito
// would refuse fails the synth with a sentence.
func TestWeb_DomainPrefixChecked(t *testing.T) {
	tests := []struct{ name, prefix, want string }{
		{cfg.Name, "outcomes-aws", "web domain prefix"},
		{cfg.Name, "my-cognito-login", "web domain prefix"},
		{cfg.Name, "Upper", "web domain prefix"},
		{cfg.Name, "-leading", "web domain prefix"},
		{"amazon-outcomes", "", "give a webDomainPrefix"},
	}
	for _, tt := range tests {
		t.Run(tt.name+" "+tt.prefix, func(t *testing.T) {
			c := cfg
			c.Name, c.WebDomainPrefix = tt.name, tt.prefix
			app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(t.TempDir())})
			if _, err := stacks.Build(app, c); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Build: %v, want an error about the %s", err, tt.want)
			}
		})
	}
}

// TestWeb_Nag checks that cdk-nag checked the Web stack (TestNag_NoUnsuppressedError
// finds no unsuppressed error in any stack) and that the findings on CDK's
// assets handler are suppressed for what it does only.
func TestWeb_Nag(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(assembly.dir, "AwsSolutions--"+cfg.Name+"-web-NagReport.csv"))
	if err != nil {
		t.Fatalf("no cdk-nag report of the Web stack: %v", err)
	}
	rows := strings.Split(strings.TrimSpace(string(b)), "\n")[1:]
	checked := map[string]bool{}
	for _, r := range rows {
		checked[strings.Trim(strings.SplitN(r, ",", 2)[0], `"`)] = true
		if strings.Contains(r, `"Non-Compliant"`) {
			t.Errorf("unsuppressed finding: %s", r)
		}
	}
	for _, rule := range []string{"AwsSolutions-CFR3", "AwsSolutions-S1", "AwsSolutions-S10", "AwsSolutions-IAM5", "AwsSolutions-SMG4"} {
		if !checked[rule] {
			t.Errorf("%s was not checked on the Web stack", rule)
		}
	}
	for _, m := range assembly.messages["Web"] {
		if m.Type == "aws:cdk:error" {
			t.Errorf("%s: %s", m.Path, m.Data)
		}
	}
}

// TestWeb_CheckDist checks that a synth without the web function's zip or
// the web assets' zip stops with a sentence naming it.
func TestWeb_CheckDist(t *testing.T) {
	tests := []struct{ without, want string }{
		{"", ""},
		{"web.zip", "no web.zip: run `make functions` first"},
		{stacks.WebAssets, "no web-assets.zip: run `make functions` first"},
	}
	for _, tt := range tests {
		t.Run("without "+tt.without, func(t *testing.T) {
			dir := t.TempDir()
			for _, f := range append(slices.Clone(stacks.Functions), strings.TrimSuffix(stacks.WebAssets, ".zip")) {
				if f+".zip" != tt.without {
					if err := os.WriteFile(filepath.Join(dir, f+".zip"), nil, 0o644); err != nil {
						t.Fatal(err)
					}
				}
			}
			err := stacks.CheckDist(dir)
			if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.HasSuffix(err.Error(), tt.want)) {
				t.Errorf("CheckDist: %v, want %q", err, tt.want)
			}
		})
	}
}
