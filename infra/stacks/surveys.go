package stacks

import (
	"encoding/json"
	"strconv"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2integrations"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambdaeventsources"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsscheduler"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsschedulertargets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// The survey functions' settings (docs/surveys.md). The consumer takes up
// to 100 messages (each up to 100 responses) gathered for at most a minute,
// as one micro-batch; the queue hides a message for six times its timeout.
const (
	surveyConsumerTimeoutMinutes = 2
	surveyBatchSize              = 100
	surveyBatchWindowSeconds     = 60
	surveyMaxReceives            = 5
	// CompactSchedule merges each survey partition's micro-batches every
	// night, at 03:00 in the consortium's time zone.
	CompactSchedule = "cron(0 3 * * ? *)"
)

// The three functions of functions/surveys, one binary each chooses by
// SURVEYS_HANDLER.
const (
	SurveyWebhook  = "surveys-webhook"
	SurveyConsumer = "surveys-consumer"
	SurveyCompact  = "surveys-compact"
)

// WebhookSecretPrefix is where a form's webhook secret is in Secrets
// Manager: <prefix><ORG>/<form>.
func WebhookSecretPrefix(cfg Config) string { return cfg.Name + "/survey-webhooks/" }

// Surveys is the survey webhooks: an HTTP API with no authoriser (each
// tool signs its deliveries, docs/surveys.md), the queue and its
// dead-letter queue, the webhook, consumer and compaction functions, the
// nightly compaction schedule, one secret per form and the alarms.
type Surveys struct {
	Stack      awscdk.Stack
	Queue      awssqs.Queue
	DeadLetter awssqs.Queue
	API        awsapigatewayv2.HttpApi
	Webhook    *Function
	Consumer   *Function
	Compact    *Function
	Schedule   awsscheduler.Schedule
	// FormSecrets are the forms' secrets, by "ORG/form".
	FormSecrets map[string]awssecretsmanager.Secret
}

// NewSurveys makes the Surveys stack.
func NewSurveys(scope constructs.Construct, id string, props *awscdk.StackProps, cfg Config, data *Data, secrets *Secrets, ingest *Ingest) (*Surveys, error) {
	zipPath, err := bundleWithConsortium(cfg, "surveys")
	if err != nil {
		return nil, err
	}
	stack := awscdk.NewStack(scope, jsii.String(id), props)
	s := &Surveys{Stack: stack, FormSecrets: map[string]awssecretsmanager.Secret{}}
	// The queues are encrypted with the Ingest stack's queue key, as every
	// queue and topic of the deployment is.
	s.Queue, s.DeadLetter = newQueues(stack, ingest.Key, awscdk.Duration_Minutes(jsii.Number(6*surveyConsumerTimeoutMinutes)), surveyMaxReceives)

	prefix := WebhookSecretPrefix(cfg)
	var formSecrets []*string
	for _, o := range cfg.Consortium.Organisations {
		for _, f := range o.Forms {
			name := o.Code + "/" + f.ID
			sec := awssecretsmanager.NewSecret(stack, jsii.String("Form-"+o.Code+"-"+f.ID), &awssecretsmanager.SecretProps{
				SecretName:    jsii.String(prefix + name),
				Description:   jsii.String("the webhook secret of " + o.Code + "'s survey form " + f.ID + ": entered in the survey tool (docs/surveys.md)"),
				EncryptionKey: data.Key,
				RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
				GenerateSecretString: &awssecretsmanager.SecretStringGenerator{
					PasswordLength: jsii.Number(48), ExcludePunctuation: jsii.Bool(true), IncludeSpace: jsii.Bool(false),
				},
			})
			nagSuppress(sec, "AwsSolutions-SMG4", "a form's webhook secret is also entered in the survey tool, so it is rotated by hand in both places (docs/surveys.md)")
			s.FormSecrets[name] = sec
			formSecrets = append(formSecrets, sec.SecretArn())
		}
	}

	s.Webhook = newFunction(stack, cfg, SurveyWebhook, functionProps{
		Folder:      "surveys",
		Zip:         zipPath,
		Description: "the survey webhooks: verifies a tool's signature, pseudonymises and queues the responses",
		Timeout:     awscdk.Duration_Seconds(jsii.Number(10)), // Tally waits 10 s
		MemoryMB:    512,
		Secrets:     true,
		Env: map[string]string{
			"SURVEYS_HANDLER":        "webhook",
			"SURVEY_QUEUE_URL":       *s.Queue.QueueUrl(),
			"CONSORTIUM_FILE":        bundledConsortium,
			"WEBHOOK_SECRET_PREFIX":  prefix,
			"OUTCOMES_KEY_SECRET_ID": *secrets.PseudonymKey.SecretArn(),
		},
	})
	role := s.Webhook.Role
	role.AddToPolicy(allow([]string{"sqs:SendMessage"}, s.Queue.QueueArn()))
	role.AddToPolicy(allow([]string{"kms:Decrypt", "kms:GenerateDataKey"}, ingest.Key.KeyArn()))
	role.AddToPolicy(allow([]string{"kms:Decrypt"}, data.Key.KeyArn()))
	role.AddToPolicy(allow([]string{"secretsmanager:GetSecretValue"}, secrets.PseudonymKey.SecretArn()))
	if len(formSecrets) > 0 {
		role.AddToPolicy(allow([]string{"secretsmanager:GetSecretValue"}, formSecrets...))
	}
	nagSuppress(role, "AwsSolutions-IAM5", "the webhook function writes its own log group's streams, whose names are not known in advance; every other statement names its resource")

	lakeWriter := func(name, handler, what string, timeout awscdk.Duration) *Function {
		f := newFunction(stack, cfg, name, functionProps{
			Folder: "surveys", Zip: zipPath, Description: what, Timeout: timeout, MemoryMB: 1024,
			NoAsyncRetry: handler == "compact",
			Env:          map[string]string{"SURVEYS_HANDLER": handler, "LAKE_BUCKET": *data.Curated.BucketName(), "LAKE_PREFIX": ""},
		})
		// The consumer reads the carers to check a response against and
		// writes survey files, manifests and held or rejected records;
		// compaction reads and replaces survey files.
		f.Role.AddToPolicy(allow([]string{"s3:GetObject", "s3:PutObject", "s3:DeleteObject"}, under(data.Curated.BucketArn(), "")))
		f.Role.AddToPolicy(allow([]string{"s3:ListBucket"}, data.Curated.BucketArn()))
		f.Role.AddToPolicy(allow([]string{"kms:Decrypt", "kms:GenerateDataKey"}, data.Key.KeyArn()))
		nagSuppress(f.Role, "AwsSolutions-IAM5", "object-level actions on the lake's keys (the carers read, the survey area written) and the function's log streams: the keys are not known in advance")
		return f
	}
	s.Consumer = lakeWriter(SurveyConsumer, "consumer", "writes the queued survey responses to the lake in micro-batches",
		awscdk.Duration_Minutes(jsii.Number(surveyConsumerTimeoutMinutes)))
	s.Consumer.Role.AddToPolicy(allow([]string{"kms:Decrypt"}, ingest.Key.KeyArn()))
	s.Consumer.Function.AddEventSource(awslambdaeventsources.NewSqsEventSource(s.Queue, &awslambdaeventsources.SqsEventSourceProps{
		BatchSize:               jsii.Number(surveyBatchSize),
		MaxBatchingWindow:       awscdk.Duration_Seconds(jsii.Number(surveyBatchWindowSeconds)),
		ReportBatchItemFailures: jsii.Bool(true),
	}))
	s.Compact = lakeWriter(SurveyCompact, "compact", "merges each survey partition's micro-batches into one file, nightly",
		awscdk.Duration_Minutes(jsii.Number(15)))
	s.Schedule = awsscheduler.NewSchedule(stack, jsii.String("Nightly"), &awsscheduler.ScheduleProps{
		Description: jsii.String("the survey responses' compaction"),
		Schedule:    awsscheduler.ScheduleExpression_Expression(jsii.String(CompactSchedule), timeZone(cfg.Consortium.Reports.Timezone)),
		Target: awsschedulertargets.NewLambdaInvoke(s.Compact.Function, &awsschedulertargets.ScheduleTargetBaseProps{
			Input: scheduledEvent(),
			// Compaction that failed is tried again: it changes no row.
			RetryAttempts: jsii.Number(2),
		}),
	})
	schedulerInvokes(stack, "surveyscompact")

	logs := awslogs.NewLogGroup(stack, jsii.String("ApiAccessLogs"), &awslogs.LogGroupProps{
		Retention: awslogs.RetentionDays_ONE_YEAR, RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
	})
	s.API = awsapigatewayv2.NewHttpApi(stack, jsii.String("Api"), &awsapigatewayv2.HttpApiProps{
		ApiName: jsii.String(cfg.Name + "-surveys"),
	})
	s.API.AddRoutes(&awsapigatewayv2.AddRoutesOptions{
		Path:        jsii.String("/surveys/{org}/{form}"),
		Methods:     &[]awsapigatewayv2.HttpMethod{awsapigatewayv2.HttpMethod_POST},
		Integration: awsapigatewayv2integrations.NewHttpLambdaIntegration(jsii.String("Webhook"), s.Webhook.Function, nil),
	})
	format, _ := json.Marshal(map[string]string{
		"requestId": "$context.requestId", "ip": "$context.identity.sourceIp", "time": "$context.requestTime",
		"route": "$context.routeKey", "path": "$context.path", "status": "$context.status",
	})
	stage := s.API.DefaultStage().Node().DefaultChild().(awsapigatewayv2.CfnStage)
	stage.SetAccessLogSettings(&awsapigatewayv2.CfnStage_AccessLogSettingsProperty{
		DestinationArn: logs.LogGroupArn(), Format: jsii.String(string(format)),
	})
	stage.SetDefaultRouteSettings(&awsapigatewayv2.CfnStage_RouteSettingsProperty{
		ThrottlingBurstLimit: jsii.Number(100), ThrottlingRateLimit: jsii.Number(50),
	})
	nagSuppress(s.API, "AwsSolutions-APIG4", "a survey tool cannot hold a sign-in token: each delivery is authenticated by the tool's signature over the body, with the form's secret, in the function (docs/surveys.md)")
	awscdk.NewCfnOutput(stack, jsii.String("WebhookUrl"), &awscdk.CfnOutputProps{
		Value:       awscdk.Fn_Join(jsii.String(""), &[]*string{s.API.ApiEndpoint(), jsii.String("/surveys/{org}/{form}")}),
		Description: jsii.String("each form's webhook, entered in the survey tool with its secret (docs/surveys.md)"),
	})

	alarm := func(id, what string, m awscloudwatch.IMetric) { alarmAt(stack, id, what, m, 1, ingest.Alarms) }
	five := &awscloudwatch.MetricOptions{Period: awscdk.Duration_Minutes(jsii.Number(5))}
	alarm("DeadLetterAlarm", "survey responses failed to be written "+strconv.Itoa(surveyMaxReceives)+" times and wait in the dead-letter queue",
		s.DeadLetter.MetricApproximateNumberOfMessagesVisible(five))
	alarm("WebhookErrorsAlarm", "the survey webhook function failed", s.Webhook.Function.MetricErrors(five))
	alarm("ConsumerErrorsAlarm", "the survey consumer function failed", s.Consumer.Function.MetricErrors(five))
	alarm("CompactErrorsAlarm", "the nightly survey compaction failed", s.Compact.Function.MetricErrors(&awscloudwatch.MetricOptions{Period: awscdk.Duration_Hours(jsii.Number(1))}))
	return s, nil
}
