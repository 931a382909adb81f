package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsscheduler"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsschedulertargets"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// MaintenanceSchedule runs the lake gc and check every night, at 03:00 in
// the consortium's time zone: after the day's uploads, before the working
// day.
const MaintenanceSchedule = "cron(0 3 * * ? *)"

// Maintenance is the scheduled lake gc and check, and the alarm that
// fires when the check finds a problem.
type Maintenance struct {
	Stack    awscdk.Stack
	Function *Function
	Schedule awsscheduler.Schedule
	Alarm    awscloudwatch.Alarm
}

// NewMaintenance makes the Maintenance stack.
func NewMaintenance(scope constructs.Construct, id string, props *awscdk.StackProps, cfg Config, data *Data, ingest *Ingest) *Maintenance {
	stack := awscdk.NewStack(scope, jsii.String(id), props)
	m := &Maintenance{Stack: stack}
	m.Function = newFunction(stack, cfg, "maintenance", functionProps{
		Description: "nightly lake gc (curated files no pointer names) and lake check; fails when the check finds a problem",
		Timeout:     awscdk.Duration_Minutes(jsii.Number(15)),
		MemoryMB:    1024,
		// A failed check is a finding, not a fault to retry: it fails the
		// run once, and the alarm fires.
		NoAsyncRetry: true,
		Env: map[string]string{
			"LAKE_BUCKET": *data.Curated.BucketName(),
			"LAKE_PREFIX": "",
			"GC_GRACE":    "24h",
			"GC_APPLY":    "true",
		},
	})
	role := m.Function.Role
	// gc removes unnamed curated files and completes unfinished commits
	// (a log entry written); check reads every object.
	role.AddToPolicy(allow([]string{"s3:GetObject", "s3:PutObject", "s3:DeleteObject"}, under(data.Curated.BucketArn(), "")))
	role.AddToPolicy(allow([]string{"s3:ListBucket"}, data.Curated.BucketArn()))
	role.AddToPolicy(allow([]string{"kms:Decrypt", "kms:GenerateDataKey"}, data.Key.KeyArn()))
	m.Schedule = awsscheduler.NewSchedule(stack, jsii.String("Nightly"), &awsscheduler.ScheduleProps{
		Description: jsii.String("the lake gc and check"),
		Schedule:    awsscheduler.ScheduleExpression_Expression(jsii.String(MaintenanceSchedule), timeZone(cfg.Consortium.Reports.Timezone)),
		Target: awsschedulertargets.NewLambdaInvoke(m.Function.Function, &awsschedulertargets.ScheduleTargetBaseProps{
			Input:         scheduledEvent(),
			RetryAttempts: jsii.Number(0),
		}),
	})
	m.Alarm = alarmAt(stack, "CheckFailedAlarm", "the nightly lake check found a problem, or the run failed: its log lists each finding",
		m.Function.Function.MetricErrors(&awscloudwatch.MetricOptions{Period: awscdk.Duration_Hours(jsii.Number(1))}), 1, ingest.Alarms)
	nagSuppress(role, "AwsSolutions-IAM5", "gc and check read, complete and remove objects anywhere in the lake's bucket, and the function writes its log streams")
	schedulerInvokes(stack, "maintenance")
	return m
}
