package stacks

import (
	"strconv"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambdaeventsources"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3notifications"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssnssubscriptions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/carer-outcomes/carer-outcomes/pipeline/landing"
)

// Ingest timings: the queue hides a message for six times the function's
// timeout (AWS's advice for SQS event sources), so that a message being
// worked on is never delivered twice at once.
const (
	ingestTimeoutMinutes = 5
	ingestMaxReceives    = 5
	// oldestMessageAlarmMinutes: an upload waiting this long means ingest
	// has stopped keeping up.
	oldestMessageAlarmMinutes = 15
)

// Ingest is the landing notifications, the queue, the ingest function and
// its alarms.
type Ingest struct {
	Stack      awscdk.Stack
	Key        awskms.Key
	Queue      awssqs.Queue
	DeadLetter awssqs.Queue
	Function   *Function
	// Alarms receives every alarm of the deployment.
	Alarms awssns.Topic
}

// NewIngest makes the Ingest stack.
func NewIngest(scope constructs.Construct, id string, props *awscdk.StackProps, cfg Config, data *Data, secrets *Secrets) *Ingest {
	stack := awscdk.NewStack(scope, jsii.String(id), props)
	in := &Ingest{Stack: stack}
	// The queues' and the topic's own key: S3 (for the notifications) and
	// CloudWatch (for the alarms) are given its use, and a grant naming
	// the landing bucket on the Data key would make the two stacks
	// depend on each other.
	in.Key = awskms.NewKey(stack, jsii.String("Key"), &awskms.KeyProps{
		Description:       jsii.String("carer-outcomes " + cfg.Name + ": the ingest queues and the alarms topic"),
		EnableKeyRotation: jsii.Bool(true),
		Alias:             jsii.String("alias/" + cfg.Name + "-ingest"),
		RemovalPolicy:     awscdk.RemovalPolicy_RETAIN,
	})
	in.Key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("cloudwatch.amazonaws.com"), nil)},
		Actions:    jsii.Strings("kms:GenerateDataKey", "kms:Decrypt"),
		Resources:  jsii.Strings("*"),
		Conditions: &map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": awscdk.Aws_ACCOUNT_ID()}},
	}), nil)
	in.Queue, in.DeadLetter = newQueues(stack, in.Key, awscdk.Duration_Minutes(jsii.Number(6*ingestTimeoutMinutes)), ingestMaxReceives)
	// The landing bucket is imported so that its notification (a custom
	// resource) lives here, not in the Data stack, which would then
	// depend on this one.
	landingBucket := awss3.Bucket_FromBucketAttributes(stack, jsii.String("LandingBucket"), &awss3.BucketAttributes{
		BucketArn: data.Landing.BucketArn(), EncryptionKey: data.Key,
	})
	landingBucket.AddEventNotification(awss3.EventType_OBJECT_CREATED, awss3notifications.NewSqsDestination(in.Queue),
		&awss3.NotificationKeyFilter{Prefix: jsii.String(landing.Prefix)})

	in.Function = newFunction(stack, cfg, "ingest", functionProps{
		Description: "ingests each landed return into the lake",
		Timeout:     awscdk.Duration_Minutes(jsii.Number(ingestTimeoutMinutes)),
		MemoryMB:    1024,
		Secrets:     true,
		Env: map[string]string{
			"LAKE_BUCKET":            *data.Curated.BucketName(),
			"LAKE_PREFIX":            "",
			"OUTCOMES_KEY_SECRET_ID": *secrets.PseudonymKey.SecretArn(),
			"MAX_FILE_MB":            "50",
		},
	})
	role := in.Function.Role
	role.AddToPolicy(allow([]string{"s3:GetObject"}, under(data.Landing.BucketArn(), landing.Prefix), under(data.Raw.BucketArn(), landing.Prefix)))
	role.AddToPolicy(allow([]string{"s3:GetObject", "s3:PutObject", "s3:DeleteObject"}, under(data.Curated.BucketArn(), "")))
	role.AddToPolicy(allow([]string{"s3:ListBucket"}, data.Curated.BucketArn()))
	role.AddToPolicy(allow([]string{"kms:Decrypt", "kms:GenerateDataKey"}, data.Key.KeyArn()))
	role.AddToPolicy(allow([]string{"secretsmanager:GetSecretValue"}, secrets.PseudonymKey.SecretArn()))
	in.Function.Function.AddEventSource(awslambdaeventsources.NewSqsEventSource(in.Queue, &awslambdaeventsources.SqsEventSourceProps{
		BatchSize:               jsii.Number(5),
		ReportBatchItemFailures: jsii.Bool(true),
	}))

	in.Alarms = awssns.NewTopic(stack, jsii.String("Alarms"), &awssns.TopicProps{
		DisplayName: jsii.String(cfg.Consortium.Name + " pipeline alarms"),
		MasterKey:   in.Key, EnforceSSL: jsii.Bool(true),
	})
	for _, a := range cfg.Consortium.Operators {
		in.Alarms.AddSubscription(awssnssubscriptions.NewEmailSubscription(jsii.String(a), nil))
	}
	alarm := func(id, what string, m awscloudwatch.IMetric, threshold float64) {
		alarmAt(stack, id, what, m, threshold, in.Alarms)
	}
	five := &awscloudwatch.MetricOptions{Period: awscdk.Duration_Minutes(jsii.Number(5))}
	alarm("DeadLetterAlarm", "an upload failed ingest "+strconv.Itoa(ingestMaxReceives)+" times and waits in the dead-letter queue",
		in.DeadLetter.MetricApproximateNumberOfMessagesVisible(five), 1)
	alarm("ErrorsAlarm", "the ingest function failed", in.Function.Function.MetricErrors(five), 1)
	alarm("OldestMessageAlarm", "an upload has waited "+strconv.Itoa(oldestMessageAlarmMinutes)+" minutes to be ingested",
		in.Queue.MetricApproximateAgeOfOldestMessage(five), oldestMessageAlarmMinutes*60)
	awscdk.NewCfnOutput(stack, jsii.String("QueueUrl"), &awscdk.CfnOutputProps{Value: in.Queue.QueueUrl(), Description: jsii.String("the ingest queue (docs/deploy.md: restoring from raw)")})
	nagSuppress(in.Function.Role, "AwsSolutions-IAM5",
		"object-level actions on the keys under a bucket prefix (landing/ for the uploads, the curated bucket for the lake this function writes) and the function's log streams: the keys are not known in advance")
	nagSuppress(stack.Node().FindChild(jsii.String(notificationsHandler)), "AwsSolutions-IAM4",
		"CDK's own handler that writes the landing bucket's notification configuration at deploy time uses AWSLambdaBasicExecutionRole for its logs; it handles no data")
	return in
}

// notificationsHandler is the id of the CDK's custom resource that writes
// a bucket's notification configuration.
const notificationsHandler = "BucketNotificationsHandler050a0587b7544547bf325f094a3db834"
