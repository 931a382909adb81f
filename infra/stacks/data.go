package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/carer-outcomes/carer-outcomes/pipeline/lake"
	"github.com/carer-outcomes/carer-outcomes/pipeline/landing"
)

// Data is the key and the buckets.
type Data struct {
	Stack awscdk.Stack
	// Key encrypts every bucket (but the access logs') and the secret; it
	// rotates every year.
	Key awskms.Key
	// Landing is where uploads land, for a few days; Raw keeps each upload
	// exactly as received (replicated from Landing, versioned, never
	// written by the pipeline); Curated is the lake; Reports the stored
	// reports; AthenaResults the query results; AccessLogs the buckets'
	// server access logs.
	Landing, Raw, Curated, Reports, AthenaResults, AccessLogs awss3.Bucket
}

// NewData makes the Data stack.
func NewData(scope constructs.Construct, id string, props *awscdk.StackProps, cfg Config) *Data {
	stack := awscdk.NewStack(scope, jsii.String(id), props)
	d := &Data{Stack: stack}
	ret := cfg.Consortium.Retention
	d.Key = awskms.NewKey(stack, jsii.String("Key"), &awskms.KeyProps{
		Description:       jsii.String("carer-outcomes " + cfg.Name + ": the buckets and the secrets"),
		EnableKeyRotation: jsii.Bool(true),
		Alias:             jsii.String("alias/" + cfg.Name + "-data"),
		RemovalPolicy:     awscdk.RemovalPolicy_RETAIN,
	})
	days := func(n int) awscdk.Duration { return awscdk.Duration_Days(jsii.Number(n)) }
	// S3 writes server access logs only to a bucket with SSE-S3 default
	// encryption (SSE-KMS is not supported for a log target).
	d.AccessLogs = awss3.NewBucket(stack, jsii.String("AccessLogs"), &awss3.BucketProps{
		Encryption:        awss3.BucketEncryption_S3_MANAGED,
		BlockPublicAccess: awss3.BlockPublicAccess_BLOCK_ALL(),
		EnforceSSL:        jsii.Bool(true),
		MinimumTLSVersion: jsii.Number(1.2),
		ObjectOwnership:   awss3.ObjectOwnership_BUCKET_OWNER_ENFORCED,
		RemovalPolicy:     awscdk.RemovalPolicy_RETAIN,
		LifecycleRules: &[]*awss3.LifecycleRule{{
			Id: jsii.String("retention"), Expiration: days(ret.AccessLogDays), AbortIncompleteMultipartUploadAfter: days(1),
		}},
	})
	bucket := func(id string, versioned bool, rules ...*awss3.LifecycleRule) *awss3.BucketProps {
		rules = append(rules, &awss3.LifecycleRule{
			Id: jsii.String("abort-multipart"), AbortIncompleteMultipartUploadAfter: days(1),
		})
		return &awss3.BucketProps{
			Encryption:             awss3.BucketEncryption_KMS,
			EncryptionKey:          d.Key,
			BucketKeyEnabled:       jsii.Bool(true),
			BlockPublicAccess:      awss3.BlockPublicAccess_BLOCK_ALL(),
			EnforceSSL:             jsii.Bool(true),
			MinimumTLSVersion:      jsii.Number(1.2),
			ObjectOwnership:        awss3.ObjectOwnership_BUCKET_OWNER_ENFORCED,
			Versioned:              jsii.Bool(versioned),
			ServerAccessLogsBucket: d.AccessLogs,
			ServerAccessLogsPrefix: jsii.String(id + "/"),
			RemovalPolicy:          awscdk.RemovalPolicy_RETAIN,
			LifecycleRules:         &rules,
		}
	}

	d.Raw = awss3.NewBucket(stack, jsii.String("Raw"), bucket("raw", true, &awss3.LifecycleRule{
		// No Object Lock: the erasure procedure must be able to delete a
		// carer's copies before the retention period ends.
		Id: jsii.String("retention"), Expiration: days(ret.RawDays),
		NoncurrentVersionExpiration: days(30),
	}))
	replication := awsiam.NewRole(stack, jsii.String("ReplicationRole"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("s3.amazonaws.com"), nil),
		Description: jsii.String("S3 replication of each upload from landing to raw"),
	})
	landingProps := bucket("landing", true, &awss3.LifecycleRule{
		Id: jsii.String("short-stay"), Expiration: days(ret.LandingDays), NoncurrentVersionExpiration: days(1),
	})
	d.Landing = awss3.NewBucket(stack, jsii.String("Landing"), landingProps)
	// Written as the CloudFormation property: the L2 replication rules
	// add a key policy that names the landing bucket, a cycle.
	d.Landing.Node().DefaultChild().(awss3.CfnBucket).SetReplicationConfiguration(&awss3.CfnBucket_ReplicationConfigurationProperty{
		Role: replication.RoleArn(),
		Rules: &[]any{&awss3.CfnBucket_ReplicationRuleProperty{
			Id: jsii.String("as-received"), Status: jsii.String("Enabled"), Priority: jsii.Number(1),
			Filter:                  &awss3.CfnBucket_ReplicationRuleFilterProperty{Prefix: jsii.String(landing.Prefix)},
			DeleteMarkerReplication: &awss3.CfnBucket_DeleteMarkerReplicationProperty{Status: jsii.String("Disabled")},
			SourceSelectionCriteria: &awss3.CfnBucket_SourceSelectionCriteriaProperty{
				SseKmsEncryptedObjects: &awss3.CfnBucket_SseKmsEncryptedObjectsProperty{Status: jsii.String("Enabled")},
			},
			Destination: &awss3.CfnBucket_ReplicationDestinationProperty{
				Bucket:                  d.Raw.BucketArn(),
				EncryptionConfiguration: &awss3.CfnBucket_EncryptionConfigurationProperty{ReplicaKmsKeyId: d.Key.KeyArn()},
			},
		}},
	})
	replication.AddToPolicy(allow([]string{"s3:GetReplicationConfiguration", "s3:ListBucket"}, d.Landing.BucketArn()))
	replication.AddToPolicy(allow([]string{"s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl", "s3:GetObjectVersionTagging"}, under(d.Landing.BucketArn(), landing.Prefix)))
	replication.AddToPolicy(allow([]string{"s3:ReplicateObject", "s3:ReplicateTags"}, under(d.Raw.BucketArn(), landing.Prefix)))
	replication.AddToPolicy(allow([]string{"kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"}, d.Key.KeyArn()))

	// Raw is never written but by replication: not by the pipeline, not by
	// an operator.
	d.Raw.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("OnlyReplicationWrites"),
		Effect:     awsiam.Effect_DENY,
		Principals: &[]awsiam.IPrincipal{awsiam.NewAnyPrincipal()},
		Actions:    jsii.Strings("s3:PutObject", "s3:ReplicateObject"),
		Resources:  jsii.Strings(*under(d.Raw.BucketArn(), "")),
		Conditions: &map[string]any{"ArnNotEquals": map[string]any{"aws:PrincipalArn": replication.RoleArn()}},
	}))
	landingPolicy(d.Landing, cfg)

	d.Curated = awss3.NewBucket(stack, jsii.String("Curated"), bucket("curated", false, &awss3.LifecycleRule{
		// A store's temporary files are left only by a crash.
		Id: jsii.String("temporary-files"), Prefix: jsii.String(lake.ReservedTmp + "/"), Expiration: days(1),
	}))
	d.Reports = awss3.NewBucket(stack, jsii.String("Reports"), bucket("reports", false, &awss3.LifecycleRule{
		Id: jsii.String("retention"), Expiration: days(ret.ReportsDays),
	}))
	d.AthenaResults = awss3.NewBucket(stack, jsii.String("AthenaResults"), bucket("athena-results", false, &awss3.LifecycleRule{
		Id: jsii.String("retention"), Expiration: days(ret.AthenaResultsDays),
	}))
	nagSuppress(d.AccessLogs, "AwsSolutions-S1", "this bucket is the access-log target; logging it to itself would loop")
	nagSuppress(replication, "AwsSolutions-IAM5", "S3 replication reads and writes every object under the landing/ prefix (object keys are not known in advance)")
	return d
}

