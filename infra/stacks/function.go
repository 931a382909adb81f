package stacks

import (
	"archive/zip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsscheduler"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// FunctionMetadata is the template metadata key that names the folder
// under functions/ a Lambda function is built from.
const FunctionMetadata = "carer-outcomes:function"

// Function is one of the pipeline's Lambda functions with its own role.
type Function struct {
	Name     string // its folder under functions/
	Function awslambda.Function
	Role     awsiam.Role
}

type functionProps struct {
	// Folder is the folder under functions/ it is built from, when it is
	// not the function's name (several functions of one binary).
	Folder string
	// Zip is its code, when it is not dist/<folder>.zip.
	Zip         string
	Description string
	Timeout     awscdk.Duration
	MemoryMB    float64
	// Env is the whole environment: exactly what the function's
	// configuration reads.
	Env map[string]string
	// NoAsyncRetry turns off Lambda's own retries of a failed
	// asynchronous invocation (a schedule's): the schedule decides.
	NoAsyncRetry bool
	// Secrets says the function reads a secret through the AWS Parameters
	// and Secrets Lambda Extension (keysource), which the layer provides.
	Secrets bool
}

// RoleName is the name of a function's role. It is fixed so that a
// resource policy in another stack (the landing bucket's, the secret's)
// can name the role without a reference back to the function's stack.
func RoleName(cfg Config, function string) string { return cfg.Name + "-" + function }

// RoleArn is the ARN of a function's role, for resource policies.
func RoleArn(cfg Config, function string) *string {
	return awscdk.Fn_Join(jsii.String(""), &[]*string{
		jsii.String("arn:"), awscdk.Aws_PARTITION(), jsii.String(":iam::"), awscdk.Aws_ACCOUNT_ID(),
		jsii.String(":role/" + RoleName(cfg, function)),
	})
}

// newFunction makes a function (arm64, provided.al2023, the bootstrap in
// dist/<name>.zip unless props say otherwise), its log group and a role that may write to that log
// group only; the caller adds the rest of the role's statements.
func newFunction(scope constructs.Construct, cfg Config, name string, p functionProps) *Function {
	id := jsii.String(name)
	logs := awslogs.NewLogGroup(scope, jsii.String(name+"Logs"), &awslogs.LogGroupProps{
		Retention:     awslogs.RetentionDays_THREE_MONTHS,
		RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
	})
	role := awsiam.NewRole(scope, jsii.String(name+"Role"), &awsiam.RoleProps{
		RoleName:    jsii.String(RoleName(cfg, name)),
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
		Description: jsii.String("the " + name + " function: only what it uses"),
	})
	role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("logs:CreateLogStream", "logs:PutLogEvents"),
		Resources: jsii.Strings(*logs.LogGroupArn()),
	}))
	folder, zipPath := p.Folder, p.Zip
	if folder == "" {
		folder = name
	}
	if zipPath == "" {
		zipPath = filepath.Join(cfg.Dist, folder+".zip")
	}
	env := map[string]*string{}
	for k, v := range p.Env {
		env[k] = jsii.String(v)
	}
	props := &awslambda.FunctionProps{
		Description:  jsii.String(p.Description),
		Runtime:      awslambda.Runtime_PROVIDED_AL2023(),
		Architecture: awslambda.Architecture_ARM_64(),
		Handler:      jsii.String("bootstrap"),
		Code:         awslambda.Code_FromAsset(jsii.String(zipPath), nil),
		Role:         role,
		Timeout:      p.Timeout,
		MemorySize:   jsii.Number(p.MemoryMB),
		Environment:  &env,
		LogGroup:     logs,
	}
	if p.NoAsyncRetry {
		props.RetryAttempts = jsii.Number(0)
	}
	if p.Secrets {
		props.ParamsAndSecrets = awslambda.ParamsAndSecretsLayerVersion_FromVersion(awslambda.ParamsAndSecretsVersions_V1_0_103, &awslambda.ParamsAndSecretsOptions{
			CacheEnabled: jsii.Bool(true),
		})
	}
	fn := awslambda.NewFunction(scope, id, props)
	fn.Node().DefaultChild().(awscdk.CfnResource).AddMetadata(jsii.String(FunctionMetadata), folder)
	return &Function{Name: folder, Function: fn, Role: role}
}

// allow is a statement allowing actions on resources.
func allow(actions []string, resources ...*string) awsiam.PolicyStatement {
	return awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings(actions...),
		Resources: &resources,
	})
}

// under is the ARN of the objects under a prefix of a bucket.
func under(bucketArn *string, prefix string) *string {
	return awscdk.Fn_Join(jsii.String(""), &[]*string{bucketArn, jsii.String("/" + prefix + "*")})
}

// Functions are the folders under functions/ that the stacks deploy.
var Functions = []string{"ingest", "uploads", "report", "links", "maintenance", "surveys", "web"}

// WebAssets is the zip of the web pages' static files (entries assets/…
// and static/…), which `make functions` writes beside the functions' zips
// and the Web stack deploys to its assets bucket.
const WebAssets = "web-assets.zip"

