package stacks

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2authorizers"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2integrations"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/carer-outcomes/carer-outcomes/pipeline/lake"
	"github.com/carer-outcomes/carer-outcomes/pipeline/landing"
)

// OrgAttribute is the user attribute naming a user's organisation, set by
// an administrator when the user is created and never by the user.
const OrgAttribute = "org"

// ClaimOrg is the ID token's claim naming the user's organisation, which
// the uploads and web functions read (CLAIM_ORG).
const ClaimOrg = "custom:" + OrgAttribute

// LeadGroup is the user pool group of the consortium's leads: the uploads
// function reads it from the token's cognito:groups claim (LEAD_GROUP) for
// the lead's view and for erasure. An administrator adds a lead to it.
const LeadGroup = "lead"

// Uploads is sign-in, the organisations' HTTP API and the uploads function.
type Uploads struct {
	Stack    awscdk.Stack
	Pool     awscognito.UserPool
	Client   awscognito.UserPoolClient
	API      awsapigatewayv2.HttpApi
	Function *Function
}

// NewUploads makes the Uploads stack.
func NewUploads(scope constructs.Construct, id string, props *awscdk.StackProps, cfg Config, data *Data, secrets *Secrets) *Uploads {
	stack := awscdk.NewStack(scope, jsii.String(id), props)
	u := &Uploads{Stack: stack}
	u.Pool = awscognito.NewUserPool(stack, jsii.String("Users"), &awscognito.UserPoolProps{
		UserPoolName: jsii.String(cfg.Name + "-users"),
		// Administrators create the users, each with its organisation.
		SelfSignUpEnabled: jsii.Bool(false),
		SignInAliases:     &awscognito.SignInAliases{Email: jsii.Bool(true)},
		AutoVerify:        &awscognito.AutoVerifiedAttrs{Email: jsii.Bool(true)},
		CustomAttributes: &map[string]awscognito.ICustomAttribute{
			// Immutable: set once, when the user is created.
			OrgAttribute: awscognito.NewStringAttribute(&awscognito.StringAttributeProps{MinLen: jsii.Number(2), MaxLen: jsii.Number(16), Mutable: jsii.Bool(false)}),
		},
		Mfa:             awscognito.Mfa_OPTIONAL,
		MfaSecondFactor: &awscognito.MfaSecondFactor{Otp: jsii.Bool(true), Sms: jsii.Bool(false)},
		PasswordPolicy: &awscognito.PasswordPolicy{
			MinLength: jsii.Number(12), RequireDigits: jsii.Bool(true), RequireLowercase: jsii.Bool(true),
			RequireUppercase: jsii.Bool(true), RequireSymbols: jsii.Bool(true),
			TempPasswordValidity: awscdk.Duration_Days(jsii.Number(3)),
		},
		AccountRecovery:    awscognito.AccountRecovery_EMAIL_ONLY,
		DeletionProtection: jsii.Bool(true),
		RemovalPolicy:      awscdk.RemovalPolicy_RETAIN,
	})
	// A client may read the organisation but write only the user's name:
	// with no write list, Cognito lets a client write every attribute.
	u.Client = u.Pool.AddClient(jsii.String("Web"), &awscognito.UserPoolClientOptions{
		UserPoolClientName: jsii.String(cfg.Name + "-web"),
		GenerateSecret:     jsii.Bool(false),
		AuthFlows:          &awscognito.AuthFlow{UserSrp: jsii.Bool(true)},
		DisableOAuth:       jsii.Bool(true),
		ReadAttributes: awscognito.NewClientAttributes().
			WithStandardAttributes(&awscognito.StandardAttributesMask{Email: jsii.Bool(true), EmailVerified: jsii.Bool(true), Fullname: jsii.Bool(true)}).
			WithCustomAttributes(jsii.String(OrgAttribute)),
		WriteAttributes:            awscognito.NewClientAttributes().WithStandardAttributes(&awscognito.StandardAttributesMask{Fullname: jsii.Bool(true)}),
		PreventUserExistenceErrors: jsii.Bool(true),
		IdTokenValidity:            awscdk.Duration_Hours(jsii.Number(1)),
	})

	awscognito.NewCfnUserPoolGroup(stack, jsii.String("Leads"), &awscognito.CfnUserPoolGroupProps{
		UserPoolId:  u.Pool.UserPoolId(),
		GroupName:   jsii.String(LeadGroup),
		Description: jsii.String("the consortium's leads: every organisation's returns, the consortium's reports, erasure"),
	})

	u.Function = newFunction(stack, cfg, "uploads", functionProps{
		Description: "the organisations' uploads API: presigned upload URLs and upload statuses",
		Timeout:     awscdk.Duration_Seconds(jsii.Number(29)),
		MemoryMB:    512,
		Secrets:     true,
		Env: map[string]string{
			"LANDING_BUCKET":         *data.Landing.BucketName(),
			"RAW_BUCKET":             *data.Raw.BucketName(),
			"LAKE_BUCKET":            *data.Curated.BucketName(),
			"LAKE_PREFIX":            "",
			"CLAIM_ORG":              ClaimOrg,
			"LEAD_GROUP":             LeadGroup,
			"ORGANISATIONS":          strings.Join(cfg.Consortium.Codes(), ","),
			"RETURNS_DUE_DAYS":       strconv.Itoa(cfg.Consortium.DueDays()),
			"REPORTS_BUCKET":         *data.Reports.BucketName(),
			"OUTCOMES_KEY_SECRET_ID": *secrets.PseudonymKey.SecretArn(),
			"MAX_UPLOAD_MB":          "50",
			"UPLOAD_URL_TTL":         "15m",
		},
	})
	// The URLs it signs carry this role's permission: a PUT under an
	// organisation's landing prefix, the token's organisation chosen by
	// the function. Every other grant is a route's (UploadsRoutes).
	addRouteGrants(u.Function.Role, data, UploadsRoutes, cfg.Consortium.Codes())
	u.Function.Role.AddToPolicy(allow([]string{"kms:Decrypt", "kms:GenerateDataKey"}, data.Key.KeyArn()))
	// Only erasure reads the pseudonymisation key (POST /erasures).
	u.Function.Role.AddToPolicy(allow([]string{"secretsmanager:GetSecretValue"}, secrets.PseudonymKey.SecretArn()))

	logs := awslogs.NewLogGroup(stack, jsii.String("ApiAccessLogs"), &awslogs.LogGroupProps{
		Retention: awslogs.RetentionDays_ONE_YEAR, RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
	})
	authorizer := awsapigatewayv2authorizers.NewHttpJwtAuthorizer(jsii.String("Cognito"), u.Pool.UserPoolProviderUrl(),
		&awsapigatewayv2authorizers.HttpJwtAuthorizerProps{
			JwtAudience:    &[]*string{u.Client.UserPoolClientId()},
			IdentitySource: jsii.Strings("$request.header.Authorization"),
		})
	u.API = awsapigatewayv2.NewHttpApi(stack, jsii.String("Api"), &awsapigatewayv2.HttpApiProps{
		ApiName:           jsii.String(cfg.Name + "-uploads"),
		DefaultAuthorizer: authorizer,
	})
	integration := awsapigatewayv2integrations.NewHttpLambdaIntegration(jsii.String("Uploads"), u.Function.Function, nil)
	// Every path goes to the function, behind the authoriser: the function
	// routes (and answers 404 for what it does not serve), so a route it
	// gains needs no change here.
	u.API.AddRoutes(&awsapigatewayv2.AddRoutesOptions{
		Path: jsii.String("/{proxy+}"), Methods: &[]awsapigatewayv2.HttpMethod{awsapigatewayv2.HttpMethod_ANY}, Integration: integration,
	})
	format, _ := json.Marshal(map[string]string{
		"requestId": "$context.requestId", "ip": "$context.identity.sourceIp", "time": "$context.requestTime",
		"route": "$context.routeKey", "status": "$context.status", "sub": "$context.authorizer.claims.sub",
		"error": "$context.authorizer.error",
	})
	stage := u.API.DefaultStage().Node().DefaultChild().(awsapigatewayv2.CfnStage)
	stage.SetAccessLogSettings(&awsapigatewayv2.CfnStage_AccessLogSettingsProperty{
		DestinationArn: logs.LogGroupArn(), Format: jsii.String(string(format)),
	})
	stage.SetDefaultRouteSettings(&awsapigatewayv2.CfnStage_RouteSettingsProperty{
		ThrottlingBurstLimit: jsii.Number(50), ThrottlingRateLimit: jsii.Number(20),
	})
	for id, v := range map[string]*string{"ApiUrl": u.API.ApiEndpoint(), "UserPoolId": u.Pool.UserPoolId(), "ClientId": u.Client.UserPoolClientId()} {
		awscdk.NewCfnOutput(stack, jsii.String(id), &awscdk.CfnOutputProps{Value: v})
	}
	nagSuppress(u.Function.Role, "AwsSolutions-IAM5",
		"object-level actions on the keys under the prefixes each route reads or writes (UploadsRoutes: an organisation's landing prefix, the lake's uploads/, current/, curated/, ledger/ingest_log/, erasures/ and surveys/ areas, the reports/ of the reports bucket), and the function's log streams: the keys are chosen per upload, per quarter and per erased carer")
	nagSuppress(u.Pool, "AwsSolutions-COG2",
		"MFA (an authenticator app) is available to every user; requiring it is each consortium's choice before the pool is created (docs/deploy.md), since some small charities' data officers have no phone for an authenticator")
	nagSuppress(u.Pool, "AwsSolutions-COG8",
		"the Plus feature plan (threat protection) is a cost each consortium decides on; passwords are long, sign-up is closed and accounts are created by administrators")
	nagSuppress(u.Pool, "AwsSolutions-COG3",
		"threat protection needs Cognito's Plus feature plan, a cost each consortium decides on; passwords are long, sign-up is closed and accounts are created by administrators")
	return u
}

