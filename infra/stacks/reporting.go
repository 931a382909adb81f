package stacks

import (
	"encoding/json"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsscheduler"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsschedulertargets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsses"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// Reporting is the report function, its schedule and its SES identity.
type Reporting struct {
	Stack    awscdk.Stack
	Function *Function
	// Links serves the report links (a function URL).
	Links    *Function
	LinksURL awslambda.FunctionUrl
	Schedule awsscheduler.Schedule
	Identity awsses.EmailIdentity
}

// NewReporting makes the Reporting stack.
func NewReporting(scope constructs.Construct, id string, props *awscdk.StackProps, cfg Config, data *Data, secrets *Secrets) *Reporting {
	stack := awscdk.NewStack(scope, jsii.String(id), props)
	r := &Reporting{Stack: stack}
	c := cfg.Consortium
	r.Identity = awsses.NewEmailIdentity(stack, jsii.String("Sender"), &awsses.EmailIdentityProps{
		Identity: awsses.Identity_Email(jsii.String(c.Reports.From)),
	})
	orgs := map[string]string{}
	for _, o := range c.Organisations {
		if len(o.Contacts) > 0 {
			orgs[o.Code] = strings.Join(o.Contacts, ",")
		}
	}
	orgJSON, _ := json.Marshal(orgs)
	r.Links = newFunction(stack, cfg, "links", functionProps{
		Description: "serves the reports to the holders of the links the report e-mails carry",
		Timeout:     awscdk.Duration_Seconds(jsii.Number(10)),
		MemoryMB:    256,
		Secrets:     true,
		Env: map[string]string{
			"REPORTS_BUCKET":     *data.Reports.BucketName(),
			"LINK_KEY_SECRET_ID": *secrets.LinkKey.SecretArn(),
		},
	})
	// Anyone may ask; only a link signed with the key, and not expired,
	// is answered (pipeline/reportlink).
	r.LinksURL = r.Links.Function.AddFunctionUrl(&awslambda.FunctionUrlOptions{AuthType: awslambda.FunctionUrlAuthType_NONE})
	r.Links.Role.AddToPolicy(allow([]string{"s3:GetObject"}, under(data.Reports.BucketArn(), "reports/")))
	r.Links.Role.AddToPolicy(allow([]string{"kms:Decrypt"}, data.Key.KeyArn()))
	r.Links.Role.AddToPolicy(allow([]string{"secretsmanager:GetSecretValue"}, secrets.LinkKey.SecretArn()))
	awscdk.NewCfnOutput(stack, jsii.String("LinksUrl"), &awscdk.CfnOutputProps{Value: r.LinksURL.Url()})
	nagSuppress(r.Links.Role, "AwsSolutions-IAM5", "reads the objects under the reports bucket's reports/ prefix (each report's files) and writes its log streams")
	r.Function = newFunction(stack, cfg, "report", functionProps{
		Description: "makes the quarterly reports, stores them and e-mails their links",
		Timeout:     awscdk.Duration_Minutes(jsii.Number(15)),
		MemoryMB:    3008,
		Secrets:     true,
		// The schedule retries a failed run (twice); Lambda's own retries
		// on top would send the e-mails more times still.
		NoAsyncRetry: true,
		Env: map[string]string{
			"LAKE_BUCKET":     *data.Curated.BucketName(),
			"LAKE_PREFIX":     "",
			"REPORTS_BUCKET":  *data.Reports.BucketName(),
			"FROM_ADDRESS":    c.Reports.From,
			"LEAD_ADDRESSES":  strings.Join(c.Leads, ","),
			"ORG_ADDRESSES":   string(orgJSON),
			"REPORT_LINK_TTL": "168h",
			// Links the links function serves, which work for all of
			// REPORT_LINK_TTL (a URL presigned with this function's role
			// would die with its credentials).
			"LINK_BASE_URL":      *r.LinksURL.Url(),
			"LINK_KEY_SECRET_ID": *secrets.LinkKey.SecretArn(),
		},
	})
	role := r.Function.Role
	role.AddToPolicy(allow([]string{"s3:GetObject"}, under(data.Curated.BucketArn(), "")))
	role.AddToPolicy(allow([]string{"s3:ListBucket"}, data.Curated.BucketArn()))
	role.AddToPolicy(allow([]string{"s3:PutObject"}, under(data.Reports.BucketArn(), "reports/")))
	role.AddToPolicy(allow([]string{"kms:Decrypt", "kms:GenerateDataKey"}, data.Key.KeyArn()))
	role.AddToPolicy(allow([]string{"ses:SendEmail"}, r.Identity.EmailIdentityArn()))
	role.AddToPolicy(allow([]string{"secretsmanager:GetSecretValue"}, secrets.LinkKey.SecretArn()))

	// Scheduler passes its input as it is: the function reports the
	// quarter before the one the schedule's time falls in.
	r.Schedule = awsscheduler.NewSchedule(stack, jsii.String("Quarterly"), &awsscheduler.ScheduleProps{
		Description: jsii.String("the quarterly reports"),
		Schedule:    awsscheduler.ScheduleExpression_Expression(jsii.String(c.Reports.Schedule), timeZone(c.Reports.Timezone)),
		Target: awsschedulertargets.NewLambdaInvoke(r.Function.Function, &awsschedulertargets.ScheduleTargetBaseProps{
			Input:         scheduledEvent(),
			RetryAttempts: jsii.Number(2),
		}),
	})
	schedulerInvokes(stack, "report")
	nagSuppress(r.Function.Role, "AwsSolutions-IAM5",
		"object-level actions on the lake's keys, the keys under the reports bucket's reports/ prefix and the function's log streams: the keys are not known in advance")
	return r
}

// timeZone is the schedule's time zone, UTC when the consortium names none.
func timeZone(name string) awscdk.TimeZone {
	if name == "" {
		return awscdk.TimeZone_ETC_UTC()
	}
	return awscdk.TimeZone_Of(jsii.String(name))
}
