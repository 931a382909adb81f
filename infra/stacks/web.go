package stacks

import (
	"path/filepath"
	"strconv"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfrontorigins"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3deployment"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/carer-outcomes/carer-outcomes/pipeline/landing"
)

// The web pages' settings.
const (
	// WebMaxUploadMB is the largest file a page's form sends: a function
	// URL takes a 6 MB request, which the body's base64 encoding makes
	// about 4.5 MB of file. A bigger file goes through the uploads API's
	// presigned upload.
	WebMaxUploadMB = 4
	// OriginHeader is the header CloudFront sends the web function with
	// the origin secret, so that the function answers only CloudFront.
	OriginHeader = "X-Origin-Verify"
	// CallbackPath and SignedOutPath are the pages the hosted UI sends
	// the browser back to after sign-in and sign-out.
	CallbackPath  = "/auth/callback"
	SignedOutPath = "/signed-out"
)

// AssetPaths are the paths CloudFront serves from the assets bucket (the
// entries of dist/web-assets.zip); everything else goes to the function.
var AssetPaths = []string{"/assets/*", "/static/*"}

// WebSiteSecretName is the secret {"client_id", "site_url",
// "session_key"} the web function reads (SITE_SECRET_ID): the web
// client's id, the site's URL and the key that signs the session cookie.
func WebSiteSecretName(cfg Config) string { return cfg.Name + "/web/site" }

// WebOriginSecretName is the secret CloudFront sends in X-Origin-Verify
// (ORIGIN_SECRET_ID).
func WebOriginSecretName(cfg Config) string { return cfg.Name + "/web/origin" }

// WebDomainPrefixOf is the hosted UI's domain prefix: the configured one,
// or the deployment's name and the account's id (a prefix is unique in a
// region across every account; the account's id makes a clash with
// another account's deployment of the same name impossible).
func WebDomainPrefixOf(cfg Config) *string {
	if cfg.WebDomainPrefix != "" {
		return jsii.String(cfg.WebDomainPrefix)
	}
	return awscdk.Fn_Join(jsii.String("-"), &[]*string{jsii.String(cfg.Name), awscdk.Aws_ACCOUNT_ID()})
}

// WebPages are the web function's pages and what they read and write, in
// the form of UploadsRoutes: the function's S3 policy is their union, and
// nothing else (TestWeb_Role checks it). The pages read what the uploads
// API's routes read for the same views.
var WebPages = []Route{
	{"GET /tasks, GET /history, GET /result, GET /lead (returns, statuses, an upload's report)", []Grant{
		// pipeline/returns: the uploads' records, statuses and reports,
		// the partitions' pointers and the ingest log; an upload not yet
		// ingested shows as received: it is listed in landing and has no
		// landing record (under uploads/) yet.
		{"landing", []string{"s3:ListBucket"}, []string{landing.Prefix + "org="}},
		{"curated", []string{"s3:GetObject", "s3:ListBucket"}, []string{"uploads/", pointers, ledger}},
	}},
	{"GET /tasks, GET /tasks/surveys-due.csv (the follow-up surveys due)", []Grant{
		// pipeline/surveys.DueList, as the uploads API's GET /uploads/due.
		{"curated", []string{"s3:GetObject", "s3:ListBucket"}, []string{pointers, surveyManifests}},
		{"curated", []string{"s3:GetObject"}, []string{curatedFiles, surveyFiles}},
	}},
	{"GET /report, GET /lead/reports (the quarterly report)", []Grant{
		// pipeline/quarterly: every partition's pointer and Parquet file,
		// the quarter's ingest log entries, the survey manifests and files.
		{"curated", []string{"s3:GetObject", "s3:ListBucket"}, []string{pointers, ledger, surveyManifests}},
		{"curated", []string{"s3:GetObject"}, []string{curatedFiles, surveyFiles}},
	}},
	{"POST /upload", []Grant{
		// The form's files, under the signed-in organisation's prefix,
		// for the ingest function.
		{"landing", []string{"s3:PutObject"}, []string{landing.Prefix + "org=" + OrgToken + "/"}},
	}},
}

// Web is the organisations' web pages: the web function behind a
// CloudFront distribution through its function URL, the static assets in
// a bucket behind the same distribution, and sign-in through the hosted
// UI of the Uploads stack's user pool.
type Web struct {
	Stack        awscdk.Stack
	Function     *Function
	URL          awslambda.FunctionUrl
	Assets       awss3.Bucket
	Logs         awss3.Bucket
	Distribution awscloudfront.Distribution
	Client       awscognito.UserPoolClient
	Domain       awscognito.UserPoolDomain
	SiteSecret   awssecretsmanager.Secret
	OriginSecret awssecretsmanager.Secret
}