// listActionUnder allows a bucket-level list action (s3:ListBucket,
// s3:ListBucketVersions) only for keys under the prefixes.
func listActionUnder(action string, bucketArn *string, prefixes ...string) awsiam.PolicyStatement {
	var like any = prefixes[0] + "*"
	if len(prefixes) > 1 {
		all := make([]string, len(prefixes))
		for i, p := range prefixes {
			all[i] = p + "*"
		}
		like = all
	}
	return awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:    jsii.Strings(action),
		Resources:  &[]*string{bucketArn},
		Conditions: &map[string]any{"StringLike": map[string]any{"s3:prefix": like}},
	})
}

// OrgToken in a Grant's prefix stands for each member organisation's code.
const OrgToken = "{org}"

// Grant is S3 actions on the keys under prefixes of one of the data
// buckets ("landing", "raw", "curated" with the lake, "reports"). A list action
// (s3:ListBucket, s3:ListBucketVersions) is on the bucket, for keys under
// the prefixes only.
type Grant struct {
	Bucket   string
	Actions  []string
	Prefixes []string
}

// Route is one of the uploads function's routes and what it reads and
// writes (pipeline/lake's keys: uploads/ records and statuses, current/
// pointers, curated/ files, ledger/ingest_log/, erasures/, and the survey
// area's surveys/current/ manifests, surveys/responses/ files and
// surveys/held/ and surveys/rejected/ records).
type Route struct {
	Name   string
	Grants []Grant
}