// CheckDist says which function zips (and the web assets' zip) are
// missing, so that a synth without `make functions` fails with a sentence
// rather than a missing asset.
func CheckDist(dist string) error {
	var missing []string
	for _, f := range Functions {
		if _, err := os.Stat(filepath.Join(dist, f+".zip")); err != nil {
			missing = append(missing, f+".zip")
		}
	}
	if _, err := os.Stat(filepath.Join(dist, WebAssets)); err != nil {
		missing = append(missing, WebAssets)
	}
	if len(missing) > 0 {
		return fmt.Errorf("%s: no %s: run `make functions` first", dist, strings.Join(missing, ", "))
	}
	return nil
}

// newQueues makes a queue and its dead-letter queue, encrypted with key and
// TLS only: a message goes to the dead-letter queue after maxReceives
// deliveries, and is hidden for visibility while one is worked on.
func newQueues(stack awscdk.Stack, key awskms.IKey, visibility awscdk.Duration, maxReceives float64) (queue, deadLetter awssqs.Queue) {
	deadLetter = awssqs.NewQueue(stack, jsii.String("DeadLetter"), &awssqs.QueueProps{
		Encryption: awssqs.QueueEncryption_KMS, EncryptionMasterKey: key, EnforceSSL: jsii.Bool(true),
		RetentionPeriod: awscdk.Duration_Days(jsii.Number(14)),
	})
	queue = awssqs.NewQueue(stack, jsii.String("Queue"), &awssqs.QueueProps{
		Encryption: awssqs.QueueEncryption_KMS, EncryptionMasterKey: key, EnforceSSL: jsii.Bool(true),
		VisibilityTimeout: visibility,
		RetentionPeriod:   awscdk.Duration_Days(jsii.Number(14)),
		DeadLetterQueue:   &awssqs.DeadLetterQueue{Queue: deadLetter, MaxReceiveCount: jsii.Number(maxReceives)},
	})
	return queue, deadLetter
}

// scheduledEvent is a schedule's input: the EventBridge event a function
// reads, its time the schedule's.
func scheduledEvent() awsscheduler.ScheduleTargetInput {
	return awsscheduler.ScheduleTargetInput_FromObject(map[string]any{
		"version": "0", "source": "aws.scheduler", "detail-type": "Scheduled Event",
		"time": awsscheduler.ContextAttribute_ScheduledTime(), "detail": map[string]any{},
	})
}

// alarmAt makes an alarm when metric reaches threshold in a period, sent
// to the deployment's alarms topic.
func alarmAt(stack awscdk.Stack, id, what string, metric awscloudwatch.IMetric, threshold float64, topic awssns.ITopic) awscloudwatch.Alarm {
	a := awscloudwatch.NewAlarm(stack, jsii.String(id), &awscloudwatch.AlarmProps{
		AlarmDescription:   jsii.String(what),
		Metric:             metric,
		Threshold:          jsii.Number(threshold),
		EvaluationPeriods:  jsii.Number(1),
		ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
		TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
	})
	a.AddAlarmAction(awscloudwatchactions.NewSnsAction(topic))
	return a
}

// bundledConsortium is the consortium file's name in a function's zip,
// beside the bootstrap (its CONSORTIUM_FILE).
const bundledConsortium = "consortium.json"

// bundleWithConsortium writes the zip of a function that reads the
// consortium file: dist/<folder>.zip's bootstrap with the consortium file
// beside it. It is written to the dist folder, as
// dist/<folder>-bundle.zip, each synth (the survey functions read the
// forms and their mappings from it, the web pages the organisations).
func bundleWithConsortium(cfg Config, folder string) (string, error) {
	fail := func(err error) (string, error) {
		return "", fmt.Errorf("bundle the consortium file with the %s function: %w", folder, err)
	}
	consortiumJSON, err := os.ReadFile(cfg.ConsortiumFile)
	if err != nil {
		return fail(err)
	}
	src, err := zip.OpenReader(filepath.Join(cfg.Dist, folder+".zip"))
	if err != nil {
		return fail(err)
	}
	defer src.Close()
	out := filepath.Join(cfg.Dist, folder+"-bundle.zip")
	f, err := os.Create(out)
	if err != nil {
		return fail(err)
	}
	z := zip.NewWriter(f)
	for _, e := range src.File {
		if e.Name == bundledConsortium {
			continue
		}
		if err = z.Copy(e); err != nil {
			break
		}
	}
	if err == nil {
		var w io.Writer
		if w, err = z.CreateHeader(&zip.FileHeader{Name: bundledConsortium, Method: zip.Deflate, ExternalAttrs: 0o644 << 16}); err == nil {
			_, err = w.Write(consortiumJSON)
		}
	}
	if err == nil {
		err = z.Close()
	}
	if err2 := f.Close(); err == nil {
		err = err2
	}
	if err != nil {
		return fail(err)
	}
	return out, nil
}
