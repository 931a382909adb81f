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

	"github.com/carer-outcomes/carer-outcomes/pipeline/landing"
)

// OrgAttribute is the user attribute naming a user's organisation, set by
// an administrator when the user is created and never by the user.
const OrgAttribute = "org"

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

	u.Function = newFunction(stack, cfg, "uploads", functionProps{
		Description: "the organisations' uploads API: presigned upload URLs and upload statuses",
		Timeout:     awscdk.Duration_Seconds(jsii.Number(29)),
		MemoryMB:    512,
		Secrets:     true,
		Env: map[string]string{
			"LANDING_BUCKET":         *data.Landing.BucketName(),
			"LAKE_BUCKET":            *data.Curated.BucketName(),
			"LAKE_PREFIX":            "",
			"CLAIM_ORG":              "custom:" + OrgAttribute,
			"CLAIM_ROLE":             "custom:role",
			"LEAD_GROUP":             "lead",
			"ORGANISATIONS":          strings.Join(cfg.Consortium.Codes(), ","),
			"RETURNS_DUE_DAYS":       strconv.Itoa(cfg.Consortium.DueDays()),
			"REPORTS_BUCKET":         *data.Reports.BucketName(),
			"OUTCOMES_KEY_SECRET_ID": *secrets.PseudonymKey.SecretArn(),
			"MAX_UPLOAD_MB":          "50",
			"UPLOAD_URL_TTL":         "15m",
		},
	})
	role := u.Function.Role
	var orgs []*string
	for _, code := range cfg.Consortium.Codes() {
		orgs = append(orgs, under(data.Landing.BucketArn(), landing.Prefix+"org="+code+"/"))
	}
	// The URLs it signs carry this role's permission: a PUT under an
	// organisation's landing prefix, the token's organisation chosen by
	// the function.
	role.AddToPolicy(allow([]string{"s3:PutObject"}, orgs...))
	role.AddToPolicy(listUnder(data.Landing.BucketArn(), landing.Prefix+"org="))
	// It reads the lake: the uploads' records, and for the pages' routes
	// the ledger (a return's states), the current rows (explain) and the
	// carers, follow-ups and survey responses (the follow-up surveys due).
	role.AddToPolicy(allow([]string{"s3:GetObject"}, under(data.Curated.BucketArn(), "")))
	role.AddToPolicy(allow([]string{"s3:ListBucket"}, data.Curated.BucketArn()))
	role.AddToPolicy(allow([]string{"kms:Decrypt", "kms:GenerateDataKey"}, data.Key.KeyArn()))
	role.AddToPolicy(allow([]string{"secretsmanager:GetSecretValue"}, secrets.PseudonymKey.SecretArn()))

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
		"object-level actions on the keys under an organisation's landing prefix, reading the lake's keys (uploads' records, the ledger, the rows behind figures and due lists), and the function's log streams: the keys are chosen per upload")
	nagSuppress(u.Pool, "AwsSolutions-COG2",
		"MFA (an authenticator app) is available to every user; requiring it is each consortium's choice before the pool is created (docs/deploy.md), since some small charities' data officers have no phone for an authenticator")
	nagSuppress(u.Pool, "AwsSolutions-COG8",
		"the Plus feature plan (threat protection) is a cost each consortium decides on; passwords are long, sign-up is closed and accounts are created by administrators")
	nagSuppress(u.Pool, "AwsSolutions-COG3",
		"threat protection needs Cognito's Plus feature plan, a cost each consortium decides on; passwords are long, sign-up is closed and accounts are created by administrators")
	return u
}

// listUnder allows listing a bucket's keys under a prefix only.
func listUnder(bucketArn *string, prefix string) awsiam.PolicyStatement {
	return awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:    jsii.Strings("s3:ListBucket"),
		Resources:  &[]*string{bucketArn},
		Conditions: &map[string]any{"StringLike": map[string]any{"s3:prefix": prefix + "*"}},
	})
}