// UploadsRoutes are the uploads function's routes and their grants: the
// function's S3 policy is their union, and nothing else, so a route that
// reads a new prefix is added here (TestFunctions_Statements checks each).
var UploadsRoutes = []Route{
	{"POST /uploads", []Grant{
		// The presigned PUT is made with this role's credentials.
		{"landing", []string{"s3:PutObject"}, []string{landing.Prefix + "org=" + OrgToken + "/"}},
	}},
	{"GET /uploads, GET /uploads/{id}", []Grant{
		{"landing", []string{"s3:ListBucket"}, []string{landing.Prefix + "org="}},
		{"curated", []string{"s3:GetObject", "s3:ListBucket"}, []string{"uploads/", pointers}},
	}},
	{"GET /returns, GET /history, GET /lead/returns", []Grant{
		{"landing", []string{"s3:ListBucket"}, []string{landing.Prefix + "org="}},
		{"curated", []string{"s3:GetObject", "s3:ListBucket"}, []string{"uploads/", pointers, ledger}},
		// GET /returns carries the follow-up surveys due, as GET /uploads/due.
		{"curated", []string{"s3:GetObject"}, []string{curatedFiles, surveyFiles}},
		{"curated", []string{"s3:GetObject", "s3:ListBucket"}, []string{surveyManifests}},
	}},
	{"GET /uploads/due", []Grant{
		// pipeline/surveys.DueList: the organisation's current rows and its
		// survey responses, through their pointers and manifests.
		{"curated", []string{"s3:GetObject", "s3:ListBucket"}, []string{pointers, surveyManifests}},
		{"curated", []string{"s3:GetObject"}, []string{curatedFiles, surveyFiles}},
	}},
	{"GET /uploads/survey-rejections", []Grant{
		{"curated", []string{"s3:GetObject", "s3:ListBucket"}, []string{surveyHeld, surveyRejected}},
	}},
	{"GET /reports", []Grant{
		// A HEAD of the report (is it there?), then a presigned GET.
		{"reports", []string{"s3:GetObject"}, []string{"reports/"}},
	}},
	{"GET /explain", []Grant{
		{"curated", []string{"s3:GetObject", "s3:ListBucket"}, []string{pointers}},
		{"curated", []string{"s3:GetObject"}, []string{curatedFiles}},
	}},
	{"POST /erasures", []Grant{
		// pipeline/erasure: the record; every file of the organisation read
		// and rewritten through the lake's commit (new file, pointer,
		// ledger entry), the old purged with every version; the uploads'
		// reports edited; the raw copies in landing and in the raw bucket
		// (replication copies no deletion) purged, every version.
		{"curated", []string{"s3:GetObject", "s3:PutObject", "s3:ListBucket"}, []string{"erasures/", "uploads/", pointers, curatedFiles}},
		{"curated", []string{"s3:PutObject", "s3:GetObject", "s3:ListBucket"}, []string{ledger}},
		{"curated", []string{"s3:DeleteObject", "s3:DeleteObjectVersion", "s3:ListBucketVersions"}, []string{curatedFiles}},
		{"landing", []string{"s3:DeleteObject", "s3:DeleteObjectVersion", "s3:ListBucketVersions"}, []string{landing.Prefix + "org="}},
		{"raw", []string{"s3:DeleteObject", "s3:DeleteObjectVersion", "s3:ListBucketVersions"}, []string{landing.Prefix + "org="}},
		// pipeline/erasure's survey area: each response file rewritten and
		// its manifest switched, the old file purged; the held and rejected
		// records naming the carer purged.
		{"curated", []string{"s3:GetObject", "s3:PutObject", "s3:ListBucket"}, []string{surveyManifests, surveyFiles}},
		{"curated", []string{"s3:GetObject", "s3:ListBucket"}, []string{surveyHeld, surveyRejected}},
		{"curated", []string{"s3:DeleteObject", "s3:DeleteObjectVersion", "s3:ListBucketVersions"}, []string{surveyFiles, surveyHeld, surveyRejected}},
	}},
}