// NewWeb makes the Web stack.
//
// The references go one way, so that there is no cycle: the distribution
// names the function URL (and the origin secret's value), the client the
// distribution's domain, the site secret the client and the domain. The
// function names none of them: its secrets are named by their fixed
// names, and its role is granted them by ARNs made from those names.
func NewWeb(scope constructs.Construct, id string, props *awscdk.StackProps, cfg Config, data *Data, up *Uploads) (*Web, error) {
	zipPath, err := bundleWithConsortium(cfg, "web")
	if err != nil {
		return nil, err
	}
	stack := awscdk.NewStack(scope, jsii.String(id), props)
	w := &Web{Stack: stack}

	w.Function = newFunction(stack, cfg, "web", functionProps{
		Folder:      "web",
		Zip:         zipPath,
		Description: "the organisations' and the lead's web pages, behind CloudFront",
		// CloudFront waits 30 s for the origin.
		Timeout:  awscdk.Duration_Seconds(jsii.Number(29)),
		MemoryMB: 1024,
		Secrets:  true,
		Env: map[string]string{
			"LAKE_BUCKET":      *data.Curated.BucketName(),
			"LAKE_PREFIX":      "",
			"LANDING_BUCKET":   *data.Landing.BucketName(),
			"CONSORTIUM_FILE":  bundledConsortium,
			"OIDC_ISSUER":      *up.Pool.UserPoolProviderUrl(),
			"SITE_SECRET_ID":   WebSiteSecretName(cfg),
			"ORIGIN_SECRET_ID": WebOriginSecretName(cfg),
			"CLAIM_ORG":        ClaimOrg,
			"LEAD_GROUP":       LeadGroup,
			"MAX_UPLOAD_MB":    strconv.Itoa(WebMaxUploadMB),
		},
	})
	role := w.Function.Role
	addRouteGrants(role, data, WebPages, cfg.Consortium.Codes())
	role.AddToPolicy(allow([]string{"kms:Decrypt", "kms:GenerateDataKey"}, data.Key.KeyArn()))
	role.AddToPolicy(allow([]string{"secretsmanager:GetSecretValue"},
		secretArnByName(WebSiteSecretName(cfg)), secretArnByName(WebOriginSecretName(cfg))))
	nagSuppress(role, "AwsSolutions-IAM5",
		"object-level actions on the keys under the prefixes each page reads or writes (WebPages: the organisations' landing/org= prefixes, the lake's uploads/, current/, curated/, ledger/ingest_log/ and surveys/ areas) and the function's log streams: the keys are chosen per upload and per quarter")

	// CloudFront cannot sign a form's POST for a function URL's IAM auth
	// (OAC needs the body's SHA-256 from the client), so the URL is open
	// and the function answers only requests with the origin secret.
	w.URL = w.Function.Function.AddFunctionUrl(&awslambda.FunctionUrlOptions{AuthType: awslambda.FunctionUrlAuthType_NONE})

	w.OriginSecret = awssecretsmanager.NewSecret(stack, jsii.String("OriginSecret"), &awssecretsmanager.SecretProps{
		SecretName:    jsii.String(WebOriginSecretName(cfg)),
		Description:   jsii.String("the value CloudFront sends the web function in " + OriginHeader + ": a request without it is refused"),
		EncryptionKey: data.Key,
		RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
		GenerateSecretString: &awssecretsmanager.SecretStringGenerator{
			PasswordLength: jsii.Number(48), ExcludePunctuation: jsii.Bool(true), IncludeSpace: jsii.Bool(false),
		},
	})
	nagSuppress(w.OriginSecret, "AwsSolutions-SMG4",
		"the origin secret is also in the distribution's origin header, so it is rotated by hand: a new value, then the distribution's header set to it (docs/deploy.md)")

	// S3-managed encryption: CloudFront's origin access control reads an
	// SSE-KMS bucket only if the key's policy lets the distribution
	// decrypt, which would put the Web stack's distribution in the Data
	// stack's key policy (a cycle across the stacks); the assets are the
	// public pages' CSS and scripts, no carer's data.
	w.Assets = awss3.NewBucket(stack, jsii.String("Assets"), &awss3.BucketProps{
		Encryption:             awss3.BucketEncryption_S3_MANAGED,
		BlockPublicAccess:      awss3.BlockPublicAccess_BLOCK_ALL(),
		EnforceSSL:             jsii.Bool(true),
		MinimumTLSVersion:      jsii.Number(1.2),
		ObjectOwnership:        awss3.ObjectOwnership_BUCKET_OWNER_ENFORCED,
		Versioned:              jsii.Bool(false),
		ServerAccessLogsBucket: data.AccessLogs,
		ServerAccessLogsPrefix: jsii.String("web-assets/"),
		RemovalPolicy:          awscdk.RemovalPolicy_RETAIN,
		LifecycleRules: &[]*awss3.LifecycleRule{{
			Id: jsii.String("abort-multipart"), AbortIncompleteMultipartUploadAfter: awscdk.Duration_Days(jsii.Number(1)),
		}},
	})
	// CloudFront's standard logs are written with an ACL (object writer),
	// so they need a bucket of their own: the Data stack's log bucket has
	// ACLs disabled. It keeps them as long as the buckets' access logs.
	w.Logs = awss3.NewBucket(stack, jsii.String("CdnLogs"), &awss3.BucketProps{
		Encryption:             awss3.BucketEncryption_S3_MANAGED,
		BlockPublicAccess:      awss3.BlockPublicAccess_BLOCK_ALL(),
		EnforceSSL:             jsii.Bool(true),
		MinimumTLSVersion:      jsii.Number(1.2),
		ObjectOwnership:        awss3.ObjectOwnership_OBJECT_WRITER,
		ServerAccessLogsBucket: data.AccessLogs,
		ServerAccessLogsPrefix: jsii.String("web-cdn-logs/"),
		RemovalPolicy:          awscdk.RemovalPolicy_RETAIN,
		LifecycleRules: &[]*awss3.LifecycleRule{{
			Id: jsii.String("retention"), Expiration: awscdk.Duration_Days(jsii.Number(cfg.Consortium.Retention.AccessLogDays)),
			AbortIncompleteMultipartUploadAfter: awscdk.Duration_Days(jsii.Number(1)),
		}},
	})

	security := awscloudfront.NewResponseHeadersPolicy(stack, jsii.String("AssetHeaders"), &awscloudfront.ResponseHeadersPolicyProps{
		Comment: jsii.String("the web assets' security headers"),
		SecurityHeadersBehavior: &awscloudfront.ResponseSecurityHeadersBehavior{
			StrictTransportSecurity: &awscloudfront.ResponseHeadersStrictTransportSecurity{
				AccessControlMaxAge: awscdk.Duration_Days(jsii.Number(730)), IncludeSubdomains: jsii.Bool(true), Override: jsii.Bool(true),
			},
			ContentTypeOptions: &awscloudfront.ResponseHeadersContentTypeOptions{Override: jsii.Bool(true)},
			FrameOptions:       &awscloudfront.ResponseHeadersFrameOptions{FrameOption: awscloudfront.HeadersFrameOption_DENY, Override: jsii.Bool(true)},
			ReferrerPolicy:     &awscloudfront.ResponseHeadersReferrerPolicy{ReferrerPolicy: awscloudfront.HeadersReferrerPolicy_NO_REFERRER, Override: jsii.Bool(true)},
		},
	})
	assets := &awscloudfront.BehaviorOptions{
		Origin:                awscloudfrontorigins.S3BucketOrigin_WithOriginAccessControl(w.Assets, nil),
		AllowedMethods:        awscloudfront.AllowedMethods_ALLOW_GET_HEAD(),
		CachedMethods:         awscloudfront.CachedMethods_CACHE_GET_HEAD(),
		CachePolicy:           awscloudfront.CachePolicy_CACHING_OPTIMIZED(),
		ViewerProtocolPolicy:  awscloudfront.ViewerProtocolPolicy_REDIRECT_TO_HTTPS,
		ResponseHeadersPolicy: security,
		Compress:              jsii.Bool(true),
	}
	behaviours := map[string]*awscloudfront.BehaviorOptions{}
	for _, p := range AssetPaths {
		behaviours[p] = assets
	}
	w.Distribution = awscloudfront.NewDistribution(stack, jsii.String("Distribution"), &awscloudfront.DistributionProps{
		Comment: jsii.String(cfg.Name + ": the organisations' web pages"),
		DefaultBehavior: &awscloudfront.BehaviorOptions{
			Origin: awscloudfrontorigins.NewFunctionUrlOrigin(w.URL, &awscloudfrontorigins.FunctionUrlOriginProps{
				CustomHeaders: &map[string]*string{OriginHeader: w.OriginSecret.SecretValue().UnsafeUnwrap()},
				ReadTimeout:   awscdk.Duration_Seconds(jsii.Number(30)),
			}),
			AllowedMethods:       awscloudfront.AllowedMethods_ALLOW_ALL(),
			CachePolicy:          awscloudfront.CachePolicy_CACHING_DISABLED(),
			OriginRequestPolicy:  awscloudfront.OriginRequestPolicy_ALL_VIEWER_EXCEPT_HOST_HEADER(),
			ViewerProtocolPolicy: awscloudfront.ViewerProtocolPolicy_REDIRECT_TO_HTTPS,
		},
		AdditionalBehaviors:    &behaviours,
		MinimumProtocolVersion: awscloudfront.SecurityPolicyProtocol_TLS_V1_2_2021,
		PriceClass:             awscloudfront.PriceClass_PRICE_CLASS_100,
		HttpVersion:            awscloudfront.HttpVersion_HTTP2_AND_3,
		EnableLogging:          jsii.Bool(true),
		LogBucket:              w.Logs,
		LogFilePrefix:          jsii.String("web/"),
	})
	site := awscdk.Fn_Join(jsii.String(""), &[]*string{jsii.String("https://"), w.Distribution.DistributionDomainName()})
	nagSuppress(w.Distribution, "AwsSolutions-CFR1",
		"the organisations may sign in from anywhere (a data officer travelling); sign-in is required for every page but the start page, so a geographic restriction would add nothing but refusals")
	nagSuppress(w.Distribution, "AwsSolutions-CFR2",
		"AWS WAF is a monthly cost each consortium decides on, as Cognito's Plus plan; every page but the start page needs a sign-in and the function checks the origin header")
	nagSuppress(w.Distribution, "AwsSolutions-CFR4",
		"the distribution uses CloudFront's default *.cloudfront.net certificate, with which CloudFront negotiates its own TLS policy; a custom domain with its own certificate and TLSv1.2_2021 is each consortium's choice (docs/deploy.md)")

	w.Client = awscognito.NewUserPoolClient(stack, jsii.String("Client"), &awscognito.UserPoolClientProps{
		UserPool:           up.Pool,
		UserPoolClientName: jsii.String(cfg.Name + "-web-pages"),
		// A public client with PKCE: the function holds no client secret.
		GenerateSecret: jsii.Bool(false),
		AuthFlows:      &awscognito.AuthFlow{UserSrp: jsii.Bool(true)},
		OAuth: &awscognito.OAuthSettings{
			Flows:        &awscognito.OAuthFlows{AuthorizationCodeGrant: jsii.Bool(true), ImplicitCodeGrant: jsii.Bool(false), ClientCredentials: jsii.Bool(false)},
			Scopes:       &[]awscognito.OAuthScope{awscognito.OAuthScope_OPENID(), awscognito.OAuthScope_EMAIL(), awscognito.OAuthScope_PROFILE()},
			CallbackUrls: &[]*string{awscdk.Fn_Join(jsii.String(""), &[]*string{site, jsii.String(CallbackPath)})},
			LogoutUrls:   &[]*string{awscdk.Fn_Join(jsii.String(""), &[]*string{site, jsii.String(SignedOutPath)})},
		},
		SupportedIdentityProviders: &[]awscognito.UserPoolClientIdentityProvider{awscognito.UserPoolClientIdentityProvider_COGNITO()},
		// As the Uploads stack's client: the organisation is read, never
		// written (with no write list, a client may write every attribute).
		ReadAttributes: awscognito.NewClientAttributes().
			WithStandardAttributes(&awscognito.StandardAttributesMask{Email: jsii.Bool(true), EmailVerified: jsii.Bool(true), Fullname: jsii.Bool(true)}).
			WithCustomAttributes(jsii.String(OrgAttribute)),
		WriteAttributes:            awscognito.NewClientAttributes().WithStandardAttributes(&awscognito.StandardAttributesMask{Fullname: jsii.Bool(true)}),
		PreventUserExistenceErrors: jsii.Bool(true),
		IdTokenValidity:            awscdk.Duration_Hours(jsii.Number(1)),
	})
	w.Domain = awscognito.NewUserPoolDomain(stack, jsii.String("SignIn"), &awscognito.UserPoolDomainProps{
		UserPool:      up.Pool,
		CognitoDomain: &awscognito.CognitoDomainOptions{DomainPrefix: WebDomainPrefixOf(cfg)},
	})

	w.SiteSecret = awssecretsmanager.NewSecret(stack, jsii.String("SiteSecret"), &awssecretsmanager.SecretProps{
		SecretName:    jsii.String(WebSiteSecretName(cfg)),
		Description:   jsii.String("the web pages' client id, site URL and session cookie key (session_key): a new key signs everyone out"),
		EncryptionKey: data.Key,
		RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
		GenerateSecretString: &awssecretsmanager.SecretStringGenerator{
			SecretStringTemplate: awscdk.Fn_Join(jsii.String(""), &[]*string{
				jsii.String(`{"client_id":"`), w.Client.UserPoolClientId(), jsii.String(`","site_url":"`), site, jsii.String(`"}`),
			}),
			GenerateStringKey:  jsii.String("session_key"),
			PasswordLength:     jsii.Number(64),
			ExcludePunctuation: jsii.Bool(true),
			IncludeSpace:       jsii.Bool(false),
		},
	})
	nagSuppress(w.SiteSecret, "AwsSolutions-SMG4",
		"the session key is rotated by hand, since a new one signs every user out; the client id and site URL change only with the stack (docs/deploy.md)")

	deployment := awss3deployment.NewBucketDeployment(stack, jsii.String("AssetsDeployment"), &awss3deployment.BucketDeploymentProps{
		Sources:           &[]awss3deployment.ISource{awss3deployment.Source_Asset(jsii.String(filepath.Join(cfg.Dist, WebAssets)), nil)},
		DestinationBucket: w.Assets,
		Prune:             jsii.Bool(true),
		Distribution:      w.Distribution,
		DistributionPaths: jsii.Strings(AssetPaths...),
		MemoryLimit:       jsii.Number(512),
	})
	nagBucketDeployment(stack, deployment)

	awscdk.NewCfnOutput(stack, jsii.String("SiteUrl"), &awscdk.CfnOutputProps{
		Value: site, Description: jsii.String("the organisations' web pages"),
	})
	awscdk.NewCfnOutput(stack, jsii.String("FunctionName"), &awscdk.CfnOutputProps{
		Value: w.Function.Function.FunctionName(), Description: jsii.String("the web pages' function, for its logs"),
	})
	return w, nil
}