// LandingWriters are the functions whose roles may write to the landing
// bucket: the uploads function (the presigned PUTs are made with its
// role) and the web pages' function (a form's upload).
var LandingWriters = []string{"uploads", "web"}

// landingPolicy is what makes the landing key trustworthy: only the
// LandingWriters' roles may write, and only under the prefix of an
// organisation of the consortium. The ingest function takes the
// organisation from the key, so no one else can choose one.
func landingPolicy(b awss3.Bucket, cfg Config) {
	var writers []*string
	for _, f := range LandingWriters {
		writers = append(writers, RoleArn(cfg, f))
	}
	b.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("OnlyLandingWritersWrite"),
		Effect:     awsiam.Effect_DENY,
		Principals: &[]awsiam.IPrincipal{awsiam.NewAnyPrincipal()},
		Actions:    jsii.Strings("s3:PutObject"),
		Resources:  jsii.Strings(*under(b.BucketArn(), "")),
		Conditions: &map[string]any{"ArnNotEquals": map[string]any{"aws:PrincipalArn": writers}},
	}))
	var orgs []*string
	for _, code := range cfg.Consortium.Codes() {
		orgs = append(orgs, under(b.BucketArn(), landing.Prefix+"org="+code+"/"))
	}
	b.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:          jsii.String("OnlyMembersPrefixes"),
		Effect:       awsiam.Effect_DENY,
		Principals:   &[]awsiam.IPrincipal{awsiam.NewAnyPrincipal()},
		Actions:      jsii.Strings("s3:PutObject"),
		NotResources: &orgs,
	}))
}