// The lake's folders, by its API (CuratedFolder("") ends in "//": the
// folder of every kind's files is the part before it).
var (
	pointers     = lake.PointerFolder()
	ledger       = lake.LedgerFolder()
	curatedFiles = strings.TrimSuffix(lake.CuratedFolder(""), "/")

	surveyFiles     = lake.SurveyResponsesFolder()
	surveyManifests = lake.SurveyManifestFolder()
	surveyHeld      = lake.SurveyRecordFolder("held")
	surveyRejected  = lake.SurveyRecordFolder("rejected")
)

type uploadsStatement struct {
	bucket, action, prefix string
	list                   bool
}

// addRouteGrants adds the union of routes' grants to a function's role:
// one statement per object action naming every prefix it is granted on,
// and one per list action and bucket naming its prefixes, so that the
// role's policy stays one inline document.
func addRouteGrants(role awsiam.Role, data *Data, routes []Route, codes []string) {
	buckets := map[string]*string{"landing": data.Landing.BucketArn(), "raw": data.Raw.BucketArn(), "curated": data.Curated.BucketArn(), "reports": data.Reports.BucketArn()}
	type listOn struct{ action, bucket string }
	var actions []string
	var lists []listOn
	objects := map[string][]*string{}
	listed := map[listOn][]string{}
	for _, st := range routeStatements(routes, codes) {
		if st.list {
			on := listOn{st.action, st.bucket}
			if listed[on] == nil {
				lists = append(lists, on)
			}
			listed[on] = append(listed[on], st.prefix)
			continue
		}
		if objects[st.action] == nil {
			actions = append(actions, st.action)
		}
		objects[st.action] = append(objects[st.action], under(buckets[st.bucket], st.prefix))
	}
	for _, a := range actions {
		role.AddToPolicy(allow([]string{a}, objects[a]...))
	}
	for _, on := range lists {
		role.AddToPolicy(listActionUnder(on.action, buckets[on.bucket], listed[on]...))
	}
}

// routeStatements is the union of routes' grants, one per action and
// prefix, in a stable order, the organisations' codes put in.
func routeStatements(routes []Route, codes []string) []uploadsStatement {
	var out []uploadsStatement
	seen := map[uploadsStatement]bool{}
	for _, r := range routes {
		for _, g := range r.Grants {
			for _, p := range g.Prefixes {
				ps := []string{p}
				if strings.Contains(p, OrgToken) {
					ps = nil
					for _, c := range codes {
						ps = append(ps, strings.ReplaceAll(p, OrgToken, c))
					}
				}
				for _, p := range ps {
					for _, a := range g.Actions {
						st := uploadsStatement{bucket: g.Bucket, action: a, prefix: p, list: strings.HasPrefix(a, "s3:List")}
						if !seen[st] {
							seen[st] = true
							out = append(out, st)
						}
					}
				}
			}
		}
	}
	return out
}