// secretArnByName is the ARN of a secret named name, whatever the six
// characters Secrets Manager appends: a role may be granted a secret of
// its own stack without a reference to it.
func secretArnByName(name string) *string {
	return awscdk.Fn_Join(jsii.String(""), &[]*string{
		jsii.String("arn:"), awscdk.Aws_PARTITION(), jsii.String(":secretsmanager:"), awscdk.Aws_REGION(), jsii.String(":"),
		awscdk.Aws_ACCOUNT_ID(), jsii.String(":secret:" + name + "-??????"),
	})
}

// nagBucketDeployment explains the findings on CDK's handler that copies
// the assets zip into the bucket at deploy time.
func nagBucketDeployment(stack awscdk.Stack, d awss3deployment.BucketDeployment) {
	for _, c := range *stack.Node().Children() {
		if !strings.HasPrefix(*c.Node().Id(), "Custom::CDKBucketDeployment") {
			continue
		}
		nagSuppress(c, "AwsSolutions-IAM4",
			"CDK's own handler that copies the web assets into their bucket at deploy time uses AWSLambdaBasicExecutionRole for its logs; it handles no data",
			"Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")
		nagSuppress(c, "AwsSolutions-IAM5",
			"CDK's own handler reads the assets zip from the CDK assets bucket, writes and prunes the keys of the web assets bucket, and invalidates the assets' paths in the distribution (CloudFront invalidations name no resource)",
			`/^Action::s3:(GetObject|GetBucket|List|DeleteObject|Abort)\*$/g`,
			`/^Resource::arn:<AWS::Partition>:s3:::cdk-[a-z0-9]+-assets-<AWS::AccountId>-<AWS::Region>\/?\*?$/g`,
			`/^Resource::<Assets[0-9A-F]{8}\.Arn>\/\*$/g`,
			"Resource::*")
		nagSuppress(c, "AwsSolutions-L1",
			"CDK's own handler runtime is chosen by the CDK version, not here; it runs only at deploy time and handles no data")
	}
}
